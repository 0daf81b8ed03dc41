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

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
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

const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;
const AAD_CONTEXT: &[u8] = b"latchkey-cookie-v1";

fn key_id(key: &CookieKey) -> u8 {
    let digest = Sha256::new()
        .chain_update(b"latchkey cookie key id\0")
        .chain_update(key.secret())
        .finalize();
    digest[0]
}

fn aad(name: &str, provider: &str) -> Vec<u8> {
    let mut aad = Vec::with_capacity(AAD_CONTEXT.len() + name.len() + provider.len() + 2);
    aad.extend_from_slice(AAD_CONTEXT);
    aad.push(0);
    aad.extend_from_slice(name.as_bytes());
    aad.push(0);
    aad.extend_from_slice(provider.as_bytes());
    aad
}

/// Seals `payload` for cookie `name` of `provider`, valid until `expires_at` (Unix seconds).
pub fn seal(
    keys: &CookieKeys,
    random: &dyn Randomness,
    name: &str,
    provider: &str,
    expires_at: u64,
    payload: &[u8],
) -> Result<String, String> {
    let cipher = Aes256Gcm::new(keys.current.secret().into());
    let mut nonce = [0u8; NONCE_LEN];
    random.fill(&mut nonce);
    let mut plaintext = Vec::with_capacity(8 + payload.len());
    plaintext.extend_from_slice(&expires_at.to_be_bytes());
    plaintext.extend_from_slice(payload);
    let aad = aad(name, provider);
    let ciphertext = cipher
        .encrypt(
            &Nonce::from(nonce),
            Payload {
                msg: &plaintext,
                aad: &aad,
            },
        )
        .map_err(|_| "AES-GCM encryption failed".to_owned())?;
    let mut out = Vec::with_capacity(1 + NONCE_LEN + ciphertext.len());
    out.push(key_id(&keys.current));
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ciphertext);
    Ok(URL_SAFE_NO_PAD.encode(out))
}

/// Opens a value sealed by [`seal`] for the same `name` and `provider`, checking its expiry
/// against `now` (Unix seconds). Tries every held key whose id matches.
pub fn open(
    keys: &CookieKeys,
    name: &str,
    provider: &str,
    now: u64,
    value: &str,
) -> Result<Vec<u8>, OpenError> {
    let raw = URL_SAFE_NO_PAD
        .decode(value.trim())
        .map_err(|_| OpenError::Malformed)?;
    if raw.len() < 1 + NONCE_LEN + 8 + TAG_LEN {
        return Err(OpenError::Malformed);
    }
    let (id, rest) = raw.split_at(1);
    let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
    let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| OpenError::Malformed)?;
    let nonce = Nonce::from(nonce);
    let aad = aad(name, provider);
    let mut candidates = std::iter::once(&keys.current)
        .chain(keys.previous.iter())
        .filter(|k| key_id(k) == id[0])
        .peekable();
    if candidates.peek().is_none() {
        return Err(OpenError::UnknownKey);
    }
    let plaintext = candidates
        .find_map(|k| {
            Aes256Gcm::new(k.secret().into())
                .decrypt(
                    &nonce,
                    Payload {
                        msg: ciphertext,
                        aad: &aad,
                    },
                )
                .ok()
        })
        .ok_or(OpenError::Tampered)?;
    let (expiry, payload) = plaintext.split_at(8);
    let mut be = [0u8; 8];
    be.copy_from_slice(expiry);
    if now >= u64::from_be_bytes(be) {
        return Err(OpenError::Expired);
    }
    Ok(payload.to_vec())
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
