//! The shapes of event fields, written out by hand so that the schema
//! agreement test compares two independent readings of the rules. Each
//! matches a `pattern` in `schemas/events-1.schema.json`; currencies are
//! `policy::codes::is_currency`, the schema's `enum`.

/// Longest token (`sku`, `experiment`, `variant`, `target`, `slot`).
pub const MAX_TOKEN: usize = 64;
/// Longest `page`, query string included.
pub const MAX_PAGE: usize = 512;

/// `^[A-Za-z0-9][A-Za-z0-9._-]*$`, 1 to 64 long.
pub fn is_token(s: &str) -> bool {
    let mut bytes = s.bytes();
    s.len() <= MAX_TOKEN
        && bytes.next().is_some_and(|b| b.is_ascii_alphanumeric())
        && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// A lower-case UUID v4, or 16 to 32 of `[A-Za-z0-9_-]`.
pub fn is_event_id(s: &str) -> bool {
    let plain = (16..=32).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-'));
    plain || is_uuid_v4(s)
}

fn is_uuid_v4(s: &str) -> bool {
    let b = s.as_bytes();
    let hex = |c: u8| c.is_ascii_digit() || (b'a'..=b'f').contains(&c);
    b.len() == 36
        && b.iter().enumerate().all(|(i, &c)| match i {
            8 | 13 | 18 | 23 => c == b'-',
            14 => c == b'4',
            19 => matches!(c, b'8' | b'9' | b'a' | b'b'),
            _ => hex(c),
        })
}

/// The path of a `page` value: `/` then path characters, then optionally
/// a query string or fragment (visible ASCII), which is cut off. `None`
/// when it is not that shape or longer than [`MAX_PAGE`].
pub fn page_path(s: &str) -> Option<&str> {
    if s.len() > MAX_PAGE || !s.starts_with('/') {
        return None;
    }
    let end = s.find(['?', '#']).unwrap_or(s.len());
    let (path, rest) = s.split_at(end);
    let path_ok = path
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"._~!$&'()*+,;=:@%/-".contains(&b));
    let rest_ok = rest.bytes().all(|b| (b'!'..=b'~').contains(&b));
    (path_ok && rest_ok).then_some(path)
}

/// `^(?:0|[1-9][0-9]{0,11})(?:\.[0-9]{1,4})?$`: no sign, no exponent, no
/// leading zeros, at most 4 decimals (the most any ISO 4217 currency has).
pub fn is_decimal(s: &str) -> bool {
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (s, None),
    };
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    let int_ok =
        (int == "0" || ((1..=12).contains(&int.len()) && !int.starts_with('0'))) && digits(int);
    let frac_ok = frac.is_none_or(|f| (1..=4).contains(&f.len()) && digits(f));
    int_ok && frac_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens() {
        for ok in ["a", "MRD-ORBIT-TITANIUM", "v1.2_beta", &"x".repeat(64)] {
            assert!(is_token(ok), "{ok}");
        }
        for bad in ["", "-a", ".a", "a b", "a/b", "é", "a\n", &"x".repeat(65)] {
            assert!(!is_token(bad), "{bad:?}");
        }
    }

    #[test]
    fn event_ids() {
        for ok in [
            "0b8e3c1a-6f2d-4e7b-9a41-2c5d8e9f1a3b",
            "abcdefghijklmnop",
            "A1_-A1_-A1_-A1_-A1_-A1_-A1_-A1_-",
        ] {
            assert!(is_event_id(ok), "{ok}");
        }
        for bad in [
            "abcdefghijklmno",                      // 15
            "abcdefghijklmnopqrstuvwxyz0123456",    // 33
            "0b8e3c1a-6f2d-1e7b-9a41-2c5d8e9f1a3b", // v1
            "0b8e3c1a-6f2d-4e7b-7a41-2c5d8e9f1a3b", // variant
            "0B8E3C1A-6F2D-4E7B-9A41-2C5D8E9F1A3B", // upper case
            "abcdefghijklmnop.",
            "abcdefghijklmnop\n",
        ] {
            assert!(!is_event_id(bad), "{bad:?}");
        }
    }

    #[test]
    fn pages_lose_their_query_and_fragment() {
        assert_eq!(page_path("/"), Some("/"));
        assert_eq!(page_path("/p/orbit%20x"), Some("/p/orbit%20x"));
        assert_eq!(page_path("/search?q=jane@example.com#top"), Some("/search"));
        assert_eq!(page_path("/a#frag"), Some("/a"));
        for bad in ["", "p", "https://x/p", "/a b", "/a?b c", "/ä", "/a\n"] {
            assert_eq!(page_path(bad), None, "{bad:?}");
        }
        let long = format!("/{}", "a".repeat(MAX_PAGE - 1));
        assert_eq!(page_path(&long), Some(long.as_str()));
        assert_eq!(page_path(&format!("{long}a")), None);
    }

    #[test]
    fn decimals() {
        for ok in ["0", "0.5", "12.99", "999999999999.9999", "10"] {
            assert!(is_decimal(ok), "{ok}");
        }
        for bad in [
            "",
            ".5",
            "1.",
            "01",
            "-1",
            "+1",
            "1e3",
            "1.23456",
            "1,5",
            "1000000000000",
            "0.1.2",
        ] {
            assert!(!is_decimal(bad), "{bad:?}");
        }
    }
}
