//! The server's date-times: `2017-06-02T10:12:00.457`, `2017-10-19T16:44:07.3796978+03:00`,
//! `2018-07-25T11:14:49`, `2014-10-13 13:36:51` (notifications), and `0001-01-01T00:00:00` for
//! "no date".

use serde::{Serialize, Serializer};
use std::fmt;
use std::str::FromStr;
use time::{Date, Month, PrimitiveDateTime, Time, UtcOffset};

/// A date-time as the server wrote it: the local date and time, the offset when one was given,
/// and the number of fraction digits, so that it is written back as read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DateTime {
    local: PrimitiveDateTime,
    offset: Option<UtcOffset>,
    fraction_digits: u8,
    space: bool,
}

/// Why a date-time could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateTimeError(String);

impl fmt::Display for DateTimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not a date-time of a shape the server sends: `{}`", self.0)
    }
}

impl std::error::Error for DateTimeError {}

impl DateTime {
    /// A date-time without offset.
    pub fn new(local: PrimitiveDateTime) -> Self {
        DateTime {
            local,
            offset: None,
            fraction_digits: 0,
            space: false,
        }
    }
    /// A date-time with an offset.
    pub fn with_offset(local: PrimitiveDateTime, offset: UtcOffset) -> Self {
        DateTime {
            local,
            offset: Some(offset),
            fraction_digits: 0,
            space: false,
        }
    }
    /// The date and time as written, in the offset written (or the server's, when none was).
    pub fn local(&self) -> PrimitiveDateTime {
        self.local
    }
    /// The offset, when the server gave one.
    pub fn offset(&self) -> Option<UtcOffset> {
        self.offset
    }
    /// Whether the server gave an offset.
    pub fn has_offset(&self) -> bool {
        self.offset.is_some()
    }
    /// The date.
    pub fn date(&self) -> Date {
        self.local.date()
    }
    /// The server's "no date", `0001-01-01T00:00:00`.
    pub fn is_none_date(&self) -> bool {
        self.local.date().year() == 1 && self.local.date().ordinal() == 1 && self.local.time() == Time::MIDNIGHT
    }
    /// `yyyy-MM-dd HH:mm:ss`, as some requests take it.
    pub fn to_space_format(&self) -> String {
        let (d, t) = (self.local.date(), self.local.time());
        format!(
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
            d.year(),
            d.month() as u8,
            d.day(),
            t.hour(),
            t.minute(),
            t.second()
        )
    }
}

fn digits(s: &str, n: usize) -> Option<u32> {
    (s.len() == n && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.bytes().fold(0, |acc, d| acc * 10 + u32::from(d - b'0')))
}

impl FromStr for DateTime {
    type Err = DateTimeError;
    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let bad = || DateTimeError(raw.to_owned());
        let s = raw.trim();
        if s.len() < 19 || !s.is_char_boundary(19) {
            return Err(bad());
        }
        let (head, rest) = s.split_at(19);
        let b = head.as_bytes();
        let space = b[10] == b' ';
        if b[4] != b'-' || b[7] != b'-' || !(b[10] == b'T' || space) || b[13] != b':' || b[16] != b':' {
            return Err(bad());
        }
        let year = digits(&head[0..4], 4).ok_or_else(bad)?;
        let month = digits(&head[5..7], 2).ok_or_else(bad)?;
        let day = digits(&head[8..10], 2).ok_or_else(bad)?;
        let hour = digits(&head[11..13], 2).ok_or_else(bad)?;
        let minute = digits(&head[14..16], 2).ok_or_else(bad)?;
        let second = digits(&head[17..19], 2).ok_or_else(bad)?;
        let (mut nanos, mut fraction_digits, mut rest) = (0u32, 0u8, rest);
        if let Some(frac) = rest.strip_prefix('.') {
            let n = frac.bytes().take_while(|c| c.is_ascii_digit()).count();
            if n == 0 || n > 9 {
                return Err(bad());
            }
            // The digits as nanoseconds: padded with zeros to nine places.
            nanos = frac.as_bytes()[..n]
                .iter()
                .fold(0, |acc, d| acc * 10 + u32::from(d - b'0'));
            nanos *= 10u32.pow(9 - n as u32);
            fraction_digits = n as u8;
            rest = &frac[n..];
        }
        let offset = match rest {
            "" => None,
            "Z" => Some(UtcOffset::UTC),
            o if o.len() == 6 && (o.starts_with('+') || o.starts_with('-')) && &o[3..4] == ":" => {
                let h = digits(&o[1..3], 2).ok_or_else(bad)? as i8;
                let m = digits(&o[4..6], 2).ok_or_else(bad)? as i8;
                let sign = if o.starts_with('-') { -1 } else { 1 };
                Some(UtcOffset::from_hms(sign * h, sign * m, 0).map_err(|_| bad())?)
            }
            _ => return Err(bad()),
        };
        let month = Month::try_from(month as u8).map_err(|_| bad())?;
        let date = Date::from_calendar_date(year as i32, month, day as u8).map_err(|_| bad())?;
        let time = Time::from_hms_nano(hour as u8, minute as u8, second as u8, nanos).map_err(|_| bad())?;
        Ok(DateTime {
            local: PrimitiveDateTime::new(date, time),
            offset,
            fraction_digits,
            space,
        })
    }
}

impl fmt::Display for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (d, t) = (self.local.date(), self.local.time());
        let sep = if self.space { ' ' } else { 'T' };
        write!(
            f,
            "{:04}-{:02}-{:02}{sep}{:02}:{:02}:{:02}",
            d.year(),
            d.month() as u8,
            d.day(),
            t.hour(),
            t.minute(),
            t.second()
        )?;
        if self.fraction_digits > 0 {
            let all = format!("{:09}", t.nanosecond());
            write!(f, ".{}", &all[..self.fraction_digits as usize])?;
        }
        if let Some(o) = self.offset {
            let (h, m, _) = o.as_hms();
            let sign = if o.is_negative() { '-' } else { '+' };
            write!(f, "{sign}{:02}:{:02}", h.abs(), m.abs())?;
        }
        Ok(())
    }
}

impl Serialize for DateTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::DateTime;

    #[test]
    fn fractions_read_as_nanoseconds_and_written_back_as_read() {
        for (text, nanos) in [
            ("2017-09-22T17:30:01.04", 40_000_000),
            ("2017-06-02T10:12:00.457", 457_000_000),
            ("2017-10-19T16:44:07.3796978+03:00", 379_697_800),
            ("2017-10-19T16:44:07.000000001", 1),
            ("2018-07-25T11:14:49", 0),
        ] {
            let read: DateTime = text.parse().unwrap();
            assert_eq!(read.local().nanosecond(), nanos, "{text}");
            assert_eq!(read.to_string(), text);
        }
        for bad in [
            "2017-09-22T17:30:01.",
            "2017-09-22T17:30:01.1234567890",
            "2017-09-22T17:30:0x",
        ] {
            assert!(bad.parse::<DateTime>().is_err(), "{bad}");
        }
    }
}
