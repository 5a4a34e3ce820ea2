//! `imaging.render`: the WIT interface implemented over the pipeline.

use std::sync::OnceLock;

use meridian_wit::backend::exports::meridian::platform::imaging::Guest;
use meridian_wit::types::{Error, RenderRequest, Rendition, RenditionMeta, Rgba, Size};

use crate::catalog::Catalog;
use crate::config::{Config, EngineChoice, Limits};
use crate::imaging::{self, Engine, Plan, codec, gpu::GpuResizer};

/// The imaging service: a catalog, limits and an optional GPU.
pub struct Imaging {
    catalog: Catalog,
    limits: Limits,
    gpu: Option<GpuResizer>,
}

impl Imaging {
    pub fn new(config: &Config) -> anyhow::Result<Imaging> {
        let catalog = Catalog::open(&config.catalog)?;
        let gpu = match config.engine {
            EngineChoice::Cpu => None,
            EngineChoice::Gpu => Some(GpuResizer::new()?),
            EngineChoice::Auto => GpuResizer::new()
                .inspect_err(|e| tracing::info!(error = %e, "no GPU; using the CPU path"))
                .ok(),
        };
        Ok(Imaging {
            catalog,
            limits: config.limits.clone(),
            gpu,
        })
    }

    /// What resizes: the GPU adapter and backend, or `cpu`.
    pub fn engine(&self) -> &str {
        self.gpu.as_ref().map_or("cpu", GpuResizer::name)
    }

    pub fn render(&self, request: &RenderRequest) -> Result<Rendition, Error> {
        let Size { width, height } = request.size;
        let max = self.limits.max_output_side;
        if width == 0 || height == 0 || width > max || height > max {
            return Err(Error::new(
                400,
                "size-invalid",
                format!("{width}x{height} is outside 1..={max} per side"),
            ));
        }
        let path = self.catalog.resolve(&request.asset)?;
        let bytes = std::fs::read(&path).map_err(|e| {
            Error::new(
                500,
                "asset-unreadable",
                format!("asset `{}`: {e}", request.asset),
            )
        })?;
        let source = codec::decode(&bytes, &self.limits)?;
        let plan = Plan::new((source.width, source.height), (width, height), request.fit);
        let engine = self.gpu.as_ref().map_or(Engine::Cpu, Engine::Gpu);
        let (mut pixels, engine) = imaging::resize(&source, &plan, engine)?;
        if let Some(canvas) = plan.canvas {
            let white = Rgba {
                r: 255,
                g: 255,
                b: 255,
                a: 255,
            };
            pixels = imaging::pad(&pixels, canvas, request.background.unwrap_or(white));
        }
        let encoded = codec::encode(&pixels, request.format, request.quality)?;
        Ok(Rendition {
            meta: RenditionMeta {
                size: Size {
                    width: pixels.width,
                    height: pixels.height,
                },
                format: request.format,
                source_size: Size {
                    width: source.width,
                    height: source.height,
                },
                engine,
            },
            bytes: encoded,
        })
    }
}

static SERVICE: OnceLock<Imaging> = OnceLock::new();

/// Installs the process-wide service the WIT `Guest` implementation uses.
pub fn install(imaging: Imaging) -> &'static Imaging {
    SERVICE.get_or_init(|| imaging)
}

/// The backend's implementation of the exported `imaging` interface.
pub struct Backend;

impl Guest for Backend {
    fn render(request: RenderRequest) -> Result<Rendition, Error> {
        let service = SERVICE
            .get()
            .ok_or_else(|| Error::new(503, "not-ready", "the imaging service is starting"))?;
        service.render(&request)
    }
}
