#![no_main]
//! Parsing what users type: dates, amounts, phones, emails, IPs, request ids, subject
//! selectors, and the deadline arithmetic on any date that parses.

use rekisteri::core::{calendar, select, validate};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(date) = validate::date(text) {
        let due = calendar::due_date(date);
        assert!(due >= date);
        assert!(calendar::extended_due_date(date) >= due);
    }
    let _ = rekisteri::cli::args::parse_date(text);
    let _ = validate::parse_amount(text);
    if let Ok(phone) = validate::phone(text) {
        assert_eq!(validate::phone(&phone).as_deref(), Ok(phone.as_str()));
    }
    if let Ok(email) = validate::email(text) {
        assert_eq!(validate::email(&email).as_deref(), Ok(email.as_str()));
    }
    let _ = validate::ip(text);
    let _ = select::normalise_request_id(text);
    let _ = validate::text(text, true);
});
