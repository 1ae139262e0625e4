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
    #[error("is too long (at most {0} characters)")]
    TooLong(usize),
    #[error("contains a control character")]
    Control,
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
        .any(|c| c.is_control() && !(multiline && (c == '\n' || c == '\t')))
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

/// The form in which emails are compared: lower case.
pub fn email_key(email: &str) -> String {
    email.trim().to_lowercase()
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

/// An ISO 8601 calendar date, `YYYY-MM-DD`.
pub fn date(value: &str) -> Result<NaiveDate, Invalid> {
    NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d").map_err(|_| Invalid::Date)
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
    fn text_refuses_control_characters() {
        assert_eq!(text("  hello ", false).as_deref(), Ok("hello"));
        assert_eq!(text("a\nb", false), Err(Invalid::Control));
        assert_eq!(text("a\nb", true).as_deref(), Ok("a\nb"));
        assert_eq!(text("   ", false), Err(Invalid::Empty));
    }
}
