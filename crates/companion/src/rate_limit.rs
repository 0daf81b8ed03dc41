//! Per client address rate limits on every route that calls a provider: a token bucket per
//! address, in a map of bounded size.
//!
//! Two budgets ([`Limits`]), each a [`RateLimiter`]: `token_rate_*` for the routes that ask a
//! provider for a token (OAuth 1.0a `/login` and `/callback`, token mediation's `/token`,
//! `/refresh`, `/revoke`), and `api_rate_*` for the OAuth 1.0a signing proxy and `/sign`. A
//! route asks its limiter before it sends anything upstream; a refusal is a 429 with
//! `Retry-After` ([`RateLimited`]). The address is [`crate::client_address`]'s: the peer, or
//! behind `trusted_proxies` the client the proxy names.
//!
//! Why a few lines here rather than `governor` / `tower_governor`: the limit needs our own
//! `{error, message}` 429 body with `Retry-After` (and a redirect for a navigating browser on
//! `/login`), a key that folds an IPv6 client's /64 into one bucket (one host usually owns a
//! whole /64), and a bounded map; with the crates that is as much glue as the bucket itself.
//!
//! Why per replica is acceptable: the companion is stateless and keeps no shared store, so N
//! replicas behind a load balancer allow up to N times the configured rate per address. The
//! limit only has to stop one address from burning the consumer key's quota or hammering a
//! provider through us (the provider enforces its own limits and codes are single use, RFC
//! 6749 §10.5); it does not have to be exact, and a shared store would cost every request a
//! network round trip.
//!
//! The map is bounded without ever scanning it: [`SHARDS`] shards, each two generations of at
//! most [`PER_GENERATION`] addresses. A new address goes into the current generation; when that
//! is full, the older generation is cleared and the two swap, so an address unseen for that
//! many newcomers to its shard is forgotten (it starts again with a full bucket, which is
//! what it would have earned by waiting anyway unless a flood of other addresses pushed it
//! out). Every request is a hash, one lock of one shard, and one or two look-ups.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::net::{IpAddr, Ipv6Addr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::client_address::ClientAddress;
use crate::config::{RateLimit, ServerConfig};
use crate::error::ApiError;

/// Locks a request may wait on: requests from different addresses rarely share one.
pub const SHARDS: usize = 16;
/// Addresses one generation of one shard holds.
pub const PER_GENERATION: usize = 2048;
/// The most addresses one limiter tracks: 65,536 (a few MiB).
pub const CAPACITY: usize = SHARDS * PER_GENERATION * 2;

/// The limiters of one process: one per budget.
#[derive(Debug)]
pub struct Limits {
    /// `token_rate_*`: OAuth 1.0a `/login` and `/callback`; `/oauth2/{id}/token`, `/refresh`,
    /// `/revoke`.
    pub token: RateLimiter,
    /// `api_rate_*`: the signing proxy `/oauth1/{id}/api/…` and `/oauth1/{id}/sign`.
    pub api: RateLimiter,
}

impl Limits {
    /// Fresh limiters with the configured budgets.
    pub fn new(server: &ServerConfig) -> Self {
        Limits {
            token: RateLimiter::new(server.token_rate, "token requests"),
            api: RateLimiter::new(server.api_rate, "signed API requests"),
        }
    }
}

/// The caller's bucket is empty: answer 429 with `Retry-After`, send nothing upstream.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("too many {what} from this address; retry in {retry_after} s")]
#[non_exhaustive]
pub struct RateLimited {
    /// Whole seconds until a request would pass (rounded up, at least 1).
    pub retry_after: u64,
    /// What was limited, for the message.
    pub what: &'static str,
}

impl From<RateLimited> for ApiError {
    fn from(e: RateLimited) -> Self {
        ApiError::TooManyRequests {
            message: e.to_string().into(),
            retry_after: e.retry_after,
        }
    }
}

/// Token buckets keyed by client address.
#[derive(Debug)]
pub struct RateLimiter {
    limit: RateLimit,
    what: &'static str,
    /// Picks the shard; seeded per process, so nobody can aim a flood at one shard.
    hasher: RandomState,
    shards: Box<[Mutex<Shard>]>,
}

#[derive(Debug, Default)]
struct Shard {
    current: HashMap<IpAddr, Bucket>,
    previous: HashMap<IpAddr, Bucket>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl Shard {
    /// `key`'s bucket, moved into the current generation (a new one when neither holds it).
    fn bucket(&mut self, key: IpAddr, fresh: Bucket) -> &mut Bucket {
        if self.current.len() >= PER_GENERATION && !self.current.contains_key(&key) {
            // Clearing keeps the allocation and costs a pass over the table's control bytes
            // (a few KiB), not a visit of every entry: buckets need no drop.
            std::mem::swap(&mut self.current, &mut self.previous);
            self.current.clear();
        }
        let previous = &mut self.previous;
        self.current
            .entry(key)
            .or_insert_with(|| previous.remove(&key).unwrap_or(fresh))
    }

    fn len(&self) -> usize {
        self.current.len() + self.previous.len()
    }
}

impl RateLimiter {
    /// A limiter with these settings; `what` names the requests in the 429's message.
    pub fn new(limit: RateLimit, what: &'static str) -> Self {
        Self {
            limit,
            what,
            hasher: RandomState::new(),
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
        }
    }

    fn per_second(&self) -> f64 {
        f64::from(self.limit.per_minute) / 60.0
    }

    /// Takes one request from the client's bucket now, or says when to come back.
    pub fn admit(&self, client: ClientAddress) -> Result<(), RateLimited> {
        self.check(client.0, Instant::now()).map_err(|wait| {
            let retry_after = (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1);
            tracing::info!(ip = %client.0, retry_after, what = self.what, "rate limited");
            RateLimited {
                retry_after,
                what: self.what,
            }
        })
    }

    /// Takes one request from `ip`'s bucket at `now`, or says how long until one is free.
    pub fn check(&self, ip: IpAddr, now: Instant) -> Result<(), Duration> {
        let key = bucket_key(ip);
        let full = f64::from(self.limit.burst);
        let shard = &self.shards[self.shard_of(key)];
        // A poisoned lock only means another request panicked mid-update; the map is still
        // a valid map of buckets.
        let mut shard = shard.lock().unwrap_or_else(|e| e.into_inner());
        let bucket = shard.bucket(
            key,
            Bucket {
                tokens: full,
                at: now,
            },
        );
        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
        let tokens = (bucket.tokens + elapsed * self.per_second()).min(full);
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

    fn shard_of(&self, key: IpAddr) -> usize {
        // The low bits of a 64-bit hash; SHARDS is a power of two.
        (self.hasher.hash_one(key) as usize) % SHARDS
    }

    /// How many addresses are tracked.
    pub fn tracked(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.lock().unwrap_or_else(|e| e.into_inner()).len())
            .sum()
    }
}

/// IPv4 addresses as they are; IPv6 by /64 (an IPv4-mapped address counts as IPv4).
fn bucket_key(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => {
            let s = v6.segments();
            IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
        }
        v4 => v4,
    }
}

#[cfg(test)]
mod tests;
