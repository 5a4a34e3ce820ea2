//! Who is the client: the peer address, the hops a trusted proxy reports,
//! and whether an address can be geolocated at all.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use ipnet::IpNet;

/// The header Spin puts the immediate peer's address in (`ip:port`, `[v6]:port`).
pub const SPIN_CLIENT_ADDR_HEADER: &str = "spin-client-addr";

/// Hops examined in a forwarded-for list before giving up: a real chain is
/// a handful of proxies, and the walk must stay cheap whatever is sent.
pub const MAX_FORWARDED_HOPS: usize = 32;

/// The longest address with a port is `[` + 45 + `]:65535` = 53 bytes.
const MAX_ADDR_LEN: usize = 64;

/// Parses `ip`, `ip:port`, `[v6]` or `[v6]:port` (surrounding spaces and tabs
/// ignored), as Spin's `spin-client-addr` and forwarded-for lists carry them.
/// IPv4-mapped IPv6 (`::ffff:1.2.3.4`) comes back as IPv4 so that trust and
/// lookups see one address, whatever socket family the host used. Zone ids
/// (`fe80::1%eth0`) and anything else is `None`.
pub fn parse_addr(value: &str) -> Option<IpAddr> {
    let value = value.trim_matches([' ', '\t']);
    if value.is_empty() || value.len() > MAX_ADDR_LEN {
        return None;
    }
    let ip = if let Ok(socket) = value.parse::<SocketAddr>() {
        socket.ip()
    } else if let Ok(ip) = value.parse::<IpAddr>() {
        ip
    } else {
        let inner = value.strip_prefix('[')?.strip_suffix(']')?;
        IpAddr::V6(inner.parse::<Ipv6Addr>().ok()?)
    };
    Some(canonical(ip))
}

/// IPv4-mapped IPv6 as IPv4; everything else unchanged.
pub fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        IpAddr::V4(_) => ip,
    }
}

/// Whether `ip` (after [`canonical`]) lies in one of `networks`.
pub fn is_trusted(ip: IpAddr, networks: &[IpNet]) -> bool {
    let ip = canonical(ip);
    networks.iter().any(|net| net.contains(&ip))
}

/// The client of a request that came through trusted proxies, from an
/// `X-Forwarded-For`-style header: every proxy appends the address it saw,
/// so the rightmost entry that is not one of ours is the first one nobody we
/// trust could have been lied to about. Entries to its left were written by
/// the client and are ignored.
///
/// `values` are the header's lines in the order received (one request may
/// carry several). Empty list elements are skipped. An entry that is not an
/// address (`unknown`, garbage) ends the walk with `None`: nothing left of it
/// can be trusted. When every entry is a trusted proxy, the leftmost one is
/// the client (a request from inside our own network). More than
/// [`MAX_FORWARDED_HOPS`] entries without an answer is `None`.
pub fn client_from_forwarded_for(values: &[&str], trusted: &[IpNet]) -> Option<IpAddr> {
    let mut leftmost_trusted = None;
    let entries = values
        .iter()
        .rev()
        .flat_map(|value| value.rsplit(','))
        .map(|entry| entry.trim_matches([' ', '\t']))
        .filter(|entry| !entry.is_empty());
    for (seen, entry) in entries.enumerate() {
        if seen >= MAX_FORWARDED_HOPS {
            return None;
        }
        let ip = parse_addr(entry)?;
        if !is_trusted(ip, trusted) {
            return Some(ip);
        }
        leftmost_trusted = Some(ip);
    }
    leftmost_trusted
}

/// Whether an address belongs to one place on the public internet, so that
/// asking a database where it is makes sense. Private, loopback, link-local,
/// shared (CGNAT), documentation, benchmarking, multicast and reserved
/// ranges are not; databases sometimes answer for them anyway (the shipped
/// one maps `192.168.0.0/16` to `AU`), and that answer would be wrong.
pub fn is_public(ip: IpAddr) -> bool {
    match canonical(ip) {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    const NOT_PUBLIC: [(u32, u8); 14] = [
        (0x0000_0000, 8),  // 0.0.0.0/8 "this network"
        (0x0A00_0000, 8),  // 10.0.0.0/8 private
        (0x6440_0000, 10), // 100.64.0.0/10 shared address space (CGNAT)
        (0x7F00_0000, 8),  // 127.0.0.0/8 loopback
        (0xA9FE_0000, 16), // 169.254.0.0/16 link-local
        (0xAC10_0000, 12), // 172.16.0.0/12 private
        (0xC000_0000, 24), // 192.0.0.0/24 IETF protocol assignments
        (0xC000_0200, 24), // 192.0.2.0/24 TEST-NET-1
        (0xC0A8_0000, 16), // 192.168.0.0/16 private
        (0xC612_0000, 15), // 198.18.0.0/15 benchmarking
        (0xC633_6400, 24), // 198.51.100.0/24 TEST-NET-2
        (0xCB00_7100, 24), // 203.0.113.0/24 TEST-NET-3
        (0xE000_0000, 4),  // 224.0.0.0/4 multicast
        (0xF000_0000, 4),  // 240.0.0.0/4 reserved, broadcast
    ];
    let bits = u32::from(ip);
    !NOT_PUBLIC
        .iter()
        .any(|&(net, len)| bits & (u32::MAX << (32 - u32::from(len))) == net)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let bits = u128::from(ip);
    let in_net = |net: u128, len: u32| bits & (u128::MAX << (128 - len)) == net;
    // Only global unicast (2000::/3) is routed on the internet; within it,
    // these are documentation or protocol ranges, not places.
    in_net(0x2000 << 112, 3)
        && !in_net(0x2001_0db8 << 96, 32) // 2001:db8::/32 documentation
        && !in_net(0x2001 << 112, 23) // 2001::/23 IETF protocol assignments (Teredo, ...)
        && !in_net(0x2002 << 112, 16) // 2002::/16 6to4
        && !in_net(0x3fff << 112, 20) // 3fff::/20 documentation (RFC 9637)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("test address parses")
    }

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter()
            .map(|n| n.parse().expect("test network parses"))
            .collect()
    }

    #[test]
    fn parses_spin_client_addr_forms() {
        assert_eq!(parse_addr("203.0.113.7:51234"), Some(ip("203.0.113.7")));
        assert_eq!(parse_addr("[2001:db8::1]:443"), Some(ip("2001:db8::1")));
        assert_eq!(parse_addr("[2001:db8::1]"), Some(ip("2001:db8::1")));
        assert_eq!(parse_addr("2001:db8::1"), Some(ip("2001:db8::1")));
        assert_eq!(parse_addr(" 198.51.100.1 "), Some(ip("198.51.100.1")));
    }

    #[test]
    fn ipv4_mapped_becomes_ipv4() {
        assert_eq!(parse_addr("[::ffff:8.8.8.8]:80"), Some(ip("8.8.8.8")));
        assert_eq!(parse_addr("::ffff:c000:0201"), Some(ip("192.0.2.1")));
        assert_eq!(canonical(ip("::ffff:1.2.3.4")), ip("1.2.3.4"));
        // IPv4-compatible (deprecated) is not IPv4-mapped and stays IPv6.
        assert_eq!(canonical(ip("::1.2.3.4")), ip("::1.2.3.4"));
    }

    #[test]
    fn rejects_malformed_addresses() {
        for bad in [
            "",
            " ",
            "unknown",
            "1.2.3",
            "1.2.3.4.5",
            "256.1.1.1",
            "1.2.3.4:99999",
            "[1.2.3.4]:80",
            "2001:db8::1:443x",
            "[fe80::1%eth0]:80",
            "[2001:db8::1",
            "1.2.3.4 5.6.7.8",
            "１.２.３.４",
        ] {
            assert_eq!(parse_addr(bad), None, "{bad:?}");
        }
        assert_eq!(parse_addr(&"1".repeat(1000)), None);
    }

    #[test]
    fn trust_matches_mapped_peers() {
        let trusted = nets(&["10.0.0.0/8", "2001:db8:cafe::/48"]);
        assert!(is_trusted(ip("10.1.2.3"), &trusted));
        assert!(is_trusted(ip("::ffff:10.1.2.3"), &trusted));
        assert!(is_trusted(ip("2001:db8:cafe::9"), &trusted));
        assert!(!is_trusted(ip("11.0.0.1"), &trusted));
        assert!(!is_trusted(ip("2001:db8:beef::9"), &trusted));
        assert!(!is_trusted(ip("10.1.2.3"), &[]));
    }

    #[test]
    fn forwarded_for_takes_rightmost_untrusted_hop() {
        let trusted = nets(&["10.0.0.0/8"]);
        // The client claims 1.1.1.1; the first proxy saw 8.8.8.8.
        let chain = ["1.1.1.1, 8.8.8.8, 10.0.0.2"];
        assert_eq!(
            client_from_forwarded_for(&chain, &trusted),
            Some(ip("8.8.8.8"))
        );
        // Several header lines are one list, in order.
        let lines = ["1.1.1.1", "8.8.8.8,10.0.0.3", "10.0.0.2"];
        assert_eq!(
            client_from_forwarded_for(&lines, &trusted),
            Some(ip("8.8.8.8"))
        );
        // Ports and brackets are tolerated, empty elements skipped.
        let ports = ["[2001:4860:4860::8888]:1234,, 10.0.0.2:80 ,"];
        assert_eq!(
            client_from_forwarded_for(&ports, &trusted),
            Some(ip("2001:4860:4860::8888"))
        );
    }

    #[test]
    fn forwarded_for_garbage_or_absence_gives_nothing() {
        let trusted = nets(&["10.0.0.0/8"]);
        assert_eq!(client_from_forwarded_for(&[], &trusted), None);
        assert_eq!(client_from_forwarded_for(&[""], &trusted), None);
        assert_eq!(
            client_from_forwarded_for(&["unknown, 10.0.0.2"], &trusted),
            None
        );
        assert_eq!(
            client_from_forwarded_for(&["8.8.8.8, garbage"], &trusted),
            None
        );
        // Only proxies: the leftmost is the client.
        assert_eq!(
            client_from_forwarded_for(&["10.0.0.9, 10.0.0.2"], &trusted),
            Some(ip("10.0.0.9"))
        );
        // Too long a chain of proxies.
        let long = vec!["10.0.0.1"; MAX_FORWARDED_HOPS + 1].join(",");
        assert_eq!(client_from_forwarded_for(&[long.as_str()], &trusted), None);
    }

    #[test]
    fn public_and_non_public_addresses() {
        for public in [
            "8.8.8.8",
            "1.1.1.1",
            "81.2.69.142",
            "2001:4860:4860::8888",
            "2a00:1450:4001::1",
            "::ffff:8.8.8.8",
        ] {
            assert!(is_public(ip(public)), "{public}");
        }
        for private in [
            "0.0.0.0",
            "10.1.2.3",
            "100.64.0.1",
            "127.0.0.1",
            "169.254.1.1",
            "172.16.0.1",
            "172.31.255.255",
            "192.0.2.1",
            "192.168.1.1",
            "198.18.0.1",
            "198.51.100.1",
            "203.0.113.1",
            "224.0.0.1",
            "255.255.255.255",
            "::",
            "::1",
            "fe80::1",
            "fc00::1",
            "fd12:3456::1",
            "ff02::1",
            "2001:db8::1",
            "2001::1",
            "2002:808:808::1",
            "64:ff9b::808:808",
            "3fff::1",
            "::ffff:192.168.0.1",
        ] {
            assert!(!is_public(ip(private)), "{private}");
        }
        assert!(is_public(ip("172.32.0.1")));
    }

    proptest! {
        #[test]
        fn parse_addr_never_panics(s in any::<String>()) {
            if let Some(IpAddr::V6(v6)) = parse_addr(&s) {
                prop_assert!(v6.to_ipv4_mapped().is_none(), "mapped addresses come back as IPv4");
            }
        }

        #[test]
        fn parse_addr_round_trips_socket_addresses(a in any::<IpAddr>(), port in any::<u16>()) {
            let text = SocketAddr::new(a, port).to_string();
            prop_assert_eq!(parse_addr(&text), Some(canonical(a)));
        }

        #[test]
        fn forwarded_for_never_panics_and_answers_from_the_list(
            s in "[0-9a-f:., \\[\\]]{0,200}",
        ) {
            let trusted = nets(&["10.0.0.0/8", "::1/128"]);
            if let Some(found) = client_from_forwarded_for(&[s.as_str()], &trusted) {
                let listed = s.split(',').filter_map(parse_addr).any(|a| a == found);
                prop_assert!(listed, "{} comes from the list", found);
            }
        }
    }
}
