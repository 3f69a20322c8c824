//! `new Date(string)` as Node's V8 reads the strings that matter for IQL: the ECMAScript
//! date-time string format (`1990`, `1990-05`, `1990-05-01`, `1990-05-01T10:00:00.000Z`,
//! `+001990-05-01`, …) with V8's extensions (any number of fraction digits, `±hhmm`).
//!
//! Date-times without an offset are local time in JavaScript; we read them as UTC, the time
//! zone a Connector's container runs in. V8's legacy fallback (`Jan 1 1990`, `1990/05/01`,
//! `1990-5-1`, bare `12`) is not reproduced: those give an invalid date here.

const MS_PER_DAY: f64 = 86_400_000.0;
/// ECMAScript's TimeClip limit: ±100,000,000 days around the epoch.
const MAX_TIME: f64 = 8.64e15;

/// Milliseconds since the epoch, or NaN for an invalid date.
pub fn parse_date(text: &str) -> f64 {
    parse_iso(text.as_bytes()).map_or(f64::NAN, time_clip)
}

/// ECMAScript's TimeClip: NaN outside the representable range, otherwise truncated.
pub fn time_clip(time: f64) -> f64 {
    if !time.is_finite() || time.abs() > MAX_TIME {
        f64::NAN
    } else {
        time.trunc() + 0.0
    }
}

fn parse_iso(s: &[u8]) -> Option<f64> {
    let mut r = Reader { s, pos: 0 };
    let year = match r.peek() {
        Some(sign @ (b'+' | b'-')) => {
            r.pos += 1;
            let n = r.fixed(6)?;
            if sign == b'-' && n == 0 {
                return None;
            }
            if sign == b'-' { -n } else { n }
        }
        _ => r.fixed(4)?,
    };
    let (mut month, mut day) = (1, 1);
    if r.eat(b'-') {
        month = r.fixed(2).filter(|m| (1..=12).contains(m))?;
        if r.eat(b'-') {
            day = r.fixed(2).filter(|d| (1..=31).contains(d))?;
        }
    }
    let date = days_from_civil(year, month, day) as f64 * MS_PER_DAY;
    if r.done() {
        return Some(date);
    }
    if !matches!(r.peek(), Some(b'T' | b't')) {
        return None;
    }
    r.pos += 1;
    let hour = r.fixed(2).filter(|h| (0..=24).contains(h))?;
    if !r.eat(b':') {
        return None;
    }
    let minute = r.fixed(2).filter(|m| (0..=59).contains(m))?;
    let (mut second, mut milli) = (0, 0);
    if r.eat(b':') {
        second = r.fixed(2).filter(|s| (0..=59).contains(s))?;
        if r.eat(b'.') {
            milli = r.fraction()?;
        }
    }
    if hour == 24 && (minute, second, milli) != (0, 0, 0) {
        return None;
    }
    let mut offset = 0;
    match r.peek() {
        Some(b'Z' | b'z') => r.pos += 1,
        Some(sign @ (b'+' | b'-')) => {
            r.pos += 1;
            // `±hh:mm`, or V8's extension `±hhmm`.
            let (hh, mm) = match r.number() {
                (hhmm, 4) => (hhmm / 100, hhmm % 100),
                (hh, 2) if r.eat(b':') => (hh, r.fixed(2)?),
                _ => return None,
            };
            if hh > 23 || mm > 59 {
                return None;
            }
            offset = (hh * 60 + mm) * 60_000;
            if sign == b'-' {
                offset = -offset;
            }
        }
        _ => {}
    }
    if !r.done() {
        return None;
    }
    let time = ((hour * 60 + minute) * 60 + second) * 1000 + milli;
    Some(date + (time - offset) as f64)
}

struct Reader<'a> {
    s: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn done(&self) -> bool {
        self.pos == self.s.len()
    }

    fn eat(&mut self, b: u8) -> bool {
        let hit = self.peek() == Some(b);
        self.pos += usize::from(hit);
        hit
    }

    fn digits(&mut self) -> &[u8] {
        let start = self.pos;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1;
        }
        &self.s[start..self.pos]
    }

    /// A run of digits: its value and its length.
    fn number(&mut self) -> (i64, usize) {
        let digits = self.digits();
        let value = digits
            .iter()
            .take(15)
            .fold(0, |n, d| n * 10 + i64::from(d - b'0'));
        (value, digits.len())
    }

    /// A number of exactly `len` digits (V8 reads the whole digit run, then checks its length).
    fn fixed(&mut self, len: usize) -> Option<i64> {
        let (value, digits) = self.number();
        (digits == len).then_some(value)
    }

    /// Fraction digits as milliseconds: the first three digits, padded with zeros.
    fn fraction(&mut self) -> Option<i64> {
        let digits = self.digits();
        if digits.is_empty() {
            return None;
        }
        Some(
            (0..3)
                .map(|i| digits.get(i).map_or(0, |d| i64::from(d - b'0')))
                .fold(0, |n, d| n * 10 + d),
        )
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date; month and day may overflow their
/// range (`1990-02-30` is March 2nd), as ECMAScript's MakeDay allows.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468 + day - 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_iso_forms_as_v8_does() {
        assert_eq!(parse_date("1990"), 631_152_000_000.0);
        assert_eq!(parse_date("1990-05"), 641_520_000_000.0);
        assert_eq!(parse_date("1990-05-01"), 641_520_000_000.0);
        assert_eq!(parse_date("1990-05-01T10:00"), 641_556_000_000.0);
        assert_eq!(parse_date("1990-05-01T10:00:00.123456Z"), 641_556_000_123.0);
        assert_eq!(parse_date("+001990-05-01"), 641_520_000_000.0);
        assert_eq!(parse_date("1990-02-30"), 636_336_000_000.0);
        assert_eq!(parse_date("1970-01-01T01:00+01:00"), 0.0);
        assert!(parse_date("1990-13-01").is_nan());
        assert!(parse_date("abc").is_nan());
        assert!(parse_date("").is_nan());
    }
}
