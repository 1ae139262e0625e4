//! What a person reads in place of a code: a label in Finnish and in English for every enum
//! code and field name a document can show, and dates and times as people write them
//! (`10.3.2025`, `klo 14.30`, Europe/Helsinki). The glossary follows `shared/FINNISH.md`;
//! documents never print a code, only its label.

use chrono::{DateTime, NaiveDate, Utc};

use crate::core::access::Lang;
use crate::core::breach::BreachRisk;
use crate::core::model::{
    AuditAction, Basis, Channel, ConsentAction, MarketingChannel, RequestKind, RequestStatus,
    RestrictionGround, Role,
};

/// A code with a label in the reader's language.
pub trait Label: Copy {
    /// The code as the register stores it (serde's spelling).
    fn code(self) -> &'static str;
    fn label(self, lang: Lang) -> &'static str;
}

impl<L: Label> Label for &L {
    fn code(self) -> &'static str {
        (*self).code()
    }
    fn label(self, lang: Lang) -> &'static str {
        (*self).label(lang)
    }
}

/// Declares the labels of one enum: `Variant => "code", "fi", "en"`; also lists every
/// (code, fi, en) triple for the tests that look for codes in documents.
macro_rules! labels {
    ($ty:ty, $table:ident { $($variant:path => $code:literal, $fi:literal, $en:literal;)+ }) => {
        impl Label for $ty {
            fn code(self) -> &'static str {
                match self { $($variant => $code,)+ }
            }
            fn label(self, lang: Lang) -> &'static str {
                match (self, lang) {
                    $(($variant, Lang::Fi) => $fi, ($variant, Lang::En) => $en,)+
                }
            }
        }
        pub const $table: &[(&str, &str, &str)] = &[$(($code, $fi, $en),)+];
    };
}

labels!(Channel, CHANNELS {
    Channel::WebForm => "web-form", "verkkolomake", "web form";
    Channel::Email => "email", "sähköposti", "email";
    Channel::Phone => "phone", "puhelin", "telephone";
    Channel::SocialMedia => "social-media", "sosiaalinen media", "social media";
    Channel::Contract => "contract", "sopimus", "contract";
    Channel::Meeting => "meeting", "tapaaminen", "meeting";
    Channel::Letter => "letter", "kirje", "letter";
    Channel::InPerson => "in-person", "henkilökohtaisesti", "in person";
    Channel::Other => "other", "muu", "other";
});

labels!(RequestKind, REQUEST_KINDS {
    RequestKind::Access => "access", "pyyntö saada pääsy tietoihin", "request for access to data";
    RequestKind::Rectification => "rectification", "pyyntö oikaista tietoja", "request to rectify data";
    RequestKind::Erasure => "erasure", "pyyntö poistaa tiedot", "request to erase data";
    RequestKind::Restriction => "restriction", "pyyntö rajoittaa käsittelyä", "request to restrict processing";
    RequestKind::Portability => "portability", "pyyntö siirtää tiedot järjestelmästä toiseen", "request for data portability";
    RequestKind::Objection => "objection", "käsittelyn vastustaminen", "objection to processing";
});

labels!(RequestStatus, REQUEST_STATUSES {
    RequestStatus::Open => "open", "avoin", "open";
    RequestStatus::Extended => "extended", "määräaikaa jatkettu", "extended";
    RequestStatus::Closed => "closed", "käsitelty", "answered";
    RequestStatus::Refused => "refused", "hylätty", "refused";
});

labels!(RestrictionGround, RESTRICTION_GROUNDS {
    RestrictionGround::Accuracy => "accuracy", "tietojen paikkansapitävyys kiistetty", "the accuracy of the data is contested";
    RestrictionGround::Unlawful => "unlawful", "käsittely lainvastaista, mutta rekisteröity vastustaa tietojen poistamista", "the processing is unlawful but you oppose erasure";
    RestrictionGround::LegalClaims => "legal-claims", "rekisteröity tarvitsee tietoja oikeudellisen vaateen vuoksi", "you need the data for a legal claim";
    RestrictionGround::Objection => "objection", "vastustamista koskevaa asiaa selvitetään", "an objection is being weighed";
});

labels!(ConsentAction, CONSENT_ACTIONS {
    ConsentAction::Give => "give", "annettu", "given";
    ConsentAction::Withdraw => "withdraw", "peruutettu", "withdrawn";
});

labels!(Role, ROLES {
    Role::Consumer => "consumer", "yksityishenkilö", "private person";
    Role::Business => "business", "yrityksen yhteyshenkilö", "contact person at a company";
});

labels!(Basis, BASES {
    Basis::Consent => "consent", "suostumus", "consent";
    Basis::Contract => "contract", "sopimus", "contract";
    Basis::LegalObligation => "legal-obligation", "lakisääteinen velvoite", "legal obligation";
    Basis::VitalInterests => "vital-interests", "elintärkeät edut", "vital interests";
    Basis::PublicTask => "public-task", "yleistä etua koskeva tehtävä", "public task";
    Basis::LegitimateInterests => "legitimate-interests", "oikeutettu etu", "legitimate interests";
});

labels!(MarketingChannel, MARKETING_CHANNELS {
    MarketingChannel::Email => "email", "sähköposti", "email";
    MarketingChannel::Sms => "sms", "tekstiviesti", "text message";
    MarketingChannel::Phone => "phone", "puhelin", "telephone";
    MarketingChannel::Post => "post", "posti", "post";
});

labels!(BreachRisk, BREACH_RISKS {
    BreachRisk::None => "none", "ei todennäköistä riskiä", "no likely risk";
    BreachRisk::Risk => "risk", "riski", "a risk";
    BreachRisk::High => "high", "korkea riski", "a high risk";
});

labels!(AuditAction, AUDIT_ACTIONS {
    AuditAction::Init => "init", "rekisteri perustettu", "register created";
    AuditAction::Add => "add", "tiedot tallennettu", "data recorded";
    AuditAction::RecordOrder => "record-order", "tilaus kirjattu", "order recorded";
    AuditAction::RecordOrderChange => "record-order-change", "tilauksen muutos kirjattu", "change to an order recorded";
    AuditAction::RecordInvoice => "record-invoice", "lasku kirjattu", "invoice recorded";
    AuditAction::RecordIp => "record-ip", "IP-osoite kirjattu", "IP address recorded";
    AuditAction::RecordNote => "record-note", "muistiinpano kirjattu", "note recorded";
    AuditAction::RecordDisclosure => "record-disclosure", "tietoja luovutettu", "data disclosed";
    AuditAction::Correct => "correct", "tietoja oikaistu", "data rectified";
    AuditAction::Erase => "erase", "tiedot poistettu", "data erased";
    AuditAction::EraseReplay => "erase-replay", "poisto tehty uudelleen", "erasure repeated";
    AuditAction::PurgeRetained => "purge-retained", "säilytetyt kirjanpitoaineistot poistettu", "kept bookkeeping records deleted";
    AuditAction::Restrict => "restrict", "käsittelyä rajoitettu", "processing restricted";
    AuditAction::LiftRestriction => "lift-restriction", "käsittelyn rajoitus poistettu", "restriction lifted";
    AuditAction::Object => "object", "suoramarkkinointi kielletty", "objection to direct marketing";
    AuditAction::ObjectPurpose => "object-purpose", "käsittelyä vastustettu", "objection to processing";
    AuditAction::ObjectionOverride => "objection-override", "käsittelyä jatketaan vastustamisesta huolimatta", "processing continued despite the objection";
    AuditAction::ConsentGive => "consent-give", "suostumus annettu", "consent given";
    AuditAction::ConsentWithdraw => "consent-withdraw", "suostumus peruutettu", "consent withdrawn";
    AuditAction::RequestOpen => "request-open", "pyyntö vastaanotettu", "request received";
    AuditAction::RequestExtend => "request-extend", "määräaikaa jatkettu", "time limit extended";
    AuditAction::RequestClose => "request-close", "pyyntöön vastattu", "request answered";
    AuditAction::RequestRefuse => "request-refuse", "pyyntö hylätty", "request refused";
    AuditAction::RequestLink => "request-link", "pyyntö yhdistetty tietoihin", "request linked to the data";
    AuditAction::TaskDone => "task-done", "vastaanottajalle ilmoitettu", "recipient notified";
    AuditAction::Rekey => "rekey", "salaus uusittu", "encryption renewed";
    AuditAction::Describe => "describe", "tietosuojaseloste päivitetty", "privacy notice updated";
    AuditAction::RecordEnd => "record-end", "asiakassuhde päättynyt", "customer relationship ended";
    AuditAction::RetentionPurge => "retention-purge", "säilytysajan ylittäneet tiedot poistettu", "data past its retention period deleted";
    AuditAction::EraseRetention => "erase-retention", "tiedot poistettu säilytysajan päätyttyä", "data erased at the end of its retention period";
    AuditAction::BreachOpen => "breach-open", "tietoturvaloukkaus kirjattu", "breach recorded";
    AuditAction::BreachNotifyAuthority => "breach-notify-authority", "tietoturvaloukkauksesta ilmoitettu valvontaviranomaiselle", "supervisory authority notified of a breach";
    AuditAction::BreachNotifySubjects => "breach-notify-subjects", "tietoturvaloukkauksesta ilmoitettu rekisteröidyille", "data subjects told of a breach";
    AuditAction::BreachClose => "breach-close", "tietoturvaloukkaus käsitelty", "breach closed";
});

/// The fields of a subject, and the other names the trail records, with their labels.
pub const FIELDS: &[(&str, &str, &str)] = &[
    ("name", "nimi", "name"),
    ("company", "yrityksen nimi", "company"),
    ("business_id", "Y-tunnus", "business ID"),
    ("email", "sähköpostiosoite", "email address"),
    ("phone", "puhelinnumero", "telephone number"),
    ("address", "osoite", "address"),
    ("role", "asiakkuuden laji", "customer type"),
    ("ips", "IP-osoitteet", "IP addresses"),
    ("orders", "tilaukset", "orders"),
    ("invoices", "laskut", "invoices"),
    ("notes", "muistiinpanot", "notes"),
    ("source", "tietojen lähde", "source of the data"),
    ("consents", "suostumukset", "consents"),
    ("disclosures", "luovutukset", "disclosures"),
    ("corrections", "oikaisut", "corrections"),
    (
        "restriction",
        "käsittelyn rajoitus",
        "restriction of processing",
    ),
    (
        "restrictions",
        "käsittelyn rajoitukset",
        "restrictions of processing",
    ),
    (
        "marketing_objection",
        "suoramarkkinointikielto",
        "objection to direct marketing",
    ),
    ("objections", "vastustukset", "objections"),
    (
        "relationship_end",
        "asiakassuhteen päättyminen",
        "end of the customer relationship",
    ),
    ("requests", "pyynnöt", "requests"),
    (
        "tasks",
        "ilmoitukset vastaanottajille",
        "notices to recipients",
    ),
];

/// A field name in the reader's language; a name the glossary lacks is written with
/// spaces for underscores, never as a code.
pub fn field(name: &str, lang: Lang) -> String {
    FIELDS
        .iter()
        .find(|(code, _, _)| *code == name)
        .map_or_else(
            || name.replace('_', " "),
            |(_, fi, en)| match lang {
                Lang::Fi => (*fi).to_owned(),
                Lang::En => (*en).to_owned(),
            },
        )
}

/// A list of field names in the reader's language: "nimi, osoite".
pub fn fields(names: &[String], lang: Lang) -> String {
    names
        .iter()
        .map(|n| field(n, lang))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Every table of codes and labels, for the tests that look for codes in documents.
pub const ALL: &[&[(&str, &str, &str)]] = &[
    CHANNELS,
    REQUEST_KINDS,
    REQUEST_STATUSES,
    RESTRICTION_GROUNDS,
    CONSENT_ACTIONS,
    ROLES,
    BASES,
    MARKETING_CHANNELS,
    BREACH_RISKS,
    AUDIT_ACTIONS,
    FIELDS,
];

/// A date as people write it: `10.3.2025` in Finnish, `10 March 2025` in English.
pub fn date(date: NaiveDate, lang: Lang) -> String {
    match lang {
        Lang::Fi => date.format("%-d.%-m.%Y").to_string(),
        Lang::En => date.format("%-d %B %Y").to_string(),
    }
}

/// A moment in Europe/Helsinki time: `10.3.2025 klo 14.30`, `10 March 2025 at 14:30`.
pub fn time(at: DateTime<Utc>, lang: Lang) -> String {
    let local = at.with_timezone(&chrono_tz::Europe::Helsinki);
    match lang {
        Lang::Fi => format!(
            "{} klo {}",
            date(local.date_naive(), lang),
            local.format("%-H.%M")
        ),
        Lang::En => format!(
            "{} at {}",
            date(local.date_naive(), lang),
            local.format("%H:%M")
        ),
    }
}

/// The day of a moment in Europe/Helsinki, as people write it.
pub fn day(at: DateTime<Utc>, lang: Lang) -> String {
    date(
        at.with_timezone(&chrono_tz::Europe::Helsinki).date_naive(),
        lang,
    )
}

/// An amount in cents as people write euros: `1 234,50 €` / `€1,234.50`.
pub fn euros(cents: i64, lang: Lang) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let cents = cents.unsigned_abs();
    let whole = (cents / 100).to_string();
    let fraction = cents % 100;
    let mut grouped = String::new();
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(match lang {
                Lang::Fi => '\u{a0}',
                Lang::En => ',',
            });
        }
        grouped.push(digit);
    }
    match lang {
        Lang::Fi => format!("{sign}{grouped},{fraction:02}\u{a0}€"),
        Lang::En => format!("{sign}€{grouped}.{fraction:02}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn serde_code<T: serde::Serialize>(value: T) -> String {
        serde_json::to_value(value)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    }

    #[test]
    fn codes_are_the_ones_the_register_stores() {
        for c in Channel::ALL {
            assert_eq!(c.code(), serde_code(c));
        }
        for b in Basis::ALL {
            assert_eq!(b.code(), serde_code(b));
        }
        for a in [AuditAction::RecordOrder, AuditAction::BreachNotifyAuthority] {
            assert_eq!(a.code(), serde_code(a));
        }
        assert_eq!(RestrictionGround::LegalClaims.code(), "legal-claims");
        assert_eq!(serde_code(RestrictionGround::LegalClaims), "legal-claims");
    }

    #[test]
    fn dates_and_times_are_written_as_people_write_them() {
        let day = NaiveDate::from_ymd_opt(2025, 3, 10).unwrap_or_default();
        assert_eq!(date(day, Lang::Fi), "10.3.2025");
        assert_eq!(date(day, Lang::En), "10 March 2025");
        // 12:30 UTC is 14:30 in Helsinki in winter, 15:30 in summer.
        let winter = day.and_hms_opt(12, 30, 0).unwrap_or_default().and_utc();
        assert_eq!(time(winter, Lang::Fi), "10.3.2025 klo 14.30");
        assert_eq!(time(winter, Lang::En), "10 March 2025 at 14:30");
        let summer = NaiveDate::from_ymd_opt(2025, 7, 1)
            .unwrap_or_default()
            .and_hms_opt(6, 5, 0)
            .unwrap_or_default()
            .and_utc();
        assert_eq!(time(summer, Lang::Fi), "1.7.2025 klo 9.05");
    }

    #[test]
    fn euros_are_grouped_for_the_reader() {
        assert_eq!(euros(123_450, Lang::Fi), "1\u{a0}234,50\u{a0}€");
        assert_eq!(euros(123_450, Lang::En), "€1,234.50");
        assert_eq!(euros(5, Lang::Fi), "0,05\u{a0}€");
    }

    #[test]
    fn every_field_has_a_label_in_both_languages() {
        for table in ALL {
            for (code, fi, en) in *table {
                assert!(!fi.is_empty() && !en.is_empty(), "{code}");
            }
        }
        assert_eq!(field("business_id", Lang::Fi), "Y-tunnus");
        assert_eq!(field("unknown_thing", Lang::En), "unknown thing");
    }
}
