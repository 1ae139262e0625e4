//! Reading and writing the timestamps and dates of the register quickly.
//!
//! The register writes its dates as `YYYY-MM-DD` and its timestamps as RFC 3339 in UTC,
//! `YYYY-MM-DDTHH:MM:SS[.fff|.ffffff|.fffffffff]Z`. A register holds thousands of them,
//! and chrono's general parsers (any offset, any separator, any padding) are a tenth of the
//! time a command spends reading one. These functions read exactly those forms directly
//! and hand everything else to chrono, so that every value chrono accepts is accepted with
//! the same result and every value chrono refuses is refused with the same error.
//!
//! chrono offers no parser limited to one fixed form, so the few lines here are hand-written;
//! the tests check them against chrono on random valid and invalid strings.

use std::fmt;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, ParseError, Utc};
use serde::de;

/// The value of `N` ASCII digits, or `None` if any byte is not one.
fn digits(bytes: &[u8]) -> Option<u32> {
    bytes.iter().try_fold(0u32, |value, &byte| {
        byte.is_ascii_digit()
            .then(|| value * 10 + u32::from(byte - b'0'))
    })
}

/// `YYYY-MM-DD` with a day that exists, read without chrono; `None` for anything else.
fn fast_date(bytes: &[u8]) -> Option<NaiveDate> {
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let year = digits(&bytes[0..4])?;
    let month = digits(&bytes[5..7])?;
    let day = digits(&bytes[8..10])?;
    NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)
}

/// `YYYY-MM-DDTHH:MM:SS[.f…]Z` (one to nine fraction digits, no leap second) with a day and
/// time that exist, read without chrono; `None` for anything else.
fn fast_datetime(text: &str) -> Option<DateTime<Utc>> {
    let bytes = text.as_bytes();
    let (&last, bytes) = bytes.split_last()?;
    if last != b'Z'
        || bytes.len() < 19
        || bytes[10] != b'T'
        || bytes[13] != b':'
        || bytes[16] != b':'
    {
        return None;
    }
    let date = fast_date(&bytes[..10])?;
    let hour = digits(&bytes[11..13])?;
    let minute = digits(&bytes[14..16])?;
    let second = digits(&bytes[17..19])?;
    let nanosecond = match &bytes[19..] {
        [] => 0,
        [b'.', fraction @ ..] if (1..=9).contains(&fraction.len()) => {
            digits(fraction)? * 10u32.pow(9 - fraction.len() as u32)
        }
        _ => return None,
    };
    // A second of 60 (a leap second) is left to chrono.
    if second > 59 {
        return None;
    }
    let time = NaiveTime::from_hms_nano_opt(hour, minute, second, nanosecond)?;
    Some(date.and_time(time).and_utc())
}

/// A date as `NaiveDate::from_str` reads it.
pub fn parse_date(text: &str) -> Result<NaiveDate, ParseError> {
    match fast_date(text.as_bytes()) {
        Some(date) => Ok(date),
        None => text.parse(),
    }
}

/// A timestamp as chrono's serde support reads a `DateTime<Utc>`: RFC 3339 with any offset,
/// turned into UTC.
pub fn parse_datetime(text: &str) -> Result<DateTime<Utc>, ParseError> {
    match fast_datetime(text) {
        Some(at) => Ok(at),
        None => text
            .parse::<DateTime<FixedOffset>>()
            .map(|at| at.with_timezone(&Utc)),
    }
}

/// The longest timestamp `write_datetime` writes: `YYYY-MM-DDTHH:MM:SS.fffffffffZ`.
pub const DATETIME_MAX_LEN: usize = 30;

/// A timestamp as chrono writes a `DateTime<Utc>` in JSON (RFC 3339, `Z`, fraction digits in
/// threes as needed), into `out`; returns the length written. `None` for a year outside
/// 0..=9999 or a leap second, which chrono writes in its own way.
pub fn write_datetime(at: &DateTime<Utc>, out: &mut [u8; DATETIME_MAX_LEN]) -> Option<usize> {
    use chrono::{Datelike, Timelike};
    let naive = at.naive_utc();
    let year = u32::try_from(naive.year()).ok().filter(|y| *y <= 9999)?;
    let nanosecond = naive.nanosecond();
    if nanosecond >= 1_000_000_000 {
        return None;
    }
    fn put(out: &mut [u8], value: u32, width: usize) {
        let mut value = value;
        for slot in out[..width].iter_mut().rev() {
            *slot = b'0' + (value % 10) as u8;
            value /= 10;
        }
    }
    put(&mut out[0..], year, 4);
    out[4] = b'-';
    put(&mut out[5..], naive.month(), 2);
    out[7] = b'-';
    put(&mut out[8..], naive.day(), 2);
    out[10] = b'T';
    put(&mut out[11..], naive.hour(), 2);
    out[13] = b':';
    put(&mut out[14..], naive.minute(), 2);
    out[16] = b':';
    put(&mut out[17..], naive.second(), 2);
    let mut len = 19;
    if nanosecond != 0 {
        out[len] = b'.';
        len += 1;
        let (value, width) = if nanosecond.is_multiple_of(1_000_000) {
            (nanosecond / 1_000_000, 3)
        } else if nanosecond.is_multiple_of(1_000) {
            (nanosecond / 1_000, 6)
        } else {
            (nanosecond, 9)
        };
        put(&mut out[len..], value, width);
        len += width;
    }
    out[len] = b'Z';
    Some(len + 1)
}

/// Serialises a `DateTime<Utc>` exactly as chrono's serde support does.
pub fn serialize_datetime<S: serde::Serializer>(
    at: &DateTime<Utc>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let mut buffer = [0u8; DATETIME_MAX_LEN];
    match write_datetime(at, &mut buffer).and_then(|len| std::str::from_utf8(&buffer[..len]).ok()) {
        Some(text) => serializer.serialize_str(text),
        None => serde::Serialize::serialize(at, serializer),
    }
}

struct DateVisitor;

impl de::Visitor<'_> for DateVisitor {
    type Value = NaiveDate;

    // The same words as chrono's, so that errors read the same.
    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a formatted date string")
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<NaiveDate, E> {
        parse_date(value).map_err(E::custom)
    }
}

struct DateTimeVisitor;

impl de::Visitor<'_> for DateTimeVisitor {
    type Value = DateTime<Utc>;

    // The same words as chrono's, so that errors read the same.
    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("an RFC 3339 formatted date and time string")
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<DateTime<Utc>, E> {
        parse_datetime(value).map_err(E::custom)
    }
}

/// `#[serde(deserialize_with)]` for a `NaiveDate`: what chrono's serde support reads, faster.
pub fn date<'de, D: de::Deserializer<'de>>(deserializer: D) -> Result<NaiveDate, D::Error> {
    deserializer.deserialize_str(DateVisitor)
}

/// `#[serde(deserialize_with)]` for a `DateTime<Utc>`: what chrono's serde support reads,
/// faster.
pub fn datetime<'de, D: de::Deserializer<'de>>(deserializer: D) -> Result<DateTime<Utc>, D::Error> {
    deserializer.deserialize_str(DateTimeVisitor)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn chrono_date(text: &str) -> Result<NaiveDate, ParseError> {
        text.parse()
    }

    fn chrono_datetime(text: &str) -> Result<DateTime<Utc>, ParseError> {
        text.parse::<DateTime<FixedOffset>>()
            .map(|at| at.with_timezone(&Utc))
    }

    #[test]
    fn the_forms_the_register_writes() {
        for text in [
            "2026-11-26T09:20:28.061166161Z",
            "2025-03-05T10:00:00Z",
            "2025-03-05T10:00:00.5Z",
            "2025-03-05T10:00:00.123Z",
            "2025-03-05T10:00:00.123456Z",
            "2024-02-29T23:59:59.999999999Z",
            "0000-01-01T00:00:00Z",
            "9999-12-31T23:59:59Z",
        ] {
            assert_eq!(parse_datetime(text), chrono_datetime(text), "{text}");
            assert!(fast_datetime(text).is_some(), "{text}");
        }
        for text in ["2024-02-29", "0000-01-01", "9999-12-31", "2025-01-01"] {
            assert_eq!(parse_date(text), chrono_date(text), "{text}");
            assert!(fast_date(text.as_bytes()).is_some(), "{text}");
        }
    }

    #[test]
    fn other_forms_read_as_chrono_reads_them() {
        for text in [
            "2025-03-05T10:00:00+02:00",
            "2025-03-05 10:00:00Z",
            "2025-03-05t10:00:00z",
            "2025-03-05T10:00:60Z",
            "2025-03-05T10:00:59.1234567891Z",
            "2025-03-05T10:00:00.Z",
            "2025-02-29T10:00:00Z",
            "2025-03-05T24:00:00Z",
            "2025-13-05T10:00:00Z",
            "+12025-03-05T10:00:00Z",
            "2025-03-05T10:00Z",
            "",
            "Z",
            "2025-03-05T1a:00:00Z",
        ] {
            assert_eq!(parse_datetime(text), chrono_datetime(text), "{text}");
        }
        for text in [
            "2025-02-29",
            "2025-2-28",
            "+2025-02-28",
            "2025-02-28 ",
            " 2025-02-28",
            "2025-00-01",
            "2025-01-00",
            "2025-01-32",
            "",
            "20250101",
            "2025-01-01T00:00:00Z",
        ] {
            assert_eq!(parse_date(text), chrono_date(text), "{text}");
        }
    }

    #[test]
    fn errors_are_chronos() {
        let error = parse_datetime("2025-02-29T10:00:00Z").unwrap_err();
        let expected = chrono_datetime("2025-02-29T10:00:00Z").unwrap_err();
        assert_eq!(error.to_string(), expected.to_string());
        let error = serde_json::from_str::<Wrapped>(r#"{"at":"x","on":"2025-01-01"}"#)
            .unwrap_err()
            .to_string();
        let expected = serde_json::from_str::<Plain>(r#"{"at":"x","on":"2025-01-01"}"#)
            .unwrap_err()
            .to_string();
        assert_eq!(error, expected);
        let error = serde_json::from_str::<Wrapped>(r#"{"at":"2025-01-01T00:00:00Z","on":7}"#)
            .unwrap_err()
            .to_string();
        let expected = serde_json::from_str::<Plain>(r#"{"at":"2025-01-01T00:00:00Z","on":7}"#)
            .unwrap_err()
            .to_string();
        assert_eq!(error, expected);
    }

    #[derive(serde::Deserialize, serde::Serialize, Debug, PartialEq)]
    struct Wrapped {
        #[serde(deserialize_with = "datetime", serialize_with = "serialize_datetime")]
        at: DateTime<Utc>,
        #[serde(deserialize_with = "date")]
        on: NaiveDate,
    }

    #[derive(serde::Deserialize, serde::Serialize, Debug, PartialEq)]
    struct Plain {
        at: DateTime<Utc>,
        on: NaiveDate,
    }

    /// Strings near the forms the register writes: digits, separators and lengths mixed.
    fn near_timestamp() -> impl Strategy<Value = String> {
        prop_oneof![
            "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{0,11})?Z",
            "[0-9]{4}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9](\\.[0-9]{1,9})?[Zz]",
            "[0-9+-]{4,6}-[0-9]{1,3}-[0-9]{1,3}[Tt ][0-9]{1,3}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,10})?(Z|[+-][0-9]{2}:[0-9]{2})",
            "[0-9TZ:. +-]{0,32}",
        ]
    }

    fn near_date() -> impl Strategy<Value = String> {
        prop_oneof![
            "[0-9]{4}-[0-9]{2}-[0-9]{2}",
            "[0-9]{4}-[01][0-9]-[0-3][0-9]",
            "[0-9+ -]{0,2}[0-9]{1,6}-[0-9]{1,3}-[0-9]{1,3}[ ]?",
            "[0-9 +-]{0,12}",
        ]
    }

    proptest! {
        // A fixed seed: the same strings on every run.
        #![proptest_config(ProptestConfig {
            cases: 4096,
            rng_seed: proptest::test_runner::RngSeed::Fixed(15),
            ..ProptestConfig::default()
        })]

        #[test]
        fn datetimes_read_as_chrono_reads_them(text in near_timestamp()) {
            prop_assert_eq!(parse_datetime(&text), chrono_datetime(&text));
        }

        #[test]
        fn dates_read_as_chrono_reads_them(text in near_date()) {
            prop_assert_eq!(parse_date(&text), chrono_date(&text));
        }

        #[test]
        fn datetimes_written_as_chrono_writes_them(
            seconds in -70_000_000_000i64..300_000_000_000i64,
            nanosecond in prop_oneof![
                Just(0u32),
                (0u32..1000).prop_map(|ms| ms * 1_000_000),
                (0u32..1_000_000).prop_map(|us| us * 1_000),
                0u32..1_000_000_000,
                1_000_000_000u32..2_000_000_000,
            ],
        ) {
            let Some(at) = DateTime::from_timestamp(seconds, nanosecond) else {
                return Ok(());
            };
            let on = at.date_naive();
            let ours = serde_json::to_string(&Wrapped { at, on }).unwrap();
            let chronos = serde_json::to_string(&Plain { at, on }).unwrap();
            prop_assert_eq!(&ours, &chronos);
            let back: Wrapped = serde_json::from_str(&ours).unwrap();
            let expected: Plain = serde_json::from_str(&chronos).unwrap();
            prop_assert_eq!((back.at, back.on), (expected.at, expected.on));
        }
    }
}
