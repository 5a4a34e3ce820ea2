//! `Accept` negotiation for renditions (RFC 9110 12.5.1): the preset's
//! formats, most preferred first, against what the client accepts.

use meridian_wit::types::ImageFormat;

/// The format to serve: the highest `q` the client gives any offered
/// format, ties going to the preset's order. No `Accept` accepts anything.
/// `None` when the client accepts none of them (406).
pub fn negotiate(accept: Option<&str>, offered: &[ImageFormat]) -> Option<ImageFormat> {
    let Some(accept) = accept.filter(|a| !a.trim().is_empty()) else {
        return offered.first().copied();
    };
    let ranges: Vec<(&str, f32)> = accept.split(',').filter_map(range).collect();
    let q_of = |format: ImageFormat| {
        let media = format.media_type();
        let (kind, _) = media.split_once('/').unwrap_or((media, ""));
        // The most specific range decides (RFC 9110 12.5.1).
        let exact = ranges.iter().find(|(r, _)| r.eq_ignore_ascii_case(media));
        let family = ranges.iter().find(|(r, _)| {
            r.strip_suffix("/*")
                .is_some_and(|k| k.eq_ignore_ascii_case(kind))
        });
        let any = ranges.iter().find(|(r, _)| *r == "*/*");
        exact.or(family).or(any).map_or(0.0, |(_, q)| *q)
    };
    let mut best: Option<(ImageFormat, f32)> = None;
    for &format in offered {
        let q = q_of(format);
        if q > 0.0 && best.is_none_or(|(_, b)| q > b) {
            best = Some((format, q));
        }
    }
    best.map(|(f, _)| f)
}

/// One media range and its weight; malformed weights count as 0.
fn range(item: &str) -> Option<(&str, f32)> {
    let mut parts = item.split(';').map(str::trim);
    let media = parts.next().filter(|m| m.contains('/'))?;
    let mut q = 1.0;
    for param in parts {
        if let Some(v) = param
            .strip_prefix("q=")
            .or_else(|| param.strip_prefix("Q="))
        {
            q = v
                .parse::<f32>()
                .ok()
                .filter(|q| (0.0..=1.0).contains(q))
                .unwrap_or(0.0);
        }
    }
    Some((media, q))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ImageFormat::{Avif, Jpeg, Png, Webp};

    const ALL: &[ImageFormat] = &[Avif, Webp, Jpeg, Png];

    #[test]
    fn browsers_get_the_best_format_they_take() {
        let chrome = "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8";
        assert_eq!(negotiate(Some(chrome), ALL), Some(Avif));
        let old_safari = "image/webp,image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5";
        assert_eq!(negotiate(Some(old_safari), ALL), Some(Webp));
        assert_eq!(negotiate(Some("image/jpeg"), ALL), Some(Jpeg));
        assert_eq!(negotiate(Some("*/*"), ALL), Some(Avif));
        assert_eq!(negotiate(None, ALL), Some(Avif));
        assert_eq!(
            negotiate(Some("image/avif;q=0.5, image/jpeg"), ALL),
            Some(Jpeg)
        );
        assert_eq!(negotiate(Some("image/avif;q=0, image/*"), ALL), Some(Webp));
        assert_eq!(negotiate(Some("image/avif"), &[Jpeg, Webp]), None);
        assert_eq!(negotiate(Some("text/html"), ALL), None);
        assert_eq!(
            negotiate(Some("image/webp;q=oops, image/png"), ALL),
            Some(Png)
        );
        assert_eq!(negotiate(Some(",,;;garbage"), ALL), None);
    }
}
