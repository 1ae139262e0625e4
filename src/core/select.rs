//! Finding a subject from what a user typed: a subject id, or an email address matched
//! exactly but for case. An unknown or ambiguous selector is an error, never a guess.

use crate::core::model::{Register, Request, Subject};
use crate::core::validate;
use crate::error::{Error, Result};

/// The index of the subject `selector` names.
pub fn subject_index(register: &Register, selector: &str) -> Result<usize> {
    let selector = selector.trim();
    if let Some(index) = register.subjects.iter().position(|s| s.id.0 == selector) {
        return Ok(index);
    }
    if selector.contains('@') {
        let key = validate::email_key(selector);
        let mut matches = register.subjects.iter().enumerate().filter(|(_, s)| {
            s.email
                .as_deref()
                .is_some_and(|email| validate::email_key(email) == key)
        });
        if let Some((index, _)) = matches.next() {
            let others = matches.count();
            if others > 0 {
                return Err(Error::AmbiguousSubject {
                    selector: selector.to_owned(),
                    count: others + 1,
                });
            }
            return Ok(index);
        }
    }
    Err(Error::NoSuchSubject(selector.to_owned()))
}

pub fn subject<'a>(register: &'a Register, selector: &str) -> Result<&'a Subject> {
    let index = subject_index(register, selector)?;
    Ok(&register.subjects[index])
}

pub fn subject_mut<'a>(register: &'a mut Register, selector: &str) -> Result<&'a mut Subject> {
    let index = subject_index(register, selector)?;
    Ok(&mut register.subjects[index])
}

/// The index of the request with id `id` (`R-0007`; `r-7` and `7` are accepted too).
pub fn request_index(register: &Register, id: &str) -> Result<usize> {
    let wanted = normalise_request_id(id);
    register
        .requests
        .iter()
        .position(|r| Some(r.id.0.as_str()) == wanted.as_deref())
        .ok_or_else(|| Error::NoSuchRequest(id.trim().to_owned()))
}

pub fn request<'a>(register: &'a Register, id: &str) -> Result<&'a Request> {
    let index = request_index(register, id)?;
    Ok(&register.requests[index])
}

/// `R-0007`, `r-7`, `7` → `R-0007`.
pub fn normalise_request_id(id: &str) -> Option<String> {
    let id = id.trim();
    let digits = id
        .strip_prefix("R-")
        .or_else(|| id.strip_prefix("r-"))
        .unwrap_or(id);
    let number: u32 = digits.parse().ok()?;
    Some(format!("R-{number:04}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_normalise() {
        assert_eq!(normalise_request_id("R-0007").as_deref(), Some("R-0007"));
        assert_eq!(normalise_request_id("r-7").as_deref(), Some("R-0007"));
        assert_eq!(normalise_request_id("7").as_deref(), Some("R-0007"));
        assert_eq!(normalise_request_id("R-12345").as_deref(), Some("R-12345"));
        assert_eq!(normalise_request_id("x"), None);
    }
}
