//! JWS compact serialization ([RFC 7515 §3.1, §7.1](https://www.rfc-editor.org/rfc/rfc7515#section-7.1))
//! and the signature algorithms Latchkey accepts (RFC 7518 §3, RFC 8037 §3.1).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::{Map, Value};

/// An asymmetric JWS algorithm (RFC 7518 §3.1, RFC 8037 §3.1).
///
/// `none` and the HMAC algorithms (`HS256`…) are deliberately absent: an ID token signed with
/// the client's own secret (or not at all) proves nothing to a public client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum JwsAlg {
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    RS256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    RS384,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    RS512,
    /// RSASSA-PSS with SHA-256 and MGF1 with SHA-256.
    PS256,
    /// RSASSA-PSS with SHA-384.
    PS384,
    /// RSASSA-PSS with SHA-512.
    PS512,
    /// ECDSA P-256 with SHA-256.
    ES256,
    /// ECDSA P-384 with SHA-384.
    ES384,
    /// EdDSA (Ed25519).
    EdDSA,
}

/// What kind of hash an algorithm uses, which also picks the `at_hash` hash (OIDC Core
/// §3.1.3.6; EdDSA with Ed25519 uses SHA-512).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HashKind {
    Sha256,
    Sha384,
    Sha512,
}

impl JwsAlg {
    const NAMES: &'static [(&'static str, JwsAlg)] = &[
        ("RS256", JwsAlg::RS256),
        ("RS384", JwsAlg::RS384),
        ("RS512", JwsAlg::RS512),
        ("PS256", JwsAlg::PS256),
        ("PS384", JwsAlg::PS384),
        ("PS512", JwsAlg::PS512),
        ("ES256", JwsAlg::ES256),
        ("ES384", JwsAlg::ES384),
        ("EdDSA", JwsAlg::EdDSA),
    ];

    /// Reads an `alg` value (case-sensitive, RFC 7515 §4.1.1).
    pub fn parse(name: &str) -> Result<Self, JwsError> {
        if let Some((_, alg)) = Self::NAMES.iter().find(|(n, _)| *n == name) {
            return Ok(*alg);
        }
        Err(match name {
            "none" => JwsError::AlgNone,
            n if n.starts_with("HS") => JwsError::SymmetricAlg(n.to_owned()),
            n => JwsError::UnsupportedAlg(n.to_owned()),
        })
    }

    /// The algorithms among `names` that Latchkey accepts, e.g. to turn a provider's
    /// `id_token_signing_alg_values_supported` into an [`AlgPolicy::OneOf`](super::AlgPolicy)
    /// list (`none`, HMAC and unknown names are dropped: Django OAuth Toolkit lists `HS256`).
    pub fn accepted(names: &[String]) -> Vec<JwsAlg> {
        names.iter().filter_map(|n| JwsAlg::parse(n).ok()).collect()
    }

    /// The registered name.
    pub fn as_str(self) -> &'static str {
        Self::NAMES
            .iter()
            .find(|(_, a)| *a == self)
            .map_or("", |(n, _)| n)
    }

    /// The JWK `kty` a key for this algorithm has.
    pub fn key_type(self) -> &'static str {
        match self {
            JwsAlg::RS256
            | JwsAlg::RS384
            | JwsAlg::RS512
            | JwsAlg::PS256
            | JwsAlg::PS384
            | JwsAlg::PS512 => "RSA",
            JwsAlg::ES256 | JwsAlg::ES384 => "EC",
            JwsAlg::EdDSA => "OKP",
        }
    }

    /// The JWK `crv` a key for this algorithm has (EC and OKP only).
    pub fn curve(self) -> Option<&'static str> {
        match self {
            JwsAlg::ES256 => Some("P-256"),
            JwsAlg::ES384 => Some("P-384"),
            JwsAlg::EdDSA => Some("Ed25519"),
            _ => None,
        }
    }

    pub(crate) fn hash(self) -> HashKind {
        match self {
            JwsAlg::RS256 | JwsAlg::PS256 | JwsAlg::ES256 => HashKind::Sha256,
            JwsAlg::RS384 | JwsAlg::PS384 | JwsAlg::ES384 => HashKind::Sha384,
            JwsAlg::RS512 | JwsAlg::PS512 | JwsAlg::EdDSA => HashKind::Sha512,
        }
    }
}

impl core::fmt::Display for JwsAlg {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a compact JWS could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JwsError {
    /// Not three dot-separated parts (a JWE has five and is not supported).
    #[error("jws: expected 3 dot-separated parts, found {0}")]
    Parts(usize),
    /// A part is not unpadded base64url.
    #[error("jws: the {0} is not base64url")]
    Base64(&'static str),
    /// The header or payload is not a JSON object.
    #[error("jws: the {0} is not a JSON object")]
    Json(&'static str),
    /// The header has no string `alg`.
    #[error("jws: header \"alg\" is missing or not a string")]
    MissingAlg,
    /// `alg: none`: an unsigned token.
    #[error("jws: alg \"none\" (unsigned) is refused")]
    AlgNone,
    /// An HMAC algorithm.
    #[error("jws: symmetric alg {0:?} is refused")]
    SymmetricAlg(String),
    /// An algorithm Latchkey does not implement.
    #[error("jws: unsupported alg {0:?}")]
    UnsupportedAlg(String),
    /// The header lists critical extensions (RFC 7515 §4.1.11), none of which Latchkey
    /// understands.
    #[error("jws: critical header extensions are not supported")]
    Critical,
    /// The header field `kid` is not a string.
    #[error("jws: header \"kid\" is not a string")]
    Kid,
}

/// The protected header fields Latchkey reads (RFC 7515 §4.1).
#[derive(Debug, Clone, PartialEq)]
pub struct JwsHeader {
    /// `alg`.
    pub alg: JwsAlg,
    /// `kid`, the key id.
    pub kid: Option<String>,
    /// `typ`.
    pub typ: Option<String>,
    /// The whole header.
    pub all: Map<String, Value>,
}

/// A parsed compact JWS whose signature has **not** been checked.
#[derive(Debug, Clone)]
pub struct CompactJws<'a> {
    header: JwsHeader,
    signing_input: &'a str,
    payload: Vec<u8>,
    signature: Vec<u8>,
}

fn b64(part: &str, what: &'static str) -> Result<Vec<u8>, JwsError> {
    URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| JwsError::Base64(what))
}

fn json_object(bytes: &[u8], what: &'static str) -> Result<Map<String, Value>, JwsError> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(JwsError::Json(what)),
    }
}

impl<'a> CompactJws<'a> {
    /// Splits and decodes `header.payload.signature` (RFC 7515 §7.1).
    pub fn parse(compact: &'a str) -> Result<Self, JwsError> {
        let parts: Vec<&str> = compact.split('.').collect();
        let [h, p, s] = parts[..] else {
            return Err(JwsError::Parts(parts.len()));
        };
        let all = json_object(&b64(h, "header")?, "header")?;
        let alg = match all.get("alg") {
            Some(Value::String(a)) => JwsAlg::parse(a)?,
            _ => return Err(JwsError::MissingAlg),
        };
        if all.contains_key("crit") {
            return Err(JwsError::Critical);
        }
        let kid = match all.get("kid") {
            None => None,
            Some(Value::String(k)) => Some(k.clone()),
            Some(_) => return Err(JwsError::Kid),
        };
        let typ = all.get("typ").and_then(Value::as_str).map(str::to_owned);
        let payload = b64(p, "payload")?;
        let signature = b64(s, "signature")?;
        let signing_input = &compact[..h.len() + 1 + p.len()];
        Ok(Self {
            header: JwsHeader { alg, kid, typ, all },
            signing_input,
            payload,
            signature,
        })
    }

    /// The protected header.
    pub fn header(&self) -> &JwsHeader {
        &self.header
    }

    /// The protected header, by value (no copy of its map).
    pub(crate) fn into_header(self) -> JwsHeader {
        self.header
    }

    /// `ASCII(BASE64URL(header) || '.' || BASE64URL(payload))`, what the signature covers.
    pub fn signing_input(&self) -> &[u8] {
        self.signing_input.as_bytes()
    }

    /// The decoded payload (unverified).
    pub fn payload(&self) -> &[u8] {
        &self.payload
    }

    /// The payload as a JSON object (unverified).
    pub fn payload_json(&self) -> Result<Map<String, Value>, JwsError> {
        json_object(&self.payload, "payload")
    }

    /// The decoded signature.
    pub fn signature(&self) -> &[u8] {
        &self.signature
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(s: &str) -> String {
        URL_SAFE_NO_PAD.encode(s)
    }

    #[test]
    fn parses_the_rfc7515_a3_token() {
        let t = "eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";
        let jws = CompactJws::parse(t).unwrap();
        assert_eq!(jws.header().alg, JwsAlg::ES256);
        assert_eq!(jws.signature().len(), 64);
        assert_eq!(jws.payload_json().unwrap()["iss"], "joe");
        assert!(t.starts_with(core::str::from_utf8(jws.signing_input()).unwrap()));
        assert_eq!(jws.signing_input().len(), t.rfind('.').unwrap());
    }

    #[test]
    fn refuses_none_and_hmac() {
        let none = format!("{}.{}.", enc(r#"{"alg":"none"}"#), enc("{}"));
        assert_eq!(CompactJws::parse(&none).unwrap_err(), JwsError::AlgNone);
        let hs = format!("{}.{}.AAAA", enc(r#"{"alg":"HS256"}"#), enc("{}"));
        assert_eq!(
            CompactJws::parse(&hs).unwrap_err(),
            JwsError::SymmetricAlg("HS256".into())
        );
        let weird = format!("{}.{}.AAAA", enc(r#"{"alg":"rs256"}"#), enc("{}"));
        assert_eq!(
            CompactJws::parse(&weird).unwrap_err(),
            JwsError::UnsupportedAlg("rs256".into())
        );
    }

    #[test]
    fn refuses_malformed_tokens() {
        assert_eq!(CompactJws::parse("a.b").unwrap_err(), JwsError::Parts(2));
        assert_eq!(
            CompactJws::parse("a.b.c.d.e").unwrap_err(),
            JwsError::Parts(5)
        );
        assert_eq!(
            CompactJws::parse("!!.b.c").unwrap_err(),
            JwsError::Base64("header")
        );
        assert_eq!(
            CompactJws::parse(&format!("{}.e30.AA", enc("[1]"))).unwrap_err(),
            JwsError::Json("header")
        );
        assert_eq!(
            CompactJws::parse(&format!("{}.e30.AA", enc(r#"{"typ":"JWT"}"#))).unwrap_err(),
            JwsError::MissingAlg
        );
        assert_eq!(
            CompactJws::parse(&format!(
                "{}.e30.AA",
                enc(r#"{"alg":"RS256","crit":["exp"]}"#)
            ))
            .unwrap_err(),
            JwsError::Critical
        );
        assert_eq!(
            CompactJws::parse(&format!("{}.e30=.AA", enc(r#"{"alg":"RS256"}"#))).unwrap_err(),
            JwsError::Base64("payload")
        );
        assert_eq!(
            CompactJws::parse(&format!("{}.e30.AA", enc(r#"{"alg":"RS256","kid":1}"#)))
                .unwrap_err(),
            JwsError::Kid
        );
    }

    #[test]
    fn accepted_drops_none_hmac_and_unknown() {
        let names: Vec<String> = ["RS256", "HS256", "none", "ES256", "XX1"]
            .map(String::from)
            .into();
        assert_eq!(JwsAlg::accepted(&names), [JwsAlg::RS256, JwsAlg::ES256]);
    }

    #[test]
    fn alg_names_round_trip() {
        for name in [
            "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA",
        ] {
            assert_eq!(JwsAlg::parse(name).unwrap().as_str(), name);
        }
    }
}
