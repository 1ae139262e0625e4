//! A one-subject read through the document's index (see `core::index`): decrypt the last
//! chunk (which proves the length), the trailer's head and middle, a binary search's worth
//! of index entries, and the subject and its events. A few dozen chunks instead of the file.
//!
//! Every step is checked against the document itself: the trailer must account for the
//! exact length, the parts must sit between the keys they belong to, a hit must parse as a
//! subject with the id or email asked for, an event must name that subject. Whatever does
//! not hold gives `None`, and the caller reads the register whole, as a register without an
//! index is read. So a stale index costs time, never a wrong answer.

use std::collections::HashSet;
use std::io;

use serde::Deserialize;
use serde::de::{DeserializeOwned, IgnoredAny};

use crate::core::format;
use crate::core::index::{self, Entry, Span, TAIL_LEN, Trailer};
use crate::core::model::{
    AuditEvent, Description, Encryption, NoticeVersion, Register, Request, Subject,
};
use crate::core::rollback::{GuardProbe, TrailPoint};
use crate::core::validate;
use crate::core::view::{
    Outline, Part, SubjectView, decode_outline, parse_array, partial_register, quick_key,
};
use crate::core::{sparse, streamed};

use zeroize::Zeroizing;

use super::chunks::Chunks;

/// A plaintext the index reader can read pieces of: the decrypting `Chunks` of a register
/// file, or (for tests and fuzzing) plaintext in memory.
pub trait Plaintext {
    /// The plaintext's length.
    fn size(&self) -> u64;
    /// The `len` bytes at `offset`; an error when they are not all inside the plaintext.
    fn read_at(&mut self, offset: u64, len: usize) -> io::Result<Zeroizing<Vec<u8>>>;
}

impl Plaintext for Chunks<'_> {
    fn size(&self) -> u64 {
        self.len()
    }

    fn read_at(&mut self, offset: u64, len: usize) -> io::Result<Zeroizing<Vec<u8>>> {
        Chunks::read_at(self, offset, len)
    }
}

/// A plaintext held in memory.
pub struct InMemory<'a>(pub &'a [u8]);

impl Plaintext for InMemory<'_> {
    fn size(&self) -> u64 {
        self.0.len() as u64
    }

    fn read_at(&mut self, offset: u64, len: usize) -> io::Result<Zeroizing<Vec<u8>>> {
        usize::try_from(offset)
            .ok()
            .and_then(|start| self.0.get(start..start.checked_add(len)?))
            .map(|bytes| Zeroizing::new(bytes.to_vec()))
            .ok_or_else(|| io::Error::from(io::ErrorKind::UnexpectedEof))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Head {
    #[serde(rename = "format")]
    _format: u32,
    encryption: Encryption,
    description: Description,
    notices: Vec<NoticeVersion>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Middle {
    requests: Vec<Request>,
    #[serde(rename = "retained")]
    _retained: IgnoredAny,
    #[serde(rename = "tasks")]
    _tasks: IgnoredAny,
    erased: GuardProbe,
    #[serde(rename = "erasures")]
    _erasures: IgnoredAny,
    #[serde(rename = "breaches")]
    _breaches: IgnoredAny,
}

/// What separates the audit array from the index.
const AUDIT_TO_INDEX: &[u8] = b"],\"index\":\"";

/// Reads the view of the subject `selector` names through the index, or `None` when the
/// index is missing, stale or inconclusive (no match, several matches): then scan.
/// `erased` are the ids the erasure journal names, counted when present.
pub fn subject_view(
    chunks: &mut impl Plaintext,
    selector: &str,
    erased: &HashSet<String>,
) -> Option<SubjectView> {
    let frame = frame(chunks)?;
    let trailer = frame.trailer;
    let mut head = frame.head;
    head.push(b'}');
    let head: Head = serde_json::from_slice(&head).ok()?;
    // `,"requests":…,"breaches":[…]` as an object of its own.
    let mut middle = frame.middle;
    middle[0] = b'{';
    middle.push(b'}');
    let middle: Middle = serde_json::from_slice(&middle).ok()?;
    let trail = match &frame.last_event {
        None => TrailPoint::of(&[]),
        Some(raw) => {
            let last: AuditEvent = serde_json::from_slice(raw).ok()?;
            TrailPoint::of(std::slice::from_ref(&last))
        }
    };
    let subjects_area = frame.subjects_area;
    let events_area = frame.events_area;

    // The subject: every entry under the selector's hashes, each checked.
    let selector = selector.trim();
    let email = selector
        .contains('@')
        .then(|| validate::email_key(selector));
    let mut candidates = lookup(chunks, trailer.subjects, index::key_hash(selector))?;
    if let Some(email) = &email {
        candidates.extend(lookup(chunks, trailer.subjects, index::key_hash(email))?);
    }
    candidates.sort_unstable_by_key(|e| e.offset);
    candidates.dedup_by_key(|e| e.offset);
    let mut found = Vec::new();
    for entry in candidates {
        let span = inside(chunks, entry.span(), subjects_area)?;
        let subject: Subject = read_json(chunks, span)?;
        let matches = subject.id.0 == selector
            || email.as_deref().is_some_and(|wanted| {
                subject
                    .email
                    .as_deref()
                    .is_some_and(|e| validate::email_key(e) == wanted)
            });
        if matches {
            found.push(subject);
        }
    }
    // As the scan: of several matches, the one whose id is the selector. No hit may be a
    // stale index; a selector still ambiguous is for the scan to refuse.
    if found.len() > 1 {
        found.retain(|s| s.id.0 == selector);
    }
    let subject = <[Subject; 1]>::try_from(found).ok().map(|[s]| s)?;

    // Its events, in trail order (entries of one hash are sorted by offset).
    let mut audit = Vec::new();
    for entry in lookup(chunks, trailer.events, index::key_hash(&subject.id.0))? {
        let span = inside(chunks, entry.span(), events_area)?;
        let event: AuditEvent = read_json(chunks, span)?;
        if event.subject.as_ref() != Some(&subject.id) {
            return None;
        }
        audit.push(event);
    }

    // Subjects the erasure journal names that are in the register again.
    let mut restored = 0;
    for id in erased {
        for entry in lookup(chunks, trailer.subjects, index::key_hash(id))? {
            let span = inside(chunks, entry.span(), subjects_area)?;
            let bytes = chunks
                .read_at(span.offset, usize::try_from(span.len).ok()?)
                .ok()?;
            let text = std::str::from_utf8(&bytes).ok()?;
            if quick_key(text).is_some_and(|key| key.id == id.as_str()) {
                restored += 1;
            }
        }
    }

    Some(SubjectView {
        register: partial_register(
            head.encryption,
            head.description,
            head.notices,
            middle.requests,
            vec![subject],
            audit,
        ),
        restored,
        guard: middle.erased,
        trail,
    })
}

/// The parts of an indexed document every use of the index needs, each checked to sit
/// between the keys it belongs to.
struct Frame {
    trailer: Trailer,
    /// `{"format":…,"notices":[…]`, of the current format.
    head: Zeroizing<Vec<u8>>,
    /// `,"requests":…,"breaches":[…]`.
    middle: Zeroizing<Vec<u8>>,
    /// The last audit event's JSON; `None` when the trail is empty.
    last_event: Option<Zeroizing<Vec<u8>>>,
    /// The `subjects` array's contents and its closing bracket.
    subjects_area: Span,
    /// The `audit` array's contents (not its closing bracket).
    events_area: Span,
}

/// The last event's JSON, empty when the trail is.
fn last_event(frame: &Frame) -> &[u8] {
    frame
        .last_event
        .as_deref()
        .map_or(&[][..], |e| e.as_slice())
}

fn frame(chunks: &mut impl Plaintext) -> Option<Frame> {
    let total = chunks.size();
    let tail = chunks
        .read_at(total.checked_sub(TAIL_LEN as u64)?, TAIL_LEN)
        .ok()?;
    let trailer = Trailer::decode(&tail, total)?;

    // The document's head: `{"format":…,"notices":[…]`.
    let head = chunks
        .read_at(0, usize::try_from(trailer.head_end).ok()?)
        .ok()?;
    #[derive(Deserialize)]
    struct FormatOnly {
        format: u32,
    }
    let mut format_only = Zeroizing::new(head.to_vec());
    format_only.push(b'}');
    let found: FormatOnly = serde_json::from_slice(&format_only).ok()?;
    if !format::reads_as_current(found.format) {
        return None;
    }
    if chunks.read_at(trailer.head_end, 13).ok()?.as_slice() != b",\"subjects\":[" {
        return None;
    }
    let middle = chunks
        .read_at(
            trailer.middle.offset,
            usize::try_from(trailer.middle.len).ok()?,
        )
        .ok()?;
    if !middle.starts_with(b",\"requests\":") {
        return None;
    }

    // The last event, right before the index; the trail ends there.
    let between = chunks
        .read_at(
            trailer.last_event.end(),
            usize::try_from(
                trailer
                    .subjects
                    .offset
                    .checked_sub(trailer.last_event.end())?,
            )
            .ok()?,
        )
        .ok()?;
    if between.as_slice() != AUDIT_TO_INDEX {
        return None;
    }
    let last_event = if trailer.last_event.len == 0 {
        if chunks
            .read_at(trailer.last_event.offset.checked_sub(10)?, 10)
            .ok()?
            .as_slice()
            != b",\"audit\":["
        {
            return None;
        }
        None
    } else {
        let before = chunks
            .read_at(trailer.last_event.offset.checked_sub(1)?, 1)
            .ok()?;
        if !matches!(before[0], b',' | b'[') {
            return None;
        }
        Some(
            chunks
                .read_at(
                    trailer.last_event.offset,
                    usize::try_from(trailer.last_event.len).ok()?,
                )
                .ok()?,
        )
    };
    let subjects_area = Span {
        offset: trailer.head_end + 13,
        len: trailer.middle.offset.checked_sub(trailer.head_end + 13)?,
    };
    let events_area = Span {
        offset: trailer.middle.end() + 10,
        len: trailer
            .last_event
            .end()
            .checked_sub(trailer.middle.end() + 10)?,
    };
    Some(Frame {
        trailer,
        head,
        middle,
        last_event,
        subjects_area,
        events_area,
    })
}

/// The register's outline and one of its two large arrays, read through the index (see
/// `view::decode_outline_with`): the head, the middle, the last event and that array's
/// chunks, not the other array's. `None` when the index does not hold or a part does not
/// parse: then the caller reads the register whole.
pub fn outline_with<T: DeserializeOwned>(
    chunks: &mut impl Plaintext,
    part: Part,
) -> Option<(Outline, Vec<T>)> {
    let frame = frame(chunks)?;
    // The array with its brackets: the subjects' area ends with its `]`, the events' area
    // is followed by it (`frame` checked both).
    let (start, len) = match part {
        Part::Subjects => (frame.subjects_area.offset, frame.subjects_area.len),
        Part::Audit => (frame.events_area.offset, frame.events_area.len + 1),
    };
    let array = chunks
        .read_at(start.checked_sub(1)?, usize::try_from(len + 1).ok()?)
        .ok()?;
    if array.first() != Some(&b'[') || array.last() != Some(&b']') {
        return None;
    }
    let items = parse_array(&array)?;
    // The document without the arrays, but for the last event: what the outline is read from.
    let skeleton = streamed::assemble(&frame.head, b"", &frame.middle, last_event(&frame));
    let outline = decode_outline(&skeleton)?;
    Some((outline, items))
}

/// The first pass of a change through the index (see `streamed::Layout::from_index`): the
/// head, the middle, the last event and the subjects `wanted` names (each hit checked as
/// `subject_view` checks it) parsed like `sparse::load` parses them, and where every other
/// subject lies with its hashes. `None` when the index does not hold, or the selectors are
/// not for the index (`*`): then scan.
pub fn change_layout(
    chunks: &mut impl Plaintext,
    wanted: &[String],
) -> Option<(Register, streamed::Layout)> {
    let named = sparse::Wanted::new(wanted);
    if named.everyone {
        return None;
    }
    let frame = frame(chunks)?;
    let trailer = frame.trailer;
    let selector_hashes = named.hashes();

    // Every subject entry, grouped by the subject they point at, in document order.
    let count = usize::try_from(trailer.subjects.count).ok()?;
    let bytes = chunks
        .read_at(
            trailer.subjects.offset,
            count.checked_mul(index::ENTRY_LEN)?,
        )
        .ok()?;
    let mut entries = bytes
        .chunks(index::ENTRY_LEN)
        .map(Entry::decode)
        .collect::<Option<Vec<Entry>>>()?;
    drop(bytes);
    // The index lists its entries by hash (lookups search it): every hash, in order, for
    // the second pass to search. An index out of order is not believed.
    let hashes: Vec<u64> = entries.iter().map(|e| e.hash).collect();
    if !hashes.is_sorted() {
        return None;
    }
    // Two entries (id and email) may share an offset; their order does not matter. A radix
    // sort: two million entries at a million subjects, where a comparison sort is a
    // fifth of the first pass.
    radsort::sort_by_key(&mut entries, |e| e.offset);
    let mut subjects: Vec<streamed::IndexedSubject> = Vec::with_capacity(entries.len() / 2 + 1);
    for entry in entries {
        match subjects.last_mut() {
            Some(last) if last.span.offset == entry.offset => {
                if last.span.len != entry.len || last.hashes.1.is_some() {
                    return None;
                }
                last.hashes.1 = Some(entry.hash);
            }
            _ => subjects.push(streamed::IndexedSubject {
                span: entry.span(),
                hashes: (entry.hash, None),
                loaded: None,
            }),
        }
    }

    // The wanted subjects: those with a selector's hash that are what the selector asks for.
    let mut wanted_json: Vec<u8> = Vec::new();
    for subject in &mut subjects {
        let (first, second) = subject.hashes;
        if !selector_hashes.contains(&first)
            && !second.is_some_and(|h| selector_hashes.contains(&h))
        {
            continue;
        }
        let span = inside(chunks, subject.span, frame.subjects_area)?;
        let raw = chunks
            .read_at(span.offset, usize::try_from(span.len).ok()?)
            .ok()?;
        let text = std::str::from_utf8(&raw).ok()?;
        let key = quick_key(text)?;
        let email = key.email.as_deref().map(validate::email_key);
        let is_wanted = named.names(&key.id, email.as_deref());
        if is_wanted {
            if !wanted_json.is_empty() {
                wanted_json.push(b',');
            }
            wanted_json.extend_from_slice(&raw);
            subject.loaded = Some(key.id.into_owned());
        }
    }
    let loaded = subjects.iter().filter(|s| s.loaded.is_some()).count();
    let register = streamed::parse_parts(
        &frame.head,
        &wanted_json,
        &frame.middle,
        last_event(&frame),
        wanted,
    )?;
    if register.subjects.len() != loaded {
        return None;
    }

    // The array's contents without its closing bracket; the events before the last.
    let area = frame.subjects_area;
    if chunks
        .read_at(area.end().checked_sub(1)?, 1)
        .ok()?
        .as_slice()
        != b"]"
    {
        return None;
    }
    let subjects_area = Span {
        offset: area.offset,
        len: area.len - 1,
    };
    let events = frame.events_area;
    let events_area = match &frame.last_event {
        Some(_) if trailer.last_event.offset > events.offset => Span {
            offset: events.offset,
            // Up to the comma before the last event.
            len: trailer.last_event.offset - 1 - events.offset,
        },
        _ => Span {
            offset: events.offset,
            len: 0,
        },
    };
    let layout = streamed::Layout::from_index(
        subjects,
        subjects_area,
        events_area,
        selector_hashes,
        hashes,
    )?;
    Some((register, layout))
}

fn lookup(chunks: &mut impl Plaintext, section: index::Section, hash: u64) -> Option<Vec<Entry>> {
    index::find(section, hash, |offset, len| {
        chunks.read_at(offset, len).map(|bytes| bytes.to_vec())
    })
    .ok()
    .flatten()
}

/// `span` when it lies inside `area` and is one element of an array there (a `[` or `,`
/// before it, a `,` or `]` after it).
fn inside(chunks: &mut impl Plaintext, span: Span, area: Span) -> Option<Span> {
    if span.len == 0 || span.offset < area.offset || span.end() > area.end() {
        return None;
    }
    let before = chunks.read_at(span.offset - 1, 1).ok()?;
    let after = chunks.read_at(span.end(), 1).ok()?;
    (matches!(before[0], b'[' | b',') && matches!(after[0], b',' | b']')).then_some(span)
}

fn read_json<T: for<'de> Deserialize<'de>>(chunks: &mut impl Plaintext, span: Span) -> Option<T> {
    let bytes = chunks
        .read_at(span.offset, usize::try_from(span.len).ok()?)
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;
    use crate::core::SequentialIds;
    use crate::core::change::{Change, apply};
    use crate::core::model::{Register, RestrictionGround};
    use crate::core::record::Fact;
    use crate::core::subjects::{Batch, NewSubject};
    use crate::core::view::decode_subject;
    use crate::store::chunks::Reader;

    use crate::core::testing::ctx;

    /// A generated register of `count` subjects.
    fn register(count: u64) -> Register {
        crate::core::testing::generated(count)
    }

    fn indexed_plaintext(register: &Register) -> Vec<u8> {
        let mut plaintext = Vec::new();
        index::write_register(&mut plaintext, register).unwrap();
        plaintext
    }

    #[test]
    fn an_array_and_the_outline_are_read_through_the_index() {
        let register = register(120);
        let plaintext = indexed_plaintext(&register);
        let (outline, subjects) =
            outline_with::<Subject>(&mut InMemory(&plaintext), Part::Subjects).unwrap();
        assert_eq!(subjects, register.subjects);
        assert_eq!(outline.trail, TrailPoint::of(&register.audit));
        assert_eq!(outline.register.requests, register.requests);
        assert_eq!(outline.guard.key, register.erased.key);
        assert!(outline.register.subjects.is_empty() && outline.register.audit.is_empty());
        let (outline, events) =
            outline_with::<AuditEvent>(&mut InMemory(&plaintext), Part::Audit).unwrap();
        assert_eq!(events, register.audit);
        assert_eq!(outline.trail, TrailPoint::of(&register.audit));

        // The same through the encrypted chunks.
        let identity = age::x25519::Identity::generate();
        let file = encrypted(&plaintext, &identity);
        let reader: Reader<'_> =
            crate::store::payload::open(&file, std::iter::once(&identity as &dyn age::Identity))
                .unwrap();
        let (_, events) =
            outline_with::<AuditEvent>(&mut Chunks::new(reader), Part::Audit).unwrap();
        assert_eq!(events, register.audit);
    }

    #[test]
    fn an_array_read_through_a_stale_index_is_not_believed() {
        let register = register(30);
        let plaintext = indexed_plaintext(&register);
        // One byte more in the first subject: every offset after it is one off.
        let text = String::from_utf8(plaintext.clone()).unwrap();
        let longer = text.replacen("\"name\":\"", "\"name\":\"x", 1).into_bytes();
        assert!(outline_with::<Subject>(&mut InMemory(&longer), Part::Subjects).is_none());
        assert!(outline_with::<AuditEvent>(&mut InMemory(&longer), Part::Audit).is_none());
        // An event that does not parse as one: the array is not believed either.
        let damaged = text.replacen("\"seq\":3,", "\"seq\":x,", 1).into_bytes();
        assert!(outline_with::<AuditEvent>(&mut InMemory(&damaged), Part::Audit).is_none());
        assert!(outline_with::<Subject>(&mut InMemory(&damaged), Part::Subjects).is_some());
        // No index at all.
        let mut bare = Vec::new();
        serde_json::to_writer(&mut bare, &register).unwrap();
        assert!(outline_with::<Subject>(&mut InMemory(&bare), Part::Subjects).is_none());
    }

    /// `plaintext` encrypted by the age crate to `identity`.
    fn encrypted(plaintext: &[u8], identity: &age::x25519::Identity) -> std::fs::File {
        let recipient = identity.to_public();
        let mut file = tempfile::tempfile().unwrap();
        let encryptor =
            age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))
                .unwrap();
        let mut writer = encryptor.wrap_output(&mut file).unwrap();
        writer.write_all(plaintext).unwrap();
        writer.finish().unwrap();
        file
    }

    /// Encrypts `plaintext` to a fresh key, and reads it through the index.
    fn view_of(plaintext: &[u8], selector: &str, erased: &[&str]) -> Option<SubjectView> {
        let identity = age::x25519::Identity::generate();
        let file = encrypted(plaintext, &identity);
        let reader: Reader<'_> =
            crate::store::payload::open(&file, std::iter::once(&identity as &dyn age::Identity))
                .unwrap();
        let mut chunks = Chunks::new(reader);
        let erased: HashSet<String> = erased.iter().map(|s| s.to_string()).collect();
        subject_view(&mut chunks, selector, &erased)
    }

    fn scanned(plaintext: &[u8], selector: &str) -> SubjectView {
        decode_subject(plaintext, selector, &HashSet::new())
            .ok()
            .expect("the scan finds the subject")
    }

    #[test]
    fn the_index_finds_what_the_scan_finds() {
        let register = register(400);
        let plaintext = indexed_plaintext(&register);
        // Beyond a few chunks, so that the reads seek.
        assert!(plaintext.len() as u64 > 8 * crate::store::chunks::CHUNK);
        for subject in [
            &register.subjects[0],
            &register.subjects[217],
            &register.subjects[399],
        ] {
            let email = subject.email.clone().unwrap().to_uppercase();
            for selector in [subject.id.0.as_str(), email.as_str()] {
                let view = view_of(&plaintext, selector, &[]).expect("an index hit");
                let scan = scanned(&plaintext, selector);
                assert_eq!(view.register.subjects, scan.register.subjects);
                assert_eq!(view.register.audit, scan.register.audit);
                assert!(!view.register.audit.is_empty());
                assert_eq!(view.register.requests, scan.register.requests);
                assert_eq!(view.register.description, scan.register.description);
                assert_eq!(view.trail, scan.trail);
                assert_eq!(view.guard.key, scan.guard.key);
                assert_eq!(view.restored, 0);
            }
        }
    }

    #[test]
    fn every_subject_is_found_by_id_and_by_email() {
        let register = register(40);
        let plaintext = indexed_plaintext(&register);
        let none = HashSet::new();
        for subject in &register.subjects {
            for selector in [subject.id.0.clone(), subject.email.clone().unwrap()] {
                let view = subject_view(&mut InMemory(&plaintext), &selector, &none)
                    .expect("an index hit");
                let scan = scanned(&plaintext, &selector);
                assert_eq!(view.register.subjects, scan.register.subjects);
                assert_eq!(view.register.audit, scan.register.audit);
            }
        }
    }

    #[test]
    fn restored_subjects_are_counted_through_the_index() {
        let register = register(50);
        let plaintext = indexed_plaintext(&register);
        let back = register.subjects[7].id.0.as_str();
        let view = view_of(&plaintext, back, &[back, "not-a-subject"]).unwrap();
        assert_eq!(view.restored, 1);
    }

    #[test]
    fn a_register_without_an_index_is_scanned() {
        let register = register(50);
        let plaintext = serde_json::to_vec(&register).unwrap();
        let email = register.subjects[3].email.clone().unwrap();
        assert!(view_of(&plaintext, &email, &[]).is_none());
    }

    #[test]
    fn an_unknown_selector_is_left_to_the_scan() {
        let plaintext = indexed_plaintext(&register(50));
        assert!(view_of(&plaintext, "nobody@example.fi", &[]).is_none());
    }

    #[test]
    fn a_hand_edited_register_is_scanned_never_misread() {
        let register = register(60);
        let plaintext = indexed_plaintext(&register);
        let subject = &register.subjects[30];
        let email = subject.email.clone().unwrap();

        // `age -d | sed 's/old@/new@/' | age -e`: the index is kept, stale, every offset right.
        let renamed = format!("x{}", &email[1..]);
        let at = memchr::memmem::find(&plaintext, email.as_bytes()).unwrap();
        let mut edited = plaintext.clone();
        edited[at] = b'x';
        assert!(view_of(&edited, &email, &[]).is_none(), "the old email");
        assert!(view_of(&edited, &renamed, &[]).is_none(), "the new email");
        assert_eq!(
            scanned(&edited, &renamed).register.subjects[0].id,
            subject.id
        );

        // An edit that moves things: a subject before the one asked for is deleted.
        let mut document: serde_json::Value = serde_json::from_slice(&plaintext).unwrap();
        document["subjects"].as_array_mut().unwrap().remove(2);
        let edited = serde_json::to_vec(&document).unwrap();
        assert!(view_of(&edited, &subject.id.0, &[]).is_none());

        // The same document pretty-printed by jq: every offset moves.
        let pretty = serde_json::to_vec_pretty(
            &serde_json::from_slice::<serde_json::Value>(&plaintext).unwrap(),
        )
        .unwrap();
        assert!(view_of(&pretty, &subject.id.0, &[]).is_none());
    }

    #[test]
    fn a_damaged_trailer_is_ignored() {
        let mut plaintext = indexed_plaintext(&register(20));
        let at = plaintext.len() - 5;
        plaintext[at] = b'z';
        assert!(view_of(&plaintext, "nobody", &[]).is_none());
    }
    type Written = Result<Vec<u8>, String>;

    /// What a change writes, made three ways: through the index (`None` when the index path
    /// declines or must hand over to a scan), through the streamed scan, and on the whole
    /// register in memory. Errors of the change are compared too.
    fn written_three_ways(
        plaintext: &[u8],
        make: impl Fn() -> Change,
    ) -> (Option<Vec<u8>>, Written, Written) {
        let subjects = make().subjects();
        let mut ids = SequentialIds(1_000_000);
        let full = {
            let mut register = format::decode(plaintext).unwrap();
            apply(&mut register, make(), &ctx(), &mut ids)
                .map(|_| {
                    let mut out = Vec::new();
                    index::write_register(&mut out, &register).unwrap();
                    out
                })
                .map_err(|e| e.to_string())
        };
        let mut ids = SequentialIds(1_000_000);
        let scanned = {
            let (mut register, layout) = streamed::scan(plaintext, &subjects, |_| None)
                .unwrap()
                .expect("the scan reads a register this version wrote");
            apply(&mut register, make(), &ctx(), &mut ids)
                .map(|_| {
                    format::check(&register).unwrap();
                    let mut out = Vec::new();
                    layout.write_json(plaintext, &register, &mut out).unwrap();
                    out
                })
                .map_err(|e| e.to_string())
        };
        let mut ids = SequentialIds(1_000_000);
        let indexed = change_layout(&mut InMemory(plaintext), &subjects).and_then(
            |(mut register, layout)| {
                apply(&mut register, make(), &ctx(), &mut ids).ok()?;
                if layout.may_collide(&register, []) {
                    return None;
                }
                let mut out = Vec::new();
                layout.write_json(plaintext, &register, &mut out).ok()?;
                Some(out)
            },
        );
        (indexed, scanned, full)
    }

    #[test]
    fn streamed_changes_write_what_changes_in_memory_write() {
        let register = register(300);
        let plaintext = indexed_plaintext(&register);
        let third = register.subjects[3].id.0.clone();
        let email = register.subjects[150].email.clone().unwrap();
        let changes: Vec<Box<dyn Fn() -> Change>> = vec![
            Box::new(|| Change::Record {
                subject: email.to_uppercase(),
                fact: Fact::Note("a note".into()),
            }),
            Box::new(|| Change::Erase {
                subject: third.clone(),
                reason: "Art. 17(1)(a)".into(),
                request: None,
            }),
            Box::new(|| Change::Restrict {
                subject: third.clone(),
                ground: RestrictionGround::Accuracy,
                request: None,
            }),
            Box::new(|| {
                Change::Add(Batch {
                    rows: vec![(
                        "row".into(),
                        NewSubject {
                            name: Some("New Person".into()),
                            email: Some("someone.new@example.fi".into()),
                            ..NewSubject::default()
                        },
                    )],
                    readmit: false,
                })
            }),
        ];
        for make in &changes {
            let (indexed, scanned, full) = written_three_ways(&plaintext, make);
            let full = full.expect("the change applies");
            assert_eq!(scanned.as_deref(), Ok(full.as_slice()), "the scan");
            assert_eq!(indexed.as_deref(), Some(full.as_slice()), "the index");
        }
        // Without an index the scan still streams; the index path declines.
        let without = serde_json::to_vec(&register).unwrap();
        let (indexed, scanned, full) = written_three_ways(&without, &changes[0]);
        assert!(indexed.is_none());
        assert_eq!(scanned, full);
    }

    #[test]
    fn a_duplicate_the_index_only_hashes_goes_to_the_scan() {
        let register = register(50);
        let plaintext = indexed_plaintext(&register);
        let taken = register.subjects[20].email.clone().unwrap();
        let (indexed, scanned, full) = written_three_ways(&plaintext, || {
            Change::Add(Batch {
                rows: vec![(
                    "row".into(),
                    NewSubject {
                        name: Some("Again".into()),
                        email: Some(taken.to_uppercase()),
                        ..NewSubject::default()
                    },
                )],
                readmit: false,
            })
        });
        assert!(
            indexed.is_none(),
            "the index path must not decide a duplicate"
        );
        assert!(full.is_err());
        assert_eq!(
            scanned, full,
            "the scan refuses it as the whole register does"
        );
    }

    #[test]
    fn an_index_made_untrue_by_a_hand_edit_stops_the_write() {
        let register = register(60);
        let plaintext = indexed_plaintext(&register);
        let wanted = vec![register.subjects[10].id.0.clone()];
        // `age -d | sed | age -e` that keeps every length: the index still looks whole.
        let email = register.subjects[40].email.clone().unwrap();
        let at = memchr::memmem::find(&plaintext, email.as_bytes()).unwrap();
        let mut edited = plaintext.clone();
        edited[at] = if edited[at] == b'x' { b'y' } else { b'x' };
        let (partial, layout) =
            change_layout(&mut InMemory(&edited), &wanted).expect("the index looks whole");
        let error = layout
            .write_json(edited.as_slice(), &partial, &mut Vec::new())
            .unwrap_err();
        assert!(streamed::is_stale(&error));
        // The scan takes the edit as it is.
        let (partial, layout) = streamed::scan(edited.as_slice(), &wanted, |_| None)
            .unwrap()
            .unwrap();
        let mut out = Vec::new();
        layout
            .write_json(edited.as_slice(), &partial, &mut out)
            .unwrap();
        let written = format::decode(&out).unwrap();
        assert_eq!(written.subjects, format::decode(&edited).unwrap().subjects);
    }

    #[test]
    fn the_scan_declines_what_it_does_not_expect() {
        let register = register(5);
        let plaintext = indexed_plaintext(&register);
        let none: Vec<String> = Vec::new();
        // Pretty-printed in the register's own key order.
        let pretty = serde_json::to_vec_pretty(&register).unwrap();
        assert!(
            streamed::scan(pretty.as_slice(), &none, |_| None)
                .unwrap()
                .is_some(),
            "white space is JSON too"
        );
        // Keys in another order (here sorted, as `serde_json::Value` keeps them) are for the
        // whole decode.
        let sorted =
            serde_json::to_vec(&serde_json::from_slice::<serde_json::Value>(&plaintext).unwrap())
                .unwrap();
        assert!(
            streamed::scan(sorted.as_slice(), &none, |_| None)
                .unwrap()
                .is_none()
        );
        let mut document: serde_json::Value = serde_json::from_slice(&plaintext).unwrap();
        let first = document["subjects"][0].clone();
        document["subjects"].as_array_mut().unwrap().push(first);
        let doubled = serde_json::to_vec(&document).unwrap();
        assert!(
            streamed::scan(doubled.as_slice(), &none, |_| None)
                .unwrap()
                .is_none(),
            "a duplicate id is for the whole decode to report"
        );
        let cut = &plaintext[..plaintext.len() - 3];
        assert!(streamed::scan(cut, &none, |_| None).unwrap().is_none());
        let mut reordered = plaintext.clone();
        let key = memchr::memmem::find(&reordered, b"\"requests\"").unwrap();
        reordered[key + 1] = b'R';
        assert!(
            streamed::scan(reordered.as_slice(), &none, |_| None)
                .unwrap()
                .is_none()
        );
    }
}
