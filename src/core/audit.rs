//! The audit trail: a hash chain of events that hold ids, actions and field names only.
//!
//! `hash = SHA-256(prev_hash ‖ canonical bytes of the event)`, where the canonical bytes are
//! the event's JSON without its `hash`, fields in declaration order.

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::core::Context;
use crate::core::model::{AuditAction, AuditEvent, RequestId, SubjectId};

/// The `prev` of the first event.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Serialize)]
struct Canonical<'a> {
    seq: u64,
    // Written as chrono writes it, without going through `fmt` (byte for byte the same).
    #[serde(serialize_with = "crate::core::timestamp::serialize_datetime")]
    at: chrono::DateTime<chrono::Utc>,
    actor: &'a str,
    action: AuditAction,
    subject: &'a Option<SubjectId>,
    request: &'a Option<RequestId>,
    fields: &'a [String],
    prev: &'a str,
}

/// The hash an event should carry, computed from its content and `prev`.
pub fn event_hash(event: &AuditEvent) -> String {
    let hash = event_hash_hex(event, &mut Vec::new());
    // Hex digits are ASCII.
    String::from_utf8_lossy(&hash).into_owned()
}

/// The hash an event should carry, as lowercase hex, computed with `buffer` for the
/// canonical bytes so that checking a whole trail needs no allocation per event.
fn event_hash_hex(event: &AuditEvent, buffer: &mut Vec<u8>) -> [u8; 64] {
    let canonical = Canonical {
        seq: event.seq,
        at: event.at,
        actor: &event.actor,
        action: event.action,
        subject: &event.subject,
        request: &event.request,
        fields: &event.fields,
        prev: &event.prev,
    };
    buffer.clear();
    // Serialising plain strings, numbers and enums into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *buffer, &canonical);
    let mut hasher = Sha256::new();
    hasher.update(event.prev.as_bytes());
    hasher.update(buffer.as_slice());
    let mut hex = [0u8; 64];
    // 32 bytes always fill 64 hex digits.
    let _ = hex::encode_to_slice(hasher.finalize(), &mut hex);
    hex
}

/// An event about to be recorded: what was done, to whom, touching which fields.
#[derive(Debug, Clone)]
pub struct Entry {
    pub action: AuditAction,
    pub subject: Option<SubjectId>,
    pub request: Option<RequestId>,
    pub fields: Vec<String>,
}

impl Entry {
    pub fn new(action: AuditAction) -> Entry {
        Entry {
            action,
            subject: None,
            request: None,
            fields: Vec::new(),
        }
    }

    pub fn subject(mut self, subject: &SubjectId) -> Entry {
        self.subject = Some(subject.clone());
        self
    }

    pub fn request(mut self, request: Option<&RequestId>) -> Entry {
        self.request = request.cloned();
        self
    }

    pub fn fields<I, S>(mut self, fields: I) -> Entry
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.fields = fields.into_iter().map(Into::into).collect();
        self
    }
}

/// Appends an event to the trail, chained to the last one.
pub fn append(trail: &mut Vec<AuditEvent>, ctx: &Context, entry: Entry) {
    let (seq, prev) = match trail.last() {
        Some(last) => (last.seq + 1, last.hash.clone()),
        None => (1, GENESIS.to_owned()),
    };
    let mut event = AuditEvent {
        seq,
        at: ctx.now,
        actor: ctx.actor.clone(),
        action: entry.action,
        subject: entry.subject,
        request: entry.request,
        fields: entry.fields,
        prev,
        hash: String::new(),
    };
    event.hash = event_hash(&event);
    trail.push(event);
}

/// Recomputes the chain. `Err((seq, reason))` names the first event that does not fit.
pub fn verify(trail: &[AuditEvent]) -> Result<(), (u64, String)> {
    let mut prev = GENESIS;
    let mut buffer = Vec::with_capacity(512);
    for (index, event) in trail.iter().enumerate() {
        let expected_seq = index as u64 + 1;
        if event.seq != expected_seq {
            return Err((
                event.seq,
                format!("expected sequence number {expected_seq}"),
            ));
        }
        if event.prev != prev {
            return Err((
                event.seq,
                "its link to the previous event does not match".into(),
            ));
        }
        if event_hash_hex(event, &mut buffer) != event.hash.as_bytes() {
            return Err((event.seq, "its hash does not match its content".into()));
        }
        prev = &event.hash;
    }
    Ok(())
}

/// The hash of the last event, or the genesis value for an empty trail.
pub fn head(trail: &[AuditEvent]) -> &str {
    trail.last().map_or(GENESIS, |event| event.hash.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, TimeZone, Utc};

    fn ctx() -> Context {
        Context {
            actor: "tester".into(),
            now: Utc.with_ymd_and_hms(2025, 3, 5, 10, 0, 0).unwrap(),
            today: NaiveDate::from_ymd_opt(2025, 3, 5).unwrap(),
        }
    }

    #[test]
    fn a_chain_verifies_and_an_edit_breaks_it() {
        let mut trail = Vec::new();
        append(&mut trail, &ctx(), Entry::new(AuditAction::Init));
        append(
            &mut trail,
            &ctx(),
            Entry::new(AuditAction::Add)
                .subject(&SubjectId("s1".into()))
                .fields(["name"]),
        );
        append(&mut trail, &ctx(), Entry::new(AuditAction::RecordNote));
        assert_eq!(verify(&trail), Ok(()));
        assert_eq!(trail[1].prev, trail[0].hash);
        assert_eq!(head(&trail), trail[2].hash);

        let mut edited = trail.clone();
        edited[1].fields = vec!["email".into()];
        assert_eq!(verify(&edited).map_err(|e| e.0), Err(2));

        let mut removed = trail.clone();
        removed.remove(1);
        assert!(verify(&removed).is_err());
    }

    /// Known hashes, worked out apart from this code (SHA-256 of `prev` and the event's
    /// compact JSON), one for each way a timestamp is written: they pin the hash definition.
    #[test]
    fn known_hashes() {
        let event = |at: &str| -> AuditEvent {
            serde_json::from_value(serde_json::json!({
                "seq": 2,
                "at": at,
                "actor": "Tester \"ä\"",
                "action": "add",
                "subject": "s1",
                "request": "r1",
                "fields": ["name", "email"],
                "prev": "4648c7e6b65a6f6675429309545ef11cca7e16967c7c658b313d3afbb333475a",
                "hash": "",
            }))
            .unwrap()
        };
        for (at, hash) in [
            (
                "2025-03-05T10:00:00Z",
                "763ebdf6c7ce3309b9075021c293bd119fc08b8a58b2efd7086cc9e245444e5b",
            ),
            (
                "2025-03-05T10:00:00.250Z",
                "ebe7530f00dfa77b76f145bfb130554ea63ddb54bfebc608b8fcf45a1017c135",
            ),
            (
                "2025-03-05T10:00:00.000250Z",
                "e6a5685c7e82b82bcac14d3cc3bca7026c393eddd7291ea02928c9b64daf0a8f",
            ),
        ] {
            assert_eq!(event_hash(&event(at)), hash, "{at}");
        }
        let first: AuditEvent = serde_json::from_value(serde_json::json!({
            "seq": 1,
            "at": "2026-11-26T09:20:28.061166161Z",
            "actor": "unknown",
            "action": "init",
            "subject": null,
            "request": null,
            "fields": [],
            "prev": GENESIS,
            "hash": "4648c7e6b65a6f6675429309545ef11cca7e16967c7c658b313d3afbb333475a",
        }))
        .unwrap();
        assert_eq!(event_hash(&first), first.hash);
        assert_eq!(verify(std::slice::from_ref(&first)), Ok(()));
        let mut wrong = first.clone();
        wrong.hash = wrong.hash.to_uppercase();
        assert_eq!(verify(&[wrong]).map_err(|e| e.0), Err(1));
    }
}
