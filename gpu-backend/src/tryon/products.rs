//! The try-on catalog (`tryon-catalog/products.toml`): per SKU, what kind of
//! product it is, its overlay and the anchor and scale rules that place it.
//! Validated whole at load: a bad entry stops the service from starting.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// A named point of a face, derived from the 68 landmarks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FacePoint {
    EyeLeft,
    EyeRight,
    BrowLeft,
    BrowRight,
    TempleLeft,
    TempleRight,
    EarLeft,
    EarRight,
    MouthLeft,
    MouthRight,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    Eyewear,
    Hat,
    Earrings,
    LipColour,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    sku: String,
    name: String,
    kind: Kind,
    overlay: Option<PathBuf>,
    anchors: Option<[[f32; 2]; 2]>,
    at: Option<[FacePoint; 2]>,
    width: Option<[FacePoint; 2]>,
    #[serde(default = "one")]
    spread: f32,
    #[serde(default)]
    lift: f32,
    #[serde(default = "one")]
    opacity: f32,
    #[serde(default)]
    lighting: f32,
    colour: Option<String>,
    #[serde(default)]
    feather: f32,
}

fn one() -> f32 {
    1.0
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    product: Vec<Entry>,
}

/// Straight-alpha RGBA8 overlay art.
#[derive(Debug, Clone, PartialEq)]
pub struct Overlay {
    pub width: u32,
    pub height: u32,
    pub rgba: Vec<u8>,
}

/// How a product lands on a face.
#[derive(Debug, Clone, PartialEq)]
pub enum Placement {
    /// Eyewear and hats: one overlay straddling `at`.
    Across {
        at: [FacePoint; 2],
        width: [FacePoint; 2],
        spread: f32,
        lift: f32,
    },
    /// Earrings: one overlay hanging from each `at` point.
    Hang { at: [FacePoint; 2], spread: f32 },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Look {
    Overlay {
        overlay: usize,
        anchors: [[f32; 2]; 2],
        placement: Placement,
    },
    /// Lip colour: sRGB, filled within the lip contour.
    Lips { colour: [u8; 3], feather: f32 },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Product {
    pub sku: String,
    pub name: String,
    pub kind: Kind,
    pub look: Look,
    pub opacity: f32,
    pub lighting: f32,
}

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("try-on catalog {path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

pub struct Products {
    by_sku: HashMap<String, Product>,
    pub overlays: Vec<Overlay>,
}

impl Products {
    pub fn load(path: &Path) -> Result<Products, CatalogError> {
        let fail = |message: String| CatalogError::Invalid {
            path: path.to_owned(),
            message,
        };
        let text = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
        let file: File = toml::from_str(&text).map_err(|e| fail(e.to_string()))?;
        let dir = path.parent().unwrap_or(Path::new("."));
        let mut by_sku = HashMap::new();
        let mut overlays = Vec::new();
        for e in file.product {
            let bad = |why: &str| fail(format!("product `{}`: {why}", e.sku));
            // SKUs travel in the JSON of the `meridian-meta` header: ASCII only.
            if e.sku.is_empty() || !e.sku.bytes().all(|b| b.is_ascii_graphic()) {
                return Err(bad("SKUs are printable ASCII without spaces"));
            }
            if by_sku.contains_key(&e.sku) {
                return Err(bad("the SKU is repeated"));
            }
            if !(0.0..=1.0).contains(&e.opacity) || !(0.0..=1.0).contains(&e.lighting) {
                return Err(bad("opacity and lighting are between 0 and 1"));
            }
            let look = if e.kind == Kind::LipColour {
                let colour = e
                    .colour
                    .as_deref()
                    .and_then(parse_colour)
                    .ok_or_else(|| bad("lip colour needs `colour = \"#rrggbb\"`"))?;
                if !(0.0..0.5).contains(&e.feather) {
                    return Err(bad("feather is a fraction of the mouth width below 0.5"));
                }
                Look::Lips {
                    colour,
                    feather: e.feather,
                }
            } else {
                let (Some(file), Some(anchors), Some(at)) = (&e.overlay, e.anchors, e.at) else {
                    return Err(bad("overlay products need `overlay`, `anchors` and `at`"));
                };
                let [a, b] = anchors;
                if (a[0] - b[0]).hypot(a[1] - b[1]) < 1.0 {
                    return Err(bad("the two anchors must be apart"));
                }
                if !(e.spread > 0.0 && e.spread < 10.0) || e.lift.abs() > 10.0 {
                    return Err(bad("spread is in (0, 10) and lift within ±10"));
                }
                let art = image::open(dir.join(file))
                    .map_err(|err| bad(&format!("overlay {}: {err}", file.display())))?
                    .into_rgba8();
                overlays.push(Overlay {
                    width: art.width(),
                    height: art.height(),
                    rgba: art.into_raw(),
                });
                let placement = match e.kind {
                    Kind::Earrings => Placement::Hang {
                        at,
                        spread: e.spread,
                    },
                    _ => Placement::Across {
                        at,
                        width: e.width.unwrap_or(at),
                        spread: e.spread,
                        lift: e.lift,
                    },
                };
                Look::Overlay {
                    overlay: overlays.len() - 1,
                    anchors,
                    placement,
                }
            };
            by_sku.insert(
                e.sku.clone(),
                Product {
                    sku: e.sku.clone(),
                    name: e.name.clone(),
                    kind: e.kind,
                    look,
                    opacity: e.opacity,
                    lighting: e.lighting,
                },
            );
        }
        Ok(Products { by_sku, overlays })
    }

    pub fn get(&self, sku: &str) -> Option<&Product> {
        self.by_sku.get(sku)
    }

    pub fn skus(&self) -> impl Iterator<Item = &str> {
        self.by_sku.keys().map(String::as_str)
    }
}

fn parse_colour(s: &str) -> Option<[u8; 3]> {
    let hex = s.strip_prefix('#').filter(|h| h.len() == 6)?;
    let v = u32::from_str_radix(hex, 16).ok()?;
    Some([(v >> 16) as u8, (v >> 8) as u8, v as u8])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_catalog_loads() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tryon-catalog/products.toml");
        let p = Products::load(&path).expect("loads");
        for kind in [Kind::Eyewear, Kind::Hat, Kind::Earrings, Kind::LipColour] {
            assert!(p.by_sku.values().any(|x| x.kind == kind), "{kind:?} listed");
        }
        assert!(p.get("EYE-AVIATOR-GOLD").is_some());
    }

    #[test]
    fn bad_entries_say_what_is_wrong() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("p.toml");
        let check = |toml: &str, needle: &str| {
            std::fs::write(&path, toml).expect("write");
            let err = Products::load(&path).err().expect("refused").to_string();
            assert!(err.contains(needle), "{err}");
        };
        check(
            "[[product]]\nsku = \"L\"\nname = \"n\"\nkind = \"lip-colour\"\ncolour = \"red\"\n",
            "colour",
        );
        check(
            "[[product]]\nsku = \"G\"\nname = \"n\"\nkind = \"eyewear\"\noverlay = \"nope.png\"\nanchors = [[0, 0], [10, 0]]\nat = [\"eye-left\", \"eye-right\"]\n",
            "nope.png",
        );
        check(
            "[[product]]\nsku = \"G\"\nname = \"n\"\nkind = \"eyewear\"\nanchors = [[0, 0], [0, 0]]\n",
            "need",
        );
        check(
            "[[product]]\nsku = \"G\"\nname = \"n\"\nkind = \"scarf\"\n",
            "scarf",
        );
        assert_eq!(parse_colour("#9e1b32"), Some([0x9e, 0x1b, 0x32]));
    }
}
