//! `GET /v1/media/{asset}/{preset}.{ext}`: the whole flow, host-independent.

use meridian_wit::types::{Crop, RenderRequest, Size};

use crate::backend::{BackendClient, Transport};
use crate::cache::{self, Entry, EntryMeta, Kv};
use crate::catalog::sku_of_asset;
use crate::gate::{Admission, Ask};
use crate::presets::Presets;
use crate::request::parse_media_path;
use crate::response::{Refusal, Response};

/// The parts of a request the media route reads.
#[derive(Debug, Clone, Copy)]
pub struct MediaRequest<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub if_none_match: Option<&'a str>,
}

/// Answers a media request: the gate first (an asset inherits its
/// product's territorial rights), then the cache, else the backend (and
/// then stores the whole entry). Refusals write nothing. `admit` runs the
/// gate for the request ([`crate::gate::admit`] with the host's inputs).
pub async fn handle<K: Kv, T: Transport>(
    request: MediaRequest<'_>,
    admit: impl FnOnce(Ask<'_>) -> Result<Admission, Refusal>,
    presets: &Presets,
    kv: &K,
    backend: &BackendClient<T>,
    now: u64,
) -> Response {
    let mut admission = None;
    let response = match serve(request, admit, &mut admission, presets, kv, backend, now).await {
        Ok(response) => response,
        Err(refusal) => refusal.into_response(),
    };
    match admission {
        Some(a) => a.stamp(response),
        None => response,
    }
}

async fn serve<K: Kv, T: Transport>(
    request: MediaRequest<'_>,
    admit: impl FnOnce(Ask<'_>) -> Result<Admission, Refusal>,
    admission: &mut Option<Admission>,
    presets: &Presets,
    kv: &K,
    backend: &BackendClient<T>,
    now: u64,
) -> Result<Response, Refusal> {
    let head = match request.method {
        "GET" => false,
        "HEAD" => true,
        other => {
            return Err(Refusal::new(
                405,
                "method-not-allowed",
                format!("{other} is not allowed; media is GET or HEAD"),
            ));
        }
    };
    let path = parse_media_path(request.path)?;
    let sku = sku_of_asset(&path.asset);
    let admitted = admission.insert(admit(Ask {
        sku,
        ..Ask::default()
    })?);
    if let Some(refusal) = admitted.decision.refusal() {
        return Ok(refusal.into_response());
    }
    let preset = presets.get(&path.preset)?;
    if !preset.offers(path.format) {
        return Err(Refusal::new(
            404,
            "format-not-offered",
            format!("preset `{}` is not offered as .{}", preset.name, path.ext),
        ));
    }
    let key = cache::media_key(&path, preset);

    // A store that cannot be read is a miss, never an error for the shopper.
    let cached = kv.get(&key).ok().flatten().and_then(Entry::decode);
    let (entry, cache_status) = match cached {
        Some(entry) => (entry, cache::status_hit()),
        None => {
            let rendition = backend
                .render(
                    &RenderRequest {
                        asset: path.asset.clone(),
                        size: Size {
                            width: preset.width,
                            height: preset.height,
                        },
                        fit: preset.fit,
                        background: preset.background,
                        format: path.format,
                        quality: preset.quality(path.format),
                        // Preset-driven crop, subject fill and merchant arrive
                        // with the edge's preset integration.
                        crop: Crop::Centre,
                        subject_fill: None,
                        min_source_side: None,
                        merchant: 0,
                    },
                    now,
                )
                .await?;
            let entry = Entry {
                meta: EntryMeta {
                    content_type: rendition.meta.format.media_type().to_owned(),
                    etag: cache::etag_of(&rendition.bytes),
                    engine: rendition.meta.engine.clone(),
                    width: rendition.meta.size.width,
                    height: rendition.meta.size.height,
                    stored_at: now,
                    length: rendition.bytes.len() as u64,
                },
                body: rendition.bytes,
            };
            let stored = kv.set(&key, &entry.encode()).is_ok();
            (entry, cache::status_miss(stored))
        }
    };

    let cache_control = cache::cache_control(preset);
    if request
        .if_none_match
        .is_some_and(|inm| cache::none_match(inm, &entry.meta.etag))
    {
        return Ok(Response::new(304)
            .header("etag", entry.meta.etag)
            .header("cache-control", cache_control)
            .header("cache-status", cache_status));
    }
    let response = Response::new(200)
        .header("content-type", entry.meta.content_type)
        .header("content-length", entry.body.len().to_string())
        .header("etag", entry.meta.etag)
        .header("cache-control", cache_control)
        .header("cache-status", cache_status)
        .header("meridian-engine", entry.meta.engine);
    Ok(if head {
        response
    } else {
        response.body(entry.body)
    })
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::collections::BTreeMap;

    use meridian_wit::types::Error;

    use super::*;
    use crate::backend::TransportError;
    use crate::backend::tests::{Answer, FakeBackend, NOW, rendition};

    #[derive(Default)]
    struct MapKv {
        map: RefCell<BTreeMap<String, Vec<u8>>>,
        fail_writes: bool,
    }

    impl Kv for MapKv {
        fn get(&self, key: &str) -> Result<Option<Vec<u8>>, String> {
            Ok(self.map.borrow().get(key).cloned())
        }
        fn set(&self, key: &str, value: &[u8]) -> Result<(), String> {
            if self.fail_writes {
                return Err("store is full".into());
            }
            self.map.borrow_mut().insert(key.to_owned(), value.to_vec());
            Ok(())
        }
    }

    fn get(path: &str) -> MediaRequest<'_> {
        MediaRequest {
            method: "GET",
            path,
            if_none_match: None,
        }
    }

    fn run(req: MediaRequest<'_>, kv: &MapKv, fake: &FakeBackend) -> Response {
        run_in(req, "DE", kv, fake)
    }

    /// Runs a request as if a trusted CDN said it came from `country`.
    fn run_in(req: MediaRequest<'_>, country: &str, kv: &MapKv, fake: &FakeBackend) -> Response {
        let presets = Presets::load(None).expect("presets");
        let client = BackendClient::new("http://b", "k", fake);
        let headers = [("cf-ipcountry", country)];
        let admit = |ask: Ask<'_>| Ok(crate::gate::admit_via_cdn(&headers, "", ask));
        futures_executor::block_on(handle(req, admit, &presets, kv, &client, NOW))
    }

    fn code(r: &Response) -> String {
        let v: serde_json::Value = serde_json::from_slice(&r.body).expect("json refusal");
        v["code"].as_str().unwrap_or_default().to_owned()
    }

    #[test]
    fn miss_then_hit_then_not_modified() {
        let kv = MapKv::default();
        let fake = FakeBackend::answering(Ok(Ok(rendition())));
        let first = run(get("/v1/media/a.jpg/thumbnail.webp"), &kv, &fake);
        assert_eq!(first.status, 200);
        assert_eq!(
            first.get("cache-status"),
            Some("meridian-edge; fwd=miss; stored")
        );
        assert_eq!(first.get("content-type"), Some("image/webp"));
        assert_eq!(first.body, rendition().bytes);

        let second = run(get("/v1/media/a.jpg/thumbnail.webp"), &kv, &fake);
        assert_eq!(second.get("cache-status"), Some("meridian-edge; hit"));
        assert_eq!(second.body, first.body);
        assert_eq!(second.get("etag"), first.get("etag"));
        assert_eq!(*fake.calls.borrow(), 1, "a hit does not call the backend");

        let etag = first.get("etag").unwrap_or_default().to_owned();
        let third = run(
            MediaRequest {
                if_none_match: Some(&etag),
                ..get("/v1/media/a.jpg/thumbnail.webp")
            },
            &kv,
            &fake,
        );
        assert_eq!(third.status, 304);
        assert!(third.body.is_empty());

        let head = run(
            MediaRequest {
                method: "HEAD",
                ..get("/v1/media/a.jpg/thumbnail.webp")
            },
            &kv,
            &fake,
        );
        assert_eq!(head.status, 200);
        assert!(head.body.is_empty());
        assert_eq!(head.get("content-length"), first.get("content-length"));
    }

    #[test]
    fn refusals_write_nothing() {
        let cases: Vec<(&str, Answer, u16, &str)> = vec![
            (
                "/v1/media/a.jpg/nope.webp",
                Ok(Ok(rendition())),
                404,
                "preset-unknown",
            ),
            (
                "/v1/media/a.jpg/story.png",
                Ok(Ok(rendition())),
                404,
                "format-not-offered",
            ),
            (
                "/v1/media/../x.jpg/thumbnail.webp",
                Ok(Ok(rendition())),
                400,
                "asset-path-invalid",
            ),
            (
                "/v1/media/a.jpg/thumbnail.webp",
                Err(TransportError("refused".into())),
                502,
                "backend-unreachable",
            ),
            (
                "/v1/media/a.jpg/thumbnail.webp",
                Ok(Err(Error::new(422, "image-corrupt", "bad"))),
                422,
                "image-corrupt",
            ),
            (
                "/v1/media/a.jpg/thumbnail.webp",
                Ok(Err(Error::new(404, "asset-not-found", "no"))),
                404,
                "asset-not-found",
            ),
        ];
        for (path, answer, status, want) in cases {
            let kv = MapKv::default();
            let fake = FakeBackend::answering(answer);
            let r = run(get(path), &kv, &fake);
            assert_eq!((r.status, code(&r).as_str()), (status, want), "{path}");
            assert_eq!(r.get("content-type"), Some("application/json"));
            assert!(kv.map.borrow().is_empty(), "{want} wrote nothing");
        }
    }

    #[test]
    fn methods_other_than_get_and_head_are_405() {
        let kv = MapKv::default();
        let fake = FakeBackend::answering(Ok(Ok(rendition())));
        let r = run(
            MediaRequest {
                method: "POST",
                ..get("/v1/media/a.jpg/thumbnail.webp")
            },
            &kv,
            &fake,
        );
        assert_eq!((r.status, code(&r).as_str()), (405, "method-not-allowed"));
    }

    #[test]
    fn a_failing_store_still_answers_but_says_not_stored() {
        let kv = MapKv {
            fail_writes: true,
            ..MapKv::default()
        };
        let fake = FakeBackend::answering(Ok(Ok(rendition())));
        let r = run(get("/v1/media/a.jpg/thumbnail.webp"), &kv, &fake);
        assert_eq!(r.status, 200);
        assert_eq!(r.get("cache-status"), Some("meridian-edge; fwd=miss"));
    }

    #[test]
    fn a_corrupt_entry_is_a_miss() {
        let kv = MapKv::default();
        let fake = FakeBackend::answering(Ok(Ok(rendition())));
        let _ = run(get("/v1/media/a.jpg/thumbnail.webp"), &kv, &fake);
        for value in kv.map.borrow_mut().values_mut() {
            value.truncate(value.len() / 2);
        }
        let r = run(get("/v1/media/a.jpg/thumbnail.webp"), &kv, &fake);
        assert_eq!(
            r.get("cache-status"),
            Some("meridian-edge; fwd=miss; stored")
        );
        assert_eq!(*fake.calls.borrow(), 2);
    }

    #[test]
    fn a_product_image_outside_its_licensed_territory_is_451_and_never_rendered() {
        let kv = MapKv::default();
        let fake = FakeBackend::answering(Ok(Ok(rendition())));
        // dragonfly.jpg shows MRD-ORBIT-TITANIUM, licensed for the EEA and the UK.
        let r = run_in(
            get("/v1/media/dragonfly.jpg/thumbnail.webp"),
            "US",
            &kv,
            &fake,
        );
        assert_eq!(r.status, 451);
        assert_eq!(code(&r), "territory-not-licensed");
        assert!(
            r.get("link")
                .is_some_and(|l| l.contains("rel=\"blocked-by\""))
        );
        assert_eq!(r.get("meridian-market"), Some("US"));
        assert_eq!(*fake.calls.borrow(), 0, "a block never reaches the backend");
        assert!(kv.map.borrow().is_empty(), "nor the cache");

        let r = run_in(
            get("/v1/media/dragonfly.jpg/thumbnail.webp"),
            "FR",
            &kv,
            &fake,
        );
        assert_eq!(r.status, 200);
        assert_eq!(r.get("meridian-market"), Some("FR"));
        assert_eq!(r.get("meridian-locale"), Some("fr-FR"));
    }
}
