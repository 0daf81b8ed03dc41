//! Encrypted, authenticated cookies: the companion's only per-user state.
//!
//! A sealed value is `base64url(key_id ‖ nonce ‖ AES-256-GCM(expires_at ‖ payload))`:
//! - `key_id` is one byte derived from the key, so that after a rotation the right key (the
//!   current one or a previous one) is tried without guessing;
//! - the 96-bit nonce is random for every seal;
//! - the cookie's name and the provider id are bound as associated data, so a cookie cannot
//!   be moved to another name (a pending sign-in replayed as a session) or another provider;
//! - `expires_at` (Unix seconds) is inside the ciphertext and checked against the clock the
//!   caller passes, so an old cookie a browser failed to drop, or a stolen one, dies on time.

use aes_gcm::aead::{AeadInPlace, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce, Tag};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};

use crate::secrets::{CookieKey, CookieKeys};
use crate::state::Randomness;

/// Why a sealed cookie was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OpenError {
    /// Not base64 or too short to hold a key id, nonce and tag.
    #[error("the cookie is malformed")]
    Malformed,
    /// Sealed with a key this companion does not hold (rotated out, or another deployment).
    #[error("the cookie was sealed with an unknown key")]
    UnknownKey,
    /// Authentication failed: modified, or made for another cookie name or provider.
    #[error("the cookie failed authentication")]
    Tampered,
    /// Authentic but past its expiry.
    #[error("the cookie has expired")]
    Expired,
}

/// An opened cookie.
#[derive(PartialEq, Eq)]
pub struct Opened {
    /// What was sealed.
    pub payload: Vec<u8>,
    /// Until when it is valid (Unix seconds, exclusive), as sealed.
    pub expires_at: u64,
}

impl std::fmt::Debug for Opened {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Opened {{ payload: [{} bytes], expires_at: {} }}",
            self.payload.len(),
            self.expires_at
        )
    }
}

const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;
const EXPIRY_LEN: usize = 8;
const HEADER_LEN: usize = 1 + NONCE_LEN;
const AAD_CONTEXT: &[u8] = b"latchkey-cookie-v1";
/// Associated data up to this size is built on the stack (cookie name + provider id).
const AAD_STACK: usize = 256;

fn key_id(key: &CookieKey) -> u8 {
    let digest = Sha256::new()
        .chain_update(b"latchkey cookie key id\0")
        .chain_update(key.secret())
        .finalize();
    digest[0]
}

/// Calls `f` with `AAD_CONTEXT ‖ 0 ‖ name ‖ 0 ‖ provider`, on the stack when it fits.
fn with_aad<R>(name: &str, provider: &str, f: impl FnOnce(&[u8]) -> R) -> R {
    let len = AAD_CONTEXT.len() + name.len() + provider.len() + 2;
    let fill = |buf: &mut [u8]| {
        let (ctx, rest) = buf.split_at_mut(AAD_CONTEXT.len());
        ctx.copy_from_slice(AAD_CONTEXT);
        rest[0] = 0;
        rest[1..=name.len()].copy_from_slice(name.as_bytes());
        rest[name.len() + 1] = 0;
        rest[name.len() + 2..].copy_from_slice(provider.as_bytes());
    };
    if len <= AAD_STACK {
        let mut buf = [0u8; AAD_STACK];
        fill(&mut buf[..len]);
        f(&buf[..len])
    } else {
        let mut buf = vec![0u8; len];
        fill(&mut buf);
        f(&buf)
    }
}

/// One key, ready to use: its id byte and its expanded AES-256 key schedule.
#[derive(Clone)]
struct KeyedCipher {
    id: u8,
    cipher: Aes256Gcm,
}

impl KeyedCipher {
    fn new(key: &CookieKey) -> Self {
        Self {
            id: key_id(key),
            cipher: Aes256Gcm::new(key.secret().into()),
        }
    }
}

/// The cookie keys with their ciphers built once (the AES key expansion and the GHASH key
/// derivation are per key, not per request): seals with the current key, opens with any.
///
/// Built once in [`crate::AppState`]; [`seal`] and [`open`] build one per call for callers
/// that only hold [`CookieKeys`].
#[derive(Clone)]
pub struct CookieSealer {
    current: KeyedCipher,
    previous: Vec<KeyedCipher>,
}

impl std::fmt::Debug for CookieSealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CookieSealer([redacted])")
    }
}

impl CookieSealer {
    /// Expands every key of `keys`.
    pub fn new(keys: &CookieKeys) -> Self {
        Self {
            current: KeyedCipher::new(&keys.current),
            previous: keys.previous.iter().map(KeyedCipher::new).collect(),
        }
    }

    /// Seals `payload` for cookie `name` of `provider`, valid until `expires_at` (Unix seconds).
    pub fn seal(
        &self,
        random: &dyn Randomness,
        name: &str,
        provider: &str,
        expires_at: u64,
        payload: &[u8],
    ) -> Result<String, String> {
        let mut nonce = [0u8; NONCE_LEN];
        random.fill(&mut nonce);
        // key id ‖ nonce ‖ ciphertext(expiry ‖ payload) ‖ tag, encrypted in place.
        let mut out = Vec::with_capacity(HEADER_LEN + EXPIRY_LEN + payload.len() + TAG_LEN);
        out.push(self.current.id);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&expires_at.to_be_bytes());
        out.extend_from_slice(payload);
        let tag = with_aad(name, provider, |aad| {
            self.current.cipher.encrypt_in_place_detached(
                &Nonce::from(nonce),
                aad,
                &mut out[HEADER_LEN..],
            )
        })
        .map_err(|_| "AES-GCM encryption failed".to_owned())?;
        out.extend_from_slice(&tag);
        Ok(URL_SAFE_NO_PAD.encode(out))
    }

    /// Opens a value sealed by [`seal`](Self::seal) for the same `name` and `provider`,
    /// checking its expiry against `now` (Unix seconds). Tries every held key whose id matches.
    pub fn open(
        &self,
        name: &str,
        provider: &str,
        now: u64,
        value: &str,
    ) -> Result<Vec<u8>, OpenError> {
        self.open_with_expiry(name, provider, now, value)
            .map(|opened| opened.payload)
    }

    /// Like [`open`](Self::open), also telling the expiry sealed in the value.
    pub fn open_with_expiry(
        &self,
        name: &str,
        provider: &str,
        now: u64,
        value: &str,
    ) -> Result<Opened, OpenError> {
        let raw = URL_SAFE_NO_PAD
            .decode(value.trim())
            .map_err(|_| OpenError::Malformed)?;
        if raw.len() < HEADER_LEN + EXPIRY_LEN + TAG_LEN {
            return Err(OpenError::Malformed);
        }
        let id = raw[0];
        let nonce: [u8; NONCE_LEN] = raw[1..HEADER_LEN]
            .try_into()
            .map_err(|_| OpenError::Malformed)?;
        let nonce = Nonce::from(nonce);
        let tag_at = raw.len() - TAG_LEN;
        let tag: [u8; TAG_LEN] = raw[tag_at..].try_into().map_err(|_| OpenError::Malformed)?;
        let tag = Tag::from(tag);
        let mut candidates = std::iter::once(&self.current)
            .chain(self.previous.iter())
            .filter(|k| k.id == id)
            .peekable();
        if candidates.peek().is_none() {
            return Err(OpenError::UnknownKey);
        }
        let plaintext = with_aad(name, provider, |aad| {
            candidates.find_map(|k| {
                // Two keys can share an id byte: each try starts from its own copy.
                let mut buf = raw[HEADER_LEN..tag_at].to_vec();
                k.cipher
                    .decrypt_in_place_detached(&nonce, aad, &mut buf, &tag)
                    .ok()
                    .map(|()| buf)
            })
        })
        .ok_or(OpenError::Tampered)?;
        let mut be = [0u8; EXPIRY_LEN];
        be.copy_from_slice(&plaintext[..EXPIRY_LEN]);
        let expires_at = u64::from_be_bytes(be);
        if now >= expires_at {
            return Err(OpenError::Expired);
        }
        let mut payload = plaintext;
        payload.drain(..EXPIRY_LEN);
        Ok(Opened {
            payload,
            expires_at,
        })
    }
}

/// Seals `payload` for cookie `name` of `provider`, valid until `expires_at` (Unix seconds).
/// Expands the key on every call: hot paths hold a [`CookieSealer`] instead.
pub fn seal(
    keys: &CookieKeys,
    random: &dyn Randomness,
    name: &str,
    provider: &str,
    expires_at: u64,
    payload: &[u8],
) -> Result<String, String> {
    CookieSealer::new(keys).seal(random, name, provider, expires_at, payload)
}

/// Opens a value sealed by [`seal`] for the same `name` and `provider`, checking its expiry
/// against `now` (Unix seconds). Expands the keys on every call: hot paths hold a
/// [`CookieSealer`] instead.
pub fn open(
    keys: &CookieKeys,
    name: &str,
    provider: &str,
    now: u64,
    value: &str,
) -> Result<Vec<u8>, OpenError> {
    CookieSealer::new(keys).open(name, provider, now, value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::OsRandom;

    fn keys(byte: u8) -> CookieKeys {
        CookieKeys {
            current: CookieKey::from_bytes([byte; 32]),
            previous: Vec::new(),
        }
    }

    #[test]
    fn round_trip_before_expiry_only() {
        let k = keys(1);
        let v = seal(&k, &OsRandom, "session", "flask", 1000, b"hello").unwrap();
        assert_eq!(open(&k, "session", "flask", 999, &v).unwrap(), b"hello");
        assert_eq!(
            open(&k, "session", "flask", 1000, &v),
            Err(OpenError::Expired)
        );
        let opened = CookieSealer::new(&k)
            .open_with_expiry("session", "flask", 999, &v)
            .unwrap();
        assert_eq!(
            (opened.payload.as_slice(), opened.expires_at),
            (&b"hello"[..], 1000)
        );
    }

    #[test]
    fn the_payload_is_not_readable_in_the_cookie() {
        let v = seal(
            &keys(1),
            &OsRandom,
            "session",
            "flask",
            1000,
            b"token-secret-value",
        )
        .unwrap();
        let raw = URL_SAFE_NO_PAD.decode(&v).unwrap();
        assert!(!raw.windows(5).any(|w| w == b"token"));
    }

    #[test]
    fn another_name_or_provider_does_not_open() {
        let k = keys(1);
        let v = seal(&k, &OsRandom, "pending", "flask", 1000, b"x").unwrap();
        assert_eq!(
            open(&k, "session", "flask", 1, &v),
            Err(OpenError::Tampered)
        );
        assert_eq!(
            open(&k, "pending", "other", 1, &v),
            Err(OpenError::Tampered)
        );
    }

    #[test]
    fn any_flipped_bit_is_refused() {
        let k = keys(1);
        let v = seal(&k, &OsRandom, "s", "p", 1000, b"payload").unwrap();
        let raw = URL_SAFE_NO_PAD.decode(&v).unwrap();
        for i in 1..raw.len() {
            let mut bad = raw.clone();
            bad[i] ^= 0x01;
            assert_eq!(
                open(&k, "s", "p", 1, &URL_SAFE_NO_PAD.encode(&bad)),
                Err(OpenError::Tampered),
                "byte {i}"
            );
        }
        assert_eq!(
            open(&k, "s", "p", 1, "not base64!"),
            Err(OpenError::Malformed)
        );
        assert_eq!(open(&k, "s", "p", 1, "AAAA"), Err(OpenError::Malformed));
    }

    #[test]
    fn rotation_keeps_old_cookies_and_foreign_keys_are_refused() {
        let old = keys(1);
        let v = seal(&old, &OsRandom, "s", "p", 1000, b"x").unwrap();
        let rotated = CookieKeys {
            current: CookieKey::from_bytes([2; 32]),
            previous: vec![CookieKey::from_bytes([1; 32])],
        };
        assert_eq!(open(&rotated, "s", "p", 1, &v).unwrap(), b"x");
        assert_eq!(open(&keys(3), "s", "p", 1, &v), Err(OpenError::UnknownKey));
        let fresh = seal(&rotated, &OsRandom, "s", "p", 1000, b"y").unwrap();
        assert_eq!(open(&old, "s", "p", 1, &fresh), Err(OpenError::UnknownKey));
    }
}
