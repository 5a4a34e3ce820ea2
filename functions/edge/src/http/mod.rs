//! HTTP pieces every route shares: CORS, content negotiation, the media path's
//! parsing, the response and refusal types, and the entity tags of the
//! admin APIs' versioned documents.

pub mod accept;
pub mod cors;
pub mod request;
pub mod response;
pub mod versioned;
