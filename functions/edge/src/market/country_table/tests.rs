//! The table against the MaxMind DB it was built from, read by the
//! `maxminddb` crate: an independent reader of the same data.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::LazyLock;

use maxminddb::{PathElement, Reader};
use proptest::prelude::*;

use super::*;
use crate::market::ip_db::{CountryDb, EMBEDDED_DB};

/// The shipped table (`data/country/country.table`).
static SHIPPED: &[u8] = include_bytes!("../../../data/country/country.table");

static TABLE: LazyLock<CountryTable<'static>> =
    LazyLock::new(|| CountryTable::parse(SHIPPED).expect("the shipped table parses"));
static MMDB: LazyLock<Reader<&'static [u8]>> =
    LazyLock::new(|| Reader::from_source(EMBEDDED_DB).expect("the shipped database opens"));

/// The country maxminddb finds, without Meridian's public-address filter.
fn reference(ip: IpAddr) -> Option<String> {
    let found = MMDB.lookup(ip).expect("lookup");
    if !found.has_data() {
        return None;
    }
    let code: Option<String> = found
        .decode_path(&[PathElement::Key("country_code")])
        .expect("decodes");
    code.filter(|c| CountryCode::parse(c).is_some())
}

fn table(ip: IpAddr) -> Option<String> {
    TABLE.lookup(ip).map(|c| c.to_string())
}

#[test]
fn shipped_table_is_built_from_the_shipped_database() {
    let built = CountryDb::embedded()
        .expect("opens")
        .to_table()
        .expect("builds");
    assert!(
        built == SHIPPED,
        "data/country/country.table is stale: run `cargo run --release -p meridian-edge --example country-table`"
    );
    assert_eq!(TABLE.database_type(), "country ipvAll");
    assert_eq!(TABLE.build_epoch(), 1_781_725_900);
    // About half the bytes of the tree it came from.
    assert!(
        SHIPPED.len() < EMBEDDED_DB.len() * 6 / 10,
        "{}",
        SHIPPED.len()
    );
}

/// Every address where the answer can change, and its neighbours, agrees.
#[test]
fn every_network_edge_agrees_with_maxminddb() {
    let mut checked = 0;
    for found in MMDB
        .networks(maxminddb::WithinOptions::default().include_networks_without_data())
        .expect("iterates")
    {
        let net = found.expect("network").network().expect("network");
        let (first, last) = (net.network(), net.broadcast());
        for ip in [first, last] {
            assert_eq!(table(ip), reference(ip), "{ip} in {net}");
            checked += 1;
        }
    }
    assert!(checked > 2_000_000, "{checked}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(20_000))]
    #[test]
    fn any_ipv4_agrees(ip in any::<u32>()) {
        let ip = IpAddr::V4(Ipv4Addr::from(ip));
        prop_assert_eq!(table(ip), reference(ip));
    }

    // Most of IPv6 is unallocated; the allocated space is 2000::/3.
    #[test]
    fn any_ipv6_agrees(ip in any::<u128>(), global in any::<bool>()) {
        let ip = if global { (ip >> 3) | (1 << 125) } else { ip };
        let ip = Ipv6Addr::from(ip);
        // maxminddb follows the tree's aliases of IPv4 (::ffff:0:0/96,
        // 2002::/16, 2001::/32) into the IPv4 data; CountryDb maps the
        // first itself and treats the others as IPv6.
        let aliased = ip.to_ipv4_mapped().is_some()
            || ip.segments()[0] == 0x2002
            || (ip.segments()[0] == 0x2001 && ip.segments()[1] == 0)
            || u128::from(ip) >> 32 == 0;
        prop_assume!(!aliased);
        prop_assert_eq!(table(IpAddr::V6(ip)), reference(IpAddr::V6(ip)));
    }

}

proptest! {
    // Each case copies and opens 4 MB.
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn corrupt_bytes_are_an_error_not_a_panic(at in 0..SHIPPED.len(), byte in any::<u8>(), cut in 0..SHIPPED.len()) {
        let mut bytes = SHIPPED.to_vec();
        bytes[at] = byte;
        if let Ok(t) = CountryTable::parse(&bytes) {
            let _ = t.lookup("8.8.8.8".parse().expect("address"));
            let _ = t.lookup("2001:4860::8888".parse().expect("address"));
        }
        let _ = CountryTable::parse(&SHIPPED[..cut]);
    }
}

#[test]
fn builder_merges_splits_and_leaves_gaps() {
    let c = |s| CountryCode::parse(s).expect("code");
    let v4 = [
        (0x0100_0000, 0x0100_00ff, c("AU")),
        (0x0100_0100, 0x0100_01ff, c("AU")),
        (0x0100_0300, 0x0102_ffff, c("CN")),
        (0xffff_ff00, 0xffff_ffff, c("US")),
    ];
    let v6 = [
        (
            0x2001_0db8_0000_0000_0000_0000_0000_0000,
            0x2001_0db8_0000_0000_7fff_ffff_ffff_ffff,
            c("DE"),
        ),
        (
            0x2001_0db8_0000_0000_8000_0000_0000_0000,
            0x2001_0db8_0000_0003_ffff_ffff_ffff_ffff,
            c("FR"),
        ),
        (u128::MAX - 0xff, u128::MAX, c("JP")),
    ];
    let bytes = build(7, "test", &v4, &v6).expect("builds");
    let t = CountryTable::parse(&bytes).expect("parses");
    let at = |ip: &str| {
        t.lookup(ip.parse().expect("address"))
            .map(|c| c.to_string())
    };
    assert_eq!(at("1.0.0.0").as_deref(), Some("AU"));
    assert_eq!(at("1.0.1.255").as_deref(), Some("AU"));
    assert_eq!(at("1.0.2.0"), None);
    assert_eq!(at("1.0.3.0").as_deref(), Some("CN"));
    assert_eq!(at("1.1.0.0").as_deref(), Some("CN")); // the next bucket
    assert_eq!(at("1.2.255.255").as_deref(), Some("CN"));
    assert_eq!(at("1.3.0.0"), None);
    assert_eq!(at("0.255.255.255"), None);
    assert_eq!(at("255.255.255.255").as_deref(), Some("US"));
    assert_eq!(at("2001:db8::").as_deref(), Some("DE"));
    assert_eq!(at("2001:db8::7fff:ffff:ffff:ffff").as_deref(), Some("DE"));
    assert_eq!(at("2001:db8::8000:0:0:0").as_deref(), Some("FR"));
    assert_eq!(at("2001:db8:0:1::").as_deref(), Some("FR")); // after the split /64
    assert_eq!(at("2001:db8:0:3:ffff::").as_deref(), Some("FR"));
    assert_eq!(at("2001:db8:0:4::"), None);
    assert_eq!(at("::1"), None);
    assert_eq!(
        at("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ff00").as_deref(),
        Some("JP")
    );
    assert_eq!(at("ffff:ffff:ffff:ffff:ffff:ffff:ffff:feff"), None);
}

#[test]
fn overlapping_ranges_are_refused() {
    let c = CountryCode::parse("AU").expect("code");
    let err = build(0, "t", &[(10, 20, c), (15, 30, c)], &[]).expect_err("overlap");
    assert!(matches!(err, TableError::Corrupt(_)), "{err}");
    assert!(matches!(
        CountryTable::parse(b"MRDNCTB1"),
        Err(TableError::Size(_))
    ));
    assert!(matches!(
        CountryTable::parse(b"not a table at all"),
        Err(TableError::Magic(_))
    ));
}
