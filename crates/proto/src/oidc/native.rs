//! A native [`JwsVerifier`] over RustCrypto (`native-verify` feature): `rsa` for RS256/384/512
//! and PS256/384/512 (RFC 7518 §3.3, §3.5), `p256` for ES256 (§3.4), `ed25519-dalek` for
//! EdDSA/Ed25519 (RFC 8037 §3.1). ES384 is not implemented natively (no P-384 dependency);
//! it reports [`VerifyError::UnsupportedAlg`].
//!
//! Its future is always ready, so a synchronous caller may use [`NativeVerifier::verify_now`].

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use rsa::signature::Verifier as _;
use sha2::{Sha256, Sha384, Sha512};

use super::{Jwk, JwsAlg, JwsVerifier, VerifyError};

/// RFC 7518 §3.3: "A key of size 2048 bits or larger MUST be used".
const MIN_RSA_BITS: usize = 2048;

/// Verifies JWS signatures with RustCrypto.
#[derive(Debug, Clone, Copy, Default)]
pub struct NativeVerifier;

fn member(value: &Option<String>, name: &'static str) -> Result<Vec<u8>, VerifyError> {
    let v = value.as_deref().ok_or(VerifyError::InvalidKey(name))?;
    URL_SAFE_NO_PAD
        .decode(v)
        .map_err(|_| VerifyError::InvalidKey(name))
}

fn rsa_key(key: &Jwk) -> Result<rsa::RsaPublicKey, VerifyError> {
    let n = rsa::BigUint::from_bytes_be(&member(&key.n, "n")?);
    let e = rsa::BigUint::from_bytes_be(&member(&key.e, "e")?);
    if n.bits() < MIN_RSA_BITS {
        return Err(VerifyError::InvalidKey(
            "RSA modulus shorter than 2048 bits",
        ));
    }
    rsa::RsaPublicKey::new(n, e).map_err(|_| VerifyError::InvalidKey("RSA key"))
}

fn bad<E>(_: E) -> VerifyError {
    VerifyError::BadSignature
}

impl NativeVerifier {
    /// The synchronous check behind [`JwsVerifier::verify`].
    pub fn verify_now(
        &self,
        alg: JwsAlg,
        key: &Jwk,
        signing_input: &[u8],
        signature: &[u8],
    ) -> Result<(), VerifyError> {
        if !key.fits(alg) {
            return Err(VerifyError::InvalidKey("key does not fit the algorithm"));
        }
        match alg {
            JwsAlg::RS256 | JwsAlg::RS384 | JwsAlg::RS512 => {
                let pk = rsa_key(key)?;
                let sig = rsa::pkcs1v15::Signature::try_from(signature).map_err(bad)?;
                match alg {
                    JwsAlg::RS256 => {
                        rsa::pkcs1v15::VerifyingKey::<Sha256>::new(pk).verify(signing_input, &sig)
                    }
                    JwsAlg::RS384 => {
                        rsa::pkcs1v15::VerifyingKey::<Sha384>::new(pk).verify(signing_input, &sig)
                    }
                    _ => rsa::pkcs1v15::VerifyingKey::<Sha512>::new(pk).verify(signing_input, &sig),
                }
                .map_err(bad)
            }
            JwsAlg::PS256 | JwsAlg::PS384 | JwsAlg::PS512 => {
                let pk = rsa_key(key)?;
                let sig = rsa::pss::Signature::try_from(signature).map_err(bad)?;
                match alg {
                    JwsAlg::PS256 => {
                        rsa::pss::VerifyingKey::<Sha256>::new(pk).verify(signing_input, &sig)
                    }
                    JwsAlg::PS384 => {
                        rsa::pss::VerifyingKey::<Sha384>::new(pk).verify(signing_input, &sig)
                    }
                    _ => rsa::pss::VerifyingKey::<Sha512>::new(pk).verify(signing_input, &sig),
                }
                .map_err(bad)
            }
            JwsAlg::ES256 => {
                let coordinate =
                    |v: &Option<String>, name| -> Result<p256::FieldBytes, VerifyError> {
                        let bytes: [u8; 32] = member(v, name)?.try_into().map_err(|_| {
                            VerifyError::InvalidKey("P-256 coordinates must be 32 bytes")
                        })?;
                        Ok(p256::FieldBytes::from(bytes))
                    };
                let point = p256::EncodedPoint::from_affine_coordinates(
                    &coordinate(&key.x, "x")?,
                    &coordinate(&key.y, "y")?,
                    false,
                );
                let vk = p256::ecdsa::VerifyingKey::from_encoded_point(&point)
                    .map_err(|_| VerifyError::InvalidKey("P-256 point not on the curve"))?;
                // JWS carries ECDSA signatures as raw r‖s (RFC 7518 §3.4), not DER.
                let sig = p256::ecdsa::Signature::from_slice(signature).map_err(bad)?;
                vk.verify(signing_input, &sig).map_err(bad)
            }
            JwsAlg::EdDSA => {
                let x: [u8; 32] = member(&key.x, "x")?
                    .try_into()
                    .map_err(|_| VerifyError::InvalidKey("Ed25519 key must be 32 bytes"))?;
                let vk = ed25519_dalek::VerifyingKey::from_bytes(&x)
                    .map_err(|_| VerifyError::InvalidKey("Ed25519 key"))?;
                let sig = ed25519_dalek::Signature::from_slice(signature).map_err(bad)?;
                vk.verify_strict(signing_input, &sig).map_err(bad)
            }
            other => Err(VerifyError::UnsupportedAlg(other)),
        }
    }
}

impl JwsVerifier for NativeVerifier {
    fn verify(
        &self,
        alg: JwsAlg,
        key: &Jwk,
        signing_input: &[u8],
        signature: &[u8],
    ) -> impl core::future::Future<Output = Result<(), VerifyError>> {
        core::future::ready(self.verify_now(alg, key, signing_input, signature))
    }
}
