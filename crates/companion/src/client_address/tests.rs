use axum::http::HeaderValue;

use super::*;

/// Header lines, name and value.
type Lines<'a> = &'a [(&'a str, &'a str)];

const PROXY: &str = "10.0.0.5";
const CLIENT: &str = "203.0.113.9";

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn trust(nets: &[&str], header: ForwardedHeader) -> ProxyTrust {
    ProxyTrust {
        proxies: nets.iter().map(|n| n.parse().unwrap()).collect(),
        header,
    }
}

fn headers(lines: &[(&str, &str)]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (name, value) in lines {
        h.append(
            HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_bytes(value.as_bytes()).unwrap(),
        );
    }
    h
}

/// Forwarding headers a client can write itself; none may change its key when it connects
/// directly, whether or not the companion trusts some proxy, and whichever header it reads.
fn spoofs() -> Vec<Vec<(&'static str, &'static str)>> {
    vec![
        vec![("x-forwarded-for", "198.51.100.1")],
        vec![("x-forwarded-for", "198.51.100.1, 198.51.100.2")],
        vec![("x-forwarded-for", "10.0.0.5")],
        vec![("x-forwarded-for", "127.0.0.1")],
        vec![("x-forwarded-for", "::1")],
        vec![("x-forwarded-for", "garbage")],
        vec![("x-forwarded-for", "")],
        vec![
            ("x-forwarded-for", "198.51.100.1"),
            ("x-forwarded-for", "198.51.100.2"),
        ],
        vec![("forwarded", "for=198.51.100.1")],
        vec![("forwarded", "for=\"[2001:db8::1]:4711\"")],
        vec![("forwarded", "for=10.0.0.5;proto=https")],
        vec![("forwarded", "for=unknown")],
        vec![("x-real-ip", "198.51.100.1")],
        vec![("true-client-ip", "198.51.100.1")],
        vec![("cf-connecting-ip", "198.51.100.1")],
        vec![
            ("x-forwarded-for", "198.51.100.1"),
            ("forwarded", "for=198.51.100.2"),
            ("x-real-ip", "198.51.100.3"),
        ],
    ]
}

#[test]
fn a_spoofed_forwarding_header_from_an_untrusted_peer_does_not_change_the_key() {
    let policies = [
        ProxyTrust::default(),
        trust(&["10.0.0.0/8"], ForwardedHeader::XForwardedFor),
        trust(&["10.0.0.0/8"], ForwardedHeader::Forwarded),
        // Trusting a proxy elsewhere must not make a direct client's header count.
        trust(
            &["192.0.2.0/24", "2001:db8:ffff::/48"],
            ForwardedHeader::XForwardedFor,
        ),
    ];
    let mut tried = 0;
    for policy in &policies {
        for spoof in spoofs() {
            for peer in [CLIENT, "2001:db8:1:2::7", "::ffff:203.0.113.9"] {
                let got = policy.client_ip(ip(peer), &headers(&spoof));
                assert_eq!(
                    got,
                    ip(peer).to_canonical(),
                    "{spoof:?} from {peer} under {policy:?}"
                );
                tried += 1;
            }
        }
    }
    assert_eq!(tried, 4 * 16 * 3);
}

#[test]
fn from_a_trusted_proxy_the_right_most_untrusted_address_is_the_client() {
    let xff = trust(
        &["10.0.0.0/8", "2001:db8:ffff::/48"],
        ForwardedHeader::XForwardedFor,
    );
    let cases: &[(&str, Lines, &str)] = &[
        // The proxy appended the client it saw.
        (PROXY, &[("x-forwarded-for", CLIENT)], CLIENT),
        // The client wrote its own header first: its entries are left of the proxy's.
        (
            PROXY,
            &[("x-forwarded-for", "198.51.100.1, 203.0.113.9")],
            CLIENT,
        ),
        (
            PROXY,
            &[("x-forwarded-for", "10.9.9.9, 203.0.113.9")],
            CLIENT,
        ),
        (
            PROXY,
            &[("x-forwarded-for", "garbage, 203.0.113.9")],
            CLIENT,
        ),
        // Two proxies of ours: the second appended the first.
        (
            PROXY,
            &[("x-forwarded-for", "203.0.113.9, 10.1.1.1")],
            CLIENT,
        ),
        // Separate header lines are one list, in order.
        (
            PROXY,
            &[
                ("x-forwarded-for", "198.51.100.1"),
                ("x-forwarded-for", "203.0.113.9"),
            ],
            CLIENT,
        ),
        // Ports and brackets, as some proxies write them; IPv4-mapped is IPv4.
        (PROXY, &[("x-forwarded-for", "203.0.113.9:51234")], CLIENT),
        (
            PROXY,
            &[("x-forwarded-for", "[2001:db8::9]:443")],
            "2001:db8::9",
        ),
        (PROXY, &[("x-forwarded-for", "2001:db8::9")], "2001:db8::9"),
        (PROXY, &[("x-forwarded-for", "::ffff:203.0.113.9")], CLIENT),
        ("::ffff:10.0.0.5", &[("x-forwarded-for", CLIENT)], CLIENT),
        ("2001:db8:ffff::1", &[("x-forwarded-for", CLIENT)], CLIENT),
        // Nothing usable: the nearest trusted hop (one bucket for what that proxy relays
        // without saying, rather than a key the client chose).
        (PROXY, &[], PROXY),
        (PROXY, &[("x-forwarded-for", "")], PROXY),
        (PROXY, &[("x-forwarded-for", "unknown")], PROXY),
        (PROXY, &[("x-forwarded-for", "10.1.1.1")], "10.1.1.1"),
        (
            PROXY,
            &[("x-forwarded-for", "203.0.113.9, garbage, 10.1.1.1")],
            "10.1.1.1",
        ),
        // The other header is not read.
        (PROXY, &[("forwarded", "for=203.0.113.9")], PROXY),
    ];
    for (peer, lines, want) in cases {
        assert_eq!(
            xff.client_ip(ip(peer), &headers(lines)),
            ip(want),
            "{lines:?} from {peer}"
        );
    }
    let fwd = trust(&["10.0.0.0/8"], ForwardedHeader::Forwarded);
    let cases: &[(Lines, &str)] = &[
        (
            &[("forwarded", "for=203.0.113.9;proto=https;by=10.0.0.5")],
            CLIENT,
        ),
        (
            &[("forwarded", "for=198.51.100.1, for=203.0.113.9")],
            CLIENT,
        ),
        (&[("forwarded", "For=\"203.0.113.9:4711\"")], CLIENT),
        (
            &[("forwarded", "for=\"[2001:db8:cafe::17]:4711\"")],
            "2001:db8:cafe::17",
        ),
        (&[("forwarded", "for=203.0.113.9, for=10.1.1.1")], CLIENT),
        (&[("forwarded", "proto=https;by=10.0.0.5")], PROXY),
        (&[("forwarded", "for=_hidden, for=10.1.1.1")], "10.1.1.1"),
        (&[("forwarded", "for=unknown")], PROXY),
        (&[("x-forwarded-for", CLIENT)], PROXY),
    ];
    for (lines, want) in cases {
        assert_eq!(
            fwd.client_ip(ip(PROXY), &headers(lines)),
            ip(want),
            "{lines:?}"
        );
    }
}

#[test]
fn a_header_that_is_not_text_ends_the_walk_at_the_trusted_hop() {
    let xff = trust(&["10.0.0.0/8"], ForwardedHeader::XForwardedFor);
    let mut h = HeaderMap::new();
    h.append(
        "x-forwarded-for",
        HeaderValue::from_bytes(b"198.51.100.1\xff").unwrap(),
    );
    assert_eq!(xff.client_ip(ip(PROXY), &h), ip(PROXY));
}
