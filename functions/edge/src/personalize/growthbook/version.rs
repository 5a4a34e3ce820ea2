//! `paddedVersionString`: versions as strings that compare in version
//! order (`$veq`, `$vgt`, ...).

use serde_json::Value;

use super::js;

/// "v1.2.3-rc.1+build" → "    1-    2-    3-rc-    1"; a release gets a
/// trailing `~` so it sorts after its pre-releases. Numbers are read as
/// their JS string; anything else that is not a non-empty string is "0".
pub fn padded_version_string(input: &Value) -> String {
    let text = match input {
        Value::Number(n) => js::number_to_string(js::as_f64(n)),
        Value::String(s) if !s.is_empty() => s.clone(),
        _ => "0".to_owned(),
    };
    let stripped = strip_build(text.strip_prefix('v').unwrap_or(&text));
    let mut parts: Vec<&str> = stripped.split(['-', '.']).collect();
    if parts.len() == 3 {
        parts.push("~");
    }
    parts
        .iter()
        .map(|p| {
            if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) {
                format!("{p:>5}")
            } else {
                (*p).to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// The SDK's `/\+.*$/`: from the first `+` that has no line terminator
/// after it (JS `.` stops at one) to the end.
fn strip_build(s: &str) -> &str {
    let after_last_line = s
        .char_indices()
        .rfind(|(_, c)| matches!(c, '\n' | '\r' | '\u{2028}' | '\u{2029}'))
        .map_or(0, |(i, c)| i + c.len_utf8());
    match s[after_last_line..].find('+') {
        Some(p) => &s[..after_last_line + p],
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn padded(v: Value) -> String {
        padded_version_string(&v)
    }

    #[test]
    fn pads_and_orders() {
        assert_eq!(
            padded(json!("v1.2.3-rc.1+build123")),
            "    1-    2-    3-rc-    1"
        );
        assert_eq!(padded(json!("1.0.0")), "    1-    0-    0-~");
        assert!(padded(json!("1.0.0")) > padded(json!("1.0.0-beta")));
        assert!(padded(json!("1.10.0")) > padded(json!("1.9.0")));
        assert_eq!(padded(json!(1.5)), "    1-    5");
        assert_eq!(padded(json!("123456.1")), "123456-    1");
    }

    #[test]
    fn non_versions_are_zero() {
        for v in [
            json!(null),
            json!(""),
            json!(true),
            json!([1, 2]),
            json!({}),
        ] {
            assert_eq!(padded(v.clone()), "    0", "{v}");
        }
        assert_eq!(padded(json!(0)), "    0");
    }

    #[test]
    fn build_suffix_stops_at_line_ends() {
        assert_eq!(strip_build("1.2+b"), "1.2");
        assert_eq!(strip_build("1+a\nb"), "1+a\nb");
        assert_eq!(strip_build("1+a\n2+b"), "1+a\n2");
    }
}
