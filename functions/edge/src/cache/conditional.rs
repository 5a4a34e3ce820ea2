//! A client's preconditions (RFC 9110 §13) and byte ranges (RFC 9110 §14)
//! evaluated against a response the cache has whole.

/// One entity-tag of a field: its opaque part (quotes included) and
/// whether it is weak. An unquoted value (`abc`, as some origins and
/// clients send) is read as the quoted `"abc"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntityTag {
    pub weak: bool,
    pub opaque: String,
}

impl EntityTag {
    pub fn parse(text: &str) -> Option<EntityTag> {
        let text = text.trim();
        let (weak, rest) = match text.strip_prefix("W/") {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        if rest.is_empty() {
            return None;
        }
        let opaque = if rest.len() >= 2 && rest.starts_with('"') && rest.ends_with('"') {
            rest.to_owned()
        } else if rest.contains('"') {
            return None;
        } else {
            format!("\"{rest}\"")
        };
        Some(EntityTag { weak, opaque })
    }

    /// Strong comparison (RFC 9110 §8.8.3.2): both strong, same opaque.
    pub fn strong_eq(&self, other: &EntityTag) -> bool {
        !self.weak && !other.weak && self.opaque == other.opaque
    }

    /// Weak comparison: the opaque parts alone.
    pub fn weak_eq(&self, other: &EntityTag) -> bool {
        self.opaque == other.opaque
    }
}

/// A field's entity-tag list, split at commas outside quotes; `None` for `*`.
fn tag_list(field: &str) -> Option<Vec<EntityTag>> {
    if field.trim() == "*" {
        return None;
    }
    let mut tags = Vec::new();
    let (mut start, mut quoted) = (0, false);
    for (i, c) in field.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => {
                tags.extend(EntityTag::parse(&field[start..i]));
                start = i + 1;
            }
            _ => {}
        }
    }
    tags.extend(EntityTag::parse(&field[start..]));
    Some(tags)
}

/// Whether `If-None-Match` matches the current `etag` (weak comparison,
/// RFC 9110 §13.1.2): `*` matches any current representation.
pub fn none_match(if_none_match: &str, etag: Option<&str>) -> bool {
    let current = etag.and_then(EntityTag::parse);
    match tag_list(if_none_match) {
        None => true,
        Some(tags) => current.is_some_and(|c| tags.iter().any(|t| t.weak_eq(&c))),
    }
}

/// Whether `If-Match` holds (strong comparison, RFC 9110 §13.1.1).
pub fn match_holds(if_match: &str, etag: Option<&str>) -> bool {
    let current = etag.and_then(EntityTag::parse);
    match tag_list(if_match) {
        None => current.is_some(),
        Some(tags) => current.is_some_and(|c| tags.iter().any(|t| t.strong_eq(&c))),
    }
}

/// The client's conditional and range fields, as sent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Conditions<'a> {
    pub if_match: Option<&'a str>,
    pub if_none_match: Option<&'a str>,
    pub if_modified_since: Option<&'a str>,
    pub if_unmodified_since: Option<&'a str>,
    pub range: Option<&'a str>,
    pub if_range: Option<&'a str>,
}

/// What the preconditions say about a `200` for `GET`/`HEAD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precondition {
    /// Serve it (ranges still apply).
    Proceed,
    /// `304 Not Modified`.
    NotModified,
    /// `412 Precondition Failed`.
    Failed,
}

fn date(text: &str) -> Option<std::time::SystemTime> {
    httpdate::parse_http_date(text.trim()).ok()
}

impl Conditions<'_> {
    /// RFC 9110 §13.2.2 in its order: `If-Match`, else `If-Unmodified-Since`;
    /// then `If-None-Match`, else `If-Modified-Since`. A date that does not
    /// parse, or a date condition on a response without `Last-Modified`,
    /// is ignored.
    pub fn evaluate(&self, etag: Option<&str>, last_modified: Option<&str>) -> Precondition {
        let modified = last_modified.and_then(date);
        if let Some(if_match) = self.if_match {
            if !match_holds(if_match, etag) {
                return Precondition::Failed;
            }
        } else if let (Some(since), Some(modified)) =
            (self.if_unmodified_since.and_then(date), modified)
            && modified > since
        {
            return Precondition::Failed;
        }
        if let Some(if_none_match) = self.if_none_match {
            if none_match(if_none_match, etag) {
                return Precondition::NotModified;
            }
        } else if let (Some(since), Some(modified)) =
            (self.if_modified_since.and_then(date), modified)
            && modified <= since
        {
            return Precondition::NotModified;
        }
        Precondition::Proceed
    }

    /// Whether `If-Range` lets the range apply (RFC 9110 §13.1.5): an
    /// entity-tag by strong comparison, a date only when it equals a
    /// `Last-Modified` (the cache cannot tell that one is strong, so an
    /// exact match is required). Without `If-Range`, always.
    pub fn range_applies(&self, etag: Option<&str>, last_modified: Option<&str>) -> bool {
        let Some(if_range) = self.if_range.map(str::trim) else {
            return true;
        };
        if let Some(since) = date(if_range) {
            return last_modified.and_then(date) == Some(since);
        }
        match (EntityTag::parse(if_range), etag.and_then(EntityTag::parse)) {
            (Some(asked), Some(current)) => asked.strong_eq(&current),
            _ => false,
        }
    }
}

/// A `Range` field against a body of `length` bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ranged {
    /// No range to honour (none asked, another unit, several ranges or
    /// bad syntax: RFC 9110 §14.2 lets a server ignore them): the whole body.
    Whole,
    /// Bytes `first..=last` (`206`).
    Part { first: u64, last: u64 },
    /// `416 Range Not Satisfiable`.
    Unsatisfiable,
}

/// Reads a single `bytes=` range: `a-b`, `a-` (open-ended) or `-n` (suffix).
pub fn range(field: &str, length: u64) -> Ranged {
    let Some(spec) = field
        .trim()
        .strip_prefix("bytes=")
        .or_else(|| field.trim().strip_prefix("BYTES="))
    else {
        return Ranged::Whole;
    };
    if spec.contains(',') {
        return Ranged::Whole;
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return Ranged::Whole;
    };
    let number = |s: &str| -> Option<u64> {
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    let (first, last) = (first.trim(), last.trim());
    match (first.is_empty(), number(first), number(last)) {
        // Suffix: the last n bytes.
        (true, _, Some(n)) => {
            if n == 0 || length == 0 {
                Ranged::Unsatisfiable
            } else {
                Ranged::Part {
                    first: length.saturating_sub(n),
                    last: length - 1,
                }
            }
        }
        (false, Some(a), None) if last.is_empty() => {
            if a >= length {
                Ranged::Unsatisfiable
            } else {
                Ranged::Part {
                    first: a,
                    last: length - 1,
                }
            }
        }
        (false, Some(a), Some(b)) if a <= b => {
            if a >= length {
                Ranged::Unsatisfiable
            } else {
                Ranged::Part {
                    first: a,
                    last: b.min(length - 1),
                }
            }
        }
        _ => Ranged::Whole,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entity_tags_quoted_unquoted_weak_and_lists() {
        let strong = "\"abc\"";
        assert!(none_match("\"abc\"", Some(strong)));
        assert!(none_match("W/\"abc\"", Some(strong)), "weak comparison");
        assert!(none_match("abc", Some(strong)), "unquoted client value");
        assert!(none_match("\"abc\"", Some("abc")), "unquoted origin ETag");
        assert!(none_match("\"x\", \"abc\"", Some(strong)));
        assert!(
            none_match("\"a,b\", \"abc\"", Some(strong)),
            "comma inside quotes"
        );
        assert!(!none_match("\"a,b\"", Some("\"a\"")));
        assert!(none_match("*", Some(strong)));
        assert!(none_match("*", None), "`*` needs no validator");
        assert!(!none_match("\"abd\"", Some(strong)));
        assert!(!none_match("", Some(strong)));
        assert!(!none_match("\"abc\"", None));
        // If-Match compares strongly.
        assert!(match_holds("\"abc\"", Some(strong)));
        assert!(!match_holds("W/\"abc\"", Some(strong)));
        assert!(!match_holds("\"abc\"", Some("W/\"abc\"")));
        assert!(match_holds("*", Some(strong)));
        assert!(!match_holds("*", None));
    }

    const LM: &str = "Tue, 01 Sep 2026 10:00:00 GMT";
    const BEFORE: &str = "Mon, 31 Aug 2026 10:00:00 GMT";
    const AFTER: &str = "Wed, 02 Sep 2026 10:00:00 GMT";

    #[test]
    fn preconditions_in_rfc_9110_order() {
        use Precondition::*;
        let etag = Some("\"e\"");
        let lm = Some(LM);
        let cases: &[(Conditions, Precondition)] = &[
            (Conditions::default(), Proceed),
            (
                Conditions {
                    if_none_match: Some("W/\"e\""),
                    ..Default::default()
                },
                NotModified,
            ),
            // If-Modified-Since is ignored when If-None-Match is present.
            (
                Conditions {
                    if_none_match: Some("\"other\""),
                    if_modified_since: Some(AFTER),
                    ..Default::default()
                },
                Proceed,
            ),
            (
                Conditions {
                    if_modified_since: Some(AFTER),
                    ..Default::default()
                },
                NotModified,
            ),
            (
                Conditions {
                    if_modified_since: Some(LM),
                    ..Default::default()
                },
                NotModified,
            ),
            (
                Conditions {
                    if_modified_since: Some(BEFORE),
                    ..Default::default()
                },
                Proceed,
            ),
            (
                Conditions {
                    if_modified_since: Some("yesterday"),
                    ..Default::default()
                },
                Proceed,
            ),
            (
                Conditions {
                    if_match: Some("\"nope\""),
                    if_none_match: Some("\"e\""),
                    ..Default::default()
                },
                Failed,
            ),
            (
                Conditions {
                    if_match: Some("\"e\""),
                    if_none_match: Some("\"e\""),
                    ..Default::default()
                },
                NotModified,
            ),
            (
                Conditions {
                    if_unmodified_since: Some(BEFORE),
                    ..Default::default()
                },
                Failed,
            ),
            // If-Unmodified-Since is ignored when If-Match is present.
            (
                Conditions {
                    if_match: Some("\"e\""),
                    if_unmodified_since: Some(BEFORE),
                    ..Default::default()
                },
                Proceed,
            ),
            (
                Conditions {
                    if_unmodified_since: Some(AFTER),
                    ..Default::default()
                },
                Proceed,
            ),
        ];
        for (conditions, expected) in cases {
            assert_eq!(conditions.evaluate(etag, lm), *expected, "{conditions:?}");
        }
        // Without Last-Modified, date conditions say nothing.
        let ims = Conditions {
            if_modified_since: Some(AFTER),
            ..Default::default()
        };
        assert_eq!(ims.evaluate(etag, None), Proceed);
    }

    #[test]
    fn ranges_single_open_suffix_and_unsatisfiable() {
        use Ranged::*;
        let n = 10;
        for (field, expected) in [
            ("bytes=0-3", Part { first: 0, last: 3 }),
            ("bytes=2-", Part { first: 2, last: 9 }),
            ("bytes=-3", Part { first: 7, last: 9 }),
            ("bytes=-30", Part { first: 0, last: 9 }),
            ("bytes=5-100", Part { first: 5, last: 9 }),
            ("bytes=9-9", Part { first: 9, last: 9 }),
            ("bytes=10-", Unsatisfiable),
            ("bytes=10-20", Unsatisfiable),
            ("bytes=-0", Unsatisfiable),
            ("bytes=3-1", Whole),
            ("bytes=0-1,4-5", Whole),
            ("items=0-1", Whole),
            ("bytes=a-b", Whole),
            ("bytes=-", Whole),
            ("bytes=+1-2", Whole),
        ] {
            assert_eq!(range(field, n), expected, "{field}");
        }
        assert_eq!(range("bytes=0-", 0), Unsatisfiable);
    }

    #[test]
    fn if_range_strong_etag_or_exact_date() {
        let with = |if_range| Conditions {
            range: Some("bytes=0-1"),
            if_range: Some(if_range),
            ..Default::default()
        };
        let (etag, lm) = (Some("\"e\""), Some(LM));
        assert!(Conditions::default().range_applies(etag, lm));
        assert!(with("\"e\"").range_applies(etag, lm));
        assert!(!with("W/\"e\"").range_applies(etag, lm), "weak never");
        assert!(!with("\"e\"").range_applies(Some("W/\"e\""), lm));
        assert!(!with("\"f\"").range_applies(etag, lm));
        assert!(with(LM).range_applies(etag, lm));
        assert!(!with(AFTER).range_applies(etag, lm));
        assert!(!with(LM).range_applies(etag, None));
    }
}
