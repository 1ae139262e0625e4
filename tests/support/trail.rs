//! An independent implementation of the audit chain's hash, to check the trail rekisteri
//! writes and to forge a rewritten history whose chain is valid.

use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::AuditEvent;

/// The `prev` of the first audit event.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The canonical bytes of an event: its JSON without `hash`, fields in declaration order
/// (`seq, at, actor, action, subject, request, fields, prev`), compact.
#[derive(Serialize)]
struct Canonical<'a> {
    seq: u64,
    at: &'a str,
    actor: &'a str,
    action: &'a str,
    subject: &'a Option<String>,
    request: &'a Option<String>,
    fields: &'a [String],
    prev: &'a str,
}

/// `SHA-256(prev ‖ canonical bytes)`, hex: the hash an event should carry, computed here
/// independently of rekisteri.
pub fn event_hash(event: &AuditEvent) -> String {
    let canonical = Canonical {
        seq: event.seq,
        at: &event.at,
        actor: &event.actor,
        action: &event.action,
        subject: &event.subject,
        request: &event.request,
        fields: &event.fields,
        prev: &event.prev,
    };
    let bytes = serde_json::to_vec(&canonical).expect("serialise an event");
    let mut hasher = Sha256::new();
    hasher.update(event.prev.as_bytes());
    hasher.update(&bytes);
    hex::encode(hasher.finalize())
}

/// Renumbers the events 1, 2, … and recomputes every `prev` and `hash`: a rewritten history
/// whose chain is valid.
pub fn rechain(events: &mut [AuditEvent]) {
    let mut prev = GENESIS.to_owned();
    for (index, event) in events.iter_mut().enumerate() {
        event.seq = index as u64 + 1;
        event.prev = prev;
        event.hash = event_hash(event);
        prev = event.hash.clone();
    }
}

/// Sets the document's audit trail.
pub fn set_trail(document: &mut Value, events: &[AuditEvent]) {
    document["audit"] = serde_json::to_value(events).expect("serialise the trail");
}
