//! Regional routing through the real edge host and real backends in three
//! regions (`eu`, `uk`, `us`): failover inside the residency set and never
//! outside it, circuits that open and half-open, timeouts, stale
//! renditions when every region is down, and latency-aware choice.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use meridian_e2e::{
    Reply, Service, TRUST_LOOPBACK, backend_calls, delay_proxy, empty_frame, face_frame, free_addr,
    get, regions_manifest, repo_root, send, start_backend_at, start_host_with, test_catalog,
};

fn try_on(host: &str, country: &str, frame: &[u8]) -> Result<Reply> {
    send(
        "POST",
        &format!("{host}/v1/tryon/HAT-FEDORA-NAVY"),
        &[
            ("cf-ipcountry", country),
            ("content-type", "image/jpeg"),
            ("meridian-consent", "biometric"),
        ],
        Some(frame),
    )
}

/// Backends in `regions`, each on an address of its own that a restart
/// can take again.
struct Regions {
    catalog: tempfile::TempDir,
    addrs: Vec<(String, String)>,
}

impl Regions {
    fn new(regions: &[&str]) -> Result<Regions> {
        Ok(Regions {
            catalog: test_catalog()?,
            addrs: regions
                .iter()
                .map(|r| Ok(((*r).to_owned(), free_addr()?)))
                .collect::<Result<_>>()?,
        })
    }

    fn addr(&self, region: &str) -> &str {
        self.addrs
            .iter()
            .find(|(r, _)| r == region)
            .map(|(_, a)| a.as_str())
            .unwrap_or_default()
    }

    fn url(&self, region: &str) -> String {
        format!("http://{}", self.addr(region))
    }

    fn start(&self, region: &str) -> Result<Service> {
        start_backend_at(
            self.catalog.path(),
            self.addr(region),
            &[("MERIDIAN_BACKEND_REGION", region)],
        )
    }

    /// The edge host with every region deployed, `routing` as
    /// `backend_routing`, and `urls` overriding a region's URL.
    fn host(
        &self,
        state: &std::path::Path,
        routing: &str,
        more: &[(&str, &str)],
    ) -> Result<(Service, meridian_e2e::RemoveOnDrop)> {
        let names: Vec<&str> = self.addrs.iter().map(|(r, _)| r.as_str()).collect();
        let (manifest, cleanup) = regions_manifest(&names)?;
        let vars: Vec<(String, String)> = self
            .addrs
            .iter()
            .filter(|(r, _)| r != "eu")
            .map(|(r, _)| {
                (
                    format!("SPIN_VARIABLE_BACKEND_URL_{}", r.to_uppercase()),
                    self.url(r),
                )
            })
            .collect();
        let mut env: Vec<(&str, &str)> =
            vec![TRUST_LOOPBACK, ("SPIN_VARIABLE_BACKEND_ROUTING", routing)];
        env.extend(vars.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        env.extend_from_slice(more);
        // A later entry for the same variable wins (`more` overrides).
        let host = start_host_with(&manifest, state, &self.url("eu"), &env)?;
        Ok((host, cleanup))
    }
}

fn assert_refusal(reply: &Reply, status: u16, code: &str) -> Result<String> {
    let (body_status, body_code, message) = reply.error()?;
    assert_eq!((reply.status, body_status), (status, status), "{message}");
    assert_eq!(body_code, code, "{message}");
    Ok(message)
}

/// A DE try-on with the EU backend down never reaches the US or the UK
/// backend: 503 saying the law kept it in the EU. A GB try-on with the UK
/// backend down fails over to the EU, which GB's residency allows.
#[test]
fn personal_data_fails_over_only_inside_its_residency_set() -> Result<()> {
    let regions = Regions::new(&["eu", "uk", "us"])?;
    let eu = regions.start("eu")?;
    let uk = regions.start("uk")?;
    let us = regions.start("us")?;
    let state = tempfile::tempdir()?;
    let (host, _manifest) = regions.host(state.path(), "", &[])?;
    let frame = face_frame()?;

    let de = try_on(&host.url, "DE", &frame)?;
    assert_eq!(de.status, 200, "{}", String::from_utf8_lossy(&de.body));
    assert_eq!(de.header("meridian-region"), Some("eu"));

    eu.kill_hard()?;
    let de = try_on(&host.url, "DE", &frame)?;
    let message = assert_refusal(&de, 503, "residency-regions-unavailable")?;
    assert!(
        message.contains("the law, not a preference") && message.contains("residency-eu-gdpr"),
        "{message}"
    );
    assert!(
        de.header("retry-after")
            .is_some_and(|s| s.parse::<u64>().is_ok())
    );
    assert_eq!(de.header("cache-control"), Some("no-store"));
    assert!(
        de.header("server-timing")
            .is_some_and(|t| t.contains("backend-eu;desc=\"unreachable\"")),
        "{:?}",
        de.header("server-timing")
    );
    assert_eq!(
        (backend_calls(&uk)?, backend_calls(&us)?),
        (0, 0),
        "nothing left the EU"
    );

    // GB: uk first (its residency order), down, so eu answers.
    let eu = regions.start("eu")?;
    uk.kill_hard()?;
    let gb = try_on(&host.url, "GB", &frame)?;
    assert_eq!(gb.status, 200, "{}", String::from_utf8_lossy(&gb.body));
    assert_eq!(gb.header("meridian-region"), Some("eu"));
    let timing = gb.header("server-timing").unwrap_or_default();
    assert!(
        timing.starts_with("backend-uk;desc=\"unreachable\"")
            && timing.contains("backend-eu;desc=\"ok\""),
        "{timing}"
    );
    assert_eq!(backend_calls(&eu)?, 1);
    assert_eq!(backend_calls(&us)?, 0, "the US was never a candidate");
    Ok(())
}

/// Under load, the nearest allowed region is killed: every response stays
/// correct (the call fails over within the attempt), its circuit opens so
/// later calls skip it, and once it is back a probe half-opens the circuit
/// and traffic returns.
#[test]
fn killing_the_nearest_region_under_load_moves_traffic_and_it_returns() -> Result<()> {
    let regions = Regions::new(&["eu", "uk"])?;
    let _eu = regions.start("eu")?;
    let uk = regions.start("uk")?;
    let state = tempfile::tempdir()?;
    let routing = "attempt_timeout_ms = 3000\n[breaker]\ncooldown_s = 1\n";
    let (host, _manifest) = regions.host(state.path(), routing, &[])?;
    let frame = Arc::new(empty_frame(320, 180)?);

    // (when, status, region, server-timing) of every response.
    type Answer = (Instant, u16, String, String);
    type Seen = Vec<Answer>;
    let seen: Arc<Mutex<Seen>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let workers: Vec<_> = (0..3)
        .map(|_| {
            let (url, frame, seen, stop) = (
                host.url.clone(),
                Arc::clone(&frame),
                Arc::clone(&seen),
                Arc::clone(&stop),
            );
            std::thread::spawn(move || -> Result<()> {
                while !stop.load(Ordering::SeqCst) {
                    let r = try_on(&url, "GB", &frame)?;
                    let region = r.header("meridian-region").unwrap_or_default().to_owned();
                    let timing = r.header("server-timing").unwrap_or_default().to_owned();
                    if let Ok(mut seen) = seen.lock() {
                        seen.push((Instant::now(), r.status, region, timing));
                    }
                }
                Ok(())
            })
        })
        .collect();
    let count = |pred: &dyn Fn(&Answer) -> bool| {
        seen.lock()
            .map(|s| s.iter().filter(|e| pred(e)).count())
            .unwrap_or(0)
    };
    let wait_for = |what: &str, pred: &dyn Fn() -> bool| -> Result<()> {
        let until = Instant::now() + Duration::from_secs(60);
        while !pred() {
            anyhow::ensure!(Instant::now() < until, "timed out waiting for {what}");
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(())
    };

    wait_for("uk to serve", &|| count(&|e| e.2 == "uk") >= 10)?;
    let killed = Instant::now();
    uk.kill_hard()?;
    wait_for("the circuit to open", &|| {
        count(&|e| e.0 > killed && e.3.contains("backend-uk;desc=\"circuit open\"")) >= 5
    })?;
    let failed_over = count(&|e| e.0 > killed && e.2 == "eu");
    assert!(
        failed_over >= 5,
        "{failed_over} answers from eu after the kill"
    );
    let restarted = Instant::now();
    let _uk = regions.start("uk")?;
    wait_for("traffic to return to uk", &|| {
        count(&|e| e.0 > restarted && e.2 == "uk") >= 10
    })?;
    stop.store(true, Ordering::SeqCst);
    for worker in workers {
        worker
            .join()
            .map_err(|_| anyhow::anyhow!("a worker panicked"))??;
    }
    let seen = seen.lock().map_err(|_| anyhow::anyhow!("poisoned"))?;
    let wrong: Vec<_> = seen
        .iter()
        .filter(|(_, status, region, _)| *status != 200 || !["uk", "eu"].contains(&region.as_str()))
        .collect();
    assert!(
        wrong.is_empty(),
        "{} of {} answers wrong: {:?}",
        wrong.len(),
        seen.len(),
        wrong.first()
    );
    Ok(())
}

/// Renditions carry no personal data: a hung region (stopped, so its
/// connections hang) times out and the next region renders. With every
/// region down, a stored rendition is served stale; one never stored is
/// 503 with `Retry-After`.
#[test]
fn renditions_fail_over_on_a_timeout_and_stale_is_served_when_all_are_down() -> Result<()> {
    let regions = Regions::new(&["eu", "us"])?;
    let eu = regions.start("eu")?;
    let us = regions.start("us")?;
    let state = tempfile::tempdir()?;
    let routing = "locality = [\"eu\", \"us\"]\nattempt_timeout_ms = 1500\n";
    let presets = "[thumbnail]\nwidth = 16\nheight = 16\nfit = \"cover\"\nformats = [\"webp\"]\nmax_age_s = 1\n";
    let (host, _manifest) = regions.host(
        state.path(),
        routing,
        &[("SPIN_VARIABLE_MEDIA_PRESETS", presets)],
    )?;
    let asset = meridian_e2e::first_catalog_jpeg()?;
    let asset = asset
        .file_name()
        .and_then(|n| n.to_str())
        .context("asset name")?
        .to_owned();
    let url = |name: &str| format!("{}/v1/media/{name}/thumbnail.webp", host.url);

    let first = get(&url(&asset), &[("cf-ipcountry", "FR")])?;
    assert_eq!(
        first.status,
        200,
        "{}",
        String::from_utf8_lossy(&first.body)
    );
    assert_eq!(first.header("meridian-region"), Some("eu"));

    eu.signal("STOP")?;
    std::thread::sleep(Duration::from_millis(1100)); // the stored one goes stale
    let other = second_asset(&asset)?;
    let moved = get(&url(&other), &[("cf-ipcountry", "FR")])?;
    eu.signal("CONT")?;
    assert_eq!(
        moved.status,
        200,
        "{}",
        String::from_utf8_lossy(&moved.body)
    );
    assert_eq!(moved.header("meridian-region"), Some("us"));
    assert!(backend_calls(&us)? >= 1);

    drop(eu);
    drop(us);
    std::thread::sleep(Duration::from_millis(1100));
    let stale = get(&url(&asset), &[("cf-ipcountry", "FR")])?;
    assert_eq!(
        stale.status,
        200,
        "{}",
        String::from_utf8_lossy(&stale.body)
    );
    // Stale (a negative ttl), whether served while revalidating or on error.
    let status = stale.header("cache-status").unwrap_or_default();
    assert!(status.contains("ttl=-"), "{status}");
    let never = get(&url(&format!("x{other}")), &[("cf-ipcountry", "FR")])?;
    let message = assert_refusal(&never, 503, "backend-unavailable")?;
    assert!(message.contains("imaging backend"), "{message}");
    assert!(never.header("retry-after").is_some());
    Ok(())
}

/// A second catalog image, so its rendition is a miss.
fn second_asset(first: &str) -> Result<String> {
    let mut names: Vec<String> = std::fs::read_dir(repo_root().join("gpu-backend/catalog"))?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".jpg") && n != first)
        .collect();
    names.sort();
    names.into_iter().next().context("a second catalog JPEG")
}

/// A slow region (a proxy adding 300 ms before each answer) loses GB's
/// traffic to a faster allowed one when latency-aware choice is on, and
/// keeps it (it is nearest) when it is off.
#[test]
fn a_slow_region_loses_traffic_when_latency_aware() -> Result<()> {
    let regions = Regions::new(&["eu", "uk"])?;
    let _eu = regions.start("eu")?;
    let _uk = regions.start("uk")?;
    let slow_uk = delay_proxy(regions.addr("uk"), Duration::from_millis(300))?;
    let frame = empty_frame(320, 180)?;
    let served = |routing: &str| -> Result<Vec<String>> {
        let state = tempfile::tempdir()?;
        let (host, _manifest) = regions.host(
            state.path(),
            routing,
            &[("SPIN_VARIABLE_BACKEND_URL_UK", slow_uk.as_str())],
        )?;
        (0..12)
            .map(|_| {
                let r = try_on(&host.url, "GB", &frame)?;
                anyhow::ensure!(r.status == 200, "{}", String::from_utf8_lossy(&r.body));
                Ok(r.header("meridian-region").unwrap_or_default().to_owned())
            })
            .collect()
    };
    let nearest = served("locality = [\"uk\", \"eu\"]\n")?;
    assert!(nearest.iter().all(|r| r == "uk"), "{nearest:?}");
    let aware = served("locality = [\"uk\", \"eu\"]\nlatency_aware = true\n")?;
    let to_eu = aware.iter().filter(|r| *r == "eu").count();
    assert!(to_eu >= 10, "{aware:?}");
    Ok(())
}
