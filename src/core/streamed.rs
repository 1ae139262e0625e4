//! Changing a register in two streamed passes over its plaintext, never holding all of it.
//!
//! The first pass (`scan`) reads the document once, front to back, through a small window:
//! it parses the description, notices, requests and the other small parts, the subjects a
//! change names and the last audit event, and keeps of every other subject only where it lies,
//! its id and email (for uniqueness) and the hashes the index needs. The second pass
//! (`Layout::write_json`) reads the same plaintext again and writes the new document: the
//! untouched subjects and events copied byte for byte from where the first pass found them,
//! the changed parts serialised, a fresh index at the end.
//!
//! Memory is then a window of a few hundred KiB plus what the first pass keeps per subject,
//! instead of the whole plaintext. Anything the scan does not expect — another key order, a
//! duplicate id, a value it cannot delimit — makes `scan` return `None`, and the caller
//! decodes the register whole, which says exactly what is wrong with it.

use std::collections::{HashMap, HashSet};
use std::io::{self, Read, Write};

use zeroize::Zeroizing;

use crate::core::format;
use crate::core::index::{self, Span};
use crate::core::model::{Register, Subject, SubjectId, Unloaded};
use crate::core::rollback::{self, GuardProbe};
use crate::core::sparse::{self, Wanted};
use crate::core::validate;
use crate::core::view::{SubjectKey, quick_key};

/// How much the window reads at a time.
const BLOCK: usize = 256 * 1024;

/// The deepest nesting a value may have (serde_json's own limit).
const MAX_DEPTH: usize = 128;

/// Where a JSON value ends in a buffer.
#[derive(Debug, PartialEq, Eq)]
enum Scan {
    /// The index just past the value.
    End(usize),
    /// The buffer ends inside the value.
    More,
    /// Not a JSON value: unbalanced brackets, stray bytes.
    Bad,
}

fn is_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\n' | b'\r' | b'\t')
}

fn is_scalar(byte: u8) -> bool {
    matches!(byte, b'-' | b'+' | b'.' | b'0'..=b'9' | b'a'..=b'z' | b'A'..=b'Z')
}

/// The index just past the string whose contents start at `i` (after its opening quote).
fn string_end(buf: &[u8], mut i: usize) -> Option<usize> {
    // Most strings of a register are short: a plain look at the first few bytes finds
    // their end before a vector search would have started.
    let rest = buf.get(i..)?;
    let head = &rest[..rest.len().min(24)];
    match head.iter().position(|&b| b == b'"' || b == b'\\') {
        Some(at) if head[at] == b'"' => return Some(i + at + 1),
        Some(at) => i += at,
        None => i += head.len(),
    }
    loop {
        let at = i + memchr::memchr2(b'"', b'\\', buf.get(i..)?)?;
        if buf[at] == b'\\' {
            i = at + 2;
        } else {
            return Some(at + 1);
        }
    }
}

/// Finds the end of the JSON value that starts at `buf[start]`: strings are skipped whole
/// (escapes included), brackets must balance and match. Scalars are taken as runs of the
/// characters numbers and literals are made of; whether they are valid is left to the parse
/// of the values that are parsed, and to `audit verify` for those copied verbatim.
fn value_end(buf: &[u8], start: usize) -> Scan {
    let mut stack = [0u8; MAX_DEPTH];
    let mut depth = 0usize;
    let mut i = start;
    loop {
        let Some(&byte) = buf.get(i) else {
            return Scan::More;
        };
        match byte {
            b'"' => {
                let Some(end) = string_end(buf, i + 1) else {
                    return Scan::More;
                };
                i = end;
                if depth == 0 {
                    return Scan::End(i);
                }
            }
            b'{' | b'[' => {
                if depth == MAX_DEPTH {
                    return Scan::Bad;
                }
                stack[depth] = if byte == b'{' { b'}' } else { b']' };
                depth += 1;
                i += 1;
            }
            b'}' | b']' => {
                if depth == 0 || stack[depth - 1] != byte {
                    return Scan::Bad;
                }
                depth -= 1;
                i += 1;
                if depth == 0 {
                    return Scan::End(i);
                }
            }
            b',' | b':' | b' ' | b'\n' | b'\r' | b'\t' => {
                if depth == 0 {
                    return Scan::Bad;
                }
                i += 1;
            }
            byte if is_scalar(byte) => {
                let Some(run) = buf[i..].iter().position(|&b| !is_scalar(b)) else {
                    return Scan::More;
                };
                i += run;
                if depth == 0 {
                    return Scan::End(i);
                }
            }
            _ => return Scan::Bad,
        }
    }
}

/// A forward-only window over a plaintext read in blocks: it holds what has been read and
/// not yet consumed, zeroed when dropped.
pub struct Window<R> {
    reader: R,
    buf: Zeroizing<Vec<u8>>,
    /// The plaintext offset of `buf[0]`.
    base: u64,
    /// The next unconsumed byte of `buf`.
    pos: usize,
    eof: bool,
}

fn eof() -> io::Error {
    io::Error::new(io::ErrorKind::UnexpectedEof, "the plaintext ends early")
}

impl<R: Read> Window<R> {
    pub fn new(reader: R) -> Self {
        let mut buf = Zeroizing::new(Vec::new());
        buf.reserve_exact(4 * BLOCK);
        Window {
            reader,
            buf,
            base: 0,
            pos: 0,
            eof: false,
        }
    }

    /// The plaintext offset of the next unconsumed byte.
    pub fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }

    /// Drops the consumed bytes and reads up to a block more. False at the end.
    fn fill(&mut self) -> io::Result<bool> {
        if self.eof {
            return Ok(false);
        }
        if self.pos > 0 {
            let keep = self.buf.len() - self.pos;
            self.buf.copy_within(self.pos.., 0);
            self.buf.truncate(keep);
            self.base += self.pos as u64;
            self.pos = 0;
        }
        // A value longer than the buffer moves to a larger one; the old one is zeroed as it
        // is dropped (growing the vector in place would free it with the plaintext in it).
        if self.buf.capacity() - self.buf.len() < BLOCK {
            let mut larger = Zeroizing::new(Vec::with_capacity(
                (self.buf.len() + BLOCK).max(2 * self.buf.capacity()),
            ));
            larger.extend_from_slice(&self.buf);
            self.buf = larger;
        }
        // `read_to_end` reads into the spare capacity as it is, without zeroing it first.
        let read = (&mut self.reader)
            .take(BLOCK as u64)
            .read_to_end(&mut self.buf)?;
        if read == 0 {
            self.eof = true;
        }
        Ok(read > 0)
    }

    /// The next byte that is not white space, not consumed; `None` at the end.
    fn peek(&mut self) -> io::Result<Option<u8>> {
        loop {
            if let Some(at) = self.buf[self.pos..].iter().position(|&b| !is_space(b)) {
                self.pos += at;
                return Ok(Some(self.buf[self.pos]));
            }
            self.pos = self.buf.len();
            if !self.fill()? {
                return Ok(None);
            }
        }
    }

    /// Consumes `byte` if it comes next (after white space).
    fn eat(&mut self, byte: u8) -> io::Result<bool> {
        if self.peek()? == Some(byte) {
            self.pos += 1;
            return Ok(true);
        }
        Ok(false)
    }

    /// The next JSON value, with its plaintext offset; `None` when none can be delimited.
    fn value(&mut self) -> io::Result<Option<(u64, &[u8])>> {
        if self.peek()?.is_none() {
            return Ok(None);
        }
        loop {
            match value_end(&self.buf, self.pos) {
                Scan::End(end) => {
                    let start = self.pos;
                    self.pos = end;
                    return Ok(Some((self.base + start as u64, &self.buf[start..end])));
                }
                Scan::Bad => return Ok(None),
                Scan::More => {
                    if !self.fill()? {
                        return Ok(None);
                    }
                }
            }
        }
    }

    /// The `len` bytes at plaintext `offset`, reading forward to them. Spans must be asked
    /// for in order.
    pub fn span(&mut self, offset: u64, len: usize) -> io::Result<&[u8]> {
        if offset < self.offset() {
            return Err(io::Error::other(
                "the register's parts were asked for out of order",
            ));
        }
        loop {
            let end = self.base + self.buf.len() as u64;
            if offset >= end {
                self.pos = self.buf.len();
            } else {
                // base <= offset < end, so the difference fits the buffer's length.
                self.pos = usize::try_from(offset - self.base).map_err(io::Error::other)?;
                if self.buf.len() - self.pos >= len {
                    let start = self.pos;
                    self.pos += len;
                    return Ok(&self.buf[start..start + len]);
                }
            }
            if !self.fill()? {
                return Err(eof());
            }
        }
    }
}

/// Where an untouched subject lies in the old plaintext, and what the index says of it.
struct SubjectSlot {
    span: Span,
    id_hash: u64,
    email_hash: Option<u64>,
    /// The id of a subject the change parsed (it is written from the changed register).
    loaded: Option<Box<str>>,
}

/// Where an audit event (all but the last, which is parsed) lies in the old plaintext.
struct EventSlot {
    span: Span,
    subject_hash: Option<u64>,
}

/// What the first pass learnt of the document, for the second to write it again.
pub struct Layout {
    subjects: Vec<SubjectSlot>,
    events: Events,
    loaded: HashSet<String>,
    /// The hash of the event the rollback check asked for, with its number.
    asked_hash: Option<(u64, String)>,
    /// For a layout read from the index: what the second pass must check.
    checks: Option<IndexChecks>,
}

/// The audit events before the last one.
enum Events {
    /// Each where the scan found it.
    Known(Vec<EventSlot>),
    /// All of them in this span, delimited by the second pass.
    Area(Span),
}

/// A layout taken from the document's index is believed only as far as the second pass
/// finds it true: the subjects lie where it says, one after another, filling the array, each
/// with the id and email hashes it says, and none with a hash a selector has (that subject
/// would have been parsed). The first pass knows the other subjects only by these hashes.
struct IndexChecks {
    subjects_area: Span,
    selector_hashes: Vec<u64>,
    /// The hashes of every subject, sorted, and those of the parsed subjects: a hash is
    /// that of a subject known only by its hashes when it is listed more often than the
    /// parsed subjects account for.
    all_hashes: Vec<u64>,
    loaded_hashes: Vec<u64>,
}

impl IndexChecks {
    /// True when `hash` is that of a subject the first pass did not parse.
    fn unloaded_has(&self, hash: u64) -> bool {
        let listed = self.all_hashes.partition_point(|&h| h <= hash)
            - self.all_hashes.partition_point(|&h| h < hash);
        listed > self.loaded_hashes.iter().filter(|&&h| h == hash).count()
    }
}

/// The error of a second pass that found the index untrue; see `is_stale`.
#[derive(Debug)]
struct StaleIndex;

impl std::fmt::Display for StaleIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the register's index does not describe it")
    }
}

impl std::error::Error for StaleIndex {}

fn stale() -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, StaleIndex)
}

/// True when the second pass stopped because the index it was given is untrue: nothing was
/// written, and the change must be made again from a scan.
pub fn is_stale(error: &io::Error) -> bool {
    error
        .get_ref()
        .is_some_and(|inner| inner.is::<StaleIndex>())
}

/// A subject as the index places it: its span, the hashes its entries have (one or two, in
/// no particular order), and its id when the change parsed it.
pub struct IndexedSubject {
    pub span: Span,
    pub hashes: (u64, Option<u64>),
    pub loaded: Option<String>,
}

/// The top-level parts of the document in the order they are written.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Part {
    Head,
    Middle,
    Tail,
}

/// What the scan collects besides the layout.
#[derive(Default)]
struct Collected {
    /// `{"format":…` up to the `subjects` key.
    head: Vec<u8>,
    /// `,"requests":…` up to the `audit` key.
    middle: Vec<u8>,
    /// The wanted subjects' JSON, comma-separated.
    wanted: Vec<u8>,
    /// The last audit event's JSON.
    last_event: Vec<u8>,
    unloaded: Unloaded,
}

/// The first pass: reads `plaintext` (a register of the current format), parsing the subjects
/// whose id or email is in `wanted` like `sparse::load`. `asked_event(guard_key)` names the
/// audit event whose hash the rollback check will need, if any (it depends on the state this
/// machine recorded for the register). `Ok(None)` when the document is not what this pass
/// expects; an error only when reading fails.
pub fn scan<R: Read>(
    plaintext: R,
    wanted: &[String],
    asked_event: impl FnOnce(&str) -> Option<u64>,
) -> io::Result<Option<(Register, Layout)>> {
    let named = Wanted::new(wanted);
    if named.everyone {
        return Ok(None);
    }
    let mut window = Window::new(plaintext);
    let mut layout = Layout {
        subjects: Vec::new(),
        events: Events::Known(Vec::new()),
        loaded: HashSet::new(),
        asked_hash: None,
        checks: None,
    };
    let mut collected = Collected::default();
    let mut asked_event = Some(asked_event);
    let mut asked: Option<u64> = None;
    let mut part = Part::Head;
    if !window.eat(b'{')? {
        return Ok(None);
    }
    collected.head.push(b'{');
    let mut first = true;
    loop {
        if window.eat(b'}')? {
            break;
        }
        if !first && !window.eat(b',')? {
            return Ok(None);
        }
        let Some((_, key)) = window.value()? else {
            return Ok(None);
        };
        let key = key.to_vec();
        let Ok(name) = serde_json::from_slice::<String>(&key) else {
            return Ok(None);
        };
        if !window.eat(b':')? {
            return Ok(None);
        }
        match (part, name.as_str()) {
            (Part::Head, "subjects") => {
                let found = scan_array(&mut window, |offset, raw| {
                    subject(offset, raw, &named, &mut layout, &mut collected)
                })?;
                if !found {
                    return Ok(None);
                }
                part = Part::Middle;
            }
            (Part::Middle, "audit") => {
                if let Some(ask) = asked_event.take() {
                    asked = guard_key(&collected.middle).and_then(|key| ask(&key));
                }
                let mut count = 0u64;
                let found = scan_array(&mut window, |offset, raw| {
                    count += 1;
                    event(offset, raw, count, asked, &mut layout, &mut collected)
                })?;
                if !found {
                    return Ok(None);
                }
                // The last event is parsed and written again from the register.
                if let Events::Known(events) = &mut layout.events {
                    events.pop();
                }
                part = Part::Tail;
            }
            (Part::Tail, "index") => {
                if window.value()?.is_none() {
                    return Ok(None);
                }
            }
            (Part::Head | Part::Middle, _) => {
                let Some((_, value)) = window.value()? else {
                    return Ok(None);
                };
                let into = if part == Part::Head {
                    &mut collected.head
                } else {
                    &mut collected.middle
                };
                if !first {
                    into.push(b',');
                }
                into.extend_from_slice(&key);
                into.push(b':');
                into.extend_from_slice(value);
            }
            _ => return Ok(None),
        }
        first = false;
    }
    if part != Part::Tail || window.peek()?.is_some() {
        return Ok(None);
    }
    Ok(finish(collected, layout, wanted))
}

/// Reads the elements of an array (the window is at its `[`), handing each to `each` with
/// its offset. False when the array is malformed or `each` refuses an element.
fn scan_array<R: Read>(
    window: &mut Window<R>,
    mut each: impl FnMut(u64, &[u8]) -> bool,
) -> io::Result<bool> {
    if !window.eat(b'[')? {
        return Ok(false);
    }
    if window.eat(b']')? {
        return Ok(true);
    }
    loop {
        let Some((offset, raw)) = window.value()? else {
            return Ok(false);
        };
        if !each(offset, raw) {
            return Ok(false);
        }
        if window.eat(b',')? {
            continue;
        }
        return window.eat(b']');
    }
}

fn span_of(offset: u64, raw: &[u8]) -> Span {
    Span {
        offset,
        len: raw.len() as u64,
    }
}

/// One subject of the first pass: parsed later when wanted, otherwise known by its id and
/// email. False on a duplicate id or email, or a subject without an id.
fn subject(
    offset: u64,
    raw: &[u8],
    named: &Wanted<'_>,
    layout: &mut Layout,
    collected: &mut Collected,
) -> bool {
    if raw.first() != Some(&b'{') {
        return false;
    }
    let Ok(text) = std::str::from_utf8(raw) else {
        return false;
    };
    let key: SubjectKey<'_> = match quick_key(text) {
        Some(key) => key,
        None => match serde_json::from_str(text) {
            Ok(key) => key,
            Err(_) => return false,
        },
    };
    let email = key.email.as_deref().map(validate::email_key);
    let email_hash = email.as_deref().map(index::key_hash);
    let id_hash = index::key_hash(&key.id);
    let is_wanted = named.names(&key.id, email.as_deref());
    let id = key.id.into_owned();
    let loaded = if is_wanted {
        if !collected.wanted.is_empty() {
            collected.wanted.push(b',');
        }
        collected.wanted.extend_from_slice(raw);
        if !layout.loaded.insert(id.clone()) {
            return false;
        }
        Some(id.into_boxed_str())
    } else {
        if let Some(email) = email
            && collected
                .unloaded
                .emails
                .insert(email, SubjectId(id.clone()))
                .is_some()
        {
            return false;
        }
        if !collected.unloaded.ids.insert(id) {
            return false;
        }
        None
    };
    layout.subjects.push(SubjectSlot {
        span: span_of(offset, raw),
        id_hash,
        email_hash,
        loaded,
    });
    true
}

/// One audit event of the first pass: where it lies and whose it is; the hash of the one
/// the rollback check asked for.
fn event(
    offset: u64,
    raw: &[u8],
    seq: u64,
    asked: Option<u64>,
    layout: &mut Layout,
    collected: &mut Collected,
) -> bool {
    if raw.first() != Some(&b'{') {
        return false;
    }
    if asked == Some(seq) {
        let Ok(text) = std::str::from_utf8(raw) else {
            return false;
        };
        layout.asked_hash = rollback::event_hash(text, seq).map(|hash| (seq, hash));
    }
    if let Events::Known(events) = &mut layout.events {
        events.push(EventSlot {
            span: span_of(offset, raw),
            subject_hash: index::event_subject(raw).map(|s| index::key_hash(&s)),
        });
    }
    collected.last_event.clear();
    collected.last_event.extend_from_slice(raw);
    true
}

/// The erasure guard's key, from the collected middle part.
fn guard_key(middle: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct GuardOnly {
        erased: GuardProbe,
    }
    let mut document = Vec::with_capacity(middle.len() + 1);
    document.push(b'{');
    document.extend_from_slice(middle.strip_prefix(b",")?);
    document.push(b'}');
    let parsed: GuardOnly = serde_json::from_slice(&document).ok()?;
    Some(parsed.erased.key)
}

/// Parses what the first pass collected, as a small document, with `sparse::load`, which
/// checks it as it checks a whole one; the unloaded subjects' ids and emails then join it.
fn finish(collected: Collected, layout: Layout, wanted: &[String]) -> Option<(Register, Layout)> {
    let mut register = parse_parts(
        &collected.head,
        &collected.wanted,
        &collected.middle,
        &collected.last_event,
        wanted,
    )?;
    if register.subjects.len() != layout.loaded.len() {
        return None;
    }
    register.unloaded = collected.unloaded;
    format::check(&register).ok()?;
    Some((register, layout))
}

/// Parses the parts of a document a change needs — `head` (`{"format":…` up to the
/// subjects), the `subjects` JSON (comma-separated), `middle` (`,"requests":…` up to the
/// audit trail) and its `last_event` — as one small document, with `sparse::load`, which
/// checks it as it checks a whole one.
pub fn parse_parts(
    head: &[u8],
    subjects: &[u8],
    middle: &[u8],
    last_event: &[u8],
    wanted: &[String],
) -> Option<Register> {
    let document = assemble(head, subjects, middle, last_event);
    let (register, _) = sparse::load(&document, wanted).ok()??;
    Some(register)
}

/// One small document of the parts an index read finds: `head` (`{"format":…` up to the
/// subjects), the `subjects` JSON (comma-separated), `middle` (`,"requests":…` up to the
/// audit trail) and the `last_event` as the whole trail.
pub fn assemble(
    head: &[u8],
    subjects: &[u8],
    middle: &[u8],
    last_event: &[u8],
) -> Zeroizing<Vec<u8>> {
    let mut document = Zeroizing::new(Vec::with_capacity(
        head.len() + subjects.len() + middle.len() + last_event.len() + 32,
    ));
    document.extend_from_slice(head);
    document.extend_from_slice(b",\"subjects\":[");
    document.extend_from_slice(subjects);
    document.extend_from_slice(b"]");
    document.extend_from_slice(middle);
    document.extend_from_slice(b",\"audit\":[");
    document.extend_from_slice(last_event);
    document.extend_from_slice(b"]}");
    document
}

impl Layout {
    /// A layout read from the document's index (see `IndexChecks`): the subjects in
    /// document order inside `subjects_area` (the `subjects` array without its brackets),
    /// the events before the last in `events_area`, and the hashes of the selectors the
    /// change names.
    pub fn from_index(
        subjects: Vec<IndexedSubject>,
        subjects_area: Span,
        events_area: Span,
        selector_hashes: Vec<u64>,
        all_hashes: Vec<u64>,
    ) -> Option<Layout> {
        if !all_hashes.is_sorted() {
            return None;
        }
        let mut slots = Vec::with_capacity(subjects.len());
        let mut loaded = HashSet::new();
        let mut loaded_hashes = Vec::new();
        for subject in subjects {
            let (id_hash, email_hash) = subject.hashes;
            if let Some(id) = &subject.loaded {
                if !loaded.insert(id.clone()) {
                    return None;
                }
                loaded_hashes.extend(std::iter::once(id_hash).chain(email_hash));
            }
            slots.push(SubjectSlot {
                span: subject.span,
                id_hash,
                email_hash,
                loaded: subject.loaded.map(String::into_boxed_str),
            });
        }
        Some(Layout {
            subjects: slots,
            events: Events::Area(events_area),
            loaded,
            asked_hash: None,
            checks: Some(IndexChecks {
                subjects_area,
                selector_hashes,
                all_hashes,
                loaded_hashes,
            }),
        })
    }

    /// True when an id or email of the changed register's parsed subjects, or one of `ids`,
    /// may be that of a subject known only by its index hashes: only a scan can tell.
    pub fn may_collide<'a>(&self, r: &Register, ids: impl IntoIterator<Item = &'a str>) -> bool {
        let Some(checks) = &self.checks else {
            return false;
        };
        let known = |hash: u64| checks.unloaded_has(hash);
        r.subjects.iter().any(|s| {
            known(index::key_hash(&s.id.0))
                || s.email
                    .as_deref()
                    .is_some_and(|e| known(index::email_hash(e)))
        }) || ids.into_iter().any(|id| known(index::key_hash(id)))
    }

    /// The ids of every subject, parsed or not (with `unloaded`, the register's).
    pub fn subject_ids<'a>(&'a self, unloaded: &'a Unloaded) -> impl Iterator<Item = &'a str> {
        unloaded
            .ids
            .iter()
            .chain(self.loaded.iter())
            .map(String::as_str)
    }

    /// The hash of audit event `seq`, when the scan was asked for it.
    pub fn event_hash(&self, seq: u64) -> Option<String> {
        self.asked_hash
            .as_ref()
            .filter(|(asked, _)| *asked == seq)
            .map(|(_, hash)| hash.clone())
    }

    /// The second pass: writes `r` as the whole document, reading the untouched subjects and
    /// events from `old` (the same plaintext the scan read) where the scan found them —
    /// changed subjects in their old places, new ones at the end, erased ones left out — with
    /// a fresh index.
    pub fn write_json<R: Read, W: Write + ?Sized>(
        &self,
        old: R,
        r: &Register,
        out: &mut W,
    ) -> io::Result<()> {
        // Both closures read from the one window, one after the other.
        let old = std::cell::RefCell::new(Window::new(old));
        let current: HashMap<&str, &Subject> =
            r.subjects.iter().map(|s| (s.id.0.as_str(), s)).collect();
        index::write_document(
            out,
            r,
            |sink| {
                let mut at = self.checks.as_ref().map(|c| c.subjects_area.offset);
                for slot in &self.subjects {
                    let mut old = old.borrow_mut();
                    if let Some(at) = &mut at {
                        // From the index: each subject right after the one before.
                        if *at != self.checks.as_ref().map_or(0, |c| c.subjects_area.offset) {
                            if old.span(*at, 1)? != b"," {
                                return Err(stale());
                            }
                            *at += 1;
                        }
                        if slot.span.offset != *at {
                            return Err(stale());
                        }
                        *at = slot.span.end();
                    }
                    let raw = old.span(slot.span.offset, span_len(slot.span)?)?;
                    if raw.first() != Some(&b'{') || raw.last() != Some(&b'}') {
                        return Err(stale());
                    }
                    match &slot.loaded {
                        Some(id) => {
                            if let Some(subject) = current.get(id.as_ref()) {
                                sink.parsed(subject)?;
                            }
                        }
                        None => match &self.checks {
                            None => sink.raw(raw, slot.id_hash, slot.email_hash)?,
                            Some(checks) => {
                                let (id_hash, email_hash) = checked_hashes(raw, slot, checks)?;
                                sink.raw(raw, id_hash, email_hash)?;
                            }
                        },
                    }
                }
                if let (Some(at), Some(checks)) = (at, &self.checks)
                    && at != checks.subjects_area.end()
                {
                    return Err(stale());
                }
                r.subjects
                    .iter()
                    .filter(|s| !self.loaded.contains(s.id.0.as_str()))
                    .try_for_each(|s| sink.parsed(s))
            },
            |sink| {
                let mut old = old.borrow_mut();
                match &self.events {
                    Events::Known(events) => {
                        for slot in events {
                            let raw = old.span(slot.span.offset, span_len(slot.span)?)?;
                            sink.raw_known(raw, slot.subject_hash)?;
                        }
                    }
                    Events::Area(area) if area.len > 0 => {
                        old.span(area.offset, 0)?;
                        loop {
                            let Some((_, raw)) = old.value()? else {
                                return Err(stale());
                            };
                            let subject = index::event_subject(raw).map(|s| index::key_hash(&s));
                            sink.raw_known(raw, subject)?;
                            if old.offset() == area.end() {
                                break;
                            }
                            if old.offset() > area.end() || !old.eat(b',')? {
                                return Err(stale());
                            }
                        }
                    }
                    Events::Area(_) => {}
                }
                r.audit.iter().try_for_each(|e| sink.parsed(e))
            },
        )
    }
}

/// The id and email hashes of an untouched subject whose place the index gave: they must be
/// the ones its entries have, and no selector's.
fn checked_hashes(
    raw: &[u8],
    slot: &SubjectSlot,
    checks: &IndexChecks,
) -> io::Result<(u64, Option<u64>)> {
    let text = std::str::from_utf8(raw).map_err(|_| stale())?;
    let key: SubjectKey<'_> = match quick_key(text) {
        Some(key) => key,
        None => serde_json::from_str(text).map_err(|_| stale())?,
    };
    let id_hash = index::key_hash(&key.id);
    let email_hash = key.email.as_deref().map(index::email_hash);
    let mut found = [Some(id_hash), email_hash];
    let mut listed = [Some(slot.id_hash), slot.email_hash];
    found.sort_unstable();
    listed.sort_unstable();
    let wanted = checks.selector_hashes.contains(&id_hash)
        || email_hash.is_some_and(|h| checks.selector_hashes.contains(&h));
    if found != listed || wanted {
        return Err(stale());
    }
    Ok((id_hash, email_hash))
}

fn span_len(span: Span) -> io::Result<usize> {
    usize::try_from(span.len).map_err(io::Error::other)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_is_unloaded_when_listed_more_often_than_the_parsed_subjects_have_it() {
        let checks = |loaded: Vec<u64>| IndexChecks {
            subjects_area: Span { offset: 0, len: 0 },
            selector_hashes: Vec::new(),
            all_hashes: vec![1, 2, 2, 5],
            loaded_hashes: loaded,
        };
        let one_loaded = checks(vec![2]);
        assert!(one_loaded.unloaded_has(1));
        assert!(one_loaded.unloaded_has(2), "the other subject with 2");
        assert!(one_loaded.unloaded_has(5));
        assert!(!one_loaded.unloaded_has(3));
        assert!(!one_loaded.unloaded_has(0));
        assert!(!one_loaded.unloaded_has(u64::MAX));
        assert!(!checks(vec![2, 2]).unloaded_has(2));
        // Hashes out of order are not believed.
        let unsorted = Layout::from_index(
            Vec::new(),
            Span { offset: 0, len: 0 },
            Span { offset: 0, len: 0 },
            Vec::new(),
            vec![3, 1],
        );
        assert!(unsorted.is_none());
    }

    #[test]
    fn values_end_where_json_says() {
        let cases: &[(&str, Scan)] = &[
            (r#"{"a":"x\"}"}rest"#, Scan::End(12)),
            (r#"[1,{"b":[true,null]}],"#, Scan::End(21)),
            (r#""\\"x"#, Scan::End(4)),
            (
                r#"["a long string, longer than the first look \" at it", 1]"#,
                Scan::End(57),
            ),
            (r#""0123456789012345678901234\"\\""x"#, Scan::End(31)),
            ("12345,", Scan::End(5)),
            (r#"{"a":[1,2}"#, Scan::Bad),
            (r#"]"#, Scan::Bad),
            (r#"{"a":"unterminated"#, Scan::More),
            (r#"{"a":1"#, Scan::More),
            ("123", Scan::More),
            ("\u{1}", Scan::Bad),
        ];
        for (text, expected) in cases {
            assert_eq!(&value_end(text.as_bytes(), 0), expected, "{text}");
        }
        let deep = "[".repeat(MAX_DEPTH + 1);
        assert_eq!(value_end(deep.as_bytes(), 0), Scan::Bad);
    }

    /// A reader that hands out `step` bytes at a time, to cross every block boundary.
    struct Trickle<'a> {
        data: &'a [u8],
        step: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.step.min(buf.len()).min(self.data.len());
            buf[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    #[test]
    fn the_window_finds_values_and_spans_across_reads() {
        let long = "x".repeat(3 * BLOCK);
        let text = format!(r#"[ {{"a":"{long}"}} , "b\"c" ,7]"#);
        for step in [1, 7, BLOCK - 1, BLOCK + 3] {
            let mut window = Window::new(Trickle {
                data: text.as_bytes(),
                step,
            });
            let mut found = Vec::new();
            assert!(
                scan_array(&mut window, |offset, raw| {
                    found.push((offset, raw.to_vec()));
                    true
                })
                .unwrap()
            );
            assert_eq!(found.len(), 3);
            for (offset, raw) in &found {
                let at = *offset as usize;
                assert_eq!(&text.as_bytes()[at..at + raw.len()], raw.as_slice());
            }
            assert_eq!(found[2].1, b"7");
            let mut again = Window::new(Trickle {
                data: text.as_bytes(),
                step,
            });
            for (offset, raw) in &found {
                assert_eq!(again.span(*offset, raw.len()).unwrap(), raw.as_slice());
            }
            assert!(again.span(0, 1).is_err(), "spans go forward only");
        }
    }
}
