//! Face detection and 68-point landmarks on onnxruntime (`ort`, loading
//! `libonnxruntime` at run time). Pre- and post-processing follow face-api,
//! whose networks the shipped models are (`models/SOURCES.md`).

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use ort::session::Session;
use ort::session::builder::GraphOptimizationLevel;
use ort::value::Tensor;

use super::config::TryonConfig;
use super::frame::Frame;

/// Anchor boxes of face-api's TinyFaceDetector, in grid cells.
const ANCHORS: [(f32, f32); 5] = [
    (1.603_231, 2.094_468),
    (6.041_143, 7.080_126),
    (2.882_459, 3.518_061),
    (4.266_906, 5.178_857),
    (9.041_765, 10.663_08),
];
const LANDMARK_INPUT: usize = 112;

#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error(transparent)]
    Runtime(#[from] crate::onnx::RuntimeError),
    #[error("model {path}: {source}")]
    Load { path: PathBuf, source: ort::Error },
    #[error("inference failed: {0}")]
    Run(#[from] ort::Error),
    #[error("the {0} model's output has an unexpected shape {1:?}")]
    Shape(&'static str, Vec<i64>),
    #[error("detector input {0} is not a positive multiple of 32")]
    InputSize(u32),
}

/// A face box in frame pixels with the detector's score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Detection {
    pub x: f32,
    pub y: f32,
    pub width: f32,
    pub height: f32,
    pub score: f32,
}

impl Detection {
    pub fn area(&self) -> f32 {
        self.width * self.height
    }

    fn iou(&self, other: &Detection) -> f32 {
        let x0 = self.x.max(other.x);
        let y0 = self.y.max(other.y);
        let x1 = (self.x + self.width).min(other.x + other.width);
        let y1 = (self.y + self.height).min(other.y + other.height);
        let inter = (x1 - x0).max(0.0) * (y1 - y0).max(0.0);
        let union = self.area() + other.area() - inter;
        if union <= 0.0 { 0.0 } else { inter / union }
    }
}

/// 68 points in frame pixels, iBUG 300-W order.
pub type Landmarks = [[f32; 2]; 68];

/// Both networks, each behind a lock: onnxruntime's `Run` on one session
/// is not to be shared across threads (see `ort::session::Session::run`).
pub struct FaceModels {
    detector: Mutex<Session>,
    landmarks: Mutex<Session>,
    input: u32,
    score_threshold: f32,
    iou_threshold: f32,
}

impl FaceModels {
    pub fn load(config: &TryonConfig) -> Result<FaceModels, ModelError> {
        let input = config.detector_input;
        if input == 0 || !input.is_multiple_of(32) {
            return Err(ModelError::InputSize(input));
        }
        let env = crate::onnx::environment(&config.onnxruntime)?;
        let session = |path: &Path| -> Result<Session, ModelError> {
            let load = |source: ort::Error| ModelError::Load {
                path: path.to_owned(),
                source,
            };
            let mut builder = Session::builder(env)
                .map_err(load)?
                .with_optimization_level(GraphOptimizationLevel::Level3)
                .map_err(|e| load(e.into()))?;
            if config.intra_threads > 0 {
                builder = builder
                    .with_intra_threads(config.intra_threads)
                    .map_err(|e| load(e.into()))?;
            }
            builder.commit_from_file(path).map_err(load)
        };
        Ok(FaceModels {
            detector: Mutex::new(session(&config.detector_model)?),
            landmarks: Mutex::new(session(&config.landmark_model)?),
            input,
            score_threshold: config.score_threshold,
            iou_threshold: config.iou_threshold,
        })
    }

    /// Faces in `frame`, best score first, after non-maximum suppression.
    pub fn detect(&self, frame: &Frame) -> Result<Vec<Detection>, ModelError> {
        let s = self.input as usize;
        let side = frame.width.max(frame.height) as f32;
        // face-api pads the frame to a square at the bottom and right, then
        // resizes it to the network's input.
        let input = sample_square(frame, 0.0, 0.0, side, s);
        let mut session = self.detector.lock().unwrap_or_else(|p| p.into_inner());
        let outputs = session.run(ort::inputs![Tensor::from_array(([1, 3, s, s], input))?])?;
        let (shape, grid) = outputs[0].try_extract_tensor::<f32>()?;
        let cells = (s / 32) as i64;
        if shape.as_ref() != [1, 25, cells, cells] {
            return Err(ModelError::Shape("detector", shape.to_vec()));
        }
        let cells = cells as usize;
        let at =
            |channel: usize, row: usize, col: usize| grid[(channel * cells + row) * cells + col];
        let mut found = Vec::new();
        for row in 0..cells {
            for col in 0..cells {
                for (a, (aw, ah)) in ANCHORS.iter().enumerate() {
                    let score = sigmoid(at(a * 5 + 4, row, col));
                    if score <= self.score_threshold {
                        continue;
                    }
                    let unit = side / cells as f32;
                    let cx = (col as f32 + sigmoid(at(a * 5, row, col))) * unit;
                    let cy = (row as f32 + sigmoid(at(a * 5 + 1, row, col))) * unit;
                    let w = at(a * 5 + 2, row, col).exp() * aw * unit;
                    let h = at(a * 5 + 3, row, col).exp() * ah * unit;
                    found.push(Detection {
                        x: cx - w / 2.0,
                        y: cy - h / 2.0,
                        width: w,
                        height: h,
                        score,
                    });
                }
            }
        }
        found.sort_by(|a, b| b.score.total_cmp(&a.score));
        let mut kept: Vec<Detection> = Vec::new();
        for d in found {
            if kept.iter().all(|k| k.iou(&d) <= self.iou_threshold) {
                kept.push(d);
            }
        }
        Ok(kept)
    }

    /// The 68 landmarks of the detected `face`, in frame pixels.
    pub fn landmarks(&self, frame: &Frame, face: &Detection) -> Result<Landmarks, ModelError> {
        // face-api crops the box (clipped to the frame, floored), pads it to
        // a square centred, and resizes that to 112x112.
        let x0 = face.x.max(0.0);
        let y0 = face.y.max(0.0);
        let w = ((face.x + face.width).min(frame.width as f32) - x0)
            .floor()
            .max(1.0);
        let h = ((face.y + face.height).min(frame.height as f32) - y0)
            .floor()
            .max(1.0);
        let (x0, y0) = (x0.floor(), y0.floor());
        let side = w.max(h);
        let (px, py) = ((side - w) / 2.0, (side - h) / 2.0);
        let origin_x = x0 - (side - w - ((side - w) * 0.5).round());
        let origin_y = y0 - (side - h - ((side - h) * 0.5).round());
        let input = sample_crop(
            frame,
            (x0, y0, w, h),
            origin_x,
            origin_y,
            side,
            LANDMARK_INPUT,
        );
        let mut session = self.landmarks.lock().unwrap_or_else(|p| p.into_inner());
        let s = LANDMARK_INPUT;
        let outputs = session.run(ort::inputs![Tensor::from_array(([1, 3, s, s], input))?])?;
        let (shape, out) = outputs[0].try_extract_tensor::<f32>()?;
        if shape.as_ref() != [1, 136] {
            return Err(ModelError::Shape("landmark", shape.to_vec()));
        }
        let mut points = [[0.0f32; 2]; 68];
        for (i, p) in points.iter_mut().enumerate() {
            // face-api's postProcess removes the padding as if it were split
            // evenly, whatever the rounding of the pad itself.
            p[0] = out[2 * i] * side - px + x0;
            p[1] = out[2 * i + 1] * side - py + y0;
        }
        Ok(points)
    }
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// NCHW RGB (0..255) of the square `side` at (`ox`, `oy`) resized to `s`,
/// zero outside the frame.
fn sample_square(frame: &Frame, ox: f32, oy: f32, side: f32, s: usize) -> Vec<f32> {
    let full = (0.0, 0.0, frame.width as f32, frame.height as f32);
    sample_crop(frame, full, ox, oy, side, s)
}

/// Bilinear resize as TF's `resizeBilinear` (no corner alignment, no half
/// pixel centres) of the square `side` at (`ox`, `oy`), reading only pixels
/// inside `clip` (x, y, w, h); zero elsewhere, as face-api's padding.
fn sample_crop(
    frame: &Frame,
    clip: (f32, f32, f32, f32),
    ox: f32,
    oy: f32,
    side: f32,
    s: usize,
) -> Vec<f32> {
    let scale = side / s as f32;
    let mut out = vec![0.0f32; 3 * s * s];
    let (cx, cy, cw, ch) = clip;
    // Integer bounds of readable pixels.
    let (cx0, cy0) = (cx as i64, cy as i64);
    let (cx1, cy1) = (cx0 + cw as i64, cy0 + ch as i64);
    // Padding and crop live in the square's own pixel grid (origin ox, oy):
    // the sample position is in that grid, then mapped to the frame.
    let px = |x: i64, y: i64| -> [f32; 3] {
        if x < cx0 || y < cy0 || x >= cx1 || y >= cy1 {
            return [0.0; 3];
        }
        let i = (y as usize * frame.width as usize + x as usize) * 4;
        let p = &frame.rgba[i..i + 3];
        [f32::from(p[0]), f32::from(p[1]), f32::from(p[2])]
    };
    let plane = s * s;
    for oy_i in 0..s {
        let sy = oy_i as f32 * scale;
        let y0 = sy.floor();
        let fy = sy - y0;
        let y0 = y0 as i64 + oy as i64;
        let y1 = (sy.ceil().min(side - 1.0)) as i64 + oy as i64;
        for ox_i in 0..s {
            let sx = ox_i as f32 * scale;
            let x0 = sx.floor();
            let fx = sx - x0;
            let x0 = x0 as i64 + ox as i64;
            let x1 = (sx.ceil().min(side - 1.0)) as i64 + ox as i64;
            let (a, b, c, d) = (px(x0, y0), px(x1, y0), px(x0, y1), px(x1, y1));
            for ch in 0..3 {
                let top = a[ch] + (b[ch] - a[ch]) * fx;
                let bottom = c[ch] + (d[ch] - c[ch]) * fx;
                out[ch * plane + oy_i * s + ox_i] = top + (bottom - top) * fy;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlapping_boxes_measure_their_overlap() {
        let a = Detection {
            x: 0.0,
            y: 0.0,
            width: 10.0,
            height: 10.0,
            score: 1.0,
        };
        let b = Detection {
            x: 5.0,
            y: 0.0,
            ..a
        };
        assert!((a.iou(&b) - 50.0 / 150.0).abs() < 1e-6);
        let far = Detection { x: 20.0, ..a };
        assert_eq!(a.iou(&far), 0.0);
    }

    #[test]
    fn resize_reads_inside_the_clip_and_zero_pads_the_rest() {
        // A 2x1 frame: white, then mid grey.
        let frame = Frame {
            width: 2,
            height: 1,
            rgba: vec![255, 255, 255, 255, 100, 100, 100, 255],
        };
        // The square of side 2 at the origin, kept at 2x2: row 1 is padding.
        let out = sample_square(&frame, 0.0, 0.0, 2.0, 2);
        assert_eq!(&out[0..4], &[255.0, 100.0, 0.0, 0.0]);
        // Halved to 1x1: the top-left pixel (no half-pixel centres).
        assert_eq!(sample_square(&frame, 0.0, 0.0, 2.0, 1), vec![255.0; 3]);
    }
}
