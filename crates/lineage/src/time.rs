//! OpenLineage `eventTime` to epoch milliseconds. Producers differ: RFC 3339 with `Z` or an
//! offset, any number of fraction digits, and (official examples) no offset at all, read as UTC.

use meshlens_model::civil::days_from_civil;

/// Milliseconds since 1970-01-01T00:00:00Z, or `None` when the text is not an ISO date-time.
pub fn parse_event_time(text: &str) -> Option<i64> {
    let b = text.trim().as_bytes();
    let num = |s: &[u8]| -> Option<i64> {
        if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(s).ok()?.parse().ok()
    };
    if b.len() < 19
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't' | b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let (year, month, day) = (num(&b[0..4])?, num(&b[5..7])?, num(&b[8..10])?);
    let (hour, minute, second) = (num(&b[11..13])?, num(&b[14..16])?, num(&b[17..19])?);
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut rest = &b[19..];
    let mut millis = 0;
    if let Some(frac) = rest.strip_prefix(b".") {
        let digits = frac.iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            return None;
        }
        let mut scaled = frac[..digits.min(3)].to_vec();
        scaled.resize(3, b'0');
        millis = num(&scaled)?;
        rest = &frac[digits..];
    }
    let offset_minutes = match rest {
        [] | [b'Z'] | [b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] | [sign @ (b'+' | b'-'), h1, h2, m1, m2] => {
            let minutes = num(&[*h1, *h2])? * 60 + num(&[*m1, *m2])?;
            if *sign == b'+' { minutes } else { -minutes }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
    Some(seconds * 1000 + millis)
}

#[cfg(test)]
mod tests {
    use super::parse_event_time;

    #[test]
    fn parses_the_shapes_producers_emit() {
        assert_eq!(parse_event_time("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_event_time("2026-11-09T00:30:00Z"),
            Some(1_794_184_200_000)
        );
        // No offset (official Python client examples) is read as UTC.
        assert_eq!(
            parse_event_time("2026-11-09T00:30:00"),
            Some(1_794_184_200_000)
        );
        assert_eq!(
            parse_event_time("2026-11-09T01:30:00+01:00"),
            Some(1_794_184_200_000)
        );
        assert_eq!(
            parse_event_time("2026-11-09T00:30:00.123456789Z"),
            Some(1_794_184_200_123)
        );
        assert_eq!(
            parse_event_time("2020-02-29T12:00:00.5-0230"),
            Some(1_582_986_600_500)
        );
    }

    #[test]
    fn rejects_what_is_not_a_time() {
        for bad in [
            "",
            "yesterday",
            "2026-13-01T00:00:00Z",
            "2026-11-09T00:30:00+1",
            "2026-11-09",
        ] {
            assert_eq!(parse_event_time(bad), None, "{bad}");
        }
    }
}
