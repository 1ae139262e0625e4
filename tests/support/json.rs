//! Typed views of the JSON the commands print and the decrypted register holds, and raw
//! views of a decrypted register's parts.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use super::repo_file;

/// For `Option` fields whose key must be present (the value may be `null`): serde treats a
/// missing key as an error when a field has `deserialize_with`.
pub fn present<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer)
}

/// One audit event, as the register holds it and `audit log --format json` prints it.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct AuditEvent {
    pub seq: u64,
    pub at: String,
    pub actor: String,
    pub action: String,
    #[serde(deserialize_with = "present")]
    pub subject: Option<String>,
    #[serde(deserialize_with = "present")]
    pub request: Option<String>,
    pub fields: Vec<String>,
    pub prev: String,
    pub hash: String,
}

/// The audit trail of the decrypted register, typed.
pub fn audit_trail(plaintext: &Value) -> Vec<AuditEvent> {
    serde_json::from_value(plaintext["audit"].clone()).expect("`audit` is an array of events")
}

/// The audit trail's events of a decrypted register.
pub fn audit(document: &Value) -> &[Value] {
    document["audit"]
        .as_array()
        .map(Vec::as_slice)
        .expect("`audit` is an array")
}

/// How many audit events of each action the register holds.
pub fn action_counts(document: &Value) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for event in audit(document) {
        let action = event["action"].as_str().expect("an action").to_owned();
        *counts.entry(action).or_insert(0) += 1;
    }
    counts
}

/// The subjects of a decrypted register.
pub fn subjects(document: &Value) -> &[Value] {
    document["subjects"]
        .as_array()
        .map(Vec::as_slice)
        .expect("`subjects` is an array")
}

/// Every subject email of a decrypted register.
pub fn emails(document: &Value) -> Vec<String> {
    subjects(document)
        .iter()
        .filter_map(|s| s["email"].as_str().map(str::to_owned))
        .collect()
}

/// The distinct `@domain` parts of the register's emails: a file holding any subject email
/// holds one of these.
pub fn email_domains(document: &Value) -> Vec<String> {
    let mut domains: Vec<String> = emails(document)
        .iter()
        .filter_map(|e| e.rfind('@').map(|at| e[at..].to_owned()))
        .collect();
    domains.sort();
    domains.dedup();
    domains
}

/// What `audit verify --format json` prints.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Verified {
    pub events: usize,
    pub head: String,
}

/// A subject as `export --format json` prints it (the fields the rights tests check).
#[derive(Debug, Clone, Deserialize)]
pub struct Subject {
    pub id: String,
    pub name: String,
    #[serde(deserialize_with = "present")]
    pub company: Option<String>,
    #[serde(deserialize_with = "present")]
    pub email: Option<String>,
    #[serde(deserialize_with = "present")]
    pub phone: Option<String>,
    #[serde(deserialize_with = "present")]
    pub address: Option<String>,
    #[serde(deserialize_with = "present")]
    pub restriction: Option<Restriction>,
    #[serde(deserialize_with = "present")]
    pub marketing_objection: Option<Objection>,
    pub ips: Vec<IpSeen>,
    pub orders: Vec<Order>,
    pub invoices: Vec<Invoice>,
    pub notes: Vec<Note>,
    pub consents: Vec<Consent>,
    pub disclosures: Vec<Disclosure>,
    pub corrections: Vec<Correction>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Restriction {
    pub ground: String,
    pub since: String,
    #[serde(deserialize_with = "present")]
    pub request: Option<String>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Objection {
    pub on: String,
    #[serde(deserialize_with = "present")]
    pub request: Option<String>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct IpSeen {
    pub address: String,
    pub seen: String,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Order {
    pub product: String,
    pub ordered_on: String,
    pub changes: Vec<OrderChange>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct OrderChange {
    pub on: String,
    pub change: String,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Invoice {
    pub number: String,
    pub date: String,
    pub amount: String,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Note {
    pub at: String,
    pub author: String,
    pub text: String,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Consent {
    pub purpose: String,
    pub action: String,
    pub at: String,
    pub channel: String,
    #[serde(deserialize_with = "present")]
    pub evidence: Option<String>,
    pub notice_version: String,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Disclosure {
    pub recipient: String,
    pub on: String,
    pub fields: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Correction {
    pub at: String,
    pub actor: String,
    pub field: String,
    #[serde(deserialize_with = "present")]
    pub old: Option<String>,
    pub reason: String,
    #[serde(deserialize_with = "present")]
    pub request: Option<String>,
}

/// A request as `request open/close/… --format json` prints it.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Request {
    pub id: String,
    pub kind: String,
    #[serde(deserialize_with = "present")]
    pub subject: Option<String>,
    pub received: String,
    pub deadline: String,
    pub due: String,
    pub status: String,
    #[serde(deserialize_with = "present")]
    pub extension: Option<Extension>,
    #[serde(deserialize_with = "present")]
    pub resolution: Option<Resolution>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Extension {
    pub reason: String,
    pub notified_on: String,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Resolution {
    pub on: String,
    pub text: String,
}

/// A subject as `export --format json` prints it (the contract's subject shape, plus the
/// relationship arrays the foundation tests check, `source`, `created` and `updated`).
#[derive(Debug, Deserialize)]
pub struct ExportedSubject {
    pub id: String,
    pub name: String,
    #[serde(deserialize_with = "present")]
    pub company: Option<String>,
    #[serde(deserialize_with = "present")]
    pub email: Option<String>,
    #[serde(deserialize_with = "present")]
    pub phone: Option<String>,
    #[serde(deserialize_with = "present")]
    pub address: Option<String>,
    /// `null` when processing is not restricted; required to be present.
    pub restriction: Value,
    pub orders: Vec<Order>,
    pub invoices: Vec<Invoice>,
    pub ips: Vec<IpSeen>,
    pub notes: Vec<Note>,
    pub disclosures: Vec<Disclosure>,
    pub consents: Vec<ExportedConsent>,
    pub source: ExportedSource,
    pub created: String,
    pub updated: String,
}

/// A consent as the foundation tests read it (without the evidence fields of [`Consent`]).
#[derive(Debug, Deserialize, PartialEq)]
pub struct ExportedConsent {
    pub purpose: String,
    pub action: String,
}

#[derive(Debug, Deserialize, PartialEq)]
pub struct ExportedSource {
    pub channel: String,
    pub date: String,
    #[serde(deserialize_with = "present")]
    pub note: Option<String>,
}

/// One row of `examples/customers.csv`, as the test reads it with the csv crate.
#[derive(Debug, Deserialize)]
pub struct CustomerRow {
    pub name: String,
    pub company: String,
    pub email: String,
    pub phone: String,
    pub address: String,
    pub ip: String,
    pub source: String,
    pub source_note: String,
    pub source_date: String,
    pub consent: String,
    pub note: String,
}

pub fn customer_rows() -> Vec<CustomerRow> {
    csv::Reader::from_path(repo_file("examples/customers.csv"))
        .expect("customers.csv")
        .deserialize()
        .collect::<Result<_, _>>()
        .expect("customers.csv parses")
}
