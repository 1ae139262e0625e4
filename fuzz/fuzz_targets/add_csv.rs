#![no_main]
//! `add --from` with csv input: parse, validate and add, all-or-nothing.

#[path = "common.rs"]
mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    common::add_from(data, rekisteri::cli::args::InputFormat::Csv);
});
