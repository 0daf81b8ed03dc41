//! Session cookies this process has already opened, so that a signed-in client's next
//! request skips the AES-GCM open and the payload decode (about a twelfth of `/sign`'s CPU).
//!
//! Why a hit answers what a fresh open would: opening a sealed cookie
//! ([`crate::sealed_cookie`]) depends only on the keys, the cookie's name, the provider, the
//! exact value and the clock. The cache lives in [`crate::AppState`], beside the keys it was
//! filled with; it is keyed by the exact value and remembers the provider (the cookie's name
//! follows from it), and every hit checks the expiry sealed in the cookie against the clock
//! again. Only opens that succeeded are kept, so a forged or tampered value is opened (and
//! refused) in full every time, and a flood of them grows nothing.
//!
//! What it changes, and its bounds:
//! - A session's token secret stays reachable in this process after its request: at most
//!   [`CAPACITY`] sessions, each for at most [`MAX_AGE`] seconds after it was opened (a stale
//!   entry is dropped when it is next looked up or at the next miss's sweep). Nothing is
//!   zeroized on drop in the companion today, so freed memory held the secret before as well.
//! - It is not state: a replica without the entry opens the cookie, and a restart loses only
//!   the speed-up. Signing out is what it was, the browser dropping the cookie; a copied
//!   cookie stays valid until its expiry with or without the cache (docs/security.md).
//! - The value is compared with `==` on a hit. Which entry a value is compared with is
//!   chosen by SipHash under a per-process random key, so an attacker cannot aim a guess at
//!   another client's cookie to time the comparison.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use crate::routes::oauth1::OpenSession;

/// At most this many opened sessions are kept; when full and nothing is stale, the cache
/// starts over (simple and bounded; a miss only costs the open it saved).
pub const CAPACITY: usize = 1024;

/// An entry is used for at most this many seconds after the cookie was opened, however long
/// the cookie itself is valid.
pub const MAX_AGE: u64 = 5 * 60;

/// Stale entries are swept at a miss at most this often (seconds).
const SWEEP_EVERY: u64 = 60;

struct Entry {
    provider: Box<str>,
    /// The expiry sealed in the cookie (Unix seconds, exclusive).
    expires_at: u64,
    opened_at: u64,
    session: Arc<OpenSession>,
}

impl Entry {
    fn usable(&self, now: u64) -> bool {
        now < self.expires_at && now < self.opened_at.saturating_add(MAX_AGE)
    }
}

#[derive(Default)]
struct Entries {
    by_value: HashMap<Box<str>, Entry>,
    last_sweep: u64,
}

/// Opened session cookies, keyed by their exact sealed value. See the module docs.
#[derive(Default)]
pub struct SessionCache {
    entries: Mutex<Entries>,
}

impl std::fmt::Debug for SessionCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SessionCache({} sessions, [redacted])", self.len())
    }
}

impl SessionCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        // No operation under the lock can leave the map half-changed, so a panic elsewhere
        // while it was held does not make its contents wrong.
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The session sealed in `value` for `provider`, if it was opened before and is still
    /// usable at `now`.
    pub fn get(&self, provider: &str, value: &str, now: u64) -> Option<Arc<OpenSession>> {
        let mut entries = self.lock();
        let entry = entries.by_value.get(value)?;
        if &*entry.provider != provider {
            return None;
        }
        if entry.usable(now) {
            return Some(entry.session.clone());
        }
        entries.by_value.remove(value);
        None
    }

    /// Remembers that `value` opened, at `now`, to `session` for `provider`, valid until
    /// `expires_at`.
    pub fn insert(
        &self,
        provider: &str,
        value: &str,
        now: u64,
        expires_at: u64,
        session: Arc<OpenSession>,
    ) {
        let mut entries = self.lock();
        let full = |e: &Entries| e.by_value.len() >= CAPACITY && !e.by_value.contains_key(value);
        // One sweep, when it is due or the cache is full; still full, it starts over.
        if now >= entries.last_sweep.saturating_add(SWEEP_EVERY) || full(&entries) {
            entries.by_value.retain(|_, e| e.usable(now));
            entries.last_sweep = now;
            if full(&entries) {
                entries.by_value.clear();
            }
        }
        entries.by_value.insert(
            value.into(),
            Entry {
                provider: provider.into(),
                expires_at,
                opened_at: now,
                session,
            },
        );
    }

    /// When the entry for `value` was opened: lets a router test tell a fresh open from a
    /// hit, which sign the same header by design.
    #[cfg(test)]
    pub(crate) fn opened_at(&self, value: &str) -> Option<u64> {
        self.lock().by_value.get(value).map(|e| e.opened_at)
    }

    /// How many sessions are kept.
    pub fn len(&self) -> usize {
        self.lock().by_value.len()
    }

    /// Whether none are.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routes::oauth1::SignedIn;
    use latchkey_proto::oauth1::TokenCredentials;
    use latchkey_proto::secret::TokenSecret;

    fn session(token: &str) -> Arc<OpenSession> {
        Arc::new(OpenSession {
            signed_in: SignedIn {
                credentials: TokenCredentials {
                    token: token.to_owned(),
                    secret: TokenSecret::new("s"),
                    extra: Vec::new(),
                },
                signed_in_at: None,
            },
            expires_at: u64::MAX,
        })
    }

    #[test]
    fn a_hit_needs_the_same_value_and_provider() {
        let cache = SessionCache::default();
        cache.insert("flask", "sealed-a", 100, 1000, session("a"));
        assert_eq!(cache.get("flask", "sealed-a", 101).unwrap().token, "a");
        assert!(cache.get("flask", "sealed-b", 101).is_none());
        assert!(cache.get("flask", "sealed-", 101).is_none());
        assert!(cache.get("other", "sealed-a", 101).is_none());
    }

    #[test]
    fn a_hit_ends_at_the_cookies_expiry_or_max_age_whichever_is_first() {
        let cache = SessionCache::default();
        cache.insert("flask", "short", 100, 150, session("short"));
        cache.insert("flask", "long", 100, u64::MAX, session("long"));
        assert!(cache.get("flask", "short", 149).is_some());
        assert!(
            cache.get("flask", "short", 150).is_none(),
            "past the cookie's expiry"
        );
        assert!(cache.get("flask", "long", 100 + MAX_AGE - 1).is_some());
        assert!(
            cache.get("flask", "long", 100 + MAX_AGE).is_none(),
            "past MAX_AGE"
        );
        assert!(cache.is_empty(), "stale entries are dropped when looked up");
    }

    #[test]
    fn a_miss_sweeps_stale_entries_and_the_size_stays_bounded() {
        let cache = SessionCache::default();
        cache.insert("flask", "old", 100, 110, session("old"));
        cache.insert("flask", "new", 100 + SWEEP_EVERY, u64::MAX, session("new"));
        assert_eq!(cache.len(), 1, "the expired entry went in the sweep");

        for i in 0..CAPACITY * 3 {
            cache.insert("flask", &format!("v{i}"), 200, u64::MAX, session("x"));
            assert!(cache.len() <= CAPACITY);
        }
        assert!(cache
            .get("flask", &format!("v{}", CAPACITY * 3 - 1), 200)
            .is_some());
    }

    #[test]
    fn debug_shows_no_session() {
        let cache = SessionCache::default();
        cache.insert("flask", "sealed-value", 1, 2, session("the-token"));
        let shown = format!("{cache:?}");
        assert!(
            !shown.contains("the-token") && !shown.contains("sealed-value"),
            "{shown}"
        );
    }
}
