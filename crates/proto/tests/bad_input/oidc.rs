//! JWKS (RFC 7517) and ID tokens (RFC 7515, OIDC Core §3.1.3.7): `latchkey_proto::oidc`.

use core::future::Future;
use core::pin::pin;
use core::task::{Context, Poll, Waker};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use latchkey_proto::form::MAX_KEPT_BODY;
use latchkey_proto::oidc::native::NativeVerifier;
use latchkey_proto::oidc::{
    at_hash, decode_unverified_claims, verify_id_token, AlgPolicy, IdTokenChecks, IdTokenError,
    JwkError, JwkSet, JwsAlg, JwsError, NonceCheck, VerifyError,
};
use latchkey_proto::secret::{AccessToken, Nonce};
use serde_json::{json, Value};

use crate::common::{case, run, Case};
use crate::{json_200, response, ISSUER};

fn block_on<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    match f.as_mut().poll(&mut cx) {
        Poll::Ready(v) => v,
        // The native verifier's future is always ready.
        Poll::Pending => panic!("future not ready"),
    }
}

// RFC 8037 Appendix A.1: the Ed25519 key pair.
const ED_D: &str = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A";
const ED_X: &str = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
// RFC 7515 Appendix A.2.1: an RSA public key (the modulus), for the HMAC confusion case.
const RSA_N: &str = "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ";

const CLIENT: &str = "spa";
const NONCE: &str = "n-0S6_WzA2Mj";
const ACCESS_TOKEN: &str = "SlAV32hkKG";
const NOW: u64 = 1_700_000_000;

fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn jwks() -> JwkSet {
    let doc = json!({"keys":[
        {"kty":"OKP","crv":"Ed25519","kid":"ed-1","use":"sig","x":ED_X},
        {"kty":"RSA","kid":"rsa-1","use":"sig","n":RSA_N,"e":"AQAB"},
    ]});
    JwkSet::parse(doc.to_string().as_bytes()).unwrap()
}

fn claims() -> Value {
    json!({"iss":ISSUER,"sub":"u-1","aud":CLIENT,"exp":NOW + 300,"iat":NOW - 10,"nonce":NONCE,
           "at_hash":at_hash(JwsAlg::EdDSA, ACCESS_TOKEN)})
}

fn with(changes: Value) -> Value {
    let mut c = claims();
    for (k, v) in changes.as_object().unwrap() {
        if v.is_null() {
            c.as_object_mut().unwrap().remove(k);
        } else {
            c[k] = v.clone();
        }
    }
    c
}

/// Signs raw header and payload bytes with the RFC 8037 Ed25519 key.
fn sign_raw(header: &Value, payload: &[u8]) -> String {
    use ed25519_dalek::Signer as _;
    let d: [u8; 32] = URL_SAFE_NO_PAD.decode(ED_D).unwrap().try_into().unwrap();
    let key = ed25519_dalek::SigningKey::from_bytes(&d);
    let input = format!("{}.{}", b64(header.to_string()), b64(payload));
    let sig = key.sign(input.as_bytes());
    format!("{input}.{}", b64(sig.to_bytes()))
}

fn signed(claims: &Value) -> String {
    sign_raw(
        &json!({"alg":"EdDSA","kid":"ed-1","typ":"JWT"}),
        claims.to_string().as_bytes(),
    )
}

/// A token with any header, signed with HMAC-SHA256 under `key`.
fn hmac_signed(header: &Value, claims: &Value, key: &[u8]) -> String {
    use hmac::{Hmac, Mac};
    let input = format!("{}.{}", b64(header.to_string()), b64(claims.to_string()));
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key).unwrap();
    mac.update(input.as_bytes());
    format!("{input}.{}", b64(mac.finalize().into_bytes()))
}

/// How an ID token case differs from the code-exchange defaults.
#[derive(Clone, Copy)]
enum Mode {
    CodeExchange,
    OnlyRs256,
    RefreshNoNonce,
    RefreshOtherSub,
}

fn verify(token: &str, mode: Mode) -> Result<(), IdTokenError> {
    let nonce = Nonce::new(NONCE);
    let access = AccessToken::new(ACCESS_TOKEN);
    let only_rs = [JwsAlg::RS256];
    let mut checks = IdTokenChecks {
        issuer: ISSUER,
        client_id: CLIENT,
        nonce: NonceCheck::Expect(&nonce),
        leeway_secs: 30,
        access_token: Some(&access),
        expected_sub: None,
        algs: AlgPolicy::AnySupported,
        max_age: None,
    };
    match mode {
        Mode::CodeExchange => {}
        Mode::OnlyRs256 => checks.algs = AlgPolicy::OneOf(&only_rs),
        Mode::RefreshNoNonce => checks.nonce = NonceCheck::Refreshed(None),
        Mode::RefreshOtherSub => {
            checks.nonce = NonceCheck::Refreshed(None);
            checks.expected_sub = Some("u-0");
        }
    }
    block_on(verify_id_token(
        token,
        &jwks(),
        &NativeVerifier,
        &checks,
        NOW,
    ))
    .map(|_| ())
}

#[test]
fn the_unmodified_id_token_verifies() {
    // The baseline every refusal below departs from: without it a broken signer would make
    // every case "fail" for the wrong reason.
    verify(&signed(&claims()), Mode::CodeExchange).unwrap();
}

#[test]
fn id_tokens_that_must_be_refused() {
    let good = signed(&claims());
    let parts: Vec<&str> = good.split('.').collect();
    let (h, p, s) = (parts[0], parts[1], parts[2]);
    let rsa_public_bytes = URL_SAFE_NO_PAD.decode(RSA_N).unwrap();
    let other_payload = b64(with(json!({"sub":"admin"})).to_string());
    let filler = "A".repeat(2 << 20);
    use IdTokenError as E;
    let cc = |t: String| (t, Mode::CodeExchange);
    let table: Vec<Case<(String, Mode), E>> = vec![
        case(
            "alg none, empty signature",
            cc(format!("{}.{p}.", b64(r#"{"alg":"none"}"#))),
            |e| matches!(e, E::Malformed(JwsError::AlgNone)),
        ),
        case(
            "alg none keeping the original signature",
            cc(format!("{}.{p}.{s}", b64(r#"{"alg":"none","kid":"ed-1"}"#))),
            |e| matches!(e, E::Malformed(JwsError::AlgNone)),
        ),
        case(
            "HS256 keyed with the RSA public key's bytes",
            cc(hmac_signed(
                &json!({"alg":"HS256","kid":"rsa-1"}),
                &claims(),
                &rsa_public_bytes,
            )),
            |e| matches!(e, E::Malformed(JwsError::SymmetricAlg(a)) if a == "HS256"),
        ),
        case(
            "HS256 keyed with the Ed25519 public key's bytes",
            cc(hmac_signed(
                &json!({"alg":"HS256","kid":"ed-1"}),
                &claims(),
                &URL_SAFE_NO_PAD.decode(ED_X).unwrap(),
            )),
            |e| matches!(e, E::Malformed(JwsError::SymmetricAlg(_))),
        ),
        case(
            "alg in lower case",
            cc(format!(
                "{}.{p}.{s}",
                b64(r#"{"alg":"eddsa","kid":"ed-1"}"#)
            )),
            |e| matches!(e, E::Malformed(JwsError::UnsupportedAlg(_))),
        ),
        case(
            "alg missing",
            cc(format!("{}.{p}.{s}", b64(r#"{"kid":"ed-1"}"#))),
            |e| matches!(e, E::Malformed(JwsError::MissingAlg)),
        ),
        case(
            "alg as a number",
            cc(format!("{}.{p}.{s}", b64(r#"{"alg":256}"#))),
            |e| matches!(e, E::Malformed(JwsError::MissingAlg)),
        ),
        case(
            "critical header extension",
            cc(sign_raw(
                &json!({"alg":"EdDSA","kid":"ed-1","crit":["exp"]}),
                claims().to_string().as_bytes(),
            )),
            |e| matches!(e, E::Malformed(JwsError::Critical)),
        ),
        case(
            "kid as a number",
            cc(format!("{}.{p}.{s}", b64(r#"{"alg":"EdDSA","kid":1}"#))),
            |e| matches!(e, E::Malformed(JwsError::Kid)),
        ),
        case(
            "unknown kid",
            cc(sign_raw(
                &json!({"alg":"EdDSA","kid":"rotated-away"}),
                claims().to_string().as_bytes(),
            )),
            |e| matches!(e, E::NoMatchingKey { kid: Some(k), .. } if k == "rotated-away"),
        ),
        case(
            "RS256 header naming the Ed25519 key",
            cc(format!(
                "{}.{p}.{s}",
                b64(r#"{"alg":"RS256","kid":"ed-1"}"#)
            )),
            |e| {
                matches!(
                    e,
                    E::NoMatchingKey {
                        alg: JwsAlg::RS256,
                        ..
                    }
                )
            },
        ),
        case(
            "ES256 with no EC key in the set",
            cc(format!("{}.{p}.{s}", b64(r#"{"alg":"ES256"}"#))),
            |e| {
                matches!(
                    e,
                    E::NoMatchingKey {
                        alg: JwsAlg::ES256,
                        kid: None
                    }
                )
            },
        ),
        case(
            "alg outside the provider's policy",
            (good.clone(), Mode::OnlyRs256),
            |e| matches!(e, E::AlgNotAllowed(JwsAlg::EdDSA)),
        ),
        case(
            "payload swapped under the original signature",
            cc(format!("{h}.{other_payload}.{s}")),
            |e| matches!(e, E::Signature(VerifyError::BadSignature)),
        ),
        case(
            "signature truncated by 6 characters",
            cc(format!("{h}.{p}.{}", &s[..s.len() - 6])),
            |e| matches!(e, E::Signature(VerifyError::BadSignature)),
        ),
        case("empty signature", cc(format!("{h}.{p}.")), |e| {
            matches!(e, E::Signature(VerifyError::BadSignature))
        }),
        case(
            "token truncated to two parts",
            cc(format!("{h}.{p}")),
            |e| matches!(e, E::Malformed(JwsError::Parts(2))),
        ),
        case(
            "token truncated inside the header",
            cc(h[..7].to_owned()),
            |e| matches!(e, E::Malformed(JwsError::Parts(1))),
        ),
        case("empty token", cc(String::new()), |e| {
            matches!(e, E::Malformed(JwsError::Parts(1)))
        }),
        case("extra fourth segment", cc(format!("{good}.{s}")), |e| {
            matches!(e, E::Malformed(JwsError::Parts(4)))
        }),
        case(
            "five segments (a JWE)",
            cc(format!("{h}.{p}.{s}.{s}.{s}")),
            |e| matches!(e, E::Malformed(JwsError::Parts(5))),
        ),
        case(
            "header with standard-base64 characters",
            cc(format!("{}+/.{p}.{s}", &h[..h.len() - 2])),
            |e| matches!(e, E::Malformed(JwsError::Base64("header"))),
        ),
        case(
            "payload with base64 padding",
            cc(format!("{h}.{p}==.{s}")),
            |e| matches!(e, E::Malformed(JwsError::Base64("payload"))),
        ),
        case(
            "signature with a space",
            cc(format!("{h}.{p}.{} {}", &s[..10], &s[10..])),
            |e| matches!(e, E::Malformed(JwsError::Base64("signature"))),
        ),
        case(
            "header that is not JSON",
            cc(format!("{}.{p}.{s}", b64("alg=EdDSA"))),
            |e| matches!(e, E::Malformed(JwsError::Json("header"))),
        ),
        case(
            "oversized header (2 MiB)",
            cc(format!("{filler}.{p}.{s}")),
            |e| matches!(e, E::Malformed(JwsError::Json("header"))),
        ),
        case(
            "oversized signature (2 MiB)",
            cc(format!("{h}.{p}.{filler}")),
            |e| matches!(e, E::Signature(VerifyError::BadSignature)),
        ),
        case(
            "signed payload that is not JSON",
            cc(sign_raw(&json!({"alg":"EdDSA","kid":"ed-1"}), b"not json")),
            |e| matches!(e, E::Malformed(JwsError::Json("payload"))),
        ),
        case("expired", cc(signed(&with(json!({"exp":NOW - 31})))), |e| {
            matches!(e, E::Expired { .. })
        }),
        case(
            "nbf in the future",
            cc(signed(&with(json!({"nbf":NOW + 31})))),
            |e| matches!(e, E::NotYetValid { .. }),
        ),
        case(
            "iat in the future",
            cc(signed(&with(json!({"iat":NOW + 31})))),
            |e| matches!(e, E::IssuedInTheFuture { .. }),
        ),
        case(
            "exp as a string",
            cc(signed(&with(json!({"exp":"tomorrow"})))),
            |e| matches!(e, E::InvalidClaim("exp")),
        ),
        case("negative exp", cc(signed(&with(json!({"exp":-1})))), |e| {
            matches!(e, E::InvalidClaim("exp"))
        }),
        case("missing sub", cc(signed(&with(json!({"sub":null})))), |e| {
            matches!(e, E::MissingClaim("sub"))
        }),
        case(
            "wrong aud",
            cc(signed(&with(json!({"aud":"other-client"})))),
            |e| matches!(e, E::Audience),
        ),
        case(
            "empty aud list",
            cc(signed(&with(json!({"aud":[]})))),
            |e| matches!(e, E::InvalidClaim("aud")),
        ),
        case(
            "wrong iss",
            cc(signed(&with(json!({"iss":"https://evil.example"})))),
            |e| matches!(e, E::Issuer { got, .. } if got == "https://evil.example"),
        ),
        case(
            "iss with a trailing slash",
            cc(signed(&with(json!({"iss":"https://idp.example/"})))),
            |e| matches!(e, E::Issuer { .. }),
        ),
        case(
            "wrong nonce",
            cc(signed(&with(json!({"nonce":"replayed"})))),
            |e| matches!(e, E::NonceMismatch),
        ),
        case(
            "missing nonce on the code exchange",
            cc(signed(&with(json!({"nonce":null})))),
            |e| matches!(e, E::MissingClaim("nonce")),
        ),
        case(
            "nonce on a refresh that expects none",
            (signed(&claims()), Mode::RefreshNoNonce),
            |e| matches!(e, E::NonceMismatch),
        ),
        case(
            "sub changed on refresh",
            (signed(&with(json!({"nonce":null}))), Mode::RefreshOtherSub),
            |e| matches!(e, E::SubjectChanged),
        ),
        case(
            "azp missing with several audiences",
            cc(signed(&with(json!({"aud":[CLIENT,"api"]})))),
            |e| matches!(e, E::AuthorizedParty),
        ),
        case(
            "azp naming another client",
            cc(signed(&with(json!({"aud":[CLIENT,"api"],"azp":"api"})))),
            |e| matches!(e, E::AuthorizedParty),
        ),
        case(
            "at_hash of another access token",
            cc(signed(&with(
                json!({"at_hash":at_hash(JwsAlg::EdDSA, "other")}),
            ))),
            |e| matches!(e, E::AccessTokenHash),
        ),
        case(
            "at_hash computed with the wrong hash (SHA-256 for EdDSA)",
            cc(signed(&with(
                json!({"at_hash":at_hash(JwsAlg::RS256, ACCESS_TOKEN)}),
            ))),
            |e| matches!(e, E::AccessTokenHash),
        ),
        case(
            "at_hash as a number",
            cc(signed(&with(json!({"at_hash":1})))),
            |e| matches!(e, E::InvalidClaim("at_hash")),
        ),
    ];
    run(table, |(token, mode)| verify(&token, mode));
}

#[test]
fn jwks_documents_that_must_be_refused() {
    use JwkError as E;
    let table: Vec<Case<http::Response<Vec<u8>>, E>> = vec![
        case("not JSON", json_200("<html>"), |e| {
            matches!(e, E::NotAKeySet { .. })
        }),
        case("no keys member", json_200(r#"{"kty":"RSA"}"#), |e| {
            matches!(e, E::NotAKeySet { .. })
        }),
        case(
            "keys as an object",
            json_200(r#"{"keys":{"kty":"RSA"}}"#),
            |e| matches!(e, E::NotAKeySet { .. }),
        ),
        case(
            "a bare array of keys",
            json_200(r#"[{"kty":"RSA"}]"#),
            |e| matches!(e, E::NotAKeySet { .. }),
        ),
        case("truncated", json_200(r#"{"keys":[{"kty":"RS"#), |e| {
            matches!(e, E::NotAKeySet { .. })
        }),
        case(
            "oversized garbage keeps at most MAX_KEPT_BODY bytes",
            json_200(vec![b'['; 4 << 20]),
            |e| matches!(e, E::NotAKeySet { body } if body.len() <= MAX_KEPT_BODY),
        ),
        case(
            "HTTP 500",
            response(500, "application/json", r#"{"keys":[]}"#),
            |e| matches!(e, E::HttpStatus { status: 500, .. }),
        ),
    ];
    run(table, |r| JwkSet::parse_response(&r));
}

/// Keys of the wrong shape are skipped, not trusted: a token that names one finds no key.
#[test]
fn malformed_jwks_entries_are_skipped_and_match_nothing() {
    let doc = json!({"keys":[
        {"kty":"OKP","crv":"Ed25519","kid":"ed-1","x":7},
        {"kty":"OKP","crv":"Ed25519","kid":"ed-1","x":ED_X,"use":"enc"},
        {"kty":"OKP","crv":"Ed25519","kid":"ed-1","x":ED_X,"key_ops":["sign"]},
        {"kty":"OKP","crv":"Ed25519","kid":"ed-1","x":ED_X,"alg":"ES256"},
    ]});
    let set = JwkSet::parse(doc.to_string().as_bytes()).unwrap();
    assert_eq!(set.keys.len(), 3, "the key with a numeric x is dropped");
    assert!(set.candidates(JwsAlg::EdDSA, Some("ed-1")).is_empty());
}

#[test]
fn unverified_decoding_refuses_garbage() {
    use JwsError as E;
    let table: Vec<Case<String, E>> = vec![
        case("one segment", "abc".into(), |e| matches!(e, E::Parts(1))),
        case("four segments", "a.b.c.d".into(), |e| {
            matches!(e, E::Parts(4))
        }),
        case("header not base64url", "***.e30.".into(), |e| {
            matches!(e, E::Base64("header"))
        }),
        case("payload a JSON array", format!("e30.{}.", b64("[]")), |e| {
            matches!(e, E::Json("payload"))
        }),
    ];
    run(table, |t| decode_unverified_claims(&t));
}
