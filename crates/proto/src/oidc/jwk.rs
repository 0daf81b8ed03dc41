//! JSON Web Keys ([RFC 7517](https://www.rfc-editor.org/rfc/rfc7517)) and choosing the key
//! that verifies a token (OIDC Core §10.1.1).
//!
//! A [`Jwk`] exposes the public members as base64url strings (`n`, `e` for RSA; `crv`, `x`,
//! `y` for EC and OKP) so the browser can hand them to `crypto.subtle.importKey("jwk", …)`;
//! [`Jwk::to_public_json`] gives exactly that object.

use serde_json::{Map, Value};

use super::jws::JwsAlg;

/// One public key (RFC 7517 §4, RFC 7518 §6, RFC 8037 §2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Jwk {
    /// `kty`: `RSA`, `EC` or `OKP`.
    pub kty: String,
    /// `kid`.
    pub kid: Option<String>,
    /// `use` (`sig` or `enc`).
    pub use_: Option<String>,
    /// `alg`, when the key is pinned to one algorithm.
    pub alg: Option<String>,
    /// `key_ops`.
    pub key_ops: Option<Vec<String>>,
    /// RSA modulus (base64url).
    pub n: Option<String>,
    /// RSA exponent (base64url).
    pub e: Option<String>,
    /// Curve: `P-256`, `P-384`, `Ed25519`.
    pub crv: Option<String>,
    /// EC / OKP x coordinate or public key (base64url).
    pub x: Option<String>,
    /// EC y coordinate (base64url).
    pub y: Option<String>,
}

/// Why a key set could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JwkError {
    /// The document is not a JSON object with a `keys` array (RFC 7517 §5).
    #[error("jwks: not a JSON object with a \"keys\" array")]
    NotAKeySet {
        /// The body, truncated.
        body: String,
    },
    /// The server answered with a non-success status.
    #[error("jwks: HTTP {status}")]
    HttpStatus {
        /// The status.
        status: u16,
        /// The body, truncated.
        body: String,
    },
}

impl Jwk {
    /// Reads one key; `None` when a member Latchkey needs has the wrong type (such a key is
    /// skipped rather than failing the whole set, RFC 7517 §5).
    pub fn from_json(v: &Value) -> Option<Self> {
        let m = v.as_object()?;
        let s = |k: &str| -> Option<Option<String>> {
            match m.get(k) {
                None | Some(Value::Null) => Some(None),
                Some(Value::String(s)) => Some(Some(s.clone())),
                Some(_) => None,
            }
        };
        let key_ops = match m.get("key_ops") {
            None | Some(Value::Null) => None,
            Some(Value::Array(a)) => Some(
                a.iter()
                    .map(|x| x.as_str().map(str::to_owned))
                    .collect::<Option<Vec<_>>>()?,
            ),
            Some(_) => return None,
        };
        Some(Jwk {
            kty: s("kty")??,
            kid: s("kid")?,
            use_: s("use")?,
            alg: s("alg")?,
            key_ops,
            n: s("n")?,
            e: s("e")?,
            crv: s("crv")?,
            x: s("x")?,
            y: s("y")?,
        })
    }

    /// The public key as a JWK object for WebCrypto's `importKey("jwk", …)`: only public
    /// members, plus `alg` set to the algorithm the key is imported for.
    pub fn to_public_json(&self, alg: JwsAlg) -> Value {
        let mut m = Map::new();
        m.insert("kty".into(), Value::String(self.kty.clone()));
        for (name, value) in [
            ("n", &self.n),
            ("e", &self.e),
            ("crv", &self.crv),
            ("x", &self.x),
            ("y", &self.y),
        ] {
            if let Some(v) = value {
                m.insert(name.into(), Value::String(v.clone()));
            }
        }
        m.insert("alg".into(), Value::String(alg.as_str().to_owned()));
        m.insert("ext".into(), Value::Bool(true));
        Value::Object(m)
    }

    /// Whether this key may verify a signature made with `alg` (type, curve, `use`, `alg`,
    /// `key_ops` all agree).
    pub fn fits(&self, alg: JwsAlg) -> bool {
        self.kty == alg.key_type()
            && alg.curve().is_none_or(|c| self.crv.as_deref() == Some(c))
            && self.use_.as_deref().is_none_or(|u| u == "sig")
            && self.alg.as_deref().is_none_or(|a| a == alg.as_str())
            && self
                .key_ops
                .as_ref()
                .is_none_or(|ops| ops.iter().any(|o| o == "verify"))
    }
}

/// A JWK Set (RFC 7517 §5).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JwkSet {
    /// The usable keys, in document order.
    pub keys: Vec<Jwk>,
}

impl JwkSet {
    /// Parses a JWKS document; keys of unknown shape are skipped.
    pub fn parse(body: &[u8]) -> Result<Self, JwkError> {
        let not_a_set = || JwkError::NotAKeySet {
            body: crate::form::truncate_body(body),
        };
        let doc: Value = serde_json::from_slice(body).map_err(|_| not_a_set())?;
        let keys = doc
            .get("keys")
            .and_then(Value::as_array)
            .ok_or_else(not_a_set)?;
        Ok(JwkSet {
            keys: keys.iter().filter_map(Jwk::from_json).collect(),
        })
    }

    /// Parses a JWKS response.
    pub fn parse_response(response: &http::Response<Vec<u8>>) -> Result<Self, JwkError> {
        if !response.status().is_success() {
            return Err(JwkError::HttpStatus {
                status: response.status().as_u16(),
                body: crate::form::truncate_body(response.body()),
            });
        }
        Self::parse(response.body())
    }

    /// The keys that may verify a token with this header: those fitting `alg` and, when the
    /// header names a `kid`, carrying that `kid`. With no `kid`, every fitting key is a
    /// candidate (all belong to the issuer); the caller tries them in order.
    pub fn candidates(&self, alg: JwsAlg, kid: Option<&str>) -> Vec<&Jwk> {
        self.keys
            .iter()
            .filter(|k| k.fits(alg))
            .filter(|k| kid.is_none_or(|kid| k.kid.as_deref() == Some(kid)))
            .collect()
    }

    /// Whether a key with this `kid` is present at all (if not, the provider probably rotated
    /// keys and the JWKS should be fetched again).
    pub fn has_kid(&self, kid: &str) -> bool {
        self.keys.iter().any(|k| k.kid.as_deref() == Some(kid))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SET: &str = r#"{"keys":[
        {"kty":"RSA","kid":"r1","use":"sig","n":"AQAB","e":"AQAB"},
        {"kty":"RSA","kid":"r2","use":"enc","n":"AQAB","e":"AQAB"},
        {"kty":"RSA","kid":"r3","alg":"RS512","n":"AQAB","e":"AQAB"},
        {"kty":"EC","kid":"e1","crv":"P-256","x":"xx","y":"yy"},
        {"kty":"EC","kid":"e2","crv":"P-384","x":"xx","y":"yy"},
        {"kty":"OKP","kid":"o1","crv":"Ed25519","x":"xx","key_ops":["verify"]},
        {"kty":"oct","k":"c2VjcmV0"},
        {"kty":"RSA","kid":7},
        "junk"
    ]}"#;

    #[test]
    fn skips_unreadable_keys() {
        let set = JwkSet::parse(SET.as_bytes()).unwrap();
        assert_eq!(set.keys.len(), 7);
    }

    #[test]
    fn selects_by_kid_alg_kty_and_use() {
        let set = JwkSet::parse(SET.as_bytes()).unwrap();
        let kids = |alg, kid| {
            set.candidates(alg, kid)
                .iter()
                .map(|k| k.kid.clone().unwrap_or_default())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            kids(JwsAlg::RS256, None),
            ["r1"],
            "enc key and RS512-pinned key are out"
        );
        assert_eq!(kids(JwsAlg::RS512, None), ["r1", "r3"]);
        assert_eq!(kids(JwsAlg::RS256, Some("r3")), Vec::<String>::new());
        assert_eq!(kids(JwsAlg::ES256, None), ["e1"]);
        assert_eq!(kids(JwsAlg::ES384, Some("e2")), ["e2"]);
        assert_eq!(kids(JwsAlg::EdDSA, Some("o1")), ["o1"]);
        assert_eq!(kids(JwsAlg::PS256, Some("e1")), Vec::<String>::new());
        assert!(set.has_kid("o1") && !set.has_kid("zz"));
    }

    #[test]
    fn jwks_http_errors_are_reported() {
        let resp = http::Response::builder()
            .status(503)
            .body(b"busy".to_vec())
            .unwrap();
        assert_eq!(
            JwkSet::parse_response(&resp),
            Err(JwkError::HttpStatus {
                status: 503,
                body: "busy".into()
            })
        );
    }

    #[test]
    fn refuses_a_non_set() {
        assert!(matches!(
            JwkSet::parse(b"{}"),
            Err(JwkError::NotAKeySet { .. })
        ));
        assert!(matches!(
            JwkSet::parse(b"[]"),
            Err(JwkError::NotAKeySet { .. })
        ));
    }

    #[test]
    fn public_json_has_only_public_members() {
        let v: Value = serde_json::from_str(
            r#"{"kty":"EC","crv":"P-256","x":"X","y":"Y","d":"SECRET","kid":"k"}"#,
        )
        .unwrap();
        let jwk = Jwk::from_json(&v).unwrap();
        let out = jwk.to_public_json(JwsAlg::ES256);
        assert_eq!(
            out,
            serde_json::json!({"kty":"EC","crv":"P-256","x":"X","y":"Y","alg":"ES256","ext":true})
        );
    }
}
