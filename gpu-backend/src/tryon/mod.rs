//! AR try-on: find faces (`models`, onnxruntime), smooth their landmarks
//! across a session's frames (`smoothing`), place the product from its
//! catalog rules (`products`, `placement`) and composite it on the GPU or
//! the CPU (`composite`).

pub mod composite;
pub mod config;
pub mod frame;
pub mod gpu;
pub mod models;
pub mod placement;
pub mod products;
pub mod service;
pub mod smoothing;
