//! Spin's application variables (`fermyon:spin/variables@2.0.0`).

/// The variable `name`, or why there is none.
pub fn get(name: &str) -> Result<String, String> {
    crate::bindings::fermyon::spin::variables::get(name).map_err(|e| format!("{e:?}"))
}
