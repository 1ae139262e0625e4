//! Storage limitation as rules (Art. 5(1)(e), LEGAL §12): each data category's retention is
//! a period of ISO 8601 counted from an event, plus the text the notice shows.
//!
//! A `Retention` in the description is one of:
//! - a rule: `{"period": "P12M", "from": "collected"}` (each item's own date),
//!   `{"period": "P2Y", "from": "relationship-end"}`, `{"period": "P6Y", "from": "end-of-year"}`;
//! - "as long as the relationship lasts": `{"period": null, "from": "relationship-end"}`
//!   (`period` may also be left out);
//! - no rule, text only: `{"text": {...}}` (no `from`): nothing is purged by it.
//!
//! `text` is optional with a rule: the notice then says the rule in words.
//!
//! **Due dates.** An item's due date is the first day it may no longer be kept: its anchor
//! (the item's date, the end of the relationship, or 1 January after the year of the item's
//! date) plus the period. Months are added as the calendar does, clamped to the last day of a
//! shorter month (chrono's `checked_add_months`): 2024-02-29 + P12M = 2025-02-28 and
//! 2024-01-31 + P1M = 2024-02-29. The item is kept up to the day before, and
//! `retention apply` purges it on or after its due date.

use chrono::{Datelike, Days, Months, NaiveDate};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::core::model::Text;

/// A period of ISO 8601 in years, months, weeks and days: `P12M`, `P2Y`, `P6Y`, `P1Y6M`,
/// `P30D`. No time part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Period {
    pub years: u32,
    pub months: u32,
    pub weeks: u32,
    pub days: u32,
}

/// The longest period a component may state, so that date arithmetic stays in range.
const MAX_COMPONENT: u32 = 10_000;

impl Period {
    /// Parses `P…Y…M…W…D` (at least one component, in that order).
    pub fn parse(text: &str) -> Result<Period, String> {
        let invalid = || {
            "a retention period is ISO 8601 such as P12M, P2Y, P1Y6M or P30D (years, months, weeks, days)"
                .to_owned()
        };
        let rest = text.strip_prefix('P').ok_or_else(invalid)?;
        let mut period = Period {
            years: 0,
            months: 0,
            weeks: 0,
            days: 0,
        };
        let mut number = String::new();
        let mut order = 0;
        let mut any = false;
        for c in rest.chars() {
            if c.is_ascii_digit() {
                number.push(c);
                continue;
            }
            let place = match c {
                'Y' => 1,
                'M' => 2,
                'W' => 3,
                'D' => 4,
                _ => return Err(invalid()),
            };
            let value: u32 = number.parse().map_err(|_| invalid())?;
            if place <= order || value > MAX_COMPONENT {
                return Err(invalid());
            }
            match place {
                1 => period.years = value,
                2 => period.months = value,
                3 => period.weeks = value,
                _ => period.days = value,
            }
            order = place;
            any = true;
            number.clear();
        }
        if !any || !number.is_empty() {
            return Err(invalid());
        }
        Ok(period)
    }

    /// `date` plus the period; months clamp to the end of a shorter month. `None` past the
    /// calendar's end.
    pub fn after(&self, date: NaiveDate) -> Option<NaiveDate> {
        date.checked_add_months(Months::new(self.years * 12 + self.months))?
            .checked_add_days(Days::new(u64::from(self.weeks) * 7 + u64::from(self.days)))
    }

    /// The period in words, e.g. `2 years` / `2 vuotta`, `1 year and 6 months`.
    pub fn words(&self, finnish: bool) -> String {
        let parts: Vec<String> = [
            (self.years, "year", "years", "vuosi", "vuotta"),
            (self.months, "month", "months", "kuukausi", "kuukautta"),
            (self.weeks, "week", "weeks", "viikko", "viikkoa"),
            (self.days, "day", "days", "päivä", "päivää"),
        ]
        .into_iter()
        .filter(|(n, ..)| *n > 0)
        .map(|(n, en1, en, fi1, fi)| {
            let unit = match (finnish, n == 1) {
                (true, true) => fi1,
                (true, false) => fi,
                (false, true) => en1,
                (false, false) => en,
            };
            format!("{n} {unit}")
        })
        .collect();
        let and = if finnish { " ja " } else { " and " };
        match parts.split_last() {
            None => if finnish { "0 päivää" } else { "0 days" }.to_owned(),
            Some((last, [])) => last.clone(),
            Some((last, rest)) => format!("{}{and}{last}", rest.join(", ")),
        }
    }
}

impl std::fmt::Display for Period {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("P")?;
        let mut any = false;
        for (n, unit) in [
            (self.years, 'Y'),
            (self.months, 'M'),
            (self.weeks, 'W'),
            (self.days, 'D'),
        ] {
            if n > 0 {
                write!(f, "{n}{unit}")?;
                any = true;
            }
        }
        if !any {
            f.write_str("0D")?;
        }
        Ok(())
    }
}

impl TryFrom<String> for Period {
    type Error = String;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        Period::parse(&text)
    }
}

impl From<Period> for String {
    fn from(period: Period) -> String {
        period.to_string()
    }
}

impl JsonSchema for Period {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Period".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^P(?=[0-9])([0-9]+Y)?([0-9]+M)?([0-9]+W)?([0-9]+D)?$",
            "description": "An ISO 8601 period in years, months, weeks and days, e.g. P12M, P2Y, P1Y6M."
        })
    }
}

/// The event a retention period is counted from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RetentionFrom {
    /// Each item's own date: when an IP address was seen, a note written, an order placed
    /// or last changed, an invoice dated, a consent recorded; for single fields (email,
    /// phone, …) the date the subject's data was obtained (`source.date`); for an erasure
    /// guard entry, the day of the erasure.
    Collected,
    /// The day the customer relationship ended (`record SUBJECT end`). Nothing is due while
    /// the relationship lasts.
    RelationshipEnd,
    /// The end of the calendar year of the item's date (bookkeeping, KPL 2:10): the period
    /// runs from 1 January of the next year.
    EndOfYear,
}

impl RetentionFrom {
    pub fn as_str(self) -> &'static str {
        match self {
            RetentionFrom::Collected => "collected",
            RetentionFrom::RelationshipEnd => "relationship-end",
            RetentionFrom::EndOfYear => "end-of-year",
        }
    }
}

/// How long a category is kept: a rule, its text, or both (see the module comment).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Retention {
    /// The period, ISO 8601. `null` or absent together with `"from": "relationship-end"`
    /// means "as long as the relationship lasts".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<Period>,
    /// What the period is counted from. Absent: no rule, only the text (nothing is purged).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<RetentionFrom>,
    /// The text the notice shows; said from the rule when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<Text>,
}

/// A rule the register applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// `None`: as long as the relationship lasts (only with `RelationshipEnd`).
    pub period: Option<Period>,
    pub from: RetentionFrom,
}

impl Rule {
    /// The first day an item may no longer be kept. `date` is the item's own date and
    /// `relationship_end` the subject's; `None` when nothing is due yet (the relationship
    /// lasts) or the date is past the calendar's end.
    pub fn due(&self, date: NaiveDate, relationship_end: Option<NaiveDate>) -> Option<NaiveDate> {
        let anchor = match self.from {
            RetentionFrom::Collected => date,
            RetentionFrom::RelationshipEnd => relationship_end?,
            RetentionFrom::EndOfYear => NaiveDate::from_ymd_opt(date.year().checked_add(1)?, 1, 1)?,
        };
        match self.period {
            Some(period) => period.after(anchor),
            None => Some(anchor),
        }
    }
}

impl Retention {
    /// A rule without a text of its own.
    pub fn rule_only(period: Option<Period>, from: RetentionFrom) -> Retention {
        Retention {
            period,
            from: Some(from),
            text: None,
        }
    }

    /// The rule, when there is one.
    pub fn rule(&self) -> Option<Rule> {
        Some(Rule {
            period: self.period,
            from: self.from?,
        })
    }

    /// The text the notice shows: the given one, or the rule said in words.
    pub fn text(&self) -> Text {
        if let Some(text) = &self.text {
            return text.clone();
        }
        match self.rule() {
            Some(rule) => rule_text(&rule),
            None => Text {
                fi: "Säilytysaikaa ei ole ilmoitettu.".into(),
                en: "The retention period is not stated.".into(),
            },
        }
    }
}

/// A rule in words, in Finnish and English.
pub fn rule_text(rule: &Rule) -> Text {
    let (fi_period, en_period) = match rule.period {
        Some(p) => (p.words(true), p.words(false)),
        None => (String::new(), String::new()),
    };
    match (rule.from, rule.period) {
        (RetentionFrom::RelationshipEnd, None) => Text {
            fi: "Asiakassuhteen ajan.".into(),
            en: "While the customer relationship lasts.".into(),
        },
        (RetentionFrom::RelationshipEnd, Some(_)) => Text {
            fi: format!("Asiakassuhteen ajan ja {fi_period} asiakassuhteen päättymisen jälkeen."),
            en: format!("While the customer relationship lasts and {en_period} after it ends."),
        },
        (RetentionFrom::Collected, _) => Text {
            fi: format!("{} tiedon tallentamisesta.", capitalise(&fi_period)),
            en: format!(
                "{} from when the data was recorded.",
                capitalise(&en_period)
            ),
        },
        (RetentionFrom::EndOfYear, _) => Text {
            fi: format!(
                "{} sen kalenterivuoden lopusta, jolle tieto on päivätty.",
                capitalise(&fi_period)
            ),
            en: format!(
                "{} from the end of the calendar year of the data's date.",
                capitalise(&en_period)
            ),
        },
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Checks one retention of a description. `at` names it in messages; `guard` is true for
/// the erasure guard's own retention, which counts only from the erasure. Returns a warning
/// when there is no rule.
pub fn check_retention(at: &str, r: &Retention, guard: bool) -> Result<Option<String>, String> {
    match (r.from, r.period) {
        (None, Some(_)) => Err(format!(
            "{at}.from: a retention period needs the event it is counted from (collected, relationship-end or end-of-year)"
        )),
        (None, None) if r.text.is_none() => Err(format!(
            "{at}: give a rule (`period` and `from`) or at least a `text`"
        )),
        (None, None) => Ok(Some(format!(
            "{at}: the retention is text only, with no rule: nothing is purged by it (add `period` and `from`)"
        ))),
        (Some(from), period) => {
            if guard && from != RetentionFrom::Collected {
                return Err(format!(
                    "{at}.from: the erasure guard's retention counts from the erasure: use `collected`"
                ));
            }
            if period.is_none() && from != RetentionFrom::RelationshipEnd {
                return Err(format!(
                    "{at}.period: counted from `{}`, the retention needs a period such as P12M",
                    from.as_str()
                ));
            }
            Ok(None)
        }
    }
}

/// The format-2 part of this module's model, for a document written before it: a category's
/// free-text retention (`{"fi": …, "en": …}`) becomes `{"text": …}`, a retention with no
/// rule, and a note says so. Called at the end of `upgrade::format_1_to_2`.
pub fn upgrade_retention_v2(document: &mut Value, notes: &mut Vec<String>) -> Result<(), String> {
    let root = document
        .as_object_mut()
        .ok_or("the document is not a JSON object")?;
    if let Some(description) = root.get_mut("description") {
        description_retention(description, notes)?;
    }
    if let Some(notices) = root.get_mut("notices").and_then(Value::as_array_mut) {
        // Earlier notices keep their texts; their notes would only repeat the current one's.
        let mut quiet = Vec::new();
        for notice in notices {
            if let Some(description) = notice.get_mut("description") {
                description_retention(description, &mut quiet)?;
            }
        }
    }
    root.entry("breaches").or_insert_with(|| json!([]));
    Ok(())
}

/// Turns the free-text retentions of one description into text-only retentions, with a note
/// for each. A retention already of the new shape is left as it is. Also used for
/// `--metadata` files written before retention rules.
pub fn description_retention(
    description: &mut Value,
    notes: &mut Vec<String>,
) -> Result<(), String> {
    let Some(categories) = description
        .get_mut("data_categories")
        .and_then(Value::as_array_mut)
    else {
        return Ok(());
    };
    for category in categories {
        let category = category
            .as_object_mut()
            .ok_or("a data category is not an object")?;
        let id = category
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let Some(retention) = category.get_mut("retention") else {
            continue;
        };
        let free_text = retention.as_object().is_some_and(|r| {
            r.contains_key("fi")
                && r.contains_key("en")
                && !r.contains_key("text")
                && !r.contains_key("from")
        });
        if free_text {
            let text = retention.take();
            *retention = json!({ "text": text });
            notes.push(format!(
                "data category `{id}`: its retention was free text; it is kept as the text the notice shows, with no rule, so nothing of it is purged until a rule (`period`, `from`) is added (`rekisteri describe`)"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn periods_parse_print_and_refuse() {
        for text in ["P12M", "P2Y", "P6Y", "P1Y6M", "P30D", "P2W", "P0D"] {
            assert_eq!(Period::parse(text).unwrap().to_string(), text);
        }
        for bad in [
            "", "P", "12M", "PT1H", "P1M2Y", "P1.5Y", "P-1M", "P1", "P99999Y",
        ] {
            assert!(Period::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            Period::parse("P1Y6M").unwrap().words(false),
            "1 year and 6 months"
        );
        assert_eq!(Period::parse("P2Y").unwrap().words(true), "2 vuotta");
    }

    #[test]
    fn months_clamp_to_the_end_of_a_shorter_month() {
        let p12m = Period::parse("P12M").unwrap();
        assert_eq!(p12m.after(d(2024, 2, 29)), Some(d(2025, 2, 28)));
        assert_eq!(
            Period::parse("P1M").unwrap().after(d(2024, 1, 31)),
            Some(d(2024, 2, 29))
        );
        assert_eq!(
            Period::parse("P4Y").unwrap().after(d(2024, 2, 29)),
            Some(d(2028, 2, 29))
        );
        assert_eq!(
            Period::parse("P1Y1D").unwrap().after(d(2024, 2, 29)),
            Some(d(2025, 3, 1))
        );
    }

    #[test]
    fn each_rule_kind_has_its_due_date() {
        let rule = |period: Option<&str>, from| Rule {
            period: period.map(|p| Period::parse(p).unwrap()),
            from,
        };
        let collected = rule(Some("P12M"), RetentionFrom::Collected);
        assert_eq!(collected.due(d(2024, 2, 29), None), Some(d(2025, 2, 28)));
        let end = rule(Some("P2Y"), RetentionFrom::RelationshipEnd);
        assert_eq!(end.due(d(2020, 1, 1), None), None, "the relationship lasts");
        assert_eq!(
            end.due(d(2020, 1, 1), Some(d(2024, 2, 29))),
            Some(d(2026, 2, 28))
        );
        let lasts = rule(None, RetentionFrom::RelationshipEnd);
        assert_eq!(
            lasts.due(d(2020, 1, 1), Some(d(2025, 6, 30))),
            Some(d(2025, 6, 30))
        );
        let bookkeeping = rule(Some("P6Y"), RetentionFrom::EndOfYear);
        assert_eq!(bookkeeping.due(d(2025, 3, 1), None), Some(d(2032, 1, 1)));
        assert_eq!(bookkeeping.due(d(2025, 12, 31), None), Some(d(2032, 1, 1)));
        // The same date as the bookkeeping rule of `erase`: kept through its retain-until.
        assert_eq!(
            bookkeeping.due(d(2025, 3, 1), None),
            crate::core::rights::erase::retain_until(d(2025, 3, 1)).succ_opt()
        );
    }

    #[test]
    fn texts_are_said_from_the_rule_when_absent() {
        let r = Retention::rule_only(Period::parse("P12M").ok(), RetentionFrom::Collected);
        assert_eq!(r.text().en, "12 months from when the data was recorded.");
        assert_eq!(r.text().fi, "12 kuukautta tiedon tallentamisesta.");
        let r = Retention::rule_only(None, RetentionFrom::RelationshipEnd);
        assert_eq!(r.text().en, "While the customer relationship lasts.");
    }

    #[test]
    fn no_rule_differs_from_as_long_as_the_relationship_lasts() {
        let text = Text {
            fi: "x".into(),
            en: "x".into(),
        };
        let no_rule: Retention = serde_json::from_value(json!({"text": text})).unwrap();
        assert_eq!(no_rule.rule(), None);
        let lasts: Retention =
            serde_json::from_value(json!({"period": null, "from": "relationship-end"})).unwrap();
        assert_eq!(
            lasts.rule(),
            Some(Rule {
                period: None,
                from: RetentionFrom::RelationshipEnd
            })
        );
        assert!(check_retention("r", &no_rule, false).unwrap().is_some());
        assert_eq!(check_retention("r", &lasts, false), Ok(None));
        let dangling: Retention = serde_json::from_value(json!({"period": "P1Y"})).unwrap();
        assert!(check_retention("r", &dangling, false).is_err());
        let no_period: Retention = serde_json::from_value(json!({"from": "collected"})).unwrap();
        assert!(check_retention("r", &no_period, false).is_err());
        assert!(check_retention("r", &lasts, true).is_err());
    }

    #[test]
    fn free_text_retention_upgrades_to_text_with_a_note() {
        let mut document = json!({
            "description": {"data_categories": [
                {"id": "network", "retention": {"fi": "12 kk", "en": "12 months"}},
                {"id": "billing", "retention": {"period": "P6Y", "from": "end-of-year"}}
            ]},
            "notices": []
        });
        let mut notes = Vec::new();
        upgrade_retention_v2(&mut document, &mut notes).unwrap();
        let categories = &document["description"]["data_categories"];
        assert_eq!(
            categories[0]["retention"],
            json!({"text": {"fi": "12 kk", "en": "12 months"}})
        );
        assert_eq!(categories[1]["retention"]["period"], "P6Y");
        assert_eq!(notes.len(), 1);
        assert!(notes[0].contains("`network`"));
        assert_eq!(document["breaches"], json!([]));
    }
}
