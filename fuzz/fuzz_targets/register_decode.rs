#![no_main]
//! The plaintext register decoder and validator, and the two partial readers (one subject
//! for a report, a few subjects for a change): no input may panic, and what the full decoder
//! accepts the partial ones accept too.

use rekisteri::core::{format, sparse, view};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let full = format::decode(data);
    let partial = sparse::load(data, &["someone@example.fi".to_owned()]);
    let _ = view::decode_subject(data, "someone@example.fi", &Default::default());
    if full.is_ok() {
        assert!(partial.is_ok(), "the sparse reader refused a register the decoder accepts");
    }
});
