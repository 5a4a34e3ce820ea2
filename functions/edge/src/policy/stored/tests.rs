use std::cell::RefCell;
use std::collections::HashMap;

use super::*;
use crate::policy::publish::MAX_PACK_BYTES;
use crate::policy::{PolicyInput, Purpose, decide};

/// Another writer getting in just before a compare-and-swap.
type BeforeCas = Box<dyn FnOnce(&MemKv)>;

/// An in-memory store with an atomic compare-and-swap, and a hook run
/// just before it.
#[derive(Default)]
pub(crate) struct MemKv {
    map: RefCell<HashMap<String, Vec<u8>>>,
    before_cas: RefCell<Option<BeforeCas>>,
}

impl PolicyKv for MemKv {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, String> {
        Ok(self.map.borrow().get(key).cloned())
    }
    fn set(&self, key: &str, value: &[u8]) -> Result<(), String> {
        self.map.borrow_mut().insert(key.to_owned(), value.to_vec());
        Ok(())
    }
    fn delete(&self, key: &str) -> Result<(), String> {
        self.map.borrow_mut().remove(key);
        Ok(())
    }
    fn compare_and_swap(
        &self,
        key: &str,
        expected: Option<&[u8]>,
        value: &[u8],
    ) -> Result<bool, String> {
        let hook = self.before_cas.borrow_mut().take();
        if let Some(hook) = hook {
            hook(self);
        }
        let mut map = self.map.borrow_mut();
        if map.get(key).map(Vec::as_slice) != expected {
            return Ok(false);
        }
        map.insert(key.to_owned(), value.to_vec());
        Ok(true)
    }
}

fn shipped_text(name: &str) -> &'static str {
    EMBEDDED
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, t)| *t)
        .expect("shipped file")
}

fn jp(version: &str) -> String {
    shipped_text("markets/JP.toml").replace(
        "version = \"2026.11.1\"",
        &format!("version = \"{version}\""),
    )
}

fn admin<'s>(shipped: &'s Shipped<'s>) -> Admin<'s> {
    Admin {
        shipped,
        keep: 3,
        now: 1_700_000_000,
    }
}

fn version(kv: &MemKv, shipped: &Shipped<'_>) -> String {
    load(kv, shipped)
        .packs()
        .expect("decodes")
        .version()
        .to_owned()
}

fn tag(version: &str) -> String {
    format!("\"{version}\"")
}

fn code(r: &Response) -> String {
    serde_json::from_slice::<serde_json::Value>(&r.body).expect("JSON")["code"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

fn market_detail(kv: &MemKv, shipped: &Shipped<'_>, country: &str) -> String {
    let in_force = load(kv, shipped);
    let set = in_force
        .packs()
        .and_then(|p| p.for_country(country, None))
        .expect("subset");
    decide(&PolicyInput::new(country, Purpose::Render), &set)
        .market_reason
        .detail
}

#[test]
fn a_change_needs_if_match_naming_the_version_in_force() {
    let shipped = Shipped::this_build();
    let kv = MemKv::default();
    let a = admin(&shipped);
    let v0 = version(&kv, &shipped);
    let text = jp("2026.12.1");
    let publish = Change::Publish {
        file: "markets/JP.toml",
        text: text.as_bytes(),
    };
    for (if_match, status, want) in [
        (None, 428, "precondition-required"),
        (Some("*"), 428, "precondition-required"),
        (Some("\"pk1-000000000000\""), 412, "policy-version-mismatch"),
    ] {
        let r = a.change(&kv, if_match, publish).expect_err("refused");
        assert_eq!(
            (r.status, code(&r).as_str()),
            (status, want),
            "{if_match:?}"
        );
        assert_eq!(
            r.get("etag"),
            Some(tag(&v0).as_str()),
            "the version in force"
        );
    }
    assert_eq!(kv.get(HEAD_KEY), Ok(None), "nothing was written");

    let ok = a.change(&kv, Some(&tag(&v0)), publish).expect("published");
    let v1 = version(&kv, &shipped);
    assert_ne!(v1, v0);
    assert_eq!(ok.get("etag"), Some(tag(&v1).as_str()));
    assert_eq!(market_detail(&kv, &shipped, "JP"), "JP pack 2026.12.1");
    // The old version no longer matches.
    let stale = a.change(&kv, Some(&tag(&v0)), publish).expect_err("stale");
    assert_eq!(
        (stale.status, stale.get("etag")),
        (412, Some(tag(&v1).as_str()))
    );
}

#[test]
fn of_two_changes_against_one_version_exactly_one_is_stored() {
    let shipped = Shipped::this_build();
    let kv = MemKv::default();
    let v0 = version(&kv, &shipped);
    let merchant = shipped_text("merchant.toml").replace("version = ", "# changed\nversion = ");
    assert_ne!(merchant, shipped_text("merchant.toml"));
    // Operator B publishes merchant.toml between A's read and A's write.
    let b_version = v0.clone();
    let b_text = merchant.clone();
    *kv.before_cas.borrow_mut() = Some(Box::new(move |kv: &MemKv| {
        let shipped = Shipped::this_build();
        let b = admin(&shipped)
            .change(
                kv,
                Some(&tag(&b_version)),
                Change::Publish {
                    file: "merchant.toml",
                    text: b_text.as_bytes(),
                },
            )
            .expect("B is first");
        assert_eq!(b.status, 200);
    }));
    let text = jp("2026.12.1");
    let a = admin(&shipped)
        .change(
            &kv,
            Some(&tag(&v0)),
            Change::Publish {
                file: "markets/JP.toml",
                text: text.as_bytes(),
            },
        )
        .expect_err("A lost the race");
    let now = version(&kv, &shipped);
    assert_eq!(
        (a.status, code(&a).as_str()),
        (412, "policy-version-mismatch")
    );
    assert_eq!(a.get("etag"), Some(tag(&now).as_str()), "says who won");
    let head = load(&kv, &shipped).head.expect("head");
    assert_eq!(head.revisions.len(), 1, "only B's change is stored");
    assert_eq!(
        head.current()
            .map(|r| r.files.keys().cloned().collect::<Vec<_>>()),
        Some(vec!["merchant.toml".to_owned()])
    );
    // A redoes its change on B's version: both are kept.
    admin(&shipped)
        .change(
            &kv,
            Some(&tag(&now)),
            Change::Publish {
                file: "markets/JP.toml",
                text: text.as_bytes(),
            },
        )
        .expect("redone");
    let head = load(&kv, &shipped).head.expect("head");
    assert_eq!(head.current().map(|r| r.files.len()), Some(2));
}

#[test]
fn history_keeps_the_last_revisions_and_revert_restores_one() {
    let shipped = Shipped::this_build();
    let kv = MemKv::default();
    let a = admin(&shipped);
    let mut versions = vec![version(&kv, &shipped)];
    for n in 1..=4 {
        let text = jp(&format!("2026.12.{n}"));
        let at = tag(versions.last().expect("a version"));
        a.change(
            &kv,
            Some(&at),
            Change::Publish {
                file: "markets/JP.toml",
                text: text.as_bytes(),
            },
        )
        .expect("published");
        versions.push(version(&kv, &shipped));
    }
    let in_force = load(&kv, &shipped);
    let head = in_force.head.as_ref().expect("head");
    let kept: Vec<u64> = head.revisions.iter().map(|r| r.revision).collect();
    assert_eq!(kept, [4, 3, 2], "keep = 3, newest first");
    let listed: serde_json::Value =
        serde_json::from_slice(&a.history(&in_force).expect("history").body).expect("JSON");
    assert_eq!(listed["revisions"][0]["in_force"], true);
    assert_eq!(listed["revisions"][1]["version"], versions[3].as_str());

    // Revert to revision 2 (JP 2026.12.2): itself a change, CAS-guarded.
    let body = format!("{{\"version\": \"{}\"}}", versions[2]);
    let body = body.as_bytes();
    let stale = a
        .change(&kv, Some(&tag(&versions[3])), Change::Revert { body })
        .expect_err("stale If-Match");
    assert_eq!(stale.status, 412);
    a.change(&kv, Some(&tag(&versions[4])), Change::Revert { body })
        .expect("reverted");
    assert_eq!(version(&kv, &shipped), versions[2]);
    assert_eq!(market_detail(&kv, &shipped, "JP"), "JP pack 2026.12.2");
    let head = load(&kv, &shipped).head.expect("head");
    assert_eq!(head.revisions[0].revision, 5);
    assert!(head.revisions[0].action.contains("revert to revision 2"));

    let refusals: [(&[u8], u16, &str); 4] = [
        (
            b"{\"version\": \"pk1-nope\"}",
            404,
            "policy-version-unknown",
        ),
        (b"{}", 400, "revert-invalid"),
        (b"not json", 400, "revert-invalid"),
        (&[b' '; 2000], 413, "body-too-large"),
    ];
    for (body, status, want) in refusals {
        let r = a
            .change(&kv, Some(&tag(&versions[2])), Change::Revert { body })
            .expect_err("refused");
        assert_eq!((r.status, code(&r).as_str()), (status, want));
    }

    // Reset: back to the shipped packs, recorded like any change.
    a.change(&kv, Some(&tag(&versions[2])), Change::Reset)
        .expect("reset");
    assert_eq!(version(&kv, &shipped), versions[0]);
    let head = load(&kv, &shipped).head.expect("head");
    assert!(head.revisions[0].files.is_empty());
}

#[test]
fn the_head_stays_under_its_size_limit() {
    let shipped = Shipped::this_build();
    let kv = MemKv::default();
    let a = Admin {
        keep: MAX_HISTORY,
        ..admin(&shipped)
    };
    // Each revision adds a distinct 60 KiB file; old ones are dropped to fit.
    let mut at = version(&kv, &shipped);
    for n in 0..12 {
        let filler = format!("{n:x}").repeat(60_000);
        let text = format!("{}\n# {filler}\n", jp("2026.12.1"));
        let text = &text[..text.len().min(MAX_PACK_BYTES)];
        a.change(
            &kv,
            Some(&tag(&at)),
            Change::Publish {
                file: "markets/JP.toml",
                text: text.as_bytes(),
            },
        )
        .expect("published");
        at = version(&kv, &shipped);
    }
    let bytes = kv.get(HEAD_KEY).expect("get").expect("head");
    assert!(bytes.len() <= MAX_HEAD_BYTES, "{}", bytes.len());
    let head = Head::decode(&bytes).expect("decodes");
    assert!(head.revisions.len() < 12 && head.revisions[0].revision == 12);
}

#[test]
fn an_unknown_head_format_falls_back_to_the_shipped_packs() {
    let shipped = Shipped::this_build();
    let kv = MemKv::default();
    let mut future = postcard::to_allocvec(&(HEAD_FORMAT + 1)).expect("encodes");
    future.extend_from_slice(b"whatever a later build writes");
    kv.set(HEAD_KEY, &future).expect("set");
    let in_force = load(&kv, &shipped);
    assert_eq!(in_force.fallback, Some(Fallback::StoredSetInvalid));
    assert!(
        in_force
            .problem
            .as_deref()
            .is_some_and(|p| p.contains("format 2")),
        "{:?}",
        in_force.problem
    );
    let packs = in_force.packs().expect("the shipped packs");
    assert_eq!(packs.version(), version(&MemKv::default(), &shipped));
    assert!(packs.for_country("DE", None).is_ok(), "requests are served");

    // Publishing over it is refused; a reset replaces it.
    let v = packs.version().to_owned();
    let text = jp("2026.12.1");
    let a = admin(&shipped);
    let r = a
        .change(
            &kv,
            Some(&tag(&v)),
            Change::Publish {
                file: "markets/JP.toml",
                text: text.as_bytes(),
            },
        )
        .expect_err("unreadable");
    assert_eq!(
        (r.status, code(&r).as_str()),
        (409, "policy-store-unreadable")
    );
    a.change(&kv, Some(&tag(&v)), Change::Reset).expect("reset");
    assert_eq!(load(&kv, &shipped).fallback, None);

    // Garbage and files that no longer compile fall back the same way.
    kv.set(HEAD_KEY, b"\x01\xff\xff\xff\xff\xff").expect("set");
    assert_eq!(
        load(&kv, &shipped).fallback,
        Some(Fallback::StoredSetInvalid)
    );
    let broken = Head {
        revisions: vec![Revision {
            revision: 1,
            version: "pk1-old".into(),
            at: 0,
            action: "publish markets/JP.toml".into(),
            files: [("markets/JP.toml".to_owned(), "schema = 99\n".to_owned())].into(),
        }],
    };
    kv.set(HEAD_KEY, &broken.encode()).expect("set");
    let in_force = load(&kv, &shipped);
    assert_eq!(in_force.fallback, Some(Fallback::StoredSetInvalid));
    assert!(in_force.packs().is_ok());
}

#[test]
fn a_shipped_pack_changed_in_the_build_shows_through_unpublished_markets() {
    let old_build = Shipped::this_build();
    let kv = MemKv::default();
    let v0 = version(&kv, &old_build);
    let text = jp("2026.12.1");
    admin(&old_build)
        .change(
            &kv,
            Some(&tag(&v0)),
            Change::Publish {
                file: "markets/JP.toml",
                text: text.as_bytes(),
            },
        )
        .expect("published");
    assert!(market_detail(&kv, &old_build, "DE").ends_with("2026.11.1"));

    // The next build ships a new German pack.
    let de = shipped_text("markets/DE.toml")
        .replace("version = \"2026.11.1\"", "version = \"2027.1.1\"");
    let sources: Vec<(&str, &str)> = EMBEDDED
        .iter()
        .map(|&(n, t)| {
            if n == "markets/DE.toml" {
                (n, de.as_str())
            } else {
                (n, t)
            }
        })
        .collect();
    let new_build = Shipped::from_sources(&sources).expect("valid");
    assert_ne!(new_build.id, old_build.id);
    let mut in_force = load(&kv, &new_build);
    assert_eq!(in_force.fallback, None);
    assert_eq!(
        market_detail(&kv, &new_build, "DE"),
        "DE pack 2027.1.1",
        "the build's pack"
    );
    assert_eq!(
        market_detail(&kv, &new_build, "JP"),
        "JP pack 2026.12.1",
        "the operator's"
    );
    // The new build compiled it once and caches it under its own key.
    save_cache(&kv, &mut in_force).expect("cached");
    assert!(kv.get(&build_key(new_build.id)).expect("get").is_some());
    assert!(
        kv.get(&build_key(old_build.id)).expect("get").is_some(),
        "the old build's stays"
    );
    assert_eq!(market_detail(&kv, &old_build, "DE"), "DE pack 2026.11.1");
}

#[test]
fn a_legacy_compiled_set_keeps_its_files_until_the_first_change() {
    let shipped = Shipped::this_build();
    let kv = MemKv::default();
    let text = jp("2026.12.9");
    let files: BTreeMap<String, String> = [("markets/JP.toml".to_owned(), text.clone())].into();
    let old = compile_overrides(&files, EMBEDDED).expect("compiles");
    kv.set(LEGACY_KEY, &old.compiled).expect("set");
    assert_eq!(market_detail(&kv, &shipped, "JP"), "JP pack 2026.12.9");
    let v = version(&kv, &shipped);
    assert_eq!(v, old.version);
    let merchant = shipped_text("merchant.toml");
    admin(&shipped)
        .change(
            &kv,
            Some(&tag(&v)),
            Change::Publish {
                file: "merchant.toml",
                text: merchant.as_bytes(),
            },
        )
        .expect("published");
    assert_eq!(kv.get(LEGACY_KEY), Ok(None));
    assert_eq!(market_detail(&kv, &shipped, "JP"), "JP pack 2026.12.9");
}

#[test]
fn the_compiled_cache_is_checked_against_the_revision() {
    let shipped = Shipped::this_build();
    let kv = MemKv::default();
    let v0 = version(&kv, &shipped);
    let text = jp("2026.12.1");
    admin(&shipped)
        .change(
            &kv,
            Some(&tag(&v0)),
            Change::Publish {
                file: "markets/JP.toml",
                text: text.as_bytes(),
            },
        )
        .expect("published");
    // A cache holding another revision's set (or garbage) is not used.
    let other = compile_overrides(&BTreeMap::new(), EMBEDDED).expect("compiles");
    let stale = cache_entry("0000", &other.compiled).expect("entry");
    for bytes in [stale, b"garbage".to_vec()] {
        kv.set(&build_key(shipped.id), &bytes).expect("set");
        assert_eq!(market_detail(&kv, &shipped, "JP"), "JP pack 2026.12.1");
    }
}

#[test]
fn keep_is_configured_within_bounds() {
    assert_eq!(parse_keep(""), Ok(DEFAULT_HISTORY));
    assert_eq!(parse_keep(" 25 "), Ok(25));
    for bad in ["0", "-1", "101", "ten"] {
        assert_eq!(parse_keep(bad).map_err(|r| r.status), Err(500), "{bad}");
    }
}

/// A store whose reads fail while `down` is set.
#[derive(Default)]
pub(crate) struct FlakyKv {
    pub(crate) inner: MemKv,
    pub(crate) down: std::cell::Cell<bool>,
}

impl PolicyKv for FlakyKv {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, String> {
        if self.down.get() {
            return Err("store offline".to_owned());
        }
        self.inner.get(key)
    }
    fn set(&self, key: &str, value: &[u8]) -> Result<(), String> {
        self.inner.set(key, value)
    }
    fn delete(&self, key: &str) -> Result<(), String> {
        self.inner.delete(key)
    }
    fn compare_and_swap(&self, k: &str, e: Option<&[u8]>, v: &[u8]) -> Result<bool, String> {
        self.inner.compare_and_swap(k, e, v)
    }
}

#[test]
fn an_instance_decodes_each_published_set_once_and_sees_every_publish() {
    let shipped = Shipped::this_build();
    let kv = FlakyKv::default();
    let memo = Memo::default();
    let fresh_loads = std::cell::Cell::new(0);
    let load = || memo.load(&kv, &shipped, |_| fresh_loads.set(fresh_loads.get() + 1));
    let jp_detail = |held: &Held| {
        let packs = held.packs.as_ref().expect("decoded").get();
        let set = packs.for_country("JP", None).expect("subset");
        decide(&PolicyInput::new("JP", Purpose::Render), &set)
            .market_reason
            .detail
    };

    let first = load();
    let again = load();
    assert_eq!(
        fresh_loads.get(),
        1,
        "an unchanged (empty) head is not reloaded"
    );
    assert!(Rc::ptr_eq(&first.in_force, &again.in_force));
    let (a, b) = (first.packs.expect("decoded"), again.packs.expect("decoded"));
    assert!(Rc::ptr_eq(&a, &b), "the decoded packs are kept");

    let v0 = a.get().version().to_owned();
    let text = jp("2026.12.1");
    let publish = Change::Publish {
        file: "markets/JP.toml",
        text: text.as_bytes(),
    };
    admin(&shipped)
        .change(&kv, Some(&tag(&v0)), publish)
        .expect("published");
    let published = load();
    assert_eq!(
        fresh_loads.get(),
        2,
        "a publish is in force on the next load"
    );
    assert_eq!(jp_detail(&published), "JP pack 2026.12.1");
    assert_ne!(published.in_force.packs().expect("decodes").version(), v0);
    let same = load();
    assert_eq!(fresh_loads.get(), 2);
    assert!(Rc::ptr_eq(&published.in_force, &same.in_force));

    kv.down.set(true);
    let offline = load();
    assert_eq!(offline.in_force.fallback, Some(Fallback::StoreUnreadable));
    kv.down.set(false);
    let back = load();
    assert_eq!(fresh_loads.get(), 4, "a failed read is not remembered");
    assert_eq!(back.in_force.fallback, None);
    assert_eq!(jp_detail(&back), "JP pack 2026.12.1");
}
