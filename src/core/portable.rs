//! Art. 20: the portable copy — the data the subject provided and the data observed about
//! them (IP addresses), as JSON of a documented shape. Staff notes are out of scope.

use chrono::NaiveDate;
use schemars::JsonSchema;
use serde::Serialize;

use crate::core::model::{ConsentRecord, Invoice, IpSeen, Order, Register, Source, SubjectId};
use crate::core::select;
use crate::error::Result;

/// The shape's name and version, written into every copy.
pub const PORTABLE_FORMAT: &str = "rekisteri-portable/1";

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct PortableCopy {
    /// Always `rekisteri-portable/1`.
    pub format: String,
    pub exported_on: NaiveDate,
    /// The controller the data comes from.
    pub controller: String,
    pub subject: PortableSubject,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct PortableSubject {
    pub id: SubjectId,
    pub name: String,
    pub company: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub ips: Vec<IpSeen>,
    pub orders: Vec<Order>,
    pub invoices: Vec<Invoice>,
    pub source: Source,
    pub consents: Vec<ConsentRecord>,
}

pub fn portable_copy(
    register: &Register,
    selector: &str,
    today: NaiveDate,
) -> Result<PortableCopy> {
    let s = select::subject(register, selector)?;
    Ok(PortableCopy {
        format: PORTABLE_FORMAT.to_owned(),
        exported_on: today,
        controller: register.description.controller.name.clone(),
        subject: PortableSubject {
            id: s.id.clone(),
            name: s.name.clone(),
            company: s.company.clone(),
            email: s.email.clone(),
            phone: s.phone.clone(),
            address: s.address.clone(),
            ips: s.ips.clone(),
            orders: s.orders.clone(),
            invoices: s.invoices.clone(),
            source: s.source.clone(),
            consents: s.consents.clone(),
        },
    })
}
