//! Random sequences of rights operations on the pure core, checked against a small model
//! after every step: erased people never come back (nor any value they held), restricted
//! subjects leave through no export, objections keep people off every direct-marketing list
//! (whatever the purpose's id), consent and role decide the rest, and the audit chain always
//! verifies.

use std::collections::BTreeSet;

use chrono::{NaiveDate, TimeZone, Utc};
use proptest::prelude::*;

use rekisteri::core::change::{Applied, Change, apply};
use rekisteri::core::export::{Filter, select};
use rekisteri::core::format::{check, new_register};
use rekisteri::core::model::{
    Channel, ConsentAction, Encryption, Register, RestrictionGround, SubjectId,
};
use rekisteri::core::rights::correct::Set;
use rekisteri::core::subjects::{Batch, NewSubject, OneOrMany};
use rekisteri::core::{Context, SequentialIds, audit};
use rekisteri::error::Error;

/// How many people the operations pick from.
const PEOPLE: usize = 4;
const GREEK: [&str; PEOPLE] = ["Alfa", "Beta", "Gamma", "Delta"];

fn email(person: usize) -> String {
    format!("henkilo.{}@example.fi", GREEK[person].to_lowercase())
}

/// The phone as typed on input (with spaces) and as the register stores it.
fn phone_typed(person: usize) -> String {
    format!("+358 40 700 {person}{person}{person}{person}")
}

fn phone_stored(person: usize) -> String {
    format!("+35840700{person}{person}{person}{person}")
}

fn context() -> Context {
    Context {
        actor: "tester".into(),
        now: Utc.with_ymd_and_hms(2025, 3, 5, 12, 0, 0).unwrap(),
        today: NaiveDate::from_ymd_opt(2025, 3, 5).unwrap(),
    }
}

fn empty_register(ids: &mut SequentialIds) -> Register {
    let bytes = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/twebs.json"))
        .expect("examples/twebs.json");
    let description = rekisteri::cli::commands::parse_metadata("examples/twebs.json", &bytes)
        .expect("the example description parses");
    new_register(
        description,
        Encryption {
            recipients: vec![],
            passphrase: false,
        },
        &context(),
        ids,
    )
}

/// How an operation names its subject.
#[derive(Debug, Clone, Copy)]
enum Selector {
    /// The subject id, when the model knows one (else the email).
    Id,
    Email,
    /// The email in upper case.
    ShoutedEmail,
}

#[derive(Debug, Clone, Copy)]
enum Op {
    /// Add the person; `shout` writes the email in upper case and the phone without
    /// spaces, so a returning person is written differently from the first time.
    Add {
        person: usize,
        marketing: bool,
        shout: bool,
        business: bool,
    },
    Correct {
        person: usize,
        field: usize,
        value: u8,
        by: Selector,
    },
    Erase {
        person: usize,
        by: Selector,
    },
    Restrict {
        person: usize,
        by: Selector,
    },
    Lift {
        person: usize,
        by: Selector,
    },
    Object {
        person: usize,
        by: Selector,
    },
    Consent {
        person: usize,
        give: bool,
        /// The newsletter `uutiskirje` (legitimate interests, email) instead of `marketing`
        /// (consent).
        newsletter: bool,
        by: Selector,
    },
}

fn selector() -> impl Strategy<Value = Selector> {
    prop_oneof![
        Just(Selector::Id),
        Just(Selector::Email),
        Just(Selector::ShoutedEmail)
    ]
}

fn op() -> impl Strategy<Value = Op> {
    let person = 0..PEOPLE;
    prop_oneof![
        3 => (person.clone(), any::<bool>(), any::<bool>(), any::<bool>())
            .prop_map(|(person, marketing, shout, business)| Op::Add { person, marketing, shout, business }),
        1 => (person.clone(), 0..4usize, 0..6u8, selector())
            .prop_map(|(person, field, value, by)| Op::Correct { person, field, value, by }),
        1 => (person.clone(), selector()).prop_map(|(person, by)| Op::Erase { person, by }),
        1 => (person.clone(), selector()).prop_map(|(person, by)| Op::Restrict { person, by }),
        1 => (person.clone(), selector()).prop_map(|(person, by)| Op::Lift { person, by }),
        1 => (person.clone(), selector()).prop_map(|(person, by)| Op::Object { person, by }),
        2 => (person, any::<bool>(), any::<bool>(), selector())
            .prop_map(|(person, give, newsletter, by)| Op::Consent { person, give, newsletter, by }),
    ]
}

/// What the model knows of one person.
#[derive(Debug, Clone, Default)]
struct Person {
    id: Option<SubjectId>,
    present: bool,
    erased: bool,
    restricted: bool,
    objected: bool,
    marketing: bool,
    business: bool,
    /// The latest consent record for the newsletter: given, withdrawn, or none.
    newsletter: Option<bool>,
    /// Every value the person's record held (names, emails, phones, companies, addresses),
    /// each unique to them and containing a character no hash or id has.
    values: BTreeSet<String>,
}

struct Model {
    people: Vec<Person>,
}

impl Model {
    fn selector(&self, person: usize, by: Selector) -> String {
        match (by, &self.people[person].id) {
            (Selector::Id, Some(id)) => id.0.clone(),
            (Selector::ShoutedEmail, _) => email(person).to_uppercase(),
            _ => email(person),
        }
    }

    fn emails(&self, keep: impl Fn(&Person) -> bool) -> BTreeSet<String> {
        (0..PEOPLE)
            .filter(|&p| self.people[p].present && keep(&self.people[p]))
            .map(email)
            .collect()
    }
}

/// The value a correction sets: unique to the person, field and value.
fn corrected(person: usize, field: usize, value: u8) -> (&'static str, String) {
    let g = GREEK[person];
    match field {
        0 => ("name", format!("{g} Korjattu {value}")),
        1 => ("company", format!("{g} Yritys {value} Oy")),
        2 => ("address", format!("{g}katu {value}, 00100 Helsinki")),
        _ => ("phone", format!("+358 50 9{person}{value} 0000")),
    }
}

fn stored_phone(value: &str) -> String {
    value.replace(' ', "")
}

fn emails_of<'a>(
    subjects: impl IntoIterator<Item = &'a rekisteri::core::model::Subject>,
) -> BTreeSet<String> {
    subjects
        .into_iter()
        .map(|s| {
            s.email
                .clone()
                .expect("every generated subject has an email")
                .to_lowercase()
        })
        .collect()
}

/// Runs one operation on a copy of the register and on the model; keeps the copy only when
/// the operation succeeded, as the store does.
fn step(
    register: &mut Register,
    model: &mut Model,
    ids: &mut SequentialIds,
    op: Op,
) -> Result<(), TestCaseError> {
    let ctx = context();
    let mut copy = register.clone();
    let events_before = register.audit.len();
    let (change, expected_ok, person) = match op {
        Op::Add {
            person,
            marketing,
            shout,
            business,
        } => {
            let p = &model.people[person];
            let row = NewSubject {
                name: Some(format!("Henkilö {}", GREEK[person])),
                email: Some(if shout {
                    email(person).to_uppercase()
                } else {
                    email(person)
                }),
                phone: Some(if shout {
                    phone_stored(person)
                } else {
                    phone_typed(person)
                }),
                consent: if marketing {
                    OneOrMany::Many(vec!["marketing".into()])
                } else {
                    OneOrMany::None
                },
                role: business.then(|| "business".into()),
                ..NewSubject::default()
            };
            let change = Change::Add(Batch {
                rows: vec![(format!("{op:?}"), row)],
                readmit: false,
            });
            (change, !p.present && !p.erased, person)
        }
        Op::Correct {
            person,
            field,
            value,
            by,
        } => {
            let (field, value) = corrected(person, field, value);
            let change = Change::Correct {
                subject: model.selector(person, by),
                sets: vec![Set {
                    field: field.into(),
                    value,
                }],
                reason: "the subject asked".into(),
                request: None,
            };
            (change, model.people[person].present, person)
        }
        Op::Erase { person, by } => (
            Change::Erase {
                subject: model.selector(person, by),
                reason: "Art. 17(1)(a)".into(),
                request: None,
            },
            model.people[person].present,
            person,
        ),
        Op::Restrict { person, by } => (
            Change::Restrict {
                subject: model.selector(person, by),
                ground: RestrictionGround::Accuracy,
                request: None,
            },
            model.people[person].present && !model.people[person].restricted,
            person,
        ),
        Op::Lift { person, by } => (
            Change::LiftRestriction {
                subject: model.selector(person, by),
                notified_on: ctx.today,
                request: None,
            },
            model.people[person].present && model.people[person].restricted,
            person,
        ),
        Op::Object { person, by } => (
            Change::Object {
                subject: model.selector(person, by),
                purpose: None,
                request: None,
            },
            model.people[person].present,
            person,
        ),
        Op::Consent {
            person,
            give,
            newsletter,
            by,
        } => (
            Change::Consent {
                subject: model.selector(person, by),
                action: if give {
                    ConsentAction::Give
                } else {
                    ConsentAction::Withdraw
                },
                purpose: if newsletter {
                    "uutiskirje"
                } else {
                    "marketing"
                }
                .into(),
                on: ctx.today,
                channel: Channel::WebForm,
                evidence: Some("FORM-1".into()),
            },
            model.people[person].present,
            person,
        ),
    };
    let outcome = apply(&mut copy, change, &ctx, ids);
    prop_assert_eq!(
        outcome.is_ok(),
        expected_ok,
        "{:?} on {:?} gave {:?}",
        op,
        &model.people[person],
        outcome.as_ref().err()
    );
    let applied = match outcome {
        Ok(applied) => applied,
        Err(error) => {
            // The refusal names the reason the model expects.
            let p = &model.people[person];
            match op {
                Op::Add { .. } if p.erased => {
                    prop_assert!(matches!(error, Error::ErasedPerson { .. }), "{:?}", error)
                }
                Op::Add { .. } => {
                    prop_assert!(matches!(error, Error::DuplicateEmail { .. }), "{:?}", error)
                }
                _ if !p.present => {
                    prop_assert!(matches!(error, Error::NoSuchSubject(_)), "{:?}", error)
                }
                _ => prop_assert!(matches!(error, Error::Refused(_)), "{:?}", error),
            }
            return Ok(());
        }
    };
    *register = copy;
    let p = &mut model.people[person];
    match (op, applied) {
        (
            Op::Add {
                marketing,
                business,
                ..
            },
            Applied::Added(added),
        ) => {
            prop_assert_eq!(added.len(), 1);
            *p = Person {
                id: Some(added[0].clone()),
                present: true,
                marketing,
                business,
                ..Person::default()
            };
            p.values.insert(format!("Henkilö {}", GREEK[person]));
            p.values.insert(email(person));
            p.values.insert(phone_stored(person));
        }
        (Op::Correct { field, value, .. }, Applied::Corrected { tasks, .. }) => {
            prop_assert_eq!(tasks, 0, "nobody's data was disclosed");
            let (field, value) = corrected(person, field, value);
            p.values.insert(if field == "phone" {
                stored_phone(&value)
            } else {
                value
            });
        }
        (Op::Erase { .. }, Applied::Erased(receipt)) => {
            prop_assert_eq!(Some(&receipt.subject), p.id.as_ref());
            prop_assert!(receipt.retained.is_empty(), "nobody had invoices");
            p.present = false;
            p.erased = true;
        }
        (Op::Restrict { .. }, Applied::Restricted { .. }) => p.restricted = true,
        (Op::Lift { .. }, Applied::Lifted(_)) => p.restricted = false,
        (Op::Object { .. }, Applied::Objected { new, .. }) => {
            prop_assert_eq!(new, !p.objected);
            p.objected = true;
        }
        (
            Op::Consent {
                give, newsletter, ..
            },
            Applied::Consent(_),
        ) => {
            if newsletter {
                p.newsletter = Some(give);
            } else {
                p.marketing = give;
            }
        }
        (op, applied) => prop_assert!(false, "{:?} was applied as {:?}", op, applied),
    }
    let repeated_objection =
        matches!(op, Op::Object { .. }) && register.audit.len() == events_before;
    prop_assert!(
        register.audit.len() > events_before || repeated_objection,
        "{:?} left no audit event",
        op
    );
    Ok(())
}

/// What must hold after every step.
fn invariants(register: &Register, model: &Model) -> Result<(), TestCaseError> {
    prop_assert_eq!(audit::verify(&register.audit), Ok(()));
    prop_assert_eq!(check(register), Ok(()));

    // Erased people are gone, by email, by phone, by id and by every value they held.
    let document = serde_json::to_string(register).expect("the register serialises");
    for (index, person) in model.people.iter().enumerate().filter(|(_, p)| p.erased) {
        prop_assert!(
            !register.subjects.iter().any(|s| s
                .email
                .as_deref()
                .is_some_and(|e| e.eq_ignore_ascii_case(&email(index)))),
            "erased {} is back",
            email(index)
        );
        prop_assert!(
            !register
                .subjects
                .iter()
                .any(|s| s.phone.as_deref() == Some(phone_stored(index).as_str())),
            "erased {}'s phone is back",
            GREEK[index]
        );
        prop_assert!(
            !register
                .subjects
                .iter()
                .any(|s| Some(&s.id) == person.id.as_ref()),
            "erased subject id is back"
        );
        for value in &person.values {
            prop_assert!(
                !document.contains(value.as_str()),
                "erased value `{}` is in the register",
                value
            );
        }
    }

    let everyone = select(
        register,
        &Filter {
            include_restricted: true,
            purpose: None,
        },
    );
    prop_assert_eq!(emails_of(everyone), model.emails(|_| true));

    let exported = select(register, &Filter::default());
    prop_assert!(
        exported.iter().all(|s| s.restriction.is_none()),
        "a restricted subject is exported"
    );
    prop_assert_eq!(emails_of(exported), model.emails(|p| !p.restricted));

    let marketing = select(
        register,
        &Filter {
            include_restricted: false,
            purpose: Some("marketing".into()),
        },
    );
    prop_assert!(
        marketing
            .iter()
            .all(|s| s.restriction.is_none() && s.marketing_objection.is_none()),
        "a restricted or objecting subject is on the marketing list"
    );
    prop_assert_eq!(
        emails_of(marketing),
        model.emails(|p| !p.restricted && !p.objected && p.marketing)
    );
    // The newsletter is direct marketing by email on legitimate interests, under another id:
    // consumers need consent, business contacts are on it until they refuse, and nobody
    // restricted or objecting ever is.
    let newsletter = select(
        register,
        &Filter {
            include_restricted: false,
            purpose: Some("uutiskirje".into()),
        },
    );
    prop_assert!(
        newsletter
            .iter()
            .all(|s| s.restriction.is_none() && s.marketing_objection.is_none()),
        "a restricted or objecting subject is on the newsletter list"
    );
    prop_assert_eq!(
        emails_of(newsletter),
        model.emails(|p| !p.restricted
            && !p.objected
            && (p.newsletter == Some(true) || (p.business && p.newsletter.is_none())))
    );
    // Every direct-marketing purpose of the description, whatever its id.
    for purpose in register
        .description
        .purposes
        .iter()
        .filter(|p| p.direct_marketing.is_some())
    {
        let list = select(
            register,
            &Filter {
                include_restricted: true,
                purpose: Some(purpose.id.clone()),
            },
        );
        prop_assert!(
            list.iter()
                .all(|s| s.restriction.is_none() && s.marketing_objection.is_none()),
            "a restricted or objecting subject is on the list of `{}`",
            purpose.id
        );
    }
    // Asking for restricted subjects too does not put them on a marketing list.
    let marketing_all = select(
        register,
        &Filter {
            include_restricted: true,
            purpose: Some("marketing".into()),
        },
    );
    prop_assert!(marketing_all.iter().all(|s| s.restriction.is_none()));
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn rights_operations_keep_the_registers_promises(ops in prop::collection::vec(op(), 1..40)) {
        let mut ids = SequentialIds::default();
        let mut register = empty_register(&mut ids);
        let mut model = Model { people: vec![Person::default(); PEOPLE] };
        invariants(&register, &model)?;
        for op in ops {
            step(&mut register, &mut model, &mut ids, op)?;
            invariants(&register, &model)?;
        }
    }
}

/// The scenario the property is about, spelled out once: it fails loudly if the generator
/// ever stops reaching it.
#[test]
fn an_erased_person_added_again_differently_written_is_refused() {
    let mut ids = SequentialIds::default();
    let mut register = empty_register(&mut ids);
    let mut model = Model {
        people: vec![Person::default(); PEOPLE],
    };
    let script = [
        Op::Add {
            person: 0,
            marketing: true,
            shout: false,
            business: true,
        },
        Op::Object {
            person: 0,
            by: Selector::ShoutedEmail,
        },
        Op::Consent {
            person: 0,
            give: true,
            newsletter: true,
            by: Selector::Id,
        },
        Op::Restrict {
            person: 0,
            by: Selector::Email,
        },
        Op::Erase {
            person: 0,
            by: Selector::Id,
        },
        Op::Add {
            person: 0,
            marketing: true,
            shout: true,
            business: false,
        },
        Op::Add {
            person: 0,
            marketing: false,
            shout: false,
            business: false,
        },
    ];
    for op in script {
        step(&mut register, &mut model, &mut ids, op).expect("the step matches the model");
        invariants(&register, &model).expect("the invariants hold");
    }
    assert!(model.people[0].erased);
    assert!(register.subjects.is_empty());
    assert_eq!(register.erased.entries.len(), 1);
}
