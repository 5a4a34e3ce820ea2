//! `GET /v1/media/{asset}/{preset}.{ext}`: the whole flow, host-independent.

use meridian_wit::types::{ImageFormat, RenderRequest, Size};

use crate::http::accept::negotiate;

use crate::backend::{Retry, Router, Scope, Transport};
use crate::cache::flow::{Client, Revalidation};
use crate::cache::{self, CacheConfig, CacheRequest, Clock, Fetched, Kv};
use crate::catalog::sku_of_asset;
use crate::gate::{Admission, Ask};
use crate::http::request::{MediaPath, parse_media_path};
use crate::http::response::{Refusal, Response};
use crate::presets::{Preset, Presets};

/// The parts of a request the media route reads.
#[derive(Debug, Clone, Copy)]
pub struct MediaRequest<'a> {
    pub method: &'a str,
    /// Path and query as requested.
    pub path: &'a str,
    pub if_none_match: Option<&'a str>,
    pub if_modified_since: Option<&'a str>,
    /// For `{preset}` URLs without an extension.
    pub accept: Option<&'a str>,
}

/// What the route answers, and work for after the answer is sent.
#[derive(Debug)]
pub struct Served {
    pub response: Response,
    pub revalidation: Option<Deferred>,
}

/// A stale rendition served under `stale-while-revalidate`: rendered again
/// once the shopper has the answer.
#[derive(Debug)]
pub struct Deferred {
    revalidation: Revalidation,
    job: Job,
}

/// One rendition to produce, as the cache's fetch needs it.
#[derive(Debug)]
struct Job {
    request: RenderRequest,
    /// Surrogate keys.
    tags: String,
    max_age_s: u64,
    /// The format came from `Accept`: the answer says `Vary: Accept`.
    negotiated: bool,
}

impl Deferred {
    pub async fn run<K: Kv, T: Transport + Clone>(
        self,
        kv: &K,
        config: &CacheConfig,
        backend: &Router<'_, T>,
        clock: Clock<'_>,
    ) -> Result<cache::status::CacheStatus, Refusal> {
        let fetch = render_fetch(backend, &self.job, config, clock);
        self.revalidation.run(kv, config, clock, fetch).await
    }
}

/// The inputs every media request shares.
pub struct Media<'a, K, T> {
    pub presets: &'a Presets,
    pub kv: &'a K,
    pub cache: &'a CacheConfig,
    /// Renditions carry no personal data: any deployed region may render.
    pub backend: &'a Router<'a, T>,
    /// Carried in every rendition's watermark.
    pub merchant: u32,
}

/// Answers a media request: the gate first (an asset inherits its
/// product's territorial rights), then the cache, else the backend (and
/// then stores the whole entry). Refusals write nothing. `admit` runs the
/// gate for the request ([`crate::gate::admit`] with the host's inputs).
pub async fn handle<K: Kv, T: Transport + Clone>(
    request: MediaRequest<'_>,
    admit: impl FnOnce(Ask<'_>) -> Result<Admission, Refusal>,
    media: &Media<'_, K, T>,
    clock: Clock<'_>,
) -> Served {
    let mut admission = None;
    let (response, revalidation) = match serve(request, admit, &mut admission, media, clock).await {
        Ok(served) => served,
        Err(refusal) => (refusal.into_response(), None),
    };
    let mut response = match admission {
        Some(a) => a.stamp(response),
        None => response,
    };
    if response.get("cache-status").is_none() {
        response
            .headers
            .push(("cache-status".into(), cache::status::bypass("refused")));
    }
    Served {
        response,
        revalidation,
    }
}

async fn serve<K: Kv, T: Transport + Clone>(
    request: MediaRequest<'_>,
    admit: impl FnOnce(Ask<'_>) -> Result<Admission, Refusal>,
    admission: &mut Option<Admission>,
    media: &Media<'_, K, T>,
    clock: Clock<'_>,
) -> Result<(Response, Option<Deferred>), Refusal> {
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
    let path_only = request.path.split('?').next().unwrap_or_default();
    let path = parse_media_path(path_only)?;
    let sku = sku_of_asset(&path.asset);
    let admitted = admission.insert(admit(Ask {
        sku,
        ..Ask::default()
    })?);
    if let Some(refusal) = admitted.decision.refusal() {
        return Ok((refusal.into_response(), None));
    }
    let preset = media.presets.get(&path.preset)?;
    let format = match path.format {
        Some(format) if preset.offers(format) => format,
        Some(_) => {
            return Err(Refusal::new(
                404,
                "format-not-offered",
                format!("preset `{}` is not offered as .{}", preset.name, path.ext),
            ));
        }
        None => negotiate(request.accept, preset.formats()).ok_or_else(|| {
            let offered: Vec<&str> = preset.formats().iter().map(|f| f.media_type()).collect();
            Refusal::new(
                406,
                "format-not-acceptable",
                format!(
                    "preset `{}` offers {}; Accept allows none of them",
                    preset.name,
                    offered.join(", ")
                ),
            )
        })?,
    };
    // Renditions depend on the path and, negotiated, on the format chosen
    // (never on the raw Accept, which differs per browser version).
    let varies = [("accept", format.media_type())];
    let varies = if path.format.is_none() {
        &varies[..]
    } else {
        &[]
    };
    let key =
        CacheRequest::new(path_only, varies.iter().copied(), media.cache)?.scoped(&preset.version);
    let job = Job {
        request: render_request(&path.asset, format, preset, media.merchant),
        tags: surrogate_keys(&path, sku),
        max_age_s: preset.max_age_s,
        negotiated: path.format.is_none(),
    };
    let fetch = render_fetch(media.backend, &job, media.cache, clock);
    let client = Client {
        if_none_match: request.if_none_match,
        if_modified_since: request.if_modified_since,
        head,
        ..Client::default()
    };
    let outcome = cache::serve(media.kv, media.cache, &key, client, clock, fetch).await?;
    let deferred = outcome
        .revalidation
        .map(|revalidation| Deferred { revalidation, job });
    Ok((outcome.response, deferred))
}

fn render_request(
    asset: &str,
    format: ImageFormat,
    preset: &Preset,
    merchant: u32,
) -> RenderRequest {
    RenderRequest {
        asset: asset.to_owned(),
        size: Size {
            width: preset.width,
            height: preset.height,
        },
        fit: preset.fit,
        background: preset.background,
        format,
        quality: preset.quality(format),
        crop: preset.crop,
        subject_fill: preset.subject_fill,
        min_source_side: preset.min_source_side,
        merchant,
    }
}

/// Tags of a rendition: its asset and, for a product photo, its SKU, so a
/// product change purges every rendition of it in every market.
fn surrogate_keys(path: &MediaPath, sku: Option<&str>) -> String {
    let asset: String = path
        .asset
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut tags = format!("asset:{asset} preset:{}", path.preset);
    if let Some(sku) = sku {
        tags.push_str(&format!(" {}", cache::purge::sku_tag(sku)));
    }
    tags
}

/// The cache's fetch for a rendition: a signed backend call, answered as
/// the HTTP response the cache stores.
fn render_fetch<'a, T: Transport + Clone>(
    backend: &'a Router<'_, T>,
    job: &'a Job,
    config: &'a CacheConfig,
    clock: Clock<'a>,
) -> impl AsyncFn(http::request::Parts) -> Result<Fetched, Refusal> + 'a {
    async move |_parts| {
        let request = &job.request;
        let routed = backend
            .call(Scope::anywhere(), Retry::Idempotent, |client| async move {
                client.render(request, clock()).await
            })
            .await;
        let rendition = routed.result?;
        let mut response = http::Response::builder();
        if let Some(region) = &routed.trail.served_by {
            response = response.header(crate::backend::router::REGION_HEADER, region.as_str());
        }
        if job.negotiated {
            response = response.header("vary", "Accept");
        }
        response
            .status(200)
            .header("content-type", rendition.meta.format.media_type())
            .header("etag", cache::etag_of(&rendition.bytes))
            .header(
                "cache-control",
                format!(
                    "public, max-age={}, stale-while-revalidate={}, stale-if-error={}",
                    job.max_age_s, config.stale_while_revalidate_s, config.stale_if_error_s
                ),
            )
            .header("surrogate-key", job.tags.as_str())
            .header("meridian-engine", rendition.meta.engine.as_str())
            .body(rendition.bytes)
            .map_err(|e| Refusal::new(502, "backend-error", e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use meridian_wit::types::Error;

    use super::*;
    use crate::backend::TransportError;
    use crate::backend::tests::{Answer, FakeBackend, NOW, rendition};

    type MapKv = crate::cache::MemoryKv;

    fn get(path: &str) -> MediaRequest<'_> {
        MediaRequest {
            method: "GET",
            path,
            if_none_match: None,
            if_modified_since: None,
            accept: None,
        }
    }

    fn run(req: MediaRequest<'_>, kv: &MapKv, fake: &FakeBackend) -> Response {
        run_in(req, "DE", kv, fake)
    }

    /// Runs a request as if a trusted CDN said it came from `country`.
    fn run_in(req: MediaRequest<'_>, country: &str, kv: &MapKv, fake: &FakeBackend) -> Response {
        let presets = Presets::load(None).expect("presets");
        let regional = crate::backend::tests::one_region("http://b");
        let client = crate::backend::tests::router(&regional, fake, "k");
        let headers = [("cf-ipcountry", country)];
        let admit = |ask: Ask<'_>| Ok(crate::gate::admit_via_cdn(&headers, "", ask));
        let media = Media {
            presets: &presets,
            kv,
            cache: &CacheConfig::default(),
            backend: &client,
            merchant: 7,
        };
        futures_executor::block_on(handle(req, admit, &media, &|| NOW)).response
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
            Some("meridian-edge; fwd=uri-miss; fwd-status=200; ttl=86400; stored")
        );
        assert_eq!(first.get("content-type"), Some("image/webp"));
        assert!(
            first
                .get("cache-control")
                .is_some_and(|c| c.contains("stale-if-error")),
            "renditions may be served stale when the backend is down"
        );
        assert_eq!(first.get("surrogate-key"), None, "tags stay at the edge");
        assert_eq!(first.body, rendition().bytes);

        let second = run(get("/v1/media/a.jpg/thumbnail.webp"), &kv, &fake);
        assert_eq!(
            second.get("cache-status"),
            Some("meridian-edge; hit; ttl=86400")
        );
        assert_eq!(second.get("age"), Some("0"));
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
    fn negotiated_renditions_vary_on_accept_and_carry_the_preset() {
        let kv = MapKv::default();
        let fake = FakeBackend::answering(Ok(Ok(rendition())));
        let chrome = "image/avif,image/webp,image/apng,image/*,*/*;q=0.8";
        let path = "/v1/media/a.jpg/thumbnail";
        let ask = |accept| MediaRequest {
            accept: Some(accept),
            ..get(path)
        };
        let first = run(ask(chrome), &kv, &fake);
        assert_eq!(first.status, 200);
        assert_eq!(first.get("vary"), Some("Accept"));
        let asked = fake.asked.borrow().last().cloned().expect("rendered");
        assert_eq!(asked.format, ImageFormat::Avif);
        assert_eq!(asked.quality, 60);
        assert_eq!(asked.crop, meridian_wit::types::Crop::Attention);
        assert_eq!(asked.merchant, 7, "the watermark names the merchant");

        // Another browser version with the same best format shares the entry;
        // a JPEG-only client gets its own.
        let hit = run(ask("image/avif,image/webp,*/*;q=0.5"), &kv, &fake);
        assert!(hit.get("cache-status").is_some_and(|s| s.contains("; hit")));
        let jpeg = run(ask("image/jpeg"), &kv, &fake);
        assert!(
            jpeg.get("cache-status")
                .is_some_and(|s| s.contains("fwd=vary-miss"))
        );
        assert_eq!(
            fake.asked.borrow().last().map(|r| r.format),
            Some(ImageFormat::Jpeg)
        );
        assert_eq!(*fake.calls.borrow(), 2);

        let none = run(ask("text/html"), &kv, &fake);
        assert_eq!(
            (none.status, code(&none).as_str()),
            (406, "format-not-acceptable")
        );
        let explicit = run(get("/v1/media/a.jpg/thumbnail.webp"), &kv, &fake);
        assert_eq!(
            explicit.get("vary"),
            None,
            "a URL naming its format does not vary"
        );
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
                503,
                "backend-unavailable",
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
            assert_eq!(r.get("content-type"), Some("application/problem+json"));
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
        assert_eq!(
            r.get("cache-status"),
            Some("meridian-edge; fwd=uri-miss; fwd-status=200; detail=store-failed")
        );
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
        assert!(
            r.get("cache-status")
                .is_some_and(|s| s.contains("fwd=uri-miss") && s.ends_with("stored")),
            "{:?}",
            r.get("cache-status")
        );
        assert_eq!(r.body, rendition().bytes);
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

#[cfg(test)]
mod revalidation_tests {
    use super::*;
    use crate::backend::tests::{FakeBackend, NOW, rendition};
    use crate::cache::MemoryKv;

    #[test]
    fn a_stale_rendition_is_served_then_rendered_again() {
        let kv = MemoryKv::default();
        let fake = FakeBackend::answering(Ok(Ok(rendition())));
        let presets = Presets::parse(
            "[thumbnail]\nwidth = 16\nheight = 16\nfit = \"cover\"\nformats = [\"webp\"]\nmax_age_s = 5\n",
        )
        .expect("presets");
        let regional = crate::backend::tests::one_region("http://b");
        let client = crate::backend::tests::router(&regional, &fake, "k");
        let cache = CacheConfig::default();
        let media = Media {
            presets: &presets,
            kv: &kv,
            cache: &cache,
            backend: &client,
            merchant: 7,
        };
        let headers = [("cf-ipcountry", "DE")];
        let request = MediaRequest {
            method: "GET",
            path: "/v1/media/a.jpg/thumbnail.webp",
            if_none_match: None,
            if_modified_since: None,
            accept: None,
        };
        let run = |now| {
            let admit = |ask: Ask<'_>| Ok(crate::gate::admit_via_cdn(&headers, "", ask));
            futures_executor::block_on(handle(request, admit, &media, &|| now))
        };
        run(NOW);
        let stale = run(NOW + 10);
        assert!(
            stale
                .response
                .get("cache-status")
                .is_some_and(|s| s.contains("stale-while-revalidate"))
        );
        let deferred = stale.revalidation.expect("deferred");
        let status = futures_executor::block_on(deferred.run(&kv, &cache, &client, &|| NOW + 10))
            .expect("revalidated");
        assert!(status.stored);
        let fresh = run(NOW + 11);
        assert_eq!(
            fresh.response.get("cache-status"),
            Some("meridian-edge; hit; ttl=4")
        );
        assert_eq!(*fake.calls.borrow(), 2);
    }
}
