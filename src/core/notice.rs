//! The privacy notice (Art. 13/14) and the record of processing activities (Art. 30) as a
//! typed model: the facts of the register's description that the notice states, in the
//! reader's language, never the wording. The templates `templates/{fi,en}/notice.html` say
//! how it reads; `cli::notice_render` renders them as text, HTML or JSON.
//!
//! What the description does not store, the model derives: whether providing the data is a
//! statutory or contractual requirement (Art. 13(2)(e)) follows from each purpose's basis,
//! the transfers outside the EU/EEA (Art. 13(1)(f)) from the recipients' countries, and the
//! rights that apply (withdrawal of consent, objection, portability) from the bases.

use chrono::NaiveDate;
use serde::Serialize;

use crate::core::access::Lang;
use crate::core::documents::Authority;
use crate::core::model::{Basis, Description, MarketingChannel, Purpose, Text};

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

/// The privacy notice and the Art. 30 record of one version of the description, in one
/// language: what `notice --format json` prints and what the templates read.
#[derive(Debug, Clone, Serialize)]
pub struct Notice {
    #[serde(serialize_with = "serialize_lang")]
    pub language: Lang,
    pub register_name: String,
    pub version: NoticeVersion,
    pub controller: Controller,
    pub contact_person: ContactPerson,
    pub purposes: Vec<NoticePurpose>,
    pub automated_decision_making: AutomatedDecisions,
    pub subject_categories: Vec<String>,
    pub data_categories: Vec<DataCategory>,
    /// How long what recognises erased people is kept (LEGAL §12); `None` when the
    /// description does not say.
    pub erasure_guard_retention: Option<String>,
    pub sources: Vec<String>,
    /// What the description says of disclosures and publication.
    pub disclosures: String,
    pub recipients: Vec<NoticeRecipient>,
    pub transfers: Transfers,
    pub security_measures: Vec<String>,
    /// How a data subject uses their rights: the description's paragraphs, the first on
    /// access and rectification.
    pub rights_requests: Vec<String>,
    pub rights: Rights,
    pub complaint_authority: Authority,
}

/// The version of the notice and the days it is (or was) in force.
#[derive(Debug, Clone, Serialize)]
pub struct NoticeVersion {
    pub version: String,
    pub valid_from: Option<NaiveDate>,
    /// The last day an earlier version was in force; `None` for the version in force.
    pub valid_until: Option<NaiveDate>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Controller {
    pub name: String,
    pub business_id: String,
    pub address: String,
    pub email: Option<String>,
    pub phone: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ContactPerson {
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
}

/// A purpose with its legal basis (Art. 13(1)(c)–(d)) and whether the data it needs must be
/// provided (Art. 13(2)(e)).
#[derive(Debug, Clone, Serialize)]
pub struct NoticePurpose {
    pub description: String,
    pub basis: Basis,
    /// What the description adds to the basis: the legitimate interest pursued, or the law
    /// that sets the obligation.
    pub basis_note: Option<String>,
    /// The channels, when the purpose is direct marketing.
    pub direct_marketing: Option<Vec<MarketingChannel>>,
    pub requirement: Requirement,
}

impl NoticePurpose {
    /// The letter of Art. 6(1) the basis is in.
    pub fn basis_letter(&self) -> char {
        self.basis.letter()
    }
}

/// Whether providing the data is a statutory or contractual requirement, or a requirement
/// necessary to enter into a contract (Art. 13(2)(e)), derived from the purpose's basis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Requirement {
    /// Contract: the data is needed to conclude or perform the contract; without it the
    /// contract cannot be concluded or performed.
    Contractual,
    /// Legal obligation or public task: the law requires the data.
    Statutory,
    /// Consent, legitimate interests or vital interests: neither law nor contract requires
    /// the data; without it the purpose is not carried out for the person.
    Voluntary,
}

impl Requirement {
    pub fn of(basis: Basis) -> Requirement {
        match basis {
            Basis::Contract => Requirement::Contractual,
            Basis::LegalObligation | Basis::PublicTask => Requirement::Statutory,
            Basis::Consent | Basis::LegitimateInterests | Basis::VitalInterests => {
                Requirement::Voluntary
            }
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct AutomatedDecisions {
    pub used: bool,
    pub description: String,
}

/// A category of personal data and how long it is kept (Art. 13(2)(a), Art. 30(1)(f)).
#[derive(Debug, Clone, Serialize)]
pub struct DataCategory {
    pub name: String,
    pub retention: String,
}

/// A recipient or category of recipients (Art. 13(1)(e), Art. 30(1)(d)).
#[derive(Debug, Clone, Serialize)]
pub struct NoticeRecipient {
    pub name: String,
    pub kind: String,
    /// ISO 3166-1 alpha-2; the templates write the country out.
    pub country: String,
    /// Whether the country is outside the EU/EEA, so that the recipient gets the data
    /// through a transfer (Chapter V).
    pub outside_eea: bool,
    pub safeguard: Option<String>,
}

/// Transfers outside the EU/EEA (Art. 13(1)(f), Art. 30(1)(e)).
#[derive(Debug, Clone, Serialize)]
pub struct Transfers {
    /// The description's words on transfers.
    pub text: String,
    /// The recipients outside the EU/EEA, by name, with their safeguard.
    pub recipients: Vec<NoticeRecipient>,
    /// Where a copy of the safeguards is available: the contact person's email, phone or
    /// address, the first one the description gives.
    pub copy_from: Option<String>,
}

/// The rights that apply to the register's purposes (Art. 13(2)(b)–(d), Art. 21(4)).
#[derive(Debug, Clone, Serialize)]
pub struct Rights {
    /// Some purpose rests on consent: the right to withdraw it at any time (Art. 13(2)(c)).
    pub withdraw_consent: bool,
    /// Some purpose rests on legitimate interests or a public task (Art. 21(1)).
    pub object: bool,
    /// Some purpose is direct marketing (Art. 21(2)).
    pub object_to_direct_marketing: bool,
    /// Some purpose rests on consent or a contract (Art. 20(1)(a)).
    pub portability: bool,
}

fn serialize_lang<S: serde::Serializer>(lang: &Lang, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(match lang {
        Lang::Fi => "fi",
        Lang::En => "en",
    })
}

/// The member states of the EU and the other EEA states (Iceland, Liechtenstein, Norway),
/// by ISO 3166-1 alpha-2 code (`EL` is Greece in EU usage).
const EEA: &[&str] = &[
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "EL", "ES", "FI", "FR", "GR", "HR", "HU", "IE",
    "IS", "IT", "LI", "LT", "LU", "LV", "MT", "NL", "NO", "PL", "PT", "RO", "SE", "SI", "SK",
];

/// Whether a country is in the EU/EEA.
pub fn in_eea(code: &str) -> bool {
    let code = code.trim().to_ascii_uppercase();
    EEA.contains(&code.as_str())
}

/// The notice of `d` in `lang`. `valid_until` is the last day of an earlier version.
pub fn notice(d: &Description, lang: Lang, valid_until: Option<NaiveDate>) -> Notice {
    let pick = |text: &Text| lang.pick(text).trim().to_owned();
    let recipients: Vec<NoticeRecipient> = d
        .recipients
        .iter()
        .map(|r| NoticeRecipient {
            name: r.name.clone(),
            kind: pick(&r.kind),
            country: r.country.trim().to_ascii_uppercase(),
            outside_eea: !in_eea(&r.country),
            safeguard: r
                .transfer_safeguard
                .as_ref()
                .map(pick)
                .filter(|s| !s.is_empty()),
        })
        .collect();
    let contact = &d.contact_person;
    let has = |wanted: &[Basis]| d.purposes.iter().any(|p| wanted.contains(&p.basis));
    Notice {
        language: lang,
        register_name: pick(&d.register_name),
        version: NoticeVersion {
            version: d.notice_version.clone(),
            valid_from: d.valid_from,
            valid_until,
        },
        controller: Controller {
            name: d.controller.name.clone(),
            business_id: d.controller.business_id.clone(),
            address: d.controller.address.clone(),
            email: d.controller.email.clone(),
            phone: d.controller.phone.clone(),
        },
        contact_person: ContactPerson {
            name: contact.name.clone(),
            email: contact.email.clone(),
            phone: contact.phone.clone(),
            address: contact.address.clone(),
        },
        purposes: d
            .purposes
            .iter()
            .map(|p| NoticePurpose {
                description: pick(&p.description),
                basis: p.basis,
                basis_note: p.basis_note.as_ref().map(pick).filter(|n| !n.is_empty()),
                direct_marketing: p.direct_marketing.as_ref().map(|m| m.channels.clone()),
                requirement: Requirement::of(p.basis),
            })
            .collect(),
        automated_decision_making: AutomatedDecisions {
            used: d.automated_decision_making.used,
            description: pick(&d.automated_decision_making.description),
        },
        subject_categories: d.subject_categories.iter().map(pick).collect(),
        data_categories: d
            .data_categories
            .iter()
            .map(|c| DataCategory {
                name: pick(&c.name),
                retention: pick(&c.retention.text()),
            })
            .collect(),
        erasure_guard_retention: d.erasure_guard_retention.as_ref().map(|r| pick(&r.text())),
        sources: d.sources.iter().map(|s| pick(&s.description)).collect(),
        disclosures: pick(&d.publication),
        transfers: Transfers {
            text: pick(&d.transfers),
            recipients: recipients
                .iter()
                .filter(|r| r.outside_eea)
                .cloned()
                .collect(),
            copy_from: contact
                .email
                .clone()
                .or_else(|| contact.phone.clone())
                .or_else(|| contact.address.clone()),
        },
        recipients,
        security_measures: d.security.iter().map(pick).collect(),
        rights_requests: lang
            .pick(&d.rights_requests)
            .split("\n\n")
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
            .collect(),
        rights: Rights {
            withdraw_consent: has(&[Basis::Consent]),
            object: has(&[Basis::LegitimateInterests, Basis::PublicTask]),
            object_to_direct_marketing: d.purposes.iter().any(|p| p.direct_marketing.is_some()),
            portability: has(&[Basis::Consent, Basis::Contract]),
        },
        complaint_authority: Authority::of(d, lang),
    }
}

fn t(lang: Lang, fi: &str, en: &str) -> String {
    match lang {
        Lang::Fi => fi.to_owned(),
        Lang::En => en.to_owned(),
    }
}

/// "a, b ja c" / "a, b and c".
pub fn join_list(items: &[String], lang: Lang) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} {} {last}", rest.join(", "), t(lang, "ja", "and")),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_requirement_follows_the_basis() {
        assert_eq!(Requirement::of(Basis::Contract), Requirement::Contractual);
        assert_eq!(
            Requirement::of(Basis::LegalObligation),
            Requirement::Statutory
        );
        assert_eq!(Requirement::of(Basis::PublicTask), Requirement::Statutory);
        for basis in [
            Basis::Consent,
            Basis::LegitimateInterests,
            Basis::VitalInterests,
        ] {
            assert_eq!(Requirement::of(basis), Requirement::Voluntary, "{basis:?}");
        }
    }

    #[test]
    fn the_eea_is_the_eu_and_iceland_liechtenstein_and_norway() {
        for code in ["FI", "se", " DE ", "NO", "IS", "LI", "EL", "GR"] {
            assert!(in_eea(code), "{code}");
        }
        for code in ["US", "GB", "CH", "IN", ""] {
            assert!(!in_eea(code), "{code}");
        }
    }
}
