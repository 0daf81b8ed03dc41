//! Which address a request comes from, for the per-address rate limits ([`crate::rate_limit`]).
//!
//! The address is the TCP peer's, unless the peer is one of `[server] trusted_proxies`: then
//! it is the right-most address in the forwarding header (`X-Forwarded-For`, or RFC 7239
//! `Forwarded: for=` with `client_address_header = "forwarded"`) that is not itself a trusted
//! proxy. Right-most, because each proxy appends the address it saw: everything left of the
//! entry our own proxy wrote was written by the client and proves nothing. A header from a peer
//! that is not trusted is ignored altogether, so a spoofed `X-Forwarded-For` cannot buy a fresh
//! bucket.
//!
//! Only one header is read, the one the operator names: a proxy that appends to
//! `X-Forwarded-For` usually passes a client's own `Forwarded` through untouched, so reading
//! both would let a client choose its key again.

use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName};
use ipnet::IpNet;

use crate::state::AppState;

/// The header a trusted proxy writes the client's address into.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ForwardedHeader {
    /// `X-Forwarded-For: client, proxy1, proxy2` (nginx, HAProxy, most load balancers).
    #[default]
    XForwardedFor,
    /// `Forwarded: for=client, for=proxy1` (RFC 7239 §5.2).
    Forwarded,
}

impl ForwardedHeader {
    fn name(self) -> HeaderName {
        match self {
            Self::XForwardedFor => HeaderName::from_static("x-forwarded-for"),
            Self::Forwarded => HeaderName::from_static("forwarded"),
        }
    }
}

/// `[server] trusted_proxies` and `client_address_header`: whose forwarding header counts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProxyTrust {
    /// Addresses and blocks of the reverse proxies in front of the companion. Empty: the
    /// peer address is the client's, and no forwarding header is read.
    pub proxies: Vec<IpNet>,
    /// The header those proxies write.
    pub header: ForwardedHeader,
}

impl ProxyTrust {
    fn trusts(&self, ip: IpAddr) -> bool {
        self.proxies.iter().any(|net| net.contains(&ip))
    }

    /// The client address of a request from `peer` carrying `headers` (see the module doc).
    pub fn client_ip(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        // A dual-stack listener reports IPv4 peers as `::ffff:a.b.c.d`.
        let peer = peer.to_canonical();
        if !self.trusts(peer) {
            return peer;
        }
        // The nearest hop known to be a trusted proxy: where the walk ends when the header
        // runs out or holds something that is not an address.
        let mut hop = peer;
        let header = self.header;
        // Header lines in order, entries right to left, without collecting them.
        for line in headers.get_all(header.name()).iter().rev() {
            let Ok(line) = line.to_str() else {
                return hop;
            };
            for entry in line.split(',').rev() {
                let parsed = match header {
                    ForwardedHeader::XForwardedFor => parse_node(entry.trim()),
                    ForwardedHeader::Forwarded => forwarded_for(entry),
                };
                let Some(ip) = parsed.map(|ip| ip.to_canonical()) else {
                    return hop;
                };
                if !self.trusts(ip) {
                    return ip;
                }
                hop = ip;
            }
        }
        hop
    }
}

/// The `for=` of one `Forwarded` element (`for=192.0.2.60;proto=http;by=203.0.113.43`):
/// `None` when it has none, or it is `unknown` or an obfuscated `_name` (RFC 7239 §6).
fn forwarded_for(element: &str) -> Option<IpAddr> {
    element.split(';').find_map(|pair| {
        let (name, value) = pair.split_once('=')?;
        if !name.trim().eq_ignore_ascii_case("for") {
            return None;
        }
        let value = value.trim();
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(value);
        parse_node(value)
    })
}

/// An address as proxies write it: `192.0.2.1`, `192.0.2.1:4711`, `2001:db8::1`,
/// `[2001:db8::1]` or `[2001:db8::1]:4711`.
fn parse_node(s: &str) -> Option<IpAddr> {
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Ok(sock) = s.parse::<SocketAddr>() {
        return Some(sock.ip());
    }
    s.strip_prefix('[')?.strip_suffix(']')?.parse().ok()
}

/// The client address of the request being handled (never refuses: a request without a
/// peer address, a test calling the router directly, counts as `0.0.0.0`).
///
/// Needs the server started with `into_make_service_with_connect_info::<SocketAddr>()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddress(
    /// The address the rate limits key on.
    pub IpAddr,
);

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Infallible> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip());
        Ok(ClientAddress(
            state
                .config()
                .server
                .proxy_trust
                .client_ip(peer, &parts.headers),
        ))
    }
}

#[cfg(test)]
mod tests;
