//! `[tryon]` configuration: model and library paths, detection settings,
//! per-frame limits and landmark smoothing.

use std::path::{Path, PathBuf};

use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TryonConfig {
    /// `libonnxruntime.so`; empty: `ORT_DYLIB_PATH`, else
    /// `.meridian/onnxruntime/libonnxruntime.so` in the workspace.
    pub onnxruntime: PathBuf,
    /// Face detector (ONNX); empty: the one shipped in `models/`.
    pub detector_model: PathBuf,
    /// 68-point landmark network (ONNX); empty: the one shipped in `models/`.
    pub landmark_model: PathBuf,
    /// Try-on products (TOML); empty: `tryon-catalog/products.toml`. Overlay paths in
    /// it are relative to its folder.
    pub products: PathBuf,
    /// onnxruntime threads per inference; 0: one per core.
    pub intra_threads: usize,
    /// Side of the square the detector sees, a multiple of 32. Smaller is
    /// faster and misses smaller faces.
    pub detector_input: u32,
    pub score_threshold: f32,
    /// Boxes overlapping more than this (intersection over union) are one face.
    pub iou_threshold: f32,
    /// Most faces dressed with `faces = all`.
    pub max_faces: usize,
    /// Faces whose box is narrower than this many pixels are ignored.
    pub min_face_px: f32,
    pub limits: FrameLimits,
    pub smoothing: Smoothing,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FrameLimits {
    /// Largest encoded frame, bytes (also bounds the request body).
    pub max_frame_bytes: usize,
    /// Largest frame in pixels, checked from the header before decoding.
    pub max_frame_pixels: u64,
    /// Longest side, pixels.
    pub max_frame_side: u32,
}

/// One Euro filter settings (Casiez et al., CHI 2012) and the session store.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Smoothing {
    /// Cutoff frequency at rest, Hz: lower is steadier and laggier.
    pub min_cutoff_hz: f32,
    /// How fast the cutoff rises with speed (per pixel/s): higher follows
    /// quick moves with less lag.
    pub beta: f32,
    pub derivative_cutoff_hz: f32,
    /// Sessions kept at once; the least recently seen is dropped first.
    pub max_sessions: usize,
    /// A session unseen this long starts afresh.
    pub session_ttl_ms: u64,
    /// A face moving farther than this, in inter-ocular distances, between
    /// two frames is a new face: its filter restarts.
    pub reset_distance: f32,
}

impl Default for TryonConfig {
    fn default() -> Self {
        TryonConfig {
            onnxruntime: PathBuf::new(),
            detector_model: PathBuf::new(),
            landmark_model: PathBuf::new(),
            products: PathBuf::new(),
            intra_threads: 0,
            detector_input: 320,
            score_threshold: 0.5,
            iou_threshold: 0.4,
            max_faces: 4,
            min_face_px: 24.0,
            limits: FrameLimits::default(),
            smoothing: Smoothing::default(),
        }
    }
}

impl Default for FrameLimits {
    fn default() -> Self {
        FrameLimits {
            max_frame_bytes: 8 << 20,
            max_frame_pixels: 1920 * 1080,
            max_frame_side: 1920,
        }
    }
}

impl Default for Smoothing {
    fn default() -> Self {
        Smoothing {
            min_cutoff_hz: 1.0,
            beta: 0.05,
            derivative_cutoff_hz: 1.0,
            max_sessions: 10_000,
            session_ttl_ms: 30_000,
            reset_distance: 1.0,
        }
    }
}

const CRATE: &str = env!("CARGO_MANIFEST_DIR");

impl TryonConfig {
    /// Fills empty paths with the shipped defaults; `env` gives
    /// `ORT_DYLIB_PATH`.
    pub fn resolve(&mut self, env: impl Fn(&str) -> Option<String>) {
        let or = |p: &mut PathBuf, default: PathBuf| {
            if p.as_os_str().is_empty() {
                *p = default;
            }
        };
        let ort_env = env("ORT_DYLIB_PATH").map(PathBuf::from);
        or(
            &mut self.onnxruntime,
            ort_env.unwrap_or_else(|| {
                Path::new(CRATE).join("../.meridian/onnxruntime/libonnxruntime.so")
            }),
        );
        or(
            &mut self.detector_model,
            Path::new(CRATE).join("models/tiny_face_detector.onnx"),
        );
        or(
            &mut self.landmark_model,
            Path::new(CRATE).join("models/face_landmark_68.onnx"),
        );
        or(
            &mut self.products,
            Path::new(CRATE).join("tryon-catalog/products.toml"),
        );
    }
}
