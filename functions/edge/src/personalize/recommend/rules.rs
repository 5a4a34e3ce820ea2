//! Business rules: nothing out of stock, at most a share of promoted
//! items, at most a cap of items per category.

use super::candidates::Candidate;
use super::config::{RecConfig, share_of};
use crate::policy::codes::CATEGORIES;

pub(crate) fn in_stock(c: &Candidate<'_>) -> bool {
    c.in_stock
}

/// What a list holds so far, against its caps.
#[derive(Debug)]
pub(crate) struct Caps {
    /// Per category (index in `CATEGORIES`): its cap and its count.
    cap: Vec<usize>,
    count: Vec<usize>,
    promoted: usize,
    promoted_max: usize,
}

impl Caps {
    pub fn new(config: &RecConfig, k: usize) -> Caps {
        Caps {
            cap: CATEGORIES.iter().map(|c| config.cap_for(c)).collect(),
            count: vec![0; CATEGORIES.len()],
            promoted: 0,
            promoted_max: share_of(config.promoted_share, k),
        }
    }

    /// Whether adding `c` keeps the list within every cap. A promoted item
    /// counts as promoted whatever else brought it.
    pub fn fits(&self, c: &Candidate<'_>) -> bool {
        self.count[c.category_id] < self.cap[c.category_id]
            && (!c.promoted || self.promoted < self.promoted_max)
    }

    pub fn take(&mut self, c: &Candidate<'_>) {
        self.count[c.category_id] += 1;
        if c.promoted {
            self.promoted += 1;
        }
    }
}
