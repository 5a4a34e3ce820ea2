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
///
/// A cache entry is named by the file's identity (path, size, times, inode),
/// not by a hash of its bytes: hashing eight 10 MB components took 16 ms
/// each, most of a warm start, and a rebuilt file always gets a new mtime
/// or inode.
pub fn load_component(
    engine: &Engine,
    id: &str,
    source: &Path,
    build_hint: Option<&str>,
    cache_dir: &Path,
) -> Result<(Component, Origin)> {
    let unreadable = || {
        let hint = match build_hint {
            Some(cmd) => format!("run the component's build command (`{cmd}`, or `spin build`)"),
            None => "build the component first (e.g. `spin build`)".to_owned(),
        };
        format!(
            "component {id}: cannot read Wasm file {}: {hint}",
            source.display()
        )
    };
    let metadata = std::fs::metadata(source).with_context(unreadable)?;
    let (path_key, version_key) = file_identity(source, &metadata);
    let suffix = format!("-{}.cwasm", engine_fingerprint(engine));
    let cache_path = cache_dir.join(format!("{path_key}-{version_key}{suffix}"));
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
    let bytes = std::fs::read(source).with_context(unreadable)?;
    let component = Component::new(engine, &bytes)
        .map_err(|e| anyhow::anyhow!("{e:?}"))
        .with_context(|| format!("component {id}: compiling {}", source.display()))?;
    tracing::info!(
        component = id,
        elapsed_ms = started.elapsed().as_secs_f64() * 1000.0,
        "compiled component"
    );
    match store_cache(&component, cache_dir, &cache_path) {
        Ok(()) => prune_older_versions(cache_dir, &path_key, &suffix, &cache_path),
        Err(e) => {
            tracing::warn!(component = id, error = %format!("{e:#}"), "could not write compile cache")
        }
    }
    Ok((component, Origin::Compiled))
}

/// Digests of a file's canonical path and of what identifies one version of
/// it (size, times, inode), without reading it.
fn file_identity(path: &Path, metadata: &std::fs::Metadata) -> (String, String) {
    let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let path_key = hex::encode(&Sha256::digest(canonical.as_os_str().as_encoded_bytes())[..8]);
    let mut digest = Sha256::new();
    digest.update(metadata.len().to_le_bytes());
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        for n in [
            metadata.dev(),
            metadata.ino(),
            metadata.mtime() as u64,
            metadata.mtime_nsec() as u64,
            metadata.ctime() as u64,
            metadata.ctime_nsec() as u64,
        ] {
            digest.update(n.to_le_bytes());
        }
    }
    #[cfg(not(unix))]
    if let Ok(modified) = metadata.modified()
        && let Ok(since) = modified.duration_since(std::time::UNIX_EPOCH)
    {
        digest.update(since.as_nanos().to_le_bytes());
    }
    (path_key, hex::encode(&digest.finalize()[..16]))
}

/// Remove the cache entries of earlier builds of the same file, so that the
/// cache holds one entry per component (per engine) however often it is
/// rebuilt. Entries of other engine settings (`suffix`) are kept.
fn prune_older_versions(dir: &Path, path_key: &str, suffix: &str, keep: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let prefix = format!("{path_key}-");
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if path != keep
            && name.starts_with(&prefix)
            && name.ends_with(suffix)
            && let Err(e) = std::fs::remove_file(&path)
        {
            tracing::warn!(path = %path.display(), error = %e, "could not remove an outdated compile cache entry");
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("meridian-engine-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch dir");
        dir
    }

    #[test]
    fn a_rewritten_file_is_a_new_version_of_the_same_path() {
        let dir = scratch("identity");
        let file = dir.join("c.wasm");
        std::fs::write(&file, b"one").expect("write");
        let (path1, v1) = file_identity(&file, &std::fs::metadata(&file).expect("stat"));
        assert_eq!(
            (path1.clone(), v1.clone()),
            file_identity(&file, &std::fs::metadata(&file).expect("stat")),
            "stable while unchanged"
        );
        // Same size, same second: ctime/mtime nanoseconds or the inode differ.
        let tmp = dir.join("c.tmp");
        std::fs::write(&tmp, b"two").expect("write");
        std::fs::rename(&tmp, &file).expect("rename");
        let (path2, v2) = file_identity(&file, &std::fs::metadata(&file).expect("stat"));
        assert_eq!(path1, path2);
        assert_ne!(v1, v2);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn pruning_keeps_other_files_and_other_engines() {
        let dir = scratch("prune");
        for name in [
            "aaaa-old-e1.cwasm",
            "aaaa-new-e1.cwasm",
            "aaaa-old-e2.cwasm",
            "bbbb-old-e1.cwasm",
        ] {
            std::fs::write(dir.join(name), b"x").expect("write");
        }
        prune_older_versions(&dir, "aaaa", "-e1.cwasm", &dir.join("aaaa-new-e1.cwasm"));
        let mut left: Vec<String> = std::fs::read_dir(&dir)
            .expect("list")
            .flatten()
            .filter_map(|e| e.file_name().into_string().ok())
            .collect();
        left.sort();
        assert_eq!(
            left,
            [
                "aaaa-new-e1.cwasm",
                "aaaa-old-e2.cwasm",
                "bbbb-old-e1.cwasm"
            ]
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
