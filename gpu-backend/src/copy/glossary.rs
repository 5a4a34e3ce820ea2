//! Brand and product terms kept verbatim. Before a text is translated its
//! terms are masked (`{1}`, `{2}`, … in order of appearance) or the text is
//! cut at them; after, they are put back exactly as the merchant wrote
//! them. `kept` reports the terms a finished text holds verbatim.

use super::text::spaceless;

pub struct Glossary {
    /// Longest first, so "Meridian Orbit" wins over "Meridian".
    terms: Vec<String>,
}

/// A piece of a text: a run of ordinary text or one glossary term.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Piece<'a> {
    Text(&'a str),
    Term(&'a str),
}

fn word_char(c: char) -> bool {
    c.is_alphanumeric() && !spaceless(c)
}

impl Glossary {
    pub fn new(terms: &[String]) -> Glossary {
        let mut terms: Vec<String> = terms
            .iter()
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty())
            .collect();
        terms.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        terms.dedup();
        Glossary { terms }
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// Byte ranges of the terms in `text`, left to right, never
    /// overlapping. A term matches case-sensitively and only as whole words
    /// (`Orbit` is not found in `Orbital`), except next to spaceless
    /// scripts, which have no word boundaries to check.
    pub fn spans(&self, text: &str) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        let mut at = 0;
        while let Some((s, e)) = self
            .terms
            .iter()
            .filter_map(|t| first_whole(text, at, t))
            .min_by_key(|&(s, e)| (s, std::cmp::Reverse(e)))
        {
            out.push((s, e));
            at = e;
        }
        out
    }
}

/// The first whole-word occurrence of `term` in `text` at or after `from`.
fn first_whole(text: &str, from: usize, term: &str) -> Option<(usize, usize)> {
    let mut at = from;
    loop {
        let start = at + text.get(at..)?.find(term)?;
        let end = start + term.len();
        if whole(text, start, end) {
            return Some((start, end));
        }
        at = start + text[start..].chars().next().map_or(1, char::len_utf8);
    }
}

fn whole(text: &str, start: usize, end: usize) -> bool {
    let before = text[..start].chars().next_back();
    let after = text[end..].chars().next();
    let first = text[start..end].chars().next();
    let last = text[start..end].chars().next_back();
    let joins = |a: Option<char>, b: Option<char>| matches!((a, b), (Some(a), Some(b)) if word_char(a) && word_char(b));
    !joins(before, first) && !joins(last, after)
}

impl Glossary {
    /// `text` as pieces of text and terms.
    pub fn pieces<'a>(&self, text: &'a str) -> Vec<Piece<'a>> {
        let mut out = Vec::new();
        let mut at = 0;
        for (s, e) in self.spans(text) {
            if s > at {
                out.push(Piece::Text(&text[at..s]));
            }
            out.push(Piece::Term(&text[s..e]));
            at = e;
        }
        if at < text.len() {
            out.push(Piece::Text(&text[at..]));
        }
        out
    }

    /// `text` with its terms replaced by `{1}`, `{2}`, …, and the terms in
    /// that order; `None` when it has no terms or already holds braces
    /// (a mask would be ambiguous).
    pub fn mask<'a>(&self, text: &'a str) -> Option<(String, Vec<&'a str>)> {
        if text.contains(['{', '}']) {
            return None;
        }
        let mut masked = String::with_capacity(text.len());
        let mut terms = Vec::new();
        for piece in self.pieces(text) {
            match piece {
                Piece::Text(t) => masked.push_str(t),
                Piece::Term(t) => {
                    terms.push(t);
                    masked.push_str(&format!("{{{}}}", terms.len()));
                }
            }
        }
        (!terms.is_empty()).then_some((masked, terms))
    }
}

/// The merchant's terms (in their order, once each) that appear verbatim,
/// as whole words, in `text`.
pub fn kept(original: &[String], text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in original.iter().map(|t| t.trim()) {
        if !t.is_empty() && first_whole(text, 0, t).is_some() && !out.iter().any(|o| o == t) {
            out.push(t.to_owned());
        }
    }
    out
}

/// `masked` with `{n}` replaced by `terms[n-1]`; `None` when a placeholder
/// is missing, repeated or out of range, so a term can never be lost or
/// doubled silently.
pub fn unmask(masked: &str, terms: &[&str]) -> Option<String> {
    let mut out = String::with_capacity(masked.len());
    let mut seen = vec![false; terms.len()];
    let mut rest = masked;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = open + rest[open..].find('}')?;
        let n: usize = rest[open + 1..close].parse().ok()?;
        let slot = seen.get_mut(n.checked_sub(1)?)?;
        if *slot {
            return None;
        }
        *slot = true;
        out.push_str(terms[n - 1]);
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    seen.iter().all(|s| *s).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(terms: &[&str]) -> Glossary {
        Glossary::new(&terms.iter().map(|t| t.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn terms_match_whole_words_longest_first() {
        let gl = g(&["Meridian", "Meridian Orbit", "Orbit"]);
        let text = "Meridian Orbit frames; Orbital is not Orbit.";
        let found: Vec<&str> = gl.spans(text).iter().map(|&(s, e)| &text[s..e]).collect();
        assert_eq!(found, ["Meridian Orbit", "Orbit"]);
        // Next to CJK there are no word boundaries to check.
        let zh = "Meridian Orbit眼镜";
        assert_eq!(g(&["Meridian Orbit"]).spans(zh), [(0, 14)]);
        assert!(g(&["orbit"]).spans(text).is_empty(), "case-sensitive");
    }

    #[test]
    fn masks_round_trip_and_refuse_lost_or_doubled_terms() {
        let gl = g(&["Meridian Orbit", "Aurora"]);
        let (masked, terms) = gl.mask("Meridian Orbit meets Aurora.").expect("terms");
        assert_eq!(masked, "{1} meets {2}.");
        assert_eq!(terms, ["Meridian Orbit", "Aurora"]);
        assert_eq!(
            unmask("{2} trifft {1}.", &terms).as_deref(),
            Some("Aurora trifft Meridian Orbit.")
        );
        assert_eq!(unmask("{1} trifft.", &terms), None, "a lost term");
        assert_eq!(unmask("{1} {1} {2}", &terms), None, "a doubled term");
        assert_eq!(unmask("{3} {1} {2}", &terms), None, "out of range");
        assert!(gl.mask("no terms here").is_none());
        assert!(gl.mask("Aurora {braces}").is_none());
    }

    #[test]
    fn kept_lists_terms_present_verbatim_in_the_merchants_order() {
        let original: Vec<String> = ["Aurora", "Meridian", "Meridian Orbit", "Nowhere"]
            .iter()
            .map(|t| t.to_string())
            .collect();
        assert_eq!(
            kept(&original, "Meridian Orbit und Aurora"),
            ["Aurora", "Meridian", "Meridian Orbit"]
        );
        assert!(kept(&original, "meridian orbit").is_empty());
    }
}
