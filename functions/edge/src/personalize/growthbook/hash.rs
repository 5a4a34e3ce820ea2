//! GrowthBook's bucketing hash: FNV-1a (32 bit) over UTF-16 code units,
//! because the JS SDK hashes `String.charCodeAt`, not UTF-8 bytes.

/// FNV-1a, 32 bit, over the string's UTF-16 code units.
pub fn fnv1a32(s: &str) -> u32 {
    fnv1a32_of(&[s])
}

/// FNV-1a over the concatenation of `parts`, without building it: the
/// hash runs for every experiment of every request.
fn fnv1a32_of(parts: &[&str]) -> u32 {
    parts
        .iter()
        .flat_map(|p| p.encode_utf16())
        .fold(0x811c_9dc5_u32, |h, unit| {
            (h ^ u32::from(unit)).wrapping_mul(0x0100_0193)
        })
}

/// `n` in decimal, as JS's `String(n)` writes a 32-bit unsigned integer.
pub(super) fn decimal(mut n: u32, buf: &mut [u8; 10]) -> &str {
    let mut start = buf.len();
    loop {
        start -= 1;
        // n % 10 < 10, so the cast cannot truncate.
        buf[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    // Only ASCII digits were written.
    std::str::from_utf8(&buf[start..]).unwrap_or_default()
}

/// A number in `[0, 1)` for `value` under `seed`, or `None` for an unknown
/// hash version (the SDK's `null`: nobody is bucketed).
///
/// Version 1 (`fnv(value + seed) % 1000 / 1000`) is the original, biased
/// one; version 2 (`fnv(str(fnv(seed + value))) % 10000 / 10000`) is
/// uniform.
pub fn hash(seed: &str, value: &str, version: u32) -> Option<f64> {
    match version {
        2 => {
            let inner = fnv1a32_of(&[seed, value]);
            let mut buf = [0; 10];
            Some(f64::from(fnv1a32(decimal(inner, &mut buf)) % 10_000) / 10_000.0)
        }
        1 => Some(f64::from(fnv1a32_of(&[value, seed]) % 1_000) / 1_000.0),
        _ => None,
    }
}

/// The version a payload names (`hashVersion`, a JSON number): the SDK
/// reads a missing or zero one as `fallback` (`hashVersion || 1`), and any
/// number but 1 and 2 hashes to `None`.
pub fn version_of(named: Option<f64>, fallback: u32) -> u32 {
    match named {
        None => fallback,
        Some(v) if v == 0.0 || v.is_nan() => fallback,
        Some(1.0) => 1,
        Some(2.0) => 2,
        // Unknown: `hash` answers `None` for it.
        Some(_) => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The textbook FNV-1a 32 test vectors (ASCII, so UTF-16 units equal bytes).
    #[test]
    fn fnv_matches_the_reference_vectors() {
        assert_eq!(fnv1a32(""), 0x811c_9dc5);
        assert_eq!(fnv1a32("a"), 0xe40c_292c);
        assert_eq!(fnv1a32("foobar"), 0xbf9c_f968);
    }

    #[test]
    fn decimals_are_js_string_of_u32() {
        for n in [0, 7, 10, 99, 4_294_967_295, 1_000_000_000] {
            assert_eq!(decimal(n, &mut [0; 10]), n.to_string());
        }
    }

    /// Outside ASCII the input is UTF-16: "é" is one unit (0xE9), not the
    /// two UTF-8 bytes, and an emoji is two surrogate units.
    #[test]
    fn non_ascii_hashes_code_units() {
        let one_unit = (0x811c_9dc5_u32 ^ 0xE9).wrapping_mul(0x0100_0193);
        assert_eq!(fnv1a32("é"), one_unit);
        let pair = [0xD83D_u32, 0xDE00]
            .iter()
            .fold(0x811c_9dc5_u32, |h, u| (h ^ u).wrapping_mul(0x0100_0193));
        assert_eq!(fnv1a32("😀"), pair);
    }

    #[test]
    fn versions_and_ranges() {
        for (seed, value) in [("a", "1"), ("exp", "user-42"), ("", "中文"), ("s😀", "x")] {
            let v1 = hash(seed, value, 1).expect("v1 is known");
            let v2 = hash(seed, value, 2).expect("v2 is known");
            assert!((0.0..1.0).contains(&v1) && (0.0..1.0).contains(&v2));
            assert_eq!((v1 * 1000.0).fract(), 0.0, "v1 has three decimals");
            assert_eq!(
                v1,
                f64::from(fnv1a32(&format!("{value}{seed}")) % 1000) / 1000.0
            );
        }
        assert_eq!(hash("a", "b", 3), None);
        assert_eq!(hash("a", "b", 0), None);
        assert_eq!(version_of(None, 1), 1);
        assert_eq!(version_of(Some(0.0), 2), 2);
        assert_eq!(version_of(Some(2.0), 1), 2);
        assert_eq!(hash("a", "b", version_of(Some(1.5), 1)), None);
    }
}
