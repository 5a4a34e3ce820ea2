//! `tryon.composite`: decode the frame, find faces, smooth, place the
//! product and composite it on the GPU (or the CPU), encode.

use std::sync::Arc;
use std::time::Instant;

use meridian_wit::types::{
    Error, Face, FaceRule, ImageFormat, Point, Rect, Size, TryonMeta, TryonRequest, TryonResult,
    TryonStatus,
};

use super::composite::{Atlas, Plan, composite_cpu};
use super::config::TryonConfig;
use super::frame;
use super::gpu::GpuCompositor;
use super::models::{FaceModels, ModelError};
use super::placement;
use super::products::{CatalogError, Products};
use super::smoothing::Sessions;
use crate::gpu::GpuDevice;

#[derive(Debug, thiserror::Error)]
pub enum TryonError {
    #[error(transparent)]
    Models(#[from] ModelError),
    #[error(transparent)]
    Catalog(#[from] CatalogError),
}

/// Longest session token accepted; tokens are opaque and never logged.
const MAX_SESSION_TOKEN: usize = 128;

pub struct TryOn {
    config: TryonConfig,
    models: FaceModels,
    products: Products,
    atlas: Atlas,
    sessions: Sessions,
    gpu: Option<GpuCompositor>,
    started: Instant,
}

impl TryOn {
    /// `gpu` is the device [`GpuDevice::for_engine`] chose; `None`
    /// composites on the CPU.
    pub fn new(config: &TryonConfig, gpu: Option<Arc<GpuDevice>>) -> Result<TryOn, TryonError> {
        let models = FaceModels::load(config)?;
        let products = Products::load(&config.products)?;
        let atlas = Atlas::new(&products.overlays);
        let gpu = gpu.map(|device| GpuCompositor::new(device, &atlas));
        Ok(TryOn {
            config: config.clone(),
            models,
            products,
            atlas,
            sessions: Sessions::new(config.smoothing.clone()),
            gpu,
            started: Instant::now(),
        })
    }

    /// What composites: the GPU adapter and backend, or `cpu`.
    pub fn engine(&self) -> &str {
        self.gpu.as_ref().map_or("cpu", GpuCompositor::name)
    }

    pub fn products(&self) -> &Products {
        &self.products
    }

    pub fn composite(&self, request: &TryonRequest, bytes: &[u8]) -> Result<TryonResult, Error> {
        // WebP and AVIF encoders are too slow for live preview.
        if matches!(request.format, ImageFormat::Webp | ImageFormat::Avif) {
            return Err(Error::new(
                400,
                "format-unsupported",
                "try-on composites are JPEG or PNG",
            ));
        }
        if !(1..=100).contains(&request.quality) {
            return Err(Error::new(400, "quality-invalid", "quality is 1 to 100"));
        }
        if let Some(s) = &request.session
            && (s.is_empty()
                || s.len() > MAX_SESSION_TOKEN
                || !s.bytes().all(|b| b.is_ascii_graphic()))
        {
            return Err(Error::new(
                400,
                "session-invalid",
                format!("the session token is 1 to {MAX_SESSION_TOKEN} printable ASCII characters"),
            ));
        }
        let product = self.products.get(&request.sku).ok_or_else(|| {
            Error::new(
                404,
                "product-not-found",
                format!("no try-on product `{}`", request.sku.escape_default()),
            )
        })?;
        let mut frame = frame::decode(bytes, &self.config.limits)?;
        let internal = |e: ModelError| Error::new(500, "inference-failed", e.to_string());
        let mut found: Vec<_> = self
            .models
            .detect(&frame)
            .map_err(internal)?
            .into_iter()
            .filter(|d| d.width >= self.config.min_face_px)
            .collect();
        // The rule for one face: the largest, i.e. the nearest to the camera.
        found.sort_by(|a, b| b.area().total_cmp(&a.area()));
        let size = Size {
            width: frame.width,
            height: frame.height,
        };
        if found.is_empty() {
            return Ok(TryonResult {
                meta: TryonMeta {
                    status: TryonStatus::NoFace,
                    size,
                    format: request.format,
                    sku: request.sku.clone(),
                    faces: Vec::new(),
                    smoothed: false,
                    engine: self.engine().to_owned(),
                },
                bytes: Vec::new(),
            });
        }
        let dressed = match request.faces {
            FaceRule::Largest => 1,
            FaceRule::All => self.config.max_faces.max(1),
        };
        let mut faces = Vec::new();
        let mut layers = Vec::new();
        let mut polygons = Vec::new();
        let mut smoothed = false;
        for (i, d) in found.iter().enumerate() {
            let dress = i < dressed;
            let mut points = if dress {
                Some(self.models.landmarks(&frame, d).map_err(internal)?)
            } else {
                None
            };
            if let (0, Some(points), Some(session)) = (i, points.as_mut(), &request.session) {
                let server_ms =
                    u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
                smoothed = self
                    .sessions
                    .smooth(session, server_ms, request.frame_time_ms, points);
            }
            if let Some(points) = &points {
                layers.extend(placement::layers(
                    product,
                    &self.products.overlays,
                    &frame,
                    points,
                    &mut polygons,
                ));
            }
            faces.push(Face {
                bounds: Rect {
                    x: d.x,
                    y: d.y,
                    width: d.width,
                    height: d.height,
                },
                score: d.score,
                landmarks: points
                    .map(|p| p.iter().map(|&[x, y]| Point { x, y }).collect())
                    .unwrap_or_default(),
                dressed: dress,
            });
        }
        let plan = Plan::new(layers, polygons, &self.atlas, &frame);
        let engine = match &self.gpu {
            Some(gpu) => match gpu.composite(&mut frame, &plan) {
                Ok(()) => gpu.name().to_owned(),
                Err(e) => {
                    tracing::warn!(error = %e, "GPU composite failed; using the CPU path");
                    composite_cpu(&mut frame, &plan, &self.atlas);
                    "cpu".to_owned()
                }
            },
            None => {
                composite_cpu(&mut frame, &plan, &self.atlas);
                "cpu".to_owned()
            }
        };
        let bytes = frame::encode(&frame, request.format, request.quality)?;
        Ok(TryonResult {
            meta: TryonMeta {
                status: TryonStatus::Composited,
                size,
                format: request.format,
                sku: request.sku.clone(),
                faces,
                smoothed,
                engine,
            },
            bytes,
        })
    }
}

static SERVICE: std::sync::OnceLock<TryOn> = std::sync::OnceLock::new();

/// Installs the process-wide service the WIT `Guest` implementation uses.
pub fn install(tryon: TryOn) -> &'static TryOn {
    SERVICE.get_or_init(|| tryon)
}

/// The backend's implementation of the exported `tryon` interface.
pub struct TryonBackend;

impl meridian_wit::backend::exports::meridian::platform::tryon::Guest for TryonBackend {
    fn composite(request: TryonRequest, frame: Vec<u8>) -> Result<TryonResult, Error> {
        let service = SERVICE
            .get()
            .ok_or_else(|| Error::new(503, "tryon-unavailable", "try-on is not running"))?;
        service.composite(&request, &frame)
    }
}
