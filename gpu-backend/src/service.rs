//! `imaging.render` and `imaging.detect`: the WIT interface implemented
//! over the pipeline.

use std::sync::{Arc, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

use meridian_wit::backend::exports::meridian::platform::imaging::Guest;
use meridian_wit::types::{Detection, Error, RenderRequest, Rendition, RenditionMeta, Size};

use crate::catalog::Catalog;
use crate::config::{Config, Limits};
use crate::gpu::GpuDevice;
use crate::imaging::{self, Engine, Job, codec, gpu::GpuResizer, watermark};

/// The imaging service: a catalog, limits, the platform id and an optional
/// GPU.
pub struct Imaging {
    catalog: Catalog,
    limits: Limits,
    platform: u8,
    gpu: Option<GpuResizer>,
}

impl Imaging {
    /// `gpu` is the device [`GpuDevice::for_engine`] chose for
    /// `config.engine`; `None` renders on the CPU.
    pub fn new(config: &Config, gpu: Option<Arc<GpuDevice>>) -> anyhow::Result<Imaging> {
        Ok(Imaging {
            catalog: Catalog::open(&config.catalog)?,
            limits: config.limits.clone(),
            platform: config.platform,
            gpu: gpu.map(GpuResizer::new),
        })
    }

    /// What resizes: the GPU adapter and backend, or `cpu`.
    pub fn engine(&self) -> &str {
        self.gpu.as_ref().map_or("cpu", GpuResizer::name)
    }

    fn pixel_engine(&self) -> Engine<'_> {
        self.gpu.as_ref().map_or(Engine::Cpu, Engine::Gpu)
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
        if let Some(fill) = request.subject_fill
            && !(1..=100).contains(&fill)
        {
            return Err(Error::new(
                400,
                "subject-fill-invalid",
                format!("subject fill {fill} is outside 1..=100 percent"),
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
        let source = codec::decode_for(&bytes, &self.limits, |s| {
            imaging::fit::max_shrink(
                s,
                (width, height),
                request.fit,
                request.subject_fill.is_some(),
            )
        })?;
        let (sw, sh) = source.original;
        if let Some(min) = request.min_source_side
            && sw.min(sh) < min
        {
            return Err(Error::new(
                422,
                "source-too-small",
                format!("the source is {sw}x{sh}; this rendition needs {min} px on each side"),
            ));
        }
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        let job = Job {
            target: (width, height),
            fit: request.fit,
            crop: request.crop,
            subject_fill: request.subject_fill,
            background: request.background.unwrap_or(imaging::WHITE),
            mark: watermark::issue(now, request.merchant, self.platform),
        };
        let (pixels, engine) = imaging::render(&source.pixels, &job, self.pixel_engine())?;
        let encoded = codec::encode(&pixels, request.format, request.quality)?;
        Ok(Rendition {
            meta: RenditionMeta {
                size: Size {
                    width: pixels.width,
                    height: pixels.height,
                },
                format: request.format,
                source_size: Size {
                    width: sw,
                    height: sh,
                },
                engine,
                watermark: job.mark,
            },
            bytes: encoded,
        })
    }

    /// Reads the watermark of an encoded image.
    pub fn detect(&self, image: &[u8]) -> Result<Detection, Error> {
        let decoded = codec::decode(image, &self.limits)?;
        Ok(watermark::detect(&decoded.pixels))
    }
}

static SERVICE: OnceLock<Imaging> = OnceLock::new();

/// Installs the process-wide service the WIT `Guest` implementation uses.
pub fn install(imaging: Imaging) -> &'static Imaging {
    SERVICE.get_or_init(|| imaging)
}

fn service() -> Result<&'static Imaging, Error> {
    SERVICE
        .get()
        .ok_or_else(|| Error::new(503, "not-ready", "the imaging service is starting"))
}

/// The backend's implementation of the exported `imaging` interface.
pub struct Backend;

impl Guest for Backend {
    fn render(request: RenderRequest) -> Result<Rendition, Error> {
        service()?.render(&request)
    }

    fn detect(image: Vec<u8>) -> Result<Detection, Error> {
        service()?.detect(&image)
    }
}
