//! What every handler shares: the configuration, the secrets, the clock and the nonce source.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;

use crate::config::Config;
use crate::csp::AppPolicy;
use crate::rate_limit::Limits;
use crate::routes::oauth1::handoff::SpentCodes;
use crate::sealed_cookie::CookieSealer;
use crate::secrets::Secrets;
use crate::session_cache::SessionCache;

/// The time, injectable so tests can fix it.
pub trait Clock: Send + Sync + 'static {
    /// Seconds since the Unix epoch.
    fn now(&self) -> u64;
}

/// The real clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or(Duration::ZERO)
            .as_secs()
    }
}

/// A clock stuck at one instant, for tests.
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub u64);

impl Clock for FixedClock {
    fn now(&self) -> u64 {
        self.0
    }
}

/// Random values: OAuth 1.0a nonces and AES-GCM nonces. Injectable so tests are repeatable.
pub trait Randomness: Send + Sync + 'static {
    /// An `oauth_nonce`: 30 ASCII alphanumerics (oauthlib's default validator accepts 20 to 30).
    fn oauth_nonce(&self) -> String;
    /// Fills `buf` with unpredictable bytes (cipher nonces).
    fn fill(&self, buf: &mut [u8]);
}

/// Length of an `oauth_nonce`.
pub const OAUTH_NONCE_LEN: usize = 30;

/// The operating system's RNG for cipher nonces, and a CSPRNG seeded from it for OAuth nonces.
#[derive(Debug, Clone, Copy, Default)]
pub struct OsRandom;

impl Randomness for OsRandom {
    fn oauth_nonce(&self) -> String {
        use rand::distributions::{Alphanumeric, DistString};
        // thread_rng is a CSPRNG seeded from the OS: one syscall per reseed rather than per
        // character, which the signing hot path notices.
        Alphanumeric.sample_string(&mut rand::thread_rng(), OAUTH_NONCE_LEN)
    }

    fn fill(&self, buf: &mut [u8]) {
        use rand::RngCore;
        rand::rngs::OsRng.fill_bytes(buf);
    }
}

/// Shared by every request; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    config: Config,
    secrets: Secrets,
    /// The cookie keys' ciphers, expanded once rather than per request.
    cookie_sealer: Option<CookieSealer>,
    /// Session cookies opened with those keys (crate::session_cache).
    sessions: SessionCache,
    /// Handoff codes this replica has exchanged (crate::routes::oauth1::handoff).
    handoffs: SpentCodes,
    public_json: Bytes,
    /// The app's Content-Security-Policy, but for the page's own script hashes.
    csp: AppPolicy,
    clock: Arc<dyn Clock>,
    random: Arc<dyn Randomness>,
    http: reqwest::Client,
    /// The per-address rate limits of the upstream-calling routes (this process's only).
    limits: Limits,
}

/// Upstream connect timeout.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Upstream total timeout.
pub const UPSTREAM_TIMEOUT: Duration = Duration::from_secs(30);

impl AppState {
    /// Builds the state with the real clock and RNG.
    pub fn new(config: Config, secrets: Secrets) -> Result<Self, String> {
        Self::with(config, secrets, Arc::new(SystemClock), Arc::new(OsRandom))
    }

    /// Builds the state with a given clock and randomness (tests).
    pub fn with(
        config: Config,
        secrets: Secrets,
        clock: Arc<dyn Clock>,
        random: Arc<dyn Randomness>,
    ) -> Result<Self, String> {
        Self::with_timeouts(
            config,
            secrets,
            clock,
            random,
            CONNECT_TIMEOUT,
            UPSTREAM_TIMEOUT,
        )
    }

    /// Like [`with`](Self::with), with other upstream timeouts (tests of the 504 path).
    pub fn with_timeouts(
        config: Config,
        secrets: Secrets,
        clock: Arc<dyn Clock>,
        random: Arc<dyn Randomness>,
        connect: Duration,
        total: Duration,
    ) -> Result<Self, String> {
        let public = config.public();
        let public_json = serde_json::to_vec_pretty(&public).map_err(|e| e.to_string())?;
        let csp = AppPolicy::new(&public);
        let http = reqwest::Client::builder()
            .connect_timeout(connect)
            .timeout(total)
            // The proxy hands redirects back to the app rather than following them with the
            // user's signature.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("latchkey/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        let cookie_sealer = secrets.cookie_keys.as_ref().map(CookieSealer::new);
        let limits = Limits::new(&config.server);
        Ok(Self {
            inner: Arc::new(Inner {
                config,
                secrets,
                cookie_sealer,
                sessions: SessionCache::default(),
                handoffs: SpentCodes::default(),
                public_json: Bytes::from(public_json),
                csp,
                clock,
                random,
                http,
                limits,
            }),
        })
    }

    /// The per-address rate limits.
    pub fn limits(&self) -> &Limits {
        &self.inner.limits
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The secrets.
    pub fn secrets(&self) -> &Secrets {
        &self.inner.secrets
    }

    /// Seals and opens cookies with the loaded cookie keys (`None` when none are loaded).
    pub fn cookie_sealer(&self) -> Option<&CookieSealer> {
        self.inner.cookie_sealer.as_ref()
    }

    /// Session cookies already opened with [`cookie_sealer`](Self::cookie_sealer)'s keys.
    pub fn session_cache(&self) -> &SessionCache {
        &self.inner.sessions
    }

    /// Handoff codes this replica has exchanged.
    pub fn spent_handoffs(&self) -> &SpentCodes {
        &self.inner.handoffs
    }

    /// `/latchkey.json`, serialised once.
    pub fn public_json(&self) -> Bytes {
        self.inner.public_json.clone()
    }

    /// The app's Content-Security-Policy, built once from `/latchkey.json`.
    pub fn csp(&self) -> &AppPolicy {
        &self.inner.csp
    }

    /// The clock.
    pub fn clock(&self) -> &dyn Clock {
        self.inner.clock.as_ref()
    }

    /// The randomness source.
    pub fn random(&self) -> &dyn Randomness {
        self.inner.random.as_ref()
    }

    /// The outbound HTTP client.
    pub fn http(&self) -> &reqwest::Client {
        &self.inner.http
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonces_are_thirty_alphanumerics_spread_evenly_and_never_repeat() {
        let mut seen = std::collections::HashSet::new();
        let mut counts = std::collections::HashMap::<char, usize>::new();
        let n = 2000;
        for _ in 0..n {
            let nonce = OsRandom.oauth_nonce();
            assert_eq!(nonce.len(), OAUTH_NONCE_LEN, "{nonce}");
            assert!(nonce.bytes().all(|b| b.is_ascii_alphanumeric()), "{nonce}");
            for c in nonce.chars() {
                *counts.entry(c).or_default() += 1;
            }
            assert!(seen.insert(nonce), "a nonce repeated");
        }
        // 60,000 characters over 62: about 968 each, standard deviation about 31. A mapping
        // that favoured or skipped characters would leave this band.
        assert_eq!(counts.len(), 62, "{counts:?}");
        let expected = n * OAUTH_NONCE_LEN / 62;
        for (c, k) in &counts {
            assert!(
                (expected * 3 / 4..expected * 5 / 4).contains(k),
                "{c:?} appeared {k} times, expected about {expected}"
            );
        }
    }
}
