//! What the HTTP tests share: a real backend on a free loopback port.

use meridian_gpu_backend::config::{Config, EngineChoice};

/// The shipped defaults for a test server: a free loopback port, the CPU
/// engine, development mode and `key`; onnxruntime from `ORT_DYLIB_PATH`
/// when it is set.
pub fn config(key: &str) -> Config {
    let mut config = Config::load(None, |k| {
        std::env::var(k).ok().filter(|_| k == "ORT_DYLIB_PATH")
    })
    .expect("defaults");
    config.listen = "127.0.0.1:0".parse().expect("addr");
    config.engine = EngineChoice::Cpu;
    config.signing_key = key.into();
    config.development = true;
    config
}

/// Serves `config` for the rest of the process: its base URL, and the
/// runtime that must outlive the tests.
pub fn serve(config: Config) -> (String, tokio::runtime::Runtime) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let running = runtime
        .block_on(meridian_gpu_backend::start(config))
        .expect("starts");
    let base = format!("http://{}", running.addr);
    std::mem::forget(running);
    (base, runtime)
}
