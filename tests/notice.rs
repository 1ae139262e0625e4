//! `notice` (LEGAL §10): the privacy notice and the Art. 30 record, in Finnish and English,
//! from `--metadata FILE` (no register needed) or from the register's own description.
//! Snapshots fix the text; a fact test checks that every fact of the seed notice
//! (`rekisteriseloste.fi.txt`) is in the Finnish notice for `examples/twebs.json`, in its
//! section, together with what Art. 13 asks beyond the seed.

mod support;

use serde::Deserialize;
use support::{Register, World, expect_fail, expect_ok, repo_file, twebs};

/// `notice --format json`.
#[derive(Debug, Deserialize)]
struct Notice {
    language: String,
    title: String,
    notice_version: String,
    notice: Vec<Section>,
    record_title: String,
    record_of_processing: Vec<Section>,
}

#[derive(Debug, Deserialize)]
struct Section {
    heading: String,
    paragraphs: Vec<String>,
}

impl Section {
    fn text(&self) -> String {
        normalise(&self.paragraphs.join("\n"))
    }
}

/// Lower case, with runs of white space made one space.
fn normalise(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

fn notice_text(world: &World, lang: &str, format: &str) -> String {
    let metadata = twebs();
    let args = [
        "--format",
        format,
        "notice",
        "--metadata",
        &metadata,
        "--lang",
        lang,
    ];
    let output = world.run(&args);
    expect_ok(&args.join(" "), &output)
}

fn notice_json(world: &World, lang: &str) -> Notice {
    let text = notice_text(world, lang, "json");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("notice JSON: {e}\n{text}"))
}

#[test]
fn the_finnish_notice_matches_its_snapshot() {
    let world = World::new();
    let text = notice_text(&world, "fi", "table");
    insta::assert_snapshot!("notice_fi_markdown", text);
}

#[test]
fn the_english_notice_matches_its_snapshot() {
    let world = World::new();
    let text = notice_text(&world, "en", "table");
    insta::assert_snapshot!("notice_en_markdown", text);
}

#[test]
fn the_default_language_is_finnish() {
    let world = World::new();
    let metadata = twebs();
    let default = expect_ok("notice", &world.run(&["notice", "--metadata", &metadata]));
    assert_eq!(default, notice_text(&world, "fi", "table"));
    assert!(default.starts_with("# Tietosuojaseloste"), "{default}");
}

#[test]
fn a_registers_notice_is_the_notice_of_its_description() {
    let register = Register::new();
    for lang in ["fi", "en"] {
        let from_register = register.ok(&["notice", "--lang", lang]);
        let from_file = notice_text(&register.world, lang, "table");
        assert_eq!(from_register, from_file, "--lang {lang}");
        let json_register: serde_json::Value =
            serde_json::from_str(&register.ok(&["--format", "json", "notice", "--lang", lang]))
                .unwrap();
        let json_file: serde_json::Value =
            serde_json::from_str(&notice_text(&register.world, lang, "json")).unwrap();
        assert_eq!(json_register, json_file, "--lang {lang} --format json");
    }

    // A register with another description prints that one, not the embedded example.
    let world = World::new();
    world.age_key("key.txt");
    let mut description: serde_json::Value =
        serde_json::from_slice(&std::fs::read(repo_file("examples/twebs.json")).unwrap()).unwrap();
    description["controller"]["name"] = "Testiyhtiö Ab".into();
    description["register_name"]["fi"] = "Kokeilurekisteri".into();
    world.write("other.json", serde_json::to_vec(&description).unwrap());
    let output = world.run(&[
        "-f",
        "other.age",
        "-i",
        "key.txt",
        "init",
        "--metadata",
        "other.json",
    ]);
    expect_ok("init --metadata other.json", &output);
    let output = world.run(&[
        "-f",
        "other.age",
        "-i",
        "key.txt",
        "--format",
        "json",
        "notice",
    ]);
    let notice: Notice = serde_json::from_str(&expect_ok("notice", &output)).unwrap();
    assert_eq!(notice.notice[0].paragraphs[0], "Testiyhtiö Ab");
    assert_eq!(notice.notice[2].paragraphs, ["Kokeilurekisteri"]);
    assert!(
        notice.title.contains("Kokeilurekisteri"),
        "{}",
        notice.title
    );
}

#[test]
fn the_json_notice_has_ten_sections_and_the_record_of_processing() {
    let world = World::new();
    let fi = notice_json(&world, "fi");
    let en = notice_json(&world, "en");
    for (lang, notice) in [("fi", &fi), ("en", &en)] {
        assert_eq!(notice.language, lang);
        assert_eq!(notice.notice_version, "2025-01");
        assert!(
            notice.title.contains("Sovelluskehityksen asiakasrekisteri"),
            "{lang}: {}",
            notice.title
        );
        assert_eq!(notice.notice.len(), 10, "{lang}: ten sections");
        for (index, section) in notice.notice.iter().enumerate() {
            assert!(
                section.heading.starts_with(&format!("{}. ", index + 1)),
                "{lang}: section {} is numbered: {}",
                index + 1,
                section.heading
            );
            assert!(
                section.paragraphs.iter().any(|p| !p.trim().is_empty()),
                "{lang}: section {} is not empty",
                section.heading
            );
        }
        assert!(!notice.record_title.is_empty());
        assert!(
            notice.record_title.contains("30"),
            "{}",
            notice.record_title
        );
        assert!(
            notice.record_of_processing.len() >= 8,
            "{lang}: the Art. 30(1) items: {:?}",
            notice.record_of_processing
        );
        for section in &notice.record_of_processing {
            assert!(!section.heading.is_empty());
            assert!(
                !section.paragraphs.is_empty(),
                "{lang}: {} is not empty",
                section.heading
            );
        }
    }
    assert_eq!(fi.record_of_processing.len(), en.record_of_processing.len());
    assert!(
        fi.notice[0]
            .paragraphs
            .contains(&"Y-tunnus: 2685199-7".to_owned())
    );
    assert!(
        en.notice[0]
            .paragraphs
            .contains(&"Business ID: 2685199-7".to_owned())
    );
    assert_eq!(fi.notice[0].heading, "1. Rekisterinpitäjä");
    assert_eq!(en.notice[0].heading, "1. Controller");

    // CSV: one row a paragraph, notice then record.
    let csv = notice_text(&world, "fi", "csv");
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("part,heading,text"));
    let rows: Vec<&str> = lines.collect();
    let paragraphs: usize = fi
        .notice
        .iter()
        .chain(&fi.record_of_processing)
        .map(|s| s.paragraphs.len())
        .sum();
    assert!(rows.len() >= paragraphs, "{} rows", rows.len());
    assert!(rows[0].starts_with("notice,"), "{}", rows[0]);
    assert!(rows.iter().any(|r| r.starts_with("record,")));
}

/// The seed's facts, by the section of the seed (and of the notice) they belong to. Short,
/// distinctive phrases of `rekisteriseloste.fi.txt`, compared case-insensitively.
const SEED_FACTS: &[(&[usize], &str)] = &[
    // §1 the controller
    (&[1], "Twebs Oy"),
    (&[1], "Y-tunnus"),
    (&[1], "2685199-7"),
    (&[1], "Eteläkatu 14"),
    (&[1], "13100 Hämeenlinna"),
    // §2 the contact person
    (&[2], "Taneli Raatikainen"),
    // §3 the register's name
    (&[3], "Sovelluskehityksen asiakasrekisteri"),
    // §4 legal basis and purposes
    (&[4], "yhteydenpito asiakkaisiin"),
    (&[4], "asiakassuhteen ylläpito"),
    (&[4], "markkinointi"),
    (
        &[4],
        "Tietoja ei käytetä automatisoituun päätöksentekoon tai profilointiin",
    ),
    // §5 the data
    (&[5], "henkilön nimi"),
    (&[5], "yrityksen nimi"),
    (&[5], "puhelinnumero"),
    (&[5], "sähköpostiosoite"),
    (&[5], "sähköpostiosoite, osoite"),
    (&[5], "verkkoyhteyden IP-osoite"),
    (&[5], "tilatuista tuotteista ja niiden muutoksista"),
    (&[5], "laskutustiedot"),
    (
        &[5],
        "muut asiakassuhteeseen ja tilattuihin palveluihin liittyvät tiedot",
    ),
    // §6 the sources
    (&[6], "saadaan asiakkaalta"),
    (&[6], "www-lomakkeilla"),
    (&[6], "sähköpostitse"),
    (&[6], "puhelimitse"),
    (&[6], "sosiaalisen median palvelujen kautta"),
    (&[6], "sopimuksista"),
    (&[6], "asiakastapaamisista"),
    (
        &[6],
        "muista tilanteista, joissa asiakas luovuttaa tietojaan",
    ),
    // §7 disclosures and transfers
    (
        &[7],
        "Tietoja ei luovuteta säännönmukaisesti muille tahoille",
    ),
    (
        &[7],
        "Tietoja voidaan julkaista siltä osin kuin niin on sovittu asiakkaan kanssa",
    ),
    // §8 security
    (&[8], "Rekisterin käsittelyssä noudatetaan huolellisuutta"),
    (
        &[8],
        "tietojärjestelmien avulla käsiteltävät tiedot suojataan asianmukaisesti",
    ),
    (&[8], "säilytetään internet-palvelimilla"),
    (
        &[8],
        "laitteiston fyysisestä ja digitaalisesta tietoturvasta huolehditaan asiaankuuluvasti",
    ),
    (&[8], "palvelimien käyttöoikeuksia"),
    (&[8], "käsitellään luottamuksellisesti"),
    (
        &[8],
        "vain niiden työntekijöiden toimesta, joiden työnkuvaan se kuuluu",
    ),
    // §9 access and rectification, §10 other rights. The notice writes the seed's §9 and
    // §10 text together; either of its sections 9 and 10 will do.
    (&[9, 10], "puutteellisen tiedon täydentämistä"),
    (&[9, 10], "todistamaan henkilöllisyytensä"),
    (&[9, 10], "pääsääntöisesti kuukauden kuluessa"),
    (&[9, 10], "oikeus tulla unohdetuksi"),
];

/// Phrases of the seed that FINNISH.md corrects: the seed's wording must not come back, and
/// the corrected one stands in its section.
const CORRECTED_FACTS: &[(&[usize], &str, &str)] = &[
    (
        &[4],
        "oikeusperuste henkilötietojen käsittelylle on henkilön suostumus",
        "Käsittelyn oikeusperuste on rekisteröidyn suostumus (tietosuoja-asetuksen 6 artiklan 1 kohdan a alakohta)",
    ),
    (
        &[7],
        "siirtää rekisterinpitäjän toimesta myös EU:n tai ETA:n ulkopuolelle",
        "Rekisterinpitäjä voi siirtää tietoja myös Euroopan talousalueen (ETA) ulkopuolelle",
    ),
    (
        &[9, 10],
        "oikeus tarkistaa rekisteriin tallennetut tietonsa",
        "oikeus saada pääsy rekisteriin tallennettuihin tietoihinsa",
    ),
    (
        &[9, 10],
        "virheellisen tiedon korjaamista",
        "virheellisen tiedon oikaisemista",
    ),
    (
        &[9, 10],
        "pyyntö tulee lähettää kirjallisesti rekisterinpitäjälle",
        "Pyynnön voi lähettää rekisterinpitäjälle esimerkiksi sähköpostitse tai kirjeitse",
    ),
    (
        &[9, 10],
        "henkilötietojen poistamiseen rekisteristä",
        "henkilötietojen poistamista rekisteristä",
    ),
    (
        &[9, 10],
        "henkilötietojen käsittelyn rajoittaminen tietyissä tilanteissa",
        "oikeus käsittelyn rajoittamiseen tietyissä tilanteissa",
    ),
];

/// What Art. 13 asks and the seed lacks, by section of the notice.
const BEYOND_SEED: &[(&[usize], &str)] = &[
    // retention per category
    (&[5], "säilytysajat"),
    (&[5], "6 vuotta"),
    (&[5], "kirjanpitolaki"),
    (&[5], "12 kuukautta"),
    // recipients and transfer safeguards
    (&[7], "vastaanottajat"),
    (&[7], "henkilötietojen käsittelijä"),
    (&[7], "suojatoimet"),
    (&[7], "vakiosopimuslausekkeet"),
    (&[7], "tietosuojakehys"),
    // withdrawing consent, portability, objection, complaint
    (&[9, 10], "suostumuksen voi peruuttaa milloin tahansa"),
    (&[10], "oikeus peruuttaa suostumus"),
    (&[10], "7 artiklan 3 kohta"),
    (&[10], "oikeus siirtää tiedot järjestelmästä toiseen"),
    (&[10], "20 artikla"),
    (&[10], "oikeus vastustaa käsittelyä"),
    (&[10], "oikeus tehdä valitus valvontaviranomaiselle"),
    (&[10], "Tietosuojavaltuutetun toimisto"),
    (&[10], "tietosuoja.fi"),
];

fn assert_in_sections(notice: &Notice, facts: &[(&[usize], &str)], markdown: &str) {
    let markdown = normalise(markdown);
    let mut missing = Vec::new();
    for (sections, phrase) in facts {
        let phrase_norm = normalise(phrase);
        let found = sections
            .iter()
            .any(|n| notice.notice[n - 1].text().contains(&phrase_norm));
        if !found {
            missing.push(format!("§{sections:?}: {phrase}"));
        }
        assert!(
            markdown.contains(&phrase_norm),
            "the Markdown notice lacks `{phrase}`"
        );
    }
    assert!(
        missing.is_empty(),
        "the Finnish notice lacks, in its section:\n{}",
        missing.join("\n")
    );
}

#[test]
fn every_fact_of_the_seed_notice_is_in_the_finnish_notice() {
    // The phrases are the seed's own: check them against it where the file is at hand.
    let seed = repo_file("../shared/seed/rekisteriseloste.fi.txt");
    if let Ok(text) = std::fs::read_to_string(&seed) {
        let text = normalise(&text);
        let seed_phrases = SEED_FACTS
            .iter()
            .map(|(_, phrase)| *phrase)
            .chain(CORRECTED_FACTS.iter().map(|(_, wrong, _)| *wrong));
        for phrase in seed_phrases {
            assert!(
                text.contains(&normalise(phrase)),
                "`{phrase}` is not a phrase of the seed notice"
            );
        }
    } else {
        eprintln!(
            "note: {} is not at hand; the phrases are not re-checked against it",
            seed.display()
        );
    }

    let world = World::new();
    let notice = notice_json(&world, "fi");
    let markdown = notice_text(&world, "fi", "table");
    assert_in_sections(&notice, SEED_FACTS, &markdown);
    assert_in_sections(&notice, BEYOND_SEED, &markdown);
    let corrected: Vec<(&[usize], &str)> = CORRECTED_FACTS
        .iter()
        .map(|(sections, _, right)| (*sections, *right))
        .collect();
    assert_in_sections(&notice, &corrected, &markdown);
    for (_, wrong, _) in CORRECTED_FACTS {
        assert!(
            !normalise(&markdown).contains(&normalise(wrong)),
            "the notice repeats the seed's `{wrong}`, which FINNISH.md corrects"
        );
    }

    // The legal basis is given for each purpose, in the purpose's own paragraph, in the
    // words FINNISH.md gives, derived from the purpose's typed basis.
    for (purpose, basis) in [
        (
            "yhteydenpito asiakkaisiin",
            "käsittelyn oikeusperuste on rekisterinpitäjän oikeutettu etu (tietosuoja-asetuksen 6 artiklan 1 kohdan f alakohta).",
        ),
        (
            "asiakassuhteen ylläpito",
            "käsittelyn oikeusperuste on sopimuksen täytäntöönpano (tietosuoja-asetuksen 6 artiklan 1 kohdan b alakohta).",
        ),
        (
            "suoramarkkinointi sähköpostitse, puhelimitse ja postitse",
            "käsittelyn oikeusperuste on rekisteröidyn suostumus (tietosuoja-asetuksen 6 artiklan 1 kohdan a alakohta).",
        ),
        (
            "kirjanpito",
            "käsittelyn oikeusperuste on rekisterinpitäjän lakisääteinen velvoite (tietosuoja-asetuksen 6 artiklan 1 kohdan c alakohta).",
        ),
    ] {
        let paragraph = notice.notice[3]
            .paragraphs
            .iter()
            .map(|p| normalise(p))
            .find(|p| p.contains(purpose))
            .unwrap_or_else(|| panic!("section 4 has a paragraph on `{purpose}`"));
        assert!(
            paragraph.contains(basis),
            "`{purpose}` comes with its legal basis: {paragraph}"
        );
    }
    assert!(
        !normalise(&markdown).contains("markkinointi tms"),
        "the notice repeats the seed's `markkinointi tms.`"
    );
    // A retention line for each of the seed's data items.
    let content = notice.notice[4].text();
    let retention = content
        .split("säilytysajat:")
        .nth(1)
        .expect("section 5 lists the retention times");
    for item in [
        "henkilön nimi",
        "puhelinnumero",
        "ip-osoite",
        "tilatuista tuotteista",
        "laskutustiedot",
    ] {
        assert!(retention.contains(item), "a retention time for `{item}`");
    }

    // The record of processing carries the same facts.
    let record = normalise(
        &notice
            .record_of_processing
            .iter()
            .map(|s| format!("{}\n{}", s.heading, s.paragraphs.join("\n")))
            .collect::<Vec<_>>()
            .join("\n"),
    );
    for phrase in [
        "Twebs Oy",
        "2685199-7",
        "Taneli Raatikainen",
        "asiakkaat",
        "yhteydenpito asiakkaisiin",
        "verkkoyhteyden IP-osoite",
        "Euroopan talousalueen (ETA) ulkopuolelle",
        "käsitellään luottamuksellisesti",
        "6 vuotta",
    ] {
        assert!(
            record.contains(&normalise(phrase)),
            "the record of processing lacks `{phrase}`"
        );
    }
}

#[test]
fn the_english_notice_carries_the_same_facts() {
    let world = World::new();
    let notice = notice_json(&world, "en");
    let facts: &[(&[usize], &str)] = &[
        (&[1], "Twebs Oy"),
        (&[1], "2685199-7"),
        (&[1], "13100 Hämeenlinna"),
        (&[2], "Taneli Raatikainen"),
        (&[3], "Software development customer register"),
        (&[4], "consent"),
        (&[4], "not used for automated decision-making or profiling"),
        (&[5], "IP address"),
        (&[5], "retention"),
        (&[6], "web forms"),
        (&[7], "not regularly disclosed"),
        (&[7], "outside the European Economic Area (EEA)"),
        (&[7], "Standard Contractual Clauses"),
        (&[9, 10], "right to be forgotten"),
        (&[9, 10], "within one month"),
        (&[10], "data portability"),
        (&[10], "withdraw consent"),
        (&[10], "Office of the Data Protection Ombudsman"),
    ];
    let markdown = notice_text(&world, "en", "table");
    for (sections, phrase) in facts {
        let phrase = normalise(phrase);
        assert!(
            sections
                .iter()
                .any(|n| notice.notice[n - 1].text().contains(&phrase)),
            "the English notice lacks `{phrase}` in section(s) {sections:?}"
        );
        assert!(normalise(&markdown).contains(&phrase));
    }
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
    for (lang, format) in [
        ("fi", "table"),
        ("en", "table"),
        ("fi", "json"),
        ("fi", "csv"),
    ] {
        let text = notice_text(&world, lang, format);
        for note in &notes {
            let start: String = note.chars().take(40).collect();
            assert!(
                !text.contains(&start),
                "{lang} {format} prints the note `{start}`"
            );
        }
        assert!(!text.contains("Esimerkkiä olevat"), "{lang} {format}");
        // Country codes are written out, FINNISH.md.
        assert!(
            !text.contains("(FI)") && !text.contains("(US)"),
            "{lang} {format}"
        );
    }
    let fi = notice_text(&world, "fi", "table");
    assert!(fi.contains("(Suomi)") && fi.contains("(Yhdysvallat)"));
    assert!(fi.contains("Rekisteröidyllä on seuraavat oikeudet:"));
    assert!(fi.contains("9. Oikeus saada pääsy tietoihin ja oikeus tietojen oikaisemiseen"));
    assert!(!fi.contains("Y-tunnus / Business ID"));
    let en = notice_text(&world, "en", "table");
    assert!(en.contains("(Finland)") && en.contains("(United States)"));
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
