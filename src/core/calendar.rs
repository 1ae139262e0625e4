//! Deadline calendar for data-subject requests.
//!
//! GDPR Art. 12(3) gives the controller one month from receipt of a
//! request to answer it (extendable by two further months, Art. 12(3)),
//! and Art. 12(4) gives the same month for telling the subject why a
//! request is refused. The GDPR does not say how a "month" is counted;
//! Regulation (EEC, Euratom) No 1182/71 does, and it is what applies to
//! periods in EU acts:
//!
//! * the day of receipt is not counted (Art. 3(1));
//! * a period in months ends on the day of the later month that has the
//!   same number as the day of receipt, or on that month's last day when
//!   it has no such day (Art. 3(2)(c));
//! * a period that would end on a Saturday, Sunday or public holiday ends
//!   on the next working day instead (Art. 3(4)).
//!
//! Public holidays are those of Finland, where the register is kept.
//! They are all computed (Easter by the Gregorian computus), so there is
//! no table of years to keep up to date.
//!
//! This module exists so that every deadline the program shows or
//! checks is computed in one place, by these rules, and can be tested on
//! its own. It is pure: no I/O and no clock; the caller passes the dates.
//!
//! Nothing here panics. Dates near the end of chrono's range (around the
//! year 262 000) cannot always be moved forward; there the functions
//! saturate at [`NaiveDate::MAX`] / [`NaiveDate::MIN`] as documented on
//! each one. No real request ever gets near that.

use chrono::{Datelike, Months, NaiveDate, Weekday};

/// A Finnish public holiday on which a deadline cannot end.
///
/// Saturdays and Sundays are non-working days too, but they are not
/// holidays in this sense; see [`is_working_day`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Holiday {
    /// 1 January.
    NewYearsDay,
    /// 6 January.
    Epiphany,
    /// Easter Sunday - 2 days.
    GoodFriday,
    /// Western (Gregorian) Easter Sunday.
    EasterSunday,
    /// Easter Sunday + 1 day.
    EasterMonday,
    /// 1 May.
    MayDay,
    /// Easter Sunday + 39 days (a Thursday).
    AscensionDay,
    /// Easter Sunday + 49 days (a Sunday).
    Pentecost,
    /// The Friday between 19 and 25 June.
    MidsummerEve,
    /// The Saturday between 20 and 26 June.
    MidsummerDay,
    /// The Saturday between 31 October and 6 November.
    AllSaintsDay,
    /// 6 December.
    IndependenceDay,
    /// 24 December.
    ChristmasEve,
    /// 25 December.
    ChristmasDay,
    /// 26 December.
    StStephensDay,
}

impl Holiday {
    /// Every holiday, in calendar order.
    pub const ALL: [Holiday; 15] = [
        Holiday::NewYearsDay,
        Holiday::Epiphany,
        Holiday::GoodFriday,
        Holiday::EasterSunday,
        Holiday::EasterMonday,
        Holiday::MayDay,
        Holiday::AscensionDay,
        Holiday::Pentecost,
        Holiday::MidsummerEve,
        Holiday::MidsummerDay,
        Holiday::AllSaintsDay,
        Holiday::IndependenceDay,
        Holiday::ChristmasEve,
        Holiday::ChristmasDay,
        Holiday::StStephensDay,
    ];

    /// English name.
    #[must_use]
    pub fn name_en(&self) -> &'static str {
        match self {
            Holiday::NewYearsDay => "New Year's Day",
            Holiday::Epiphany => "Epiphany",
            Holiday::GoodFriday => "Good Friday",
            Holiday::EasterSunday => "Easter Sunday",
            Holiday::EasterMonday => "Easter Monday",
            Holiday::MayDay => "May Day",
            Holiday::AscensionDay => "Ascension Day",
            Holiday::Pentecost => "Pentecost",
            Holiday::MidsummerEve => "Midsummer Eve",
            Holiday::MidsummerDay => "Midsummer Day",
            Holiday::AllSaintsDay => "All Saints' Day",
            Holiday::IndependenceDay => "Independence Day",
            Holiday::ChristmasEve => "Christmas Eve",
            Holiday::ChristmasDay => "Christmas Day",
            Holiday::StStephensDay => "St Stephen's Day",
        }
    }

    /// Finnish name.
    #[must_use]
    pub fn name_fi(&self) -> &'static str {
        match self {
            Holiday::NewYearsDay => "Uudenvuodenpäivä",
            Holiday::Epiphany => "Loppiainen",
            Holiday::GoodFriday => "Pitkäperjantai",
            Holiday::EasterSunday => "Pääsiäispäivä",
            Holiday::EasterMonday => "2. pääsiäispäivä",
            Holiday::MayDay => "Vappu",
            Holiday::AscensionDay => "Helatorstai",
            Holiday::Pentecost => "Helluntaipäivä",
            Holiday::MidsummerEve => "Juhannusaatto",
            Holiday::MidsummerDay => "Juhannuspäivä",
            Holiday::AllSaintsDay => "Pyhäinpäivä",
            Holiday::IndependenceDay => "Itsenäisyyspäivä",
            Holiday::ChristmasEve => "Jouluaatto",
            Holiday::ChristmasDay => "Joulupäivä",
            Holiday::StStephensDay => "Tapaninpäivä",
        }
    }
}

/// Western (Gregorian) Easter Sunday of `year`.
///
/// Anonymous Gregorian algorithm (Meeus/Jones/Butcher), in `i64` with
/// floor division so that it cannot overflow for any `i32` year.
///
/// Fallback: for a year outside chrono's range there is no such
/// `NaiveDate`; the result saturates to [`NaiveDate::MAX`] (year too
/// large) or [`NaiveDate::MIN`] (year too small).
#[must_use]
pub fn easter_sunday(year: i32) -> NaiveDate {
    let y = i64::from(year);
    let a = y.rem_euclid(19);
    let b = y.div_euclid(100);
    let c = y.rem_euclid(100);
    let d = b.div_euclid(4);
    let e = b.rem_euclid(4);
    let f = (b + 8).div_euclid(25);
    let g = (b - f + 1).div_euclid(3);
    let h = (19 * a + b - d - g + 15).rem_euclid(30);
    let i = c.div_euclid(4);
    let k = c.rem_euclid(4);
    let l = (32 + 2 * e + 2 * i - h - k).rem_euclid(7);
    let m = (a + 11 * h + 22 * l).div_euclid(451);
    let n = h + l - 7 * m + 114;
    // n / 31 is 3 or 4 and n % 31 + 1 is 1..=31, so the casts cannot fail;
    // the fallbacks below only keep the function total.
    let month = u32::try_from(n.div_euclid(31)).unwrap_or(4);
    let day = u32::try_from(n.rem_euclid(31) + 1).unwrap_or(1);
    NaiveDate::from_ymd_opt(year, month, day).unwrap_or(if year > 0 {
        NaiveDate::MAX
    } else {
        NaiveDate::MIN
    })
}

/// The Finnish holiday that falls on `date`, if any (weekends are not holidays in this sense).
///
/// In the rare years when Ascension Day falls on 1 May (Easter on
/// 23 March, e.g. 2008 and 2160), that day is reported as
/// [`Holiday::MayDay`]; it is a holiday either way.
#[must_use]
pub fn finnish_holiday(date: NaiveDate) -> Option<Holiday> {
    let (month, day) = (date.month(), date.day());
    let fixed = match (month, day) {
        (1, 1) => Some(Holiday::NewYearsDay),
        (1, 6) => Some(Holiday::Epiphany),
        (5, 1) => Some(Holiday::MayDay),
        (12, 6) => Some(Holiday::IndependenceDay),
        (12, 24) => Some(Holiday::ChristmasEve),
        (12, 25) => Some(Holiday::ChristmasDay),
        (12, 26) => Some(Holiday::StStephensDay),
        _ => None,
    };
    if fixed.is_some() {
        return fixed;
    }

    let weekday = date.weekday();
    if weekday == Weekday::Fri && month == 6 && (19..=25).contains(&day) {
        return Some(Holiday::MidsummerEve);
    }
    if weekday == Weekday::Sat && month == 6 && (20..=26).contains(&day) {
        return Some(Holiday::MidsummerDay);
    }
    if weekday == Weekday::Sat && ((month == 10 && day == 31) || (month == 11 && day <= 6)) {
        return Some(Holiday::AllSaintsDay);
    }

    // Easter-based holidays all fall between 20 March and 13 June.
    if !(3..=6).contains(&month) {
        return None;
    }
    let offset = date
        .signed_duration_since(easter_sunday(date.year()))
        .num_days();
    match offset {
        -2 => Some(Holiday::GoodFriday),
        0 => Some(Holiday::EasterSunday),
        1 => Some(Holiday::EasterMonday),
        39 => Some(Holiday::AscensionDay),
        49 => Some(Holiday::Pentecost),
        _ => None,
    }
}

/// Whether a deadline can end on `date`: false for Saturdays, Sundays
/// and Finnish holidays.
#[must_use]
pub fn is_working_day(date: NaiveDate) -> bool {
    !matches!(date.weekday(), Weekday::Sat | Weekday::Sun) && finnish_holiday(date).is_none()
}

/// `date` itself if it is a working day, else the first working day after it.
///
/// Never more than five days later (the longest run of non-working days
/// is Christmas Eve on a Wednesday through the following Sunday).
///
/// Fallback: at the very end of chrono's range there may be no later
/// date; then [`NaiveDate::MAX`] is returned even if it is not a working
/// day.
#[must_use]
pub fn next_working_day_on_or_after(date: NaiveDate) -> NaiveDate {
    let mut day = date;
    while !is_working_day(day) {
        match day.succ_opt() {
            Some(next) => day = next,
            None => return day,
        }
    }
    day
}

/// Regulation 1182/71 month arithmetic: same-numbered day `months` later, else that month's last day. No rolling.
///
/// Fallback: if the result would be beyond chrono's range, returns
/// [`NaiveDate::MAX`].
#[must_use]
pub fn add_months_clamped(date: NaiveDate, months: u32) -> NaiveDate {
    // chrono clamps to the last day of the target month, which is exactly
    // Art. 3(2)(c) of Regulation 1182/71.
    date.checked_add_months(Months::new(months))
        .unwrap_or(NaiveDate::MAX)
}

/// One-month deadline of a request received on `received`, rolled to a working day.
///
/// This is also the deadline for telling the subject that a request is
/// refused (Art. 12(4)) and the last day on which the subject can be told
/// of an extension (Art. 12(3)).
#[must_use]
pub fn due_date(received: NaiveDate) -> NaiveDate {
    next_working_day_on_or_after(add_months_clamped(received, 1))
}

/// Deadline after an Art. 12(3) extension: received + 3 months, rolled.
///
/// The extension is only available if the subject was told of it, with
/// reasons, on or before [`due_date`]`(received)`; checking that is the
/// caller's job.
#[must_use]
pub fn extended_due_date(received: NaiveDate) -> NaiveDate {
    next_working_day_on_or_after(add_months_clamped(received, 3))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Days;
    use proptest::prelude::*;

    fn d(year: i32, month: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(year, month, day).expect("valid test date")
    }

    // ----- Easter -----------------------------------------------------

    /// Published Western Easter Sunday dates.
    const KNOWN_EASTERS: &[(i32, u32, u32)] = &[
        (1818, 3, 22),
        (1943, 4, 25),
        (2000, 4, 23),
        (2001, 4, 15),
        (2002, 3, 31),
        (2003, 4, 20),
        (2004, 4, 11),
        (2005, 3, 27),
        (2006, 4, 16),
        (2007, 4, 8),
        (2008, 3, 23),
        (2009, 4, 12),
        (2010, 4, 4),
        (2011, 4, 24),
        (2012, 4, 8),
        (2013, 3, 31),
        (2014, 4, 20),
        (2015, 4, 5),
        (2016, 3, 27),
        (2017, 4, 16),
        (2018, 4, 1),
        (2019, 4, 21),
        (2020, 4, 12),
        (2021, 4, 4),
        (2022, 4, 17),
        (2023, 4, 9),
        (2024, 3, 31),
        (2025, 4, 20),
        (2026, 4, 5),
        (2027, 3, 28),
        (2028, 4, 16),
        (2029, 4, 1),
        (2030, 4, 21),
        (2038, 4, 25),
        (2285, 3, 22),
    ];

    #[test]
    fn easter_matches_published_dates() {
        for &(year, month, day) in KNOWN_EASTERS {
            assert_eq!(easter_sunday(year), d(year, month, day), "Easter {year}");
        }
    }

    /// Knuth, TAOCP vol. 1, 1.3.2 exercise 14 (Algorithm E): the
    /// epact-based computus, a different derivation from Meeus's.
    fn easter_knuth(year: i32) -> NaiveDate {
        let y = i64::from(year);
        let golden = y % 19 + 1;
        let century = y / 100 + 1;
        let x = 3 * century / 4 - 12;
        let z = (8 * century + 5) / 25 - 5;
        let dd = 5 * y / 4 - x - 10;
        let mut epact = (11 * golden + 20 + z - x) % 30;
        if (epact == 25 && golden > 11) || epact == 24 {
            epact += 1;
        }
        let mut n = 44 - epact;
        if n < 21 {
            n += 30;
        }
        n = n + 7 - (dd + n) % 7;
        let (month, day) = if n > 31 { (4, n - 31) } else { (3, n) };
        d(year, month, u32::try_from(day).expect("day in range"))
    }

    #[test]
    fn easter_agrees_with_knuths_algorithm() {
        for year in 1583..=5000 {
            assert_eq!(easter_sunday(year), easter_knuth(year), "Easter {year}");
        }
    }

    #[test]
    fn easter_is_a_sunday_between_22_march_and_25_april() {
        for year in 1583..=3000 {
            let e = easter_sunday(year);
            assert_eq!(e.weekday(), Weekday::Sun, "{e}");
            assert!(e >= d(year, 3, 22) && e <= d(year, 4, 25), "{e}");
        }
    }

    // ----- Holidays ---------------------------------------------------

    #[test]
    fn each_holiday_on_known_dates() {
        let cases = [
            (d(2025, 1, 1), Holiday::NewYearsDay),
            (d(2026, 1, 1), Holiday::NewYearsDay),
            (d(2025, 1, 6), Holiday::Epiphany),
            (d(2026, 1, 6), Holiday::Epiphany),
            (d(2024, 3, 29), Holiday::GoodFriday),
            (d(2025, 4, 18), Holiday::GoodFriday),
            (d(2026, 4, 3), Holiday::GoodFriday),
            (d(2027, 3, 26), Holiday::GoodFriday),
            (d(2024, 3, 31), Holiday::EasterSunday),
            (d(2025, 4, 20), Holiday::EasterSunday),
            (d(2026, 4, 5), Holiday::EasterSunday),
            (d(2027, 3, 28), Holiday::EasterSunday),
            (d(2024, 4, 1), Holiday::EasterMonday),
            (d(2025, 4, 21), Holiday::EasterMonday),
            (d(2026, 4, 6), Holiday::EasterMonday),
            (d(2027, 3, 29), Holiday::EasterMonday),
            (d(2025, 5, 1), Holiday::MayDay),
            (d(2024, 5, 9), Holiday::AscensionDay),
            (d(2025, 5, 29), Holiday::AscensionDay),
            (d(2026, 5, 14), Holiday::AscensionDay),
            (d(2027, 5, 6), Holiday::AscensionDay),
            (d(2024, 5, 19), Holiday::Pentecost),
            (d(2025, 6, 8), Holiday::Pentecost),
            (d(2026, 5, 24), Holiday::Pentecost),
            (d(2024, 6, 21), Holiday::MidsummerEve),
            (d(2025, 6, 20), Holiday::MidsummerEve),
            (d(2026, 6, 19), Holiday::MidsummerEve),
            (d(2024, 6, 22), Holiday::MidsummerDay),
            (d(2025, 6, 21), Holiday::MidsummerDay),
            (d(2026, 6, 20), Holiday::MidsummerDay),
            (d(2024, 11, 2), Holiday::AllSaintsDay),
            (d(2025, 11, 1), Holiday::AllSaintsDay),
            (d(2026, 10, 31), Holiday::AllSaintsDay),
            (d(2020, 10, 31), Holiday::AllSaintsDay),
            (d(2031, 11, 1), Holiday::AllSaintsDay),
            (d(2024, 12, 6), Holiday::IndependenceDay),
            (d(2025, 12, 6), Holiday::IndependenceDay),
            (d(2025, 12, 24), Holiday::ChristmasEve),
            (d(2025, 12, 25), Holiday::ChristmasDay),
            (d(2025, 12, 26), Holiday::StStephensDay),
        ];
        for (date, holiday) in cases {
            assert_eq!(finnish_holiday(date), Some(holiday), "{date}");
            assert!(!is_working_day(date), "{date}");
        }
    }

    #[test]
    fn ordinary_days_and_near_misses_are_not_holidays() {
        for date in [
            d(2025, 1, 2),
            d(2025, 4, 17),  // Maundy Thursday
            d(2025, 4, 19),  // Holy Saturday (a weekend day, not a holiday)
            d(2025, 4, 30),  // May Day Eve
            d(2025, 6, 9),   // Whit Monday is not a Finnish holiday
            d(2025, 6, 27),  // a Friday in June outside 19..=25
            d(2025, 6, 28),  // a Saturday in June outside 20..=26
            d(2026, 6, 26),  // a Friday in June outside 19..=25
            d(2025, 10, 31), // a Friday
            d(2025, 11, 8),  // Saturday after All Saints
            d(2024, 10, 26), // Saturday before 31 Oct
            d(2025, 12, 31), // New Year's Eve
            d(2025, 12, 23),
            d(2025, 12, 27),
        ] {
            assert_eq!(finnish_holiday(date), None, "{date}");
        }
        assert!(is_working_day(d(2025, 4, 17)));
        assert!(is_working_day(d(2025, 4, 30)));
        assert!(is_working_day(d(2025, 6, 9)));
        assert!(is_working_day(d(2025, 12, 31)));
        assert!(!is_working_day(d(2025, 4, 19))); // Saturday
        assert!(!is_working_day(d(2025, 12, 27))); // Saturday
    }

    #[test]
    fn ascension_on_may_day_is_reported_as_may_day() {
        // Easter 23 Mar 2008 -> Ascension 23 Mar + 39 = 1 May 2008.
        assert_eq!(easter_sunday(2008), d(2008, 3, 23));
        assert_eq!(finnish_holiday(d(2008, 5, 1)), Some(Holiday::MayDay));
        assert!(!is_working_day(d(2008, 5, 1)));
    }

    #[test]
    fn every_holiday_occurs_once_a_year() {
        for year in 1900..=2200 {
            let mut counts = std::collections::HashMap::new();
            let mut day = d(year, 1, 1);
            while day.year() == year {
                if let Some(h) = finnish_holiday(day) {
                    *counts.entry(h).or_insert(0) += 1;
                }
                day = day.succ_opt().expect("in range");
            }
            let ascension_on_may_day = easter_sunday(year) == d(year, 3, 23);
            for h in Holiday::ALL {
                let expected = if ascension_on_may_day && h == Holiday::AscensionDay {
                    0
                } else {
                    1
                };
                assert_eq!(
                    counts.get(&h).copied().unwrap_or(0),
                    expected,
                    "{h:?} {year}"
                );
            }
        }
    }

    #[test]
    fn names_are_nonempty_and_distinct() {
        let en: std::collections::HashSet<_> = Holiday::ALL.iter().map(|h| h.name_en()).collect();
        let fi: std::collections::HashSet<_> = Holiday::ALL.iter().map(|h| h.name_fi()).collect();
        assert_eq!(en.len(), Holiday::ALL.len());
        assert_eq!(fi.len(), Holiday::ALL.len());
        assert_eq!(Holiday::MidsummerEve.name_fi(), "Juhannusaatto");
        assert_eq!(Holiday::AllSaintsDay.name_en(), "All Saints' Day");
    }

    // ----- Month arithmetic -------------------------------------------

    #[test]
    fn add_months_clamped_examples() {
        assert_eq!(add_months_clamped(d(2025, 3, 5), 1), d(2025, 4, 5));
        assert_eq!(add_months_clamped(d(2025, 1, 31), 1), d(2025, 2, 28));
        assert_eq!(add_months_clamped(d(2024, 1, 31), 1), d(2024, 2, 29));
        assert_eq!(add_months_clamped(d(2024, 2, 29), 1), d(2024, 3, 29));
        assert_eq!(add_months_clamped(d(2024, 2, 29), 12), d(2025, 2, 28));
        assert_eq!(add_months_clamped(d(2025, 3, 31), 1), d(2025, 4, 30));
        assert_eq!(add_months_clamped(d(2025, 11, 30), 3), d(2026, 2, 28));
        assert_eq!(add_months_clamped(d(2025, 12, 31), 1), d(2026, 1, 31));
        assert_eq!(add_months_clamped(d(2025, 5, 20), 0), d(2025, 5, 20));
        // No rolling: 5 Apr 2025 is a Saturday and stays.
        assert_eq!(add_months_clamped(d(2025, 3, 5), 1).weekday(), Weekday::Sat);
    }

    #[test]
    fn next_working_day_examples() {
        assert_eq!(next_working_day_on_or_after(d(2025, 4, 7)), d(2025, 4, 7));
        assert_eq!(next_working_day_on_or_after(d(2025, 4, 5)), d(2025, 4, 7));
        assert_eq!(next_working_day_on_or_after(d(2025, 4, 18)), d(2025, 4, 22));
        // Longest run: Wed 24 Dec 2025 .. Sun 28 Dec 2025.
        assert_eq!(
            next_working_day_on_or_after(d(2025, 12, 24)),
            d(2025, 12, 29)
        );
    }

    // ----- Due dates --------------------------------------------------

    /// (received, expected one-month due date)
    #[test]
    fn due_date_examples() {
        let cases = [
            // Worked example: Wed 5 Mar 2025 -> 5 Apr is a Saturday -> Mon 7 Apr.
            (d(2025, 3, 5), d(2025, 4, 7)),
            // Worked example: Fri 31 Jan 2025 -> no 31 Feb -> Fri 28 Feb 2025.
            (d(2025, 1, 31), d(2025, 2, 28)),
            // Worked example: Tue 20 May 2025 -> Fri 20 Jun is Midsummer Eve,
            // Sat 21 Midsummer Day, Sun 22 -> Mon 23 Jun.
            (d(2025, 5, 20), d(2025, 6, 23)),
            // Leap year: Wed 31 Jan 2024 -> no 31 Feb -> Thu 29 Feb 2024, a working day.
            (d(2024, 1, 31), d(2024, 2, 29)),
            // Non-leap: Thu 30 Jan 2025 -> no 30 Feb -> Fri 28 Feb 2025.
            (d(2025, 1, 30), d(2025, 2, 28)),
            // Leap day received: Thu 29 Feb 2024 -> Fri 29 Mar 2024 is Good Friday
            // (Easter 31 Mar), Sat 30, Sun 31 Easter, Mon 1 Apr Easter Monday -> Tue 2 Apr.
            (d(2024, 2, 29), d(2024, 4, 2)),
            // Easter in March 2024: Fri 1 Mar -> Mon 1 Apr is Easter Monday -> Tue 2 Apr.
            (d(2024, 3, 1), d(2024, 4, 2)),
            // Month end: Thu 31 Oct 2024 -> no 31 Nov -> Sat 30 Nov, Sun 1 Dec -> Mon 2 Dec.
            (d(2024, 10, 31), d(2024, 12, 2)),
            // Month end: Mon 31 Mar 2025 -> no 31 Apr -> Wed 30 Apr (May Day Eve is a working day).
            (d(2025, 3, 31), d(2025, 4, 30)),
            // Month end: Sun 31 Aug 2025 -> no 31 Sep -> Tue 30 Sep.
            (d(2025, 8, 31), d(2025, 9, 30)),
            // Year end: Wed 31 Dec 2025 -> Sat 31 Jan 2026, Sun 1 Feb -> Mon 2 Feb 2026.
            (d(2025, 12, 31), d(2026, 2, 2)),
            // Easter in April 2025: Tue 18 Mar -> Fri 18 Apr Good Friday, Sat 19,
            // Sun 20 Easter, Mon 21 Easter Monday -> Tue 22 Apr.
            (d(2025, 3, 18), d(2025, 4, 22)),
            // Easter in April 2026: Fri 6 Mar -> Mon 6 Apr is Easter Monday -> Tue 7 Apr.
            (d(2026, 3, 6), d(2026, 4, 7)),
            // Easter in April 2026: Tue 3 Mar -> Fri 3 Apr Good Friday, Sat 4,
            // Sun 5 Easter, Mon 6 Easter Monday -> Tue 7 Apr.
            (d(2026, 3, 3), d(2026, 4, 7)),
            // Easter in March 2027: Sun 28 Feb -> Sun 28 Mar Easter, Mon 29 Easter Monday -> Tue 30 Mar.
            (d(2027, 2, 28), d(2027, 3, 30)),
            // Easter in March 2027: Fri 26 Feb -> Fri 26 Mar Good Friday, Sat 27,
            // Sun 28 Easter, Mon 29 Easter Monday -> Tue 30 Mar.
            (d(2027, 2, 26), d(2027, 3, 30)),
            // Midsummer 2026: Tue 19 May -> Fri 19 Jun Midsummer Eve, Sat 20 Midsummer Day,
            // Sun 21 -> Mon 22 Jun.
            (d(2026, 5, 19), d(2026, 6, 22)),
            // All Saints 2025: Wed 1 Oct -> Sat 1 Nov All Saints, Sun 2 -> Mon 3 Nov.
            (d(2025, 10, 1), d(2025, 11, 3)),
            // All Saints 2026: Wed 30 Sep -> Fri 30 Oct, a working day (All Saints is Sat 31 Oct).
            (d(2026, 9, 30), d(2026, 10, 30)),
            // Christmas 2025: Mon 24 Nov -> Wed 24 Dec Christmas Eve, Thu 25, Fri 26,
            // Sat 27, Sun 28 -> Mon 29 Dec (the longest possible roll, 5 days).
            (d(2025, 11, 24), d(2025, 12, 29)),
            // Christmas 2024: Sun 24 Nov -> Tue 24 Dec, Wed 25, Thu 26 -> Fri 27 Dec.
            (d(2024, 11, 24), d(2024, 12, 27)),
            // Christmas 2025: Wed 26 Nov -> Fri 26 Dec St Stephen's, Sat 27, Sun 28 -> Mon 29 Dec.
            (d(2025, 11, 26), d(2025, 12, 29)),
            // New Year: Mon 1 Dec 2025 -> Thu 1 Jan 2026 New Year's Day -> Fri 2 Jan.
            (d(2025, 12, 1), d(2026, 1, 2)),
            // Epiphany: Sat 6 Dec 2025 (received on a holiday) -> Tue 6 Jan 2026 -> Wed 7 Jan.
            (d(2025, 12, 6), d(2026, 1, 7)),
            // May Day: Tue 1 Apr 2025 -> Thu 1 May 2025 -> Fri 2 May.
            (d(2025, 4, 1), d(2025, 5, 2)),
            // Ascension 2025: Tue 29 Apr -> Thu 29 May Ascension -> Fri 30 May.
            (d(2025, 4, 29), d(2025, 5, 30)),
            // Ascension 2027 (Easter 28 Mar + 39): Tue 6 Apr -> Thu 6 May -> Fri 7 May.
            (d(2027, 4, 6), d(2027, 5, 7)),
            // Pentecost 2025: Thu 8 May -> Sun 8 Jun Pentecost -> Mon 9 Jun.
            (d(2025, 5, 8), d(2025, 6, 9)),
            // Independence Day on a weekday: Wed 6 Nov 2024 -> Fri 6 Dec 2024,
            // Sat 7, Sun 8 -> Mon 9 Dec.
            (d(2024, 11, 6), d(2024, 12, 9)),
            // Independence Day on a weekend: Thu 6 Nov 2025 -> Sat 6 Dec 2025,
            // Sun 7 -> Mon 8 Dec.
            (d(2025, 11, 6), d(2025, 12, 8)),
            // No roll at all: Mon 10 Feb 2025 -> Mon 10 Mar 2025.
            (d(2025, 2, 10), d(2025, 3, 10)),
        ];
        for (received, expected) in cases {
            assert_eq!(due_date(received), expected, "received {received}");
        }
    }

    /// (received, expected extended due date = received + 3 months, rolled)
    #[test]
    fn extended_due_date_examples() {
        let cases = [
            // Wed 5 Mar 2025 -> Thu 5 Jun 2025, a working day.
            (d(2025, 3, 5), d(2025, 6, 5)),
            // Fri 31 Jan 2025 -> no 31 Apr -> Wed 30 Apr 2025.
            (d(2025, 1, 31), d(2025, 4, 30)),
            // Tue 20 May 2025 -> Wed 20 Aug 2025.
            (d(2025, 5, 20), d(2025, 8, 20)),
            // Leap day: Thu 29 Feb 2024 -> Wed 29 May 2024 (Ascension was 9 May).
            (d(2024, 2, 29), d(2024, 5, 29)),
            // Thu 30 Nov 2023 -> no 30 Feb -> Thu 29 Feb 2024 (leap year).
            (d(2023, 11, 30), d(2024, 2, 29)),
            // Sun 30 Nov 2025 -> no 30 Feb -> Sat 28 Feb 2026, Sun 1 Mar -> Mon 2 Mar.
            (d(2025, 11, 30), d(2026, 3, 2)),
            // Fri 20 Mar 2026 -> Sat 20 Jun 2026 Midsummer Day, Sun 21 -> Mon 22 Jun.
            (d(2026, 3, 20), d(2026, 6, 22)),
            // Wed 24 Sep 2025 -> Wed 24 Dec 2025 Christmas Eve .. Sun 28 -> Mon 29 Dec.
            (d(2025, 9, 24), d(2025, 12, 29)),
            // Wed 31 Dec 2025 -> Tue 31 Mar 2026.
            (d(2025, 12, 31), d(2026, 3, 31)),
            // Sat 26 Dec 2026 (received on St Stephen's) -> Fri 26 Mar 2027 Good Friday,
            // Sat 27, Sun 28 Easter, Mon 29 Easter Monday -> Tue 30 Mar 2027.
            (d(2026, 12, 26), d(2027, 3, 30)),
            // Mon 6 Oct 2025 -> Tue 6 Jan 2026 Epiphany -> Wed 7 Jan.
            (d(2025, 10, 6), d(2026, 1, 7)),
            // Fri 1 Aug 2025 -> Sat 1 Nov 2025 All Saints, Sun 2 -> Mon 3 Nov.
            (d(2025, 8, 1), d(2025, 11, 3)),
        ];
        for (received, expected) in cases {
            assert_eq!(extended_due_date(received), expected, "received {received}");
        }
    }

    // ----- Edges of chrono's range ------------------------------------

    #[test]
    fn extreme_inputs_do_not_panic() {
        assert_eq!(easter_sunday(i32::MAX), NaiveDate::MAX);
        assert_eq!(easter_sunday(i32::MIN), NaiveDate::MIN);
        let max_year = NaiveDate::MAX.year();
        let min_year = NaiveDate::MIN.year();
        assert_eq!(easter_sunday(max_year).year(), max_year);
        assert_eq!(easter_sunday(min_year).year(), min_year);
        for date in [
            NaiveDate::MAX,
            NaiveDate::MIN,
            d(max_year, 12, 1),
            d(max_year, 10, 31),
        ] {
            let _ = finnish_holiday(date);
            let _ = is_working_day(date);
            let _ = next_working_day_on_or_after(date);
            let _ = due_date(date);
            let _ = extended_due_date(date);
            let _ = add_months_clamped(date, u32::MAX);
        }
        assert_eq!(due_date(NaiveDate::MAX), NaiveDate::MAX);
        assert_eq!(extended_due_date(d(max_year, 11, 15)), NaiveDate::MAX);
        assert_eq!(add_months_clamped(d(2025, 1, 1), u32::MAX), NaiveDate::MAX);
        assert!(due_date(NaiveDate::MIN) > NaiveDate::MIN);
    }

    // ----- Properties -------------------------------------------------

    fn any_date() -> impl Strategy<Value = NaiveDate> {
        let start = d(1900, 1, 1);
        let span = d(2200, 12, 31).signed_duration_since(start).num_days();
        let span = u64::try_from(span).expect("positive span");
        (0..=span).prop_map(move |n| start + Days::new(n))
    }

    proptest! {
        #[test]
        fn due_date_is_rolled_raw_date(received in any_date()) {
            let raw = add_months_clamped(received, 1);
            let due = due_date(received);
            prop_assert!(due >= raw);
            prop_assert!(is_working_day(due));
            prop_assert!(due.signed_duration_since(raw).num_days() <= 5);
            // Nothing between the raw date and the due date is a working day.
            let mut day = raw;
            while day < due {
                prop_assert!(!is_working_day(day));
                day = day.succ_opt().expect("in range");
            }
        }

        #[test]
        fn extended_is_not_before_due(received in any_date()) {
            let extended = extended_due_date(received);
            prop_assert!(extended >= due_date(received));
            prop_assert!(extended >= add_months_clamped(received, 3));
            prop_assert!(is_working_day(extended));
        }

        #[test]
        fn add_months_clamped_lands_in_right_month(date in any_date(), months in 0u32..=48) {
            let result = add_months_clamped(date, months);
            prop_assert!(result.day() <= date.day());
            let index = |x: NaiveDate| i64::from(x.year()) * 12 + i64::from(x.month0());
            prop_assert_eq!(index(result), index(date) + i64::from(months));
            // Clamped only when the month is too short: then it is the month's last day.
            if result.day() < date.day() {
                prop_assert_eq!(result.succ_opt().expect("in range").day(), 1);
            }
        }

        #[test]
        fn next_working_day_is_working_and_not_earlier(date in any_date()) {
            let next = next_working_day_on_or_after(date);
            prop_assert!(next >= date);
            prop_assert!(is_working_day(next));
            prop_assert!(next.signed_duration_since(date).num_days() <= 5);
            if is_working_day(date) {
                prop_assert_eq!(next, date);
            }
        }

        #[test]
        fn weekends_are_never_working_days(date in any_date()) {
            if matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
                prop_assert!(!is_working_day(date));
            }
        }
    }
}
