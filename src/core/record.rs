//! The everyday facts of a customer relationship (seed §5, §7): orders and their changes,
//! invoices, IP addresses seen, staff notes, and disclosures to recipients (Art. 19).

use std::net::IpAddr;

use chrono::NaiveDate;

use crate::core::model::{
    Amount, AuditAction, Disclosure, Invoice, IpSeen, Note, Order, OrderChange, Register, SubjectId,
};
use crate::core::{Context, audit, select, validate};
use crate::error::{Error, Result};

/// The subject fields a disclosure may name.
pub const DISCLOSABLE_FIELDS: &[&str] = &[
    "name", "company", "email", "phone", "address", "ips", "orders", "invoices", "notes", "source",
    "consents",
];

/// A fact to record about one subject.
#[derive(Debug, Clone)]
pub enum Fact {
    /// A new order, or with `change`, a change to the latest order of `product`.
    Order {
        product: String,
        on: NaiveDate,
        change: Option<String>,
    },
    Invoice {
        number: String,
        date: NaiveDate,
        amount: Amount,
    },
    Ip(IpAddr),
    Note(String),
    Disclosure {
        recipient: String,
        fields: Vec<String>,
        on: NaiveDate,
    },
    /// The customer relationship ended on this day: retention periods counted from
    /// `relationship-end` start running. A later order resumes the relationship.
    End(NaiveDate),
}

/// Records `fact` on the subject `selector` names; returns the subject's id.
pub fn record(
    register: &mut Register,
    selector: &str,
    fact: Fact,
    ctx: &Context,
) -> Result<SubjectId> {
    let index = select::subject_index(register, selector)?;
    if register.subjects[index].restriction.is_some() {
        return Err(Error::Refused(format!(
            "subject {} is restricted (Art. 18): its data may only be stored until the restriction is lifted",
            register.subjects[index].id
        )));
    }
    let subject = &mut register.subjects[index];
    let mut also: Option<&str> = None;
    let (action, field) = match fact {
        Fact::Order {
            product,
            on,
            change: None,
        } => {
            let product =
                validate::text(&product, false).map_err(|e| Error::field("order", "product", e))?;
            subject.orders.push(Order {
                product,
                ordered_on: on,
                changes: Vec::new(),
            });
            // An order after the relationship ended resumes it.
            if subject.relationship_end.is_some_and(|end| on > end) {
                subject.relationship_end = None;
                also = Some("relationship_end");
            }
            (AuditAction::RecordOrder, "orders")
        }
        Fact::End(on) => {
            if on > ctx.today {
                return Err(Error::Refused(
                    "--on is after today: record the end of a relationship once it has ended"
                        .into(),
                ));
            }
            if let Some(last) = subject.orders.iter().map(|o| o.ordered_on).max()
                && last > on
            {
                return Err(Error::Refused(format!(
                    "subject {} has an order dated after --on: the relationship ends on or after its last order ({last})",
                    subject.id
                )));
            }
            subject.relationship_end = Some(on);
            (AuditAction::RecordEnd, "relationship_end")
        }
        Fact::Order {
            product,
            on,
            change: Some(change),
        } => {
            let product =
                validate::text(&product, false).map_err(|e| Error::field("order", "product", e))?;
            let change =
                validate::text(&change, true).map_err(|e| Error::field("order", "change", e))?;
            let order = subject
                .orders
                .iter_mut()
                .rev()
                .find(|o| o.product == product)
                .ok_or_else(|| {
                    Error::Refused(format!(
                        "subject {} has no order of that product to change",
                        subject.id
                    ))
                })?;
            order.changes.push(OrderChange { on, change });
            (AuditAction::RecordOrderChange, "orders")
        }
        Fact::Invoice {
            number,
            date,
            amount,
        } => {
            let number =
                validate::text(&number, false).map_err(|e| Error::field("invoice", "number", e))?;
            subject.invoices.push(Invoice {
                number,
                date,
                amount,
            });
            (AuditAction::RecordInvoice, "invoices")
        }
        Fact::Ip(address) => {
            subject.ips.push(IpSeen {
                address,
                seen: ctx.now,
            });
            (AuditAction::RecordIp, "ips")
        }
        Fact::Note(text) => {
            let text = validate::text(&text, true).map_err(|e| Error::field("note", "text", e))?;
            subject.notes.push(Note {
                at: ctx.now,
                author: ctx.actor.clone(),
                text,
            });
            (AuditAction::RecordNote, "notes")
        }
        Fact::Disclosure {
            recipient,
            fields,
            on,
        } => {
            let given = validate::text(&recipient, false)
                .map_err(|e| Error::field("disclosure", "recipient", e))?;
            // Only to a recipient the description declares (Art. 13(1)(e), Art. 30(1)(d)),
            // named by its id or exact name; the disclosure records its name.
            let declared = &register.description.recipients;
            let recipient = declared
                .iter()
                .find(|r| r.id.as_deref() == Some(given.as_str()) || r.name == given)
                .map(|r| r.name.clone())
                .ok_or_else(|| Error::UndeclaredRecipient {
                    known: declared
                        .iter()
                        .map(|r| r.id.clone().unwrap_or_else(|| r.name.clone()))
                        .collect::<Vec<_>>()
                        .join(", "),
                })?;
            let mut checked = Vec::new();
            for field in fields {
                let field = field.trim();
                if !DISCLOSABLE_FIELDS.contains(&field) {
                    return Err(Error::InvalidInput {
                        context: "disclosure".into(),
                        message: format!(
                            "unknown field `{field}` in --fields (one of: {})",
                            DISCLOSABLE_FIELDS.join(", ")
                        ),
                    });
                }
                if !checked.iter().any(|f: &String| f == field) {
                    checked.push(field.to_owned());
                }
            }
            if checked.is_empty() {
                return Err(Error::field(
                    "disclosure",
                    "fields",
                    validate::Invalid::Empty,
                ));
            }
            subject.disclosures.push(Disclosure {
                recipient,
                on,
                fields: checked,
            });
            (AuditAction::RecordDisclosure, "disclosures")
        }
    };
    subject.updated = ctx.now;
    let id = subject.id.clone();
    audit::append(
        &mut register.audit,
        ctx,
        audit::Entry::new(action)
            .subject(&id)
            .fields([field].into_iter().chain(also)),
    );
    Ok(id)
}
