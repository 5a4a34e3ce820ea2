//! Text helpers shared by the copy paths: language tags, sentences,
//! normalization for memory lookups, and cutting to a length.

/// Scripts written without spaces between words: a line may break (and a
/// text may be cut) between any two of their characters.
pub fn spaceless(c: char) -> bool {
    matches!(c,
        '\u{0E00}'..='\u{0E7F}'   // Thai
        | '\u{3000}'..='\u{303F}' // CJK punctuation
        | '\u{3040}'..='\u{30FF}' // Hiragana, Katakana
        | '\u{3400}'..='\u{4DBF}' // CJK extension A
        | '\u{4E00}'..='\u{9FFF}' // CJK unified ideographs
        | '\u{F900}'..='\u{FAFF}' // CJK compatibility ideographs
        | '\u{FF00}'..='\u{FFEF}' // full-width forms
    )
}

/// The key the memory and templates keep a well-formed BCP 47 tag's texts
/// under: its primary language subtag, lower case (`de-CH` → `de`), or,
/// where the tag's script is not its language's default, the CLDR root that
/// says so (`zh-TW` → `zh-Hant`, never `zh`: Simplified). The one text
/// fallback decides (`meridian_locale::chain`). `None` for a malformed tag.
pub fn language(tag: &str) -> Option<String> {
    if tag.is_empty() || tag.len() > 35 {
        return None;
    }
    let mut parts = tag.split('-');
    let primary = parts.next()?;
    if !(2..=3).contains(&primary.len()) || !primary.bytes().all(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    if !parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric())) {
        return None;
    }
    let primary = primary.to_ascii_lowercase();
    let root = meridian_locale::chain(tag)
        .into_iter()
        .rev()
        .find(|step| meridian_locale::language_of(step) == primary);
    Some(root.unwrap_or(primary))
}

/// Whether sentences of `language` are joined without a space.
pub fn joins_without_space(language: &str) -> bool {
    matches!(language.split('-').next(), Some("zh" | "ja"))
}

/// The sentences of `text`, each with its terminator: `. ! ?` end one when
/// followed by white space or the end (so `12.5` and `e.g.x` stay whole),
/// `。 ！ ？` always.
pub fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let end = i + c.len_utf8();
        let ends = match c {
            '。' | '！' | '？' => true,
            '.' | '!' | '?' => chars.peek().is_none_or(|(_, n)| n.is_whitespace()),
            _ => false,
        };
        if ends {
            // Runs such as `?!` or `...` stay with their sentence.
            while let Some(&(_, n)) = chars.peek() {
                if matches!(n, '.' | '!' | '?' | '。' | '！' | '？') {
                    chars.next();
                } else {
                    break;
                }
            }
            let stop = chars.peek().map_or(text.len(), |&(j, _)| j).max(end);
            push_trimmed(&mut out, &text[start..stop]);
            start = stop;
        }
    }
    push_trimmed(&mut out, &text[start..]);
    out
}

fn push_trimmed<'a>(out: &mut Vec<&'a str>, s: &'a str) {
    let s = s.trim();
    if !s.is_empty() {
        out.push(s);
    }
}

/// The memory's matching key: lower case, white space collapsed to one
/// space, trimmed.
pub fn normalize(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(word.chars().flat_map(char::to_lowercase));
    }
    out
}

/// `text` cut to at most `max` characters, ending in `…` when cut: at the
/// last word boundary (any character boundary in spaceless scripts) that
/// lies outside every `protected` byte range, so a glossary term is kept
/// whole or dropped whole. `None` when it already fits.
pub fn cut(text: &str, max: usize, protected: &[(usize, usize)]) -> Option<String> {
    if text.chars().count() <= max {
        return None;
    }
    let budget = max.saturating_sub(1);
    let inside = |b: usize| protected.iter().any(|&(s, e)| s < b && b < e);
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut best = 0;
    // A boundary after the n-th character: at a space, before word-ending
    // punctuation, or next to a spaceless character.
    for n in 1..=budget.min(chars.len()) {
        let (b, prev) = (chars[n - 1].0 + chars[n - 1].1.len_utf8(), chars[n - 1].1);
        let next = chars.get(n).map(|&(_, c)| c);
        let boundary = match next {
            None => true,
            Some(next) => {
                // Before white space or punctuation that ends a word
                // (not inside `it's` or `hand-finished`).
                next.is_whitespace()
                    || (!next.is_alphanumeric() && !"'’-".contains(next))
                    || prev.is_whitespace()
                    || spaceless(prev)
                    || spaceless(next)
            }
        };
        if boundary && !inside(b) {
            best = b;
        }
    }
    let kept = text[..best].trim_end_matches(|c: char| c.is_whitespace() || ",;:–—-/(".contains(c));
    Some(format!("{kept}…"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_tags_are_checked_for_shape() {
        assert_eq!(language("de-CH").as_deref(), Some("de"));
        assert_eq!(language("ZH-Hant-TW").as_deref(), Some("zh-Hant"));
        assert_eq!(language("zh-TW").as_deref(), Some("zh-Hant"));
        assert_eq!(language("zh-HK").as_deref(), Some("zh-Hant"));
        assert_eq!(language("zh-CN").as_deref(), Some("zh"));
        assert_eq!(language("pt-PT").as_deref(), Some("pt"));
        assert_eq!(language("es-MX").as_deref(), Some("es"));
        assert_eq!(language("sr-Latn").as_deref(), Some("sr-Latn"));
        assert!(joins_without_space("zh-Hant") && !joins_without_space("de"));
        assert_eq!(language("yue").as_deref(), Some("yue"));
        for bad in [
            "",
            "d",
            "deutsch",
            "de_CH",
            "de-",
            "de--CH",
            "de-toolongsubtag",
            "1e",
        ] {
            assert_eq!(language(bad), None, "{bad}");
        }
    }

    #[test]
    fn sentences_split_on_latin_and_cjk_terminators() {
        assert_eq!(
            sentences("A dry Riesling. 12.5% vol! Really?  Yes"),
            ["A dry Riesling.", "12.5% vol!", "Really?", "Yes"]
        );
        assert_eq!(
            sentences("最佳夏日太阳镜，国家级品质。好！"),
            ["最佳夏日太阳镜，国家级品质。", "好！"]
        );
        assert_eq!(sentences("Wait?! Now..."), ["Wait?!", "Now..."]);
        assert!(sentences("  ").is_empty());
    }

    #[test]
    fn normalizing_folds_case_and_space() {
        assert_eq!(
            normalize("  Feather-light\tTITANIUM  frames. "),
            "feather-light titanium frames."
        );
    }

    #[test]
    fn cuts_land_on_word_boundaries_outside_protected_terms() {
        let t = "Meridian Orbit titanium frames, hand-finished";
        assert_eq!(cut(t, 100, &[]), None);
        assert_eq!(cut(t, 25, &[]).as_deref(), Some("Meridian Orbit titanium…"));
        assert_eq!(
            cut(t, 31, &[]).as_deref(),
            Some("Meridian Orbit titanium frames…")
        );
        // Without protection the cut may fall inside the term...
        assert_eq!(cut(t, 12, &[]).as_deref(), Some("Meridian…"));
        // ...with it the whole term goes.
        assert_eq!(cut(t, 12, &[(0, 14)]).as_deref(), Some("…"));
        assert_eq!(
            cut("夏の夕暮れのためのサングラス。", 6, &[]).as_deref(),
            Some("夏の夕暮れ…")
        );
        let out = cut(t, 25, &[]).unwrap_or_default();
        assert!(out.chars().count() <= 25);
    }
}
