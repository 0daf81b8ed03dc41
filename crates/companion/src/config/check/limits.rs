//! The `[server]` keys that bound what a client or a provider can cost: the per-address rate
//! limits (the two budgets, and whose forwarding header names the client: `trusted_proxies`,
//! `client_address_header`), and how long one call to a provider may take.

use std::time::Duration;

use ipnet::IpNet;
use toml::Spanned;

use super::Checker;
use crate::client_address::{ForwardedHeader, ProxyTrust};
use crate::config::raw::RawServer;
use crate::config::{RateLimit, DEFAULT_UPSTREAM_TIMEOUT};

/// `token_rate_per_minute` and `token_rate_burst` (both optional, 1 to 100,000).
pub(super) fn token_rate(c: &mut Checker, s: &RawServer) -> Option<RateLimit> {
    rate(
        c,
        "token_rate",
        &s.token_rate_per_minute,
        &s.token_rate_burst,
        RateLimit::TOKEN_DEFAULT,
    )
}

/// `api_rate_per_minute` and `api_rate_burst` (both optional, 1 to 100,000).
pub(super) fn api_rate(c: &mut Checker, s: &RawServer) -> Option<RateLimit> {
    rate(
        c,
        "api_rate",
        &s.api_rate_per_minute,
        &s.api_rate_burst,
        RateLimit::API_DEFAULT,
    )
}

fn rate(
    c: &mut Checker,
    prefix: &str,
    per_minute: &Option<Spanned<i64>>,
    burst: &Option<Spanned<i64>>,
    d: RateLimit,
) -> Option<RateLimit> {
    let mut get = |key: &str, v: &Option<Spanned<i64>>, default: u32| match v {
        None => Some(default),
        Some(n) => match u32::try_from(*n.get_ref()) {
            Ok(n @ 1..=100_000) => Some(n),
            _ => {
                c.at(
                    n,
                    format!(
                        "{prefix}_{key} {} must be between 1 and 100000",
                        n.get_ref()
                    ),
                );
                None
            }
        },
    };
    let per_minute = get("per_minute", per_minute, d.per_minute);
    let burst = get("burst", burst, d.burst);
    Some(RateLimit {
        per_minute: per_minute?,
        burst: burst?,
    })
}

/// `trusted_proxies` (IP addresses or CIDR blocks) and `client_address_header`.
pub(super) fn proxy_trust(c: &mut Checker, s: &RawServer) -> Option<ProxyTrust> {
    let mut ok = true;
    let mut proxies = Vec::new();
    for entry in &s.trusted_proxies {
        let v = entry.get_ref().trim();
        let net = v
            .parse::<IpNet>()
            .or_else(|_| v.parse::<std::net::IpAddr>().map(IpNet::from));
        match net {
            // Trusting every address would let any client choose its own key.
            Ok(net) if net.prefix_len() == 0 => {
                c.at(
                    entry,
                    format!("trusted_proxies entry {v:?} trusts every address: any client could then pick its own rate-limit bucket with a forwarding header; list your proxies' addresses"),
                );
                ok = false;
            }
            // `10.1.2.3/8` means the block it lies in.
            Ok(net) => proxies.push(net.trunc()),
            Err(_) => {
                c.at(
                    entry,
                    format!("trusted_proxies entry {v:?} is not an IP address or CIDR block (like \"10.0.0.0/8\", \"192.0.2.7\" or \"2001:db8::/32\")"),
                );
                ok = false;
            }
        }
    }
    let header = match s.client_address_header.as_ref() {
        None => Some(ForwardedHeader::default()),
        Some(h) => match h.get_ref().to_ascii_lowercase().as_str() {
            "x-forwarded-for" => Some(ForwardedHeader::XForwardedFor),
            "forwarded" => Some(ForwardedHeader::Forwarded),
            other => {
                c.at(
                    h,
                    format!("client_address_header {other:?} is not one of \"x-forwarded-for\", \"forwarded\""),
                );
                None
            }
        },
    };
    ok.then_some(ProxyTrust {
        proxies,
        header: header?,
    })
}

/// `upstream_timeout_seconds`: 1 to 300 (five minutes is already longer than any browser
/// waits for a page), 30 when absent.
pub(super) fn upstream_timeout(c: &mut Checker, s: &RawServer) -> Option<Duration> {
    match &s.upstream_timeout_seconds {
        None => Some(DEFAULT_UPSTREAM_TIMEOUT),
        Some(n) => match u64::try_from(*n.get_ref()) {
            Ok(secs @ 1..=300) => Some(Duration::from_secs(secs)),
            _ => {
                c.at(
                    n,
                    format!(
                        "upstream_timeout_seconds {} must be between 1 and 300",
                        n.get_ref()
                    ),
                );
                None
            }
        },
    }
}
