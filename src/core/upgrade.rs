//! Upgrading an older register document to the current format, one version at a time.
//!
//! Format 2 made the legal model typed: a purpose's free-text `legal_basis` and its
//! `requires_consent` flag became one `basis` of Art. 6(1) (the old text is kept as the
//! basis note), the purpose with the id `marketing` became a direct-marketing purpose, and
//! subjects gained a role, a restriction history and Art. 21(1) objections. Every choice an
//! upgrade makes for the user is reported in `notes`, which the store prints on stderr.

use serde_json::{Map, Value, json};

use crate::core::model::Basis;

/// Turns a format-1 document into format 2.
pub fn format_1_to_2(document: &mut Value, notes: &mut Vec<String>) -> Result<(), String> {
    let root = document
        .as_object_mut()
        .ok_or("the document is not a JSON object")?;
    let first_day = first_event_day(root);
    let description = root
        .get_mut("description")
        .ok_or("`description` is missing")?;
    description_1_to_2(description, notes)?;
    if let Some(description) = description.as_object_mut()
        && !description.contains_key("valid_from")
    {
        description.insert(
            "valid_from".into(),
            first_day.map_or(Value::Null, Value::from),
        );
    }
    root.insert("notices".into(), json!([]));
    let subjects = root
        .get_mut("subjects")
        .and_then(Value::as_array_mut)
        .ok_or("`subjects` is not a list")?;
    for subject in subjects {
        let subject = subject
            .as_object_mut()
            .ok_or("a subject is not an object")?;
        subject.entry("role").or_insert_with(|| json!("consumer"));
        subject.entry("restrictions").or_insert_with(|| json!([]));
        subject.entry("objections").or_insert_with(|| json!([]));
    }
    if let Some(requests) = root.get_mut("requests").and_then(Value::as_array_mut) {
        for request in requests {
            if let Some(request) = request.as_object_mut() {
                request.entry("sent").or_insert_with(|| json!([]));
                request.entry("requester").or_insert(Value::Null);
            }
        }
    }
    root.insert("format".into(), json!(2));
    crate::core::retention::upgrade_retention_v2(document, notes)
}

/// The day of the register's first audit event (its creation), as `YYYY-MM-DD`.
fn first_event_day(root: &Map<String, Value>) -> Option<String> {
    let at = root
        .get("audit")?
        .as_array()?
        .first()?
        .get("at")?
        .as_str()?;
    at.get(..10).map(str::to_owned)
}

/// Turns a format-1 description (free-text `legal_basis`, `requires_consent`) into the
/// format-2 one (`basis`, `basis_note`, `direct_marketing`). A description already of the
/// new shape is left as it is. Also used for `--metadata` files written for format 1.
pub fn description_1_to_2(description: &mut Value, notes: &mut Vec<String>) -> Result<(), String> {
    let purposes = description
        .get_mut("purposes")
        .and_then(Value::as_array_mut)
        .ok_or("`description.purposes` is not a list")?;
    for purpose in purposes {
        let purpose = purpose
            .as_object_mut()
            .ok_or("a purpose is not an object")?;
        // Only a purpose written for format 1 is upgraded; one that has neither shape is
        // left for the description check to refuse.
        if purpose.contains_key("basis")
            || !(purpose.contains_key("legal_basis") || purpose.contains_key("requires_consent"))
        {
            continue;
        }
        let id = purpose
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let requires_consent = purpose
            .remove("requires_consent")
            .and_then(|v| v.as_bool())
            .unwrap_or(false);
        let text = purpose.remove("legal_basis");
        let read = text.as_ref().and_then(basis_in_text);
        let basis = match (requires_consent, read) {
            (true, _) => Basis::Consent,
            (false, Some(basis)) => basis,
            (false, None) => {
                notes.push(format!(
                    "purpose `{id}`: its legal basis could not be read as one of Art. 6(1)(a)-(f); it is treated as consent, the strictest, until a new description says otherwise (`rekisteri describe`)"
                ));
                Basis::Consent
            }
        };
        if requires_consent && read.is_some_and(|r| r != Basis::Consent) {
            notes.push(format!(
                "purpose `{id}`: requires_consent contradicted its legal-basis text; it now rests on consent"
            ));
        }
        notes.push(format!(
            "purpose `{id}`: the free-text legal basis became the basis `{}`; the old text is kept as its basis note",
            basis.as_str()
        ));
        purpose.insert("basis".into(), json!(basis.as_str()));
        if let Some(text) = text {
            purpose.insert("basis_note".into(), text);
        }
        if id == "marketing" && !purpose.contains_key("direct_marketing") {
            // Format 1 treated the purpose with this id as the direct-marketing list.
            purpose.insert(
                "direct_marketing".into(),
                json!({"channels": ["email", "sms", "phone", "post"], "existing_customer_exception": false}),
            );
            notes.push(
                "purpose `marketing` is marked as direct marketing by email, SMS, phone and post"
                    .into(),
            );
        }
    }
    Ok(())
}

/// The Art. 6(1) basis a free-text legal basis names, in English or Finnish.
fn basis_in_text(text: &Value) -> Option<Basis> {
    let joined = match text {
        Value::Object(map) => map
            .values()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(" "),
        Value::String(text) => text.clone(),
        _ => return None,
    };
    let lower = joined.to_lowercase();
    for basis in Basis::ALL {
        let letter = basis.letter();
        if lower.contains(&format!("6(1)({letter})"))
            || lower.contains(&format!("1 kohdan {letter} alakohta"))
        {
            return Some(basis);
        }
    }
    let words: [(&[&str], Basis); 6] = [
        (&["consent", "suostumus"], Basis::Consent),
        (&["contract", "sopimus"], Basis::Contract),
        (
            &["legal obligation", "lakisääteinen"],
            Basis::LegalObligation,
        ),
        (&["vital interest", "elintärke"], Basis::VitalInterests),
        (&["public interest", "yleistä etua"], Basis::PublicTask),
        (
            &["legitimate interest", "oikeutettu etu"],
            Basis::LegitimateInterests,
        ),
    ];
    words
        .iter()
        .find(|(needles, _)| needles.iter().any(|n| lower.contains(n)))
        .map(|(_, basis)| *basis)
}

/// Turns a format-2 document into format 3. Format 3 adds only the optional lookup index
/// (`core::index`) as the document's last key; a format-2 document has the same shape
/// without it, so only the version number changes. The version still had to change: a
/// format-2 reader refuses unknown keys, and should call a newer file newer, not corrupt.
pub fn format_2_to_3(document: &mut Value, _notes: &mut Vec<String>) -> Result<(), String> {
    let root = document
        .as_object_mut()
        .ok_or("the document is not a JSON object")?;
    root.insert("format".into(), json!(3));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_text_bases_are_read_in_both_languages() {
        let read = |fi: &str, en: &str| basis_in_text(&json!({"fi": fi, "en": en}));
        assert_eq!(read("", "consent (Art. 6(1)(a))"), Some(Basis::Consent));
        assert_eq!(
            read("6 artiklan 1 kohdan c alakohta", ""),
            Some(Basis::LegalObligation)
        );
        assert_eq!(
            read("", "our legitimate interests"),
            Some(Basis::LegitimateInterests)
        );
        assert_eq!(read("jotain muuta", "something else"), None);
    }

    #[test]
    fn requires_consent_wins_and_marketing_becomes_direct_marketing() {
        let mut description = json!({"purposes": [
            {"id": "marketing", "description": {"fi": "", "en": ""},
             "legal_basis": {"fi": "", "en": "contract (Art. 6(1)(b))"}, "requires_consent": true},
            {"id": "other", "description": {"fi": "", "en": ""},
             "legal_basis": {"fi": "", "en": "?"}, "requires_consent": false}
        ]});
        let mut notes = Vec::new();
        description_1_to_2(&mut description, &mut notes).unwrap();
        let purposes = description["purposes"].as_array().unwrap();
        assert_eq!(purposes[0]["basis"], "consent");
        assert_eq!(purposes[0]["direct_marketing"]["channels"][0], "email");
        assert!(purposes[0].get("requires_consent").is_none());
        assert_eq!(purposes[0]["basis_note"]["en"], "contract (Art. 6(1)(b))");
        assert_eq!(purposes[1]["basis"], "consent");
        assert!(notes.iter().any(|n| n.contains("contradicted")));
        assert!(notes.iter().any(|n| n.contains("could not be read")));
    }
}
