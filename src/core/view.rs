//! A register read only as far as one subject's report needs. Every command decrypts and
//! parses the whole register, and parsing every subject into owned structures costs several
//! times the decryption itself; a read of one subject instead keeps the other subjects and
//! the audit events as borrowed raw JSON, looks only at their ids and emails, and parses in
//! full just the subject asked for and the events that name it.
//!
//! The result is a partial `Register` (one subject, its events): for reports, never written.

use std::borrow::Cow;
use std::collections::HashSet;

use serde::Deserialize;
use serde::de::{DeserializeOwned, IgnoredAny};
use serde_json::value::RawValue;

use crate::core::breach::Breach;
use crate::core::format::{self, DecodeError};
use crate::core::model::{
    AuditEvent, Description, Encryption, ErasureGuard, FORMAT_VERSION, NoticeVersion,
    NotificationTask, Register, Request, Subject,
};
use crate::core::rollback::{GuardProbe, GuardProbeEntry, TrailPoint};
pub use crate::core::scan::Part;
use crate::core::validate;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRegister<'a> {
    pub(crate) format: u32,
    pub(crate) encryption: Encryption,
    pub(crate) description: Description,
    pub(crate) notices: Vec<NoticeVersion>,
    #[serde(borrow)]
    pub(crate) subjects: Vec<&'a RawValue>,
    pub(crate) requests: Vec<Request>,
    // Present in every register, needed by no report: checked for shape, then skipped.
    #[serde(rename = "retained")]
    _retained: IgnoredAny,
    pub(crate) tasks: Vec<NotificationTask>,
    // Only its key and the ids it lists: the erasure journal is checked against them.
    pub(crate) erased: GuardProbe,
    #[serde(rename = "erasures")]
    _erasures: IgnoredAny,
    #[serde(default)]
    pub(crate) breaches: Vec<Breach>,
    #[serde(borrow)]
    pub(crate) audit: Vec<&'a RawValue>,
    #[serde(rename = "index", default)]
    _index: Option<IgnoredAny>,
}

/// The two fields a subject is found by.
#[derive(Deserialize)]
pub(crate) struct SubjectKey<'a> {
    #[serde(borrow)]
    pub(crate) id: Cow<'a, str>,
    #[serde(borrow, default)]
    pub(crate) email: Option<Cow<'a, str>>,
}

/// The value that follows the first `"name":` key in `raw`, read without scanning the rest.
/// In JSON a quote inside a string is escaped, so an unescaped `"name":` is always a key; no
/// object nested in a subject has an `id` or `email` key, so the first one is the subject's.
fn first_value<'a, T: Deserialize<'a>>(
    raw: &'a str,
    key: &memchr::memmem::Finder<'_>,
) -> Option<T> {
    let at = key.find(raw.as_bytes())? + key.needle().len();
    let mut values = serde_json::Deserializer::from_str(raw.get(at..)?).into_iter::<T>();
    values.next()?.ok()
}

/// A subject's id and email, read from the front of its JSON (see `first_value`). Called
/// once per subject by scans and writes: the searchers are built once.
pub(crate) fn quick_key(raw: &str) -> Option<SubjectKey<'_>> {
    use memchr::memmem::Finder;
    use std::sync::LazyLock;
    static ID: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"\"id\":"));
    static EMAIL: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"\"email\":"));
    Some(SubjectKey {
        id: first_value(raw, &ID)?,
        email: first_value(raw, &EMAIL)?,
    })
}

/// `validate::email_key(email) == wanted` for a `wanted` that is itself an email key, without
/// building the key of an ASCII email (the common case, once per subject of a scan): the key
/// of an ASCII email is the trimmed email in lower case.
pub(crate) fn same_email_key(email: &str, wanted: &str) -> bool {
    let trimmed = email.trim();
    if trimmed.is_ascii() {
        trimmed.eq_ignore_ascii_case(wanted)
    } else {
        validate::email_key(email) == wanted
    }
}

/// One subject's part of a register.
pub struct SubjectView {
    /// A register holding only the subject, its audit events, the description and requests.
    pub register: Register,
    /// How many subjects of the whole register have an id in the `erased` set given.
    pub restored: usize,
    /// The erasure guard's key and erased ids, to check the erasure journal with.
    pub guard: GuardProbe,
    /// Where the whole register's audit trail ends, for rollback detection.
    pub trail: TrailPoint,
}

/// Why a subject view could not be made.
pub enum ViewError {
    Decode(DecodeError),
    NoSuchSubject,
    Ambiguous(usize),
}

fn malformed(error: serde_json::Error) -> ViewError {
    ViewError::Decode(format::describe_json_error(error))
}

/// Decodes the part of `plaintext` that concerns the subject `selector` names: by byte search
/// when the register is laid out as its writer lays it (`core::scan`), otherwise by a parse
/// that skips what it does not need. A register of another format version is decoded in
/// full and cut down the same way.
pub fn decode_subject(
    plaintext: &[u8],
    selector: &str,
    erased: &HashSet<String>,
) -> Result<SubjectView, ViewError> {
    match crate::core::scan::scan_subject(plaintext, selector, erased) {
        Some(view) => view,
        None => parse_subject(plaintext, selector, erased),
    }
}

/// `decode_subject` by a parse of the register, every subject and event skipped as raw JSON
/// but checked for syntax: what answers when the byte search cannot.
pub(crate) fn parse_subject(
    plaintext: &[u8],
    selector: &str,
    erased: &HashSet<String>,
) -> Result<SubjectView, ViewError> {
    let raw = match serde_json::from_slice::<RawRegister<'_>>(plaintext) {
        Ok(raw) if format::reads_as_current(raw.format) => raw,
        _ => return full_decode(plaintext, selector, erased),
    };
    let selector = selector.trim();
    let email = selector
        .contains('@')
        .then(|| validate::email_key(selector));
    let mut found: Vec<&RawValue> = Vec::new();
    let mut restored = 0;
    let mut ids = HashSet::with_capacity(raw.subjects.len());
    for subject in &raw.subjects {
        let key = match quick_key(subject.get()) {
            Some(key) => key,
            None => serde_json::from_str(subject.get()).map_err(malformed)?,
        };
        if !ids.insert(key.id.clone()) {
            return Err(ViewError::Decode(DecodeError::Malformed(format!(
                "subject id {} appears twice",
                key.id
            ))));
        }
        if erased.contains(key.id.as_ref()) {
            restored += 1;
        }
        let matches = key.id == selector
            || email.as_deref().is_some_and(|wanted| {
                key.email
                    .as_deref()
                    .is_some_and(|e| same_email_key(e, wanted))
            });
        if matches {
            found.push(subject);
        }
    }
    let subject: Subject = match found.as_slice() {
        [] => return Err(ViewError::NoSuchSubject),
        [one] => serde_json::from_str(one.get()).map_err(malformed)?,
        many => {
            // An id matches exactly one subject; only an email can match several.
            let by_id: Vec<Subject> = many
                .iter()
                .filter_map(|raw| serde_json::from_str::<Subject>(raw.get()).ok())
                .filter(|s| s.id.0 == selector)
                .collect();
            match <[Subject; 1]>::try_from(by_id) {
                Ok([subject]) => subject,
                Err(_) => return Err(ViewError::Ambiguous(many.len())),
            }
        }
    };
    // An event names its subject by id; a UUID appears nowhere else in an event, so a
    // substring search finds the candidates and parsing confirms them.
    let trail = match raw.audit.last() {
        Some(last) => {
            let last: AuditEvent = serde_json::from_str(last.get()).map_err(malformed)?;
            TrailPoint::of(std::slice::from_ref(&last))
        }
        None => TrailPoint::of(&[]),
    };
    let needle = format!("\"{}\"", subject.id.0);
    let finder = memchr::memmem::Finder::new(needle.as_bytes());
    let mut audit = Vec::new();
    for event in &raw.audit {
        if finder.find(event.get().as_bytes()).is_some() {
            let event: AuditEvent = serde_json::from_str(event.get()).map_err(malformed)?;
            if event.subject.as_ref() == Some(&subject.id) {
                audit.push(event);
            }
        }
    }
    Ok(SubjectView {
        register: partial_register(
            raw.encryption,
            raw.description,
            raw.notices,
            raw.requests,
            vec![subject],
            audit,
        ),
        restored,
        guard: raw.erased,
        trail,
    })
}

/// A register loaded in part, for reading only: the description, the notices and the
/// requests, with the given subjects and events and nothing else (never written).
pub fn partial_register(
    encryption: Encryption,
    description: Description,
    notices: Vec<NoticeVersion>,
    requests: Vec<Request>,
    subjects: Vec<Subject>,
    audit: Vec<AuditEvent>,
) -> Register {
    Register {
        format: FORMAT_VERSION,
        encryption,
        description,
        notices,
        subjects,
        requests,
        retained: Vec::new(),
        tasks: Vec::new(),
        erased: ErasureGuard {
            key: String::new(),
            entries: Vec::new(),
        },
        erasures: Vec::new(),
        breaches: Vec::new(),
        audit,
        unloaded: Default::default(),
        index: None,
        upgrade_notes: Vec::new(),
    }
}

/// The register without its subjects and audit events: the description, the notices, the
/// requests, the Art. 19 tasks and the breaches, with the erasure guard's key and where the
/// trail ends. What a command that
/// looks at no subject needs (the privacy notice), without parsing every subject.
pub struct Outline {
    /// A register with no subjects and no events (for reports, never written).
    pub register: Register,
    /// The erasure guard's key and erased ids.
    pub guard: GuardProbe,
    /// Where the whole register's audit trail ends, for rollback detection.
    pub trail: TrailPoint,
}

/// Decodes the outline of `plaintext`. `None` when it is not of a format read as current,
/// or does not parse: then the caller decodes it whole, which says what is wrong.
pub fn decode_outline(plaintext: &[u8]) -> Option<Outline> {
    crate::core::scan::scan_outline(plaintext).or_else(|| parse_outline(plaintext))
}

/// `decode_outline` by a parse of the whole register, subjects and events skipped as raw
/// JSON: what answers when the byte search cannot.
pub(crate) fn parse_outline(plaintext: &[u8]) -> Option<Outline> {
    let (raw, trail) = parse_raw(plaintext)?;
    Some(raw.into_parts().into_outline(trail))
}

/// The register's outline and every subject, or every event: what `export` of every subject
/// and `audit verify` need, without parsing the other array. By byte search when the register
/// is laid out as its writer lays it out (`scan::scan_outline_with`), otherwise by a parse
/// that skips the other array. `None` when the register is not of a format read as current,
/// or does not parse: then the caller decodes it whole, which says what is wrong. Either way
/// the answer is the same: neither looks into the array it skips.
pub fn decode_outline_with<T: DeserializeOwned>(
    plaintext: &[u8],
    part: Part,
) -> Option<(Outline, Vec<T>)> {
    crate::core::scan::scan_outline_with(plaintext, part).or_else(|| {
        let (raw, trail) = parse_raw(plaintext)?;
        let items = match part {
            Part::Subjects => &raw.subjects,
            Part::Audit => &raw.audit,
        }
        .iter()
        .map(|item| serde_json::from_str(item.get()).ok())
        .collect::<Option<Vec<T>>>()?;
        Some((raw.into_parts().into_outline(trail), items))
    })
}

/// The items of a JSON array, or `None` when it does not parse as an array of `T`. Checked
/// as UTF-8 once, so that serde need not check each string on its own.
pub(crate) fn parse_array<T: DeserializeOwned>(array: &[u8]) -> Option<Vec<T>> {
    serde_json::from_str(std::str::from_utf8(array).ok()?).ok()
}

/// The register with its subjects and events as raw JSON, and where its trail ends; `None`
/// when it does not parse or is not of a format read as current.
fn parse_raw(plaintext: &[u8]) -> Option<(RawRegister<'_>, TrailPoint)> {
    let raw = match serde_json::from_slice::<RawRegister<'_>>(plaintext) {
        Ok(raw) if format::reads_as_current(raw.format) => raw,
        _ => return None,
    };
    let trail = match raw.audit.last() {
        Some(last) => {
            let last: AuditEvent = serde_json::from_str(last.get()).ok()?;
            TrailPoint::of(std::slice::from_ref(&last))
        }
        None => TrailPoint::of(&[]),
    };
    Some((raw, trail))
}

impl RawRegister<'_> {
    /// What is outside the subjects and events.
    pub(crate) fn into_parts(self) -> OutlineParts {
        OutlineParts {
            encryption: self.encryption,
            description: self.description,
            notices: self.notices,
            requests: self.requests,
            tasks: self.tasks,
            breaches: self.breaches,
            erased: self.erased,
        }
    }
}

/// The parts of a register outside its subjects and events, as a report reads them.
pub(crate) struct OutlineParts {
    pub(crate) encryption: Encryption,
    pub(crate) description: Description,
    pub(crate) notices: Vec<NoticeVersion>,
    pub(crate) requests: Vec<Request>,
    pub(crate) tasks: Vec<NotificationTask>,
    pub(crate) breaches: Vec<Breach>,
    pub(crate) erased: GuardProbe,
}

impl OutlineParts {
    /// The outline of a register with these parts, whose trail ends at `trail`.
    pub(crate) fn into_outline(self, trail: TrailPoint) -> Outline {
        let mut register = partial_register(
            self.encryption,
            self.description,
            self.notices,
            self.requests,
            Vec::new(),
            Vec::new(),
        );
        register.tasks = self.tasks;
        register.breaches = self.breaches;
        Outline {
            register,
            guard: self.erased,
            trail,
        }
    }
}

fn full_decode(
    plaintext: &[u8],
    selector: &str,
    erased: &HashSet<String>,
) -> Result<SubjectView, ViewError> {
    let mut register = format::decode(plaintext).map_err(ViewError::Decode)?;
    let restored = register
        .subjects
        .iter()
        .filter(|s| erased.contains(&s.id.0))
        .count();
    let index = crate::core::select::subject_index(&register, selector).map_err(|e| match e {
        crate::error::Error::AmbiguousSubject { count, .. } => ViewError::Ambiguous(count),
        _ => ViewError::NoSuchSubject,
    })?;
    let subject = register.subjects.swap_remove(index);
    let trail = TrailPoint::of(&register.audit);
    let guard = GuardProbe {
        key: register.erased.key.clone(),
        entries: register
            .erased
            .entries
            .iter()
            .map(|e| GuardProbeEntry {
                subject: e.subject.0.clone(),
            })
            .collect(),
    };
    register
        .audit
        .retain(|e| e.subject.as_ref() == Some(&subject.id));
    register.subjects = vec![subject];
    Ok(SubjectView {
        register,
        restored,
        guard,
        trail,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_email_key_is_compared_as_validate_makes_it() {
        for (email, selector) in [
            ("Niko@Example.FI", "niko@example.fi"),
            ("  niko@example.fi ", "NIKO@EXAMPLE.FI"),
            ("niko@example.fi", "niko@example.fin"),
            ("niko@exämple.fi", "NIKO@EXÄMPLE.FI"),
            ("niko@xn--exmple-cua.fi", "niko@exämple.fi"),
            ("niko@exämple.fi", "niko@xn--exmple-cua.fi"),
            ("NIKO@xn--exmple-cua.fi", "niko@xn--EXMPLE-cua.fi"),
            ("", ""),
        ] {
            let wanted = validate::email_key(selector);
            assert_eq!(
                same_email_key(email, &wanted),
                validate::email_key(email) == wanted,
                "{email} against {selector}"
            );
        }
    }

    #[test]
    fn the_outline_has_the_description_requests_and_trail_but_no_subject() {
        use crate::core::index;
        let register = crate::core::testing::generated(3);
        let mut plaintext = Vec::new();
        index::write_register(&mut plaintext, &register).unwrap();
        let outline = decode_outline(&plaintext).expect("a current register has an outline");
        assert!(outline.register.subjects.is_empty());
        assert!(outline.register.audit.is_empty());
        assert_eq!(outline.register.description, register.description);
        assert_eq!(outline.register.requests, register.requests);
        assert_eq!(outline.trail, TrailPoint::of(&register.audit));
        assert_eq!(outline.guard.key, register.erased.key);
        assert!(decode_outline(b"{\"format\":1}").is_none());
        assert!(decode_outline(b"not json").is_none());
    }
}
