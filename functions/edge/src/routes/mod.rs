//! Route handlers: each ties the request-path stages (gate, personalize,
//! cache, backend) together for one family of routes.

pub mod copy;
pub mod media;
pub mod origin;
pub mod tryon;
pub mod watermark;
