//! Every change to a register, as data. The store applies a `Change` through its one write
//! path; `apply` dispatches it to the rule that carries it out and reports what was done.

use chrono::{DateTime, NaiveDate, Utc};

use crate::core::model::{
    Channel, ConsentAction, Description, ErasureReceipt, Register, Request, RequestId, RequestKind,
    RestrictionGround, SubjectId,
};
use crate::core::record::{self, Fact};
use crate::core::requests::{self, NewRequest};
use crate::core::rights::{consent, correct, erase, notify, object, restrict};
use crate::core::subjects::{self, Batch};
use crate::core::{Context, IdSource, select};
use crate::core::{breach, describe, purge, sparse};
use crate::error::{Error, Result};

/// A change a command asks for. `subject` is a selector (id or email); `request` a request
/// id the change answers.
#[derive(Clone)]
pub enum Change {
    Add(Batch),
    Record {
        subject: String,
        fact: Fact,
    },
    Correct {
        subject: String,
        sets: Vec<correct::Set>,
        reason: String,
        request: Option<String>,
    },
    Erase {
        subject: String,
        reason: String,
        request: Option<String>,
    },
    PurgeExpired,
    /// Erase again the journal's subjects that a restored backup brought back.
    ReplayErasures(Vec<(SubjectId, NaiveDate)>),
    Restrict {
        subject: String,
        ground: RestrictionGround,
        request: Option<String>,
    },
    LiftRestriction {
        subject: String,
        notified_on: NaiveDate,
        request: Option<String>,
    },
    /// An objection: to direct marketing (no purpose, or a direct-marketing purpose), or
    /// under Art. 21(1) to one purpose.
    Object {
        subject: String,
        purpose: Option<String>,
        request: Option<String>,
    },
    /// Compelling legitimate grounds that override an Art. 21(1) objection.
    OverrideObjection {
        subject: String,
        purpose: String,
        reason: String,
    },
    Consent {
        subject: String,
        action: ConsentAction,
        purpose: String,
        on: NaiveDate,
        channel: Channel,
        evidence: Option<String>,
    },
    /// A new version of the register's description.
    Describe(Box<Description>),
    OpenRequest(NewRequest),
    ExtendRequest {
        id: String,
        reason: String,
        notified_on: NaiveDate,
    },
    LinkRequest {
        id: String,
        subject: String,
    },
    CloseRequest {
        id: String,
        outcome: String,
        sent: Vec<crate::core::model::SentDocument>,
    },
    RefuseRequest {
        id: String,
        reason: String,
    },
    TaskDone {
        id: String,
        on: NaiveDate,
    },
    // Retention and breaches
    /// Purge what the retention rules make due today (`retention apply`).
    ApplyRetention,
    OpenBreach(breach::NewBreach),
    NotifyAuthority {
        id: String,
        at: DateTime<Utc>,
        reference: Option<String>,
        delay_reason: Option<String>,
    },
    NotifySubjects {
        id: String,
        on: NaiveDate,
    },
    CloseBreach {
        id: String,
        measures: String,
    },
}

impl Change {
    /// The request a change answers (`--request`), the subject it concerns, and the kinds of
    /// request such a change may answer.
    fn answers(&self) -> Option<(&str, &str, &'static [RequestKind])> {
        const RESTRICTION: &[RequestKind] = &[RequestKind::Restriction, RequestKind::Objection];
        let (request, subject, kinds): (_, _, &'static [RequestKind]) = match self {
            Change::Correct {
                subject, request, ..
            } => (request, subject, &[RequestKind::Rectification]),
            Change::Erase {
                subject, request, ..
            } => (request, subject, &[RequestKind::Erasure]),
            Change::Restrict {
                subject, request, ..
            }
            | Change::LiftRestriction {
                subject, request, ..
            } => (request, subject, RESTRICTION),
            Change::Object {
                subject, request, ..
            } => (request, subject, &[RequestKind::Objection]),
            _ => return None,
        };
        request.as_deref().map(|id| (id, subject.as_str(), kinds))
    }

    /// The subjects the change reads or writes, as selectors (ids or emails). Every other
    /// subject may stay unparsed (see `core::sparse`); new subjects need only the others'
    /// emails, which a sparse load keeps.
    pub fn subjects(&self) -> Vec<String> {
        match self {
            Change::Record { subject, .. }
            | Change::Correct { subject, .. }
            | Change::Erase { subject, .. }
            | Change::Restrict { subject, .. }
            | Change::LiftRestriction { subject, .. }
            | Change::Object { subject, .. }
            | Change::OverrideObjection { subject, .. }
            | Change::Consent { subject, .. } => vec![subject.clone()],
            Change::OpenRequest(new) => new.subject.iter().cloned().collect(),
            Change::LinkRequest { subject, .. } => vec![subject.clone()],
            Change::ReplayErasures(journal) => journal.iter().map(|(id, _)| id.0.clone()).collect(),
            Change::ApplyRetention => vec![sparse::ALL_SUBJECTS.to_owned()],
            Change::OpenBreach(new) => new.subjects.clone(),
            Change::Add(_)
            | Change::Describe(_)
            | Change::PurgeExpired
            | Change::ExtendRequest { .. }
            | Change::CloseRequest { .. }
            | Change::RefuseRequest { .. }
            | Change::TaskDone { .. }
            | Change::NotifyAuthority { .. }
            | Change::NotifySubjects { .. }
            | Change::CloseBreach { .. } => Vec::new(),
        }
    }
}

/// What a change did, for the command to report.
#[derive(Debug, Clone, PartialEq)]
pub enum Applied {
    Added(Vec<SubjectId>),
    Recorded(SubjectId),
    Corrected {
        subject: SubjectId,
        tasks: usize,
    },
    Erased(ErasureReceipt),
    Purged(usize),
    Replayed(Vec<ErasureReceipt>),
    Restricted {
        subject: SubjectId,
        tasks: usize,
    },
    Lifted(SubjectId),
    /// `to` is the purpose objected to under Art. 21(1), or `None` for direct marketing.
    Objected {
        subject: SubjectId,
        new: bool,
        to: Option<String>,
    },
    Overridden(SubjectId),
    Described(describe::Described),
    Consent(SubjectId),
    Request(Request),
    Refused {
        request: Request,
        late: bool,
    },
    TaskDone,
    Retention(purge::Outcome),
    Breach(Box<breach::Breach>),
}

/// Resolves `--request` for a change to the subject `selector` names; the request must be of
/// one of `kinds` (an erasure answers an erasure request, not an access request).
fn link(
    register: &mut Register,
    id: &str,
    selector: &str,
    kinds: &[RequestKind],
) -> Result<RequestId> {
    let found = select::request(register, id)?;
    if !kinds.contains(&found.kind) {
        let wanted: Vec<String> = kinds
            .iter()
            .map(|k| requests::kind_name(*k).to_owned())
            .collect();
        return Err(Error::Refused(format!(
            "request {} is a {} request; this change answers {} requests",
            found.id,
            requests::kind_name(found.kind),
            wanted.join(" or ")
        )));
    }
    let subject = select::subject(register, selector)?.id.clone();
    requests::link_request(register, id, &subject)
}

/// Applies `change` to `register`. On error the register may be partly changed and must be
/// thrown away; the store never writes it.
pub fn apply(
    register: &mut Register,
    change: Change,
    ctx: &Context,
    ids: &mut dyn IdSource,
) -> Result<Applied> {
    let request = match change.answers() {
        Some((id, subject, kinds)) => Some(link(register, id, subject, kinds)?),
        None => None,
    };
    Ok(match change {
        Change::Add(batch) => Applied::Added(subjects::add_subjects(register, batch, ctx, ids)?),
        Change::Record { subject, fact } => {
            Applied::Recorded(record::record(register, &subject, fact, ctx)?)
        }
        Change::Correct {
            subject,
            sets,
            reason,
            ..
        } => {
            let (subject, tasks) =
                correct::correct_subject(register, &subject, &sets, &reason, request, ctx)?;
            Applied::Corrected { subject, tasks }
        }
        Change::Erase {
            subject, reason, ..
        } => Applied::Erased(erase::erase_subject(
            register, &subject, &reason, request, ctx,
        )?),
        Change::PurgeExpired => Applied::Purged(erase::purge_expired(register, ctx)),
        Change::ReplayErasures(journal) => {
            Applied::Replayed(erase::replay_erasures(register, &journal, ctx)?)
        }
        Change::Restrict {
            subject, ground, ..
        } => {
            let (subject, tasks) =
                restrict::restrict_subject(register, &subject, ground, request, ctx)?;
            Applied::Restricted { subject, tasks }
        }
        Change::LiftRestriction {
            subject,
            notified_on,
            ..
        } => Applied::Lifted(restrict::lift_restriction(
            register,
            &subject,
            notified_on,
            request,
            ctx,
        )?),
        Change::Object {
            subject, purpose, ..
        } => {
            let (subject, new, to) = match purpose {
                Some(purpose) => {
                    object::object_to_purpose(register, &subject, &purpose, request, ctx)?
                }
                None => {
                    let (subject, new) =
                        object::object_to_marketing(register, &subject, request, ctx)?;
                    (subject, new, None)
                }
            };
            Applied::Objected { subject, new, to }
        }
        Change::OverrideObjection {
            subject,
            purpose,
            reason,
        } => Applied::Overridden(object::override_objection(
            register, &subject, &purpose, &reason, ctx,
        )?),
        Change::Consent {
            subject,
            action,
            purpose,
            on,
            channel,
            evidence,
        } => Applied::Consent(consent::record_consent(
            register, &subject, action, &purpose, on, channel, evidence, ctx,
        )?),
        Change::Describe(description) => {
            Applied::Described(describe::replace_description(register, *description, ctx)?)
        }
        Change::OpenRequest(new) => Applied::Request(requests::open_request(register, new, ctx)?),
        Change::ExtendRequest {
            id,
            reason,
            notified_on,
        } => Applied::Request(requests::extend_request(
            register,
            &id,
            &reason,
            notified_on,
            ctx,
        )?),
        Change::LinkRequest { id, subject } => {
            Applied::Request(requests::link_to_subject(register, &id, &subject, ctx)?)
        }
        Change::CloseRequest { id, outcome, sent } => {
            Applied::Request(requests::close_request(register, &id, &outcome, sent, ctx)?)
        }
        Change::RefuseRequest { id, reason } => {
            let (request, late) = requests::refuse_request(register, &id, &reason, ctx)?;
            Applied::Refused { request, late }
        }
        Change::TaskDone { id, on } => {
            notify::mark_done(register, &id, on, ctx)?;
            Applied::TaskDone
        }
        Change::ApplyRetention => Applied::Retention(purge::apply_retention(register, ctx)?),
        Change::OpenBreach(new) => {
            Applied::Breach(Box::new(breach::open_breach(register, new, ctx)?))
        }
        Change::NotifyAuthority {
            id,
            at,
            reference,
            delay_reason,
        } => Applied::Breach(Box::new(breach::notify_authority(
            register,
            &id,
            at,
            reference,
            delay_reason,
            ctx,
        )?)),
        Change::NotifySubjects { id, on } => {
            Applied::Breach(Box::new(breach::notify_subjects(register, &id, on, ctx)?))
        }
        Change::CloseBreach { id, measures } => Applied::Breach(Box::new(breach::close_breach(
            register, &id, &measures, ctx,
        )?)),
    })
}
