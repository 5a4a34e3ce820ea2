//! The published policy in the key-value store, its history, and the
//! admin changes to it.
//!
//! One key, [`HEAD_KEY`], holds what operators published: each revision's
//! files as their TOML source (never a compiled set), newest first, the
//! first in force. Every change is a compare-and-swap of that key against
//! the bytes it was decided on, and needs `If-Match: "<policy_version>"`,
//! so two operators publishing at once cannot lose each other's change.
//!
//! The files are compiled against the running build's shipped packs
//! ([`Shipped`]): a market nobody published follows the build. The
//! compiled form is only a cache, one key per build ([`build_key`]) checked
//! against the revision's digest. A head that does not decode (a format
//! this build does not know) or files that no longer compile leave the
//! shipped packs in force, with [`Fallback`] saying so.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use yoke::Yoke;

use super::compiled::{CompiledPacks, EMBEDDED_COMPILED};
use super::pack::PackError;
use super::packs::EMBEDDED;
use super::publish::{compile_overrides, invalid, publish};
use crate::http::response::{Refusal, Response};
use crate::http::versioned::{Versioned, json_response, refused};

/// The published revisions.
pub const HEAD_KEY: &str = "policy/head";
/// Where builds before revision history stored a whole compiled set; read
/// (its files kept) until the first change, then deleted.
pub const LEGACY_KEY: &str = "policy/compiled";
/// The response header that says the stored set is not in force.
pub const FALLBACK_HEADER: &str = "meridian-policy-fallback";
/// Bumped when [`HeadBody`] changes shape; a build refuses to read others.
pub const HEAD_FORMAT: u32 = 1;
/// The largest head written: below hosted stores' value limits (1 MiB).
/// Old revisions are dropped to stay under it.
pub const MAX_HEAD_BYTES: usize = 512 * 1024;
/// Revisions kept (the one in force included) unless configured.
pub const DEFAULT_HISTORY: usize = 10;
/// The most revisions that may be configured.
pub const MAX_HISTORY: usize = 100;
/// The largest revert request body.
const MAX_REVERT_BODY: usize = 1024;

/// The key-value operations the policy store needs; `compare_and_swap`
/// must be atomic (Spin: `wasi:keyvalue/atomics`).
pub trait PolicyKv {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, String>;
    fn set(&self, key: &str, value: &[u8]) -> Result<(), String>;
    fn delete(&self, key: &str) -> Result<(), String>;
    /// Writes `value` only if `key` still holds `expected` (`None`: absent);
    /// `Ok(false)` when it did not.
    fn compare_and_swap(
        &self,
        key: &str,
        expected: Option<&[u8]>,
        value: &[u8],
    ) -> Result<bool, String>;
}

/// The packs a build ships: their sources and their compiled form.
pub struct Shipped<'a> {
    pub sources: &'a [(&'a str, &'a str)],
    pub compiled: Cow<'a, [u8]>,
    /// Names this build's compiled cache: changes with any shipped pack
    /// and with the compiled layout.
    pub id: u64,
}

const fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < bytes.len() {
        hash ^= bytes[i] as u64;
        hash = hash.wrapping_mul(0x0100_0000_01b3);
        i += 1;
    }
    hash
}

/// Computed once, at compile time.
const THIS_BUILD: u64 = fnv1a(EMBEDDED_COMPILED);

impl Shipped<'static> {
    /// The packs this component was built with.
    pub fn this_build() -> Shipped<'static> {
        Shipped {
            sources: EMBEDDED,
            compiled: Cow::Borrowed(EMBEDDED_COMPILED),
            id: THIS_BUILD,
        }
    }
}

impl<'a> Shipped<'a> {
    /// A build's packs compiled from `sources` (tests, tools).
    pub fn from_sources(sources: &'a [(&'a str, &'a str)]) -> Result<Shipped<'a>, PackError> {
        let compiled = compile_overrides(&BTreeMap::new(), sources)?.compiled;
        Ok(Shipped {
            sources,
            id: fnv1a(&compiled),
            compiled: Cow::Owned(compiled),
        })
    }
}

/// The key of `build`'s compiled cache.
pub fn build_key(build: u64) -> String {
    format!("policy/build/{build:016x}")
}

/// Why the shipped packs are in force instead of the stored set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Fallback {
    /// The stored set did not decode or does not compile with this build.
    StoredSetInvalid,
    /// The store could not be read.
    StoreUnreadable,
}

impl Fallback {
    pub fn code(self) -> &'static str {
        match self {
            Fallback::StoredSetInvalid => "stored-set-invalid",
            Fallback::StoreUnreadable => "store-unreadable",
        }
    }
}

/// One published state of the files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revision {
    /// Counts changes: 1, 2, ...
    pub revision: u64,
    /// The policy version the publishing build computed.
    pub version: String,
    /// Unix seconds.
    pub at: u64,
    /// What the change was (`publish markets/JP.toml`, `revert to ...`, `reset`).
    pub action: String,
    /// Files replacing or adding to the shipped ones (name, TOML).
    pub files: BTreeMap<String, String>,
}

impl Revision {
    /// A digest of the files, which names the compiled cache's content.
    pub fn digest(&self) -> String {
        let mut h = Sha256::new();
        for (name, text) in &self.files {
            for part in [name.as_bytes(), text.as_bytes()] {
                h.update((part.len() as u64).to_le_bytes());
                h.update(part);
            }
        }
        hex::encode(&h.finalize()[..16])
    }
}

/// Every revision kept, newest (in force) first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Head {
    pub revisions: Vec<Revision>,
}

/// The stored layout after the format number: file texts once each,
/// revisions naming them by index (revisions mostly share files).
#[derive(Serialize, Deserialize)]
struct HeadBody {
    texts: Vec<String>,
    revisions: Vec<RevisionBody>,
}

#[derive(Serialize, Deserialize)]
struct RevisionBody {
    revision: u64,
    version: String,
    at: u64,
    action: String,
    files: Vec<(String, u32)>,
}

/// Why a stored head was not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HeadError {
    #[error("stored policy head has format {0}, which this build does not read")]
    UnknownFormat(u32),
    #[error("stored policy head does not decode: {0}")]
    Corrupt(String),
}

impl Head {
    pub fn current(&self) -> Option<&Revision> {
        self.revisions.first()
    }

    fn next_revision(&self) -> u64 {
        self.revisions
            .iter()
            .map(|r| r.revision)
            .max()
            .unwrap_or_default()
            + 1
    }

    pub fn decode(bytes: &[u8]) -> Result<Head, HeadError> {
        let corrupt = |e: postcard::Error| HeadError::Corrupt(e.to_string());
        let (format, rest): (u32, &[u8]) = postcard::take_from_bytes(bytes).map_err(corrupt)?;
        if format != HEAD_FORMAT {
            return Err(HeadError::UnknownFormat(format));
        }
        let body: HeadBody = postcard::from_bytes(rest).map_err(corrupt)?;
        let mut revisions = Vec::with_capacity(body.revisions.len());
        for r in body.revisions {
            let mut files = BTreeMap::new();
            for (name, index) in r.files {
                let text = body
                    .texts
                    .get(index as usize)
                    .ok_or_else(|| HeadError::Corrupt(format!("{name}: no text {index}")))?;
                files.insert(name, text.clone());
            }
            revisions.push(Revision {
                revision: r.revision,
                version: r.version,
                at: r.at,
                action: r.action,
                files,
            });
        }
        Ok(Head { revisions })
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut texts: Vec<String> = Vec::new();
        let mut index: BTreeMap<&str, u32> = BTreeMap::new();
        let revisions = self
            .revisions
            .iter()
            .map(|r| RevisionBody {
                revision: r.revision,
                version: r.version.clone(),
                at: r.at,
                action: r.action.clone(),
                files: r
                    .files
                    .iter()
                    .map(|(name, text)| {
                        let i = *index.entry(text.as_str()).or_insert_with(|| {
                            texts.push(text.clone());
                            (texts.len() - 1) as u32
                        });
                        (name.clone(), i)
                    })
                    .collect(),
            })
            .collect();
        let body = HeadBody { texts, revisions };
        // Writing into a Vec cannot fail; an empty head would read as corrupt.
        let mut out = postcard::to_allocvec(&HEAD_FORMAT).unwrap_or_default();
        out.extend(postcard::to_allocvec(&body).unwrap_or_default());
        out
    }
}

#[derive(Serialize, Deserialize)]
struct CachedBuild<'a> {
    digest: &'a str,
    #[serde(borrow)]
    compiled: &'a [u8],
}

/// The packs in force for one request, and what the store held.
pub struct InForce {
    compiled: Cow<'static, [u8]>,
    /// Set when the shipped packs stand in for a stored set.
    pub fallback: Option<Fallback>,
    /// What went wrong, for a loud log line.
    pub problem: Option<String>,
    /// The stored revisions, when they decoded.
    pub head: Option<Head>,
    /// The head's bytes as read: what a change compare-and-swaps against
    /// (`None`: no head was stored).
    head_bytes: Option<Vec<u8>>,
    /// The head came from [`LEGACY_KEY`].
    legacy: bool,
    /// Whether the compiled cache needs writing (it was stale).
    cache: Option<(String, Vec<u8>)>,
}

impl InForce {
    /// The packs in force (always decodable: checked when loaded).
    pub fn packs(&self) -> Result<CompiledPacks<'_>, PackError> {
        CompiledPacks::decode(&self.compiled)
    }

    /// Whether the packs in force were compiled from stored files.
    pub fn uses_stored_set(&self) -> bool {
        self.fallback.is_none()
            && self
                .head
                .as_ref()
                .and_then(Head::current)
                .is_some_and(|r| !r.files.is_empty())
    }

    /// The shipped packs, for when a stored set fails later (a pack of a
    /// cached set that does not decode).
    pub fn shipped_instead(&self, problem: String) -> InForce {
        InForce {
            compiled: Cow::Borrowed(EMBEDDED_COMPILED),
            fallback: Some(Fallback::StoredSetInvalid),
            problem: Some(problem),
            head: None,
            head_bytes: None,
            legacy: false,
            cache: None,
        }
    }
}

/// Reads the set in force: the stored head compiled for this build (from
/// the cache when it is current), else the shipped packs. Never fails:
/// whatever is wrong with the store is in [`InForce::fallback`].
pub fn load<K: PolicyKv + ?Sized>(kv: &K, shipped: &Shipped<'_>) -> InForce {
    load_with_head(kv, shipped, kv.get(HEAD_KEY))
}

/// [`load`], given the read of [`HEAD_KEY`].
fn load_with_head<K: PolicyKv + ?Sized>(
    kv: &K,
    shipped: &Shipped<'_>,
    head_read: Result<Option<Vec<u8>>, String>,
) -> InForce {
    let mut in_force = InForce {
        // This build's packs are borrowed: no copy per request.
        compiled: if shipped.id == THIS_BUILD {
            Cow::Borrowed(EMBEDDED_COMPILED)
        } else {
            Cow::Owned(shipped.compiled.to_vec())
        },
        fallback: None,
        problem: None,
        head: None,
        head_bytes: None,
        legacy: false,
        cache: None,
    };
    let fail = |mut in_force: InForce, why: Fallback, problem: String| {
        in_force.fallback = Some(why);
        in_force.problem = Some(problem);
        in_force
    };
    match head_read {
        Err(e) => {
            let problem = format!("reading {HEAD_KEY}: {e}");
            return fail(in_force, Fallback::StoreUnreadable, problem);
        }
        Ok(Some(bytes)) => {
            let decoded = Head::decode(&bytes);
            in_force.head_bytes = Some(bytes);
            match decoded {
                Ok(head) => in_force.head = Some(head),
                Err(e) => return fail(in_force, Fallback::StoredSetInvalid, e.to_string()),
            }
        }
        Ok(None) => match kv.get(LEGACY_KEY) {
            Err(e) => {
                let problem = format!("reading {LEGACY_KEY}: {e}");
                return fail(in_force, Fallback::StoreUnreadable, problem);
            }
            Ok(None) => return in_force,
            Ok(Some(bytes)) => match CompiledPacks::decode(&bytes) {
                Ok(old) => {
                    in_force.head = Some(legacy_head(&old));
                    in_force.legacy = true;
                }
                Err(e) => {
                    let problem = format!("{LEGACY_KEY}: {e}");
                    return fail(in_force, Fallback::StoredSetInvalid, problem);
                }
            },
        },
    }
    let Some(current) = in_force.head.as_ref().and_then(Head::current) else {
        return in_force;
    };
    if current.files.is_empty() {
        return in_force;
    }
    let digest = current.digest();
    let key = build_key(shipped.id);
    if let Ok(Some(bytes)) = kv.get(&key)
        && let Ok(cached) = postcard::from_bytes::<CachedBuild<'_>>(&bytes)
        && cached.digest == digest
        && CompiledPacks::decode(cached.compiled).is_ok()
    {
        in_force.compiled = Cow::Owned(cached.compiled.to_vec());
        return in_force;
    }
    match compile_overrides(&current.files, shipped.sources) {
        Ok(published) => {
            in_force.cache = cache_entry(&digest, &published.compiled).map(|v| (key, v));
            in_force.compiled = Cow::Owned(published.compiled);
            in_force
        }
        Err(e) => {
            let problem = format!(
                "revision {} does not compile with this build: {e}",
                current.revision
            );
            fail(in_force, Fallback::StoredSetInvalid, problem)
        }
    }
}

/// An [`InForce`] with its packs decoded, as an instance keeps it.
#[derive(Clone)]
pub struct Held {
    pub in_force: Rc<InForce>,
    /// `None` when the packs do not decode (the gate then falls back per
    /// request, as without a memo).
    pub packs: Option<Rc<HeldPacks>>,
}

/// Packs decoded once and kept with the bytes they borrow from: each
/// market's pack, the merchant file and the embargo list are decoded on
/// first use and then reused by every later request of the instance.
pub type HeldPacks = Yoke<CompiledPacks<'static>, Rc<InForce>>;

impl Held {
    fn new(in_force: InForce) -> Held {
        let in_force = Rc::new(in_force);
        let packs = Yoke::try_attach_to_cart(in_force.clone(), |f: &InForce| f.packs())
            .ok()
            .map(Rc::new);
        Held { in_force, packs }
    }
}

/// The set an instance last loaded, by the stored head's bytes. Every
/// load still reads the head (one key), so a publish is in force on the
/// next request; an unchanged head skips the compiled cache's read, its
/// validation and copy, and every pack decode. What is kept is the
/// merchant's policy, never anything about a shopper. A head that cannot
/// be read is a fallback for that request only, never remembered.
#[derive(Default)]
pub struct Memo {
    last: RefCell<Option<(Option<Vec<u8>>, Held)>>,
}

impl Memo {
    /// The set in force. `fresh` sees each newly loaded set before it is
    /// kept (to write its compiled cache with [`save_cache`]).
    pub fn load<K: PolicyKv + ?Sized>(
        &self,
        kv: &K,
        shipped: &Shipped<'_>,
        fresh: impl FnOnce(&mut InForce),
    ) -> Held {
        let head_read = kv.get(HEAD_KEY);
        if let (Ok(bytes), Some((seen, held))) = (&head_read, &*self.last.borrow())
            && seen == bytes
        {
            return held.clone();
        }
        let seen = head_read.as_ref().ok().cloned();
        let mut in_force = load_with_head(kv, shipped, head_read);
        fresh(&mut in_force);
        let held = Held::new(in_force);
        match seen {
            Some(seen) if held.in_force.fallback != Some(Fallback::StoreUnreadable) => {
                *self.last.borrow_mut() = Some((seen, held.clone()));
            }
            _ => *self.last.borrow_mut() = None,
        }
        held
    }
}

fn cache_entry(digest: &str, compiled: &[u8]) -> Option<Vec<u8>> {
    postcard::to_allocvec(&CachedBuild { digest, compiled }).ok()
}

/// Writes the compiled cache [`load`] found stale, so later requests of
/// this build decode instead of compiling. Best effort: a failure costs
/// only time.
pub fn save_cache<K: PolicyKv + ?Sized>(kv: &K, in_force: &mut InForce) -> Result<(), String> {
    match in_force.cache.take() {
        Some((key, value)) => kv.set(&key, &value),
        None => Ok(()),
    }
}

fn legacy_head(old: &CompiledPacks<'_>) -> Head {
    let files: BTreeMap<String, String> = old
        .overrides()
        .map(|(n, t)| (n.to_owned(), t.to_owned()))
        .collect();
    if files.is_empty() {
        return Head::default();
    }
    Head {
        revisions: vec![Revision {
            revision: 1,
            version: old.version().to_owned(),
            at: 0,
            action: "published before revision history".to_owned(),
            files,
        }],
    }
}

/// What an admin asks to change.
#[derive(Debug, Clone, Copy)]
pub enum Change<'a> {
    /// `PUT /v1/admin/policy/<file>`.
    Publish { file: &'a str, text: &'a [u8] },
    /// `POST /v1/admin/policy/revert` with its JSON body.
    Revert { body: &'a [u8] },
    /// `DELETE /v1/admin/policy`: back to the shipped packs.
    Reset,
}

/// The admin API's settings and clock.
pub struct Admin<'s> {
    pub shipped: &'s Shipped<'s>,
    /// Revisions kept, the one in force included (1..=[`MAX_HISTORY`]).
    pub keep: usize,
    /// Unix seconds, recorded with a change.
    pub now: u64,
}

/// Parses `policy_history` (empty: [`DEFAULT_HISTORY`]).
pub fn parse_keep(text: &str) -> Result<usize, Refusal> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(DEFAULT_HISTORY);
    }
    text.parse::<usize>()
        .ok()
        .filter(|n| (1..=MAX_HISTORY).contains(n))
        .ok_or_else(|| {
            Refusal::new(
                500,
                "configuration-invalid",
                format!(
                    "policy_history is `{}`: a number of revisions from 1 to {MAX_HISTORY}",
                    text.escape_default()
                ),
            )
        })
}

/// How the policy names itself to [`crate::http::versioned`].
const POLICY: Versioned<'static> = Versioned {
    version_name: "policy_version",
    mismatch_code: "policy-version-mismatch",
    document: "the policy",
};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RevertBody {
    version: Option<String>,
    revision: Option<u64>,
}

impl Admin<'_> {
    /// `GET /v1/admin/policy`: the version in force and the published files.
    pub fn status(&self, in_force: &InForce) -> Result<Response, Refusal> {
        let packs = in_force.packs().map_err(unavailable)?;
        let current = in_force.head.as_ref().and_then(Head::current);
        let overrides: Vec<&str> = current
            .map(|r| r.files.keys().map(String::as_str).collect())
            .unwrap_or_default();
        Ok(json_response(
            serde_json::json!({
                "policy_version": packs.version(),
                "revision": current.map(|r| r.revision).unwrap_or_default(),
                "overrides": overrides,
                "fallback": in_force.fallback.map(Fallback::code),
                "history_kept": self.keep,
            }),
            packs.version(),
        ))
    }

    /// `GET /v1/admin/policy/history`: the revisions kept, newest first.
    pub fn history(&self, in_force: &InForce) -> Result<Response, Refusal> {
        let packs = in_force.packs().map_err(unavailable)?;
        let revisions: Vec<serde_json::Value> = in_force
            .head
            .iter()
            .flat_map(|h| h.revisions.iter())
            .enumerate()
            .map(|(i, r)| {
                serde_json::json!({
                    "revision": r.revision,
                    "version": r.version,
                    "at": r.at,
                    "action": r.action,
                    "files": r.files.keys().collect::<Vec<_>>(),
                    "in_force": i == 0 && in_force.fallback.is_none(),
                })
            })
            .collect();
        Ok(json_response(
            serde_json::json!({
                "policy_version": packs.version(),
                "fallback": in_force.fallback.map(Fallback::code),
                "history_kept": self.keep,
                "revisions": revisions,
            }),
            packs.version(),
        ))
    }

    /// Applies `change` if `if_match` names the version in force: the new
    /// head is compare-and-swapped against the one it was decided on, so of
    /// two changes made against one version exactly one is stored; the
    /// other is 412 with the version that won. Refusals are responses
    /// (they carry the version in force as `ETag`).
    pub fn change<K: PolicyKv + ?Sized>(
        &self,
        kv: &K,
        if_match: Option<&str>,
        change: Change<'_>,
    ) -> Result<Response, Response> {
        let in_force = load(kv, self.shipped);
        let version = in_force
            .packs()
            .map_err(|e| unavailable(e).into_response())?
            .version()
            .to_owned();
        let no_change = |r: Refusal| refused(r, &version);
        POLICY.check_if_match(if_match, &version)?;
        let undecodable = in_force.head_bytes.is_some() && in_force.head.is_none();
        if undecodable && !matches!(change, Change::Reset) {
            return Err(no_change(Refusal::new(
                409,
                "policy-store-unreadable",
                format!(
                    "the stored revisions cannot be read by this build ({}); DELETE /v1/admin/policy resets them",
                    in_force.problem.as_deref().unwrap_or("unknown problem")
                ),
            )));
        }
        let head = in_force.head.clone().unwrap_or_default();
        let current = head.current().map(|r| r.files.clone()).unwrap_or_default();
        let (published, action) = match change {
            Change::Publish { file, text } => (
                publish(&current, file, text, self.shipped.sources).map_err(no_change)?,
                format!("publish {file}"),
            ),
            Change::Revert { body } => {
                let target = revert_target(&head, body).map_err(no_change)?;
                (
                    compile_overrides(&target.files, self.shipped.sources)
                        .map_err(|e| no_change(invalid(e)))?,
                    format!(
                        "revert to revision {} ({})",
                        target.revision, target.version
                    ),
                )
            }
            Change::Reset => {
                if current.is_empty() && !undecodable && !in_force.legacy {
                    return self.status(&in_force).map_err(Refusal::into_response);
                }
                (
                    compile_overrides(&BTreeMap::new(), self.shipped.sources)
                        .map_err(|e| no_change(invalid(e)))?,
                    "reset to the shipped packs".to_owned(),
                )
            }
        };
        let revision = Revision {
            revision: head.next_revision(),
            version: published.version.clone(),
            at: self.now,
            action,
            files: published.files.clone(),
        };
        let digest = revision.digest();
        let bytes = self.next_head(revision, &head).map_err(no_change)?;
        let swapped = kv
            .compare_and_swap(HEAD_KEY, in_force.head_bytes.as_deref(), &bytes)
            .map_err(|e| {
                no_change(Refusal::new(
                    500,
                    "store-failed",
                    format!("the set validated but was not stored: {e}"),
                ))
            })?;
        if !swapped {
            let now = load(kv, self.shipped);
            let winner = now
                .packs()
                .map(|p| p.version().to_owned())
                .unwrap_or_else(|_| version.clone());
            return Err(POLICY.mismatch(
                &format!(
                    "another change was stored first; the policy in force is now {winner}: read it again and redo the change"
                ),
                &winner,
            ));
        }
        // The head is the record; these only save work and space.
        if in_force.legacy {
            let _ = kv.delete(LEGACY_KEY);
        }
        if let Some(entry) = cache_entry(&digest, &published.compiled) {
            let _ = kv.set(&build_key(self.shipped.id), &entry);
        }
        let stored = load(kv, self.shipped);
        self.status(&stored).map_err(Refusal::into_response)
    }

    /// The head with `revision` in force: the last [`Admin::keep`]
    /// revisions, fewer if they would not fit in [`MAX_HEAD_BYTES`].
    fn next_head(&self, revision: Revision, head: &Head) -> Result<Vec<u8>, Refusal> {
        let mut next = Head {
            revisions: std::iter::once(revision)
                .chain(head.revisions.iter().cloned())
                .take(self.keep.max(1))
                .collect(),
        };
        loop {
            let bytes = next.encode();
            if bytes.len() <= MAX_HEAD_BYTES {
                return Ok(bytes);
            }
            if next.revisions.len() <= 1 {
                return Err(Refusal::new(
                    413,
                    "policy-set-too-large",
                    format!(
                        "the published files come to more than {MAX_HEAD_BYTES} bytes; publish fewer or smaller overrides"
                    ),
                ));
            }
            next.revisions.pop();
        }
    }
}

fn revert_target<'h>(head: &'h Head, body: &[u8]) -> Result<&'h Revision, Refusal> {
    if body.len() > MAX_REVERT_BODY {
        return Err(Refusal::new(
            413,
            "body-too-large",
            format!("a revert is at most {MAX_REVERT_BODY} bytes of JSON"),
        ));
    }
    let ask: RevertBody = serde_json::from_slice(body).map_err(|e| {
        Refusal::new(
            400,
            "revert-invalid",
            format!("send {{\"version\": \"<policy_version>\"}} or {{\"revision\": <n>}}: {e}"),
        )
    })?;
    let found = head.revisions.iter().find(|r| {
        ask.version.as_deref().is_none_or(|v| v == r.version)
            && ask.revision.is_none_or(|n| n == r.revision)
    });
    match (ask.version.is_some() || ask.revision.is_some(), found) {
        (false, _) => Err(Refusal::new(
            400,
            "revert-invalid",
            "name the version (\"version\") or revision (\"revision\") to revert to",
        )),
        (true, Some(r)) => Ok(r),
        (true, None) => Err(Refusal::new(
            404,
            "policy-version-unknown",
            "no kept revision has that version: GET /v1/admin/policy/history lists them",
        )),
    }
}

fn unavailable(e: PackError) -> Refusal {
    Refusal::new(500, "policy-unavailable", e.to_string())
}

#[cfg(test)]
pub(crate) mod tests;
