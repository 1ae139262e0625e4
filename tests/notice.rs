//! `notice` (LEGAL §10): the privacy notice and the Art. 30 record, in Finnish and English,
//! from `--metadata FILE` (no register needed) or from the register's own description.
//! Snapshots fix each rendering (text, HTML, JSON) in both languages; the checks below say
//! what a publishable notice must hold: none of the wrong phrases that `shared/FINNISH.md`
//! corrects, every item of Art. 13, the Art. 30(1)(a)–(g) record, and no code, JSON path or
//! ISO date in the Finnish text.

mod support;

use serde::Deserialize;
use support::documents::{english_codes, finnish_codes, iso_timestamps, json_paths};
use support::{Register, World, expect_fail, expect_ok, repo_file, twebs};

/// `notice --format json`: the model.
#[derive(Debug, Deserialize)]
struct Notice {
    language: String,
    register_name: String,
    version: Version,
    controller: Controller,
    contact_person: Contact,
    purposes: Vec<Purpose>,
    subject_categories: Vec<String>,
    data_categories: Vec<Category>,
    erasure_guard_retention: Option<String>,
    sources: Vec<String>,
    recipients: Vec<Recipient>,
    transfers: Transfers,
    security_measures: Vec<String>,
    rights: Rights,
    complaint_authority: Authority,
}

#[derive(Debug, Deserialize)]
struct Version {
    version: String,
    valid_from: Option<String>,
    valid_until: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Controller {
    name: String,
    business_id: String,
}

#[derive(Debug, Deserialize)]
struct Contact {
    name: String,
    email: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Purpose {
    basis: String,
    requirement: String,
    direct_marketing: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
struct Category {
    name: String,
    retention: String,
}

#[derive(Debug, Deserialize)]
struct Recipient {
    name: String,
    country: String,
    outside_eea: bool,
    safeguard: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Transfers {
    recipients: Vec<Recipient>,
    copy_from: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Rights {
    withdraw_consent: bool,
    object: bool,
    object_to_direct_marketing: bool,
    portability: bool,
}

#[derive(Debug, Deserialize)]
struct Authority {
    name: String,
    address: String,
}

/// Lower case, with runs of white space made one space.
fn normalise(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

fn notice_of(world: &World, metadata: &str, lang: &str, format: &str) -> String {
    let args = [
        "--format",
        format,
        "notice",
        "--metadata",
        metadata,
        "--lang",
        lang,
    ];
    expect_ok(&args.join(" "), &world.run(&args))
}

fn notice_text(world: &World, lang: &str, format: &str) -> String {
    notice_of(world, &twebs(), lang, format)
}

fn notice_json(world: &World, lang: &str) -> Notice {
    let text = notice_text(world, lang, "json");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("notice JSON: {e}\n{text}"))
}

/// The text a reader sees in the HTML page: the body, without the style sheet.
fn html_body(html: &str) -> &str {
    let start = html.find("<body>").expect("the page has a body");
    &html[start..]
}

/// The text of the notice part (before the Art. 30 record) and of the record.
fn split_record<'a>(text: &'a str, record_heading: &str) -> (&'a str, &'a str) {
    let at = text
        .find(record_heading)
        .unwrap_or_else(|| panic!("the record heading `{record_heading}`:\n{text}"));
    text.split_at(at)
}

// Snapshots ------------------------------------------------------------------------------

#[test]
fn every_rendering_of_the_notice_matches_its_snapshot() {
    let world = World::new();
    for lang in ["fi", "en"] {
        for format in ["table", "html", "json"] {
            let text = notice_text(&world, lang, format);
            insta::assert_snapshot!(format!("notice_{lang}_{format}"), text);
        }
    }
}

#[test]
fn the_default_is_the_finnish_text() {
    let world = World::new();
    let metadata = twebs();
    let default = expect_ok("notice", &world.run(&["notice", "--metadata", &metadata]));
    assert_eq!(default, notice_text(&world, "fi", "table"));
    assert!(
        default.starts_with("# Tietosuojaseloste (rekisteriseloste)"),
        "{default}"
    );
}

#[test]
fn the_html_notice_is_a_self_contained_page_in_its_language_for_a4() {
    let world = World::new();
    for lang in ["fi", "en"] {
        let html = notice_text(&world, lang, "html");
        assert!(html.starts_with("<!DOCTYPE html>"), "{lang}");
        assert!(html.contains(&format!("<html lang=\"{lang}\">")), "{lang}");
        assert!(html.contains("@page { size: A4"), "{lang}");
        assert!(html.contains("<meta charset=\"utf-8\">"), "{lang}");
        // Nothing is fetched from elsewhere: no scripts, style sheets or images by link.
        for outside in ["<script", "<link", "<img", "src=", "@import"] {
            assert!(!html.contains(outside), "{lang}: {outside}");
        }
        assert!(html.trim_end().ends_with("</html>"), "{lang}");
    }
    // Text from the description is escaped.
    let mut description: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(repo_file("examples/twebs.json")).unwrap())
            .unwrap();
    description["register_name"]["fi"] = "Rekisteri <b>&</b>".into();
    world.write("escaped.json", serde_json::to_vec(&description).unwrap());
    let html = notice_of(&world, "escaped.json", "fi", "html");
    assert!(
        html.contains("Rekisteri &#60;b&#62;&#38;&#60;/b&#62;")
            || html.contains("Rekisteri &lt;b&gt;&amp;&lt;/b&gt;"),
        "{html}"
    );
    assert!(!html.contains("<b>&</b>"));
}

#[test]
fn a_registers_notice_is_the_notice_of_its_description() {
    let register = Register::new();
    for lang in ["fi", "en"] {
        for format in ["table", "html", "json"] {
            let from_register = register.ok(&["--format", format, "notice", "--lang", lang]);
            let from_file = notice_text(&register.world, lang, format);
            assert_eq!(from_register, from_file, "--lang {lang} --format {format}");
        }
    }

    // A register with another description prints that one, not the embedded example.
    let world = World::new();
    world.age_key("key.txt");
    let mut description: serde_json::Value =
        serde_json::from_slice(&std::fs::read(repo_file("examples/twebs.json")).unwrap()).unwrap();
    description["controller"]["name"] = "Testiyhtiö Ab".into();
    description["register_name"]["fi"] = "Kokeilurekisteri".into();
    world.write("other.json", serde_json::to_vec(&description).unwrap());
    let base = ["-f", "other.age", "-i", "key.txt"];
    let init: Vec<&str> = base
        .iter()
        .copied()
        .chain(["init", "--metadata", "other.json"])
        .collect();
    expect_ok("init --metadata other.json", &world.run(&init));
    let json: Vec<&str> = base
        .iter()
        .copied()
        .chain(["--format", "json", "notice"])
        .collect();
    let notice: Notice = serde_json::from_str(&expect_ok("notice", &world.run(&json))).unwrap();
    assert_eq!(notice.controller.name, "Testiyhtiö Ab");
    assert_eq!(notice.register_name, "Kokeilurekisteri");
    let text: Vec<&str> = base.iter().copied().chain(["notice"]).collect();
    let text = expect_ok("notice", &world.run(&text));
    assert!(text.contains("Testiyhtiö Ab") && text.contains("Kokeilurekisteri"));
}

// The model ------------------------------------------------------------------------------

#[test]
fn the_json_notice_is_the_model_with_what_art_13_derives() {
    let world = World::new();
    for lang in ["fi", "en"] {
        let notice = notice_json(&world, lang);
        assert_eq!(notice.language, lang);
        assert_eq!(notice.version.version, "2025-01");
        assert_eq!(notice.version.valid_from.as_deref(), Some("2025-01-01"));
        assert_eq!(notice.version.valid_until, None);
        assert_eq!(notice.controller.business_id, "2685199-7");
        assert_eq!(notice.contact_person.name, "Taneli Raatikainen");
        // Art. 13(2)(e), derived per purpose from its basis.
        let requirements: Vec<(&str, &str)> = notice
            .purposes
            .iter()
            .map(|p| (p.basis.as_str(), p.requirement.as_str()))
            .collect();
        assert_eq!(
            requirements,
            [
                ("contract", "contractual"),
                ("legitimate-interests", "voluntary"),
                ("consent", "voluntary"),
                ("legitimate-interests", "voluntary"),
                ("legal-obligation", "statutory"),
            ],
            "{lang}"
        );
        assert_eq!(
            notice.purposes[2].direct_marketing.as_deref(),
            Some(&["email".to_owned(), "phone".to_owned(), "post".to_owned()][..])
        );
        // Art. 13(1)(f): the transfer outside the EU/EEA, its safeguard, where to get a copy.
        let outside: Vec<&str> = notice
            .recipients
            .iter()
            .filter(|r| r.outside_eea)
            .map(|r| r.country.as_str())
            .collect();
        assert_eq!(outside, ["US"], "{lang}");
        assert_eq!(notice.transfers.recipients.len(), 1);
        assert!(
            notice.transfers.recipients[0]
                .name
                .contains("Example Mail & CRM")
        );
        assert!(notice.transfers.recipients[0].safeguard.is_some());
        assert_eq!(
            notice.transfers.copy_from, notice.contact_person.email,
            "{lang}: a copy of the safeguards from the contact person"
        );
        // The rights the purposes' bases give.
        let r = &notice.rights;
        assert!(r.withdraw_consent && r.object && r.object_to_direct_marketing && r.portability);
        assert_eq!(notice.subject_categories.len(), 2);
        assert_eq!(notice.data_categories.len(), 7);
        assert!(
            notice
                .data_categories
                .iter()
                .all(|c| !c.retention.is_empty() && !c.name.is_empty())
        );
        assert!(notice.erasure_guard_retention.is_some());
        assert_eq!(notice.sources.len(), 7);
        assert_eq!(notice.security_measures.len(), 4);
    }
    let en = notice_json(&world, "en");
    assert_eq!(
        en.complaint_authority.address,
        "P.O. Box 800, FI-00531 Helsinki"
    );
    assert_eq!(
        en.complaint_authority.name,
        "Office of the Data Protection Ombudsman"
    );
    let fi = notice_json(&world, "fi");
    assert_eq!(fi.complaint_authority.address, "PL 800, 00531 Helsinki");
}

#[test]
fn a_register_without_consent_or_transfers_says_neither() {
    let world = World::new();
    let mut description: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(repo_file("examples/twebs.json")).unwrap())
            .unwrap();
    let purposes = description["purposes"].as_array_mut().unwrap();
    purposes.retain(|p| p["basis"] != "consent" && p["direct_marketing"].is_null());
    for r in description["recipients"].as_array_mut().unwrap() {
        r["country"] = "FI".into();
        r["transfer_safeguard"] = serde_json::Value::Null;
    }
    description["transfers"]["fi"] =
        "Tietoja ei siirretä Euroopan talousalueen (ETA) ulkopuolelle.".into();
    world.write("plain.json", serde_json::to_vec(&description).unwrap());
    let text = notice_of(&world, "plain.json", "fi", "table");
    assert!(!text.contains("Oikeus peruuttaa suostumus"), "{text}");
    assert!(!text.contains("suoramarkkinointia varten"), "{text}");
    assert!(!text.contains("Jäljennöksen suojatoimista"), "{text}");
    assert!(text.contains("Tietoja ei siirretä Euroopan talousalueen (ETA) ulkopuolelle."));
    assert!(text.contains("Oikeus tehdä valitus valvontaviranomaiselle (77 artikla)"));
}

// What a published Finnish notice must and must not say ---------------------------------

/// The wrong phrases of FINNISH.md's corrections table, as they appeared in the output the
/// practitioner read, and the seed's own errors.
const WRONG_FI: &[&str] = &[
    "Y-tunnus / Business ID",
    "EU:n yleisen tietosuoja-asetuksen mukainen oikeusperuste henkilötietojen käsittelylle",
    "oikeusperuste henkilötietojen käsittelylle on henkilön suostumus",
    "markkinointi tms",
    "Rekisteriin tallennettavia tietoja ovat",
    "Tunnistetiedot: henkilön nimi",
    "laskutettu nimi",
    "(FI)",
    "(US)",
    "siirtää rekisterinpitäjän toimesta",
    "EU:n tai ETA:n ulkopuolelle",
    "Rekisteri säilytetään salattuna",
    "(age)",
    "tietosuojasetu",
    "säädettyssä",
    "poistamiseen rekisteristä",
    "tulee lähettää kirjallisesti",
    "kirjallisesti",
    "Tarkastusoikeus",
    "oikeus vaatia tiedon korjaamista",
    "vastaa asiakkaalle",
    "henkilön suostumus",
    "hakea muutosta",
    "Esimerkkiä olevat kohdat",
    "Esimerkkinä olevat kohdat",
    "oikeus tarkistaa rekisteriin tallennetut tietonsa",
    "virheellisen tiedon korjaamista",
];

/// The Art. 13 items of the Finnish notice, each with phrases that must all be in it.
const ART_13_FI: &[(&str, &[&str])] = &[
    ("heading", &["Tietosuojaseloste (rekisteriseloste)"]),
    (
        "13(1)(a) controller identity and contact",
        &[
            "1. Rekisterinpitäjä",
            "Twebs Oy",
            "Y-tunnus: 2685199-7",
            "Eteläkatu 14, 13100 Hämeenlinna",
        ],
    ),
    (
        "contact person",
        &[
            "2. Rekisteristä vastaava yhteyshenkilö",
            "Taneli Raatikainen",
            "tietosuoja@twebs.example",
        ],
    ),
    (
        "13(1)(c) purposes and basis per purpose",
        &[
            "yhteydenpito asiakkaisiin",
            "asiakassuhteen ylläpito",
            "Suoramarkkinointi sähköpostitse, puhelimitse ja postitse.",
            "Kirjanpito",
            "Käsittelyn oikeusperuste on sopimuksen täytäntöönpano (tietosuoja-asetuksen 6 artiklan 1 kohdan b alakohta).",
            "Käsittelyn oikeusperuste on rekisterinpitäjän oikeutettu etu (tietosuoja-asetuksen 6 artiklan 1 kohdan f alakohta).",
            "Käsittelyn oikeusperuste on rekisteröidyn suostumus (tietosuoja-asetuksen 6 artiklan 1 kohdan a alakohta).",
            "Käsittelyn oikeusperuste on rekisterinpitäjän lakisääteinen velvoite (tietosuoja-asetuksen 6 artiklan 1 kohdan c alakohta).",
        ],
    ),
    (
        "13(1)(d) the legitimate interests",
        &[
            "Rekisterinpitäjän oikeutettu etu on pitää yhteyttä",
            "Rekisterinpitäjän oikeutettu etu on markkinoida",
        ],
    ),
    (
        "13(1)(e) recipients",
        &[
            "Tietojen vastaanottajat:",
            "henkilötietojen käsittelijä",
            "(Suomi)",
            "(Yhdysvallat)",
        ],
    ),
    (
        "13(1)(f) transfers, safeguards, a copy",
        &[
            "Rekisterinpitäjä voi siirtää tietoja myös Euroopan talousalueen (ETA) ulkopuolelle.",
            "vakiosopimuslausekkeet",
            "tietosuojakehys",
            "Jäljennöksen suojatoimista saa pyytämällä rekisteristä vastaavalta yhteyshenkilöltä",
        ],
    ),
    (
        "13(2)(a) retention",
        &[
            "Säilytysajat",
            "12 kuukautta",
            "6 vuotta",
            "Poistettujen henkilöiden tunnisteet",
            "3 vuotta tietojen poistamisesta",
        ],
    ),
    (
        "13(2)(b) rights",
        &[
            "Rekisteröidyllä on seuraavat oikeudet:",
            "9. Oikeus saada pääsy tietoihin ja oikeus tietojen oikaisemiseen",
            "Oikeus saada pääsy tietoihin (15 artikla)",
            "Oikeus tietojen oikaisemiseen (16 artikla)",
            "oikeus tulla unohdetuksi",
            "Oikeus käsittelyn rajoittamiseen (18 artikla)",
            "Oikeus siirtää tiedot järjestelmästä toiseen",
            "Vastustamisoikeus",
            "suoramarkkinointia varten milloin tahansa",
            "Pyynnön voi lähettää rekisterinpitäjälle esimerkiksi sähköpostitse tai kirjeitse.",
            "vastaa rekisteröidylle",
        ],
    ),
    (
        "13(2)(c) withdrawal of consent",
        &[
            "Oikeus peruuttaa suostumus milloin tahansa",
            "7 artiklan 3 kohta",
        ],
    ),
    (
        "13(2)(d) complaint to the Ombudsman, with its address; Art. 79",
        &[
            "Oikeus tehdä valitus valvontaviranomaiselle (77 artikla) sekä oikeus nostaa kanne rekisterinpitäjää vastaan tuomioistuimessa (79 artikla).",
            "Tietosuojavaltuutetun toimisto, PL 800, 00531 Helsinki",
        ],
    ),
    (
        "13(2)(e) statutory or contractual requirement",
        &[
            "Tietojen antaminen on edellytys sopimuksen tekemiselle ja täytäntöönpanolle",
            "Tietojen antaminen on lakisääteinen vaatimus",
            "Tietojen antaminen tähän tarkoitukseen on vapaaehtoista",
            "ei ole lakisääteinen eikä sopimukseen perustuva vaatimus",
        ],
    ),
    (
        "13(2)(f) automated decision-making",
        &["Tietoja ei käytetä automatisoituun päätöksentekoon tai profilointiin."],
    ),
    (
        "14(2)(f) the source",
        &[
            "6. Rekisterin tietolähteet",
            "saadaan rekisteröidyltä itseltään",
            "www-lomakkeilla",
        ],
    ),
    (
        "the data, bulleted, in lower case",
        &[
            "Rekisteriin tallennetaan seuraavat tiedot:",
            "* tunnistetiedot (nimi, yrityksen nimi)\n",
            "* laskutustiedot\n",
        ],
    ),
    ("version", &["Versio 2025-01, voimassa 1.1.2025 alkaen."]),
];

/// The Art. 30(1) items of the Finnish record, (a) to (g), each heading with what follows it.
const ART_30_FI: &[(&str, &[&str])] = &[
    (
        "## a) Rekisterinpitäjä ja yhteyshenkilö",
        &["Twebs Oy", "Y-tunnus: 2685199-7", "Taneli Raatikainen"],
    ),
    (
        "## b) Käsittelyn tarkoitukset",
        &[
            "yhteydenpito asiakkaisiin",
            "Oikeusperuste: sopimuksen täytäntöönpano",
        ],
    ),
    (
        "## c) Rekisteröityjen ryhmät ja henkilötietoryhmät",
        &[
            "asiakkaiden yhteyshenkilöt",
            "tekniset tiedot (verkkoyhteyden IP-osoite)",
        ],
    ),
    (
        "## d) Vastaanottajien ryhmät",
        &["Henkilötietojen käsittelijä", "Esimerkki Tilitoimisto Oy"],
    ),
    (
        "## e) Siirrot kolmansiin maihin ja suojatoimet",
        &["(Yhdysvallat)", "vakiosopimuslausekkeet"],
    ),
    (
        "## f) Poistamisen määräajat",
        &[
            "6 vuotta",
            "12 kuukautta",
            "Poistettujen henkilöiden tunnisteet",
        ],
    ),
    (
        "## g) Tekniset ja organisatoriset turvatoimet",
        &[
            "Rekisteriä säilytetään salattuna",
            "käsitellään luottamuksellisesti",
        ],
    ),
];

const WRONG_EN: &[&str] = &[
    "Y-tunnus / Business ID",
    "(FI)",
    "(US)",
    "in writing",
    "must be sent",
    "and the like",
    "PL 800",
    "appeal",
    "Parts that are examples",
    "invoiced name",
    "(age)",
];

const ART_13_EN: &[(&str, &[&str])] = &[
    ("heading", &["# Privacy notice"]),
    (
        "13(1)(a) controller",
        &[
            "1. Controller",
            "Twebs Oy",
            "Business ID: 2685199-7",
            "Eteläkatu 14, 13100 Hämeenlinna",
        ],
    ),
    (
        "contact person",
        &[
            "2. Contact person for the register",
            "Taneli Raatikainen",
            "tietosuoja@twebs.example",
        ],
    ),
    (
        "13(1)(c) purposes and basis per purpose",
        &[
            "Direct marketing by email, phone and post.",
            "The legal basis of the processing is the performance of a contract with the data subject (Article 6(1)(b) GDPR).",
            "The legal basis of the processing is the legitimate interests of the controller (Article 6(1)(f) GDPR).",
            "The legal basis of the processing is the data subject's consent (Article 6(1)(a) GDPR).",
            "The legal basis of the processing is a legal obligation of the controller (Article 6(1)(c) GDPR).",
        ],
    ),
    (
        "13(1)(d) the legitimate interests",
        &[
            "The controller's legitimate interest is keeping in contact",
            "The controller's legitimate interest is marketing",
        ],
    ),
    (
        "13(1)(e) recipients",
        &[
            "Recipients of the data:",
            "processor",
            "(Finland)",
            "(United States)",
        ],
    ),
    (
        "13(1)(f) transfers",
        &[
            "outside the European Economic Area (EEA)",
            "Standard Contractual Clauses",
            "Data Privacy Framework",
            "A copy of the safeguards can be obtained from the contact person for the register",
        ],
    ),
    (
        "13(2)(a) retention",
        &[
            "Retention periods",
            "12 months",
            "6 years",
            "Erased people's identifiers",
            "3 years from the erasure",
        ],
    ),
    (
        "13(2)(b) rights",
        &[
            "The data subject has the following rights:",
            "The right of access to the data (Article 15)",
            "The right to rectification (Article 16)",
            "right to be forgotten",
            "The right to restriction of processing (Article 18)",
            "The right to data portability",
            "The right to object",
            "for direct marketing (Article 21(2))",
            "A request can be sent to the controller, for example by email or by letter.",
        ],
    ),
    (
        "13(2)(c) withdrawal of consent",
        &["The right to withdraw consent at any time", "Article 7(3)"],
    ),
    (
        "13(2)(d) complaint and Art. 79",
        &[
            "The right to lodge a complaint with a supervisory authority (Article 77) and the right to an effective judicial remedy against the controller in court (Article 79).",
            "Office of the Data Protection Ombudsman, P.O. Box 800, FI-00531 Helsinki",
        ],
    ),
    (
        "13(2)(e) statutory or contractual requirement",
        &[
            "Providing the data is necessary to conclude and perform the contract",
            "Providing the data is a statutory requirement",
            "Providing the data for this purpose is voluntary",
            "neither a statutory nor a contractual requirement",
        ],
    ),
    (
        "13(2)(f) automated decision-making",
        &["The data is not used for automated decision-making or profiling."],
    ),
    (
        "14(2)(f) the source",
        &[
            "6. Sources of the data",
            "obtained from the data subjects themselves",
            "web forms",
        ],
    ),
    (
        "the data, bulleted, in lower case",
        &[
            "The register holds the following data:",
            "* identity (name, company name)\n",
        ],
    ),
    (
        "version",
        &["Version 2025-01, in force from 1 January 2025."],
    ),
];

const ART_30_EN: &[(&str, &[&str])] = &[
    (
        "## (a) Controller and contact person",
        &["Twebs Oy", "Business ID: 2685199-7", "Taneli Raatikainen"],
    ),
    (
        "## (b) Purposes of the processing",
        &[
            "Keeping in contact with customers",
            "Legal basis: the performance of a contract",
        ],
    ),
    (
        "## (c) Categories of data subjects and of personal data",
        &[
            "customers' contact persons",
            "technical data (the IP address",
        ],
    ),
    (
        "## (d) Categories of recipients",
        &["Processor", "Esimerkki Tilitoimisto Oy"],
    ),
    (
        "## (e) Transfers to third countries and their safeguards",
        &["(United States)", "Standard Contractual Clauses"],
    ),
    (
        "## (f) Time limits for erasure",
        &["6 years", "12 months", "Erased people's identifiers"],
    ),
    (
        "## (g) Technical and organisational security measures",
        &["The register is kept encrypted", "handled confidentially"],
    ),
];

/// The wrong phrases `text` contains (case-insensitively, white space normalised).
fn wrong_phrases(text: &str, wrong: &[&str]) -> Vec<String> {
    let text = normalise(text);
    wrong
        .iter()
        .filter(|w| text.contains(&normalise(w)))
        .map(|w| (*w).to_owned())
        .collect()
}

/// The Art. 13 items whose phrases are not all in `notice` (case-insensitively, white space
/// normalised, except that a phrase with a line break is matched as written).
fn missing_items(notice: &str, items: &[(&str, &[&str])]) -> Vec<String> {
    let normalised = normalise(notice);
    let mut missing = Vec::new();
    for (item, phrases) in items {
        for phrase in *phrases {
            let found = if phrase.contains('\n') {
                notice.contains(phrase)
            } else {
                normalised.contains(&normalise(phrase))
            };
            if !found {
                missing.push(format!("{item}: `{phrase}`"));
            }
        }
    }
    missing
}

/// The Art. 30 items whose heading is missing, out of order, or not followed (before the
/// next heading) by its phrases.
fn missing_record_items(record: &str, items: &[(&str, &[&str])]) -> Vec<String> {
    let mut missing = Vec::new();
    let mut from = 0;
    for (index, (heading, phrases)) in items.iter().enumerate() {
        let Some(at) = record[from..].find(heading) else {
            missing.push(format!("{heading} (in order)"));
            continue;
        };
        let start = from + at + heading.len();
        let end = items
            .get(index + 1)
            .and_then(|(next, _)| record[start..].find(next))
            .map_or(record.len(), |n| start + n);
        let body = normalise(&record[start..end]);
        for phrase in *phrases {
            if !body.contains(&normalise(phrase)) {
                missing.push(format!("{heading}: `{phrase}`"));
            }
        }
        from = start;
    }
    missing
}

#[test]
fn the_finnish_notice_has_no_wrong_phrase_and_every_art_13_item() {
    let world = World::new();
    let text = notice_text(&world, "fi", "table");
    let html = notice_text(&world, "fi", "html");
    let (notice, record) = split_record(&text, "# Seloste käsittelytoimista");
    for (what, rendering) in [("text", text.as_str()), ("html", html_body(&html))] {
        let wrong = wrong_phrases(rendering, WRONG_FI);
        assert!(wrong.is_empty(), "the Finnish {what} notice says {wrong:?}");
    }
    let missing = missing_items(notice, ART_13_FI);
    assert!(
        missing.is_empty(),
        "the Finnish notice lacks:\n{}\n\n{notice}",
        missing.join("\n")
    );
    let missing = missing_record_items(record, ART_30_FI);
    assert!(
        missing.is_empty(),
        "the Finnish record lacks:\n{}\n\n{record}",
        missing.join("\n")
    );
}

#[test]
fn the_english_notice_has_no_wrong_phrase_and_every_art_13_item() {
    let world = World::new();
    let text = notice_text(&world, "en", "table");
    let html = notice_text(&world, "en", "html");
    let (notice, record) = split_record(&text, "# Record of processing activities");
    for (what, rendering) in [("text", text.as_str()), ("html", html_body(&html))] {
        let wrong = wrong_phrases(rendering, WRONG_EN);
        assert!(wrong.is_empty(), "the English {what} notice says {wrong:?}");
    }
    let missing = missing_items(notice, ART_13_EN);
    assert!(
        missing.is_empty(),
        "the English notice lacks:\n{}\n\n{notice}",
        missing.join("\n")
    );
    let missing = missing_record_items(record, ART_30_EN);
    assert!(
        missing.is_empty(),
        "the English record lacks:\n{}\n\n{record}",
        missing.join("\n")
    );
}

#[test]
fn the_checks_catch_a_planted_wrong_phrase_and_a_missing_item() {
    // The seed's own wording, put back into a description, is caught.
    let world = World::new();
    let mut description: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(repo_file("examples/twebs.json")).unwrap())
            .unwrap();
    description["rights_requests"]["fi"] = "Mikäli henkilö haluaa tarkistaa hänestä tallennetut tiedot, pyyntö tulee lähettää kirjallisesti rekisterinpitäjälle.".into();
    description["complaint_authority"]["address"] = "Ratapihantie 9, 00520 Helsinki".into();
    world.write("planted.json", serde_json::to_vec(&description).unwrap());
    let text = notice_of(&world, "planted.json", "fi", "table");
    let wrong = wrong_phrases(&text, WRONG_FI);
    assert!(
        wrong.contains(&"tulee lähettää kirjallisesti".to_owned()),
        "{wrong:?}"
    );
    let (notice, _) = split_record(&text, "# Seloste käsittelytoimista");
    let missing = missing_items(notice, ART_13_FI);
    assert!(
        missing.iter().any(|m| m.contains("PL 800")),
        "the complaint authority's address is checked: {missing:?}"
    );
    // A record whose item (e) is gone is caught, and so is one out of order.
    let text = notice_text(&world, "fi", "table");
    let (_, record) = split_record(&text, "# Seloste käsittelytoimista");
    let without_e = record.replace("## e) Siirrot kolmansiin maihin ja suojatoimet", "## e)");
    assert!(!missing_record_items(&without_e, ART_30_FI).is_empty());
}

#[test]
fn no_finnish_notice_contains_a_code_a_json_path_or_an_iso_date() {
    let world = World::new();
    for format in ["table", "html"] {
        let text = notice_text(&world, "fi", format);
        let text = if format == "html" {
            html_body(&text)
        } else {
            &text
        };
        assert_eq!(english_codes(text), Vec::<String>::new(), "fi {format}");
        assert_eq!(json_paths(text), Vec::<String>::new(), "fi {format}");
        assert_eq!(iso_timestamps(text), Vec::<String>::new(), "fi {format}");
    }
    for format in ["table", "html"] {
        let text = notice_text(&world, "en", format);
        let text = if format == "html" {
            html_body(&text)
        } else {
            &text
        };
        assert_eq!(finnish_codes(text), Vec::<String>::new(), "en {format}");
        assert_eq!(json_paths(text), Vec::<String>::new(), "en {format}");
        assert_eq!(iso_timestamps(text), Vec::<String>::new(), "en {format}");
    }
}

#[test]
fn example_notes_are_for_the_author_never_in_the_published_notice() {
    let world = World::new();
    let description: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(repo_file("examples/twebs.json")).unwrap())
            .unwrap();
    let notes: Vec<&str> = description["example_notes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n.as_str())
        .collect();
    assert!(!notes.is_empty());
    for lang in ["fi", "en"] {
        for format in ["table", "html", "json"] {
            let text = notice_text(&world, lang, format);
            for note in &notes {
                let start: String = note.chars().take(40).collect();
                assert!(
                    !text.contains(&start),
                    "{lang} {format} prints the note `{start}`"
                );
            }
            assert!(
                !text.contains("Esimerkkinä olevat kohdat"),
                "{lang} {format}"
            );
            assert!(!text.contains("Parts that are examples"), "{lang} {format}");
        }
    }
    let metadata = twebs();
    let args = ["notice", "--metadata", &metadata, "--example-notes"];
    let listed = expect_ok(&args.join(" "), &world.run(&args));
    assert!(
        listed.starts_with("# Esimerkkinä olevat kohdat\n"),
        "{listed}"
    );
    for note in &notes {
        assert!(listed.contains(note));
    }
}

#[test]
fn the_notice_has_no_csv_form() {
    let world = World::new();
    let metadata = twebs();
    let args = ["--format", "csv", "notice", "--metadata", &metadata];
    let err = expect_fail("notice --format csv", &world.run(&args), 2);
    assert!(err.contains("no CSV form"), "{err}");
}

#[test]
fn an_earlier_version_says_when_it_was_in_force() {
    let register = Register::new();
    let mut description: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(repo_file("examples/twebs.json")).unwrap())
            .unwrap();
    description["notice_version"] = "2025-03".into();
    description["valid_from"] = "2025-03-01".into();
    description["purposes"][0]["description"]["fi"] = "Uusi tarkoitusteksti.".into();
    register
        .world
        .write("new.json", serde_json::to_vec(&description).unwrap());
    register.ok(&["describe", "--metadata", "new.json"]);
    let old = register.ok(&["notice", "--version", "2025-01"]);
    assert!(
        old.contains("Versio 2025-01, voimassa 1.1.2025–28.2.2025."),
        "{old}"
    );
    assert!(!old.contains("Uusi tarkoitusteksti."));
    let old: Notice = register.json(&["notice", "--version", "2025-01"]);
    assert_eq!(old.version.valid_until.as_deref(), Some("2025-02-28"));
    let current = register.ok(&["notice"]);
    assert!(
        current.contains("Versio 2025-03, voimassa 1.3.2025 alkaen."),
        "{current}"
    );
    assert!(current.contains("Uusi tarkoitusteksti."));
    let en = register.ok(&["notice", "--lang", "en", "--version", "2025-01"]);
    assert!(
        en.contains("Version 2025-01, in force from 1 January 2025 to 28 February 2025."),
        "{en}"
    );
}

#[test]
fn notice_errors_have_their_exit_codes() {
    let world = World::new();
    // No register and no --metadata.
    let output = world.run(&["-f", "missing.age", "notice"]);
    expect_fail("notice without a register", &output, 66);
    // A missing metadata file.
    let output = world.run(&["notice", "--metadata", "missing.json"]);
    expect_fail("notice --metadata missing.json", &output, 66);
    // A file that is not a description.
    world.write("bad.json", r#"{"controller": "Twebs Oy"}"#);
    let output = world.run(&["notice", "--metadata", "bad.json"]);
    let err = expect_fail("notice --metadata bad.json", &output, 78);
    assert!(err.contains("bad.json"), "{err}");
    // An unknown language.
    let metadata = twebs();
    let output = world.run(&["notice", "--metadata", &metadata, "--lang", "sv"]);
    expect_fail("notice --lang sv", &output, 2);
}

/// Facts of the seed notice (`rekisteriseloste.fi.txt`), as short phrases of its own text,
/// that the Finnish notice keeps; where FINNISH.md corrects the seed's wording, the
/// corrected phrase is in `ART_13_FI` instead and the seed's in `WRONG_FI`.
const SEED_FACTS: &[&str] = &[
    "Twebs Oy",
    "2685199-7",
    "Eteläkatu 14",
    "13100 Hämeenlinna",
    "Taneli Raatikainen",
    "Sovelluskehityksen asiakasrekisteri",
    "yhteydenpito asiakkaisiin",
    "asiakassuhteen ylläpito",
    "markkinointi",
    "Tietoja ei käytetä automatisoituun päätöksentekoon tai profilointiin",
    "yrityksen nimi",
    "puhelinnumero, sähköpostiosoite, osoite",
    "verkkoyhteyden IP-osoite",
    "tilatuista tuotteista ja niiden muutoksista",
    "laskutustiedot",
    "muut asiakassuhteeseen ja tilattuihin palveluihin liittyvät tiedot",
    "www-lomakkeilla",
    "sosiaalisen median palvelujen kautta",
    "sopimuksista",
    "asiakastapaamisista",
    "Tietoja ei luovuteta säännönmukaisesti muille tahoille",
    "Tietoja voidaan julkaista siltä osin kuin niin on sovittu asiakkaan kanssa",
    "Rekisterin käsittelyssä noudatetaan huolellisuutta",
    "tietojärjestelmien avulla käsiteltävät tiedot suojataan asianmukaisesti",
    "laitteiston fyysisestä ja digitaalisesta tietoturvasta huolehditaan asiaankuuluvasti",
    "palvelimien käyttöoikeuksia",
    "vain niiden työntekijöiden toimesta, joiden työnkuvaan se kuuluu",
    "puutteellisen tiedon täydentämistä",
    "todistamaan henkilöllisyytensä",
    "pääsääntöisesti kuukauden kuluessa",
    "oikeus tulla unohdetuksi",
];

#[test]
fn every_fact_of_the_seed_notice_is_in_the_finnish_notice() {
    // The phrases are the seed's own: check them against it where the file is at hand.
    let seed = repo_file("../shared/seed/rekisteriseloste.fi.txt");
    match std::fs::read_to_string(&seed) {
        Ok(text) => {
            let text = normalise(&text);
            for phrase in SEED_FACTS {
                assert!(
                    text.contains(&normalise(phrase)),
                    "`{phrase}` is not a phrase of the seed notice"
                );
            }
        }
        Err(_) => eprintln!(
            "note: {} is not at hand; the phrases are not re-checked against it",
            seed.display()
        ),
    }
    let world = World::new();
    let text = notice_text(&world, "fi", "table");
    let (notice, _) = split_record(&text, "# Seloste käsittelytoimista");
    let notice = normalise(notice);
    let missing: Vec<&&str> = SEED_FACTS
        .iter()
        .filter(|phrase| !notice.contains(&normalise(phrase)))
        .collect();
    assert!(
        missing.is_empty(),
        "the Finnish notice lacks facts of the seed: {missing:?}"
    );
}
