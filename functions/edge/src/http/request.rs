//! Parsing `GET /v1/media/{asset}/{preset}.{ext}` and
//! `GET /v1/media/{asset}/{preset}` (format negotiated from `Accept`).

use meridian_wit::types::ImageFormat;

use crate::http::response::Refusal;

/// Where media URLs live.
pub const MEDIA_PREFIX: &str = "/v1/media/";

/// A parsed media request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaPath {
    /// Catalog-relative asset path, validated.
    pub asset: String,
    pub preset: String,
    /// The format the URL names; `None` asks for negotiation.
    pub format: Option<ImageFormat>,
    /// The extension as requested (`jpg`, `png`, `webp`, `avif`; empty
    /// when negotiated).
    pub ext: String,
}

/// Parses a request path (query string allowed and ignored).
pub fn parse_media_path(path: &str) -> Result<MediaPath, Refusal> {
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let rest = path
        .strip_prefix(MEDIA_PREFIX)
        .ok_or_else(|| Refusal::new(404, "route-unknown", format!("no media route for {path}")))?;
    let (asset, last) = rest.rsplit_once('/').ok_or_else(|| {
        Refusal::new(
            404,
            "route-unknown",
            "media URLs are /v1/media/{asset}/{preset}.{ext}",
        )
    })?;
    validate_asset(asset)?;
    let (preset, ext, format) = match last.rsplit_once('.') {
        None => (last, "", None),
        Some((preset, ext)) => {
            let format = ImageFormat::from_extension(ext).ok_or_else(|| {
                Refusal::new(
                    404,
                    "format-unknown",
                    format!("`{ext}` is not a format (avif, webp, jpg, png)"),
                )
            })?;
            (preset, ext, Some(format))
        }
    };
    if preset.is_empty() {
        return Err(Refusal::new(
            404,
            "preset-unknown",
            "the preset name is empty",
        ));
    }
    Ok(MediaPath {
        asset: asset.to_owned(),
        preset: preset.to_owned(),
        format,
        ext: ext.to_ascii_lowercase(),
    })
}

/// An asset path is relative, has no dot segments and no encoded
/// characters; the backend checks containment again on its file system.
pub fn validate_asset(asset: &str) -> Result<(), Refusal> {
    let invalid = |why: &str| {
        Err(Refusal::new(
            400,
            "asset-path-invalid",
            format!("asset path `{}` {why}", asset.escape_default()),
        ))
    };
    if asset.is_empty() {
        return invalid("is empty");
    }
    if asset.len() > 512 {
        return invalid("is longer than 512 bytes");
    }
    if asset.contains(['%', '\\', '\0']) {
        return invalid("contains `%`, `\\` or NUL");
    }
    if asset.chars().any(char::is_control) {
        return invalid("contains control characters");
    }
    if asset
        .split('/')
        .any(|segment| segment.is_empty() || segment == "." || segment == "..")
    {
        return invalid("has an empty, `.` or `..` segment");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_nested_assets_presets_and_formats() {
        let m = parse_media_path("/v1/media/shoes/red.jpg/thumbnail.webp?v=2").expect("parses");
        assert_eq!(m.asset, "shoes/red.jpg");
        assert_eq!(m.preset, "thumbnail");
        assert_eq!(m.format, Some(ImageFormat::Webp));
        assert_eq!(
            parse_media_path("/v1/media/a.png/product.JPEG").map(|m| m.format),
            Ok(Some(ImageFormat::Jpeg))
        );
        let negotiated = parse_media_path("/v1/media/a.png/product").expect("parses");
        assert_eq!((negotiated.format, negotiated.ext.as_str()), (None, ""));
    }

    #[test]
    fn refuses_traversal_and_encoded_paths() {
        for bad in [
            "/v1/media/../../etc/passwd/thumbnail.jpg",
            "/v1/media/a/../b.jpg/thumbnail.jpg",
            "/v1/media/./a.jpg/thumbnail.jpg",
            "/v1/media//a.jpg/thumbnail.jpg",
            "/v1/media/%2e%2e%2fsecret.jpg/thumbnail.jpg",
            "/v1/media/a\\b.jpg/thumbnail.jpg",
            "/v1/media/a\0.jpg/thumbnail.jpg",
            "/v1/media//thumbnail.jpg",
        ] {
            let refusal = parse_media_path(bad).expect_err(bad);
            assert_eq!(
                (refusal.status, refusal.code.as_str()),
                (400, "asset-path-invalid"),
                "{bad}"
            );
        }
    }

    #[test]
    fn refuses_unknown_formats_and_shapes() {
        let code = |p: &str| {
            parse_media_path(p)
                .map_err(|r| (r.status, r.code))
                .expect_err(p)
        };
        assert_eq!(
            code("/v1/media/a.jpg/thumbnail.gif"),
            (404, "format-unknown".into())
        );
        assert_eq!(code("/v1/media/a.jpg"), (404, "route-unknown".into()));
        assert_eq!(code("/v1/other/a.jpg/x.jpg"), (404, "route-unknown".into()));
        assert_eq!(code("/v1/media/a.jpg/.jpg"), (404, "preset-unknown".into()));
    }
}
