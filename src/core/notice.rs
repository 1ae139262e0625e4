//! The privacy notice (Art. 13/14) and the record of processing activities (Art. 30),
//! written from the register's description in Finnish or English. The notice follows the ten
//! sections of a Finnish `rekisteriseloste` and adds what Art. 13 asks beyond them: the legal
//! basis per purpose, retention, recipients, transfer safeguards, the right to withdraw
//! consent, portability and the complaint authority.

use serde::Serialize;

use crate::core::access::{Lang, rights_texts};
use crate::core::model::{Basis, Description, MarketingChannel, Purpose};

/// The name of a legal basis, as it reads after "The legal basis of the processing is".
pub fn basis_name(basis: Basis, lang: Lang) -> &'static str {
    match (lang, basis) {
        (Lang::Fi, Basis::Consent) => "rekisteröidyn suostumus",
        (Lang::Fi, Basis::Contract) => "sopimuksen täytäntöönpano",
        (Lang::Fi, Basis::LegalObligation) => "rekisterinpitäjän lakisääteinen velvoite",
        (Lang::Fi, Basis::VitalInterests) => {
            "rekisteröidyn tai toisen luonnollisen henkilön elintärkeiden etujen suojaaminen"
        }
        (Lang::Fi, Basis::PublicTask) => {
            "yleistä etua koskevan tehtävän suorittaminen tai julkisen vallan käyttäminen"
        }
        (Lang::Fi, Basis::LegitimateInterests) => "rekisterinpitäjän oikeutettu etu",
        (Lang::En, Basis::Consent) => "the data subject's consent",
        (Lang::En, Basis::Contract) => "the performance of a contract with the data subject",
        (Lang::En, Basis::LegalObligation) => "a legal obligation of the controller",
        (Lang::En, Basis::VitalInterests) => {
            "the protection of the vital interests of the data subject or of another natural person"
        }
        (Lang::En, Basis::PublicTask) => {
            "the performance of a task carried out in the public interest or in the exercise of official authority"
        }
        (Lang::En, Basis::LegitimateInterests) => "the legitimate interests of the controller",
    }
}

/// The legal-basis sentence of a purpose, derived from its basis, with its note.
pub fn legal_basis_sentence(purpose: &Purpose, lang: Lang) -> String {
    let letter = purpose.basis.letter();
    let mut sentence = match lang {
        Lang::Fi => format!(
            "Käsittelyn oikeusperuste on {} (tietosuoja-asetuksen 6 artiklan 1 kohdan {letter} alakohta).",
            basis_name(purpose.basis, lang)
        ),
        Lang::En => format!(
            "The legal basis of the processing is {} (Article 6(1)({letter}) GDPR).",
            basis_name(purpose.basis, lang)
        ),
    };
    if let Some(note) = &purpose.basis_note {
        let note = lang.pick(note).trim();
        if !note.is_empty() {
            sentence.push(' ');
            sentence.push_str(note);
        }
    }
    sentence
}

/// "sähköpostitse, puhelimitse ja postitse" / "by email, phone and post".
pub fn channels_phrase(channels: &[MarketingChannel], lang: Lang) -> String {
    let names: Vec<String> = channels
        .iter()
        .map(|c| {
            match (lang, c) {
                (Lang::Fi, MarketingChannel::Email) => "sähköpostitse",
                (Lang::Fi, MarketingChannel::Sms) => "tekstiviestitse",
                (Lang::Fi, MarketingChannel::Phone) => "puhelimitse",
                (Lang::Fi, MarketingChannel::Post) => "postitse",
                (Lang::En, MarketingChannel::Email) => "email",
                (Lang::En, MarketingChannel::Sms) => "SMS",
                (Lang::En, MarketingChannel::Phone) => "phone",
                (Lang::En, MarketingChannel::Post) => "post",
            }
            .to_owned()
        })
        .collect();
    match lang {
        Lang::Fi => join_list(&names, lang),
        Lang::En => format!("by {}", join_list(&names, lang)),
    }
}

/// A purpose as the notice states it: what, how (for direct marketing) and on what basis.
pub fn purpose_text(purpose: &Purpose, lang: Lang) -> String {
    let mut text = purpose_summary(purpose, lang);
    text.push(' ');
    text.push_str(&legal_basis_sentence(purpose, lang));
    text
}

/// What the purpose is, and for direct marketing its channels.
pub fn purpose_summary(purpose: &Purpose, lang: Lang) -> String {
    let mut text = lang.pick(&purpose.description).trim().to_owned();
    if let Some(marketing) = &purpose.direct_marketing {
        text.push(' ');
        text.push_str(&match lang {
            Lang::Fi => format!(
                "Suoramarkkinointi {}.",
                channels_phrase(&marketing.channels, lang)
            ),
            Lang::En => format!(
                "Direct marketing {}.",
                channels_phrase(&marketing.channels, lang)
            ),
        });
    }
    text
}

/// One section: a heading and its paragraphs or list items.
#[derive(Debug, Clone, Serialize)]
pub struct Section {
    pub heading: String,
    pub paragraphs: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Notice {
    pub language: &'static str,
    pub title: String,
    pub notice_version: String,
    pub notice: Vec<Section>,
    pub record_title: String,
    pub record_of_processing: Vec<Section>,
}

fn t(lang: Lang, fi: &str, en: &str) -> String {
    match lang {
        Lang::Fi => fi.to_owned(),
        Lang::En => en.to_owned(),
    }
}

fn section(heading: String, paragraphs: Vec<String>) -> Section {
    Section {
        heading,
        paragraphs,
    }
}

/// "a, b ja c" / "a, b and c".
fn join_list(items: &[String], lang: Lang) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} {} {last}", rest.join(", "), t(lang, "ja", "and")),
    }
}

fn controller_lines(d: &Description, lang: Lang) -> Vec<String> {
    let c = &d.controller;
    let mut lines = vec![
        c.name.clone(),
        format!("{}: {}", t(lang, "Y-tunnus", "Business ID"), c.business_id),
        c.address.clone(),
    ];
    lines.extend(c.email.clone());
    lines.extend(c.phone.clone());
    lines
}

fn contact_lines(d: &Description) -> Vec<String> {
    let p = &d.contact_person;
    let mut lines = vec![p.name.clone()];
    lines.extend(p.email.clone());
    lines.extend(p.phone.clone());
    lines.extend(p.address.clone());
    lines
}

fn recipient_lines(d: &Description, lang: Lang) -> Vec<String> {
    d.recipients
        .iter()
        .map(|r| {
            let mut line = format!(
                "{} — {} ({})",
                r.name,
                lang.pick(&r.kind),
                country_name(&r.country, lang)
            );
            if let Some(safeguard) = &r.transfer_safeguard {
                line.push_str(&format!(
                    "; {}: {}",
                    t(lang, "suojatoimet", "safeguards"),
                    lang.pick(safeguard)
                ));
            }
            line
        })
        .collect()
}

fn retention_lines(d: &Description, lang: Lang) -> Vec<String> {
    let mut lines: Vec<String> = d
        .data_categories
        .iter()
        .map(|c| format!("{}: {}", lang.pick(&c.name), lang.pick(&c.retention.text())))
        .collect();
    // What recognises erased people is personal data too, with its own retention (LEGAL §12).
    if let Some(guard) = &d.erasure_guard_retention {
        lines.push(format!(
            "{}: {}",
            t(
                lang,
                "Poistettujen henkilöiden tunnisteet (avaimellinen tiiviste sähköpostiosoitteesta ja puhelinnumerosta)",
                "Erased people's identifiers (a keyed hash of the email address and phone number)"
            ),
            lang.pick(&guard.text())
        ));
    }
    lines
}

/// Builds the notice and the Art. 30 record.
pub fn notice(d: &Description, lang: Lang) -> Notice {
    let purposes: Vec<String> = d.purposes.iter().map(|p| purpose_text(p, lang)).collect();
    let categories: Vec<String> = d
        .data_categories
        .iter()
        .map(|c| lang.pick(&c.name).to_owned())
        .collect();
    let sources: Vec<String> = d
        .sources
        .iter()
        .map(|s| lang.pick(&s.description).to_owned())
        .collect();
    // How to use the rights: the first paragraph is about access and rectification (seed §9),
    // the rest about the other rights (seed §10).
    let mut paragraphs = lang
        .pick(&d.rights_requests)
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_owned);
    let access_paragraphs: Vec<String> = paragraphs.next().into_iter().collect();
    let other_paragraphs: Vec<String> = paragraphs.collect();
    let authority = &d.complaint_authority;
    let complaint = format!(
        "{}: {}, {}, {}",
        t(
            lang,
            "Valvontaviranomainen, jolle voi tehdä valituksen",
            "The supervisory authority to complain to"
        ),
        lang.pick(&authority.name),
        authority.address,
        authority.website
    );
    let mut disclosures = vec![
        lang.pick(&d.publication).to_owned(),
        lang.pick(&d.transfers).to_owned(),
    ];
    let recipients = recipient_lines(d, lang);
    if !recipients.is_empty() {
        disclosures.push(t(lang, "Vastaanottajat:", "Recipients:"));
        disclosures.extend(recipients.iter().cloned());
    }
    let mut content = vec![format!(
        "{} {}.",
        t(
            lang,
            "Rekisteriin tallennettavia tietoja ovat",
            "The register holds"
        ),
        join_list(&categories, lang)
    )];
    content.push(t(lang, "Säilytysajat:", "Retention:"));
    content.extend(retention_lines(d, lang));

    let notice = vec![
        section(
            t(lang, "1. Rekisterinpitäjä", "1. Controller"),
            controller_lines(d, lang),
        ),
        section(
            t(
                lang,
                "2. Rekisteristä vastaava yhteyshenkilö",
                "2. Contact person for the register",
            ),
            contact_lines(d),
        ),
        section(
            t(lang, "3. Rekisterin nimi", "3. Name of the register"),
            vec![lang.pick(&d.register_name).to_owned()],
        ),
        section(
            t(
                lang,
                "4. Oikeusperuste ja henkilötietojen käsittelyn tarkoitus",
                "4. Legal basis and purpose of processing",
            ),
            purposes
                .iter()
                .cloned()
                .chain([lang
                    .pick(&d.automated_decision_making.description)
                    .to_owned()])
                .collect(),
        ),
        section(
            t(lang, "5. Rekisterin tietosisältö", "5. Data content"),
            content,
        ),
        section(
            t(lang, "6. Rekisterin tietolähteet", "6. Sources of the data"),
            vec![format!(
                "{} {}.",
                t(
                    lang,
                    "Rekisteriin tallennettavat tiedot saadaan asiakkaalta mm.",
                    "The data is obtained from the customer, among others"
                ),
                join_list(&sources, lang)
            )],
        ),
        section(
            t(
                lang,
                "7. Tietojen säännönmukaiset luovutukset ja tietojen siirto",
                "7. Regular disclosures and transfers",
            ),
            disclosures,
        ),
        section(
            t(
                lang,
                "8. Rekisterin suojauksen periaatteet",
                "8. Security principles",
            ),
            d.security.iter().map(|s| lang.pick(s).to_owned()).collect(),
        ),
        section(
            t(
                lang,
                "9. Oikeus saada pääsy tietoihin ja oikeus tietojen oikaisemiseen",
                "9. Right of access and right to rectification",
            ),
            access_paragraphs,
        ),
        section(
            t(
                lang,
                "10. Muut henkilötietojen käsittelyyn liittyvät oikeudet",
                "10. Other rights",
            ),
            other_paragraphs
                .into_iter()
                .chain([t(
                    lang,
                    "Rekisteröidyllä on seuraavat oikeudet:",
                    "The data subject has the following rights:",
                )])
                .chain(rights_texts(lang).into_iter().map(str::to_owned))
                .chain([complaint.clone()])
                .collect(),
        ),
    ];

    let record = vec![
        section(
            t(
                lang,
                "Rekisterinpitäjä ja yhteyshenkilö",
                "Controller and contact person",
            ),
            controller_lines(d, lang)
                .into_iter()
                .chain(contact_lines(d))
                .collect(),
        ),
        section(
            t(lang, "Käsittelyn tarkoitukset", "Purposes of processing"),
            purposes,
        ),
        section(
            t(
                lang,
                "Rekisteröityjen ryhmät",
                "Categories of data subjects",
            ),
            d.subject_categories
                .iter()
                .map(|c| lang.pick(c).to_owned())
                .collect(),
        ),
        section(
            t(lang, "Henkilötietoryhmät", "Categories of personal data"),
            categories,
        ),
        section(
            t(lang, "Vastaanottajat", "Recipients"),
            if recipients.is_empty() {
                vec![t(lang, "Ei vastaanottajia.", "No recipients.")]
            } else {
                recipients
            },
        ),
        section(
            t(
                lang,
                "Siirrot EU:n ja ETA:n ulkopuolelle",
                "Transfers outside the EU/EEA",
            ),
            vec![lang.pick(&d.transfers).to_owned()],
        ),
        section(
            t(lang, "Poistamisen määräajat", "Time limits for erasure"),
            retention_lines(d, lang),
        ),
        section(
            t(
                lang,
                "Tekniset ja organisatoriset turvatoimet",
                "Technical and organisational security measures",
            ),
            d.security.iter().map(|s| lang.pick(s).to_owned()).collect(),
        ),
    ];
    Notice {
        language: match lang {
            Lang::Fi => "fi",
            Lang::En => "en",
        },
        title: format!(
            "{} — {}",
            t(lang, "Tietosuojaseloste", "Privacy notice"),
            lang.pick(&d.register_name)
        ),
        notice_version: d.notice_version.clone(),
        notice,
        record_title: t(
            lang,
            "Seloste käsittelytoimista (EU:n yleinen tietosuoja-asetus, 30 artikla)",
            "Record of processing activities (GDPR Art. 30)",
        ),
        record_of_processing: record,
    }
}

/// The author's notes on which parts of a description are examples: for the person who
/// writes the description, never part of the published notice.
pub fn example_notes(d: &Description, lang: Lang) -> String {
    if d.example_notes.is_empty() {
        return String::new();
    }
    let mut text = format!(
        "# {}\n\n",
        t(lang, "Esimerkkinä olevat kohdat", "Parts that are examples")
    );
    for note in &d.example_notes {
        text.push_str(&format!("- {note}\n"));
    }
    text
}

/// A country by its ISO 3166-1 alpha-2 code, written out: `(Suomi)`, `(Yhdysvallat)`; a
/// code the table does not know is shown as it is.
pub fn country_name(code: &str, lang: Lang) -> String {
    const NAMES: &[(&str, &str, &str)] = &[
        ("AT", "Itävalta", "Austria"),
        ("BE", "Belgia", "Belgium"),
        ("BG", "Bulgaria", "Bulgaria"),
        ("CA", "Kanada", "Canada"),
        ("CH", "Sveitsi", "Switzerland"),
        ("CY", "Kypros", "Cyprus"),
        ("CZ", "Tšekki", "Czechia"),
        ("DE", "Saksa", "Germany"),
        ("DK", "Tanska", "Denmark"),
        ("EE", "Viro", "Estonia"),
        ("EL", "Kreikka", "Greece"),
        ("ES", "Espanja", "Spain"),
        ("FI", "Suomi", "Finland"),
        ("FR", "Ranska", "France"),
        ("GB", "Yhdistynyt kuningaskunta", "United Kingdom"),
        ("GR", "Kreikka", "Greece"),
        ("HR", "Kroatia", "Croatia"),
        ("HU", "Unkari", "Hungary"),
        ("IE", "Irlanti", "Ireland"),
        ("IN", "Intia", "India"),
        ("IS", "Islanti", "Iceland"),
        ("IT", "Italia", "Italy"),
        ("JP", "Japani", "Japan"),
        ("LI", "Liechtenstein", "Liechtenstein"),
        ("LT", "Liettua", "Lithuania"),
        ("LU", "Luxemburg", "Luxembourg"),
        ("LV", "Latvia", "Latvia"),
        ("MT", "Malta", "Malta"),
        ("NL", "Alankomaat", "Netherlands"),
        ("NO", "Norja", "Norway"),
        ("PL", "Puola", "Poland"),
        ("PT", "Portugali", "Portugal"),
        ("RO", "Romania", "Romania"),
        ("SE", "Ruotsi", "Sweden"),
        ("SI", "Slovenia", "Slovenia"),
        ("SK", "Slovakia", "Slovakia"),
        ("US", "Yhdysvallat", "United States"),
    ];
    let code = code.trim().to_ascii_uppercase();
    NAMES
        .iter()
        .find(|(c, _, _)| *c == code)
        .map_or(code.clone(), |(_, fi, en)| t(lang, fi, en))
}

/// The notice as Markdown text.
pub fn to_markdown(notice: &Notice) -> String {
    let mut text = format!("# {}\n\n", notice.title);
    let version = if notice.language == "fi" {
        "Selosteen versio"
    } else {
        "Notice version"
    };
    text.push_str(&format!("{version}: {}\n", notice.notice_version));
    for section in &notice.notice {
        text.push_str(&format!("\n## {}\n\n", section.heading));
        for paragraph in &section.paragraphs {
            text.push_str(paragraph);
            text.push_str("\n\n");
        }
    }
    text.push_str(&format!("\n# {}\n", notice.record_title));
    for section in &notice.record_of_processing {
        text.push_str(&format!("\n## {}\n\n", section.heading));
        for paragraph in &section.paragraphs {
            text.push_str(&format!("- {paragraph}\n"));
        }
    }
    text
}
