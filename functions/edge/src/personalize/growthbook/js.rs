//! The JavaScript value semantics the GrowthBook SDK leans on without
//! saying so: `value + ""`, `value * 1`, truthiness, `===`, `<` between
//! mixed types, `JSON.stringify` and string order by UTF-16 code units.
//! Assignments only agree with the JS SDK if these agree too.

use std::borrow::Cow;
use std::cmp::Ordering;

use serde_json::Value;

/// `Number.prototype.toString()`: shortest round-trip digits, JS layout
/// (`1e+21`, `1e-7`, `0.000001`, `-0` as `0`).
pub fn number_to_string(n: f64) -> String {
    if n.is_nan() {
        return "NaN".to_owned();
    }
    if n == 0.0 {
        return "0".to_owned();
    }
    if n.is_infinite() {
        return if n > 0.0 { "Infinity" } else { "-Infinity" }.to_owned();
    }
    if n < 0.0 {
        return format!("-{}", number_to_string(-n));
    }
    // Integers (bucket versions, counts) are most of what is printed.
    if n.fract() == 0.0 && n <= f64::from(u32::MAX) {
        // Whole and within u32: the cast is exact.
        return super::hash::decimal(n as u32, &mut [0; 10]).to_owned();
    }
    // Rust's `{:e}` prints the shortest digits that round-trip, as JS does.
    let sci = format!("{n:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let exp: i32 = exp.parse().unwrap_or(0);
    let k = digits.len() as i32;
    let point = exp + 1;
    if k <= point && point <= 21 {
        format!("{digits}{}", "0".repeat((point - k) as usize))
    } else if 0 < point && point <= 21 {
        let (int, frac) = digits.split_at(point as usize);
        format!("{int}.{frac}")
    } else if -6 < point && point <= 0 {
        format!("0.{}{digits}", "0".repeat((-point) as usize))
    } else {
        let e = point - 1;
        let sign = if e < 0 { '-' } else { '+' };
        let (first, rest) = digits.split_at(1);
        if rest.is_empty() {
            format!("{first}e{sign}{}", e.abs())
        } else {
            format!("{first}.{rest}e{sign}{}", e.abs())
        }
    }
}

/// `String(value)` / `value + ""`; a string is borrowed, as hashing and
/// comparing attributes is most of what a request does.
pub fn to_js_string(v: &Value) -> Cow<'_, str> {
    match v {
        Value::Null => Cow::Borrowed("null"),
        Value::Bool(true) => Cow::Borrowed("true"),
        Value::Bool(false) => Cow::Borrowed("false"),
        Value::Number(n) => Cow::Owned(number_to_string(as_f64(n))),
        Value::String(s) => Cow::Borrowed(s),
        Value::Array(items) => Cow::Owned(join(items)),
        Value::Object(_) => Cow::Borrowed("[object Object]"),
    }
}

/// `Array.prototype.join(",")`: null elements become empty strings.
fn join(items: &[Value]) -> String {
    items
        .iter()
        .map(|item| match item {
            Value::Null => Cow::Borrowed(""),
            other => to_js_string(other),
        })
        .collect::<Vec<_>>()
        .join(",")
}

pub fn as_f64(n: &serde_json::Number) -> f64 {
    n.as_f64().unwrap_or(f64::NAN)
}

/// `Number(value)` / `value * 1`.
pub fn to_number(v: &Value) -> f64 {
    match v {
        Value::Null => 0.0,
        Value::Bool(b) => f64::from(u8::from(*b)),
        Value::Number(n) => as_f64(n),
        Value::String(s) => string_to_number(s),
        Value::Array(items) => string_to_number(&join(items)),
        Value::Object(_) => f64::NAN,
    }
}

/// JS `StrWhiteSpaceChar`: what `Number(" 8 ")` trims.
fn is_js_whitespace(c: char) -> bool {
    matches!(
        c,
        '\u{9}'..='\u{D}'
            | ' '
            | '\u{A0}'
            | '\u{1680}'
            | '\u{2000}'..='\u{200A}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{202F}'
            | '\u{205F}'
            | '\u{3000}'
            | '\u{FEFF}'
    )
}

/// `StringToNumber`: decimal literals, `Infinity`, `0x`/`0o`/`0b`
/// integers, empty as 0, anything else NaN (Rust's `inf`, `nan` and
/// `1_0` are not numbers in JS).
pub fn string_to_number(s: &str) -> f64 {
    let t = s.trim_matches(is_js_whitespace);
    if t.is_empty() {
        return 0.0;
    }
    match t {
        "Infinity" | "+Infinity" => return f64::INFINITY,
        "-Infinity" => return f64::NEG_INFINITY,
        _ => {}
    }
    let radix = match t.get(..2) {
        Some("0x" | "0X") => Some(16),
        Some("0o" | "0O") => Some(8),
        Some("0b" | "0B") => Some(2),
        _ => None,
    };
    if let Some(radix) = radix {
        let body = &t[2..];
        if body.is_empty() {
            return f64::NAN;
        }
        let mut acc = 0.0_f64;
        for c in body.chars() {
            match c.to_digit(radix) {
                Some(d) => acc = acc * f64::from(radix) + f64::from(d),
                None => return f64::NAN,
            }
        }
        return acc;
    }
    if is_decimal_literal(t) {
        t.parse().unwrap_or(f64::NAN)
    } else {
        f64::NAN
    }
}

/// `StrDecimalLiteral` without `Infinity`: `[+-] digits [. digits] [e[+-]digits]`,
/// at least one digit in the mantissa.
fn is_decimal_literal(t: &str) -> bool {
    let b = t.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let mut mantissa_digits = 0;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
        mantissa_digits += 1;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
            mantissa_digits += 1;
        }
    }
    if mantissa_digits == 0 {
        return false;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    i == b.len()
}

/// `!!value`.
pub fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => {
            let f = as_f64(n);
            f != 0.0 && !f.is_nan()
        }
        Value::String(s) => !s.is_empty(),
        Value::Array(_) | Value::Object(_) => true,
    }
}

/// `a === b` (also `Array.prototype.includes` for JSON values): arrays and
/// objects are compared by reference in JS, and a condition's array is
/// never the attribute's array, so they are never equal.
pub fn strict_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Number(x), Value::Number(y)) => as_f64(x) == as_f64(y),
        (Value::String(x), Value::String(y)) => x == y,
        _ => false,
    }
}

/// JS string order: by UTF-16 code unit, not by code point (they differ
/// for characters above U+FFFF against U+E000..U+FFFF).
pub fn cmp_utf16(a: &str, b: &str) -> Ordering {
    a.encode_utf16().cmp(b.encode_utf16())
}

enum Primitive {
    Null,
    Bool(bool),
    Number(f64),
    String(String),
}

fn to_primitive(v: &Value) -> Primitive {
    match v {
        Value::Null => Primitive::Null,
        Value::Bool(b) => Primitive::Bool(*b),
        Value::Number(n) => Primitive::Number(as_f64(n)),
        Value::String(s) => Primitive::String(s.clone()),
        other => Primitive::String(to_js_string(other).into_owned()),
    }
}

fn primitive_number(p: &Primitive) -> f64 {
    match p {
        Primitive::Null => 0.0,
        Primitive::Bool(b) => f64::from(u8::from(*b)),
        Primitive::Number(n) => *n,
        Primitive::String(s) => string_to_number(s),
    }
}

/// The abstract relational comparison `a < b`: `None` is JS `undefined`
/// (a NaN was involved), which makes every one of `<`, `<=`, `>`, `>=` false.
fn less_than(a: &Value, b: &Value) -> Option<bool> {
    let (pa, pb) = (to_primitive(a), to_primitive(b));
    if let (Primitive::String(x), Primitive::String(y)) = (&pa, &pb) {
        return Some(cmp_utf16(x, y) == Ordering::Less);
    }
    let (x, y) = (primitive_number(&pa), primitive_number(&pb));
    if x.is_nan() || y.is_nan() {
        return None;
    }
    Some(x < y)
}

pub fn lt(a: &Value, b: &Value) -> bool {
    less_than(a, b) == Some(true)
}

pub fn gt(a: &Value, b: &Value) -> bool {
    less_than(b, a) == Some(true)
}

pub fn lte(a: &Value, b: &Value) -> bool {
    less_than(b, a) == Some(false)
}

pub fn gte(a: &Value, b: &Value) -> bool {
    less_than(a, b) == Some(false)
}

/// `JSON.stringify(value)` with JS number formatting. Object keys come out
/// in `serde_json`'s (sorted) order, where JS keeps insertion order.
pub fn stringify(v: &Value) -> String {
    let mut out = String::new();
    write_json(v, &mut out);
    out
}

fn write_json(v: &Value, out: &mut String) {
    match v {
        Value::Number(n) => {
            let f = as_f64(n);
            if f.is_finite() {
                out.push_str(&number_to_string(f));
            } else {
                out.push_str("null");
            }
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (k, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                write_json(item, out);
            }
            out.push('}');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// The SDK's `toString`: strings as they are, anything else as JSON.
pub fn sdk_to_string(v: &Value) -> Cow<'_, str> {
    match v {
        Value::String(s) => Cow::Borrowed(s),
        other => Cow::Owned(stringify(other)),
    }
}

/// The mongrule `getType`: what `$type` compares against.
pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Array(_) => "array",
        Value::String(_) => "string",
        Value::Number(_) => "number",
        Value::Bool(_) => "boolean",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_print_as_in_js() {
        let cases = [
            (1.0, "1"),
            (-0.0, "0"),
            (1.5, "1.5"),
            (0.1 + 0.2, "0.30000000000000004"),
            (1e21, "1e+21"),
            (1e20, "100000000000000000000"),
            (1e-6, "0.000001"),
            (1e-7, "1e-7"),
            (1.25e-7, "1.25e-7"),
            (123456789.125, "123456789.125"),
            (-2.5e30, "-2.5e+30"),
        ];
        for (n, want) in cases {
            assert_eq!(number_to_string(n), want, "{n:e}");
        }
    }

    #[test]
    fn strings_convert_to_numbers_as_in_js() {
        let cases = [
            (" 12 ", 12.0),
            ("", 0.0),
            ("\t\n", 0.0),
            ("0x1f", 31.0),
            ("0b101", 5.0),
            ("1e3", 1000.0),
            (".5", 0.5),
            ("5.", 5.0),
            ("+3", 3.0),
            ("-Infinity", f64::NEG_INFINITY),
        ];
        for (s, want) in cases {
            assert_eq!(string_to_number(s), want, "{s:?}");
        }
        for s in ["inf", "NaN", "1_0", "-0x10", "1e", "e5", "abc", "١"] {
            assert!(string_to_number(s).is_nan(), "{s:?} is not a number in JS");
        }
    }

    #[test]
    fn mixed_comparisons_follow_js() {
        assert!(gt(&json!("8"), &json!(5)));
        assert!(lt(&json!(8), &json!("10")));
        assert!(
            !lt(&json!("8"), &json!("10")),
            "two strings compare as text"
        );
        assert!(lt(&json!(null), &json!(1)), "null is 0");
        assert!(!lt(&json!("a"), &json!(1)) && !gte(&json!("a"), &json!(1)));
        assert!(lte(&json!([]), &json!("")), "[] is the empty string");
        // U+1F600 is D83D DE00 in UTF-16: below U+FF5E, above it by code point.
        assert!(lt(&json!("😀"), &json!("～")));
    }

    #[test]
    fn string_forms_match_js() {
        assert_eq!(to_js_string(&json!([1, null, [2, 3], "x"])), "1,,2,3,x");
        assert_eq!(to_js_string(&json!({"a": 1})), "[object Object]");
        assert_eq!(
            stringify(&json!({"b": [1.0, "é"], "a": null})),
            r#"{"a":null,"b":[1,"é"]}"#
        );
        assert_eq!(sdk_to_string(&json!(12.0)), "12");
        assert!(!truthy(&json!(0.0)) && !truthy(&json!("")) && truthy(&json!([])));
        assert!(!strict_eq(&json!([1]), &json!([1])));
        assert!(strict_eq(&json!(1), &json!(1.0)));
    }
}
