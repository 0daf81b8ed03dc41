//! Signing one HTTP request: protocol parameters, base string, signature and `Authorization`
//! header in one call ([RFC 5849 §3.1]).
//!
//! The protocol parameters are, in this order (the order oauthlib uses, so headers compare
//! byte for byte): `oauth_nonce`, `oauth_timestamp`, `oauth_version="1.0"`,
//! `oauth_signature_method`, `oauth_consumer_key`, then `oauth_token`, `oauth_callback` and
//! `oauth_verifier` when given, and finally `oauth_signature`.
//!
//! [RFC 5849 §3.1]: https://www.rfc-editor.org/rfc/rfc5849#section-3.1

use super::authorization;
pub use super::base_string::ParameterPlace;
use super::base_string::{base_string_and_stray_protocol_parameter, BaseStringError, Body};
use rand_core::CryptoRngCore;

use super::signature::{self, ConsumerCredential, SignError, SignatureMethod};
use crate::secret::TokenSecret;

/// Everything about a request that the signature covers, plus the caller's timestamp and
/// nonce (this crate reads no clock and draws no random numbers).
#[derive(Debug, Clone, Copy)]
pub struct SigningRequest<'a> {
    /// The HTTP method (any case; uppercased for signing).
    pub method: &'a str,
    /// The absolute request URL, query included, already percent-encoded.
    pub url: &'a str,
    /// The body, if its form fields are to be signed.
    pub body: Body<'a>,
    /// `oauth_consumer_key`.
    pub consumer_key: &'a str,
    /// `oauth_token`: temporary credentials on the access-token leg, token credentials after.
    pub token: Option<&'a str>,
    /// `oauth_callback`, on the request-token leg (RFC 5849 §2.1); `"oob"` for out-of-band.
    pub callback: Option<&'a str>,
    /// `oauth_verifier`, on the access-token leg (RFC 5849 §2.3).
    pub verifier: Option<&'a str>,
    /// `oauth_signature_method`.
    pub signature_method: SignatureMethod,
    /// `oauth_timestamp`: seconds since the Unix epoch.
    pub timestamp: u64,
    /// `oauth_nonce`: unique per timestamp and client; 32 random alphanumerics is a good choice.
    pub nonce: &'a str,
    /// The `realm` of the `Authorization` header, if the server wants one.
    pub realm: Option<&'a str>,
}

/// The client's secrets for one request.
#[derive(Debug, Clone, Copy)]
pub struct Credentials<'a> {
    /// The consumer secret or RSA key.
    pub consumer: ConsumerCredential<'a>,
    /// The token secret (temporary or token credentials), if the request carries a token.
    pub token_secret: Option<&'a TokenSecret>,
}

/// A signed request: what to send, and the intermediate values for debugging.
#[derive(Clone)]
pub struct Signed {
    /// The signature base string (RFC 5849 §3.4.1.1); it holds no secret.
    pub base_string: String,
    /// The base64 signature (for `PLAINTEXT`, the encoded secrets themselves).
    pub signature: String,
    /// The `Authorization` header value, `OAuth …`.
    pub authorization_header: String,
}

impl Signed {
    /// Every protocol parameter, decoded, in header order with `oauth_signature` last and
    /// without `realm`: for sending them in a form body or the query instead of the header
    /// (RFC 5849 §3.5.2, §3.5.3).
    ///
    /// Read back from [`authorization_header`](Self::authorization_header) on demand rather
    /// than copied out at signing time: the companion signs on every proxied request and
    /// only ever sends the header.
    pub fn oauth_params(&self) -> Vec<(String, String)> {
        // The header was built by `authorization::build`, which `parse` always reads back.
        authorization::parse(&self.authorization_header)
            .map(|p| p.params)
            .unwrap_or_default()
    }
}

impl core::fmt::Debug for Signed {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // A PLAINTEXT signature is the secrets: never print it.
        f.debug_struct("Signed")
            .field("base_string", &self.base_string)
            .field("signature", &"[redacted]")
            .field("authorization_header", &"[redacted]")
            .finish()
    }
}

/// Why a request could not be signed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SigningError {
    /// The method, URL or body could not be read.
    #[error(transparent)]
    BaseString(#[from] BaseStringError),
    /// The signature method and the credential do not fit, or RSA failed.
    #[error(transparent)]
    Sign(#[from] SignError),
    /// The `http` crate refused to build the request (a URL it reads differently).
    #[error("could not build the HTTP request: {0}")]
    InvalidHttpRequest(String),
    /// The request's query or form body carries a parameter named `oauth_…`. RFC 5849 §3.5
    /// puts the protocol parameters in one place only, and the signature writes them into the
    /// `Authorization` header; a second copy elsewhere is refused by oauthlib and read
    /// ambiguously by others.
    #[error(
        "the request's {place} carries `{name}`: OAuth 1.0a protocol parameters belong only \
         in the signed Authorization header (RFC 5849 §3.5); leave it out of the request"
    )]
    ProtocolParameterInRequest {
        /// The parameter's name, percent-encoded as RFC 5849 §3.6 does.
        name: String,
        /// Where it was.
        place: ParameterPlace,
    },
}

/// Signs a request (RFC 5849 §3.1–§3.5.1).
///
/// The request's own query and form body must not carry parameters named `oauth_…`
/// ([`SigningError::ProtocolParameterInRequest`]): the header this writes is their one place.
///
/// `rng` blinds an RSA signature ([`signature`]'s module docs): the caller's RNG, since this
/// crate draws no random numbers. The result never depends on it.
///
/// ```
/// use latchkey_proto::oauth1::{sign_request, Body, ConsumerCredential, Credentials, SignatureMethod, SigningRequest};
/// use latchkey_proto::secret::{ConsumerSecret, TokenSecret};
/// let consumer = ConsumerSecret::new("kd94hf93k423kf44");
/// let token = TokenSecret::new("pfkkdhi9sl3r4s00");
/// let signed = sign_request(
///     &SigningRequest {
///         method: "GET",
///         url: "http://photos.example.net/photos?file=vacation.jpg&size=original",
///         body: Body::None,
///         consumer_key: "dpf43f3p2l4k3l03",
///         token: Some("nnch734d00sl2jdk"),
///         callback: None,
///         verifier: None,
///         signature_method: SignatureMethod::HmacSha1,
///         timestamp: 1191242096,
///         nonce: "kllo9940pd9333jh",
///         realm: None,
///     },
///     &Credentials { consumer: ConsumerCredential::Secret(&consumer), token_secret: Some(&token) },
///     &mut rand::rngs::OsRng,
/// )
/// .unwrap();
/// assert_eq!(signed.signature, "tR3+Ty81lMeYAr/Fid0kMTYa/WM=");
/// assert!(signed.authorization_header.starts_with(r#"OAuth oauth_nonce="kllo9940pd9333jh", "#));
/// ```
pub fn sign_request(
    request: &SigningRequest<'_>,
    credentials: &Credentials<'_>,
    rng: &mut impl CryptoRngCore,
) -> Result<Signed, SigningError> {
    let timestamp = request.timestamp.to_string();
    let mut params: Vec<(&'static str, &str)> = Vec::with_capacity(9);
    params.push(("oauth_nonce", request.nonce));
    params.push(("oauth_timestamp", &timestamp));
    params.push(("oauth_version", "1.0"));
    params.push(("oauth_signature_method", request.signature_method.as_str()));
    params.push(("oauth_consumer_key", request.consumer_key));
    if let Some(token) = request.token {
        params.push(("oauth_token", token));
    }
    if let Some(callback) = request.callback {
        params.push(("oauth_callback", callback));
    }
    if let Some(verifier) = request.verifier {
        params.push(("oauth_verifier", verifier));
    }

    let (base_string, stray) = base_string_and_stray_protocol_parameter(
        request.method,
        request.url,
        request.body,
        &params,
    )?;
    if let Some((name, place)) = stray {
        return Err(SigningError::ProtocolParameterInRequest { name, place });
    }
    let signature = signature::sign(
        request.signature_method,
        &base_string,
        credentials.consumer,
        credentials.token_secret,
        rng,
    )?;
    params.push(("oauth_signature", &signature));
    let authorization_header = authorization::build(request.realm, &params);
    Ok(Signed {
        base_string,
        signature,
        authorization_header,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth1::test_rng;
    use crate::secret::ConsumerSecret;

    /// The consumer secret alone (no token yet, as on the request-token leg).
    fn without_token(consumer: &ConsumerSecret) -> Credentials<'_> {
        Credentials {
            consumer: ConsumerCredential::Secret(consumer),
            token_secret: None,
        }
    }

    fn request<'a>(method: SignatureMethod) -> SigningRequest<'a> {
        SigningRequest {
            method: "post",
            url: "https://photos.example.net/initiate",
            body: Body::None,
            consumer_key: "dpf43f3p2l4k3l03",
            token: None,
            callback: Some("http://printer.example.com/ready"),
            verifier: None,
            signature_method: method,
            timestamp: 137131200,
            nonce: "wIjqoS",
            realm: Some("Photos"),
        }
    }

    #[test]
    fn header_carries_every_protocol_param_in_order() {
        let consumer = ConsumerSecret::new("kd94hf93k423kf44");
        let creds = without_token(&consumer);
        let signed =
            sign_request(&request(SignatureMethod::HmacSha1), &creds, &mut test_rng()).unwrap();
        // Computed with oauthlib 3.3.1 (`Client(..).sign(..)`), which prints the same header.
        let expected_sig = "msrTmwtDEKqeVXeJaufuiXOpbJI=";
        assert_eq!(signed.signature, expected_sig);
        assert_eq!(
            signed.authorization_header,
            format!(
                "OAuth realm=\"Photos\", oauth_nonce=\"wIjqoS\", oauth_timestamp=\"137131200\", \
                 oauth_version=\"1.0\", oauth_signature_method=\"HMAC-SHA1\", \
                 oauth_consumer_key=\"dpf43f3p2l4k3l03\", \
                 oauth_callback=\"http%3A%2F%2Fprinter.example.com%2Fready\", \
                 oauth_signature=\"{}\"",
                crate::oauth1::percent::encode(expected_sig)
            )
        );
        assert!(signed
            .base_string
            .starts_with("POST&https%3A%2F%2Fphotos.example.net%2Finitiate&"));
        assert!(signed.base_string.contains("oauth_version%3D1.0"));
        let oauth_params = signed.oauth_params();
        assert_eq!(
            oauth_params.first(),
            Some(&("oauth_nonce".to_owned(), "wIjqoS".to_owned()))
        );
        assert_eq!(
            oauth_params.last(),
            Some(&("oauth_signature".to_owned(), expected_sig.to_owned()))
        );
        assert_eq!(oauth_params.len(), 7, "{oauth_params:?}");
        assert!(oauth_params.iter().all(|(n, _)| n != "realm"));
        assert!(oauth_params
            .iter()
            .any(|(n, v)| n == "oauth_callback" && v == "http://printer.example.com/ready"));
        let parsed = authorization::parse(&signed.authorization_header).unwrap();
        assert_eq!(parsed.get("oauth_signature"), Some(expected_sig));
    }

    #[test]
    fn plaintext_signature_is_not_debug_printed() {
        let consumer = ConsumerSecret::new("very-secret");
        let creds = without_token(&consumer);
        let signed = sign_request(
            &request(SignatureMethod::Plaintext),
            &creds,
            &mut test_rng(),
        )
        .unwrap();
        assert_eq!(signed.signature, "very-secret&");
        assert!(!format!("{signed:?}").contains("very-secret"));
    }

    #[test]
    fn a_protocol_parameter_in_the_query_or_form_body_is_refused() {
        let consumer = ConsumerSecret::new("s");
        let creds = without_token(&consumer);
        let form = [
            ("a".to_owned(), "1".to_owned()),
            ("oauth_verifier".to_owned(), "v".to_owned()),
        ];
        let refused = [
            (
                "https://h/r?a=1&oauth_token=t",
                Body::None,
                "oauth_token",
                ParameterPlace::Query,
            ),
            // Decoded before it is looked at.
            (
                "https://h/r?oauth%5Fnonce=n",
                Body::None,
                "oauth_nonce",
                ParameterPlace::Query,
            ),
            (
                "https://h/r",
                Body::Form(&form),
                "oauth_verifier",
                ParameterPlace::FormBody,
            ),
            (
                "https://h/r",
                Body::Raw {
                    content_type: Some("application/x-www-form-urlencoded; charset=utf-8"),
                    bytes: b"x=1&oauth_signature=forged",
                },
                "oauth_signature",
                ParameterPlace::FormBody,
            ),
        ];
        for (url, body, name, place) in refused {
            let mut r = request(SignatureMethod::HmacSha1);
            (r.url, r.body) = (url, body);
            assert_eq!(
                sign_request(&r, &creds, &mut test_rng()).map(|s| s.signature),
                Err(SigningError::ProtocolParameterInRequest {
                    name: name.to_owned(),
                    place
                }),
                "{url}"
            );
        }
        // Not a protocol parameter: another prefix, a fragment, or a body that is not a form.
        let fine = [
            (
                "https://h/r?auth_token=t&xoauth_x=1#oauth_token=t",
                Body::None,
            ),
            (
                "https://h/r",
                Body::Raw {
                    content_type: Some("application/json"),
                    bytes: b"oauth_token=t",
                },
            ),
        ];
        for (url, body) in fine {
            let mut r = request(SignatureMethod::HmacSha1);
            (r.url, r.body) = (url, body);
            assert!(sign_request(&r, &creds, &mut test_rng()).is_ok(), "{url}");
        }
        let words = SigningError::ProtocolParameterInRequest {
            name: "oauth_token".into(),
            place: ParameterPlace::Query,
        }
        .to_string();
        assert!(
            words.starts_with("the request's query carries `oauth_token`"),
            "{words}"
        );
    }

    #[test]
    fn bad_input_is_reported_not_signed() {
        let consumer = ConsumerSecret::new("s");
        let creds = without_token(&consumer);
        let mut r = request(SignatureMethod::HmacSha1);
        r.url = "photos.example.net/initiate";
        assert!(matches!(
            sign_request(&r, &creds, &mut test_rng()),
            Err(SigningError::BaseString(_))
        ));
        let r = request(SignatureMethod::RsaSha1);
        assert!(matches!(
            sign_request(&r, &creds, &mut test_rng()),
            Err(SigningError::Sign(_))
        ));
    }
}
