//! The JavaScript conversions the official evaluation applies to attribute fields, for values
//! that came from JSON: `String(value)` and `new Date(value)`.

use serde_json::Value;

use crate::date::{parse_date, time_clip};
use crate::evaluate::EvaluationError;

/// Appends `String(value)`. Arrays join their elements with `,` (null as empty); objects print
/// as `[object Object]`, unless they have an own `toString` key, which from JSON is never a
/// function, so JavaScript throws.
pub fn write_string(value: &Value, out: &mut String) -> Result<(), EvaluationError> {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => write_number(n.as_f64().unwrap_or(f64::NAN), out),
        Value::String(s) => out.push_str(s),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                if !item.is_null() {
                    write_string(item, out)?;
                }
            }
        }
        Value::Object(map) => {
            if map.contains_key("toString") {
                return Err(EvaluationError::NotConvertible);
            }
            out.push_str("[object Object]");
        }
    }
    Ok(())
}

/// `new Date(value).getTime()`: numbers are milliseconds since the epoch, booleans 1 or 0,
/// strings (and arrays, through their string form) are parsed, plain objects are invalid.
pub fn date_time(value: &Value) -> Result<f64, EvaluationError> {
    Ok(match value {
        Value::Null => 0.0,
        Value::Bool(b) => f64::from(u8::from(*b)),
        Value::Number(n) => time_clip(n.as_f64().unwrap_or(f64::NAN)),
        Value::String(s) => parse_date(s),
        Value::Array(_) => {
            let mut text = String::new();
            write_string(value, &mut text)?;
            parse_date(&text)
        }
        Value::Object(map) => {
            if map.contains_key("toString") {
                return Err(EvaluationError::NotConvertible);
            }
            f64::NAN
        }
    })
}

/// `Number.prototype.toString()`: the shortest digits that read back as the same number, laid
/// out as ECMAScript's Number::toString prescribes (exponent form below 1e-6 and from 1e21).
pub fn write_number(n: f64, out: &mut String) {
    if n.is_nan() {
        return out.push_str("NaN");
    }
    if n == 0.0 {
        return out.push('0');
    }
    if n < 0.0 {
        out.push('-');
    }
    if n.is_infinite() {
        return out.push_str("Infinity");
    }
    // Rust's `{:e}` prints the shortest round-trip digits: `1.2345e3`, `5e-7`.
    let sci = format!("{:e}", n.abs());
    let (mantissa, exponent) = sci.split_once('e').expect("exponent form");
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let k = digits.len() as i32;
    let e: i32 = exponent.parse().expect("integer exponent");
    let point = e + 1; // the decimal point's position relative to the digits
    if k <= point && point <= 21 {
        out.push_str(&digits);
        out.extend(std::iter::repeat_n('0', (point - k) as usize));
    } else if 0 < point && point <= 21 {
        out.push_str(&digits[..point as usize]);
        out.push('.');
        out.push_str(&digits[point as usize..]);
    } else if -6 < point && point <= 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', (-point) as usize));
        out.push_str(&digits);
    } else {
        out.push_str(&digits[..1]);
        if k > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        out.push(if e < 0 { '-' } else { '+' });
        out.push_str(&e.abs().to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn number(n: f64) -> String {
        let mut out = String::new();
        write_number(n, &mut out);
        out
    }

    #[test]
    fn numbers_print_as_javascript_prints_them() {
        assert_eq!(number(1990.0), "1990");
        assert_eq!(number(-0.0), "0");
        assert_eq!(number(1.5), "1.5");
        assert_eq!(number(0.000001), "0.000001");
        assert_eq!(number(0.0000001), "1e-7");
        assert_eq!(number(1e21), "1e+21");
        assert_eq!(number(123456789012345680000.0), "123456789012345680000");
        assert_eq!(number(1.2345e-10), "1.2345e-10");
        assert_eq!(number(12345678901234567890.0), "12345678901234567000");
    }
}
