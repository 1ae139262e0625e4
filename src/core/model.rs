//! The register document: every type that is written, encrypted, into the register file.
//!
//! These types are the file format. `register.schema.json` is generated from them, so a change
//! here is a change of format: add a migration in `core::format` and bump `FORMAT_VERSION`
//! when an older file could no longer be read as it is.

use chrono::{DateTime, NaiveDate, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// The format version this build writes. A file with a higher number is refused.
pub const FORMAT_VERSION: u32 = 3;

/// The whole register: the plaintext inside the age file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Register {
    /// The format version of this document.
    pub format: u32,
    /// Who the register is encrypted to; used again on every write.
    pub encryption: Encryption,
    /// What the register is: every fact of the privacy notice and the Art. 30 record.
    pub description: Description,
    /// Earlier versions of the description, oldest first, each with the dates it was in
    /// force, so that a consent can be shown next to the notice the person saw (Art. 7(1)).
    pub notices: Vec<NoticeVersion>,
    /// The data subjects.
    pub subjects: Vec<Subject>,
    /// Data-subject requests (GDPR Art. 12-22) and their deadlines.
    pub requests: Vec<Request>,
    /// Records kept after an erasure because a law obliges it (bookkeeping).
    pub retained: Vec<RetainedInvoice>,
    /// Art. 19 notifications owed to recipients after a rectification, erasure or restriction.
    pub tasks: Vec<NotificationTask>,
    /// What makes an erased person detectable without keeping their data.
    pub erased: ErasureGuard,
    /// Erasure receipts (Art. 17): what was erased and kept, when, by whom. No personal data.
    pub erasures: Vec<ErasureReceipt>,
    /// The breach register (Art. 33(5)): every personal-data breach, its assessment and its
    /// notifications. Subject ids, categories and counts only, never the data itself.
    #[serde(default)]
    pub breaches: Vec<crate::core::breach::Breach>,
    /// The audit trail: who did what, when. Holds no personal data.
    pub audit: Vec<AuditEvent>,
    /// A lookup index that rekisteri writes as the last key (see `core::index`): where each
    /// subject and its events lie in the document, so that a read of one subject decrypts
    /// only what it needs. Checked on every use, ignored when it no longer matches the
    /// document, rebuilt by every write; a hand edit may delete it.
    #[serde(default, skip_serializing)]
    pub index: Option<String>,
    /// Subjects left unparsed when only some were loaded for a change (see `core::sparse`):
    /// their ids and emails, so that uniqueness still holds. Never written.
    #[serde(skip)]
    #[schemars(skip)]
    pub unloaded: Unloaded,
    /// What upgrading an older format changed that the user should know. Never written.
    #[serde(skip)]
    #[schemars(skip)]
    pub upgrade_notes: Vec<String>,
}

/// A description that was replaced, with the dates it was in force.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NoticeVersion {
    #[serde(deserialize_with = "crate::core::timestamp::date")]
    pub valid_from: NaiveDate,
    #[serde(deserialize_with = "crate::core::timestamp::date")]
    pub valid_until: NaiveDate,
    pub description: Description,
}

/// The ids and emails of subjects a sparse load left as raw JSON.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Unloaded {
    pub ids: std::collections::HashSet<String>,
    /// Lower-cased email → subject id.
    pub emails: std::collections::HashMap<String, SubjectId>,
}

/// The recipients the register is encrypted to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Encryption {
    /// Public recipients: `age1…` X25519 keys or `ssh-ed25519 …` / `ssh-rsa …` public keys.
    pub recipients: Vec<String>,
    /// True when the register is encrypted to a passphrase instead of recipients.
    pub passphrase: bool,
}

/// A text in Finnish and in English.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Text {
    pub fi: String,
    pub en: String,
}

/// The register's description (Art. 13, Art. 14, Art. 30; seed §1-§10).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Description {
    /// The controller (seed §1).
    pub controller: Controller,
    /// The contact person for the register (seed §2).
    pub contact_person: Contact,
    /// The register's name (seed §3).
    pub register_name: Text,
    /// Version of the privacy notice; recorded with every consent given while it is in
    /// force. A new version of the description needs a new value.
    pub notice_version: String,
    /// The first day this version is in force. Filled in with the day the description is
    /// put into the register when the file leaves it out.
    #[serde(default)]
    pub valid_from: Option<NaiveDate>,
    /// Purposes of processing, each with its legal basis (seed §4).
    pub purposes: Vec<Purpose>,
    /// Automated decision-making and profiling (seed §4; Art. 15(1)(h)).
    pub automated_decision_making: AutomatedDecisionMaking,
    /// Categories of data subjects (Art. 30(1)(c)).
    pub subject_categories: Vec<Text>,
    /// Categories of personal data with their retention (seed §5; Art. 15(1)(b), (d)).
    pub data_categories: Vec<DataCategory>,
    /// Where the data comes from (seed §6).
    pub sources: Vec<SourceDescription>,
    /// Recipients and categories of recipients (seed §7; Art. 15(1)(c)).
    pub recipients: Vec<Recipient>,
    /// Transfers outside the EU/EEA, in general terms (seed §7; Art. 15(2)).
    pub transfers: Text,
    /// What may be published, as agreed with the customer (seed §7).
    pub publication: Text,
    /// Security measures (seed §8; Art. 30(1)(g), Art. 32).
    pub security: Vec<Text>,
    /// How a data subject uses their rights (seed §9, §10).
    pub rights_requests: Text,
    /// The supervisory authority a subject may complain to (Art. 15(1)(f)).
    pub complaint_authority: Authority,
    /// Parts of this description that are examples, filled in where the notice is silent.
    #[serde(default)]
    pub example_notes: Vec<String>,
    /// How long the keyed hashes that recognise erased people are kept (LEGAL §12): a rule
    /// counted from the erasure (`"from": "collected"`), and its text for the notice. `null`
    /// keeps them for good, which the description check warns about.
    #[serde(default)]
    pub erasure_guard_retention: Option<crate::core::retention::Retention>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Controller {
    pub name: String,
    /// The Finnish business id (Y-tunnus), e.g. `2685199-7`.
    pub business_id: String,
    pub address: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    pub name: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
}

/// A purpose of processing and its legal basis (Art. 6).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Purpose {
    /// Short id used on the command line, e.g. `marketing` or `uutiskirje`.
    pub id: String,
    pub description: Text,
    /// The one legal basis of Art. 6(1) the purpose rests on. It decides what the register
    /// does: a purpose resting on consent uses a subject's data only while they consent.
    pub basis: Basis,
    /// Added to the legal-basis sentence the notice derives from `basis`: the legitimate
    /// interest pursued, or the law that sets the obligation.
    #[serde(default)]
    pub basis_note: Option<Text>,
    /// Set when the purpose is direct marketing (Art. 21(2)-(3), 917/2014 §200-§202).
    #[serde(default)]
    pub direct_marketing: Option<DirectMarketing>,
}

/// The legal bases of Art. 6(1)(a)-(f).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Basis {
    /// (a) the data subject's consent.
    Consent,
    /// (b) performance of a contract with the data subject.
    Contract,
    /// (c) a legal obligation of the controller.
    LegalObligation,
    /// (d) vital interests of the data subject or another person.
    VitalInterests,
    /// (e) a task in the public interest or in the exercise of official authority.
    PublicTask,
    /// (f) the legitimate interests of the controller or a third party.
    LegitimateInterests,
}

impl Basis {
    pub const ALL: [Basis; 6] = [
        Basis::Consent,
        Basis::Contract,
        Basis::LegalObligation,
        Basis::VitalInterests,
        Basis::PublicTask,
        Basis::LegitimateInterests,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Basis::Consent => "consent",
            Basis::Contract => "contract",
            Basis::LegalObligation => "legal-obligation",
            Basis::VitalInterests => "vital-interests",
            Basis::PublicTask => "public-task",
            Basis::LegitimateInterests => "legitimate-interests",
        }
    }

    /// The letter of Art. 6(1) (`a` … `f`).
    pub fn letter(self) -> char {
        match self {
            Basis::Consent => 'a',
            Basis::Contract => 'b',
            Basis::LegalObligation => 'c',
            Basis::VitalInterests => 'd',
            Basis::PublicTask => 'e',
            Basis::LegitimateInterests => 'f',
        }
    }

    /// Whether a subject may object to the purpose under Art. 21(1).
    pub fn objectable(self) -> bool {
        matches!(self, Basis::LegitimateInterests | Basis::PublicTask)
    }
}

/// How a direct-marketing purpose reaches people.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DirectMarketing {
    pub channels: Vec<MarketingChannel>,
    /// 917/2014 §200(2): the firm's own customers may get email or SMS marketing of its own
    /// similar products without consent, when they were offered a free, easy way to refuse
    /// when their details were collected and in every message.
    #[serde(default)]
    pub existing_customer_exception: bool,
}

impl DirectMarketing {
    /// Whether the purpose reaches people by email or SMS, where 917/2014 §200 asks a
    /// consumer's prior consent.
    pub fn electronic(&self) -> bool {
        self.channels
            .iter()
            .any(|c| matches!(c, MarketingChannel::Email | MarketingChannel::Sms))
    }
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum MarketingChannel {
    Email,
    Sms,
    Phone,
    Post,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AutomatedDecisionMaking {
    /// Whether the register is used for automated decisions or profiling.
    pub used: bool,
    pub description: Text,
}

/// A category of personal data, with the subject fields it covers and how long it is kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DataCategory {
    /// Short id, e.g. `contact` or `billing`.
    pub id: String,
    pub name: Text,
    /// Subject fields in this category, e.g. `email`, `phone`.
    pub fields: Vec<String>,
    /// How long the category is kept: a rule the register applies (`period` counted `from`
    /// an event) and the text the notice shows. Without `from` there is no rule, only text.
    pub retention: crate::core::retention::Retention,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SourceDescription {
    pub channel: Channel,
    pub description: Text,
}

/// A recipient, or category of recipients, of the register's data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Recipient {
    /// A short id for `record … disclosure --recipient`; the exact name works too.
    #[serde(default)]
    pub id: Option<String>,
    pub name: String,
    /// What kind of recipient it is, e.g. processor, authority.
    pub kind: Text,
    /// ISO 3166-1 alpha-2 country code of where the data goes.
    pub country: String,
    /// The Art. 44-49 safeguard when the country is outside the EU/EEA.
    #[serde(default)]
    pub transfer_safeguard: Option<Text>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Authority {
    pub name: Text,
    pub address: String,
    pub website: String,
}

/// Where a subject's data came from (seed §6).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Channel {
    WebForm,
    Email,
    Phone,
    SocialMedia,
    Contract,
    Meeting,
    Letter,
    InPerson,
    Other,
}

impl Channel {
    pub const ALL: [Channel; 9] = [
        Channel::WebForm,
        Channel::Email,
        Channel::Phone,
        Channel::SocialMedia,
        Channel::Contract,
        Channel::Meeting,
        Channel::Letter,
        Channel::InPerson,
        Channel::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::WebForm => "web-form",
            Channel::Email => "email",
            Channel::Phone => "phone",
            Channel::SocialMedia => "social-media",
            Channel::Contract => "contract",
            Channel::Meeting => "meeting",
            Channel::Letter => "letter",
            Channel::InPerson => "in-person",
            Channel::Other => "other",
        }
    }

    pub fn parse(text: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.as_str() == text)
    }
}

/// A random subject id (UUID v4), never derived from personal data.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(transparent)]
pub struct SubjectId(pub String);

impl std::fmt::Display for SubjectId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A data subject: a customer or a customer's contact person (seed §5).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Subject {
    pub id: SubjectId,
    pub name: String,
    pub company: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    /// A consumer, or a business contact reached in their work role (917/2014 §200, §202).
    pub role: Role,
    /// Processing restricted under Art. 18; `null` when it is not.
    pub restriction: Option<Restriction>,
    /// Earlier restrictions, each with the day the subject was told before it was lifted.
    pub restrictions: Vec<PastRestriction>,
    /// Objection to direct marketing under Art. 21(2); `null` when there is none. It blocks
    /// every direct-marketing purpose, for good.
    pub marketing_objection: Option<Objection>,
    /// Objections under Art. 21(1) to purposes resting on legitimate interests or a public
    /// task, each with the compelling grounds that override it, when recorded.
    pub objections: Vec<PurposeObjection>,
    /// IP addresses of the subject's network connections, with when each was seen.
    pub ips: Vec<IpSeen>,
    /// Products ordered and the changes to them.
    pub orders: Vec<Order>,
    /// Billing.
    pub invoices: Vec<Invoice>,
    /// Staff notes on the customer relationship.
    pub notes: Vec<Note>,
    /// Where the data came from.
    pub source: Source,
    /// Consent records, per purpose, in the order they were made (Art. 7).
    pub consents: Vec<ConsentRecord>,
    /// Disclosures to recipients (Art. 19).
    pub disclosures: Vec<Disclosure>,
    /// Rectifications (Art. 16): the old value of each corrected field.
    pub corrections: Vec<Correction>,
    /// The day the customer relationship ended (`record SUBJECT end`); retention periods
    /// counted from `relationship-end` run from it. Absent while the relationship lasts; a
    /// later order resumes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relationship_end: Option<NaiveDate>,
    #[serde(deserialize_with = "crate::core::timestamp::datetime")]
    pub created: DateTime<Utc>,
    #[serde(deserialize_with = "crate::core::timestamp::datetime")]
    pub updated: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IpSeen {
    pub address: IpAddr,
    #[serde(deserialize_with = "crate::core::timestamp::datetime")]
    pub seen: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Order {
    pub product: String,
    #[serde(deserialize_with = "crate::core::timestamp::date")]
    pub ordered_on: NaiveDate,
    pub changes: Vec<OrderChange>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderChange {
    #[serde(deserialize_with = "crate::core::timestamp::date")]
    pub on: NaiveDate,
    pub change: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Invoice {
    pub number: String,
    #[serde(deserialize_with = "crate::core::timestamp::date")]
    pub date: NaiveDate,
    /// The amount in euros, with two decimals, e.g. `"249.00"`.
    pub amount: Amount,
}

/// A sum of money in cents, written as a decimal string with two decimals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Amount(pub i64);

impl JsonSchema for Amount {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Amount".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^-?[0-9]+\\.[0-9]{2}$",
            "description": "A sum in euros with two decimals."
        })
    }
}

impl TryFrom<String> for Amount {
    type Error = String;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        crate::core::validate::parse_amount(&text).map_err(|e| e.to_string())
    }
}

impl From<Amount> for String {
    fn from(amount: Amount) -> String {
        amount.to_string()
    }
}

impl std::fmt::Display for Amount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let cents = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", cents / 100, cents % 100)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Note {
    #[serde(deserialize_with = "crate::core::timestamp::datetime")]
    pub at: DateTime<Utc>,
    pub author: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Source {
    pub channel: Channel,
    #[serde(deserialize_with = "crate::core::timestamp::date")]
    pub date: NaiveDate,
    pub note: Option<String>,
}

/// One consent event for one purpose (Art. 7(1)): given or withdrawn.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentRecord {
    pub purpose: String,
    pub action: ConsentAction,
    #[serde(deserialize_with = "crate::core::timestamp::datetime")]
    pub at: DateTime<Utc>,
    pub channel: Channel,
    /// Form id, message id, contract: what shows the consent was given or withdrawn.
    pub evidence: Option<String>,
    /// The version of the privacy notice in force on the day; `null` when the register
    /// holds no notice that was in force then.
    pub notice_version: Option<String>,
}

/// Whether a subject is a private person or a business contact (917/2014 §200, §202).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// A natural person as a private customer: email and SMS marketing needs consent.
    /// When the role is unknown this, the stricter rule, applies.
    #[default]
    Consumer,
    /// A person reached in their work role at a company: marketing is allowed until they
    /// refuse.
    Business,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Consumer => "consumer",
            Role::Business => "business",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        [Role::Consumer, Role::Business]
            .into_iter()
            .find(|r| r.as_str() == text.trim())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ConsentAction {
    Give,
    Withdraw,
}

/// The Art. 18(1) grounds for restriction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RestrictionGround {
    /// (a) the accuracy of the data is contested.
    Accuracy,
    /// (b) processing is unlawful and the subject opposes erasure.
    Unlawful,
    /// (c) the controller no longer needs the data; the subject needs it for legal claims.
    LegalClaims,
    /// (d) an objection is being weighed.
    Objection,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Restriction {
    pub ground: RestrictionGround,
    #[serde(deserialize_with = "crate::core::timestamp::date")]
    pub since: NaiveDate,
    pub request: Option<RequestId>,
}

/// A restriction that was lifted (Art. 18(3)).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PastRestriction {
    pub ground: RestrictionGround,
    #[serde(deserialize_with = "crate::core::timestamp::date")]
    pub since: NaiveDate,
    #[serde(deserialize_with = "crate::core::timestamp::date")]
    pub until: NaiveDate,
    /// The day the subject was told, before the lift.
    #[serde(deserialize_with = "crate::core::timestamp::date")]
    pub notified_on: NaiveDate,
    pub request: Option<RequestId>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Objection {
    #[serde(deserialize_with = "crate::core::timestamp::date")]
    pub on: NaiveDate,
    pub request: Option<RequestId>,
}

/// An objection to one purpose under Art. 21(1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PurposeObjection {
    pub purpose: String,
    #[serde(deserialize_with = "crate::core::timestamp::date")]
    pub on: NaiveDate,
    pub request: Option<RequestId>,
    /// Compelling legitimate grounds that override the objection, when recorded.
    pub overridden: Option<Override>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Override {
    #[serde(deserialize_with = "crate::core::timestamp::date")]
    pub on: NaiveDate,
    /// The grounds, written without personal data.
    pub reason: String,
}

/// A disclosure of the subject's data to a recipient (Art. 19).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Disclosure {
    pub recipient: String,
    #[serde(deserialize_with = "crate::core::timestamp::date")]
    pub on: NaiveDate,
    pub fields: Vec<String>,
}

/// One rectified field (Art. 16): who, when, which field, why, and the old value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Correction {
    #[serde(deserialize_with = "crate::core::timestamp::datetime")]
    pub at: DateTime<Utc>,
    pub actor: String,
    pub field: String,
    pub old: Option<String>,
    pub reason: String,
    pub request: Option<RequestId>,
}

/// A short, stable request id such as `R-0007`.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(transparent)]
pub struct RequestId(pub String);

impl std::fmt::Display for RequestId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RequestKind {
    Access,
    Rectification,
    Erasure,
    Restriction,
    Portability,
    Objection,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RequestStatus {
    Open,
    Extended,
    Closed,
    Refused,
}

/// A data-subject request and its deadline (Art. 12(3)-(4)).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Request {
    pub id: RequestId,
    pub kind: RequestKind,
    /// The subject, once identified; a request may come from someone not yet identified.
    pub subject: Option<SubjectId>,
    #[serde(deserialize_with = "crate::core::timestamp::date")]
    pub received: NaiveDate,
    pub channel: Channel,
    /// Who asked, when they are not (yet) a known subject: their own words for who they
    /// are (a name, an address). Blanked when the subject the request is tied to is erased.
    pub requester: Option<String>,
    /// How the requester's identity was checked.
    pub identity_check: Option<String>,
    /// The one-month due date, rolled to a working day.
    #[serde(deserialize_with = "crate::core::timestamp::date")]
    pub due: NaiveDate,
    /// The deadline in force: `due`, or the extended deadline.
    #[serde(deserialize_with = "crate::core::timestamp::date")]
    pub deadline: NaiveDate,
    pub status: RequestStatus,
    pub extension: Option<Extension>,
    /// The outcome when closed, or the written justification when refused.
    pub resolution: Option<Resolution>,
    /// What was sent to the subject in answer (Art. 5(2)): a fingerprint of each document,
    /// never its content.
    pub sent: Vec<SentDocument>,
}

/// One document sent in answer to a request: its file name, SHA-256, size and the date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SentDocument {
    pub name: String,
    /// SHA-256 of the file's bytes, hex.
    pub sha256: String,
    pub bytes: u64,
    #[serde(deserialize_with = "crate::core::timestamp::date")]
    pub on: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Extension {
    pub reason: String,
    #[serde(deserialize_with = "crate::core::timestamp::date")]
    pub notified_on: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Resolution {
    #[serde(deserialize_with = "crate::core::timestamp::date")]
    pub on: NaiveDate,
    pub text: String,
}

/// An invoice kept after its subject was erased, because bookkeeping law obliges it
/// (Kirjanpitolaki 1336/1997, 2:10). Restricted from every other use; purged when due.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RetainedInvoice {
    /// The erased subject's random id.
    pub subject: SubjectId,
    pub number: String,
    #[serde(deserialize_with = "crate::core::timestamp::date")]
    pub date: NaiveDate,
    pub amount: Amount,
    pub invoiced_name: String,
    pub invoiced_address: Option<String>,
    #[serde(deserialize_with = "crate::core::timestamp::date")]
    pub retain_until: NaiveDate,
    pub basis: String,
}

/// A notification owed to a recipient after a rectification, erasure or restriction (Art. 19).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NotificationTask {
    pub id: String,
    pub subject: SubjectId,
    pub recipient: String,
    pub cause: AuditAction,
    #[serde(deserialize_with = "crate::core::timestamp::date")]
    pub created: NaiveDate,
    pub done: Option<NaiveDate>,
    /// What was disclosed to the recipient and when (dates and field names, no values), so
    /// that the notice can say it after an erasure has removed the person's disclosures.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub disclosed: Vec<DisclosedFields>,
}

/// One disclosure as a notification task remembers it: the day and the field names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DisclosedFields {
    #[serde(deserialize_with = "crate::core::timestamp::date")]
    pub on: NaiveDate,
    pub fields: Vec<String>,
}

/// Keyed hashes of erased people's email and phone, so that they do not come back unnoticed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ErasureGuard {
    /// The HMAC-SHA-256 key, hex; it never leaves the encrypted register.
    pub key: String,
    pub entries: Vec<ErasedEntry>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ErasedEntry {
    pub subject: SubjectId,
    #[serde(deserialize_with = "crate::core::timestamp::date")]
    pub on: NaiveDate,
    /// HMAC-SHA-256 of each normalised email the subject had (the current one and any
    /// corrected away), hex.
    pub emails: Vec<String>,
    /// HMAC-SHA-256 of each normalised phone number the subject had, hex.
    pub phones: Vec<String>,
}

/// The record of one erasure, kept without personal data (LEGAL §4).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ErasureReceipt {
    /// The erased subject's random id.
    pub subject: SubjectId,
    pub request: Option<RequestId>,
    #[serde(deserialize_with = "crate::core::timestamp::date")]
    pub date: NaiveDate,
    pub actor: String,
    /// Why the subject was erased (the Art. 17(1) ground); written without personal data.
    pub reason: String,
    /// The categories of data erased.
    pub erased: Vec<String>,
    /// What was kept, on what basis and until when.
    pub retained: Vec<RetainedCategory>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RetainedCategory {
    pub category: String,
    pub count: usize,
    pub basis: String,
    #[serde(deserialize_with = "crate::core::timestamp::date")]
    pub retain_until: NaiveDate,
}

/// What an audit event records was done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum AuditAction {
    Init,
    Add,
    RecordOrder,
    RecordOrderChange,
    RecordInvoice,
    RecordIp,
    RecordNote,
    RecordDisclosure,
    Correct,
    Erase,
    /// An erasure done again because a restored backup brought the subject back.
    EraseReplay,
    PurgeRetained,
    Restrict,
    LiftRestriction,
    Object,
    /// An objection to one purpose (Art. 21(1)).
    ObjectPurpose,
    /// Compelling legitimate grounds recorded against an Art. 21(1) objection.
    ObjectionOverride,
    ConsentGive,
    ConsentWithdraw,
    RequestOpen,
    RequestExtend,
    RequestClose,
    RequestRefuse,
    RequestLink,
    TaskDone,
    Rekey,
    /// The register's description (the notice) was replaced by a new version.
    Describe,
    // Retention and breaches
    /// The customer relationship ended (`record SUBJECT end`).
    RecordEnd,
    /// Items past their retention period purged (`retention apply`); the fields name what.
    RetentionPurge,
    /// A subject erased because its retention period ended (`retention apply`).
    EraseRetention,
    /// A breach entered in the breach register (Art. 33(5)).
    BreachOpen,
    /// The supervisory authority was notified of a breach (Art. 33(1)).
    BreachNotifyAuthority,
    /// The affected subjects were told of a breach (Art. 34).
    BreachNotifySubjects,
    /// A breach closed, with the measures taken.
    BreachClose,
}

/// One entry of the audit trail. Ids, actions and field names only: never a value,
/// a name or an email, so the trail survives every erasure whole.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditEvent {
    pub seq: u64,
    #[serde(deserialize_with = "crate::core::timestamp::datetime")]
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: AuditAction,
    pub subject: Option<SubjectId>,
    pub request: Option<RequestId>,
    /// Names of the fields touched.
    pub fields: Vec<String>,
    /// Hash of the previous event, hex (64 zeros for the first).
    pub prev: String,
    /// SHA-256 of `prev` and this event's canonical bytes, hex.
    pub hash: String,
}
