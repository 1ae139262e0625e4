//! What every `add --from` target does with its rows: parse them, then add them to an
//! example register, all-or-nothing. No input may panic; an error is fine.

use chrono::{NaiveDate, TimeZone, Utc};
use rekisteri::cli::args::InputFormat;
use rekisteri::cli::commands::{EXAMPLE_METADATA, parse_metadata};
use rekisteri::core::change::{Change, apply};
use rekisteri::core::model::Encryption;
use rekisteri::core::subjects::Batch;
use rekisteri::core::{Context, SequentialIds, format, sparse};

pub fn add_from(data: &[u8], input: InputFormat) {
    let Ok(rows) = rekisteri::cli::input::parse_rows("fuzz", data, input) else {
        return;
    };
    let ctx = Context {
        actor: "fuzz".into(),
        now: Utc.with_ymd_and_hms(2025, 3, 5, 12, 0, 0).unwrap(),
        today: NaiveDate::from_ymd_opt(2025, 3, 5).unwrap(),
    };
    let description = parse_metadata("twebs", EXAMPLE_METADATA.as_bytes()).unwrap();
    let mut ids = SequentialIds::default();
    let mut register = format::new_register(
        description,
        Encryption {
            recipients: vec!["age1fuzz".into()],
            passphrase: false,
        },
        &ctx,
        &mut ids,
    );
    let before = register.subjects.len();
    let count = rows.len();
    match apply(&mut register, Change::Add(Batch { rows, readmit: false }), &ctx, &mut ids) {
        Ok(_) => {
            assert_eq!(register.subjects.len(), before + count);
            format::check(&register).unwrap();
            // What was added must survive a write and a sparse reload.
            let bytes = serde_json::to_vec(&register).unwrap();
            assert_eq!(format::decode(&bytes).unwrap().subjects.len(), before + count);
            let (partial, _) = sparse::load(&bytes, &[]).unwrap().unwrap();
            assert_eq!(partial.unloaded.ids.len(), before + count);
        }
        Err(error) => {
            // Errors name rows and fields, never values, and set a bad-data exit code.
            assert_eq!(error.exit_code(), 65, "{error}");
        }
    }
}
