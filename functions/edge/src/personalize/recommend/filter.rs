//! The gate's say: candidates the caller's predicate refuses (territory,
//! screened copy) and the context's own items go before anything is
//! ranked, so caps and diversity count only items that may be shown.

use super::candidates::Candidate;

pub(crate) fn allowed(
    c: &Candidate<'_>,
    context: &[usize],
    allowed: &impl Fn(&Candidate<'_>) -> bool,
) -> bool {
    !context.contains(&c.id) && allowed(c)
}
