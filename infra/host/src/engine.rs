//! The wasmtime engine and the on-disk cache of compiled components.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};
use sha2::{Digest, Sha256};
use wasmtime::component::Component;
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

/// Interval of the epoch ticker; deadlines are counted in these ticks.
pub const EPOCH_TICK: std::time::Duration = std::time::Duration::from_millis(10);

/// Build the engine: async, component model, epoch interruption, pooling allocator.
/// Sized by `config`'s memory limit and instance count.
pub fn build_engine(config: &crate::Config) -> Result<Engine> {
    let (max_memory_bytes, max_instances) = (config.memory_limit, config.max_instances);
    let mut cfg = base_config(config.perfmap);
    let mut pool = PoolingAllocationConfig::default();
    pool.max_memory_size(max_memory_bytes.max(1 << 20))
        .total_component_instances(max_instances)
        .total_core_instances(max_instances.saturating_mul(4))
        .total_memories(max_instances.saturating_mul(2))
        .total_tables(max_instances.saturating_mul(4))
        .total_stacks(max_instances)
        // Reuse warm slots without returning their first pages to the kernel:
        // fewer page faults and madvise calls per request.
        .linear_memory_keep_resident(2 << 20)
        .table_keep_resident(64 << 10)
        .async_stack_keep_resident(256 << 10)
        // Reset only the pages an instance dirtied (Linux 6.7+ PAGEMAP_SCAN,
        // else as before), mostly without madvise: no page faults on the
        // next instance and no TLB shootdowns across the workers. Measured
        // in docs/benchmarks.md: 2.7x on `/v1/market`, 1.6x on a cache hit.
        .pagemap_scan(if config.pagemap_scan {
            wasmtime::Enabled::Auto
        } else {
            wasmtime::Enabled::No
        });
    cfg.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    match Engine::new(&cfg) {
        Ok(engine) => Ok(engine),
        Err(e) => {
            tracing::warn!(error = %e, "pooling allocator unavailable; falling back to on-demand allocation");
            let cfg = base_config(config.perfmap);
            Engine::new(&cfg).map_err(|e| anyhow::anyhow!("creating wasmtime engine: {e}"))
        }
    }
}

fn base_config(perfmap: bool) -> Config {
    let mut cfg = Config::new();
    if perfmap {
        // Compiled code is the same; only its symbols are written out.
        cfg.profiler(wasmtime::ProfilingStrategy::PerfMap);
    }
    // Async component-model support for WASIp3 components (`wasi:http@0.3`).
    cfg.wasm_component_model(true)
        .wasm_component_model_async(true)
        .epoch_interruption(true)
        .parallel_compilation(true);
    cfg
}

/// A fingerprint of the wasmtime version and engine settings.
pub fn engine_fingerprint(engine: &Engine) -> String {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut hasher);
    format!("wasmtime{}-{:016x}", wasmtime_version(), hasher.finish())
}

fn wasmtime_version() -> &'static str {
    "48"
}

/// How a component was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Compiled,
    CacheHit,
}

/// Load a component, from the compile cache when possible.
pub fn load_component(
    engine: &Engine,
    id: &str,
    source: &Path,
    build_hint: Option<&str>,
    cache_dir: &Path,
) -> Result<(Component, Origin)> {
    let bytes = std::fs::read(source).with_context(|| {
        let hint = match build_hint {
            Some(cmd) => format!("run the component's build command (`{cmd}`, or `spin build`)"),
            None => "build the component first (e.g. `spin build`)".to_owned(),
        };
        format!(
            "component {id}: cannot read Wasm file {}: {hint}",
            source.display()
        )
    })?;
    let digest = hex::encode(Sha256::digest(&bytes));
    let cache_path = cache_dir.join(format!("{digest}-{}.cwasm", engine_fingerprint(engine)));
    let started = Instant::now();
    if cache_path.is_file() {
        // SAFETY: the file is one this host wrote itself with `Component::serialize`
        // (atomically, via rename) into its own cache directory, under a name that
        // includes the engine fingerprint; wasmtime additionally checks the header
        // for compatibility with this engine before using it.
        #[allow(unsafe_code)]
        let loaded = unsafe { Component::deserialize_file(engine, &cache_path) };
        match loaded {
            Ok(component) => {
                tracing::info!(
                    component = id,
                    elapsed_ms = started.elapsed().as_secs_f64() * 1000.0,
                    "compile cache hit"
                );
                return Ok((component, Origin::CacheHit));
            }
            Err(e) => {
                tracing::warn!(component = id, error = %e, path = %cache_path.display(), "unusable compile cache entry; recompiling");
            }
        }
    }
    let component = Component::new(engine, &bytes)
        .map_err(|e| anyhow::anyhow!("{e:?}"))
        .with_context(|| format!("component {id}: compiling {}", source.display()))?;
    tracing::info!(
        component = id,
        elapsed_ms = started.elapsed().as_secs_f64() * 1000.0,
        "compiled component"
    );
    if let Err(e) = store_cache(&component, cache_dir, &cache_path) {
        tracing::warn!(component = id, error = %format!("{e:#}"), "could not write compile cache");
    }
    Ok((component, Origin::Compiled))
}

fn store_cache(component: &Component, dir: &Path, path: &PathBuf) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let bytes = component
        .serialize()
        .map_err(|e| anyhow::anyhow!("serializing component: {e}"))?;
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, bytes).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("renaming to {}", path.display()))?;
    Ok(())
}
