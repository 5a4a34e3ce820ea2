//! Spin's synchronous interfaces for a WASIp3 component: `fermyon:spin`
//! key-value, variables and outbound Redis, and `wasi:keyvalue` (batch
//! reads, compare-and-swap). Generated with spin-sdk's own wit-bindgen (one
//! runtime in the component) from the WIT meridian-host implements.
#![allow(unsafe_code, clippy::all, missing_docs)]

spin_sdk::wit_bindgen::generate!({
    runtime_path: "spin_sdk::wit_bindgen::rt",
    world: "meridian:host/edge-component",
    path: "../../infra/host/wit",
    generate_all,
});
