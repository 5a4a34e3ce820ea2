//! The server side of Meridian's signed HTTP binding, shared by the GPU
//! backend and the regional event collector so both keep any client from
//! holding more than its share the same way:
//!
//! - [`serve`]: the accept loop (connection cap, header-read, TLS
//!   handshake and write-stall timeouts, graceful shutdown) and
//!   [`Running`], a server serving in the background;
//! - [`admit`]: a signed call admitted before a body byte is read
//!   (declared length, region, content type, signature, nonce, job slot),
//!   then its body within limit and timeout, checked against its digest;
//! - [`limits::ServerLimits`] (`[server]`) and [`tls::Tls`] (`[tls]`), the
//!   configuration sections both servers read;
//! - [`replay`], the bounded nonce cache; [`process`], logging and the
//!   shutdown signal of the binaries;
//! - [`metrics`], what both servers' `/metrics` share (OpenMetrics text
//!   on `prometheus-client`).

pub mod admit;
pub mod limits;
pub mod metrics;
pub mod process;
pub mod replay;
pub mod serve;
#[cfg(feature = "test-support")]
pub mod test_support;
pub mod tls;

pub use admit::{Admission, Admitted, JobSlots, RegionRule, Route, Service, blocking, response};
pub use limits::ServerLimits;
pub use serve::{Connections, Running, StopError, serve};
pub use tls::{Tls, TlsError};
