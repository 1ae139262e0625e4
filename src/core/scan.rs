//! A one-subject read of a register that has no index, by byte search instead of a parse of
//! every subject. Parsing each subject and each event only to skip it costs more than the
//! decryption itself; but the register's writer lays the document out in one way, and in
//! JSON an unescaped quote is never inside a string, so `{"id":"` at the start of each
//! subject, `"email":` in it and `"subject":"<id>"` in an event can be found with `memmem`.
//!
//! Only what is found is parsed: everything around the `subjects` and `audit` arrays (with
//! those two emptied), the subjects that match and the events that name the one found. Like
//! the indexed read (`store::indexed`), the other subjects and events are left to the whole
//! reads to check. Whenever the bytes are not laid out as expected, or a part found does not
//! parse, or the answer would be a refusal, `scan_subject` gives up (`None`) and the caller
//! parses the register, which answers exactly as it always did.

use std::borrow::Cow;
use std::collections::HashSet;
use std::ops::Range;

use memchr::memmem;
use zeroize::Zeroizing;

use crate::core::format;
use crate::core::model::{AuditEvent, Subject};
use crate::core::rollback::TrailPoint;
use crate::core::validate;
use crate::core::view::{
    Outline, OutlineParts, RawRegister, SubjectView, ViewError, parse_array, partial_register,
    same_email_key,
};

const SUBJECTS: &[u8] = b",\"subjects\":[";
const REQUESTS: &[u8] = b"],\"requests\":[";
const AUDIT: &[u8] = b",\"audit\":[";
const INDEX: &[u8] = b"],\"index\":\"";
const SUBJECT_START: &[u8] = b"{\"id\":\"";
const NEXT_SUBJECT: &[u8] = b"},{\"id\":\"";
const EMAIL: &[u8] = b"\"email\":";
const EVENT_START: &[u8] = b"{\"seq\":";
const NEXT_EVENT: &[u8] = b"},{\"seq\":";

/// Where the contents of the `subjects` and `audit` arrays are (between their brackets).
#[derive(Debug, PartialEq)]
struct Layout {
    subjects: Range<usize>,
    audit: Range<usize>,
}

/// Finds the two arrays as the writer lays them out: `subjects` after the notices, ended by
/// `],"requests":[`; `audit` after the breaches, ended by the index or the document's end.
fn layout(doc: &[u8]) -> Option<Layout> {
    let start = memmem::find(doc, SUBJECTS)? + SUBJECTS.len();
    let end = start + memmem::find(doc.get(start..)?, REQUESTS)?;
    let audit_start = end + memmem::find(doc.get(end..)?, AUDIT)? + AUDIT.len();
    let trimmed = doc.trim_ascii_end();
    let audit_end = if trimmed.ends_with(b"]}") {
        trimmed.len() - 2
    } else {
        memmem::rfind(trimmed, INDEX)?
    };
    (audit_start <= audit_end).then_some(Layout {
        subjects: start..end,
        audit: audit_start..audit_end,
    })
}

/// The document with both arrays emptied, parsed: the description, the notices, the
/// requests and the erasure guard, checked as the ordinary read checks them.
fn outline(doc: &[u8], layout: &Layout) -> Option<OutlineParts> {
    let mut skeleton = Zeroizing::new(Vec::with_capacity(
        doc.len() - layout.subjects.len() - layout.audit.len(),
    ));
    skeleton.extend_from_slice(doc.get(..layout.subjects.start)?);
    skeleton.extend_from_slice(doc.get(layout.subjects.end..layout.audit.start)?);
    skeleton.extend_from_slice(doc.get(layout.audit.end..)?);
    let raw: RawRegister<'_> = serde_json::from_slice(&skeleton).ok()?;
    if !format::reads_as_current(raw.format) || !raw.subjects.is_empty() || !raw.audit.is_empty() {
        return None;
    }
    Some(raw.into_parts())
}

/// The byte ranges of the subjects in the contents of the `subjects` array: each starts with
/// its id (the writer's first key, and no object nested in a subject has an `id`). Found one
/// at a time, so that each subject is looked at while it is still in the cache.
fn subject_ranges(region: &[u8]) -> Option<impl Iterator<Item = Range<usize>> + '_> {
    if !region.is_empty() && (!region.starts_with(SUBJECT_START) || !region.ends_with(b"}")) {
        return None;
    }
    let mut matches = memmem::find_iter(region, NEXT_SUBJECT);
    let mut start = 0;
    let mut done = region.is_empty();
    Some(std::iter::from_fn(move || {
        if done {
            return None;
        }
        match matches.next() {
            Some(at) => {
                let range = start..at + 1;
                start = at + 2;
                Some(range)
            }
            None => {
                done = true;
                Some(start..region.len())
            }
        }
    }))
}

/// The id at the start of a subject; `None` when it holds an escape (never in an id the
/// register makes) or does not end.
fn subject_id(subject: &[u8]) -> Option<&[u8]> {
    let rest = subject.get(SUBJECT_START.len()..)?;
    let end = memchr::memchr2(b'"', b'\\', rest)?;
    (rest[end] == b'"').then(|| &rest[..end])
}

/// The value of the first `"email":` key of a subject: `Some(None)` for `null` or no key.
fn subject_email<'a>(
    finder: &memmem::Finder<'_>,
    subject: &'a [u8],
) -> Option<Option<Cow<'a, str>>> {
    let Some(at) = finder.find(subject) else {
        return Some(None);
    };
    let value = subject.get(at + EMAIL.len()..)?;
    if let Some(rest) = value.strip_prefix(b"\"")
        && let Some(end) = memchr::memchr2(b'"', b'\\', rest)
        && rest[end] == b'"'
    {
        return std::str::from_utf8(&rest[..end])
            .ok()
            .map(|email| Some(Cow::Borrowed(email)));
    }
    let mut values = serde_json::Deserializer::from_slice(value).into_iter::<Option<String>>();
    values.next()?.ok().map(|email| email.map(Cow::Owned))
}

/// The event around byte `at` of the `audit` contents: from the `{"seq":` before it to the
/// `}` before the next event (or the end).
fn event_around(audit: &[u8], at: usize) -> Option<&[u8]> {
    let start = memmem::rfind(audit.get(..at)?, EVENT_START)?;
    let end = match memmem::find(audit.get(at..)?, NEXT_EVENT) {
        Some(next) => at + next + 1,
        None => audit.len(),
    };
    audit.get(start..end)
}

/// Where the trail ends: the last event of the `audit` contents, parsed.
fn trail(audit: &[u8]) -> Option<TrailPoint> {
    if audit.is_empty() {
        return Some(TrailPoint::of(&[]));
    }
    let last = memmem::rfind(audit, EVENT_START)?;
    let last: AuditEvent = serde_json::from_slice(audit.get(last..)?).ok()?;
    Some(TrailPoint::of(std::slice::from_ref(&last)))
}

/// The register's outline (see `view::decode_outline`) without a parse of its subjects and
/// events; `None` when the bytes are not laid out as expected.
pub fn scan_outline(doc: &[u8]) -> Option<Outline> {
    let layout = layout(doc)?;
    let raw = outline(doc, &layout)?;
    let trail = trail(doc.get(layout.audit)?)?;
    Some(raw.into_outline(trail))
}

/// One of the register's two large arrays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Subjects,
    Audit,
}

/// The register's outline and one of its two large arrays, parsed whole; the other array is
/// only delimited (see `view::decode_outline_with`). `None` when the bytes are not laid out
/// as expected or the array does not parse.
pub fn scan_outline_with<T: serde::de::DeserializeOwned>(
    doc: &[u8],
    part: Part,
) -> Option<(Outline, Vec<T>)> {
    let layout = layout(doc)?;
    let raw = outline(doc, &layout)?;
    let trail = trail(doc.get(layout.audit.clone())?)?;
    let inner = match part {
        Part::Subjects => layout.subjects,
        Part::Audit => layout.audit,
    };
    // The array with its brackets, which `layout` found on either side of its contents.
    let items = parse_array(doc.get(inner.start.checked_sub(1)?..inner.end + 1)?)?;
    Some((raw.into_outline(trail), items))
}

pub fn scan_subject(
    doc: &[u8],
    selector: &str,
    erased: &HashSet<String>,
) -> Option<Result<SubjectView, ViewError>> {
    let layout = layout(doc)?;
    let raw = outline(doc, &layout)?;
    let region = doc.get(layout.subjects.clone())?;
    let ranges = subject_ranges(region)?;

    let selector = selector.trim();
    let wanted_email = selector
        .contains('@')
        .then(|| validate::email_key(selector));
    let email_finder = memmem::Finder::new(EMAIL);
    // About a kilobyte of JSON a subject.
    let mut ids: HashSet<&[u8]> = HashSet::with_capacity(region.len() / 1024);
    let mut found: Vec<&[u8]> = Vec::new();
    for range in ranges {
        let subject = region.get(range)?;
        let id = subject_id(subject)?;
        if !ids.insert(id) {
            // A register the ordinary read refuses: it says so.
            return None;
        }
        let matches = id == selector.as_bytes()
            || wanted_email.as_deref().is_some_and(|wanted| {
                subject_email(&email_finder, subject)
                    .map(|email| email.is_some_and(|email| same_email_key(&email, wanted)))
                    .unwrap_or(false)
            });
        if matches {
            found.push(subject);
        }
    }
    // A restored register is refused; the ordinary read counts what it refuses.
    if erased.iter().any(|id| ids.contains(id.as_bytes())) {
        return None;
    }

    let mut parsed = Vec::with_capacity(found.len());
    for subject in &found {
        parsed.push(serde_json::from_slice::<Subject>(subject).ok()?);
    }
    let subject = match parsed.len() {
        0 => return Some(Err(ViewError::NoSuchSubject)),
        1 => parsed.pop()?,
        many => {
            // An id matches exactly one subject; only an email can match several.
            let mut by_id: Vec<Subject> =
                parsed.into_iter().filter(|s| s.id.0 == selector).collect();
            match (by_id.pop(), by_id.is_empty()) {
                (Some(subject), true) => subject,
                _ => return Some(Err(ViewError::Ambiguous(many))),
            }
        }
    };

    let audit = doc.get(layout.audit.clone())?;
    let trail = trail(audit)?;
    let needle = format!("\"subject\":\"{}\"", subject.id.0);
    let mut events = Vec::new();
    for at in memmem::find_iter(audit, needle.as_bytes()) {
        let event: AuditEvent = serde_json::from_slice(event_around(audit, at)?).ok()?;
        if event.subject.as_ref() != Some(&subject.id) {
            return None;
        }
        events.push(event);
    }
    Some(Ok(SubjectView {
        register: partial_register(
            raw.encryption,
            raw.description,
            raw.notices,
            raw.requests,
            vec![subject],
            events,
        ),
        restored: 0,
        guard: raw.erased,
        trail,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::index;
    use crate::core::model::Register;
    use crate::core::view::{decode_subject, parse_subject};

    fn register(subjects: u64) -> Register {
        crate::core::testing::generated(subjects)
    }

    /// The register as its writer writes it, with the index.
    fn indexed(register: &Register) -> Vec<u8> {
        let mut plaintext = Vec::new();
        index::write_register(&mut plaintext, register).unwrap();
        plaintext
    }

    /// The register without its index, as a format-2 file has it.
    fn unindexed(register: &Register) -> Vec<u8> {
        let plaintext = indexed(register);
        let at = memmem::rfind(&plaintext, b",\"index\":\"").unwrap();
        let mut out = plaintext[..at].to_vec();
        out.push(b'}');
        out
    }

    fn none() -> HashSet<String> {
        HashSet::new()
    }

    /// The scan answers, and answers as the parse does.
    fn same_as_parse(plaintext: &[u8], selector: &str, erased: &HashSet<String>) {
        let scanned = scan_subject(plaintext, selector, erased);
        let Some(scanned) = scanned else {
            panic!("the scan gave up on {selector}");
        };
        let parsed = parse_subject(plaintext, selector, erased);
        match (scanned, parsed) {
            (Ok(a), Ok(b)) => {
                assert_eq!(a.register.subjects, b.register.subjects, "{selector}");
                assert_eq!(a.register.audit, b.register.audit, "{selector}");
                assert_eq!(a.register.description, b.register.description);
                assert_eq!(a.register.requests, b.register.requests);
                assert_eq!(a.register.notices, b.register.notices);
                assert_eq!(a.trail, b.trail);
                assert_eq!(a.guard.key, b.guard.key);
                assert_eq!(a.restored, b.restored);
                assert!(!a.register.audit.is_empty(), "{selector} has events");
            }
            (Err(ViewError::NoSuchSubject), Err(ViewError::NoSuchSubject)) => {}
            (Err(ViewError::Ambiguous(a)), Err(ViewError::Ambiguous(b))) => assert_eq!(a, b),
            _ => panic!("the scan and the parse disagree on {selector}"),
        }
    }

    #[test]
    fn every_subject_is_found_by_id_and_by_email_as_the_parse_finds_it() {
        let register = register(12);
        for plaintext in [unindexed(&register), indexed(&register)] {
            for subject in &register.subjects {
                same_as_parse(&plaintext, &subject.id.0, &none());
                let email = subject.email.as_deref().unwrap();
                same_as_parse(&plaintext, email, &none());
                same_as_parse(
                    &plaintext,
                    &format!("  {}  ", email.to_uppercase()),
                    &none(),
                );
            }
            same_as_parse(&plaintext, "nobody@example.fi", &none());
            same_as_parse(&plaintext, "00000000-0000-4000-8000-00000000ffff", &none());
        }
    }

    #[test]
    fn ids_and_emails_inside_strings_are_not_keys() {
        let mut register = register(4);
        let (id, email) = (
            register.subjects[0].id.0.clone(),
            register.subjects[0].email.clone().unwrap(),
        );
        // Another subject's note and name quote the first subject's keys; JSON escapes the
        // quotes, so the byte search never takes them for keys.
        let quoted = format!("}},{{\"id\":\"{id}\",\"email\":\"{email}\"}}");
        register.subjects[2].name = quoted.clone();
        register.subjects[2].notes[0].text = quoted;
        let plaintext = unindexed(&register);
        same_as_parse(&plaintext, &email, &none());
        same_as_parse(&plaintext, &id, &none());
        let other = register.subjects[2].id.0.clone();
        same_as_parse(&plaintext, &other, &none());
    }

    #[test]
    fn an_email_written_with_escapes_is_read_as_json_reads_it() {
        let register = register(3);
        let email = register.subjects[1].email.clone().unwrap();
        let plaintext = unindexed(&register);
        let written = format!("\"email\":\"{email}\"");
        let escaped = format!("\"email\":\"{}\"", email.replacen('@', "\\u0040", 1));
        let at = memmem::find(&plaintext, written.as_bytes()).unwrap();
        let mut changed = plaintext[..at].to_vec();
        changed.extend_from_slice(escaped.as_bytes());
        changed.extend_from_slice(&plaintext[at + written.len()..]);
        same_as_parse(&changed, &email, &none());
    }

    #[test]
    fn a_shared_email_is_ambiguous_and_an_id_still_finds_its_subject() {
        let mut register = register(5);
        let email = register.subjects[0].email.clone().unwrap();
        register.subjects[3].email = Some(email.to_uppercase());
        let plaintext = unindexed(&register);
        assert!(matches!(
            scan_subject(&plaintext, &email, &none()),
            Some(Err(ViewError::Ambiguous(2)))
        ));
        same_as_parse(&plaintext, &email, &none());
        same_as_parse(&plaintext, &register.subjects[3].id.0.clone(), &none());
    }

    #[test]
    fn refusals_are_left_to_the_parse() {
        // A duplicate id: the parse refuses the register.
        let mut register = register(4);
        register.subjects[2].id = register.subjects[1].id.clone();
        let plaintext = unindexed(&register);
        let email = register.subjects[0].email.clone().unwrap();
        assert!(scan_subject(&plaintext, &email, &none()).is_none());
        assert!(matches!(
            decode_subject(&plaintext, &email, &none()),
            Err(ViewError::Decode(_))
        ));
        // A subject erased and restored: the parse counts it.
        let register = self::register(4);
        let plaintext = unindexed(&register);
        let erased: HashSet<String> = [register.subjects[3].id.0.clone()].into();
        assert!(scan_subject(&plaintext, &email, &erased).is_none());
        let view = decode_subject(&plaintext, &email, &erased).ok().unwrap();
        assert_eq!(view.restored, 1);
    }

    #[test]
    fn another_layout_or_a_damaged_document_is_left_to_the_parse() {
        let register = register(3);
        let id = register.subjects[1].id.0.clone();
        let plaintext = unindexed(&register);
        let value: serde_json::Value = serde_json::from_slice(&plaintext).unwrap();
        // Whitespace between the tokens, or keys in another order.
        let pretty = serde_json::to_vec_pretty(&value).unwrap();
        assert!(scan_subject(&pretty, &id, &none()).is_none());
        let mut reordered = value.clone();
        let subject = reordered["subjects"][0].as_object_mut().unwrap();
        let first = subject.remove("id").unwrap();
        subject.insert("id".into(), first);
        let reordered = serde_json::to_vec(&reordered).unwrap();
        assert!(scan_subject(&reordered, &id, &none()).is_none());
        assert!(decode_subject(&reordered, &id, &none()).is_ok());
        // Cut short, or broken outside the subjects: the parse says what is wrong.
        for damaged in [
            plaintext[..plaintext.len() - 1].to_vec(),
            plaintext[..plaintext.len() / 2].to_vec(),
            [&plaintext[..20], b"!", &plaintext[21..]].concat(),
            b"{\"format\":1}".to_vec(),
            b"not json".to_vec(),
            Vec::new(),
        ] {
            assert!(scan_subject(&damaged, &id, &none()).is_none());
            assert!(decode_subject(&damaged, &id, &none()).is_err());
        }
        // A damaged subject that matches is parsed, and the parse says what is wrong.
        let at = memmem::find(&plaintext, id.as_bytes()).unwrap();
        let broken = [&plaintext[..at + 40], b"\x01[", &plaintext[at + 40..]].concat();
        assert!(scan_subject(&broken, &id, &none()).is_none());
        assert!(matches!(
            decode_subject(&broken, &id, &none()),
            Err(ViewError::Decode(_))
        ));
    }

    #[test]
    fn the_outline_is_the_one_the_parse_makes() {
        for register in [register(0), register(5)] {
            for plaintext in [unindexed(&register), indexed(&register)] {
                let scanned = scan_outline(&plaintext).expect("the writer's layout");
                let parsed = crate::core::view::parse_outline(&plaintext).unwrap();
                assert_eq!(scanned.register, parsed.register);
                assert_eq!(scanned.trail, parsed.trail);
                assert_eq!(scanned.guard.key, parsed.guard.key);
                let whole = format::decode(&plaintext).unwrap();
                assert_eq!(scanned.register.requests, whole.requests);
                assert_eq!(scanned.register.tasks, whole.tasks);
                assert_eq!(scanned.register.breaches, whole.breaches);
            }
        }
        let plaintext = unindexed(&register(2));
        assert!(scan_outline(&plaintext[..plaintext.len() - 3]).is_none());
    }

    #[test]
    fn an_empty_register_has_no_such_subject() {
        let register = register(0);
        let plaintext = unindexed(&register);
        assert!(matches!(
            scan_subject(&plaintext, "a@b.fi", &none()),
            Some(Err(ViewError::NoSuchSubject))
        ));
    }
}
