//! Every change to a register, as data. The store applies a `Change` through its one write
//! path; `apply` dispatches it to the rule that carries it out and reports what was done.

use crate::core::model::{Register, SubjectId};
use crate::core::record::{self, Fact};
use crate::core::subjects::{self, Batch};
use crate::core::{Context, IdSource};
use crate::error::Result;

/// A change a command asks for.
pub enum Change {
    /// Add subjects, all or none.
    Add(Batch),
    /// Record a fact about one subject.
    Record { subject: String, fact: Fact },
}

/// What a change did, for the command to report.
#[derive(Debug, Clone, PartialEq)]
pub enum Applied {
    Added(Vec<SubjectId>),
    Recorded(SubjectId),
}

/// Applies `change` to `register`. On error the register may be partly changed and must be
/// thrown away; the store never writes it.
pub fn apply(
    register: &mut Register,
    change: Change,
    ctx: &Context,
    ids: &mut dyn IdSource,
) -> Result<Applied> {
    match change {
        Change::Add(batch) => subjects::add_subjects(register, batch, ctx, ids).map(Applied::Added),
        Change::Record { subject, fact } => {
            record::record(register, &subject, fact, ctx).map(Applied::Recorded)
        }
    }
}
