#![no_main]
//! The two passes of a streamed change (`core::streamed`, `store::indexed::change_layout`)
//! over any plaintext: no input may panic; whatever the scan or the index accepts, writing it
//! back unchanged gives a document that decodes to the register the whole decoder reads from
//! the input (or the second pass stops, for an index it finds untrue).

use rekisteri::core::{format, streamed};
use rekisteri::store::indexed::{InMemory, change_layout};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let selectors = vec![
        "someone@example.fi".to_owned(),
        "00000000-0000-4000-8000-000000000002".to_owned(),
    ];
    let whole = format::decode(data).ok();
    let mut layouts = Vec::new();
    if let Ok(Some(scanned)) = streamed::scan(data, &selectors, |_| None) {
        layouts.push(scanned);
    }
    if let Some(indexed) = change_layout(&mut InMemory(data), &selectors) {
        layouts.push(indexed);
    }
    for (register, layout) in layouts {
        let mut written = Vec::new();
        match layout.write_json(data, &register, &mut written) {
            Ok(()) => {
                if let Some(whole) = &whole {
                    let again = format::decode(&written).expect("a written register decodes");
                    assert_eq!(again.subjects, whole.subjects);
                    assert_eq!(again.audit, whole.audit);
                    assert_eq!(again.requests, whole.requests);
                }
            }
            Err(error) => assert!(streamed::is_stale(&error) || whole.is_none()),
        }
    }
});
