//! What a request asks for: the page's context, the market, the list
//! length, and (only with the shopper's consent) recently viewed SKUs.

use std::collections::BTreeSet;

use super::config::{MAX_K, RecConfig};
use super::data::RecData;
use crate::http::response::Refusal;
use crate::policy::codes::CATEGORIES;

/// Where the list is shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Context {
    /// The home page: no context items.
    Home,
    /// A product page.
    Product(String),
    /// The cart, with what is in it.
    Cart(Vec<String>),
}

impl Context {
    /// `home`, `product:<sku>`, `cart` or `cart:<sku>,<sku>,...`.
    pub fn parse(text: &str) -> Result<Context, RequestError> {
        let invalid = || RequestError::ContextInvalid(text.chars().take(64).collect());
        match text.split_once(':') {
            None if text == "home" => Ok(Context::Home),
            None if text == "cart" => Ok(Context::Cart(Vec::new())),
            Some(("product", sku)) if is_sku(sku) => Ok(Context::Product(sku.to_owned())),
            Some(("cart", skus)) => {
                let skus: Vec<String> = skus.split(',').map(str::to_owned).collect();
                if skus.iter().all(|s| is_sku(s)) {
                    Ok(Context::Cart(skus))
                } else {
                    Err(invalid())
                }
            }
            _ => Err(invalid()),
        }
    }

    /// The SKUs the list is about (and must not contain).
    pub fn skus(&self) -> &[String] {
        match self {
            Context::Home => &[],
            Context::Product(sku) => std::slice::from_ref(sku),
            Context::Cart(skus) => skus,
        }
    }

    /// A canonical text (cart order does not matter): what the exploration
    /// hash reads.
    pub fn key(&self) -> String {
        match self {
            Context::Home => "home".to_owned(),
            Context::Product(sku) => format!("product:{sku}"),
            Context::Cart(skus) => {
                let set: BTreeSet<&str> = skus.iter().map(String::as_str).collect();
                format!("cart:{}", set.into_iter().collect::<Vec<_>>().join(","))
            }
        }
    }
}

fn is_sku(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// One request for a list.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    pub context: &'a Context,
    /// The gate's market code (`DE`, `US-CA`, `ZZ`).
    pub market: &'a str,
    /// Recently viewed SKUs, newest first; `None` unless the shopper
    /// consented (the caller reads them from the shopper's own cookie).
    /// Unknown SKUs are ignored: the cookie may predate the data.
    pub recently_viewed: Option<&'a [String]>,
    /// List length; `None` takes the config's `k`.
    pub k: Option<usize>,
    /// Unix seconds: picks the day for exploration.
    pub now: u64,
}

/// Why a request was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    #[error("context `{0}` is not `home`, `product:<sku>` or `cart:<sku>,...`")]
    ContextInvalid(String),
    #[error("SKU `{0}` is not in the recommendation data")]
    UnknownSku(String),
    #[error("the context names {count} SKUs; at most {max} are read")]
    ContextTooLarge { count: usize, max: usize },
    #[error("{0} items were asked for; ask for 1 to {MAX_K}")]
    KOutOfRange(usize),
}

impl RequestError {
    pub fn refusal(&self) -> Refusal {
        let (status, code) = match self {
            RequestError::ContextInvalid(_) => (400, "recommend-context-invalid"),
            RequestError::UnknownSku(_) => (404, "recommend-unknown-sku"),
            RequestError::ContextTooLarge { .. } => (400, "recommend-context-too-large"),
            RequestError::KOutOfRange(_) => (400, "recommend-k-out-of-range"),
        };
        Refusal::new(status, code, self.to_string())
    }
}

impl From<RequestError> for Refusal {
    fn from(e: RequestError) -> Refusal {
        e.refusal()
    }
}

/// A request checked against the data and config.
#[derive(Debug, Clone)]
pub(crate) struct Checked {
    pub k: usize,
    /// Context items by index, deduplicated and sorted (a cart's order
    /// does not change its list).
    pub context: Vec<usize>,
    /// Categories of recently viewed items; `None` when none were given.
    pub recent_categories: Option<CategorySet>,
}

// One bit per category.
const _: () = assert!(CATEGORIES.len() <= 64);

/// A set of categories (indexes in `CATEGORIES`) as bits: candidate
/// generation asks it once per item, so a test is one AND.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct CategorySet(u64);

impl CategorySet {
    pub fn insert(&mut self, category_id: usize) {
        self.0 |= 1 << category_id;
    }

    pub fn contains(self, category_id: usize) -> bool {
        self.0 & (1 << category_id) != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

pub(crate) fn check(
    request: &Request<'_>,
    data: &RecData,
    config: &RecConfig,
) -> Result<Checked, RequestError> {
    let k = request.k.unwrap_or(config.k);
    if !(1..=MAX_K).contains(&k) {
        return Err(RequestError::KOutOfRange(k));
    }
    let skus = request.context.skus();
    if skus.len() > config.max_context_skus {
        return Err(RequestError::ContextTooLarge {
            count: skus.len(),
            max: config.max_context_skus,
        });
    }
    let mut context = Vec::with_capacity(skus.len());
    for sku in skus {
        let id = data
            .id(sku)
            .ok_or_else(|| RequestError::UnknownSku(sku.clone()))?;
        context.push(id);
    }
    context.sort_unstable();
    context.dedup();
    let recent_categories = request.recently_viewed.map(|skus| {
        let mut set = CategorySet::default();
        for id in skus
            .iter()
            .take(config.max_recently_viewed)
            .filter_map(|s| data.id(s))
        {
            set.insert(data.items[id].category_id);
        }
        set
    });
    Ok(Checked {
        k,
        context,
        recent_categories,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contexts_parse() {
        assert_eq!(Context::parse("home"), Ok(Context::Home));
        assert_eq!(
            Context::parse("product:MRD-AURORA-WATCH"),
            Ok(Context::Product("MRD-AURORA-WATCH".into()))
        );
        assert_eq!(Context::parse("cart"), Ok(Context::Cart(Vec::new())));
        let cart = Context::parse("cart:LIP-RUBY,EAR-HOOP-GOLD").expect("cart parses");
        assert_eq!(cart.skus().len(), 2);
        assert_eq!(
            cart.key(),
            Context::parse("cart:EAR-HOOP-GOLD,LIP-RUBY")
                .expect("cart parses")
                .key(),
            "cart order does not change the key"
        );
        for bad in [
            "",
            "Home",
            "product:",
            "product:a b",
            "cart:A,,B",
            "search:hats",
            "product:<script>",
        ] {
            let e = Context::parse(bad).expect_err(bad);
            assert_eq!(e.refusal().code, "recommend-context-invalid", "{bad}");
            assert_eq!(e.refusal().status, 400);
        }
    }
}
