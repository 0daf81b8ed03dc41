//! Proof Key for Code Exchange ([RFC 7636](https://www.rfc-editor.org/rfc/rfc7636)).
//!
//! The caller draws the random bytes (`getrandom` in the browser) and hands them in:
//!
//! ```
//! use latchkey_proto::pkce::Verifier;
//! let verifier = Verifier::from_random_bytes(&[7u8; 32]).unwrap();
//! let challenge = verifier.challenge(); // goes into the authorization URL
//! assert_eq!(challenge.method(), "S256");
//! // `verifier` is kept (in the pending flow) and later consumed by the token request.
//! ```
//!
//! Only the `S256` method exists: `plain` gives no protection when the authorization request
//! leaks, and every provider Latchkey targets supports `S256`.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use sha2::{Digest, Sha256};

/// Fewest random bytes accepted: 32 bytes give the 43-character minimum verifier
/// (RFC 7636 §4.1) and 256 bits of entropy (§7.1).
pub const MIN_RANDOM_BYTES: usize = 32;
/// Most random bytes accepted: 96 bytes give the 128-character maximum verifier.
pub const MAX_RANDOM_BYTES: usize = 96;

/// Why a PKCE verifier could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PkceError {
    /// Fewer than [`MIN_RANDOM_BYTES`] or more than [`MAX_RANDOM_BYTES`] random bytes.
    #[error("pkce: need {MIN_RANDOM_BYTES} to {MAX_RANDOM_BYTES} random bytes, got {0}")]
    RandomLength(usize),
    /// A stored or relayed verifier is not 43–128 unreserved characters (RFC 7636 §4.1).
    #[error("pkce: code_verifier must be 43 to 128 characters of [A-Za-z0-9-._~]")]
    Malformed,
}

/// The PKCE `code_verifier` (RFC 7636 §4.1): a secret, so `Debug` is redacted, it is not
/// `Clone`, and the token request consumes it — one verifier, one code exchange.
pub struct Verifier(String);

impl Verifier {
    /// Makes a verifier from 32–96 bytes of fresh randomness: their base64url encoding without
    /// padding (RFC 7636 §4.1, the "recommended" construction).
    pub fn from_random_bytes(bytes: &[u8]) -> Result<Self, PkceError> {
        if !(MIN_RANDOM_BYTES..=MAX_RANDOM_BYTES).contains(&bytes.len()) {
            return Err(PkceError::RandomLength(bytes.len()));
        }
        Ok(Self(URL_SAFE_NO_PAD.encode(bytes)))
    }

    /// Takes back a verifier that was stored (the pending flow) or relayed (the companion's
    /// token mediation), checking its syntax (RFC 7636 §4.1).
    pub fn parse(value: impl Into<String>) -> Result<Self, PkceError> {
        let value = value.into();
        let ok = (43..=128).contains(&value.len())
            && value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
        if ok {
            Ok(Self(value))
        } else {
            Err(PkceError::Malformed)
        }
    }

    /// The `S256` challenge: `BASE64URL(SHA256(ASCII(code_verifier)))` (RFC 7636 §4.2).
    pub fn challenge(&self) -> Challenge {
        Challenge(URL_SAFE_NO_PAD.encode(Sha256::digest(self.0.as_bytes())))
    }

    /// The verifier itself.
    ///
    /// Dangerous: whoever holds it can redeem an intercepted authorization code. Pass it only
    /// to the token request body.
    pub fn secret(&self) -> &str {
        &self.0
    }
}

impl core::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Verifier([redacted])")
    }
}

/// The `code_challenge` sent in the authorization request (RFC 7636 §4.3). Public.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge(String);

impl Challenge {
    /// The base64url challenge value.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The `code_challenge_method`: always `S256`.
    pub fn method(&self) -> &'static str {
        "S256"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7636 Appendix B.
    #[test]
    fn rfc7636_appendix_b() {
        let bytes = [
            116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212,
            37, 77, 105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121,
        ];
        let v = Verifier::from_random_bytes(&bytes).unwrap();
        assert_eq!(v.secret(), "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
        assert_eq!(
            v.challenge().as_str(),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn too_little_or_too_much_randomness_is_refused() {
        assert_eq!(
            Verifier::from_random_bytes(&[0; 31]).unwrap_err(),
            PkceError::RandomLength(31)
        );
        assert_eq!(
            Verifier::from_random_bytes(&[0; 97]).unwrap_err(),
            PkceError::RandomLength(97)
        );
        assert_eq!(
            Verifier::from_random_bytes(&[0; 96])
                .unwrap()
                .secret()
                .len(),
            128
        );
    }

    #[test]
    fn debug_is_redacted() {
        let v = Verifier::from_random_bytes(&[1; 32]).unwrap();
        assert_eq!(format!("{v:?}"), "Verifier([redacted])");
    }

    #[test]
    fn parse_checks_syntax_and_takes_back_a_verifier() {
        assert_eq!(Verifier::parse("short").unwrap_err(), PkceError::Malformed);
        assert_eq!(
            Verifier::parse("a".repeat(42) + "=").unwrap_err(),
            PkceError::Malformed
        );
        let v = Verifier::from_random_bytes(&[9; 40]).unwrap();
        let back = Verifier::parse(v.secret()).unwrap();
        assert_eq!(back.secret(), v.secret());
        assert!(Verifier::parse("has space in it and is long enough to pass length").is_err());
    }
}
