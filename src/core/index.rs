//! The lookup index at the end of the register document. A read of one subject should cost
//! what it reads, not the whole register: age authenticates every 64 KiB chunk on its own,
//! so a reader that knows where a subject lies decrypts only the chunks that hold it.
//!
//! The index is the document's last key, `"index"`: one JSON string of fixed-width ASCII
//! entries (so `age -d | jq .` still works), written by every write as it streams the
//! document out. It holds, sorted by hash, the FNV-1a hash of each subject's id and of its
//! email key with the subject's byte offset and length; the same for each audit event that
//! names a subject (hash of that subject's id); and a trailer at the very end with where the
//! other parts of the document begin and end and how long the whole plaintext is.
//!
//! Nothing here is trusted blindly: every hit is parsed and compared with what was asked, the
//! trailer must account for the exact plaintext length, and any doubt sends the reader back
//! to the whole-register scan. A document without an index (an older write, or one edited by
//! hand) is read by the scan and gets a fresh index with its next change.

use std::io::{self, Write};

use serde::Serialize;

use crate::core::model::{AuditEvent, Register, Subject};
use crate::core::validate;

/// The top-level key the index is written under.
pub const KEY: &str = "index";

/// The width of one entry: 16 hex digits of hash, 12 of offset, 8 of length.
pub const ENTRY_LEN: usize = 36;

const TRAILER_MAGIC: &[u8] = b"rekisteri-index-1";

/// The trailer: the magic and ten fields of 12 hex digits, each preceded by `:`.
pub const TRAILER_LEN: usize = TRAILER_MAGIC.len() + 10 * 13;

/// What a document ends with after the trailer: the string's and the object's ends.
const CLOSE: &[u8] = b"\"}";

/// How many bytes at the end of a plaintext hold the trailer and the closing `"}`.
pub const TAIL_LEN: usize = TRAILER_LEN + CLOSE.len();

/// The stable 64-bit FNV-1a hash the index is keyed by (not `std`'s hasher, whose output may
/// change between Rust versions).
pub fn key_hash(text: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

/// The hash an email is looked up by: that of its comparison key (case and IDN folded).
pub fn email_hash(email: &str) -> u64 {
    key_hash(&validate::email_key(email))
}

/// A range of the plaintext.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub offset: u64,
    pub len: u64,
}

impl Span {
    pub fn end(&self) -> u64 {
        self.offset + self.len
    }
}

/// A sorted run of entries: where it starts and how many entries it has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Section {
    pub offset: u64,
    pub count: u64,
}

/// Where the parts of a document lie, as the trailer records them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Trailer {
    /// `{"format":…,"notices":[…]` — everything before `,"subjects":[`.
    pub head_end: u64,
    /// `,"requests":…,"breaches":[…]` — from the comma before `"requests"` to the one before
    /// `"audit"`.
    pub middle: Span,
    /// The last audit event (length 0 when the trail is empty).
    pub last_event: Span,
    pub subjects: Section,
    pub events: Section,
    /// The length of the whole plaintext.
    pub total: u64,
}

const FIELD_MAX: u64 = 0xffff_ffff_ffff;

impl Trailer {
    fn fields(&self) -> [u64; 10] {
        [
            self.head_end,
            self.middle.offset,
            self.middle.len,
            self.last_event.offset,
            self.last_event.len,
            self.subjects.offset,
            self.subjects.count,
            self.events.offset,
            self.events.count,
            self.total,
        ]
    }

    fn encode(&self) -> Vec<u8> {
        let mut out = TRAILER_MAGIC.to_vec();
        for field in self.fields() {
            let mut digits = [0u8; 13];
            digits[0] = b':';
            put_hex(&mut digits[1..], field.min(FIELD_MAX));
            out.extend_from_slice(&digits);
        }
        out
    }

    /// Reads the trailer from the last `TAIL_LEN` bytes of a plaintext of `total` bytes.
    /// `None` unless it is well formed and consistent with `total`: then the document has no
    /// index, or one that no longer describes it.
    pub fn decode(tail: &[u8], total: u64) -> Option<Trailer> {
        let body = tail.strip_suffix(CLOSE)?;
        let fields = body.strip_prefix(TRAILER_MAGIC)?;
        if fields.len() != 10 * 13 {
            return None;
        }
        let mut values = [0u64; 10];
        for (value, field) in values.iter_mut().zip(fields.chunks(13)) {
            let (colon, hex) = field.split_first()?;
            if *colon != b':' {
                return None;
            }
            *value = parse_hex(hex)?;
        }
        let [
            head_end,
            middle_offset,
            middle_len,
            last_offset,
            last_len,
            subjects_offset,
            subjects_count,
            events_offset,
            events_count,
            recorded_total,
        ] = values;
        let trailer = Trailer {
            head_end,
            middle: Span {
                offset: middle_offset,
                len: middle_len,
            },
            last_event: Span {
                offset: last_offset,
                len: last_len,
            },
            subjects: Section {
                offset: subjects_offset,
                count: subjects_count,
            },
            events: Section {
                offset: events_offset,
                count: events_count,
            },
            total: recorded_total,
        };
        trailer.consistent(total).then_some(trailer)
    }

    /// The parts lie in order, inside the document, and the entries end where the trailer
    /// begins.
    fn consistent(&self, total: u64) -> bool {
        let entry = ENTRY_LEN as u64;
        let Some(subjects_end) = self
            .subjects
            .count
            .checked_mul(entry)
            .and_then(|n| n.checked_add(self.subjects.offset))
        else {
            return false;
        };
        let Some(events_end) = self
            .events
            .count
            .checked_mul(entry)
            .and_then(|n| n.checked_add(self.events.offset))
        else {
            return false;
        };
        self.total == total
            && total >= TAIL_LEN as u64
            && self.head_end < self.middle.offset
            && self.middle.end() <= self.last_event.offset
            && self.last_event.end() < self.subjects.offset
            && subjects_end == self.events.offset
            && events_end == total - TAIL_LEN as u64
    }
}

fn parse_hex(hex: &[u8]) -> Option<u64> {
    if hex.is_empty() || hex.len() > 16 {
        return None;
    }
    hex.iter().try_fold(0u64, |value, &digit| {
        let digit = match digit {
            b'0'..=b'9' => digit - b'0',
            b'a'..=b'f' => digit - b'a' + 10,
            b'A'..=b'F' => digit - b'A' + 10,
            _ => return None,
        };
        Some(value << 4 | u64::from(digit))
    })
}

/// Writes the low `out.len()` hex digits of `value` into `out` (an index writes millions of
/// numbers at a million subjects: no formatting machinery per number).
fn put_hex(out: &mut [u8], value: u64) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let width = out.len();
    for (i, digit) in out.iter_mut().enumerate() {
        *digit = DIGITS[((value >> (4 * (width - 1 - i))) & 0xf) as usize];
    }
}

/// One entry of a section.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Entry {
    pub hash: u64,
    pub offset: u64,
    pub len: u64,
}

impl Entry {
    fn encode(&self, out: &mut Vec<u8>) {
        // A span too large for its field is left out (see `fits`): a lookup then misses
        // and scans.
        let mut entry = [0u8; ENTRY_LEN];
        put_hex(&mut entry[..16], self.hash);
        put_hex(&mut entry[16..28], self.offset);
        put_hex(&mut entry[28..], self.len);
        out.extend_from_slice(&entry);
    }

    /// Parses one `ENTRY_LEN`-byte entry.
    pub fn decode(bytes: &[u8]) -> Option<Entry> {
        if bytes.len() != ENTRY_LEN {
            return None;
        }
        Some(Entry {
            hash: parse_hex(&bytes[..16])?,
            offset: parse_hex(&bytes[16..28])?,
            len: parse_hex(&bytes[28..])?,
        })
    }

    pub fn span(&self) -> Span {
        Span {
            offset: self.offset,
            len: self.len,
        }
    }

    fn fits(&self) -> bool {
        self.offset <= FIELD_MAX && self.len <= 0xffff_ffff
    }
}

/// Finds every entry of `section` with `hash`, reading entries through `read(offset, len)`
/// (a binary search: about log2(count) reads).
pub fn find(
    section: Section,
    hash: u64,
    mut read: impl FnMut(u64, usize) -> io::Result<Vec<u8>>,
) -> io::Result<Option<Vec<Entry>>> {
    let entry_at = |read: &mut dyn FnMut(u64, usize) -> io::Result<Vec<u8>>, i: u64| {
        let bytes = read(section.offset + i * ENTRY_LEN as u64, ENTRY_LEN)?;
        Ok::<_, io::Error>(Entry::decode(&bytes))
    };
    let (mut low, mut high) = (0u64, section.count);
    while low < high {
        let mid = low + (high - low) / 2;
        let Some(entry) = entry_at(&mut read, mid)? else {
            return Ok(None);
        };
        if entry.hash < hash {
            low = mid + 1;
        } else {
            high = mid;
        }
    }
    let mut found = Vec::new();
    let mut i = low;
    while i < section.count {
        let Some(entry) = entry_at(&mut read, i)? else {
            return Ok(None);
        };
        if entry.hash != hash {
            break;
        }
        found.push(entry);
        i += 1;
    }
    Ok(Some(found))
}

/// A writer that counts what it has written, so that the index can say where things are.
struct Counting<'w, W: Write + ?Sized> {
    inner: &'w mut W,
    at: u64,
}

impl<W: Write + ?Sized> Write for Counting<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.at += n as u64;
        Ok(n)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.inner.write_all(buf)?;
        self.at += buf.len() as u64;
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

fn json<W: Write + ?Sized, T: Serialize + ?Sized>(out: &mut W, value: &T) -> io::Result<()> {
    serde_json::to_writer(out, value).map_err(io::Error::other)
}

/// Writes the elements of the `subjects` array and records where each one lies.
pub struct SubjectSink<'s, 'w, W: Write + ?Sized> {
    out: &'s mut Counting<'w, W>,
    entries: &'s mut Vec<Entry>,
    first: bool,
}

impl<W: Write + ?Sized> SubjectSink<'_, '_, W> {
    fn separator(&mut self) -> io::Result<u64> {
        if !std::mem::replace(&mut self.first, false) {
            self.out.write_all(b",")?;
        }
        Ok(self.out.at)
    }

    fn record(&mut self, start: u64, id_hash: u64, email_hash: Option<u64>) {
        let len = self.out.at - start;
        for hash in std::iter::once(id_hash).chain(email_hash) {
            let entry = Entry {
                hash,
                offset: start,
                len,
            };
            if entry.fits() {
                self.entries.push(entry);
            }
        }
    }

    /// A subject as it was read, verbatim, with the hashes of its id and email key.
    pub fn raw(
        &mut self,
        json_text: &[u8],
        id_hash: u64,
        email_hash: Option<u64>,
    ) -> io::Result<()> {
        let start = self.separator()?;
        self.out.write_all(json_text)?;
        self.record(start, id_hash, email_hash);
        Ok(())
    }

    /// A parsed (new or changed) subject.
    pub fn parsed(&mut self, subject: &Subject) -> io::Result<()> {
        let start = self.separator()?;
        json(self.out, subject)?;
        self.record(
            start,
            key_hash(&subject.id.0),
            subject.email.as_deref().map(email_hash),
        );
        Ok(())
    }
}

/// Writes the elements of the `audit` array and records where each one lies.
pub struct EventSink<'s, 'w, W: Write + ?Sized> {
    out: &'s mut Counting<'w, W>,
    entries: &'s mut Vec<Entry>,
    last: Span,
    first: bool,
}

impl<W: Write + ?Sized> EventSink<'_, '_, W> {
    fn separator(&mut self) -> io::Result<u64> {
        if !std::mem::replace(&mut self.first, false) {
            self.out.write_all(b",")?;
        }
        Ok(self.out.at)
    }

    fn record(&mut self, start: u64, subject_hash: Option<u64>) {
        self.last = Span {
            offset: start,
            len: self.out.at - start,
        };
        if let Some(hash) = subject_hash {
            let entry = Entry {
                hash,
                offset: start,
                len: self.last.len,
            };
            if entry.fits() {
                self.entries.push(entry);
            }
        }
    }

    /// An event as it was read, verbatim.
    pub fn raw(&mut self, json_text: &str) -> io::Result<()> {
        let subject = event_subject(json_text.as_bytes()).map(|s| key_hash(&s));
        self.raw_known(json_text.as_bytes(), subject)
    }

    /// An event as it was read, verbatim, whose subject's id hash is already known.
    pub fn raw_known(&mut self, json_text: &[u8], subject_hash: Option<u64>) -> io::Result<()> {
        let start = self.separator()?;
        self.out.write_all(json_text)?;
        self.record(start, subject_hash);
        Ok(())
    }

    /// A parsed (new) event.
    pub fn parsed(&mut self, event: &AuditEvent) -> io::Result<()> {
        let start = self.separator()?;
        json(self.out, event)?;
        self.record(start, event.subject.as_ref().map(|s| key_hash(&s.0)));
        Ok(())
    }
}

/// The subject id an event's JSON names, read from its `"subject":` key (no key of a nested
/// value is called `subject`), or by parsing the event when the text is not compact.
pub(crate) fn event_subject(raw: &[u8]) -> Option<String> {
    static KEY: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"\"subject\":"));
    if let Some(at) = KEY.find(raw) {
        let rest = &raw[at + KEY.needle().len()..];
        let mut values = serde_json::Deserializer::from_slice(rest).into_iter::<Option<String>>();
        if let Some(Ok(subject)) = values.next() {
            return subject;
        }
    }
    serde_json::from_slice::<AuditEvent>(raw)
        .ok()
        .and_then(|e| e.subject.map(|s| s.0))
}

/// Writes `register` as the JSON document, in `Register`'s field order, with the index as its
/// last key. `subjects` and `events` write the two large arrays' elements (raw or parsed);
/// everything else is serialised from `register`.
pub fn write_document<W: Write + ?Sized>(
    out: &mut W,
    register: &Register,
    subjects: impl FnOnce(&mut SubjectSink<'_, '_, W>) -> io::Result<()>,
    events: impl FnOnce(&mut EventSink<'_, '_, W>) -> io::Result<()>,
) -> io::Result<()> {
    let r = register;
    let mut out = Counting { inner: out, at: 0 };
    out.write_all(b"{\"format\":")?;
    json(&mut out, &r.format)?;
    out.write_all(b",\"encryption\":")?;
    json(&mut out, &r.encryption)?;
    out.write_all(b",\"description\":")?;
    json(&mut out, &r.description)?;
    out.write_all(b",\"notices\":")?;
    json(&mut out, &r.notices)?;
    let head_end = out.at;
    out.write_all(b",\"subjects\":[")?;
    let mut subject_entries = Vec::new();
    subjects(&mut SubjectSink {
        out: &mut out,
        entries: &mut subject_entries,
        first: true,
    })?;
    out.write_all(b"]")?;
    let middle_start = out.at;
    out.write_all(b",\"requests\":")?;
    json(&mut out, &r.requests)?;
    out.write_all(b",\"retained\":")?;
    json(&mut out, &r.retained)?;
    out.write_all(b",\"tasks\":")?;
    json(&mut out, &r.tasks)?;
    out.write_all(b",\"erased\":")?;
    json(&mut out, &r.erased)?;
    out.write_all(b",\"erasures\":")?;
    json(&mut out, &r.erasures)?;
    out.write_all(b",\"breaches\":")?;
    json(&mut out, &r.breaches)?;
    let middle = Span {
        offset: middle_start,
        len: out.at - middle_start,
    };
    out.write_all(b",\"audit\":[")?;
    let mut event_entries = Vec::new();
    let mut sink = EventSink {
        out: &mut out,
        entries: &mut event_entries,
        last: Span { offset: 0, len: 0 },
        first: true,
    };
    events(&mut sink)?;
    let last_event = match sink.last {
        Span { len: 0, .. } => Span {
            offset: sink.out.at,
            len: 0,
        },
        last => last,
    };
    out.write_all(b"],\"")?;
    out.write_all(KEY.as_bytes())?;
    out.write_all(b"\":\"")?;
    subject_entries.sort_unstable();
    event_entries.sort_unstable();
    let subjects_offset = out.at;
    let mut buffer = Vec::with_capacity(64 * 1024);
    for entries in [&subject_entries, &event_entries] {
        for entry in entries.iter() {
            entry.encode(&mut buffer);
            if buffer.len() >= 60 * 1024 {
                out.write_all(&buffer)?;
                buffer.clear();
            }
        }
        out.write_all(&buffer)?;
        buffer.clear();
    }
    let entries = subject_entries.len() as u64;
    let trailer = Trailer {
        head_end,
        middle,
        last_event,
        subjects: Section {
            offset: subjects_offset,
            count: entries,
        },
        events: Section {
            offset: subjects_offset + entries * ENTRY_LEN as u64,
            count: event_entries.len() as u64,
        },
        total: out.at + TAIL_LEN as u64,
    };
    out.write_all(&trailer.encode())?;
    out.write_all(CLOSE)
}

/// Writes a whole parsed register with its index.
pub fn write_register<W: Write + ?Sized>(out: &mut W, register: &Register) -> io::Result<()> {
    write_document(
        out,
        register,
        |sink| register.subjects.iter().try_for_each(|s| sink.parsed(s)),
        |sink| register.audit.iter().try_for_each(|e| sink.parsed(e)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_trailer_round_trips_and_checks_the_length() {
        let trailer = Trailer {
            head_end: 10,
            middle: Span { offset: 20, len: 5 },
            last_event: Span { offset: 30, len: 7 },
            subjects: Section {
                offset: 40,
                count: 2,
            },
            events: Section {
                offset: 40 + 2 * ENTRY_LEN as u64,
                count: 1,
            },
            total: 40 + 3 * ENTRY_LEN as u64 + TAIL_LEN as u64,
        };
        let mut tail = trailer.encode();
        tail.extend_from_slice(CLOSE);
        assert_eq!(tail.len(), TAIL_LEN);
        assert_eq!(Trailer::decode(&tail, trailer.total), Some(trailer));
        assert_eq!(Trailer::decode(&tail, trailer.total + 1), None);
        tail[TAIL_LEN - 5] = b'g';
        assert_eq!(Trailer::decode(&tail, trailer.total), None);
    }

    #[test]
    fn find_returns_every_entry_of_a_hash() {
        let mut entries: Vec<Entry> = [5u64, 1, 9, 5, 3]
            .iter()
            .enumerate()
            .map(|(i, &hash)| Entry {
                hash,
                offset: i as u64 * 100,
                len: 10,
            })
            .collect();
        entries.sort_unstable();
        let mut bytes = Vec::new();
        for e in &entries {
            e.encode(&mut bytes);
        }
        let read = |offset: u64, len: usize| {
            let start = offset as usize;
            Ok(bytes[start..start + len].to_vec())
        };
        let section = Section {
            offset: 0,
            count: entries.len() as u64,
        };
        let found = find(section, 5, read).unwrap().unwrap();
        assert_eq!(found.iter().map(|e| e.offset).collect::<Vec<_>>(), [0, 300]);
        assert!(find(section, 4, read).unwrap().unwrap().is_empty());
        assert!(find(section, 10, read).unwrap().unwrap().is_empty());
    }
}
