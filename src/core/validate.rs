//! Field validation shared by every way data enters the register: flags, CSV, JSON,
//! corrections. Each check returns a reason that names no value, so an error message
//! never echoes personal data.

use crate::core::model::Amount;
use chrono::NaiveDate;
use std::net::IpAddr;

/// Why a field value was refused. The message names the rule, never the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Invalid {
    #[error("is required and may not be empty")]
    Empty,
    #[error("is not a valid email address")]
    Email,
    #[error(
        "is not a phone number (digits, with an optional leading +; spaces and dashes are allowed)"
    )]
    Phone,
    #[error("is not an IPv4 or IPv6 address")]
    Ip,
    #[error("is not a date of the form YYYY-MM-DD")]
    Date,
    #[error("is not an amount such as 249 or 249.50")]
    Amount,
    #[error("is not a date between 1900-01-01 and 2199-12-31")]
    DateRange,
    #[error("is too long (at most {0} characters)")]
    TooLong(usize),
    #[error(
        "contains a control character, an escape sequence, a bidirectional override or a line separator"
    )]
    Control,
}

/// Characters that can change what a terminal shows or how a line reads without being seen
/// themselves: C0 and C1 controls (ESC starts ANSI and OSC sequences), the bidirectional
/// embeddings, overrides, isolates and marks, and the Unicode line and paragraph separators.
pub fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}'
                | '\u{200E}'
                | '\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2066}'..='\u{2069}'
                | '\u{2028}'
                | '\u{2029}'
        )
}

/// `text` with every unsafe character (see `is_unsafe_char`) written as `\u{XXXX}`, so that
/// it can be shown on a terminal as it is; with `keep_lines`, newlines and tabs stay.
pub fn escape_unsafe(text: &str, keep_lines: bool) -> std::borrow::Cow<'_, str> {
    let unsafe_here = |c: char| is_unsafe_char(c) && !(keep_lines && (c == '\n' || c == '\t'));
    if !text.chars().any(unsafe_here) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut escaped = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if unsafe_here(c) {
            escaped.push_str(&format!("\\u{{{:04X}}}", u32::from(c)));
        } else {
            escaped.push(c);
        }
    }
    std::borrow::Cow::Owned(escaped)
}

/// A name that goes into the audit trail (an actor) or names a thing (an id): one line of
/// visible text, at most 200 characters.
pub fn name(value: &str) -> Result<String, Invalid> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(Invalid::Empty);
    }
    if trimmed.chars().count() > 200 {
        return Err(Invalid::TooLong(200));
    }
    if trimmed.chars().any(is_unsafe_char) {
        return Err(Invalid::Control);
    }
    Ok(trimmed.to_owned())
}

/// Longest free-text value accepted in one field.
pub const MAX_TEXT: usize = 10_000;

/// Trims a free-text value and refuses control characters (except in long notes, newlines).
pub fn text(value: &str, multiline: bool) -> Result<String, Invalid> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(Invalid::Empty);
    }
    if trimmed.chars().count() > MAX_TEXT {
        return Err(Invalid::TooLong(MAX_TEXT));
    }
    if trimmed
        .chars()
        .any(|c| is_unsafe_char(c) && !(multiline && (c == '\n' || c == '\t')))
    {
        return Err(Invalid::Control);
    }
    Ok(trimmed.to_owned())
}

/// An email address: one `@`, a non-empty local part, a domain with a dot, no spaces.
/// Returned trimmed, as written (comparisons lower-case it; see [`email_key`]).
pub fn email(value: &str) -> Result<String, Invalid> {
    let value = value.trim();
    if value.is_empty() {
        return Err(Invalid::Empty);
    }
    if value.len() > 254 {
        return Err(Invalid::TooLong(254));
    }
    let Some((local, domain)) = value.split_once('@') else {
        return Err(Invalid::Email);
    };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        });
    if local_ok && domain_ok {
        Ok(value.to_owned())
    } else {
        Err(Invalid::Email)
    }
}

/// The form in which emails are compared: lower case, and the domain in its ASCII (IDNA,
/// punycode) form, so that `maija@pörssi.fi` and `maija@xn--prssi-jua.fi` are one address.
pub fn email_key(email: &str) -> String {
    let lower = email.trim().to_lowercase();
    match lower.rsplit_once('@') {
        Some((local, domain)) if !domain.is_ascii() => match idna::domain_to_ascii(domain) {
            Ok(ascii) => format!("{local}@{}", ascii.to_ascii_lowercase()),
            Err(_) => lower,
        },
        _ => lower,
    }
}

/// The email's comparison form as an earlier version computed it (lower case only), for
/// erasure-guard hashes made before domains were IDNA-normalised.
pub fn legacy_email_keys(email: &str) -> Vec<String> {
    let lower = email.trim().to_lowercase();
    let mut keys = vec![lower.clone()];
    if let Some((local, domain)) = lower.rsplit_once('@') {
        let (unicode, result) = idna::domain_to_unicode(domain);
        if result.is_ok() {
            let form = format!("{local}@{unicode}");
            if !keys.contains(&form) {
                keys.push(form);
            }
        }
    }
    keys
}

/// The phone number in E.164 form (`+358401234567`), national numbers read as Finnish;
/// `None` for a number that is not a valid one.
pub fn phone_e164(value: &str) -> Option<String> {
    let number = phonenumber::parse(Some(phonenumber::country::Id::FI), value.trim()).ok()?;
    if !phonenumber::is_valid(&number) {
        return None;
    }
    Some(number.format().mode(phonenumber::Mode::E164).to_string())
}

/// The forms a phone number may have been hashed in by earlier versions: as stored
/// (`validate::phone`), and for a Finnish number, its national form with the leading 0.
pub fn legacy_phone_keys(value: &str) -> Vec<String> {
    let mut keys = Vec::new();
    if let Ok(stored) = phone(value) {
        keys.push(stored);
    }
    if let Some(e164) = phone_e164(value) {
        if !keys.contains(&e164) {
            keys.push(e164.clone());
        }
        if let Some(national) = e164.strip_prefix("+358") {
            let national = format!("0{national}");
            if !keys.contains(&national) {
                keys.push(national);
            }
        }
    }
    keys
}

/// A phone number: digits with an optional leading `+`. Spaces, dashes and dots between
/// digit groups are accepted and removed, so `+358 40 123 4567` is stored `+358401234567`.
pub fn phone(value: &str) -> Result<String, Invalid> {
    let value = value.trim();
    if value.is_empty() {
        return Err(Invalid::Empty);
    }
    let (plus, rest) = match value.strip_prefix('+') {
        Some(rest) => ("+", rest),
        None => ("", value),
    };
    let mut digits = String::with_capacity(rest.len() + 1);
    digits.push_str(plus);
    for c in rest.chars() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '-' | '.' => {}
            _ => return Err(Invalid::Phone),
        }
    }
    let count = digits.len() - plus.len();
    if !(3..=15).contains(&count) {
        return Err(Invalid::Phone);
    }
    Ok(digits)
}

pub fn ip(value: &str) -> Result<IpAddr, Invalid> {
    value.trim().parse().map_err(|_| Invalid::Ip)
}

/// The earliest and the latest year a date given as input may have.
pub const FIRST_YEAR: i32 = 1900;
pub const LAST_YEAR: i32 = 2199;

/// An ISO 8601 calendar date, `YYYY-MM-DD`, in the years `FIRST_YEAR` to `LAST_YEAR`.
pub fn date(value: &str) -> Result<NaiveDate, Invalid> {
    let value = value.trim();
    // Exactly four digits of year: chrono would take `+10000` or `0`.
    let shape_ok = value.len() == 10
        && value.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        });
    if !shape_ok {
        return Err(Invalid::Date);
    }
    let date = NaiveDate::parse_from_str(value, "%Y-%m-%d").map_err(|_| Invalid::Date)?;
    use chrono::Datelike;
    if !(FIRST_YEAR..=LAST_YEAR).contains(&date.year()) {
        return Err(Invalid::DateRange);
    }
    Ok(date)
}

/// An amount in euros: `249`, `249.5`, `249.50`, or with a decimal comma, `249,50`.
pub fn parse_amount(value: &str) -> Result<Amount, Invalid> {
    let value = value.trim();
    let (negative, value) = match value.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, value),
    };
    let (whole, fraction) = match value.split_once(['.', ',']) {
        Some((w, f)) => (w, f),
        None => (value, ""),
    };
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    if !digits(whole) || (!fraction.is_empty() && !digits(fraction)) || fraction.len() > 2 {
        return Err(Invalid::Amount);
    }
    if value.ends_with(['.', ',']) {
        return Err(Invalid::Amount);
    }
    let whole: i64 = whole.parse().map_err(|_| Invalid::Amount)?;
    let cents: i64 = match fraction.len() {
        0 => 0,
        1 => fraction.parse::<i64>().map_err(|_| Invalid::Amount)? * 10,
        _ => fraction.parse().map_err(|_| Invalid::Amount)?,
    };
    let total = whole
        .checked_mul(100)
        .and_then(|w| w.checked_add(cents))
        .ok_or(Invalid::Amount)?;
    Ok(Amount(if negative { -total } else { total }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert_eq!(
            email(" Maija@Example.fi ").as_deref(),
            Ok("Maija@Example.fi")
        );
        assert!(email("first.last+tag@sub.example.com").is_ok());
        for bad in [
            "",
            "no-at",
            "@example.fi",
            "a@b",
            "a b@example.fi",
            "a@@b.fi",
            "a@-b.fi",
            "a..b@c.fi",
        ] {
            assert!(email(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn phones_are_normalised() {
        assert_eq!(phone("+358 40 123 4567").as_deref(), Ok("+358401234567"));
        assert_eq!(phone("040-123 4567").as_deref(), Ok("0401234567"));
        assert_eq!(phone("++358"), Err(Invalid::Phone));
        assert_eq!(phone("040 abc"), Err(Invalid::Phone));
        assert_eq!(phone("12"), Err(Invalid::Phone));
        assert_eq!(phone("1234567890123456"), Err(Invalid::Phone));
    }

    #[test]
    fn amounts() {
        assert_eq!(parse_amount("249"), Ok(Amount(24900)));
        assert_eq!(parse_amount("249.5"), Ok(Amount(24950)));
        assert_eq!(parse_amount("249,05"), Ok(Amount(24905)));
        assert_eq!(parse_amount("-10.00"), Ok(Amount(-1000)));
        assert_eq!(Amount(24905).to_string(), "249.05");
        assert_eq!(Amount(-5).to_string(), "-0.05");
        for bad in ["", "1.234", "1.", ".5", "a", "1e3", "99999999999999999999"] {
            assert!(parse_amount(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn dates_and_ips() {
        assert!(date("2025-02-28").is_ok());
        assert!(date("2025-02-29").is_err());
        assert!(date("28.2.2025").is_err());
        assert!(ip("192.0.2.1").is_ok());
        assert!(ip("2001:db8::1").is_ok());
        assert!(ip("300.1.1.1").is_err());
    }

    #[test]
    fn dates_are_bounded() {
        assert_eq!(date("0000-01-01"), Err(Invalid::DateRange));
        assert_eq!(date("9999-12-31"), Err(Invalid::DateRange));
        assert_eq!(date("+12345-01-01"), Err(Invalid::Date));
        assert!(date("1900-01-01").is_ok());
        assert!(date("2199-12-31").is_ok());
    }

    #[test]
    fn unsafe_characters_are_refused_and_escaped() {
        for bad in [
            "a\u{202E}b",
            "a\u{2028}b",
            "a\u{1b}[31mb",
            "a\u{2066}b",
            "a\u{85}b",
        ] {
            assert_eq!(text(bad, true), Err(Invalid::Control), "{bad:?}");
            assert_eq!(name(bad), Err(Invalid::Control), "{bad:?}");
        }
        assert_eq!(
            escape_unsafe("a\u{1b}]0;x\u{7}b", false),
            "a\\u{001B}]0;x\\u{0007}b"
        );
        assert_eq!(escape_unsafe("a\nb", true), "a\nb");
        assert_eq!(escape_unsafe("a\nb", false), "a\\u{000A}b");
        assert_eq!(name(" Maija-Liisa "), Ok("Maija-Liisa".into()));
    }

    #[test]
    fn email_domains_compare_in_their_ascii_form() {
        assert_eq!(
            email_key("Maija@Pörssi.FI"),
            email_key("maija@xn--prssi-jua.fi")
        );
        assert_eq!(phone_e164("040 111 2222").as_deref(), Some("+358401112222"));
        assert_eq!(
            phone_e164("+358 40 111 2222").as_deref(),
            Some("+358401112222")
        );
        assert!(legacy_phone_keys("+358 40 111 2222").contains(&"0401112222".to_owned()));
    }

    #[test]
    fn text_refuses_control_characters() {
        assert_eq!(text("  hello ", false).as_deref(), Ok("hello"));
        assert_eq!(text("a\nb", false), Err(Invalid::Control));
        assert_eq!(text("a\nb", true).as_deref(), Ok("a\nb"));
        assert_eq!(text("   ", false), Err(Invalid::Empty));
    }
}
