//! Published experiment definitions and bandit weights in the key-value
//! store (`default`, which never evicts).
//!
//! [`HEAD_KEY`] holds the published revisions of the definitions, newest
//! (in force) first, as their JSON text; every change names the version it
//! was made against (`If-Match`) and is a compare-and-swap of that key, as
//! policy publishing does. A stored head that does not validate with this
//! build leaves the shipped definitions in force, and says so.
//!
//! Bandit weights are written by the scheduled job that reads the
//! collector's counts ([`super::bandit`]), one key per experiment and
//! market; a request only reads them.

use serde::{Deserialize, Serialize};

use super::bandit::{BanditState, ExperimentId, MarketCode};
use super::definitions::{Definitions, MAX_BYTES};
use crate::http::response::{Refusal, Response};
use crate::http::versioned::{Versioned, json_response, refused};
use crate::policy::stored::PolicyKv;

pub const HEAD_KEY: &str = "personalize/definitions";
/// The response header that says the stored definitions are not in force.
pub const FALLBACK_HEADER: &str = "meridian-experiments-fallback";
/// Revisions kept, the one in force included.
pub const KEEP: usize = 10;
/// The largest bandit state accepted.
pub const MAX_STATE_BYTES: usize = 16 * 1024;

const DEFINITIONS: Versioned<'static> = Versioned {
    version_name: "experiments_version",
    mismatch_code: "experiments-version-mismatch",
    document: "the experiment definitions",
};

/// One published state of the definitions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revision {
    pub revision: u64,
    pub version: String,
    /// Unix seconds.
    pub at: u64,
    pub action: String,
    pub text: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Head {
    revisions: Vec<Revision>,
}

/// The definitions in force for one request.
pub struct InForce {
    pub definitions: Definitions,
    /// Set when the shipped definitions stand in for stored ones.
    pub fallback: Option<&'static str>,
    pub problem: Option<String>,
    head: Option<Head>,
    head_bytes: Option<Vec<u8>>,
}

/// Reads the definitions in force: the stored head when it validates,
/// else the shipped ones. Fails only when the shipped ones do not validate
/// (a build that a test refuses).
pub fn load<K: PolicyKv + ?Sized>(kv: &K) -> Result<InForce, Refusal> {
    from_read(kv.get(HEAD_KEY))
}

/// The definitions an instance last loaded, by the stored head's bytes.
/// Every load still reads the head (one key), so a publish is in force on
/// the next request; an unchanged head skips parsing and validating it.
/// Components are reused across requests (WASIp3): what is kept is the
/// merchant's configuration, never anything about a shopper.
#[derive(Default)]
pub struct Memo {
    last: std::cell::RefCell<Option<Remembered>>,
}

/// The head's bytes as read (`None`: nothing stored) and what they gave.
type Remembered = (Option<Vec<u8>>, std::rc::Rc<InForce>);

impl Memo {
    pub fn load<K: PolicyKv + ?Sized>(&self, kv: &K) -> Result<std::rc::Rc<InForce>, Refusal> {
        let read = kv.get(HEAD_KEY);
        if let (Ok(bytes), Some((seen, in_force))) = (&read, &*self.last.borrow())
            && seen == bytes
        {
            return Ok(in_force.clone());
        }
        // An unreadable store is a fallback for this request only.
        let seen = read.as_ref().ok().cloned();
        let in_force = std::rc::Rc::new(from_read(read)?);
        if let Some(seen) = seen {
            *self.last.borrow_mut() = Some((seen, in_force.clone()));
        }
        Ok(in_force)
    }
}

fn from_read(read: Result<Option<Vec<u8>>, String>) -> Result<InForce, Refusal> {
    let shipped = || Definitions::shipped().map_err(|e| e.refusal());
    let fallback = |why: &'static str, problem: String, head_bytes| -> Result<InForce, Refusal> {
        Ok(InForce {
            definitions: shipped()?,
            fallback: Some(why),
            problem: Some(problem),
            head: None,
            head_bytes,
        })
    };
    let bytes = match read {
        Err(e) => return fallback("store-unreadable", format!("reading {HEAD_KEY}: {e}"), None),
        Ok(None) => {
            return Ok(InForce {
                definitions: shipped()?,
                fallback: None,
                problem: None,
                head: None,
                head_bytes: None,
            });
        }
        Ok(Some(bytes)) => bytes,
    };
    let head: Head = match serde_json::from_slice(&bytes) {
        Ok(head) => head,
        Err(e) => {
            return fallback(
                "stored-set-invalid",
                format!("{HEAD_KEY}: {e}"),
                Some(bytes),
            );
        }
    };
    let Some(current) = head.revisions.first() else {
        return Ok(InForce {
            definitions: shipped()?,
            fallback: None,
            problem: None,
            head: Some(head),
            head_bytes: Some(bytes),
        });
    };
    match Definitions::parse(&current.text) {
        Ok(definitions) => Ok(InForce {
            definitions,
            fallback: None,
            problem: None,
            head: Some(head),
            head_bytes: Some(bytes),
        }),
        Err(e) => {
            let problem = format!("revision {} does not validate: {e}", current.revision);
            fallback("stored-set-invalid", problem, Some(bytes))
        }
    }
}

/// What an admin asks to change.
#[derive(Debug, Clone, Copy)]
pub enum Change<'a> {
    /// `PUT /v1/admin/experiments` with the whole document.
    Publish { text: &'a [u8] },
    /// `POST /v1/admin/experiments/revert` with `{"version"}` or `{"revision"}`.
    Revert { body: &'a [u8] },
    /// `DELETE /v1/admin/experiments`: back to the shipped definitions.
    Reset,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RevertBody {
    version: Option<String>,
    revision: Option<u64>,
}

impl InForce {
    pub fn version(&self) -> &str {
        &self.definitions.version
    }

    /// `GET /v1/admin/experiments`: the version in force, the document.
    pub fn status(&self) -> Response {
        let revision = self
            .head
            .as_ref()
            .and_then(|h| h.revisions.first())
            .map(|r| r.revision);
        json_response(
            serde_json::json!({
                "experiments_version": self.version(),
                "revision": revision.unwrap_or_default(),
                "fallback": self.fallback,
                "definitions": self.definitions.document,
            }),
            self.version(),
        )
    }

    /// `GET /v1/admin/experiments/history`.
    pub fn history(&self) -> Response {
        let revisions: Vec<serde_json::Value> = self
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
                    "in_force": i == 0 && self.fallback.is_none(),
                })
            })
            .collect();
        json_response(
            serde_json::json!({
                "experiments_version": self.version(),
                "fallback": self.fallback,
                "revisions": revisions,
            }),
            self.version(),
        )
    }
}

/// Applies `change` if `if_match` names the version in force, as one
/// compare-and-swap of the head: of two changes made against one version,
/// exactly one is stored. `now` is unix seconds.
pub fn change<K: PolicyKv + ?Sized>(
    kv: &K,
    if_match: Option<&str>,
    change: Change<'_>,
    now: u64,
) -> Result<Response, Response> {
    let in_force = load(kv).map_err(Refusal::into_response)?;
    let version = in_force.version().to_owned();
    let no_change = |r: Refusal| refused(r, &version);
    DEFINITIONS.check_if_match(if_match, &version)?;
    let head = in_force.head.clone().unwrap_or_default();
    let (text, action) = match change {
        Change::Publish { text } => {
            if text.len() > MAX_BYTES {
                return Err(no_change(Refusal::new(
                    413,
                    "experiments-too-large",
                    format!("definitions are at most {MAX_BYTES} bytes"),
                )));
            }
            let text = std::str::from_utf8(text).map_err(|_| {
                no_change(Refusal::new(
                    400,
                    "experiments-invalid",
                    "the definitions are not UTF-8",
                ))
            })?;
            (text.to_owned(), "publish".to_owned())
        }
        Change::Revert { body } => {
            if body.len() > 1024 {
                return Err(no_change(Refusal::new(
                    413,
                    "body-too-large",
                    "a revert is at most 1024 bytes",
                )));
            }
            let ask: RevertBody = serde_json::from_slice(body).map_err(|e| {
                no_change(Refusal::new(
                    400,
                    "revert-invalid",
                    format!("send {{\"version\": \"<experiments_version>\"}} or {{\"revision\": <n>}}: {e}"),
                ))
            })?;
            if ask.version.is_none() && ask.revision.is_none() {
                return Err(no_change(Refusal::new(
                    400,
                    "revert-invalid",
                    "name a version or a revision",
                )));
            }
            let target = head
                .revisions
                .iter()
                .find(|r| {
                    ask.version.as_deref().is_none_or(|v| v == r.version)
                        && ask.revision.is_none_or(|n| n == r.revision)
                })
                .ok_or_else(|| {
                    no_change(Refusal::new(
                        404,
                        "experiments-version-unknown",
                        "no kept revision has that version: GET /v1/admin/experiments/history lists them",
                    ))
                })?;
            (
                target.text.clone(),
                format!("revert to revision {}", target.revision),
            )
        }
        Change::Reset => (
            super::definitions::SHIPPED.to_owned(),
            "reset to the shipped definitions".to_owned(),
        ),
    };
    let validated = Definitions::parse(&text).map_err(|e| no_change(e.refusal()))?;
    let next = Revision {
        revision: head
            .revisions
            .iter()
            .map(|r| r.revision)
            .max()
            .unwrap_or_default()
            + 1,
        version: validated.version.clone(),
        at: now,
        action,
        text,
    };
    let next = Head {
        revisions: std::iter::once(next)
            .chain(head.revisions.iter().cloned())
            .take(KEEP)
            .collect(),
    };
    let bytes = serde_json::to_vec(&next).unwrap_or_default();
    let swapped = kv
        .compare_and_swap(HEAD_KEY, in_force.head_bytes.as_deref(), &bytes)
        .map_err(|e| {
            no_change(Refusal::new(
                500,
                "store-failed",
                format!("the definitions validated but were not stored: {e}"),
            ))
        })?;
    if !swapped {
        let winner = load(kv)
            .map(|f| f.version().to_owned())
            .unwrap_or_else(|_| version.clone());
        return Err(DEFINITIONS.mismatch(
            &format!("another change was stored first; the definitions in force are now {winner}: read them again and redo the change"),
            &winner,
        ));
    }
    load(kv).map(|f| f.status()).map_err(Refusal::into_response)
}

/// The bandit state of `experiment` in `market`, when the job wrote one
/// that this build reads and that fits the experiment's arms.
pub fn bandit_state<K: PolicyKv + ?Sized>(
    kv: &K,
    experiment: &str,
    market: &str,
    arms: usize,
) -> Option<BanditState> {
    let key = BanditState::key(
        &ExperimentId::parse(experiment).ok()?,
        &MarketCode::parse(market).ok()?,
    );
    let bytes = kv.get(&key).ok()??;
    let state = BanditState::from_json(&bytes).ok()?;
    (state.weights.len() == arms).then_some(state)
}

/// `PUT /v1/admin/experiments/<id>/bandit/<market>`: stores a state the
/// job computed, after checking it fits the experiment.
pub fn put_bandit_state<K: PolicyKv + ?Sized>(
    kv: &K,
    definitions: &Definitions,
    experiment: &str,
    market: &str,
    body: &[u8],
) -> Result<Response, Refusal> {
    if body.len() > MAX_STATE_BYTES {
        return Err(Refusal::new(
            413,
            "bandit-state-too-large",
            format!("a bandit state is at most {MAX_STATE_BYTES} bytes"),
        ));
    }
    let arms = definitions.variation_keys(experiment).len();
    let has_bandit = definitions
        .document
        .experiments
        .get(experiment)
        .is_some_and(|m| m.bandit.is_some());
    if arms == 0 || !has_bandit {
        return Err(Refusal::new(
            404,
            "experiment-unknown",
            format!(
                "no experiment `{}` with a bandit is defined",
                experiment.escape_default()
            ),
        ));
    }
    let id = ExperimentId::parse(experiment).map_err(|e| e.refusal())?;
    let market_code = MarketCode::parse(market).map_err(|e| e.refusal())?;
    let state = BanditState::from_json(body).map_err(|e| e.refusal())?;
    if state.experiment != id || state.market != market_code || state.weights.len() != arms {
        return Err(Refusal::new(
            422,
            "bandit-state-mismatch",
            format!(
                "the state is for {} in {} with {} arms; the URL names {} in {} with {arms}",
                state.experiment,
                state.market,
                state.weights.len(),
                experiment.escape_default(),
                market.escape_default()
            ),
        ));
    }
    let key = state.store_key();
    let bytes = state.to_json().map_err(|e| e.refusal())?;
    let failed = |e: String| {
        Refusal::new(
            500,
            "store-failed",
            format!("the bandit state was not stored: {e}"),
        )
    };
    kv.set(&key, &bytes).map_err(failed)?;
    // The markets with a state, for `GET /v1/experiments/<id>`: the store
    // cannot list keys. Retried compare-and-swap, since jobs for two
    // markets may write at once.
    let index = markets_key(experiment);
    for _ in 0..8 {
        let old = kv.get(&index).map_err(failed)?;
        let mut markets: Vec<String> = old
            .as_deref()
            .and_then(|b| serde_json::from_slice(b).ok())
            .unwrap_or_default();
        if markets.iter().any(|m| m == market) {
            break;
        }
        markets.push(market.to_owned());
        markets.sort();
        let new = serde_json::to_vec(&markets).unwrap_or_default();
        if kv
            .compare_and_swap(&index, old.as_deref(), &new)
            .map_err(failed)?
        {
            break;
        }
    }
    Ok(Response::new(204).header("cache-control", "no-store"))
}

fn markets_key(experiment: &str) -> String {
    format!("personalize/bandit-markets/{experiment}")
}

/// The markets that have a bandit state for `experiment`.
pub fn bandit_markets<K: PolicyKv + ?Sized>(kv: &K, experiment: &str) -> Vec<String> {
    kv.get(&markets_key(experiment))
        .ok()
        .flatten()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

#[cfg(test)]
mod memo_tests {
    use std::rc::Rc;

    use super::*;
    use crate::personalize::definitions::SHIPPED;
    use crate::policy::stored::tests::FlakyKv;

    #[test]
    fn memo_parses_once_per_head_and_sees_every_publish() {
        let kv = FlakyKv::default();
        let memo = Memo::default();
        let first = memo.load(&kv).expect("shipped");
        assert!(Rc::ptr_eq(&first, &memo.load(&kv).expect("shipped")));
        assert_eq!(first.version(), load(&kv).expect("shipped").version());

        let published = format!("{SHIPPED}\n");
        let version = first.version().to_owned();
        let changed = change(
            &kv,
            Some(&format!("\"{version}\"")),
            Change::Publish {
                text: published.as_bytes(),
            },
            1_800_000_000,
        );
        assert!(changed.is_ok(), "publish refused");
        let after = memo.load(&kv).expect("published");
        assert!(!Rc::ptr_eq(&first, &after));
        assert_ne!(after.version(), version);
        assert_eq!(after.version(), load(&kv).expect("published").version());
        assert!(Rc::ptr_eq(&after, &memo.load(&kv).expect("published")));

        // A failed read falls back for that request and is not remembered.
        kv.down.set(true);
        let down = memo.load(&kv).expect("fallback");
        assert_eq!(down.fallback, Some("store-unreadable"));
        kv.down.set(false);
        assert!(Rc::ptr_eq(&after, &memo.load(&kv).expect("published")));
    }
}
