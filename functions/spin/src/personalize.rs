//! Personalization with Spin's inputs: the definitions and bandit weights
//! in force (from `default`), the cookie key (a secret variable) and the
//! request's cookie, device and page.

use crate::variables;
use meridian_edge::gate::Admission;
use meridian_edge::http::response::{Refusal, Response};
use meridian_edge::personalize::assign::{self, Assignments, Context, Device};
use meridian_edge::personalize::identity::{self, CookieKey};
use meridian_edge::personalize::stored::{self, InForce};

use crate::{Incoming, SpinBucket, now};

/// Signs cookies in development mode when no secret is set (public, so
/// refused outside development mode).
const DEVELOPMENT_SECRET: &str = "meridian-development-personalization-secret";

/// The `default` store, through `wasi:keyvalue` (compare-and-swap).
pub fn open_store() -> Result<SpinBucket, Refusal> {
    SpinBucket::open("default").map_err(|e| Refusal::new(500, "store-unavailable", e))
}

/// The cookie key from `personalization_secret`, keyed once per instance
/// (variables are fixed for an application's run). `None` (identity off,
/// logged once) when it is unset outside development mode or too short.
pub fn cookie_key() -> Option<&'static CookieKey> {
    static KEY: std::sync::OnceLock<Option<CookieKey>> = std::sync::OnceLock::new();
    KEY.get_or_init(read_cookie_key).as_ref()
}

fn read_cookie_key() -> Option<CookieKey> {
    let secret = variables::get("personalization_secret").unwrap_or_default();
    let development = crate::development();
    let secret = if secret.trim().is_empty() && development {
        DEVELOPMENT_SECRET.to_owned()
    } else {
        secret
    };
    match CookieKey::new(&secret) {
        Ok(key) if development || secret != DEVELOPMENT_SECRET => Some(key),
        Ok(_) => None,
        Err(e) => {
            eprintln!("meridian: personalization identity is off: {e}");
            None
        }
    }
}

/// The definitions in force, logging loudly when the shipped ones stand
/// in for stored ones.
pub fn definitions(store: &SpinBucket) -> Result<InForce, Refusal> {
    let in_force = stored::load(store)?;
    log_fallback(&in_force);
    Ok(in_force)
}

thread_local! {
    /// The definitions this instance last parsed (by the stored head).
    static IN_FORCE: stored::Memo = stored::Memo::default();
}

/// The definitions in force for a request, parsed once per published head
/// by this instance; logs a fallback as [`definitions`] does.
fn definitions_memo(store: &SpinBucket) -> Result<std::rc::Rc<InForce>, Refusal> {
    let in_force = IN_FORCE.with(|memo| memo.load(store))?;
    log_fallback(&in_force);
    Ok(in_force)
}

fn log_fallback(in_force: &InForce) {
    if let (Some(why), Some(problem)) = (in_force.fallback, in_force.problem.as_deref()) {
        eprintln!(
            "meridian: EXPERIMENTS FALLBACK {why}: {problem}; serving the shipped definitions"
        );
    }
}

/// A new shopper's id: `wasi:random` through getrandom.
fn random_id() -> Result<[u8; 16], Refusal> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| {
        Refusal::new(
            500,
            "random-unavailable",
            format!("no randomness for an id: {e}"),
        )
    })?;
    Ok(bytes)
}

/// A personalized request: the admission's personalization decision, the
/// shopper's cookie and the definitions decide every feature.
pub struct Personalized {
    pub assignments: Assignments,
    pub key: Option<&'static CookieKey>,
    pub fallback: Option<&'static str>,
}

impl Personalized {
    /// Assigns for `page`; `may_issue` when the response may set the
    /// cookie (never on responses a shared cache may store).
    pub fn assign(
        store: &SpinBucket,
        incoming: &Incoming,
        admission: &Admission,
        page: &str,
        may_issue: bool,
    ) -> Result<Personalized, Refusal> {
        let in_force = definitions_memo(store)?;
        let key = cookie_key();
        let now = now();
        let sent = match &key {
            Some(key) => identity::read(&incoming.header_lines, key, now),
            None => identity::Sent::None,
        };
        let market = admission.decision.market.clone();
        let weights =
            |experiment: &str, arms: usize| stored::bandit_state(store, experiment, &market, arms);
        let assignments = assign::assign(
            &in_force.definitions,
            Context {
                admission,
                page,
                device: Device::from_headers(&incoming.header_lines),
                custom: serde_json::Map::new(),
                sent,
                now,
                random: random_id()?,
                identity_available: key.is_some(),
                may_issue,
            },
            &weights,
        );
        Ok(Personalized {
            assignments,
            key,
            fallback: in_force.fallback,
        })
    }

    /// [`Personalized::stamp`] without the cookie, for responses a shared
    /// cache may store.
    pub fn stamp_without_cookie(&self, mut response: Response) -> Response {
        response.headers.extend(
            self.assignments
                .headers(None, now())
                .into_iter()
                .filter(|(n, _)| n != "set-cookie"),
        );
        response
    }

    /// Puts the variant, the personalization outcome and the cookie on
    /// `response`.
    pub fn stamp(&self, mut response: Response) -> Response {
        let now = now();
        response
            .headers
            .extend(self.assignments.headers(self.key, now));
        if let Some(why) = self.fallback {
            response
                .headers
                .push((stored::FALLBACK_HEADER.to_owned(), why.to_owned()));
        }
        response
    }
}

/// The secret events' pseudonyms are keyed from: `personalization_secret`
/// (its day keys are derived under their own label), the development
/// secret in development mode.
pub fn pseudonym_secret() -> Result<String, Refusal> {
    let secret = variables::get("personalization_secret").unwrap_or_default();
    if !secret.trim().is_empty() {
        return Ok(secret);
    }
    if crate::development() {
        return Ok(DEVELOPMENT_SECRET.to_owned());
    }
    Err(Refusal::new(
        503,
        "events-unconfigured",
        "events need personalization_secret (at least 32 bytes) to pseudonymize identifiers",
    ))
}
