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

/// A cell as a spreadsheet may be given it. A cell that starts with `=`, `+`, `-`, `@`, a tab
/// or a carriage return (or their full-width forms) would be run as a formula by Excel,
/// LibreOffice or Google Sheets — `=HYPERLINK(…)` leaks data, `=cmd|…` runs a program — so
/// it gets a leading `'` (OWASP's rule), which spreadsheets show as text. Phone numbers
/// (`+358 40 123 4567`) and amounts (`-10.00`) are kept as they are: a spreadsheet reads
/// them as numbers, not as formulas that do anything.
pub fn spreadsheet_safe(cell: &str) -> std::borrow::Cow<'_, str> {
    let Some(first) = cell.chars().next() else {
        return std::borrow::Cow::Borrowed(cell);
    };
    let risky = matches!(
        first,
        '=' | '+' | '-' | '@' | '\t' | '\r' | '\u{FF1D}' | '\u{FF0B}' | '\u{FF0D}' | '\u{FF20}'
    );
    if !risky {
        return std::borrow::Cow::Borrowed(cell);
    }
    let phone = first == '+'
        && cell[1..]
            .chars()
            .all(|c| c.is_ascii_digit() || c == ' ' || c == '-')
        && crate::core::validate::phone(cell).is_ok();
    let amount = first == '-' && crate::core::validate::parse_amount(cell).is_ok();
    if phone || amount {
        return std::borrow::Cow::Borrowed(cell);
    }
    std::borrow::Cow::Owned(format!("'{cell}"))
}

/// CSV text with a header row. Every cell is made safe for spreadsheets (`spreadsheet_safe`).
pub fn csv_text(header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> Result<String> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let memory = |e: csv::Error| Error::io("<output>", std::io::Error::other(e.to_string()));
    writer.write_record(header).map_err(memory)?;
    for row in rows {
        writer
            .write_record(row.iter().map(|cell| spreadsheet_safe(cell).into_owned()))
            .map_err(memory)?;
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
        Format::Table | Format::Html => {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_numbers_kept() {
        for formula in [
            "=HYPERLINK(\"http://x\",\"y\")",
            "=cmd|' /C calc'!A0",
            "@SUM(1+1)",
            "+1+cmd|x",
            "-2+3",
            "\t=1",
            "\u{FF1D}1+1",
        ] {
            assert_eq!(
                spreadsheet_safe(formula),
                format!("'{formula}"),
                "{formula}"
            );
        }
        for kept in [
            "+358 40 123 4567",
            "+358401234567",
            "-10.00",
            "-5",
            "Maija",
            "",
            "2025-03-05",
        ] {
            assert_eq!(spreadsheet_safe(kept), kept, "{kept}");
        }
    }
}
