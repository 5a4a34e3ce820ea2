//! The IP-to-country database (MaxMind DB format), read straight from bytes
//! so that a component can embed it with `include_bytes!` and open it
//! without a file system.

use std::net::IpAddr;

use ipnetwork::IpNetwork;
use maxminddb::{PathElement, Reader, WithinOptions};

use super::client_ip::{canonical, is_public};
use super::country_code::CountryCode;
use super::country_table::{self, CountryTable};
use super::error::MarketError;

/// The shipped database: `data/geo/geo-whois-asn-country.mmdb` (see
/// `data/geo/SOURCE.md` for origin, licence and known problems).
pub static EMBEDDED_DB: &[u8] = include_bytes!("../../data/geo/geo-whois-asn-country.mmdb");

/// An opened IP-to-country database: a MaxMind DB (any that has a country
/// per record) or Meridian's country table ([`super::country_table`]),
/// told apart by their bytes.
///
/// Opening reads the metadata and checks the layout; nothing is copied.
pub struct CountryDb {
    format: Format,
}

enum Format {
    Mmdb(Reader<&'static [u8]>),
    Table(CountryTable<'static>),
}

impl std::fmt::Debug for CountryDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CountryDb")
            .field("format", &self.format_name())
            .field("database_type", &self.database_type())
            .field("build_epoch", &self.build_epoch())
            .finish()
    }
}

/// Where the country code sits in a record: `ip-location-db` databases
/// store `{country_code}`, MaxMind's GeoLite2/GeoIP2 `{country: {iso_code}}`.
const COUNTRY_PATHS: [&[PathElement<'static>]; 2] = [
    &[PathElement::Key("country_code")],
    &[PathElement::Key("country"), PathElement::Key("iso_code")],
];

impl CountryDb {
    /// Opens a database held in memory for the life of the program: a
    /// country table if the bytes start like one, else a MaxMind DB.
    pub fn from_bytes(bytes: &'static [u8]) -> Result<Self, MarketError> {
        let format = if CountryTable::sniff(bytes) {
            Format::Table(CountryTable::parse(bytes).map_err(MarketError::OpenTable)?)
        } else {
            Format::Mmdb(Reader::from_source(bytes).map_err(MarketError::OpenDatabase)?)
        };
        Ok(Self { format })
    }

    /// Opens the MaxMind DB shipped in this crate ([`EMBEDDED_DB`]).
    pub fn embedded() -> Result<Self, MarketError> {
        Self::from_bytes(EMBEDDED_DB)
    }

    /// The country of a public address, or `None` when the database has no
    /// country for it. IPv4-mapped IPv6 is looked up as IPv4. Non-public
    /// addresses (private, loopback, documentation...) are never looked up:
    /// databases answer for some of them, wrongly. An IPv6 address in an
    /// IPv4-only database is `None`, not an error. A code that is not a
    /// country (`EU`, `ZZ`) is `None`.
    pub fn lookup(&self, ip: IpAddr) -> Result<Option<CountryCode>, MarketError> {
        let ip = canonical(ip);
        if !is_public(ip) {
            return Ok(None);
        }
        match &self.format {
            Format::Table(table) => Ok(table.lookup(ip)),
            Format::Mmdb(reader) => mmdb_lookup(reader, ip),
        }
    }

    /// `mmdb` or `table`, for logs.
    pub fn format_name(&self) -> &'static str {
        match self.format {
            Format::Mmdb(_) => "mmdb",
            Format::Table(_) => "table",
        }
    }

    /// The database's own type name (`country ipvAll`), for logs.
    pub fn database_type(&self) -> &str {
        match &self.format {
            Format::Mmdb(reader) => &reader.metadata().database_type,
            Format::Table(table) => table.database_type(),
        }
    }

    /// When the database was built, Unix seconds: stale data is a reason to
    /// distrust it.
    pub fn build_epoch(&self) -> u64 {
        match &self.format {
            Format::Mmdb(reader) => reader.metadata().build_epoch,
            Format::Table(table) => table.build_epoch(),
        }
    }

    /// This database as a country table (`examples/country-table.rs`):
    /// every network with a country, by family. Aliases of IPv4 inside
    /// IPv6 are left out; [`CountryDb::lookup`] maps IPv4-mapped addresses
    /// itself.
    pub fn to_table(&self) -> Result<Vec<u8>, MarketError> {
        let reader = match &self.format {
            Format::Mmdb(reader) => reader,
            Format::Table(_) => return Err(MarketError::AlreadyTable),
        };
        let mut v4 = Vec::new();
        let mut v6 = Vec::new();
        let networks = reader
            .networks(WithinOptions::default())
            .map_err(MarketError::OpenDatabase)?;
        for found in networks {
            let found = found.map_err(MarketError::OpenDatabase)?;
            let network = found.network().map_err(MarketError::OpenDatabase)?;
            let Some(code) = country_of(&found).map_err(MarketError::OpenDatabase)? else {
                continue;
            };
            match network {
                IpNetwork::V4(n) => {
                    v4.push((u32::from(n.network()), u32::from(n.broadcast()), code))
                }
                IpNetwork::V6(n) => {
                    v6.push((u128::from(n.network()), u128::from(n.broadcast()), code))
                }
            }
        }
        let meta = reader.metadata();
        country_table::build(meta.build_epoch, &meta.database_type, &v4, &v6)
            .map_err(MarketError::OpenTable)
    }
}

fn mmdb_lookup(
    reader: &Reader<&'static [u8]>,
    ip: IpAddr,
) -> Result<Option<CountryCode>, MarketError> {
    if ip.is_ipv6() && reader.metadata().ip_version == 4 {
        return Ok(None);
    }
    let result = reader
        .lookup(ip)
        .map_err(|source| MarketError::Lookup { ip, source })?;
    country_of(&result).map_err(|source| MarketError::Lookup { ip, source })
}

fn country_of(
    result: &maxminddb::LookupResult<'_, &'static [u8]>,
) -> Result<Option<CountryCode>, maxminddb::MaxMindDbError> {
    if !result.has_data() {
        return Ok(None);
    }
    for path in COUNTRY_PATHS {
        let code: Option<&str> = result.decode_path(path)?;
        if let Some(code) = code {
            return Ok(CountryCode::parse(code));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn db() -> CountryDb {
        CountryDb::embedded().expect("the shipped database opens")
    }

    fn country(db: &CountryDb, ip: &str) -> Option<String> {
        db.lookup(ip.parse().expect("test address parses"))
            .expect("lookup works")
            .map(|c| c.to_string())
    }

    #[test]
    fn embedded_database_metadata() {
        let db = db();
        assert_eq!(db.database_type(), "country ipvAll");
        // 2026-06-17, the build in SOURCE.md.
        assert_eq!(db.build_epoch(), 1_781_725_900);
        assert_eq!(EMBEDDED_DB.len(), 7_841_291);
    }

    // Stable, well-known assignments, checked against this database.
    #[test]
    fn ipv4_lookups() {
        let db = db();
        assert_eq!(country(&db, "8.8.8.8").as_deref(), Some("US")); // Google DNS
        assert_eq!(country(&db, "1.1.1.1").as_deref(), Some("AU")); // APNIC research prefix
        assert_eq!(country(&db, "9.9.9.9").as_deref(), Some("US"));
        assert_eq!(country(&db, "193.0.14.129").as_deref(), Some("NL")); // k.root, RIPE NCC
        assert_eq!(country(&db, "202.12.27.33").as_deref(), Some("JP")); // m.root, WIDE
    }

    #[test]
    fn ipv6_lookups() {
        let db = db();
        assert_eq!(country(&db, "2001:4860:4860::8888").as_deref(), Some("US"));
        assert_eq!(country(&db, "2606:4700:4700::1111").as_deref(), Some("US"));
        assert_eq!(country(&db, "2001:67c:2e8::1").as_deref(), Some("NL")); // RIPE NCC
    }

    #[test]
    fn ipv4_mapped_is_looked_up_as_ipv4() {
        // The raw database has nothing under ::ffff:0:0/96; mapping fixes that.
        assert_eq!(country(&db(), "::ffff:8.8.8.8").as_deref(), Some("US"));
    }

    #[test]
    fn non_public_addresses_have_no_country() {
        let db = db();
        // The database itself says AU for 192.168.0.0/16.
        for ip in [
            "192.168.1.1",
            "10.0.0.1",
            "127.0.0.1",
            "100.64.0.1",
            "::1",
            "fe80::1",
            "fd00::1",
            "2001:db8::1",
        ] {
            assert_eq!(country(&db, ip), None, "{ip}");
        }
    }

    #[test]
    fn garbage_bytes_are_an_error_not_a_panic() {
        static NOT_A_DB: &[u8] = b"this is not a MaxMind database";
        let err = CountryDb::from_bytes(NOT_A_DB).expect_err("garbage must not open");
        assert!(matches!(err, MarketError::OpenDatabase(_)), "{err}");
        // A truncated copy of the real thing either opens or errors; it never panics.
        let _ = CountryDb::from_bytes(&EMBEDDED_DB[..EMBEDDED_DB.len() / 2]);
        let _ = CountryDb::from_bytes(&EMBEDDED_DB[EMBEDDED_DB.len() - 100..]);
        let _ = CountryDb::from_bytes(&[]);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]
        #[test]
        fn any_address_looks_up_without_error(ip in any::<IpAddr>()) {
            let db = db();
            let found = db.lookup(ip).expect("the shipped database decodes everywhere");
            if let Some(code) = found {
                prop_assert!(is_public(ip));
                prop_assert!(code.as_str().bytes().all(|b| b.is_ascii_uppercase()));
            }
        }
    }
}
