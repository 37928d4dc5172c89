//! Durations as people write them in SLAs and customProperties: a number and a unit given apart
//! (`value: 4`, `unit: h`), together (`"4h"`, `"2 days"`, `"10 years (HGB §257)"`), or ISO 8601
//! (`P90D`, `PT4H`, `P1Y6M`). The one parser of the workspace: SLA latencies and retention both use it.

use serde_json::Value;

const MS_PER_DAY: f64 = 86_400e3;

/// Milliseconds in one `unit` (months of 30 days, years of 365), or `None` for no known unit.
fn unit_ms(unit: &str) -> Option<f64> {
    Some(match unit.to_ascii_lowercase().as_str() {
        "ms" | "millisecond" | "milliseconds" => 1.0,
        "s" | "sec" | "secs" | "second" | "seconds" => 1e3,
        "m" | "min" | "mins" | "minute" | "minutes" => 60e3,
        "h" | "hr" | "hrs" | "hour" | "hours" => 3_600e3,
        "d" | "day" | "days" => MS_PER_DAY,
        "w" | "wk" | "week" | "weeks" => 7.0 * MS_PER_DAY,
        "mo" | "month" | "months" => 30.0 * MS_PER_DAY,
        "y" | "yr" | "yrs" | "year" | "years" => 365.0 * MS_PER_DAY,
        _ => return None,
    })
}

/// A duration in milliseconds: `value` with `unit` when one is given, else the unit written in `value`.
pub fn duration_ms(value: &Value, unit: Option<&str>) -> Option<i64> {
    let unit = unit.map(str::trim).filter(|u| !u.is_empty());
    let ms = match value {
        Value::Number(n) => n.as_f64()? * unit_ms(unit?)?,
        Value::String(text) => match unit {
            Some(unit) => leading_number(text)?.0 * unit_ms(unit)?,
            None => text_ms(text)?,
        },
        _ => return None,
    };
    (ms.is_finite() && ms >= 0.0).then_some(ms as i64)
}

/// `"4h"`, `"2 days"`, `"10 years (reason)"` (words after the unit are a comment) or ISO 8601.
fn text_ms(text: &str) -> Option<f64> {
    let text = text.trim();
    if text.starts_with(['P', 'p']) {
        return iso8601_ms(&text[1..]);
    }
    let (number, rest) = leading_number(text)?;
    let unit = rest
        .trim_start()
        .split(|c: char| !c.is_ascii_alphabetic())
        .next()?;
    Some(number * unit_ms(unit)?)
}

/// The number a text starts with, and the rest.
fn leading_number(text: &str) -> Option<(f64, &str)> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    Some((text[..split].parse().ok()?, &text[split..]))
}

/// The part of an ISO 8601 duration after `P`: `90D`, `1Y6M`, `T4H30M`, `2W`.
fn iso8601_ms(rest: &str) -> Option<f64> {
    let mut total = 0.0;
    let mut number = String::new();
    let mut in_time = false;
    let mut any = false;
    for c in rest.chars() {
        match c.to_ascii_uppercase() {
            'T' if number.is_empty() => in_time = true,
            d if d.is_ascii_digit() || d == '.' || d == ',' => {
                number.push(if d == ',' { '.' } else { d })
            }
            designator => {
                let unit = match (designator, in_time) {
                    ('Y', false) => "y",
                    ('M', false) => "mo",
                    ('W', false) => "w",
                    ('D', false) => "d",
                    ('H', true) => "h",
                    ('M', true) => "m",
                    ('S', true) => "s",
                    _ => return None,
                };
                total += number.parse::<f64>().ok()? * unit_ms(unit)?;
                number.clear();
                any = true;
            }
        }
    }
    (any && number.is_empty()).then_some(total)
}

/// A retention period in whole days (a part of a day counts as a day), or `None` when the text is
/// no duration (`unlimited`, `as long as needed`).
pub fn retention_days(text: &str) -> Option<i64> {
    let ms = duration_ms(&Value::String(text.to_owned()), None)?;
    Some((ms as f64 / MS_PER_DAY).ceil() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_sla_durations() {
        assert_eq!(duration_ms(&json!(4), Some("h")), Some(14_400_000));
        assert_eq!(duration_ms(&json!("4"), Some("h")), Some(14_400_000));
        assert_eq!(duration_ms(&json!("4h"), Some("h")), Some(14_400_000));
        assert_eq!(duration_ms(&json!("4h"), None), Some(14_400_000));
        assert_eq!(duration_ms(&json!("2 days"), None), Some(172_800_000));
        assert_eq!(duration_ms(&json!("PT30M"), None), Some(1_800_000));
        assert_eq!(duration_ms(&json!("P1D"), None), Some(86_400_000));
        assert_eq!(duration_ms(&json!("90 days"), None), Some(90 * 86_400_000));
        assert_eq!(duration_ms(&json!("1 year"), None), Some(365 * 86_400_000));
        assert_eq!(duration_ms(&json!("soon"), None), None);
        assert_eq!(duration_ms(&json!(3), Some("fortnights")), None);
        assert_eq!(duration_ms(&json!(3), None), None);
        assert_eq!(duration_ms(&json!("-3 days"), None), None);
    }

    #[test]
    fn retention_as_people_write_it_in_days() {
        for (text, days) in [
            ("90 days", Some(90)),
            ("P90D", Some(90)),
            ("p90d", Some(90)),
            ("1 year", Some(365)),
            ("P1Y", Some(365)),
            ("P1Y6M", Some(545)),
            ("3 y", Some(1095)),
            ("10 years (German commercial code, HGB §257)", Some(3650)),
            ("6 months", Some(180)),
            ("2 weeks", Some(14)),
            ("PT36H", Some(2)),
            ("unlimited", None),
            ("P", None),
            ("P1X", None),
            ("P1", None),
            ("", None),
        ] {
            assert_eq!(retention_days(text), days, "{text}");
        }
    }
}
