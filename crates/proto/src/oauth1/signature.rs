//! Signature methods ([RFC 5849 §3.4.2]–[§3.4.4]) and the non-standard SHA-2 variants that
//! oauthlib and several providers accept.
//!
//! - `HMAC-SHA1` (§3.4.2), `HMAC-SHA256`, `HMAC-SHA512`: HMAC over the base string with the key
//!   `enc(consumer secret) & enc(token secret)`; the `&` is always there, even when the token
//!   secret is empty.
//! - `RSA-SHA1` (§3.4.3), `RSA-SHA256`, `RSA-SHA512`: RSASSA-PKCS1-v1_5 over the base string with
//!   the client's private key (cargo feature `rsa`). The token secret is not used.
//! - `PLAINTEXT` (§3.4.4): the key itself, no base string; only over TLS.
//!
//! The result is base64 (RFC 2045 alphabet, padded), ready to be percent-encoded into the
//! `oauth_signature` parameter.
//!
//! RSA signing is blinded with the caller's RNG ([`sign`]'s `rng`; the protocol core draws no
//! randomness itself). The `rsa` crate's private-key operation is not constant time
//! (RUSTSEC-2023-0071, the Marvin attack): unblinded, its timing over inputs an attacker
//! chooses or knows (the companion's `/sign` signs base strings its caller knows) leaks the
//! key. Blinding multiplies the input by `r^e` for a fresh random `r` and divides `r` out
//! after the exponentiation, so the timing no longer follows the input. RSASSA-PKCS1-v1_5 is
//! deterministic, so the signature is byte for byte the same as unblinded. Blinding narrows
//! the advisory's timing channel, it does not make the operation constant time: still prefer
//! HMAC, or keep RSA keys where response timing cannot be measured finely.
//!
//! [RFC 5849 §3.4.2]: https://www.rfc-editor.org/rfc/rfc5849#section-3.4.2
//! [§3.4.4]: https://www.rfc-editor.org/rfc/rfc5849#section-3.4.4

use base64::Engine as _;
use hmac::{Hmac, Mac};
use rand_core::CryptoRngCore;

use super::percent::encode_str_into;
use crate::secret::{ConsumerSecret, TokenSecret};

/// An `oauth_signature_method` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SignatureMethod {
    /// `HMAC-SHA1` (RFC 5849 §3.4.2).
    HmacSha1,
    /// `HMAC-SHA256` (not in RFC 5849; same construction with SHA-256).
    HmacSha256,
    /// `HMAC-SHA512` (not in RFC 5849; same construction with SHA-512).
    HmacSha512,
    /// `RSA-SHA1` (RFC 5849 §3.4.3).
    RsaSha1,
    /// `RSA-SHA256` (not in RFC 5849; PKCS#1 v1.5 with SHA-256).
    RsaSha256,
    /// `RSA-SHA512` (not in RFC 5849; PKCS#1 v1.5 with SHA-512).
    RsaSha512,
    /// `PLAINTEXT` (RFC 5849 §3.4.4): sends the secrets themselves; TLS only.
    Plaintext,
}

impl SignatureMethod {
    /// Every method, in a stable order.
    pub const ALL: [SignatureMethod; 7] = [
        SignatureMethod::HmacSha1,
        SignatureMethod::HmacSha256,
        SignatureMethod::HmacSha512,
        SignatureMethod::RsaSha1,
        SignatureMethod::RsaSha256,
        SignatureMethod::RsaSha512,
        SignatureMethod::Plaintext,
    ];

    /// The wire name, e.g. `HMAC-SHA1`.
    pub const fn as_str(self) -> &'static str {
        match self {
            SignatureMethod::HmacSha1 => "HMAC-SHA1",
            SignatureMethod::HmacSha256 => "HMAC-SHA256",
            SignatureMethod::HmacSha512 => "HMAC-SHA512",
            SignatureMethod::RsaSha1 => "RSA-SHA1",
            SignatureMethod::RsaSha256 => "RSA-SHA256",
            SignatureMethod::RsaSha512 => "RSA-SHA512",
            SignatureMethod::Plaintext => "PLAINTEXT",
        }
    }

    /// Whether this method signs with an RSA private key rather than the shared secrets.
    pub const fn uses_rsa_key(self) -> bool {
        matches!(
            self,
            SignatureMethod::RsaSha1 | SignatureMethod::RsaSha256 | SignatureMethod::RsaSha512
        )
    }
}

impl core::fmt::Display for SignatureMethod {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An unknown `oauth_signature_method` name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown OAuth 1.0a signature method {0:?} (expected HMAC-SHA1, HMAC-SHA256, HMAC-SHA512, RSA-SHA1, RSA-SHA256, RSA-SHA512 or PLAINTEXT)")]
pub struct UnknownSignatureMethod(pub String);

impl core::str::FromStr for SignatureMethod {
    type Err = UnknownSignatureMethod;

    /// Parses the exact wire name (method names are case-sensitive, as in oauthlib).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        SignatureMethod::ALL
            .into_iter()
            .find(|m| m.as_str() == s)
            .ok_or_else(|| UnknownSignatureMethod(s.chars().take(32).collect()))
    }
}

/// An RSA private key for `RSA-SHA*` signing, parsed once and reused.
#[cfg(feature = "rsa")]
#[derive(Clone)]
pub struct RsaSigningKey(rsa::RsaPrivateKey);

/// Why an RSA private key could not be read.
#[cfg(feature = "rsa")]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RsaKeyError {
    /// Neither a PKCS#1 (`BEGIN RSA PRIVATE KEY`) nor a PKCS#8 (`BEGIN PRIVATE KEY`) PEM RSA key.
    #[error("not a PEM RSA private key (PKCS#1 \"RSA PRIVATE KEY\" or unencrypted PKCS#8 \"PRIVATE KEY\")")]
    NotAPemRsaKey,
}

#[cfg(feature = "rsa")]
impl RsaSigningKey {
    /// Reads a PEM private key, PKCS#1 or unencrypted PKCS#8.
    pub fn from_pem(pem: &str) -> Result<Self, RsaKeyError> {
        use rsa::pkcs1::DecodeRsaPrivateKey;
        use rsa::pkcs8::DecodePrivateKey;
        rsa::RsaPrivateKey::from_pkcs1_pem(pem)
            .or_else(|_| rsa::RsaPrivateKey::from_pkcs8_pem(pem))
            .map(RsaSigningKey)
            .map_err(|_| RsaKeyError::NotAPemRsaKey)
    }

    /// The matching public key, for verifiers and tests.
    pub fn public_key(&self) -> rsa::RsaPublicKey {
        self.0.to_public_key()
    }
}

#[cfg(feature = "rsa")]
impl core::fmt::Debug for RsaSigningKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("RsaSigningKey([redacted])")
    }
}

/// What the client signs with: the consumer secret (HMAC, PLAINTEXT) or an RSA key.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum ConsumerCredential<'a> {
    /// The consumer (client) shared secret, for `HMAC-*` and `PLAINTEXT`.
    Secret(&'a ConsumerSecret),
    /// The client's RSA private key, for `RSA-*`.
    #[cfg(feature = "rsa")]
    RsaKey(&'a RsaSigningKey),
}

/// Why a signature could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    /// An `RSA-*` method was asked for without an RSA key (or without the `rsa` feature).
    #[error("signature method {0} needs an RSA private key")]
    NeedsRsaKey(SignatureMethod),
    /// An `HMAC-*` or `PLAINTEXT` method was asked for with an RSA key.
    #[error("signature method {0} needs the consumer secret, not an RSA key")]
    NeedsSharedSecret(SignatureMethod),
    /// The RSA operation failed (a key too small for the digest).
    #[error("RSA signing failed: {0}")]
    Rsa(String),
}

/// The HMAC / PLAINTEXT key: `enc(consumer secret) "&" enc(token secret)` (RFC 5849 §3.4.2).
fn shared_key(consumer: &ConsumerSecret, token: Option<&TokenSecret>) -> String {
    let token = token.map(TokenSecret::secret).unwrap_or_default();
    let mut key = String::with_capacity(consumer.secret().len() + token.len() + 1);
    encode_str_into(&mut key, consumer.secret());
    key.push('&');
    encode_str_into(&mut key, token);
    key
}

fn hmac_base64<M: Mac + hmac::digest::KeyInit>(key: &[u8], text: &[u8]) -> String {
    // Hmac accepts keys of any length, so this never fails; fall back to hashing nothing
    // rather than panicking if that ever changed.
    let mut mac = match <M as hmac::digest::KeyInit>::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => return String::new(),
    };
    mac.update(text);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Signs a signature base string (RFC 5849 §3.4.2–§3.4.4) and returns the base64 signature.
///
/// `token_secret` is `None` before the client holds a token (the request-token leg); the key
/// still ends in `&`. `rng` blinds the RSA private-key operation (see the module docs); the
/// other methods never read it, and no method's output depends on it.
pub fn sign(
    method: SignatureMethod,
    base_string: &str,
    consumer: ConsumerCredential<'_>,
    token_secret: Option<&TokenSecret>,
    rng: &mut impl CryptoRngCore,
) -> Result<String, SignError> {
    #[cfg(not(feature = "rsa"))]
    let _ = rng; // Only RSA reads it.
    match consumer {
        ConsumerCredential::Secret(secret) => {
            let key = shared_key(secret, token_secret);
            let text = base_string.as_bytes();
            match method {
                SignatureMethod::HmacSha1 => {
                    Ok(hmac_base64::<Hmac<sha1::Sha1>>(key.as_bytes(), text))
                }
                SignatureMethod::HmacSha256 => {
                    Ok(hmac_base64::<Hmac<sha2::Sha256>>(key.as_bytes(), text))
                }
                SignatureMethod::HmacSha512 => {
                    Ok(hmac_base64::<Hmac<sha2::Sha512>>(key.as_bytes(), text))
                }
                SignatureMethod::Plaintext => Ok(key),
                SignatureMethod::RsaSha1
                | SignatureMethod::RsaSha256
                | SignatureMethod::RsaSha512 => Err(SignError::NeedsRsaKey(method)),
            }
        }
        #[cfg(feature = "rsa")]
        ConsumerCredential::RsaKey(key) => sign_rsa(method, base_string.as_bytes(), key, rng),
    }
}

/// RSASSA-PKCS1-v1_5, blinded: `sign_with_rng` rather than `sign`, whose private-key
/// operation runs unblinded on the raw input (RUSTSEC-2023-0071).
#[cfg(feature = "rsa")]
fn sign_rsa(
    method: SignatureMethod,
    text: &[u8],
    key: &RsaSigningKey,
    rng: &mut impl CryptoRngCore,
) -> Result<String, SignError> {
    use rsa::Pkcs1v15Sign;
    use sha2::Digest as _;
    let signature = match method {
        SignatureMethod::RsaSha1 => key.0.sign_with_rng(
            rng,
            Pkcs1v15Sign::new::<sha1::Sha1>(),
            &sha1::Sha1::digest(text),
        ),
        SignatureMethod::RsaSha256 => key.0.sign_with_rng(
            rng,
            Pkcs1v15Sign::new::<sha2::Sha256>(),
            &sha2::Sha256::digest(text),
        ),
        SignatureMethod::RsaSha512 => key.0.sign_with_rng(
            rng,
            Pkcs1v15Sign::new::<sha2::Sha512>(),
            &sha2::Sha512::digest(text),
        ),
        _ => return Err(SignError::NeedsSharedSecret(method)),
    }
    .map_err(|e| SignError::Rsa(e.to_string()))?;
    Ok(base64::engine::general_purpose::STANDARD.encode(signature))
}

#[cfg(test)]
mod tests;
