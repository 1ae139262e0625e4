//! Rendering records for people (tables) and for programs (RFC 4180 CSV, JSON).
//! Everything rendered goes to standard output; messages go to standard error.

use comfy_table::{ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};
use serde::Serialize;

use crate::cli::args::Format;
use crate::core::lawful;
use crate::core::model::Subject;
use crate::error::{Error, Result};

/// A table with the house style.
pub fn table(header: &[&str]) -> Table {
    let mut table = Table::new();
    table
        .load_style(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(header.iter().copied());
    table
}

/// CSV text with a header row.
pub fn csv_text(header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> Result<String> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let memory = |e: csv::Error| Error::io("<output>", std::io::Error::other(e.to_string()));
    writer.write_record(header).map_err(memory)?;
    for row in rows {
        writer.write_record(&row).map_err(memory)?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| Error::io("<output>", std::io::Error::other(e.to_string())))?;
    String::from_utf8(bytes).map_err(|e| Error::io("<output>", std::io::Error::other(e)))
}

/// One JSON document, pretty-printed, with a final newline.
pub fn json_text<T: Serialize + ?Sized>(value: &T) -> Result<String> {
    let mut text = serde_json::to_string_pretty(value)
        .map_err(|e| Error::io("<output>", std::io::Error::other(e)))?;
    text.push('\n');
    Ok(text)
}

fn opt(value: &Option<String>) -> String {
    value.clone().unwrap_or_default()
}

/// The purposes a subject currently consents to.
fn consented(subject: &Subject) -> Vec<String> {
    lawful::consented_purposes(subject)
        .into_iter()
        .map(str::to_owned)
        .collect()
}

/// The short status flags shown in tables: R restricted, O objected to marketing.
fn flags(subject: &Subject) -> String {
    let mut flags = String::new();
    if subject.restriction.is_some() {
        flags.push_str("RESTRICTED ");
    }
    if subject.marketing_objection.is_some() {
        flags.push_str("OBJECTED ");
    }
    if subject.role == crate::core::model::Role::Business {
        flags.push_str("BUSINESS ");
    }
    flags.trim_end().to_owned()
}

pub const SUBJECT_CSV_HEADER: &[&str] = &[
    "id",
    "name",
    "company",
    "email",
    "phone",
    "address",
    "ips",
    "source",
    "source_date",
    "consents",
    "restriction",
    "marketing_objection",
    "created",
    "updated",
    "role",
];

/// A list of subjects in the chosen format.
pub fn subjects(subjects: &[&Subject], format: Format) -> Result<String> {
    match format {
        Format::Json => json_text(subjects),
        Format::Csv => csv_text(
            SUBJECT_CSV_HEADER,
            subjects.iter().map(|s| {
                vec![
                    s.id.0.clone(),
                    s.name.clone(),
                    opt(&s.company),
                    opt(&s.email),
                    opt(&s.phone),
                    opt(&s.address),
                    s.ips
                        .iter()
                        .map(|ip| ip.address.to_string())
                        .collect::<Vec<_>>()
                        .join(";"),
                    s.source.channel.as_str().to_owned(),
                    s.source.date.to_string(),
                    consented(s).join(";"),
                    s.restriction
                        .as_ref()
                        .map(|r| {
                            serde_json::to_value(r.ground)
                                .ok()
                                .and_then(|v| v.as_str().map(str::to_owned))
                                .unwrap_or_default()
                        })
                        .unwrap_or_default(),
                    s.marketing_objection
                        .as_ref()
                        .map(|o| o.on.to_string())
                        .unwrap_or_default(),
                    s.created.to_rfc3339(),
                    s.updated.to_rfc3339(),
                    s.role.as_str().to_owned(),
                ]
            }),
        ),
        Format::Table => {
            let mut table = table(&[
                "id", "name", "company", "email", "phone", "consents", "flags",
            ]);
            for s in subjects {
                table.add_row(vec![
                    s.id.0.clone(),
                    s.name.clone(),
                    opt(&s.company),
                    opt(&s.email),
                    opt(&s.phone),
                    consented(s).join(", "),
                    flags(s),
                ]);
            }
            Ok(format!("{table}\n"))
        }
    }
}
