//! Rust types generated from the `meridian:platform` WIT package, for both
//! sides of the contract, and the HTTP binding that carries calls between
//! them.
//!
//! * Edge functions use [`types`] and call backends through [`rpc`]; the
//!   built component never imports `meridian:platform` itself, because real
//!   Spin would refuse to instantiate it.
//! * Backends implement [`backend::exports::meridian::platform::imaging::Guest`]
//!   natively; its signatures use the same [`types`]. `copy` declares its
//!   records inside the interface, so the backend's `copy::Guest` has its
//!   own generated twins of [`copy`]'s types, with the same JSON.

#[allow(unsafe_code, clippy::all)]
mod generated {
    pub mod edge {
        wit_bindgen::generate!({
            path: "../platform.wit",
            world: "meridian:platform/edge",
            additional_derives: [serde::Serialize, serde::Deserialize, PartialEq],
            generate_all,
        });
    }

    #[cfg(not(target_arch = "wasm32"))]
    pub mod backend {
        wit_bindgen::generate!({
            path: "../platform.wit",
            world: "meridian:platform/gpu-backend",
            with: {
                "meridian:platform/types@0.1.0": crate::generated::edge::meridian::platform::types,
            },
            // An exported interface always gets its own types (`with` maps
            // imports only), so `copy`'s records exist twice; both derive
            // serde and encode the same (tested in `rpc::copy`).
            additional_derives: [serde::Serialize, serde::Deserialize, PartialEq],
            generate_all,
        });
    }
}

/// Types shared by the edge and the backends.
pub use generated::edge::meridian::platform::types;

/// The `copy` interface's types as the edge sees them (`copy-request`,
/// `copy-result`, ...). The backend's `Guest` uses its export-side twins in
/// [`backend`], which serialize identically.
pub use generated::edge::meridian::platform::copy;

/// The backend's side: the `Guest` traits a backend implements.
#[cfg(not(target_arch = "wasm32"))]
pub use generated::backend;

pub mod rpc;
