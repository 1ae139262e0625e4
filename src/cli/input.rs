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
    match format {
        InputFormat::Csv => parse_csv(name, bytes),
        InputFormat::Json => parse_json(name, bytes),
        InputFormat::Jsonl => parse_jsonl(name, bytes),
    }
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

fn row_from_value(label: &str, value: serde_json::Value) -> Result<NewSubject> {
    if !value.is_object() {
        return Err(Error::InvalidInput {
            context: label.to_owned(),
            message: "is not a JSON object".into(),
        });
    }
    serde_json::from_value(value).map_err(|e| Error::InvalidInput {
        context: label.to_owned(),
        message: without_position(&safe_json_message(&e)),
    })
}

/// serde_json's positions are meaningless for a value already parsed.
fn without_position(message: &str) -> String {
    match message.rfind(" (line ") {
        Some(at) => message[..at].to_owned(),
        None => message.to_owned(),
    }
}

fn parse_json(name: &str, bytes: &[u8]) -> Result<Vec<(String, NewSubject)>> {
    let document: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| Error::InvalidInput {
            context: name.to_owned(),
            message: safe_json_message(&e),
        })?;
    let serde_json::Value::Array(items) = document else {
        return Err(Error::InvalidInput {
            context: name.to_owned(),
            message: "is not a JSON array of subject objects".into(),
        });
    };
    items
        .into_iter()
        .enumerate()
        .map(|(index, item)| {
            let label = format!("{name} row {}", index + 1);
            row_from_value(&label, item).map(|row| (label, row))
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
        let value: serde_json::Value =
            serde_json::from_str(line).map_err(|e| Error::InvalidInput {
                context: label.clone(),
                message: without_position(&safe_json_message(&e)),
            })?;
        rows.push((label.clone(), row_from_value(&label, value)?));
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
