//! JWS signature verification with the browser's WebCrypto (`crypto.subtle`), as the
//! protocol core's [`JwsVerifier`]. No cryptography is implemented here: the key is imported
//! from its public JWK and `verify` is WebCrypto's.
//!
//! | JWS | WebCrypto import | verify parameters |
//! |---|---|---|
//! | RS256/384/512 | `RSASSA-PKCS1-v1_5`, `hash` | — |
//! | PS256/384/512 | `RSA-PSS`, `hash` | `saltLength` = hash length (RFC 7518 §3.5) |
//! | ES256/384 | `ECDSA`, `namedCurve` | `hash` (the JWS `r‖s` form is WebCrypto's) |
//! | EdDSA | `Ed25519` (where the browser has it) | — |

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use latchkey_proto::oidc::{Jwk, JwsAlg, JwsVerifier, VerifyError};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// The smallest RSA modulus accepted, in bytes (2048 bits, RFC 7518 §3.3 "a key of size
/// 2048 bits or larger MUST be used"); WebCrypto itself would accept smaller keys.
const MIN_RSA_MODULUS_BYTES: usize = 256;

/// [`JwsVerifier`] over `crypto.subtle`.
#[derive(Debug, Clone, Copy, Default)]
pub struct WebCryptoVerifier;

/// What WebCrypto needs for one JWS algorithm.
struct Params {
    name: &'static str,
    hash: Option<&'static str>,
    curve: Option<&'static str>,
    salt_length: Option<u32>,
}

fn params(alg: JwsAlg) -> Result<Params, VerifyError> {
    let p = |name, hash, curve, salt_length| Params {
        name,
        hash,
        curve,
        salt_length,
    };
    Ok(match alg {
        JwsAlg::RS256 => p("RSASSA-PKCS1-v1_5", Some("SHA-256"), None, None),
        JwsAlg::RS384 => p("RSASSA-PKCS1-v1_5", Some("SHA-384"), None, None),
        JwsAlg::RS512 => p("RSASSA-PKCS1-v1_5", Some("SHA-512"), None, None),
        JwsAlg::PS256 => p("RSA-PSS", Some("SHA-256"), None, Some(32)),
        JwsAlg::PS384 => p("RSA-PSS", Some("SHA-384"), None, Some(48)),
        JwsAlg::PS512 => p("RSA-PSS", Some("SHA-512"), None, Some(64)),
        JwsAlg::ES256 => p("ECDSA", Some("SHA-256"), Some("P-256"), None),
        JwsAlg::ES384 => p("ECDSA", Some("SHA-384"), Some("P-384"), None),
        JwsAlg::EdDSA => p("Ed25519", None, None, None),
        other => return Err(VerifyError::UnsupportedAlg(other)),
    })
}

fn backend(what: &str, e: &JsValue) -> VerifyError {
    VerifyError::Backend(crate::browser::BrowserError::from_js(what, e).0)
}

fn object(pairs: &[(&str, JsValue)]) -> Result<js_sys::Object, VerifyError> {
    let o = js_sys::Object::new();
    for (k, v) in pairs {
        js_sys::Reflect::set(&o, &JsValue::from_str(k), v)
            .map_err(|e| backend("building parameters", &e))?;
    }
    Ok(o)
}

fn check_rsa_size(key: &Jwk) -> Result<(), VerifyError> {
    let n = key
        .n
        .as_deref()
        .ok_or(VerifyError::InvalidKey("RSA key without n"))?;
    let bytes = URL_SAFE_NO_PAD
        .decode(n)
        .map_err(|_| VerifyError::InvalidKey("RSA modulus is not base64url"))?;
    let significant = bytes.iter().skip_while(|b| **b == 0).count();
    if significant < MIN_RSA_MODULUS_BYTES {
        return Err(VerifyError::InvalidKey("RSA key shorter than 2048 bits"));
    }
    Ok(())
}

impl JwsVerifier for WebCryptoVerifier {
    async fn verify(
        &self,
        alg: JwsAlg,
        key: &Jwk,
        signing_input: &[u8],
        signature: &[u8],
    ) -> Result<(), VerifyError> {
        let p = params(alg)?;
        if key.kty == "RSA" {
            check_rsa_size(key)?;
        }
        let subtle = web_sys::window()
            .ok_or_else(|| VerifyError::Backend("no window".into()))?
            .crypto()
            .map_err(|e| backend("crypto", &e))?
            .subtle();
        let jwk_text = key.to_public_json(alg).to_string();
        let jwk: js_sys::Object = js_sys::JSON::parse(&jwk_text)
            .map_err(|e| backend("JWK", &e))?
            .dyn_into()
            .map_err(|_| VerifyError::InvalidKey("JWK is not an object"))?;

        let mut import = vec![("name", JsValue::from_str(p.name))];
        if let Some(curve) = p.curve {
            import.push(("namedCurve", JsValue::from_str(curve)));
        } else if let Some(hash) = p.hash {
            import.push(("hash", JsValue::from_str(hash)));
        }
        let import = object(&import)?;
        let usages = js_sys::Array::of1(&JsValue::from_str("verify"));
        let promise = subtle
            .import_key_with_object("jwk", &jwk, &import, false, &usages)
            .map_err(|e| backend("importKey", &e))?;
        let crypto_key: web_sys::CryptoKey = JsFuture::from(promise)
            .await
            // A browser without Ed25519 (or a malformed key) rejects here.
            .map_err(|e| match alg {
                JwsAlg::EdDSA => VerifyError::UnsupportedAlg(alg),
                _ => backend("importKey", &e),
            })?
            .dyn_into()
            .map_err(|_| VerifyError::Backend("importKey did not give a CryptoKey".into()))?;

        let mut verify = vec![("name", JsValue::from_str(p.name))];
        if let Some(salt) = p.salt_length {
            verify.push(("saltLength", JsValue::from(salt)));
        }
        if p.curve.is_some() {
            if let Some(hash) = p.hash {
                verify.push(("hash", JsValue::from_str(hash)));
            }
        }
        let verify = object(&verify)?;
        let promise = subtle
            .verify_with_object_and_u8_array_and_u8_array(
                &verify,
                &crypto_key,
                signature,
                signing_input,
            )
            .map_err(|e| backend("verify", &e))?;
        let ok = JsFuture::from(promise)
            .await
            .map_err(|e| backend("verify", &e))?
            .as_bool()
            .unwrap_or(false);
        if ok {
            Ok(())
        } else {
            Err(VerifyError::BadSignature)
        }
    }
}
