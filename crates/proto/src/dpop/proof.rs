//! Building a DPoP proof JWT (RFC 9449 §4.2) in two steps around the signature, which the
//! browser makes with a non-extractable WebCrypto key:
//!
//! 1. [`build_signing_input`] gives `BASE64URL(header) || "." || BASE64URL(claims)`;
//! 2. the caller signs those bytes with ECDSA P-256 / SHA-256 (`crypto.subtle.sign({name:
//!    "ECDSA", hash: "SHA-256"}, privateKey, bytes)`, which returns the raw 64-byte `r || s`);
//! 3. [`SigningInput::into_proof`] appends the signature and gives the `DPoP` header value.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::key::PublicKey;
use super::nonce::DpopNonce;
use crate::secret::AccessToken;
use crate::uri::{Uri, UriError};

/// The request header that carries the proof (RFC 9449 §4.1), in the lower case the `http`
/// crate uses for names.
pub const DPOP: &str = "dpop";

/// [`DPOP`] as a header name, made at compile time (see
/// [`DPOP_NONCE_HEADER`](super::DPOP_NONCE_HEADER) for why a constant).
pub const DPOP_HEADER: http::HeaderName = http::HeaderName::from_static(DPOP);

/// The fewest random bytes a `jti` is made from: 96 bits (RFC 9449 §4.2, §11.1).
pub const MIN_JTI_RANDOM_BYTES: usize = 12;

/// The length of an ES256 signature: `r || s`, 32 bytes each (RFC 7518 §3.4).
pub const ES256_SIGNATURE_LEN: usize = 64;

/// What a proof says (RFC 9449 §4.2). Time and randomness come from the caller.
#[derive(Debug, Clone, Copy)]
pub struct ProofParams<'a> {
    /// The public key, placed in the header's `jwk`.
    pub key: &'a PublicKey,
    /// The request's method (`htm`).
    pub method: &'a http::Method,
    /// The request's URL; its query and fragment are left out of `htu` (see [`htu`]).
    pub target_uri: &'a str,
    /// The time of signing in seconds since the Unix epoch (`iat`), from the caller's clock.
    pub iat: u64,
    /// Fresh random bytes for `jti` (at least [`MIN_JTI_RANDOM_BYTES`]), base64url-encoded
    /// into the claim; never reuse them for another proof.
    pub jti_random: &'a [u8],
    /// The latest nonce this server gave (`nonce`, RFC 9449 §8, §9), if any.
    pub nonce: Option<&'a DpopNonce>,
    /// The access token the request carries (`ath`, RFC 9449 §7); `None` at the token
    /// endpoint.
    pub access_token: Option<&'a AccessToken>,
}

/// Why a proof could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProofError {
    /// Fewer random bytes than [`MIN_JTI_RANDOM_BYTES`] for `jti`.
    #[error(
        "DPoP proof: jti needs at least {MIN_JTI_RANDOM_BYTES} random bytes (96 bits, RFC 9449 \
         §4.2), got {0}"
    )]
    JtiTooShort(usize),
    /// The target URI is not an absolute `http` or `https` URL.
    #[error("DPoP proof: htu is not an absolute http(s) URL")]
    HtuNotHttp,
    /// The target URI breaks the RFC 3986 grammar.
    #[error("DPoP proof: htu {0}")]
    Htu(UriError),
}

/// Why a signature could not complete a proof.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignatureError {
    /// Not the 64 bytes of a raw `r || s`.
    #[error(
        "DPoP proof: an ES256 signature is {ES256_SIGNATURE_LEN} bytes (r || s, RFC 7518 §3.4), \
         got {0}; a DER-encoded signature must be converted first"
    )]
    Length(usize),
}

/// `htu` for a request URL (RFC 9449 §4.2: "without query and fragment parts").
///
/// Also applies the normalisations of RFC 3986 §6.2.2.1 and §6.2.3 that the server applies
/// before comparing (RFC 9449 §4.3, check 9): scheme and host in lower case, the scheme's
/// default port dropped, an empty path written `/`. The path is kept as written (no
/// percent-encoding or dot-segment changes): it is what the request sends.
pub fn htu(target_uri: &str) -> Result<String, ProofError> {
    let uri = Uri::parse(target_uri).map_err(|e| match e {
        UriError::MissingScheme | UriError::InvalidScheme | UriError::MissingAuthority => {
            ProofError::HtuNotHttp
        }
        other => ProofError::Htu(other),
    })?;
    let scheme = uri.scheme().to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return Err(ProofError::HtuNotHttp);
    }
    let host = uri.host().to_ascii_lowercase();
    let port = match uri.port() {
        Some(p) if Some(p) != uri.default_port() => format!(":{p}"),
        _ => String::new(),
    };
    let path = if uri.path().is_empty() {
        "/"
    } else {
        uri.path()
    };
    Ok(format!("{scheme}://{host}{port}{path}"))
}

/// `ath`: base64url of the SHA-256 of the access token's ASCII bytes (RFC 9449 §4.2).
pub fn ath(access_token: &AccessToken) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(access_token.secret().as_bytes()))
}

/// The bytes to sign: `BASE64URL(UTF8(header)) || "." || BASE64URL(UTF8(claims))` (RFC 7515
/// §5.1). Only [`build_signing_input`] makes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningInput(String);

/// A complete DPoP proof JWT, the value of the `DPoP` request header (RFC 9449 §4.1).
///
/// Not a secret: it is bound to one method, one URL and (with `ath`) one token, and a server
/// that checks `jti` and nonces accepts it once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proof(String);

impl Proof {
    /// The compact JWS, for the `DPoP` header.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A JSON string literal (the values here never need escaping, but the encoder decides).
fn json_string(s: &str) -> String {
    Value::from(s).to_string()
}

/// Builds the header (`typ` `dpop+jwt`, `alg` `ES256`, `jwk`) and the claims (`jti`, `htm`,
/// `htu`, `iat`, then `nonce` and `ath` when given) of RFC 9449 §4.2, and returns the bytes
/// to sign. Members come in that order, without whitespace, so equal inputs give equal bytes.
pub fn build_signing_input(params: &ProofParams<'_>) -> Result<SigningInput, ProofError> {
    if params.jti_random.len() < MIN_JTI_RANDOM_BYTES {
        return Err(ProofError::JtiTooShort(params.jti_random.len()));
    }
    let htu = htu(params.target_uri)?;
    let header = format!(
        r#"{{"typ":"dpop+jwt","alg":"ES256","jwk":{}}}"#,
        params.key.jwk_json()
    );
    let mut claims = format!(
        r#"{{"jti":{},"htm":{},"htu":{},"iat":{}"#,
        json_string(&URL_SAFE_NO_PAD.encode(params.jti_random)),
        json_string(params.method.as_str()),
        json_string(&htu),
        params.iat
    );
    if let Some(nonce) = params.nonce {
        claims.push_str(&format!(r#","nonce":{}"#, json_string(nonce.as_str())));
    }
    if let Some(token) = params.access_token {
        claims.push_str(&format!(r#","ath":{}"#, json_string(&ath(token))));
    }
    claims.push('}');
    Ok(SigningInput(format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(claims)
    )))
}

impl SigningInput {
    /// The bytes to pass to the signer.
    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }

    /// Completes the proof with the raw `r || s` signature over [`as_bytes`](Self::as_bytes),
    /// as WebCrypto's ECDSA `sign` returns it (RFC 7518 §3.4; not DER). Consumes the input so
    /// that one `jti` goes into one proof.
    pub fn into_proof(self, signature: &[u8]) -> Result<Proof, SignatureError> {
        if signature.len() != ES256_SIGNATURE_LEN {
            return Err(SignatureError::Length(signature.len()));
        }
        let mut proof = self.0;
        proof.push('.');
        proof.push_str(&URL_SAFE_NO_PAD.encode(signature));
        Ok(Proof(proof))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 9449's example key (of its token request and resource request proofs).
    fn rfc9449_key() -> PublicKey {
        let x = URL_SAFE_NO_PAD
            .decode("l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs")
            .unwrap();
        let y = URL_SAFE_NO_PAD
            .decode("9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA")
            .unwrap();
        PublicKey::from_coordinates(&x, &y).unwrap()
    }

    fn decode_segment(s: &str) -> String {
        String::from_utf8(URL_SAFE_NO_PAD.decode(s).unwrap()).unwrap()
    }

    /// The claims segment of RFC 9449 Figure 2's proof (the token request).
    const RFC9449_FIGURE2_CLAIMS: &str = "eyJqdGkiOiItQndDM0VTYzZhY2MybFRjIiwiaHRtIjoiUE9TVCIsImh0dSI6Imh0dHBzOi8vc2VydmVyLmV4YW1wbGUuY29tL3Rva2VuIiwiaWF0IjoxNTYyMjYyNjE2fQ";

    #[test]
    fn token_request_claims_match_rfc9449_figure_2_byte_for_byte() {
        // Figure 2's jti, "-BwC3ESc6acc2lTc", is the base64url of 12 bytes.
        let jti = URL_SAFE_NO_PAD.decode("-BwC3ESc6acc2lTc").unwrap();
        let key = rfc9449_key();
        let input = build_signing_input(&ProofParams {
            key: &key,
            method: &http::Method::POST,
            target_uri: "https://server.example.com/token",
            iat: 1562262616,
            jti_random: &jti,
            nonce: None,
            access_token: None,
        })
        .unwrap();
        let text = core::str::from_utf8(input.as_bytes()).unwrap();
        let (header, claims) = text.split_once('.').unwrap();
        assert_eq!(claims, RFC9449_FIGURE2_CLAIMS);
        // The header differs from the figure's only in the order of the jwk members (ours is
        // the RFC 7638 order; JSON member order carries no meaning).
        assert_eq!(
            decode_segment(header),
            r#"{"typ":"dpop+jwt","alg":"ES256","jwk":{"crv":"P-256","kty":"EC","x":"l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs","y":"9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA"}}"#
        );
    }

    #[test]
    fn resource_request_claims_carry_ath_and_nonce() {
        // RFC 9449 §7.1's example: the token and the proof's jti, htu and iat.
        let token = AccessToken::new("Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU");
        let jti = URL_SAFE_NO_PAD.decode("e1j3V_bKic8-LAEB").unwrap();
        let nonce = DpopNonce::parse("eyJ7S_zG.eyJH0-Z.HX4w-7v").unwrap();
        let key = rfc9449_key();
        let input = build_signing_input(&ProofParams {
            key: &key,
            method: &http::Method::GET,
            target_uri: "https://resource.example.org/protectedresource?x=1#f",
            iat: 1562262618,
            jti_random: &jti,
            nonce: Some(&nonce),
            access_token: Some(&token),
        })
        .unwrap();
        let text = core::str::from_utf8(input.as_bytes()).unwrap();
        let claims = decode_segment(text.split_once('.').unwrap().1);
        assert_eq!(
            claims,
            r#"{"jti":"e1j3V_bKic8-LAEB","htm":"GET","htu":"https://resource.example.org/protectedresource","iat":1562262618,"nonce":"eyJ7S_zG.eyJH0-Z.HX4w-7v","ath":"fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo"}"#
        );
    }

    #[test]
    fn ath_matches_rfc9449_section_7_1() {
        let token = AccessToken::new("Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU");
        assert_eq!(ath(&token), "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo");
    }

    #[test]
    fn htu_drops_query_and_fragment_and_normalises_case_and_port() {
        for (input, expected) in [
            (
                "https://server.example.com/token",
                "https://server.example.com/token",
            ),
            (
                "https://server.example.com/token?a=1#x",
                "https://server.example.com/token",
            ),
            (
                "HTTPS://Server.Example.COM:443/Token",
                "https://server.example.com/Token",
            ),
            ("http://127.0.0.1:80", "http://127.0.0.1/"),
            ("http://127.0.0.1:8080?q", "http://127.0.0.1:8080/"),
            ("https://h.example:80/a%2Fb", "https://h.example:80/a%2Fb"),
            ("http://[::1]:9000/o/token/", "http://[::1]:9000/o/token/"),
        ] {
            assert_eq!(htu(input).as_deref(), Ok(expected), "{input}");
        }
    }

    #[test]
    fn htu_must_be_an_absolute_http_url() {
        for bad in [
            "/token",
            "server.example.com/token",
            "ftp://h/x",
            "mailto:a@b",
            "",
        ] {
            assert_eq!(htu(bad), Err(ProofError::HtuNotHttp), "{bad}");
        }
        assert!(matches!(
            htu("https://user@h/"),
            Err(ProofError::Htu(UriError::UserinfoNotAllowed))
        ));
        assert!(matches!(
            htu("https://h/a b"),
            Err(ProofError::Htu(UriError::InvalidCharacter { .. }))
        ));
        assert!(matches!(
            htu("https://h:99999/"),
            Err(ProofError::Htu(UriError::InvalidPort(_)))
        ));
    }

    fn params<'a>(key: &'a PublicKey, jti: &'a [u8]) -> ProofParams<'a> {
        ProofParams {
            key,
            method: &http::Method::POST,
            target_uri: "https://server.example.com/token",
            iat: 1,
            jti_random: jti,
            nonce: None,
            access_token: None,
        }
    }

    #[test]
    fn jti_needs_96_random_bits() {
        let key = rfc9449_key();
        assert_eq!(
            build_signing_input(&params(&key, &[7; 11])),
            Err(ProofError::JtiTooShort(11))
        );
        assert!(build_signing_input(&params(&key, &[7; 12])).is_ok());
    }

    #[test]
    fn the_proof_header_name_is_valid() {
        assert_eq!(http::HeaderName::from_static(DPOP).as_str(), "dpop");
    }

    #[test]
    fn the_proof_is_the_input_and_the_raw_signature() {
        let key = rfc9449_key();
        let input = build_signing_input(&params(&key, &[7; 16])).unwrap();
        let expected = format!(
            "{}.{}",
            core::str::from_utf8(input.as_bytes()).unwrap(),
            URL_SAFE_NO_PAD.encode([0xab; 64])
        );
        assert_eq!(input.into_proof(&[0xab; 64]).unwrap().as_str(), expected);
    }

    #[test]
    fn signatures_of_other_lengths_are_refused() {
        let key = rfc9449_key();
        for len in [0, 63, 65, 70, 72] {
            let input = build_signing_input(&params(&key, &[7; 16])).unwrap();
            assert_eq!(
                input.into_proof(&vec![1; len]),
                Err(SignatureError::Length(len))
            );
        }
    }
}
