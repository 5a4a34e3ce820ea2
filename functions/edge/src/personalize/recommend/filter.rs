//! The gate's say: candidates the caller's predicate refuses (territory,
//! screened copy) and the context's own items go before anything is
//! ranked, so caps and diversity count only items that may be shown.

use super::candidates::Candidate;

pub(crate) fn allowed_only<'d>(
    pool: Vec<Candidate<'d>>,
    context: &[usize],
    allowed: &impl Fn(&Candidate<'_>) -> bool,
) -> Vec<Candidate<'d>> {
    pool.into_iter()
        .filter(|c| !context.contains(&c.id) && allowed(c))
        .collect()
}
