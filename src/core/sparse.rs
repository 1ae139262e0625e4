//! Changing a register without parsing all of it. A change concerns at most a few subjects
//! (named by id or email); the others stay borrowed raw JSON, known only by their ids and
//! emails so that uniqueness still holds, and are copied back verbatim when the register is
//! written. The audit trail is append-only: only its last event is parsed, to chain to.
//!
//! The cost of a change is then close to decrypting, scanning and encrypting the register,
//! instead of building and serialising every subject.

use std::collections::{HashMap, HashSet};
use std::io::{self, Write};

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::core::breach::Breach;
use crate::core::format::{self, DecodeError};
use crate::core::index;
use crate::core::model::{
    AuditEvent, Description, Encryption, ErasureGuard, ErasureReceipt, FORMAT_VERSION,
    NoticeVersion, NotificationTask, Register, Request, RetainedInvoice, Subject, Unloaded,
};
use crate::core::validate;
use crate::core::view::{SubjectKey, quick_key};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SparseDocument<'a> {
    format: u32,
    encryption: Encryption,
    description: Description,
    notices: Vec<NoticeVersion>,
    #[serde(borrow)]
    subjects: Vec<&'a RawValue>,
    requests: Vec<Request>,
    retained: Vec<RetainedInvoice>,
    tasks: Vec<NotificationTask>,
    erased: ErasureGuard,
    erasures: Vec<ErasureReceipt>,
    #[serde(default)]
    breaches: Vec<Breach>,
    #[serde(borrow)]
    audit: Vec<&'a RawValue>,
    #[serde(rename = "index", default)]
    _index: Option<serde::de::IgnoredAny>,
}

/// The selector that asks a sparse load for every subject (`retention apply` reads them all).
pub const ALL_SUBJECTS: &str = "*";

/// What a sparse load left unparsed, to be written back around the parsed `Register`
/// (the wanted subjects, the last audit event, everything else whole).
pub struct Sparse<'a> {
    /// Every subject as it was, with its id and the index hash of its email key.
    raw_subjects: Vec<(&'a RawValue, String, Option<u64>)>,
    /// Ids of the subjects parsed into `register.subjects`.
    loaded: HashSet<String>,
    /// The audit events before the last one, unchanged.
    audit_prefix: Vec<&'a RawValue>,
}

/// The subjects a change's selectors name: by id (every selector, trimmed) or by email key
/// (the selectors with an `@`, case and IDN folded); `*` names them all.
pub struct Wanted<'a> {
    ids: HashSet<&'a str>,
    emails: HashSet<String>,
    pub everyone: bool,
}

impl<'a> Wanted<'a> {
    pub fn new(selectors: &'a [String]) -> Self {
        let ids: HashSet<&str> = selectors.iter().map(|w| w.trim()).collect();
        Wanted {
            everyone: ids.contains(ALL_SUBJECTS),
            ids,
            emails: selectors
                .iter()
                .filter(|w| w.contains('@'))
                .map(|w| validate::email_key(w))
                .collect(),
        }
    }

    /// Whether the subject with `id` and email key `email` is named.
    pub fn names(&self, id: &str, email: Option<&str>) -> bool {
        self.everyone || self.ids.contains(id) || email.is_some_and(|e| self.emails.contains(e))
    }

    /// The index hashes (`core::index::key_hash`) a named subject has one of.
    /// The index hashes of the selectors, sorted: a handful, searched for every subject
    /// of a large register, where a hash set's hashing costs more than a look through them.
    pub fn hashes(&self) -> Vec<u64> {
        let mut hashes: Vec<u64> = self
            .ids
            .iter()
            .map(|id| index::key_hash(id))
            .chain(self.emails.iter().map(|e| index::key_hash(e)))
            .collect();
        hashes.sort_unstable();
        hashes.dedup();
        hashes
    }
}

/// Loads `plaintext`, parsing only subjects whose id or email (case-insensitively) is in
/// `wanted`. `None` when the register is not of the current format: then decode it whole.
pub fn load<'a>(
    plaintext: &'a [u8],
    wanted: &[String],
) -> Result<Option<(Register, Sparse<'a>)>, DecodeError> {
    let document = match serde_json::from_slice::<SparseDocument<'a>>(plaintext) {
        Ok(document) if format::reads_as_current(document.format) => document,
        _ => return Ok(None),
    };
    let named = Wanted::new(wanted);
    let mut subjects = Vec::new();
    let mut raw_subjects = Vec::with_capacity(document.subjects.len());
    let mut loaded = HashSet::new();
    let mut unloaded = Unloaded::default();
    unloaded.ids.reserve(document.subjects.len());
    unloaded.emails.reserve(document.subjects.len());
    for raw in document.subjects {
        let key: SubjectKey<'_> = match quick_key(raw.get()) {
            Some(key) => key,
            None => serde_json::from_str(raw.get()).map_err(format::describe_json_error)?,
        };
        let email = key.email.as_deref().map(validate::email_key);
        let email_hash = email.as_deref().map(index::key_hash);
        let wanted = named.names(&key.id, email.as_deref());
        let id = key.id.into_owned();
        if wanted {
            let subject: Subject =
                serde_json::from_str(raw.get()).map_err(format::describe_json_error)?;
            loaded.insert(id.clone());
            subjects.push(subject);
        } else {
            if let Some(email) = email
                && unloaded
                    .emails
                    .insert(email, crate::core::model::SubjectId(id.clone()))
                    .is_some()
            {
                return Err(DecodeError::Malformed(format!(
                    "subject {id} has an email address another subject has"
                )));
            }
            if !unloaded.ids.insert(id.clone()) {
                return Err(DecodeError::Malformed(format!(
                    "subject id {id} appears twice"
                )));
            }
        }
        raw_subjects.push((raw, id, email_hash));
    }
    let mut audit_prefix = document.audit;
    let last = match audit_prefix.pop() {
        Some(raw) => vec![
            serde_json::from_str::<AuditEvent>(raw.get()).map_err(format::describe_json_error)?,
        ],
        None => Vec::new(),
    };
    let register = Register {
        format: FORMAT_VERSION,
        encryption: document.encryption,
        description: document.description,
        notices: document.notices,
        subjects,
        requests: document.requests,
        retained: document.retained,
        tasks: document.tasks,
        erased: document.erased,
        erasures: document.erasures,
        breaches: document.breaches,
        audit: last,
        unloaded,
        index: None,
        upgrade_notes: Vec::new(),
    };
    format::check(&register).map_err(DecodeError::Malformed)?;
    Ok(Some((
        register,
        Sparse {
            raw_subjects,
            loaded,
            audit_prefix,
        },
    )))
}

impl Sparse<'_> {
    /// The ids of every subject as loaded, parsed or not.
    pub fn subject_ids(&self) -> impl Iterator<Item = &str> {
        self.raw_subjects.iter().map(|(_, id, _)| id.as_str())
    }

    /// The hash of audit event `seq` when it is among the events left unparsed (all but the
    /// last), for rollback detection.
    pub fn event_hash(&self, seq: u64) -> Option<String> {
        crate::core::rollback::raw_hash_at(&self.audit_prefix, seq)
    }

    /// Writes the whole register as JSON, in `Register`'s field order, with a fresh index
    /// (see `core::index`): unparsed subjects and events verbatim, changed subjects in their
    /// old places, new ones at the end, erased ones left out.
    pub fn write_json<W: Write + ?Sized>(&self, r: &Register, out: &mut W) -> io::Result<()> {
        let current: HashMap<&str, &Subject> =
            r.subjects.iter().map(|s| (s.id.0.as_str(), s)).collect();
        index::write_document(
            out,
            r,
            |sink| {
                for (raw, id, email_hash) in &self.raw_subjects {
                    if self.loaded.contains(id) {
                        if let Some(subject) = current.get(id.as_str()) {
                            sink.parsed(subject)?;
                        }
                    } else {
                        sink.raw(raw.get().as_bytes(), index::key_hash(id), *email_hash)?;
                    }
                }
                let known: HashSet<&str> = self
                    .raw_subjects
                    .iter()
                    .map(|(_, id, _)| id.as_str())
                    .collect();
                r.subjects
                    .iter()
                    .filter(|s| !known.contains(s.id.0.as_str()))
                    .try_for_each(|s| sink.parsed(s))
            },
            |sink| {
                self.audit_prefix
                    .iter()
                    .try_for_each(|raw| sink.raw(raw.get()))?;
                r.audit.iter().try_for_each(|e| sink.parsed(e))
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::SequentialIds;
    use crate::core::change::{Change, apply};
    use crate::core::model::{ConsentAction, RestrictionGround};
    use crate::core::record::Fact;
    use crate::core::subjects::{Batch, NewSubject};

    use crate::core::testing::ctx;

    fn register(ids: &mut SequentialIds) -> Register {
        let mut register = crate::core::testing::empty(ids);
        let rows = (0..5)
            .map(|n| {
                (
                    format!("row {n}"),
                    NewSubject {
                        name: Some(format!("Person {n}")),
                        email: Some(format!("Person{n}@Example.fi")),
                        phone: Some(format!("+35840000000{n}")),
                        consent: vec!["marketing".to_owned()].into(),
                        ..NewSubject::default()
                    },
                )
            })
            .collect();
        apply(
            &mut register,
            Change::Add(Batch {
                rows,
                readmit: false,
            }),
            &ctx(),
            ids,
        )
        .unwrap();
        register
    }

    /// Applying `change` sparsely and writing the result gives the same JSON as applying it
    /// to the whole register.
    fn same_as_full(make: impl Fn() -> Change) {
        let mut ids = SequentialIds::default();
        let original = register(&mut ids);
        let plaintext = serde_json::to_vec(&original).unwrap();

        let mut full = format::decode(&plaintext).unwrap();
        let mut full_ids = SequentialIds(ids.0);
        let full_result = apply(&mut full, make(), &ctx(), &mut full_ids);

        let change = make();
        let (mut partial, sparse) = load(&plaintext, &change.subjects()).unwrap().unwrap();
        let mut sparse_ids = SequentialIds(ids.0);
        let sparse_result = apply(&mut partial, change, &ctx(), &mut sparse_ids);
        assert_eq!(full_result.is_ok(), sparse_result.is_ok());
        if full_result.is_err() {
            return;
        }
        format::check(&partial).unwrap();
        let mut written = Vec::new();
        sparse.write_json(&partial, &mut written).unwrap();
        let mut whole = Vec::new();
        index::write_register(&mut whole, &full).unwrap();
        assert_eq!(
            String::from_utf8(written).unwrap(),
            String::from_utf8(whole).unwrap()
        );
    }

    #[test]
    fn sparse_changes_write_what_full_changes_write() {
        let second = "00000000-0000-4000-8000-000000000002".to_owned();
        same_as_full(|| Change::Record {
            subject: "person3@example.FI".into(),
            fact: Fact::Note("a note".into()),
        });
        same_as_full(|| Change::Erase {
            subject: second.clone(),
            reason: "Art. 17(1)(a)".into(),
            request: None,
        });
        same_as_full(|| Change::Restrict {
            subject: second.clone(),
            ground: RestrictionGround::Accuracy,
            request: None,
        });
        same_as_full(|| Change::Consent {
            subject: "person1@example.fi".into(),
            action: ConsentAction::Withdraw,
            purpose: "marketing".into(),
            on: ctx().today,
            channel: crate::core::model::Channel::Email,
            evidence: None,
        });
        same_as_full(|| {
            Change::Add(Batch {
                rows: vec![(
                    "row".into(),
                    NewSubject {
                        name: Some("New Person".into()),
                        email: Some("new@example.fi".into()),
                        ..NewSubject::default()
                    },
                )],
                readmit: false,
            })
        });
        same_as_full(|| Change::PurgeExpired);
        same_as_full(|| Change::Record {
            subject: second.clone(),
            fact: Fact::End(ctx().today),
        });
        // Every subject loaded (`ALL_SUBJECTS`); nothing is due on the register's first day.
        same_as_full(|| Change::ApplyRetention);
        same_as_full(|| {
            Change::OpenBreach(crate::core::breach::NewBreach {
                aware: ctx().now,
                nature: "a lost laptop".into(),
                categories: vec!["contact".into()],
                subjects: vec!["person4@example.fi".into()],
                approx_subjects: Some(1),
                approx_records: None,
                risk: crate::core::breach::BreachRisk::Risk,
                risk_reason: None,
                consequences: None,
                measures: None,
            })
        });
    }

    #[test]
    fn unloaded_emails_stay_unique() {
        let mut ids = SequentialIds::default();
        let plaintext = serde_json::to_vec(&register(&mut ids)).unwrap();
        let (mut partial, _) = load(&plaintext, &[]).unwrap().unwrap();
        let duplicate = Change::Add(Batch {
            rows: vec![(
                "row".into(),
                NewSubject {
                    name: Some("Again".into()),
                    email: Some("PERSON2@example.fi".into()),
                    ..NewSubject::default()
                },
            )],
            readmit: false,
        });
        let result = apply(&mut partial, duplicate, &ctx(), &mut ids);
        assert!(matches!(
            result,
            Err(crate::error::Error::DuplicateEmail { .. })
        ));
    }
}
