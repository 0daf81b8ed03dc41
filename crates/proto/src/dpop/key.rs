//! The client's DPoP public key as a JWK (RFC 7517, RFC 7518 §6.2.1) and its JWK Thumbprint
//! ([RFC 7638](https://www.rfc-editor.org/rfc/rfc7638)).
//!
//! The browser makes the key pair with WebCrypto and exports only the public half, as the raw
//! uncompressed point (`exportKey("raw", publicKey)`: `0x04 || x || y`, 65 bytes) — an
//! `ArrayBuffer` the client copies into a byte slice without going through JSON. The private
//! key never leaves WebCrypto.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use sha2::{Digest, Sha256};

/// Length of one P-256 coordinate in bytes (RFC 7518 §6.2.1.2: "the full coordinate size").
pub const COORDINATE_LEN: usize = 32;

/// Length of an uncompressed P-256 point: the `0x04` tag, then `x` and `y` (SEC 1 §2.3.3).
pub const UNCOMPRESSED_POINT_LEN: usize = 1 + 2 * COORDINATE_LEN;

/// Why bytes are not a P-256 public key this module accepts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PublicKeyError {
    /// The point is not 65 bytes long.
    #[error(
        "DPoP public key: an uncompressed P-256 point is {UNCOMPRESSED_POINT_LEN} bytes, got {0}"
    )]
    PointLength(usize),
    /// The point does not start with `0x04` (compressed points and the point at infinity are
    /// not accepted: WebCrypto's `exportKey("raw")` always gives the uncompressed form).
    #[error("DPoP public key: the point does not start with 0x04 (uncompressed), got {0:#04x}")]
    NotUncompressed(u8),
    /// A coordinate is not 32 bytes long.
    #[error("DPoP public key: the {coordinate} coordinate is {COORDINATE_LEN} bytes, got {len}")]
    CoordinateLength {
        /// `"x"` or `"y"`.
        coordinate: &'static str,
        /// The length given.
        len: usize,
    },
}

/// A P-256 public key, as the `jwk` of a DPoP proof header (RFC 9449 §4.2).
///
/// Only the lengths and the uncompressed tag are checked: whether the point is on the curve
/// needs curve arithmetic, which stays in WebCrypto (which made the key) and in the server
/// (which verifies every proof with it).
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKey {
    x: [u8; COORDINATE_LEN],
    y: [u8; COORDINATE_LEN],
}

impl PublicKey {
    /// Reads the raw uncompressed point `0x04 || x || y` (65 bytes), what WebCrypto's
    /// `exportKey("raw", publicKey)` returns for an ECDSA P-256 key.
    pub fn from_uncompressed_point(point: &[u8]) -> Result<Self, PublicKeyError> {
        if point.len() != UNCOMPRESSED_POINT_LEN {
            return Err(PublicKeyError::PointLength(point.len()));
        }
        match point.split_first() {
            Some((0x04, xy)) => {
                let (x, y) = xy.split_at(COORDINATE_LEN);
                Self::from_coordinates(x, y)
            }
            Some((&tag, _)) => Err(PublicKeyError::NotUncompressed(tag)),
            None => Err(PublicKeyError::PointLength(0)),
        }
    }

    /// Reads the two affine coordinates, 32 big-endian bytes each, leading zeros kept
    /// (RFC 7518 §6.2.1.2 and §6.2.1.3 require the full length).
    pub fn from_coordinates(x: &[u8], y: &[u8]) -> Result<Self, PublicKeyError> {
        let coordinate = |name: &'static str, bytes: &[u8]| {
            <[u8; COORDINATE_LEN]>::try_from(bytes).map_err(|_| PublicKeyError::CoordinateLength {
                coordinate: name,
                len: bytes.len(),
            })
        };
        Ok(PublicKey {
            x: coordinate("x", x)?,
            y: coordinate("y", y)?,
        })
    }

    /// `x`, base64url without padding.
    pub fn x(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.x)
    }

    /// `y`, base64url without padding.
    pub fn y(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.y)
    }

    /// The public JWK with exactly the required members, in lexicographic order and without
    /// whitespace: `{"crv":"P-256","kty":"EC","x":"…","y":"…"}`.
    ///
    /// This is both the input of the thumbprint (RFC 7638 §3.2, §3.3) and the `jwk` of the
    /// proof header; no `kid`, `alg`, `use` or private member (RFC 9449 §4.2: "MUST NOT
    /// contain a private key").
    pub fn jwk_json(&self) -> String {
        // Every value is a fixed name or base64url: nothing to escape.
        format!(
            r#"{{"crv":"P-256","kty":"EC","x":"{}","y":"{}"}}"#,
            self.x(),
            self.y()
        )
    }

    /// The JWK SHA-256 Thumbprint (RFC 7638 §3), the `jkt` of RFC 9449 §6 and the
    /// `dpop_jkt` authorization request parameter of §10.
    pub fn thumbprint(&self) -> Thumbprint {
        Thumbprint(URL_SAFE_NO_PAD.encode(Sha256::digest(self.jwk_json().as_bytes())))
    }
}

impl core::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // A public key is no secret; its thumbprint is the shortest way to tell two apart.
        f.debug_tuple("PublicKey")
            .field(&self.thumbprint().as_str())
            .finish()
    }
}

/// A JWK SHA-256 Thumbprint, base64url without padding (43 characters).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Thumbprint(String);

impl Thumbprint {
    /// The thumbprint as sent (`dpop_jkt`) or found in a token (`cnf.jkt`).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The key of RFC 9449's example proofs, and the thumbprint §6.1 gives for it.
    const RFC9449_X: &str = "l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs";
    const RFC9449_Y: &str = "9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA";
    const RFC9449_JKT: &str = "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I";

    fn rfc9449_key() -> PublicKey {
        let x = URL_SAFE_NO_PAD.decode(RFC9449_X).unwrap();
        let y = URL_SAFE_NO_PAD.decode(RFC9449_Y).unwrap();
        PublicKey::from_coordinates(&x, &y).unwrap()
    }

    #[test]
    fn rfc9449_example_key_has_the_published_thumbprint() {
        let key = rfc9449_key();
        assert_eq!(key.x(), RFC9449_X);
        assert_eq!(key.y(), RFC9449_Y);
        assert_eq!(key.thumbprint().as_str(), RFC9449_JKT);
    }

    #[test]
    fn canonical_json_orders_members_lexicographically() {
        assert_eq!(
            rfc9449_key().jwk_json(),
            format!(r#"{{"crv":"P-256","kty":"EC","x":"{RFC9449_X}","y":"{RFC9449_Y}"}}"#)
        );
    }

    #[test]
    fn the_uncompressed_point_and_the_coordinates_give_the_same_key() {
        let key = rfc9449_key();
        let mut point = vec![0x04];
        point.extend(URL_SAFE_NO_PAD.decode(RFC9449_X).unwrap());
        point.extend(URL_SAFE_NO_PAD.decode(RFC9449_Y).unwrap());
        assert_eq!(PublicKey::from_uncompressed_point(&point).unwrap(), key);
    }

    #[test]
    fn leading_zero_bytes_are_kept() {
        // RFC 7518 §6.2.1.2: a coordinate with a leading zero byte still encodes 32 bytes.
        let mut x = [0u8; 32];
        x[31] = 1;
        let key = PublicKey::from_coordinates(&x, &[0xff; 32]).unwrap();
        assert_eq!(key.x(), "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAE");
        assert_eq!(key.x().len(), 43);
    }

    #[test]
    fn wrong_sizes_and_tags_are_refused() {
        assert_eq!(
            PublicKey::from_uncompressed_point(&[0x04; 64]),
            Err(PublicKeyError::PointLength(64))
        );
        assert_eq!(
            PublicKey::from_uncompressed_point(&[]),
            Err(PublicKeyError::PointLength(0))
        );
        let mut compressed_tag = [0u8; 65];
        compressed_tag[0] = 0x02;
        assert_eq!(
            PublicKey::from_uncompressed_point(&compressed_tag),
            Err(PublicKeyError::NotUncompressed(0x02))
        );
        assert_eq!(
            PublicKey::from_coordinates(&[0; 31], &[0; 32]),
            Err(PublicKeyError::CoordinateLength {
                coordinate: "x",
                len: 31
            })
        );
        assert_eq!(
            PublicKey::from_coordinates(&[0; 32], &[0; 33]),
            Err(PublicKeyError::CoordinateLength {
                coordinate: "y",
                len: 33
            })
        );
    }
}
