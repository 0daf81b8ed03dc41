//! The rate-limit keys of `[server]`: budgets, `trusted_proxies`, `client_address_header`.

use super::*;
use crate::client_address::{ForwardedHeader, ProxyTrust};

fn with_server(lines: &str) -> String {
    GOOD.replace(
        "static_dir = \"dist\"",
        &format!("static_dir = \"dist\"\n{lines}"),
    )
}

#[test]
fn by_default_no_proxy_is_trusted_and_both_budgets_are_set() {
    let c = Config::parse(GOOD).unwrap();
    assert_eq!(c.server.proxy_trust, ProxyTrust::default());
    assert!(c.server.proxy_trust.proxies.is_empty());
    assert_eq!(c.server.token_rate, RateLimit::TOKEN_DEFAULT);
    assert_eq!(c.server.api_rate, RateLimit::API_DEFAULT);
}

#[test]
fn trusted_proxies_take_addresses_and_blocks() {
    let c = Config::parse(&with_server(
        "trusted_proxies = [\"10.0.0.0/8\", \"192.0.2.7\", \"2001:db8::/32\", \"::1\", \"172.16.9.9/12\"]\nclient_address_header = \"Forwarded\"\napi_rate_per_minute = 60\napi_rate_burst = 6",
    ))
    .unwrap();
    let shown: Vec<String> = c
        .server
        .proxy_trust
        .proxies
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        shown,
        [
            "10.0.0.0/8",
            "192.0.2.7/32",
            "2001:db8::/32",
            "::1/128",
            // Host bits are dropped: the block the address lies in.
            "172.16.0.0/12"
        ]
    );
    assert_eq!(c.server.proxy_trust.header, ForwardedHeader::Forwarded);
    assert_eq!(
        c.server.api_rate,
        RateLimit {
            per_minute: 60,
            burst: 6
        }
    );
}

#[test]
fn bad_proxy_entries_and_budgets_are_refused_with_line_and_column() {
    let p = problems(&with_server(
        "trusted_proxies = [\"10.0.0.0/33\", \"proxy.internal\", \"0.0.0.0/0\", \"::/0\"]\nclient_address_header = \"x-real-ip\"\napi_rate_burst = 0\napi_rate_per_minute = 100001",
    ));
    assert_eq!(p.len(), 7, "{p:#?}");
    let all = p.join("\n");
    for words in [
        "6:20: trusted_proxies entry \"10.0.0.0/33\" is not an IP address or CIDR block",
        "6:35: trusted_proxies entry \"proxy.internal\" is not",
        "6:53: trusted_proxies entry \"0.0.0.0/0\" trusts every address",
        "6:66: trusted_proxies entry \"::/0\" trusts every address",
        "7:25: client_address_header \"x-real-ip\" is not one of",
        "8:18: api_rate_burst 0 must be between 1 and 100000",
        "9:23: api_rate_per_minute 100001 must be between 1 and 100000",
    ] {
        assert!(all.contains(words), "{words:?} not in\n{all}");
    }
}
