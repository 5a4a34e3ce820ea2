//! Edge logic.
