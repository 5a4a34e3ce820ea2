//! The process's onnxruntime, loaded from a shared library at run time
//! (`ort`'s `load-dynamic`: the PyPI wheel's `libonnxruntime.so`, or
//! onnxruntime-gpu's). Try-on and copy share it: ort allows one
//! environment per process.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use ort::environment::Environment;

#[derive(Debug, thiserror::Error)]
#[error("onnxruntime library {path}: {message}")]
pub struct RuntimeError {
    pub path: PathBuf,
    pub message: String,
}

/// The environment, loaded from `path` on first use; later calls get the
/// first one whatever their path.
pub fn environment(path: &Path) -> Result<&'static Environment, RuntimeError> {
    static ENV: OnceLock<Result<Environment, String>> = OnceLock::new();
    let err = |message: String| RuntimeError {
        path: path.to_owned(),
        message,
    };
    if let Some(loaded) = ENV.get() {
        return loaded.as_ref().map_err(|e| err(e.clone()));
    }
    if !path.is_file() {
        return Err(err(
            "not found; install the onnxruntime wheel (gpu-backend/tools/models/README.md) and set ORT_DYLIB_PATH"
                .into(),
        ));
    }
    ENV.get_or_init(|| {
        let builder = ort::init_from(path).map_err(|e| e.to_string())?;
        #[cfg(feature = "cuda")]
        let builder = builder.with_execution_providers([ort::ep::CUDA::default().build()]);
        builder
            .with_name("meridian")
            .build()
            .map_err(|e| e.to_string())
    })
    .as_ref()
    .map_err(|e| err(e.clone()))
}
