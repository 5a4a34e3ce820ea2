//! What can go wrong outside a request: opening the database, loading config.
//! Resolving a request never fails; it falls through and says why.

use std::net::IpAddr;

/// Errors of the market module's setup and database.
#[derive(Debug, thiserror::Error)]
pub enum MarketError {
    /// The bytes are not a MaxMind DB the reader accepts.
    #[error("the IP-to-country database could not be opened: {0}")]
    OpenDatabase(#[source] maxminddb::MaxMindDbError),
    /// The bytes start like a country table but are not a sound one.
    #[error("the country table could not be opened: {0}")]
    OpenTable(#[source] super::country_table::TableError),
    /// A country table cannot be turned into a table again.
    #[error("the database is already a country table")]
    AlreadyTable,
    /// The database is corrupt where this address leads.
    #[error("the IP-to-country database failed looking up {ip}: {source}")]
    Lookup {
        ip: IpAddr,
        #[source]
        source: maxminddb::MaxMindDbError,
    },
    /// The market configuration does not parse or validate.
    #[error("market configuration is invalid: {0}")]
    Config(#[from] toml::de::Error),
}
