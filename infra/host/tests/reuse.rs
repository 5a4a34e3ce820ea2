//! Instance reuse through the real host: a WASIp3 component (tests/guest-p3)
//! is reused within Spin 4's limits, and a trap, a deadline or the memory
//! limit ends only its instance; a WASIp2 one (tests/guest) never is.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, ensure};
use meridian_host::reuse::{Range, ReuseConfig};
use meridian_host::{Config, RunningHost};

mod common;
use common::{GUEST_P2, GUEST_P3, assert_trapped, build_guest, get, json, temp_dir};

fn manifest() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reuse.toml")
}

async fn start(
    name: &str,
    reuse: ReuseConfig,
    tweak: impl FnOnce(&mut Config),
) -> Result<RunningHost> {
    build_guest(&GUEST_P2)?;
    build_guest(&GUEST_P3)?;
    let mut c = Config::new(manifest());
    c.listen = "127.0.0.1:0".parse()?;
    c.state_dir = temp_dir(name);
    c.timeout = Duration::from_secs(5);
    c.memory_limit = 64 << 20;
    c.max_instances = 64;
    c.log_dir = Some(PathBuf::new());
    c.variable_env = Default::default();
    c.reuse = reuse;
    tweak(&mut c);
    meridian_host::start(c).await
}

fn reuse(max_requests: usize, max_concurrent: usize, idle: Duration) -> ReuseConfig {
    ReuseConfig {
        max_requests: Range::Value(max_requests),
        max_concurrent: Range::Value(max_concurrent),
        idle_timeout: Range::Value(idle),
    }
}

/// The instance that served `/p3/instance`, its count, and how many requests
/// it held at once.
#[derive(Debug)]
struct Served {
    instance: String,
    served: u64,
    concurrent: u64,
}

async fn instance(addr: SocketAddr, wait_ms: u64) -> Result<Served> {
    let r = get(addr, &format!("/p3/instance?ms={wait_ms}")).await?;
    ensure!(r.status == 200, "status {}: {}", r.status, r.body);
    let j = json(&r)?;
    Ok(Served {
        instance: j["instance"].as_str().context("instance")?.to_owned(),
        served: j["served"].as_u64().context("served")?,
        concurrent: j["concurrent"].as_u64().context("concurrent")?,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wasip3_instances_serve_up_to_their_reuse_count_and_wasip2_ones_one_request() -> Result<()>
{
    let host = start("count", reuse(5, 1, Duration::from_secs(30)), |_| {}).await?;
    let addr = host.local_addr();
    let mut by_instance: Vec<(String, Vec<u64>)> = Vec::new();
    for _ in 0..12 {
        let s = instance(addr, 0).await?;
        match by_instance.last_mut() {
            Some((id, counts)) if *id == s.instance => counts.push(s.served),
            _ => by_instance.push((s.instance, vec![s.served])),
        }
    }
    let counts: Vec<Vec<u64>> = by_instance.iter().map(|(_, c)| c.clone()).collect();
    assert_eq!(
        counts,
        vec![vec![1, 2, 3, 4, 5], vec![1, 2, 3, 4, 5], vec![1, 2]],
        "sequential requests fill one instance to its count, then the next"
    );
    for _ in 0..5 {
        let r = get(addr, "/served").await?;
        assert_eq!(
            (r.status, r.body.as_str()),
            (200, "1"),
            "a WASIp2 instance serves one request"
        );
    }
    host.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wasip3_instances_take_concurrent_requests_up_to_their_limit() -> Result<()> {
    let host = start("concurrent", reuse(128, 2, Duration::from_secs(30)), |_| {}).await?;
    let addr = host.local_addr();
    let warm = instance(addr, 0).await?;
    // Three waiting requests, a little apart: the warm instance takes two at
    // once, and the third, finding it full, gets an instance of its own.
    let mut calls = Vec::new();
    for _ in 0..3 {
        calls.push(tokio::spawn(async move { instance(addr, 1200).await }));
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let mut served = Vec::new();
    for call in calls {
        served.push(call.await??);
    }
    assert!(
        served.iter().all(|s| s.concurrent <= 2),
        "never more than 2 at once in one instance: {served:?}"
    );
    assert_eq!(served[0].instance, warm.instance, "{served:?}");
    assert_eq!(served[1].instance, warm.instance, "{served:?}");
    assert_eq!(
        served[1].concurrent, 2,
        "two requests shared the instance: {served:?}"
    );
    assert_ne!(
        served[2].instance, warm.instance,
        "the full instance took no third: {served:?}"
    );
    host.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trap_ends_its_instance_and_its_requests_in_flight_and_nothing_else() -> Result<()> {
    let host = start("trap", reuse(128, 4, Duration::from_secs(30)), |_| {}).await?;
    let addr = host.local_addr();
    let before = instance(addr, 0).await?;
    // A request waiting in the instance, then one that traps in it.
    let waiting = tokio::spawn(async move { get(addr, "/p3/instance?ms=1500").await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let trapped = get(addr, "/p3/trap?ms=100").await?;
    assert_trapped(&trapped)?;
    let waiting = waiting.await??;
    assert_eq!(
        waiting.status, 500,
        "in flight on the trapped instance: {}",
        waiting.body
    );
    assert_eq!(json(&waiting)?["code"], "component-trapped");
    let after = instance(addr, 0).await?;
    assert_ne!(
        after.instance, before.instance,
        "a new instance after the trap"
    );
    assert_eq!(after.served, 1);
    host.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deadline_and_memory_limit_end_only_their_instance() -> Result<()> {
    let host = start("limits", ReuseConfig::default(), |c| {
        c.timeout = Duration::from_secs(1);
    })
    .await?;
    let addr = host.local_addr();
    let r = get(addr, "/p3/spin").await?;
    assert_eq!(r.status, 500, "{}", r.body);
    assert_eq!(json(&r)?["code"], "component-timeout");
    let r = get(addr, "/p3/hello").await?;
    assert_eq!(
        (r.status, r.body.as_str()),
        (200, "hello from wasi:http@0.3")
    );

    let r = get(addr, "/p3/grow?mib=16").await?;
    assert_eq!(r.status, 200, "within the 64 MiB limit: {}", r.body);
    let r = get(addr, "/p3/grow?mib=128").await?;
    assert_eq!(r.status, 500, "past the 64 MiB limit: {}", r.body);
    assert_eq!(json(&r)?["code"], "component-trapped");
    let s = instance(addr, 0).await?;
    assert_eq!(
        s.served, 1,
        "a fresh instance after the one that ran out: {s:?}"
    );
    host.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_instances_are_dropped_after_their_timeout() -> Result<()> {
    let host = start("idle", reuse(128, 1, Duration::from_millis(200)), |_| {}).await?;
    let addr = host.local_addr();
    let first = instance(addr, 0).await?;
    let again = instance(addr, 0).await?;
    assert_eq!(again.instance, first.instance, "reused while warm");
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let later = instance(addr, 0).await?;
    assert_ne!(later.instance, first.instance, "dropped after 200 ms idle");
    assert_eq!(later.served, 1);
    host.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_instance_draws_its_count_from_a_range() -> Result<()> {
    let config = ReuseConfig {
        max_requests: Range::Bounds(1, 4),
        max_concurrent: Range::Value(1),
        idle_timeout: Range::Value(Duration::from_secs(30)),
    };
    let host = start("range", config, |_| {}).await?;
    let addr = host.local_addr();
    let mut per_instance: BTreeMap<String, u64> = BTreeMap::new();
    let mut order = Vec::new();
    for _ in 0..60 {
        let s = instance(addr, 0).await?;
        if !per_instance.contains_key(&s.instance) {
            order.push(s.instance.clone());
        }
        per_instance.insert(s.instance, s.served);
    }
    assert!(
        per_instance.values().all(|&n| (1..4).contains(&n)),
        "every instance served 1 to 3: {per_instance:?}"
    );
    // All but the last instance served their whole drawn count; 60 draws
    // from {1, 2, 3} are not all alike.
    let full: std::collections::BTreeSet<u64> = order[..order.len() - 1]
        .iter()
        .map(|id| per_instance[id])
        .collect();
    assert!(full.len() > 1, "counts vary by instance: {per_instance:?}");
    host.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wasip3_key_value_reaches_the_same_stores_as_wasip2() -> Result<()> {
    let host = start("kv", ReuseConfig::default(), |_| {}).await?;
    let addr = host.local_addr();
    let kv = |q: &str| format!("/p3/kv?label=default&{q}");
    let body = |r: common::Reply| {
        assert_eq!(r.status, 200, "{}", r.body);
        r.body
    };
    assert_eq!(body(get(addr, &kv("op=get&key=a")).await?), "none");
    assert_eq!(body(get(addr, &kv("op=set&key=a&value=1")).await?), "ok");
    assert_eq!(body(get(addr, &kv("op=set&key=b&value=2")).await?), "ok");
    assert_eq!(body(get(addr, &kv("op=get&key=a")).await?), "1");
    assert_eq!(body(get(addr, &kv("op=exists&key=b")).await?), "true");
    assert_eq!(body(get(addr, &kv("op=keys")).await?), "a,b");
    assert_eq!(body(get(addr, &kv("op=delete&key=a")).await?), "ok");
    assert_eq!(body(get(addr, &kv("op=exists&key=a")).await?), "false");
    assert_eq!(body(get(addr, &kv("op=keys")).await?), "b");
    // One store under both interface versions.
    assert_eq!(body(get(addr, "/kv/get?key=b").await?), "2");
    assert_eq!(body(get(addr, "/kv/set?key=c&value=3").await?), "ok");
    assert_eq!(body(get(addr, &kv("op=get&key=c")).await?), "3");
    // A label the component does not list is refused, as for WASIp2.
    let r = get(addr, "/p3/kv?label=cache&op=get&key=a").await?;
    assert_eq!(
        (r.status, r.body.as_str()),
        (400, "open: Error::AccessDenied")
    );
    host.shutdown().await;
    Ok(())
}
