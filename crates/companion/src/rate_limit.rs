//! Per client address rate limiting for the token-mediation routes: a token bucket per address.
//!
//! Why a few lines here rather than `governor` / `tower_governor`: the limit guards three
//! routes and needs our own `{error, message}` 429 body with `Retry-After`, a key that folds an
//! IPv6 client's /64 into one bucket (one host usually owns a whole /64), and a bounded map;
//! with the crates that is as much glue as the bucket itself, plus two dependencies.
//!
//! Why per replica is acceptable: the companion is stateless and keeps no shared store, so N
//! replicas behind a load balancer allow up to N times the configured rate per address. The
//! limit only has to slow a script guessing codes or hammering a provider through us (the
//! provider enforces its own limits and codes are single use, RFC 6749 §10.5); it does not
//! have to be exact, and a shared store would cost every request a network round trip.
//!
//! The key is the TCP peer address. Behind a reverse proxy every client shares the proxy's
//! address, so raise `[server] token_rate_per_minute` / `token_rate_burst` there.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Request};
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::config::RateLimit;

/// Above this many tracked addresses, full buckets (idle clients) are dropped before a new
/// address is added, so a flood of addresses cannot grow the map without bound.
const MAX_TRACKED: usize = 10_000;

/// Token buckets keyed by client address.
#[derive(Debug)]
pub struct RateLimiter {
    limit: RateLimit,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl RateLimiter {
    /// A limiter with these settings.
    pub fn new(limit: RateLimit) -> Self {
        Self {
            limit,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    fn per_second(&self) -> f64 {
        f64::from(self.limit.per_minute) / 60.0
    }

    fn refill(&self, b: Bucket, now: Instant) -> f64 {
        let elapsed = now.saturating_duration_since(b.at).as_secs_f64();
        (b.tokens + elapsed * self.per_second()).min(f64::from(self.limit.burst))
    }

    /// Takes one request from `ip`'s bucket at `now`, or says how long until one is free.
    pub fn check(&self, ip: IpAddr, now: Instant) -> Result<(), Duration> {
        let key = bucket_key(ip);
        // A poisoned lock only means another request panicked mid-update; the map is still
        // a valid map of buckets.
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() >= MAX_TRACKED && !buckets.contains_key(&key) {
            let full = f64::from(self.limit.burst);
            buckets.retain(|_, b| self.refill(*b, now) < full);
        }
        let bucket = buckets.entry(key).or_insert(Bucket {
            tokens: f64::from(self.limit.burst),
            at: now,
        });
        let tokens = self.refill(*bucket, now);
        if tokens >= 1.0 {
            *bucket = Bucket {
                tokens: tokens - 1.0,
                at: now,
            };
            Ok(())
        } else {
            *bucket = Bucket { tokens, at: now };
            Err(Duration::from_secs_f64((1.0 - tokens) / self.per_second()))
        }
    }
}

/// IPv4 addresses as they are; IPv6 by /64 (an IPv4-mapped address counts as IPv4).
fn bucket_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

/// Middleware: 429 with `Retry-After` (whole seconds, rounded up) when the caller's bucket is
/// empty. Needs the server started with `into_make_service_with_connect_info::<SocketAddr>()`;
/// without a peer address (a test calling the router directly) every caller shares one bucket.
pub async fn limit(
    limiter: axum::Extension<std::sync::Arc<RateLimiter>>,
    req: Request,
    next: Next,
) -> Response {
    let ip = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::from([0, 0, 0, 0]), |c| c.0.ip());
    match limiter.check(ip, Instant::now()) {
        Ok(()) => next.run(req).await,
        Err(wait) => {
            let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            tracing::info!(%ip, retry_after = secs, "rate limited");
            let mut resp = crate::error::ApiError::TooManyRequests(
                format!("too many token requests from this address; retry in {secs} s").into(),
            )
            .into_response();
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                resp.headers_mut().insert(header::RETRY_AFTER, v);
            }
            resp
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(per_minute: u32, burst: u32) -> RateLimiter {
        RateLimiter::new(RateLimit { per_minute, burst })
    }

    #[test]
    fn a_burst_passes_then_one_request_per_refill_interval() {
        let l = limiter(20, 10);
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        let t0 = Instant::now();
        for i in 0..10 {
            assert!(l.check(ip, t0).is_ok(), "request {i} of the burst");
        }
        let wait = l.check(ip, t0).unwrap_err();
        assert_eq!(
            wait.as_secs(),
            3,
            "20 a minute refills one every 3 s: {wait:?}"
        );
        assert!(l.check(ip, t0 + Duration::from_millis(2900)).is_err());
        assert!(l.check(ip, t0 + Duration::from_millis(3100)).is_ok());
        assert!(l.check(ip, t0 + Duration::from_millis(3200)).is_err());
        // A long pause refills the bucket, up to the burst and no more.
        let later = t0 + Duration::from_secs(3600);
        for _ in 0..10 {
            assert!(l.check(ip, later).is_ok());
        }
        assert!(l.check(ip, later).is_err());
    }

    #[test]
    fn addresses_are_limited_separately_and_ipv6_by_slash_64() {
        let l = limiter(1, 1);
        let t0 = Instant::now();
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        assert!(l.check(a, t0).is_ok());
        assert!(l.check(a, t0).is_err());
        assert!(l.check(b, t0).is_ok());
        let v6a: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let v6b: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        let v6c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert!(l.check(v6a, t0).is_ok());
        assert!(l.check(v6b, t0).is_err(), "same /64");
        assert!(l.check(v6c, t0).is_ok(), "another /64");
        let mapped: IpAddr = "::ffff:192.0.2.2".parse().unwrap();
        assert!(
            l.check(mapped, t0).is_err(),
            "IPv4-mapped is the IPv4 address"
        );
    }

    #[test]
    fn idle_addresses_are_forgotten_when_the_map_is_full() {
        let l = limiter(60, 2);
        let t0 = Instant::now();
        for i in 0..MAX_TRACKED as u32 {
            let ip = IpAddr::from((0x0a00_0000u32 + i).to_be_bytes());
            l.check(ip, t0).unwrap();
        }
        // Two seconds later every bucket is full again (60 a minute, burst 2): all idle.
        l.check("192.0.2.9".parse().unwrap(), t0 + Duration::from_secs(2))
            .unwrap();
        assert_eq!(l.buckets.lock().unwrap().len(), 1);
    }
}
