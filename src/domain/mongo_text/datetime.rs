//! BSON dates (milliseconds since the Unix epoch) to and from ISO-8601 text.
//!
//! Written here rather than borrowed from a date crate so that years 0 to
//! 9999, dates before 1970 and milliseconds are handled the one way the
//! shell shows them, with no rounding.

const MILLIS_PER_DAY: i64 = 86_400_000;

/// `1969-12-31T23:59:59.999Z` for years 0 to 9999; `None` outside them.
pub(super) fn format_iso(millis: i64) -> Option<String> {
    let days = millis.div_euclid(MILLIS_PER_DAY);
    let in_day = millis.rem_euclid(MILLIS_PER_DAY);
    let (year, month, day) = civil_from_days(days);
    if !(0..=9999).contains(&year) {
        return None;
    }
    let (hour, minute) = (in_day / 3_600_000, in_day / 60_000 % 60);
    let (second, milli) = (in_day / 1000 % 60, in_day % 1000);
    Some(format!(
        "{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}.{milli:03}Z"
    ))
}

/// Reads `YYYY-MM-DD`, optionally followed by `THH:MM[:SS[.fff]]` and a zone
/// (`Z`, `+HH:MM`, `-HHMM`); no zone means UTC, as in the shell's ISODate.
/// Digits past the millisecond are dropped (truncated toward the past).
pub(super) fn parse_iso(text: &str) -> Result<i64, String> {
    let bad = || format!("\"{text}\" is not an ISO-8601 date such as 2024-05-01T12:00:00Z");
    let mut cursor = Cursor { rest: text.trim() };
    let year = cursor.number(4).ok_or_else(bad)?;
    let month = cursor.after('-', 2).ok_or_else(bad)?;
    let day = cursor.after('-', 2).ok_or_else(bad)?;
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return Err(bad());
    }
    let mut millis = days_from_civil(year, month, day) * MILLIS_PER_DAY;
    if cursor.eat('T') || cursor.eat(' ') {
        millis += time_of_day(&mut cursor).ok_or_else(bad)?;
        millis -= zone_offset(&mut cursor).ok_or_else(bad)?;
    }
    if cursor.rest.is_empty() {
        Ok(millis)
    } else {
        Err(bad())
    }
}

fn time_of_day(cursor: &mut Cursor<'_>) -> Option<i64> {
    let hour = cursor.number(2)?;
    let minute = cursor.after(':', 2)?;
    let second = if cursor.rest.starts_with(':') {
        cursor.after(':', 2)?
    } else {
        0
    };
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let mut millis = ((hour * 60 + minute) * 60 + second) * 1000;
    if cursor.eat('.') {
        let digits: String = cursor
            .rest
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        if digits.is_empty() {
            return None;
        }
        cursor.rest = &cursor.rest[digits.len()..];
        let milli: String = digits.chars().chain("00".chars()).take(3).collect();
        millis += milli.parse::<i64>().ok()?;
    }
    Some(millis)
}

/// The zone's offset east of UTC in milliseconds.
fn zone_offset(cursor: &mut Cursor<'_>) -> Option<i64> {
    if cursor.eat('Z') || cursor.rest.is_empty() {
        return Some(0);
    }
    let sign = if cursor.eat('+') {
        1
    } else if cursor.eat('-') {
        -1
    } else {
        return None;
    };
    let hours = cursor.number(2)?;
    let _colon = cursor.eat(':');
    let minutes = cursor.number(2)?;
    (hours <= 23 && minutes <= 59).then_some(sign * (hours * 60 + minutes) * 60_000)
}

struct Cursor<'a> {
    rest: &'a str,
}

impl Cursor<'_> {
    fn eat(&mut self, ch: char) -> bool {
        match self.rest.strip_prefix(ch) {
            Some(rest) => {
                self.rest = rest;
                true
            }
            None => false,
        }
    }

    fn number(&mut self, width: usize) -> Option<i64> {
        let digits = self.rest.get(..width)?;
        if !digits.bytes().all(|byte| byte.is_ascii_digit()) {
            return None;
        }
        self.rest = &self.rest[width..];
        digits.parse().ok()
    }

    fn after(&mut self, separator: char, width: usize) -> Option<i64> {
        if self.eat(separator) {
            self.number(width)
        } else {
            None
        }
    }
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date; eras of 400 years
/// (146 097 days) keep the arithmetic exact for any year.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let shifted_month = if month > 2 { month - 3 } else { month + 9 };
    let day_of_year = (153 * shifted_month + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The inverse of [`days_from_civil`]: (year, month, day).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let days = days + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_around_the_epoch_and_the_range_ends_read_and_format_exactly() {
        let cases = [
            (-1, "1969-12-31T23:59:59.999Z"),
            (0, "1970-01-01T00:00:00.000Z"),
            (951_782_400_000, "2000-02-29T00:00:00.000Z"),
            (-62_167_219_200_000, "0000-01-01T00:00:00.000Z"),
            (253_402_300_799_999, "9999-12-31T23:59:59.999Z"),
        ];
        for (millis, text) in cases {
            assert_eq!(format_iso(millis).as_deref(), Some(text));
            assert_eq!(parse_iso(text), Ok(millis), "{text}");
        }
        assert_eq!(format_iso(253_402_300_800_000), None);
        assert_eq!(format_iso(-62_167_219_200_001), None);
        assert_eq!(format_iso(i64::MIN), None);
        assert_eq!(format_iso(i64::MAX), None);
    }

    #[test]
    fn zones_short_forms_and_extra_digits_are_read() {
        assert_eq!(parse_iso("1970-01-01"), Ok(0));
        assert_eq!(parse_iso("1970-01-01T01:00+01:00"), Ok(0));
        assert_eq!(parse_iso("1970-01-01T00:00:00-0130"), Ok(5_400_000));
        assert_eq!(parse_iso("1970-01-01T00:00:00.1239Z"), Ok(123));
        assert_eq!(parse_iso("1970-01-01 00:00:01.5"), Ok(1500));
    }

    #[test]
    fn impossible_dates_are_refused() {
        for text in [
            "2023-02-29",
            "2024-13-01",
            "2024-01-01T24:00",
            "2024-1-01",
            "x",
            "",
        ] {
            assert!(parse_iso(text).is_err(), "{text}");
        }
    }
}
