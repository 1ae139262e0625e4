//! Rollback detection, the pure part. The audit trail is a hash chain that only grows: a
//! register whose trail no longer contains the last point this machine saw (its event count
//! and head hash) is an older copy put back — a restored backup, a sync tool, someone with
//! write access but no key — and writing on from it would bring back erased people.

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::core::audit::GENESIS;
use crate::core::model::AuditEvent;

/// A point of the trail: how many events it had, and the hash of the last one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrailPoint {
    pub count: u64,
    pub head: String,
}

impl TrailPoint {
    /// The point a trail (or its last event, for a sparsely loaded register) ends at.
    pub fn of(trail: &[AuditEvent]) -> TrailPoint {
        match trail.last() {
            Some(last) => TrailPoint {
                count: last.seq,
                head: last.hash.clone(),
            },
            None => TrailPoint {
                count: 0,
                head: GENESIS.to_owned(),
            },
        }
    }

    /// The state file's text: `HEAD COUNT`.
    pub fn to_line(&self) -> String {
        format!("{} {}\n", self.head, self.count)
    }

    pub fn from_line(text: &str) -> Option<TrailPoint> {
        let mut parts = text.split_whitespace();
        let head = parts.next()?;
        let count = parts.next()?.parse().ok()?;
        let head_ok = head.len() == 64 && head.chars().all(|c| c.is_ascii_hexdigit());
        (head_ok && parts.next().is_none()).then(|| TrailPoint {
            count,
            head: head.to_ascii_lowercase(),
        })
    }
}

/// How the register's trail stands against the point seen last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The same point.
    Same,
    /// The trail contains the point seen and has grown since.
    Ahead,
    /// The trail does not contain the point seen: an older or another copy.
    RolledBack,
}

/// Compares the trail that ends at `now` with the point `seen`. `hash_at(seq)` gives the hash
/// of the trail's event `seq`; it is asked only when the trail has grown.
pub fn compare(
    seen: &TrailPoint,
    now: &TrailPoint,
    hash_at: impl FnOnce(u64) -> Option<String>,
) -> Verdict {
    if now.count < seen.count {
        return Verdict::RolledBack;
    }
    if now.count == seen.count {
        return if now.head == seen.head {
            Verdict::Same
        } else {
            Verdict::RolledBack
        };
    }
    if seen.count == 0 {
        return if seen.head == GENESIS {
            Verdict::Ahead
        } else {
            Verdict::RolledBack
        };
    }
    match hash_at(seen.count) {
        Some(hash) if hash == seen.head => Verdict::Ahead,
        _ => Verdict::RolledBack,
    }
}

#[derive(Deserialize)]
struct AuditOnly<'a> {
    #[serde(borrow)]
    audit: Vec<&'a RawValue>,
}

#[derive(Deserialize)]
struct HashOnly {
    seq: u64,
    hash: String,
}

/// The hash of event `seq` of the register `plaintext`, read without parsing the rest
/// (for a report that did not parse the trail).
pub fn hash_at(plaintext: &[u8], seq: u64) -> Option<String> {
    let document: AuditOnly<'_> = serde_json::from_slice(plaintext).ok()?;
    raw_hash_at(&document.audit, seq)
}

/// The hash of event `seq` among raw audit events, in order.
pub fn raw_hash_at(events: &[&RawValue], seq: u64) -> Option<String> {
    let index = usize::try_from(seq.checked_sub(1)?).ok()?;
    event_hash(events.get(index)?.get(), seq)
}

/// The hash of the event `raw`, when it is event `seq`.
pub fn event_hash(raw: &str, seq: u64) -> Option<String> {
    let event: HashOnly = serde_json::from_str(raw).ok()?;
    (event.seq == seq).then_some(event.hash)
}

/// The part of the erasure guard a report needs to check the journal: its key and the ids
/// it lists as erased.
#[derive(Debug, Default, Deserialize)]
pub struct GuardProbe {
    pub key: String,
    #[serde(default)]
    pub entries: Vec<GuardProbeEntry>,
}

#[derive(Debug, Deserialize)]
pub struct GuardProbeEntry {
    pub subject: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(count: u64, head: char) -> TrailPoint {
        TrailPoint {
            count,
            head: head.to_string().repeat(64),
        }
    }

    #[test]
    fn a_trail_that_lost_the_point_seen_is_a_rollback() {
        let seen = point(5, 'a');
        assert_eq!(compare(&seen, &point(5, 'a'), |_| None), Verdict::Same);
        assert_eq!(
            compare(&seen, &point(5, 'b'), |_| None),
            Verdict::RolledBack
        );
        assert_eq!(
            compare(&seen, &point(4, 'a'), |_| None),
            Verdict::RolledBack
        );
        assert_eq!(
            compare(&seen, &point(7, 'c'), |seq| (seq == 5)
                .then(|| "a".repeat(64))),
            Verdict::Ahead
        );
        assert_eq!(
            compare(&seen, &point(7, 'c'), |_| Some("d".repeat(64))),
            Verdict::RolledBack
        );
    }

    #[test]
    fn state_lines_round_trip() {
        let seen = point(12, 'f');
        assert_eq!(TrailPoint::from_line(&seen.to_line()), Some(seen));
        assert_eq!(TrailPoint::from_line("nonsense"), None);
    }
}
