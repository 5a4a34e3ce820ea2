//! Every file of `corpus/<target>/` through its target, without a fuzzer:
//! CI keeps the seeds and every crash once found (`regress-*`) passing.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use meridian_fuzz::TARGETS;

fn corpus(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpus")
        .join(target)
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("a corpus entry").path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    files
}

#[test]
fn every_corpus_file_passes_its_target() {
    let mut failed = Vec::new();
    for (name, target) in TARGETS {
        let files = files(&corpus(name));
        assert!(!files.is_empty(), "corpus/{name} has no seeds");
        for path in files {
            let data = std::fs::read(&path).expect("a readable corpus file");
            if catch_unwind(AssertUnwindSafe(|| target(&data))).is_err() {
                failed.push(path.display().to_string());
            }
        }
    }
    assert!(failed.is_empty(), "failing corpus files: {failed:#?}");
}

#[test]
fn every_target_has_a_binary() {
    let manifest =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml"))
            .expect("Cargo.toml");
    for (name, _) in TARGETS {
        assert!(
            manifest.contains(&format!("path = \"fuzz_targets/{name}.rs\"")),
            "no [[bin]] for {name}"
        );
    }
}

/// Writes the generated seeds (RPC bodies and replies, cache entries) into
/// the corpus: `cargo test -p meridian-fuzz -- --ignored write_seeds`.
#[test]
#[ignore = "rewrites corpus files"]
fn write_seeds() {
    for (name, bytes) in seeds::rpc_codec() {
        std::fs::write(corpus("rpc_codec").join(name), bytes).expect("write");
    }
    for (name, bytes) in seeds::cache_entry() {
        std::fs::write(corpus("cache_entry").join(name), bytes).expect("write");
    }
}

mod seeds {
    use meridian_edge::cache::store::{self, BodyRef, Head};
    use meridian_edge::cache::{CacheConfig, Kv, MemoryKv};
    use meridian_wit::rpc::{self, encode_args, encode_bytes_args, encode_json_reply};
    use meridian_wit::types::{
        Crop, Detection, Error, FaceRule, Fit, ImageFormat, RenderRequest, Rendition,
        RenditionMeta, Rgba, Size, TryonMeta, TryonRequest, TryonResult, TryonStatus, Watermark,
    };

    fn framed(mode: u8, status: u16, meta: Option<&str>, body: &[u8]) -> Vec<u8> {
        let mut out = vec![mode];
        out.extend_from_slice(&status.to_be_bytes());
        if let Some(meta) = meta {
            out.extend_from_slice(meta.as_bytes());
            out.push(b'\n');
        }
        out.extend_from_slice(body);
        out
    }

    pub fn rpc_codec() -> Vec<(&'static str, Vec<u8>)> {
        let render = rpc::imaging::RenderArgs {
            request: RenderRequest {
                asset: "shoes/red.jpg".into(),
                size: Size {
                    width: 640,
                    height: 480,
                },
                fit: Fit::Cover,
                background: Some(Rgba {
                    r: 255,
                    g: 255,
                    b: 255,
                    a: 255,
                }),
                format: ImageFormat::Webp,
                quality: 80,
                crop: Crop::Centre,
                subject_fill: Some(85),
                min_source_side: Some(500),
                merchant: 7,
            },
        };
        let composite = rpc::tryon::CompositeArgs {
            request: TryonRequest {
                sku: "MRD-SOLSTICE-SUN".into(),
                session: Some("s-1".into()),
                frame_time_ms: Some(1_800_000_000_000),
                faces: FaceRule::Largest,
                format: ImageFormat::Jpeg,
                quality: 85,
            },
        };
        let rendition = Rendition {
            meta: RenditionMeta {
                size: Size {
                    width: 2,
                    height: 1,
                },
                format: ImageFormat::Avif,
                source_size: Size {
                    width: 4,
                    height: 2,
                },
                engine: "cpu".into(),
                watermark: Watermark {
                    issued_at: 1_800_000_000,
                    merchant: 7,
                    platform: 1,
                },
            },
            bytes: vec![0, 159, 255, 1],
        };
        let tryon = TryonResult {
            meta: TryonMeta {
                status: TryonStatus::NoFace,
                size: Size {
                    width: 1280,
                    height: 720,
                },
                format: ImageFormat::Png,
                sku: "MRD-SOLSTICE-SUN".into(),
                faces: Vec::new(),
                smoothed: false,
                engine: "cpu".into(),
            },
            bytes: Vec::new(),
        };
        let rendition_reply = rpc::encode_reply(Ok(rendition));
        let tryon_reply = rpc::encode_reply(Ok(tryon));
        let refused = rpc::error_reply(&Error::new(422, "image-corrupt", "truncated JPEG"));
        let detection = encode_json_reply(Ok(Detection {
            payload: Some(Watermark {
                issued_at: 1_800_000_000,
                merchant: 42,
                platform: 3,
            }),
            confidence: 0.75,
            corrected_bits: 9,
        }));
        vec![
            ("seed-render-args", [vec![0], encode_args(&render)].concat()),
            (
                "seed-composite-args",
                [
                    vec![1],
                    encode_bytes_args(&composite, b"\xff\xd8\n\xff\xd9"),
                ]
                .concat(),
            ),
            (
                "seed-rendition-reply",
                framed(
                    2,
                    200,
                    rendition_reply.meta.as_deref(),
                    &rendition_reply.body,
                ),
            ),
            (
                "seed-tryon-reply",
                framed(3, 200, tryon_reply.meta.as_deref(), &tryon_reply.body),
            ),
            (
                "seed-refusal",
                framed(2, refused.status, None, &refused.body),
            ),
            (
                "seed-foreign-refusal",
                framed(3, 502, None, b"<html>bad gateway</html>"),
            ),
            (
                "seed-detection",
                framed(4, detection.status, None, &detection.body),
            ),
        ]
    }

    fn head(body: BodyRef) -> Head {
        Head {
            primary: "https://shop.example/v1/origin/catalog/products/a?x=1".into(),
            status: 200,
            headers: vec![
                ("content-type".into(), "application/json".into()),
                ("vary".into(), "accept, meridian-market".into()),
            ],
            tags: vec!["catalog".into(), "sku:a".into()],
            marks: Vec::new(),
            body,
            stored_at: 1_800_000_000,
            fetched_at: 1_800_000_000,
            last_usable: 1_800_000_660,
            age_at_store: 3,
            fresh_until: 1_800_000_060,
            stale_while_revalidate: 30,
            stale_if_error: 600,
            must_revalidate: false,
            invalidated_at: None,
        }
    }

    fn policy() -> http_cache_semantics::CachePolicy {
        let request = http::Request::get("https://shop.example/v1/origin/catalog/products/a")
            .body(())
            .expect("request");
        let response = http::Response::builder()
            .header("cache-control", "max-age=60, stale-while-revalidate=30")
            .header("etag", "\"v1\"")
            .body(())
            .expect("response");
        http_cache_semantics::CachePolicy::new(&request, &response)
    }

    /// An entry as `store::write` leaves it, framed for the target.
    fn entry(body: &[u8], chunk_bytes: usize) -> Vec<u8> {
        let kv = MemoryKv::default();
        let config = CacheConfig {
            chunk_bytes,
            ..CacheConfig::default()
        };
        let head = head(BodyRef::Inline { length: 0 });
        let written = store::write(&kv, &config, "e", head, &policy(), body).expect("written");
        let value = kv.get(&store::head_key("e")).expect("get").expect("a head");
        let mut out = vec![0];
        out.extend_from_slice(&(value.len() as u16).to_be_bytes());
        out.extend_from_slice(&value);
        if matches!(written.body, BodyRef::Chunked { .. }) {
            out.extend_from_slice(body);
        }
        out
    }

    /// The same kind of entry in the target's second shape: head JSON,
    /// NUL, policy JSON, NUL, body.
    fn entry_parts(body: BodyRef, bytes: &[u8]) -> Vec<u8> {
        let mut out = vec![1];
        out.extend_from_slice(&serde_json::to_vec(&head(body)).expect("head JSON"));
        out.push(0);
        out.extend_from_slice(&serde_json::to_vec(&policy()).expect("policy JSON"));
        out.push(0);
        out.extend_from_slice(bytes);
        out
    }

    pub fn cache_entry() -> Vec<(&'static str, Vec<u8>)> {
        let json: &[u8] = b"{\"sku\":\"a\",\"price\":\"1\"}";
        vec![
            ("seed-inline", entry(json, 64 * 1024)),
            ("seed-chunked", entry(&[7u8; 1500], 1024)),
            (
                "seed-parts-inline",
                entry_parts(
                    BodyRef::Inline {
                        length: json.len() as u64,
                    },
                    json,
                ),
            ),
            (
                "seed-parts-chunked",
                entry_parts(
                    BodyRef::Chunked {
                        digest: "d80b9e14a3113a07facc57ea4f16bdcf".into(),
                        length: 1500,
                        chunks: 2,
                        chunk_bytes: 1024,
                    },
                    &[7u8; 1500],
                ),
            ),
        ]
    }
}
