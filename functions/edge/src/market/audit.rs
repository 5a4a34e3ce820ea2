//! Client addresses for audit logs, coarsened so that a log line places a
//! request in a network without identifying the subscriber.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::client_ip::canonical;

/// The address's network: IPv4 to its /24 (`203.0.113.0/24`), IPv6 to its
/// /48 (`2001:db8:1::/48`). IPv4-mapped IPv6 is treated as the IPv4 address
/// (its /48 would say nothing, its /128 everything).
pub fn truncate_ip(ip: IpAddr) -> String {
    match canonical(ip) {
        IpAddr::V4(v4) => {
            let network = Ipv4Addr::from(u32::from(v4) & 0xFFFF_FF00);
            format!("{network}/24")
        }
        IpAddr::V6(v6) => {
            let network = Ipv6Addr::from(u128::from(v6) & (u128::MAX << 80));
            format!("{network}/48")
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn t(s: &str) -> String {
        truncate_ip(s.parse().expect("test address parses"))
    }

    #[test]
    fn truncates_to_24_and_48() {
        assert_eq!(t("203.0.113.77"), "203.0.113.0/24");
        assert_eq!(t("8.8.8.8"), "8.8.8.0/24");
        assert_eq!(t("2001:db8:1:2:3:4:5:6"), "2001:db8:1::/48");
        assert_eq!(t("2001:4860:4860::8888"), "2001:4860:4860::/48");
        assert_eq!(t("::1"), "::/48");
        assert_eq!(t("::ffff:198.51.100.9"), "198.51.100.0/24");
    }

    proptest! {
        #[test]
        fn output_is_the_containing_network(ip in any::<IpAddr>()) {
            let text = truncate_ip(ip);
            let net: ipnet::IpNet = text.parse().expect("a network in CIDR form");
            prop_assert!(net.contains(&canonical(ip)));
            prop_assert!(matches!(net.prefix_len(), 24 | 48));
        }
    }
}
