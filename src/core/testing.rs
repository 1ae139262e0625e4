//! What the unit tests of several modules share: a fixed context and registers made from
//! the example description.

use chrono::{NaiveDate, TimeZone, Utc};

use crate::core::model::{Description, Encryption, Register};
use crate::core::{Context, SequentialIds, format};

/// 5 March 2025, 12:00 UTC, by `tester`.
pub fn ctx() -> Context {
    Context {
        actor: "tester".into(),
        now: Utc.with_ymd_and_hms(2025, 3, 5, 12, 0, 0).unwrap(),
        today: NaiveDate::from_ymd_opt(2025, 3, 5).unwrap(),
    }
}

/// A new register described by `examples/twebs.json`, with no subjects.
pub fn empty(ids: &mut SequentialIds) -> Register {
    let description: Description =
        serde_json::from_str(include_str!("../../examples/twebs.json")).unwrap();
    format::new_register(
        description,
        Encryption {
            recipients: vec!["age1example".into()],
            passphrase: false,
        },
        &ctx(),
        ids,
    )
}

/// A register of `subjects` generated subjects (`rekisteri generate --seed 1`).
pub fn generated(subjects: u64) -> Register {
    let mut register = empty(&mut SequentialIds::default());
    crate::core::generate::fill(&mut register, subjects, 1, &ctx()).unwrap();
    register
}
