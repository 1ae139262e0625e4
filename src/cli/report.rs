//! Rendering the Art. 15 access report: JSON (the contract's keys), CSV (`section,field,value`
//! rows, where `field` is the JSON path inside the section) and a readable report with
//! headings in Finnish or English.

use serde_json::Value;

use crate::cli::args::Format;
use crate::cli::render;
use crate::core::access::{AccessReport, KeptRecordsReport, Lang};
use crate::error::{Error, Result};

/// The report's sections in reading order, with their headings.
const SECTIONS: &[(&str, &str, &str)] = &[
    (
        "processed",
        "Vahvistus tietojen käsittelystä",
        "Confirmation of processing",
    ),
    ("generated_on", "Raportin päivä", "Date of this report"),
    ("controller", "Rekisterinpitäjä", "Controller"),
    (
        "purposes",
        "Käsittelyn tarkoitukset ja oikeusperusteet",
        "Purposes and legal bases",
    ),
    (
        "categories",
        "Henkilötietoryhmät",
        "Categories of personal data",
    ),
    ("recipients", "Vastaanottajat", "Recipients"),
    (
        "transfers",
        "Siirrot EU:n ja ETA:n ulkopuolelle ja suojatoimet",
        "Transfers outside the EU/EEA and their safeguards",
    ),
    ("retention", "Säilytysajat", "Retention periods"),
    ("rights", "Oikeutesi", "Your rights"),
    (
        "complaint_authority",
        "Valvontaviranomainen",
        "Supervisory authority",
    ),
    (
        "sources",
        "Mistä tiedot on saatu",
        "Where the data comes from",
    ),
    (
        "automated_decision_making",
        "Automaattinen päätöksenteko ja profilointi",
        "Automated decision-making and profiling",
    ),
    ("subject", "Kopio tiedoistasi", "Copy of your data"),
    (
        "history",
        "Tietojesi käsittelyhistoria",
        "History of your data",
    ),
    ("requests", "Pyyntösi", "Your requests"),
];

/// Flattens a JSON value into (path, text) pairs: `ips[0].address` → `192.0.2.1`.
pub fn flatten(prefix: &str, value: &Value, lang: Lang, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            if map.is_empty() {
                out.push((prefix.to_owned(), String::new()));
            }
            for (key, item) in map {
                let path = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                flatten(&path, item, lang, out);
            }
        }
        Value::Array(items) => {
            if items.is_empty() {
                out.push((prefix.to_owned(), String::new()));
            }
            for (index, item) in items.iter().enumerate() {
                flatten(&format!("{prefix}[{index}]"), item, lang, out);
            }
        }
        Value::Null => out.push((prefix.to_owned(), String::new())),
        Value::Bool(b) => out.push((
            prefix.to_owned(),
            match (lang, b) {
                (Lang::Fi, true) => "kyllä",
                (Lang::Fi, false) => "ei",
                (Lang::En, true) => "yes",
                (Lang::En, false) => "no",
            }
            .to_owned(),
        )),
        Value::String(s) => out.push((prefix.to_owned(), s.clone())),
        Value::Number(n) => out.push((prefix.to_owned(), n.to_string())),
    }
}

pub fn access_report(report: &AccessReport, lang: Lang, format: Format) -> Result<String> {
    let title = match lang {
        Lang::Fi => {
            "Tarkastuspyyntöön vastaaminen: henkilötietosi (EU:n yleinen tietosuoja-asetus, 15 artikla)"
        }
        Lang::En => "Subject-access report: your personal data (GDPR Art. 15)",
    };
    sectioned(report, SECTIONS, title, lang, format)
}

/// The sections of the report to a person who was erased but whose bookkeeping records are
/// still kept.
const KEPT_SECTIONS: &[(&str, &str, &str)] = &[
    (
        "processed",
        "Vahvistus tietojen käsittelystä",
        "Confirmation of processing",
    ),
    ("generated_on", "Raportin päivä", "Date of this report"),
    ("controller", "Rekisterinpitäjä", "Controller"),
    (
        "erased_on",
        "Muut tietosi poistettiin",
        "Your other data was erased on",
    ),
    (
        "kept",
        "Säilytettävät kirjanpitoaineistot",
        "Bookkeeping records that are kept",
    ),
    (
        "purposes",
        "Säilyttämisen tarkoitus ja oikeusperuste",
        "Why they are kept, and the legal basis",
    ),
    ("retention", "Säilytysajat", "Retention periods"),
    ("rights", "Oikeutesi", "Your rights"),
    (
        "complaint_authority",
        "Valvontaviranomainen",
        "Supervisory authority",
    ),
];

pub fn kept_records_report(
    report: &KeptRecordsReport,
    lang: Lang,
    format: Format,
) -> Result<String> {
    let title = match lang {
        Lang::Fi => {
            "Tarkastuspyyntöön vastaaminen: säilytettävät tietosi (EU:n yleinen tietosuoja-asetus, 15 artikla)"
        }
        Lang::En => "Subject-access report: the data about you that is kept (GDPR Art. 15)",
    };
    sectioned(report, KEPT_SECTIONS, title, lang, format)
}

/// A report as JSON, or as `section,field,value` CSV rows, or as a readable text with a
/// heading per section.
fn sectioned<T: serde::Serialize>(
    report: &T,
    layout: &[(&str, &str, &str)],
    title: &str,
    lang: Lang,
    format: Format,
) -> Result<String> {
    if format == Format::Json {
        return render::json_text(report);
    }
    let value = serde_json::to_value(report)
        .map_err(|e| Error::io("<output>", std::io::Error::other(e)))?;
    let mut sections = Vec::new();
    for (key, fi, en) in layout {
        let mut rows = Vec::new();
        if let Some(item) = value.get(key) {
            flatten("", item, lang, &mut rows);
        }
        let heading = match lang {
            Lang::Fi => fi,
            Lang::En => en,
        };
        sections.push((*key, *heading, rows));
    }
    if format == Format::Csv {
        let rows = sections.iter().flat_map(|(key, _, rows)| {
            rows.iter()
                .map(move |(field, value)| vec![(*key).to_owned(), field.clone(), value.clone()])
        });
        return render::csv_text(&["section", "field", "value"], rows);
    }
    let mut text = format!("{title}\n{}\n", "=".repeat(title.chars().count()));
    for (_, heading, rows) in sections {
        text.push_str(&format!(
            "\n{heading}\n{}\n",
            "-".repeat(heading.chars().count())
        ));
        let mut table = comfy_table::Table::new();
        table
            .load_style(comfy_table::presets::UTF8_FULL_CONDENSED)
            .set_content_arrangement(comfy_table::ContentArrangement::Dynamic)
            .set_width(110);
        for (field, value) in rows {
            table.add_row(vec![
                if field.is_empty() {
                    "-".to_owned()
                } else {
                    field
                },
                value,
            ]);
        }
        text.push_str(&format!("{table}\n"));
    }
    Ok(text)
}
