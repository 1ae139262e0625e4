//! Realistic made-up registers for benchmarks and load tests: N subjects, each with the
//! seed §5 data (two orders with a change, two invoices, an IP, a consent, a note), plus
//! requests and audit events in proportion. Deterministic from a seed; names and addresses
//! are drawn from small made-up lists, emails are unique.

use chrono::{Duration, NaiveDate};

use crate::core::model::{
    Amount, AuditAction, Channel, ConsentAction, ConsentRecord, Invoice, IpSeen, Note, Order,
    OrderChange, Register, Role, Source, Subject, SubjectId,
};
use crate::core::requests::{self, NewRequest};
use crate::core::{Context, audit};
use crate::error::Result;

/// xorshift64*: small, fast, deterministic; not for secrets.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

const FIRST: &[&str] = &[
    "Aino", "Eero", "Helmi", "Juho", "Kaisa", "Lauri", "Minna", "Niko", "Oona", "Pekka", "Riikka",
    "Sami", "Tiina", "Ville",
];
const LAST: &[&str] = &[
    "Esimerkki",
    "Malli",
    "Testinen",
    "Kuvitelma",
    "Demonen",
    "Harjoitus",
    "Koekäyttö",
];
const STREETS: &[&str] = &[
    "Eteläkatu",
    "Rantatie",
    "Koulukatu",
    "Puistokatu",
    "Myllytie",
];
const PRODUCTS: &[&str] = &[
    "Web shop",
    "Mobile app",
    "Hosting",
    "Support plan",
    "Integration",
];

/// The most subjects `generate` makes: ten times the largest register benchmarked.
pub const MAX_GENERATED: u64 = 10_000_000;

/// Fills `register` with `count` generated subjects, one request per 100 subjects.
pub fn fill(register: &mut Register, count: u64, seed: u64, ctx: &Context) -> Result<()> {
    if count > MAX_GENERATED {
        return Err(crate::error::Error::Usage(format!(
            "generate makes at most {MAX_GENERATED} subjects"
        )));
    }
    let count = usize::try_from(count).unwrap_or(usize::MAX);
    let mut rng = Rng(seed.max(1));
    let base = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap_or(NaiveDate::MIN);
    let out_of_memory =
        |_| crate::error::Error::Refused(format!("not enough memory for {count} subjects"));
    register
        .subjects
        .try_reserve(count)
        .map_err(out_of_memory)?;
    register
        .audit
        .try_reserve(count.saturating_mul(2))
        .map_err(out_of_memory)?;
    for n in 0..count {
        let first = rng.pick(FIRST);
        let last = rng.pick(LAST);
        let day = base + Duration::days((rng.next() % 600) as i64);
        let id = SubjectId(format!(
            "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
            rng.next() as u32,
            rng.next() as u16,
            rng.next() % 0x1000,
            rng.next() % 0x1000,
            rng.next() % 0x1_0000_0000_0000
        ));
        let product = rng.pick(PRODUCTS);
        let subject = Subject {
            id: id.clone(),
            name: format!("{first} {last}"),
            company: Some(format!("{last} {} Oy", n % 997)),
            email: Some(format!(
                "{}.{}.{n}@example.fi",
                first.to_lowercase(),
                n % 89
            )),
            phone: Some(format!("+35840{:07}", n % 10_000_000)),
            address: Some(format!(
                "{} {}, {:05} Hämeenlinna",
                rng.pick(STREETS),
                1 + rng.next() % 99,
                13_100 + rng.next() % 200
            )),
            role: if n % 3 == 0 {
                Role::Business
            } else {
                Role::Consumer
            },
            restriction: None,
            restrictions: Vec::new(),
            marketing_objection: None,
            objections: Vec::new(),
            ips: vec![IpSeen {
                address: std::net::IpAddr::V4(std::net::Ipv4Addr::new(
                    192,
                    0,
                    2,
                    (rng.next() % 254 + 1) as u8,
                )),
                seen: ctx.now,
            }],
            orders: vec![
                Order {
                    product: product.to_owned(),
                    ordered_on: day,
                    changes: vec![OrderChange {
                        on: day + Duration::days(30),
                        change: "upgraded to the pro plan".into(),
                    }],
                },
                Order {
                    product: rng.pick(PRODUCTS).to_owned(),
                    ordered_on: day + Duration::days(60),
                    changes: Vec::new(),
                },
            ],
            invoices: vec![
                Invoice {
                    number: format!("{}-{:07}", 2024, 2 * n),
                    date: day,
                    amount: Amount((rng.next() % 100_000) as i64),
                },
                Invoice {
                    number: format!("{}-{:07}", 2024, 2 * n + 1),
                    date: day + Duration::days(30),
                    amount: Amount((rng.next() % 100_000) as i64),
                },
            ],
            notes: vec![Note {
                at: ctx.now,
                author: ctx.actor.clone(),
                text: "Prefers email; annual review in spring.".into(),
            }],
            source: Source {
                channel: Channel::WebForm,
                date: day,
                note: Some(format!("form {n}")),
            },
            consents: vec![ConsentRecord {
                purpose: "marketing".into(),
                action: ConsentAction::Give,
                at: ctx.now,
                channel: Channel::WebForm,
                evidence: Some(format!("form {n}")),
                notice_version: Some(register.description.notice_version.clone()),
            }],
            disclosures: Vec::new(),
            corrections: Vec::new(),
            relationship_end: None,
            created: ctx.now,
            updated: ctx.now,
        };
        register.subjects.push(subject);
        audit::append(
            &mut register.audit,
            ctx,
            audit::Entry::new(AuditAction::Add).subject(&id).fields([
                "name", "company", "email", "phone", "address", "ips", "notes", "consents",
                "source",
            ]),
        );
        audit::append(
            &mut register.audit,
            ctx,
            audit::Entry::new(AuditAction::RecordInvoice)
                .subject(&id)
                .fields(["invoices"]),
        );
        if n % 100 == 99 {
            // Opened without a subject and linked afterwards: looking the subject up would
            // scan the register once per request.
            let request = requests::open_request(
                register,
                NewRequest {
                    kind: crate::core::model::RequestKind::Access,
                    subject: None,
                    received: ctx.today,
                    channel: Channel::Email,
                    requester: None,
                    identity_check: None,
                },
                ctx,
            )?;
            if let Some(stored) = register
                .requests
                .iter_mut()
                .rev()
                .find(|r| r.id == request.id)
            {
                stored.subject = Some(id.clone());
            }
        }
    }
    Ok(())
}
