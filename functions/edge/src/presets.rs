//! Named rendition presets: configuration, validated when loaded.

use std::collections::BTreeMap;

use meridian_wit::types::{Crop, Fit, ImageFormat, Rgba};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::http::response::Refusal;

/// The presets shipped with the media component.
pub const DEFAULT_PRESETS: &str = include_str!("../../media/presets.toml");

const MAX_SIDE: u32 = 4096;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PresetError {
    #[error("presets do not parse: {0}")]
    Parse(String),
    #[error("preset `{name}`: {problem}")]
    Invalid { name: String, problem: String },
    #[error("no presets are defined")]
    Empty,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum FitName {
    Cover,
    Contain,
    Pad,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum CropName {
    #[default]
    Centre,
    Attention,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPreset {
    width: u32,
    height: u32,
    fit: FitName,
    #[serde(default)]
    crop: CropName,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    subject_fill: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    min_source_side: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    background: Option<String>,
    formats: Vec<String>,
    #[serde(default)]
    quality: BTreeMap<String, u8>,
    max_age_s: u64,
}

/// One validated preset.
#[derive(Debug, Clone, PartialEq)]
pub struct Preset {
    pub name: String,
    pub width: u32,
    pub height: u32,
    pub fit: Fit,
    /// Where `cover` crops: the centre, or the most detailed window.
    pub crop: Crop,
    /// Percent of the box the product fills once uniform background is
    /// trimmed (marketplace main images).
    pub subject_fill: Option<u8>,
    /// Sources smaller than this on their shorter side are refused.
    pub min_source_side: Option<u32>,
    pub background: Option<Rgba>,
    /// In order of preference, for `Accept` negotiation.
    formats: Vec<ImageFormat>,
    quality: BTreeMap<String, u8>,
    pub max_age_s: u64,
    /// Digest of the preset's configuration; part of cache keys, so a
    /// changed preset never serves renditions of its old shape.
    pub version: String,
}

impl Preset {
    pub fn offers(&self, format: ImageFormat) -> bool {
        self.formats.contains(&format)
    }

    /// The formats offered, most preferred first.
    pub fn formats(&self) -> &[ImageFormat] {
        &self.formats
    }

    /// Encoder quality for a format (lossless formats ignore it).
    pub fn quality(&self, format: ImageFormat) -> u8 {
        self.quality.get(format.extension()).copied().unwrap_or(85)
    }
}

/// All presets, by name.
#[derive(Debug, Clone, PartialEq)]
pub struct Presets {
    by_name: BTreeMap<String, Preset>,
}

impl Presets {
    /// The shipped presets, or `overrides` (TOML) when it is not blank.
    pub fn load(overrides: Option<&str>) -> Result<Presets, PresetError> {
        match overrides.map(str::trim) {
            Some(text) if !text.is_empty() => Presets::parse(text),
            _ => Presets::parse(DEFAULT_PRESETS),
        }
    }

    pub fn parse(text: &str) -> Result<Presets, PresetError> {
        let raw: BTreeMap<String, RawPreset> =
            toml::from_str(text).map_err(|e| PresetError::Parse(e.to_string()))?;
        if raw.is_empty() {
            return Err(PresetError::Empty);
        }
        let by_name = raw
            .into_iter()
            .map(|(name, raw)| Ok((name.clone(), validate(name, raw)?)))
            .collect::<Result<_, PresetError>>()?;
        Ok(Presets { by_name })
    }

    pub fn get(&self, name: &str) -> Result<&Preset, Refusal> {
        self.by_name.get(name).ok_or_else(|| {
            Refusal::new(
                404,
                "preset-unknown",
                format!(
                    "no preset `{}`; presets: {}",
                    name.escape_default(),
                    self.names().join(", ")
                ),
            )
        })
    }

    pub fn names(&self) -> Vec<&str> {
        self.by_name.keys().map(String::as_str).collect()
    }
}

fn validate(name: String, raw: RawPreset) -> Result<Preset, PresetError> {
    let invalid = |problem: String| PresetError::Invalid {
        name: name.clone(),
        problem,
    };
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        || name.is_empty()
    {
        return Err(invalid("names use letters, digits, `-` and `_`".into()));
    }
    for (side, value) in [("width", raw.width), ("height", raw.height)] {
        if value == 0 || value > MAX_SIDE {
            return Err(invalid(format!("{side} {value} is outside 1..={MAX_SIDE}")));
        }
    }
    let formats = raw
        .formats
        .iter()
        .map(|f| {
            ImageFormat::from_extension(f).ok_or_else(|| invalid(format!("unknown format `{f}`")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    if formats.is_empty() {
        return Err(invalid("offers no format".into()));
    }
    for (format, q) in &raw.quality {
        if ImageFormat::from_extension(format).is_none() {
            return Err(invalid(format!("quality for unknown format `{format}`")));
        }
        if !(1..=100).contains(q) {
            return Err(invalid(format!(
                "quality {q} for {format} is outside 1..=100"
            )));
        }
    }
    if let Some(fill) = raw.subject_fill
        && !(10..=100).contains(&fill)
    {
        return Err(invalid(format!("subject_fill {fill} is outside 10..=100")));
    }
    if raw
        .min_source_side
        .is_some_and(|m| m == 0 || m > MAX_SIDE * 4)
    {
        return Err(invalid("min_source_side is outside 1..=16384".into()));
    }
    let background = raw
        .background
        .as_deref()
        .map(|hex| {
            parse_colour(hex)
                .ok_or_else(|| invalid(format!("background `{hex}` is not #rrggbb or #rrggbbaa")))
        })
        .transpose()?;
    let canonical = serde_json::to_vec(&raw).map_err(|e| invalid(e.to_string()))?;
    let version = hex::encode(&Sha256::digest(&canonical)[..6]);
    Ok(Preset {
        width: raw.width,
        height: raw.height,
        fit: match raw.fit {
            FitName::Cover => Fit::Cover,
            FitName::Contain => Fit::Contain,
            FitName::Pad => Fit::Pad,
        },
        crop: match raw.crop {
            CropName::Centre => Crop::Centre,
            CropName::Attention => Crop::Attention,
        },
        subject_fill: raw.subject_fill,
        min_source_side: raw.min_source_side,
        background,
        formats,
        quality: raw
            .quality
            .into_iter()
            .filter_map(|(f, q)| {
                ImageFormat::from_extension(&f).map(|f| (f.extension().to_owned(), q))
            })
            .collect(),
        max_age_s: raw.max_age_s,
        version,
        name,
    })
}

fn parse_colour(hex: &str) -> Option<Rgba> {
    let digits = hex.strip_prefix('#')?;
    if !matches!(digits.len(), 6 | 8) {
        return None;
    }
    let bytes = hex::decode(digits).ok()?;
    Some(Rgba {
        r: bytes[0],
        g: bytes[1],
        b: bytes[2],
        a: bytes.get(3).copied().unwrap_or(255),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_presets_load() {
        let p = Presets::load(None).expect("defaults validate");
        assert_eq!(
            p.names(),
            vec![
                "marketplace-main",
                "product",
                "social-4x5",
                "square-1080",
                "story",
                "thumbnail",
                "video-cover"
            ]
        );
        let main = p.get("marketplace-main").expect("marketplace");
        assert_eq!(
            (main.subject_fill, main.min_source_side, main.formats()),
            (Some(85), Some(1000), &[ImageFormat::Jpeg][..])
        );
        let cover = p.get("video-cover").expect("video cover");
        assert_eq!(
            (cover.width, cover.height, cover.crop),
            (1080, 1920, Crop::Attention)
        );
        let thumb = p.get("thumbnail").expect("thumbnail");
        assert_eq!(
            (thumb.width, thumb.height, thumb.fit),
            (160, 160, Fit::Cover)
        );
        assert_eq!(thumb.quality(ImageFormat::Jpeg), 80);
        let pad = p.get("square-1080").expect("square");
        assert_eq!(
            pad.background,
            Some(Rgba {
                r: 255,
                g: 255,
                b: 255,
                a: 255
            })
        );
        assert!(!p.get("story").expect("story").offers(ImageFormat::Png));
        assert_eq!(Presets::load(Some("  ")), Presets::load(None));
    }

    #[test]
    fn channel_fields_are_validated() {
        let base =
            "[x]\nwidth=10\nheight=10\nfit=\"cover\"\nformats=[\"avif\",\"jpg\"]\nmax_age_s=60\n";
        let ok = Presets::parse(&format!(
            "{base}crop=\"attention\"\nsubject_fill=80\nmin_source_side=500\n"
        ))
        .expect("valid");
        let x = ok.get("x").expect("x");
        assert_eq!(x.formats(), &[ImageFormat::Avif, ImageFormat::Jpeg]);
        assert_eq!(
            (x.crop, x.subject_fill, x.min_source_side),
            (Crop::Attention, Some(80), Some(500))
        );
        for bad in [
            "crop=\"middle\"\n",
            "subject_fill=5\n",
            "subject_fill=101\n",
            "min_source_side=0\n",
        ] {
            assert!(Presets::parse(&format!("{base}{bad}")).is_err(), "{bad}");
        }
    }

    #[test]
    fn unknown_preset_is_404() {
        let p = Presets::load(None).expect("defaults");
        let r = p.get("poster").expect_err("unknown");
        assert_eq!((r.status, r.code.as_str()), (404, "preset-unknown"));
    }

    #[test]
    fn overrides_replace_and_version_changes() {
        let a = Presets::parse(
            "[x]\nwidth=10\nheight=10\nfit=\"cover\"\nformats=[\"jpg\"]\nmax_age_s=60\n",
        )
        .expect("valid");
        let b = Presets::parse(
            "[x]\nwidth=11\nheight=10\nfit=\"cover\"\nformats=[\"jpg\"]\nmax_age_s=60\n",
        )
        .expect("valid");
        assert_ne!(
            a.get("x").expect("x").version,
            b.get("x").expect("x").version
        );
    }

    #[test]
    fn invalid_presets_say_why() {
        let cases = [
            (
                "[x]\nwidth=0\nheight=10\nfit=\"cover\"\nformats=[\"jpg\"]\nmax_age_s=1",
                "width 0",
            ),
            (
                "[x]\nwidth=10\nheight=10\nfit=\"stretch\"\nformats=[\"jpg\"]\nmax_age_s=1",
                "parse",
            ),
            (
                "[x]\nwidth=10\nheight=10\nfit=\"cover\"\nformats=[\"gif\"]\nmax_age_s=1",
                "gif",
            ),
            (
                "[x]\nwidth=10\nheight=10\nfit=\"cover\"\nformats=[\"jpg\"]\nquality={jpg=0}\nmax_age_s=1",
                "quality 0",
            ),
            (
                "[x]\nwidth=10\nheight=10\nfit=\"pad\"\nbackground=\"white\"\nformats=[\"jpg\"]\nmax_age_s=1",
                "background",
            ),
            (
                "[x]\nwidth=10\nheight=10\nfit=\"cover\"\nformats=[\"jpg\"]\nmax_age_s=1\nextra=1",
                "parse",
            ),
            ("", "no presets"),
        ];
        for (text, needle) in cases {
            let err = Presets::parse(text).expect_err(text).to_string();
            assert!(err.contains(needle), "{err} should mention {needle}");
        }
    }
}
