#![no_main]
//! The index reader (`store::indexed`) over any plaintext: no input may panic; a subject it
//! returns is the one the scan returns whenever the scan accepts the document; and for a
//! register the decoder accepts, the index every write appends finds each subject by id and
//! by email, with the events the scan finds.

use std::collections::HashSet;

use rekisteri::core::{format, index, view};
use rekisteri::store::indexed::{InMemory, subject_view};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let none = HashSet::new();
    for selector in ["someone@example.fi", "00000000-0000-4000-8000-000000000002"] {
        if let Some(found) = subject_view(&mut InMemory(data), selector, &none)
            && let Ok(scan) = view::decode_subject(data, selector, &none)
        {
            assert_eq!(found.register.subjects, scan.register.subjects);
            assert_eq!(found.register.audit, scan.register.audit);
        }
    }
    let Ok(register) = format::decode(data) else {
        return;
    };
    let mut written = Vec::new();
    index::write_register(&mut written, &register).expect("writing to memory");
    for subject in register.subjects.iter().take(8) {
        let selectors = std::iter::once(subject.id.0.clone()).chain(subject.email.clone());
        for selector in selectors {
            // What the scan answers, the index must answer too (an ambiguous selector, which
            // the scan refuses, is left to the scan).
            let Ok(scan) = view::decode_subject(&written, &selector, &none) else {
                continue;
            };
            let found = subject_view(&mut InMemory(&written), &selector, &none)
                .expect("the fresh index finds every subject the scan finds");
            assert_eq!(found.register.subjects, scan.register.subjects);
            assert_eq!(found.register.audit, scan.register.audit);
        }
    }
});
