//! `verify_id_token` end to end. Tokens are signed here with the RFC 8037 Ed25519 test key, so
//! the signature path is real crypto (`native-verify`); the rest runs without it.

use core::future::Future;
use core::pin::pin;
use core::task::{Context, Poll, Waker};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::json;

use super::*;
use crate::secret::Nonce;

/// Polls to completion with a no-op waker (futures here wake immediately or never wait).
fn block_on<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    for _ in 0..100 {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
    panic!("future never completed")
}

/// A verifier for paths that must fail before any signature check.
struct MustNotVerify;

impl JwsVerifier for MustNotVerify {
    fn verify(
        &self,
        _: JwsAlg,
        _: &Jwk,
        _: &[u8],
        _: &[u8],
    ) -> impl Future<Output = Result<(), VerifyError>> {
        core::future::ready(Err(VerifyError::Backend("signature check reached".into())))
    }
}

fn enc(v: &serde_json::Value) -> String {
    URL_SAFE_NO_PAD.encode(v.to_string())
}

const NOW: u64 = 1_700_000_000;

fn checks(nonce: &Nonce) -> IdTokenChecks<'_> {
    IdTokenChecks {
        issuer: "https://idp.example",
        client_id: "spa",
        nonce: NonceCheck::Expect(nonce),
        leeway_secs: 30,
        access_token: None,
        expected_sub: None,
        algs: AlgPolicy::AnySupported,
        max_age: None,
    }
}

fn claims() -> serde_json::Value {
    json!({"iss":"https://idp.example","sub":"u1","aud":"spa","exp":NOW+60,"iat":NOW,"nonce":"n"})
}

fn rsa_jwks() -> JwkSet {
    JwkSet::parse(br#"{"keys":[{"kty":"RSA","kid":"k1","n":"AQAB","e":"AQAB"}]}"#).unwrap()
}

#[test]
fn alg_none_is_refused() {
    let t = format!("{}.{}.", enc(&json!({"alg":"none"})), enc(&claims()));
    let n = Nonce::new("n");
    let err = block_on(verify_id_token(
        &t,
        &rsa_jwks(),
        &MustNotVerify,
        &checks(&n),
        NOW,
    ))
    .unwrap_err();
    assert_eq!(err, IdTokenError::Malformed(JwsError::AlgNone));
}

#[test]
fn hs256_is_refused_even_with_a_key_of_that_name() {
    let t = format!(
        "{}.{}.AAAA",
        enc(&json!({"alg":"HS256","kid":"k1"})),
        enc(&claims())
    );
    let n = Nonce::new("n");
    let err = block_on(verify_id_token(
        &t,
        &rsa_jwks(),
        &MustNotVerify,
        &checks(&n),
        NOW,
    ))
    .unwrap_err();
    assert_eq!(
        err,
        IdTokenError::Malformed(JwsError::SymmetricAlg("HS256".into()))
    );
}

#[test]
fn alg_policy_is_enforced_before_any_key_use() {
    let t = format!(
        "{}.{}.AAAA",
        enc(&json!({"alg":"PS256","kid":"k1"})),
        enc(&claims())
    );
    let n = Nonce::new("n");
    let mut c = checks(&n);
    c.algs = AlgPolicy::OneOf(&[JwsAlg::RS256]);
    let err = block_on(verify_id_token(&t, &rsa_jwks(), &MustNotVerify, &c, NOW)).unwrap_err();
    assert_eq!(err, IdTokenError::AlgNotAllowed(JwsAlg::PS256));
}

#[test]
fn unknown_kid_is_reported_for_a_jwks_refetch() {
    let t = format!(
        "{}.{}.AAAA",
        enc(&json!({"alg":"RS256","kid":"k2"})),
        enc(&claims())
    );
    let n = Nonce::new("n");
    let err = block_on(verify_id_token(
        &t,
        &rsa_jwks(),
        &MustNotVerify,
        &checks(&n),
        NOW,
    ))
    .unwrap_err();
    assert_eq!(
        err,
        IdTokenError::NoMatchingKey {
            alg: JwsAlg::RS256,
            kid: Some("k2".into())
        }
    );
}

#[test]
fn a_failing_verifier_fails_the_token() {
    let t = format!(
        "{}.{}.AAAA",
        enc(&json!({"alg":"RS256","kid":"k1"})),
        enc(&claims())
    );
    let n = Nonce::new("n");
    let err = block_on(verify_id_token(
        &t,
        &rsa_jwks(),
        &MustNotVerify,
        &checks(&n),
        NOW,
    ))
    .unwrap_err();
    assert_eq!(
        err,
        IdTokenError::Signature(VerifyError::Backend("signature check reached".into()))
    );
}

#[test]
fn decode_unverified_claims_reads_anything_for_display() {
    let t = format!(
        "{}.{}.sig",
        enc(&json!({"alg":"HS256"})),
        enc(&json!({"sub":"x","scope":"a"}))
    );
    let u = decode_unverified_claims(&t).unwrap();
    assert_eq!(u.header["alg"], "HS256");
    assert_eq!(u.claims["sub"], "x");
    assert_eq!(
        decode_unverified_claims("abc").unwrap_err(),
        JwsError::Parts(1)
    );
}

#[cfg(feature = "native-verify")]
mod signed {
    use super::*;
    use crate::oidc::native::NativeVerifier;
    use ed25519_dalek::Signer as _;

    /// RFC 8037 Appendix A.1 private key.
    fn ed_key() -> ed25519_dalek::SigningKey {
        let d: [u8; 32] = URL_SAFE_NO_PAD
            .decode("nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A")
            .unwrap()
            .try_into()
            .unwrap();
        ed25519_dalek::SigningKey::from_bytes(&d)
    }

    fn ed_jwks() -> JwkSet {
        let x = URL_SAFE_NO_PAD.encode(ed_key().verifying_key().as_bytes());
        let doc = json!({"keys":[
            {"kty":"RSA","kid":"other","n":"AQAB","e":"AQAB"},
            {"kty":"OKP","crv":"Ed25519","kid":"ed","x":x}
        ]});
        JwkSet::parse(doc.to_string().as_bytes()).unwrap()
    }

    fn sign(header: serde_json::Value, claims: serde_json::Value) -> String {
        let input = format!("{}.{}", enc(&header), enc(&claims));
        let sig = ed_key().sign(input.as_bytes());
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig.to_bytes()))
    }

    /// Answers `Pending` once before delegating, like a WebCrypto promise.
    struct Async;

    impl JwsVerifier for Async {
        fn verify(
            &self,
            alg: JwsAlg,
            key: &Jwk,
            input: &[u8],
            sig: &[u8],
        ) -> impl Future<Output = Result<(), VerifyError>> {
            let result = NativeVerifier.verify_now(alg, key, input, sig);
            let mut yielded = false;
            core::future::poll_fn(move |cx| {
                if yielded {
                    Poll::Ready(result.clone())
                } else {
                    yielded = true;
                    cx.waker().wake_by_ref();
                    Poll::Pending
                }
            })
        }
    }

    #[test]
    fn verifies_a_good_token_through_an_async_verifier() {
        let t = sign(json!({"alg":"EdDSA","kid":"ed"}), claims());
        let n = Nonce::new("n");
        let v = block_on(verify_id_token(&t, &ed_jwks(), &Async, &checks(&n), NOW)).unwrap();
        assert_eq!(v.claims().sub(), "u1");
        assert_eq!(v.raw(), t);
        assert_eq!(v.header().alg, JwsAlg::EdDSA);
    }

    /// A signed ID token from Entra's `common` authority: accepted for its own tenant, refused
    /// once `tid` names another tenant than `iss` (the signature still verifies).
    #[test]
    fn entra_common_token_is_checked_against_its_tid() {
        let tid = "72f988bf-86f1-41af-91ab-2d7cd011db47";
        let mut c = claims();
        c["iss"] = json!(format!("https://login.microsoftonline.com/{tid}/v2.0"));
        c["tid"] = json!(tid);
        let n = Nonce::new("n");
        let mut checks = checks(&n);
        checks.issuer = "https://login.microsoftonline.com/common/v2.0";
        let t = sign(json!({"alg":"EdDSA","kid":"ed"}), c.clone());
        let v = block_on(verify_id_token(
            &t,
            &ed_jwks(),
            &NativeVerifier,
            &checks,
            NOW,
        ))
        .unwrap();
        assert_eq!(v.claims().all()["tid"], tid);
        c["tid"] = json!("9188040d-6c67-4c5b-b112-36a304b66dad");
        let t = sign(json!({"alg":"EdDSA","kid":"ed"}), c);
        let err = block_on(verify_id_token(
            &t,
            &ed_jwks(),
            &NativeVerifier,
            &checks,
            NOW,
        ))
        .unwrap_err();
        assert!(matches!(err, IdTokenError::Issuer { .. }), "{err:?}");
    }

    #[test]
    fn without_kid_every_fitting_key_is_tried() {
        let t = sign(json!({"alg":"EdDSA"}), claims());
        let n = Nonce::new("n");
        assert!(block_on(verify_id_token(
            &t,
            &ed_jwks(),
            &NativeVerifier,
            &checks(&n),
            NOW
        ))
        .is_ok());
    }

    #[test]
    fn a_tampered_payload_fails_the_signature() {
        let t = sign(json!({"alg":"EdDSA","kid":"ed"}), claims());
        let mut parts: Vec<String> = t.split('.').map(str::to_owned).collect();
        let mut forged = claims();
        forged["sub"] = json!("admin");
        parts[1] = enc(&forged);
        let n = Nonce::new("n");
        let err = block_on(verify_id_token(
            &parts.join("."),
            &ed_jwks(),
            &NativeVerifier,
            &checks(&n),
            NOW,
        ))
        .unwrap_err();
        assert_eq!(err, IdTokenError::Signature(VerifyError::BadSignature));
    }

    #[test]
    fn claims_are_checked_after_the_signature() {
        let n = Nonce::new("n");
        let mut c = claims();
        c["nonce"] = json!("replayed");
        let t = sign(json!({"alg":"EdDSA","kid":"ed"}), c);
        let err = block_on(verify_id_token(
            &t,
            &ed_jwks(),
            &NativeVerifier,
            &checks(&n),
            NOW,
        ))
        .unwrap_err();
        assert_eq!(err, IdTokenError::NonceMismatch);
        let t = sign(json!({"alg":"EdDSA","kid":"ed"}), claims());
        let err = block_on(verify_id_token(
            &t,
            &ed_jwks(),
            &NativeVerifier,
            &checks(&n),
            NOW + 91,
        ))
        .unwrap_err();
        assert!(matches!(err, IdTokenError::Expired { .. }));
    }

    #[test]
    fn at_hash_uses_sha512_for_eddsa() {
        let token = crate::secret::AccessToken::new("access-1");
        let mut c = claims();
        c["at_hash"] = json!(at_hash(JwsAlg::EdDSA, "access-1"));
        let t = sign(json!({"alg":"EdDSA","kid":"ed"}), c);
        let n = Nonce::new("n");
        let mut ch = checks(&n);
        ch.access_token = Some(&token);
        assert!(block_on(verify_id_token(&t, &ed_jwks(), &NativeVerifier, &ch, NOW)).is_ok());
        let other = crate::secret::AccessToken::new("access-2");
        ch.access_token = Some(&other);
        let err = block_on(verify_id_token(&t, &ed_jwks(), &NativeVerifier, &ch, NOW)).unwrap_err();
        assert_eq!(err, IdTokenError::AccessTokenHash);
    }

    #[test]
    fn es384_is_not_implemented_natively() {
        let key = Jwk::from_json(&json!({"kty":"EC","crv":"P-384","x":"AA","y":"AA"})).unwrap();
        assert_eq!(
            NativeVerifier.verify_now(JwsAlg::ES384, &key, b"x", &[0; 96]),
            Err(VerifyError::UnsupportedAlg(JwsAlg::ES384))
        );
    }

    #[test]
    fn malformed_ec_and_okp_keys_are_refused() {
        let short =
            Jwk::from_json(&json!({"kty":"EC","crv":"P-256","x":"AAAA","y":"AAAA"})).unwrap();
        assert!(matches!(
            NativeVerifier.verify_now(JwsAlg::ES256, &short, b"x", &[0; 64]),
            Err(VerifyError::InvalidKey(_))
        ));
        let zero = URL_SAFE_NO_PAD.encode([0u8; 32]);
        let off_curve =
            Jwk::from_json(&json!({"kty":"EC","crv":"P-256","x":zero,"y":zero})).unwrap();
        assert_eq!(
            NativeVerifier.verify_now(JwsAlg::ES256, &off_curve, b"x", &[0; 64]),
            Err(VerifyError::InvalidKey("P-256 point not on the curve"))
        );
        let ed_short = Jwk::from_json(&json!({"kty":"OKP","crv":"Ed25519","x":"AAAA"})).unwrap();
        assert_eq!(
            NativeVerifier.verify_now(JwsAlg::EdDSA, &ed_short, b"x", &[0; 64]),
            Err(VerifyError::InvalidKey("Ed25519 key must be 32 bytes"))
        );
        let wrong_type = Jwk::from_json(&json!({"kty":"RSA","n":"AQAB","e":"AQAB"})).unwrap();
        assert!(matches!(
            NativeVerifier.verify_now(JwsAlg::EdDSA, &wrong_type, b"x", &[0; 64]),
            Err(VerifyError::InvalidKey(_))
        ));
    }

    #[test]
    fn short_rsa_keys_are_refused() {
        let key = Jwk::from_json(
            &json!({"kty":"RSA","n": URL_SAFE_NO_PAD.encode([0xC5u8; 128]),"e":"AQAB"}),
        )
        .unwrap();
        assert_eq!(
            NativeVerifier.verify_now(JwsAlg::RS256, &key, b"x", &[0; 128]),
            Err(VerifyError::InvalidKey(
                "RSA modulus shorter than 2048 bits"
            ))
        );
    }
}

#[test]
fn no_matching_key_words_quote_the_kid_or_say_there_is_none() {
    let words = |kid: Option<&str>| {
        IdTokenError::NoMatchingKey {
            alg: JwsAlg::RS256,
            kid: kid.map(str::to_owned),
        }
        .to_string()
    };
    assert_eq!(
        words(None),
        "id token: no key in the JWKS matches (alg RS256, no kid)"
    );
    // Quoted, with what a token could smuggle into the words escaped.
    assert_eq!(
        words(Some("k\"1\n\u{7f}é")),
        "id token: no key in the JWKS matches (alg RS256, kid \"k\\\"1\\n\\u{7f}é\")"
    );
}
