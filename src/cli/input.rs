//! Reading `add --from` input: CSV with a header row, a JSON array of objects, or JSON Lines.
//! Every row is named in errors by its file and row number; no value is ever quoted.

use std::io::Read;
use std::path::Path;

use crate::cli::args::InputFormat;
use crate::core::format::safe_json_message;
use crate::core::subjects::{NewSubject, OneOrMany};
use crate::error::{Error, Result};

/// The CSV columns `add --from` understands.
pub const CSV_COLUMNS: &[&str] = &[
    "name",
    "company",
    "email",
    "phone",
    "address",
    "role",
    "ip",
    "source",
    "source_note",
    "source_date",
    "consent",
    "note",
];

/// The most values one list field (`ip`, `consent`) of one row may hold.
pub const MAX_LIST: usize = 100;
/// The most orders or invoices one row may hold, and changes one order may hold.
pub const MAX_ITEMS: usize = 1000;
/// The largest field of a CSV row, in bytes (free text is at most 10 000 characters).
pub const MAX_FIELD_BYTES: usize = 40_000;

fn too_many(label: &str, field: &str, count: usize, limit: usize) -> Error {
    Error::InvalidInput {
        context: label.to_owned(),
        message: format!("field `{field}` has {count} values (at most {limit})"),
    }
}

/// Refuses a row whose lists are longer than any real customer's: a million consents in one
/// CSV cell would otherwise become a million records.
pub fn check_row_bounds(label: &str, row: &NewSubject) -> Result<()> {
    for (field, list) in [("ip", &row.ip), ("consent", &row.consent)] {
        let count = match list {
            OneOrMany::None => 0,
            OneOrMany::One(_) => 1,
            OneOrMany::Many(values) => values.len(),
        };
        if count > MAX_LIST {
            return Err(too_many(label, field, count, MAX_LIST));
        }
    }
    if row.orders.len() > MAX_ITEMS {
        return Err(too_many(label, "orders", row.orders.len(), MAX_ITEMS));
    }
    if row.invoices.len() > MAX_ITEMS {
        return Err(too_many(label, "invoices", row.invoices.len(), MAX_ITEMS));
    }
    if let Some(order) = row.orders.iter().find(|o| o.changes.len() > MAX_ITEMS) {
        return Err(too_many(
            label,
            "orders.changes",
            order.changes.len(),
            MAX_ITEMS,
        ));
    }
    Ok(())
}

/// Reads the whole input: the file, or standard input for `-`.
pub fn read_input(path: &Path) -> Result<Vec<u8>> {
    if path == Path::new("-") {
        let mut bytes = Vec::new();
        std::io::stdin()
            .read_to_end(&mut bytes)
            .map_err(|e| Error::io("<stdin>", e))?;
        return Ok(bytes);
    }
    std::fs::read(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::InputMissing {
            path: path.to_owned(),
        },
        _ => Error::io(path, e),
    })
}

/// The input format: as given, or from the extension (`.csv`, `.json`, `.jsonl`/`.ndjson`).
pub fn guess_format(path: &Path, given: Option<InputFormat>) -> Result<InputFormat> {
    if let Some(format) = given {
        return Ok(format);
    }
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match extension.as_deref() {
        Some("csv") => Ok(InputFormat::Csv),
        Some("json") => Ok(InputFormat::Json),
        Some("jsonl" | "ndjson") => Ok(InputFormat::Jsonl),
        _ => Err(Error::Usage(format!(
            "{}: cannot tell the input format from the file name; give --input-format csv|json|jsonl",
            path.display()
        ))),
    }
}

/// Parses the rows; each comes with the label errors name it by.
pub fn parse_rows(
    name: &str,
    bytes: &[u8],
    format: InputFormat,
) -> Result<Vec<(String, NewSubject)>> {
    // A UTF-8 byte order mark, as spreadsheet programs write it, is accepted in every format.
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let rows = match format {
        InputFormat::Csv => parse_csv(name, bytes),
        InputFormat::Json => parse_json(name, bytes),
        InputFormat::Jsonl => parse_jsonl(name, bytes),
    }?;
    for (label, row) in &rows {
        check_row_bounds(label, row)?;
    }
    Ok(rows)
}

fn parse_csv(name: &str, bytes: &[u8]) -> Result<Vec<(String, NewSubject)>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(bytes);
    let headers = reader
        .headers()
        .map_err(|e| csv_error(name, "the header row", &e))?
        .clone();
    let mut columns = Vec::with_capacity(headers.len());
    for (index, header) in headers.iter().enumerate() {
        let header = header.trim();
        if !CSV_COLUMNS.contains(&header) {
            return Err(Error::InvalidInput {
                context: format!("{name} header"),
                message: format!(
                    "column {} `{header}` is not known (known: {})",
                    index + 1,
                    CSV_COLUMNS.join(", ")
                ),
            });
        }
        if columns.contains(&header) {
            return Err(Error::InvalidInput {
                context: format!("{name} header"),
                message: format!("column `{header}` appears twice"),
            });
        }
        columns.push(header);
    }
    if !columns.contains(&"name") {
        return Err(Error::InvalidInput {
            context: format!("{name} header"),
            message: "the column `name` is required".into(),
        });
    }
    let mut rows = Vec::new();
    let mut record = csv::ByteRecord::new();
    let mut number = 0usize;
    loop {
        let label = format!("{name} row {}", number + 1);
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(csv_error(name, &label, &e)),
        }
        number += 1;
        let mut row = NewSubject::default();
        for (column, raw) in columns.iter().zip(record.iter()) {
            if raw.len() > MAX_FIELD_BYTES {
                return Err(Error::InvalidInput {
                    context: label.clone(),
                    message: format!(
                        "field `{column}` is {} bytes long (at most {MAX_FIELD_BYTES})",
                        raw.len()
                    ),
                });
            }
            let value = std::str::from_utf8(raw).map_err(|_| Error::InvalidInput {
                context: label.clone(),
                message: format!("field `{column}` is not valid UTF-8"),
            })?;
            if value.trim().is_empty() {
                continue;
            }
            let value = value.to_owned();
            let list = |v: &str| {
                OneOrMany::Many(
                    v.split(';')
                        .map(|s| s.trim().to_owned())
                        .filter(|s| !s.is_empty())
                        .collect(),
                )
            };
            match *column {
                "name" => row.name = Some(value),
                "company" => row.company = Some(value),
                "email" => row.email = Some(value),
                "phone" => row.phone = Some(value),
                "address" => row.address = Some(value),
                "role" => row.role = Some(value),
                "ip" => row.ip = list(&value),
                "source" => row.source = Some(value),
                "source_note" => row.source_note = Some(value),
                "source_date" => row.source_date = Some(value),
                "consent" => row.consent = list(&value),
                "note" => row.note = Some(value),
                _ => {}
            }
        }
        rows.push((label, row));
    }
    Ok(rows)
}

fn csv_error(name: &str, label: &str, error: &csv::Error) -> Error {
    let message = match error.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("has {len} fields, the header has {expected_len}"),
        csv::ErrorKind::Utf8 { .. } => "is not valid UTF-8".into(),
        csv::ErrorKind::Io(_) => "could not be read".into(),
        _ => "is not valid CSV".into(),
    };
    let _ = name;
    Error::InvalidInput {
        context: label.to_owned(),
        message,
    }
}

/// One row from its JSON text. It is deserialised straight into `NewSubject`, not through a
/// `serde_json::Value`, so that a key given twice is refused instead of the last one winning.
fn row_from_json(label: &str, text: &str) -> Result<NewSubject> {
    if !text.trim_start().starts_with('{') {
        return Err(Error::InvalidInput {
            context: label.to_owned(),
            message: "is not a JSON object".into(),
        });
    }
    serde_json::from_str(text).map_err(|e| Error::InvalidInput {
        context: label.to_owned(),
        message: without_position(&safe_json_message(&e)),
    })
}

/// serde_json's positions are meaningless for a value already parsed.
fn without_position(message: &str) -> String {
    match message
        .rfind(" at line ")
        .or_else(|| message.rfind(" (line "))
    {
        Some(at) => message[..at].to_owned(),
        None => message.to_owned(),
    }
}

fn parse_json(name: &str, bytes: &[u8]) -> Result<Vec<(String, NewSubject)>> {
    let syntax = |e: serde_json::Error| Error::InvalidInput {
        context: name.to_owned(),
        message: safe_json_message(&e),
    };
    let items: Vec<&serde_json::value::RawValue> = match serde_json::from_slice(bytes) {
        Ok(items) => items,
        Err(e) => {
            // Valid JSON of another shape, or not JSON at all.
            serde_json::from_slice::<serde::de::IgnoredAny>(bytes).map_err(syntax)?;
            let _ = e;
            return Err(Error::InvalidInput {
                context: name.to_owned(),
                message: "is not a JSON array of subject objects".into(),
            });
        }
    };
    items
        .into_iter()
        .enumerate()
        .map(|(index, item)| {
            let label = format!("{name} row {}", index + 1);
            row_from_json(&label, item.get()).map(|row| (label, row))
        })
        .collect()
}

fn parse_jsonl(name: &str, bytes: &[u8]) -> Result<Vec<(String, NewSubject)>> {
    let text = std::str::from_utf8(bytes).map_err(|_| Error::InvalidInput {
        context: name.to_owned(),
        message: "is not valid UTF-8".into(),
    })?;
    let mut rows = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let label = format!("{name} line {}", index + 1);
        // The line must be one JSON value; its shape is checked as a row.
        serde_json::from_str::<serde::de::IgnoredAny>(line).map_err(|e| Error::InvalidInput {
            context: label.clone(),
            message: without_position(&safe_json_message(&e)),
        })?;
        rows.push((label.clone(), row_from_json(&label, line)?));
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_lists_split_on_semicolons() {
        let rows = parse_rows(
            "in.csv",
            b"name,ip,consent\nMaija,192.0.2.1;192.0.2.2,marketing\n",
            InputFormat::Csv,
        )
        .unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].0, "in.csv row 1");
        assert_eq!(rows[0].1.ip.clone().into_vec().len(), 2);
    }

    #[test]
    fn unknown_csv_column_is_named() {
        let err = parse_rows("in.csv", b"name,shoe_size\nA,42\n", InputFormat::Csv).unwrap_err();
        assert!(err.to_string().contains("shoe_size"), "{err}");
    }

    #[test]
    fn json_input_refuses_duplicate_keys_and_accepts_a_bom() {
        let err = parse_rows(
            "in.json",
            br#"[{"name":"A","email":"a@example.fi","email":"b@example.fi"}]"#,
            InputFormat::Json,
        )
        .unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("row 1") && text.contains("duplicate"),
            "{text}"
        );
        assert!(!text.contains("b@example.fi"), "{text}");
        let rows = parse_rows(
            "in.json",
            b"\xEF\xBB\xBF[{\"name\":\"A\"}]",
            InputFormat::Json,
        )
        .unwrap();
        assert_eq!(rows.len(), 1);
        let rows = parse_rows(
            "in.jsonl",
            b"\xEF\xBB\xBF{\"name\":\"A\"}\n",
            InputFormat::Jsonl,
        )
        .unwrap();
        assert_eq!(rows.len(), 1);
    }

    #[test]
    fn lists_and_fields_are_bounded() {
        let mut csv = b"name,consent\nA,".to_vec();
        csv.extend(std::iter::repeat_n(b"m;".as_slice(), 200).flatten());
        csv.push(b'\n');
        let err = parse_rows("in.csv", &csv, InputFormat::Csv)
            .unwrap_err()
            .to_string();
        assert!(err.contains("row 1") && err.contains("consent"), "{err}");
        let mut csv = b"name,consent\nA,".to_vec();
        csv.extend(std::iter::repeat_n(b';', 1_000_000));
        csv.push(b'\n');
        let err = parse_rows("in.csv", &csv, InputFormat::Csv)
            .unwrap_err()
            .to_string();
        assert!(err.contains("row 1") && err.contains("consent"), "{err}");
    }

    #[test]
    fn json_errors_name_the_row_without_the_value() {
        let err = parse_rows(
            "in.json",
            br#"[{"name":"A"},{"name":"Secret Person","phone":358401234567}]"#,
            InputFormat::Json,
        )
        .unwrap_err();
        let text = err.to_string();
        assert!(text.contains("row 2"), "{text}");
        assert!(!text.contains("358401234567"), "{text}");
    }
}
