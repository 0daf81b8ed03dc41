//! ID tokens and JWKS: `JwkSet::parse`, `CompactJws::parse`, `decode_unverified_claims` and
//! `verify_id_token` with the native verifier.
//!
//! Input: `JWKS \0 TOKEN`. With no `\0`, the whole input is the token. The token is verified
//! three times: against a fixed Ed25519 key (RFC 8037 A.1; its private half is nowhere in
//! the fuzzer's reach, so acceptance means the claims were valid *and* the signature was one
//! the seed corpus carried), against the fuzzed JWKS (key import of arbitrary `n`, `e`, `x`,
//! `y`), and through a verifier that accepts every signature, so the claim checks see
//! arbitrary payloads; whatever that pass accepts must satisfy every claim rule.
#![no_main]

use core::future::Future;
use core::pin::pin;
use core::task::{Context, Poll, Waker};
use std::sync::OnceLock;

use latchkey_proto::oidc::native::NativeVerifier;
use latchkey_proto::oidc::{
    decode_unverified_claims, verify_id_token, AlgPolicy, CompactJws, IdTokenChecks, Jwk, JwkSet,
    JwsAlg, JwsVerifier, NonceCheck, VerifiedIdToken, VerifyError,
};
use latchkey_proto::secret::{AccessToken, Nonce};
use libfuzzer_sys::fuzz_target;

const ISSUER: &str = "https://idp.example";
const CLIENT: &str = "spa";
const NONCE: &str = "n-0S6_WzA2Mj";
const NOW: u64 = 1_700_000_000;
const LEEWAY: u64 = 30;
const ED_X: &str = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";

const ALGS: [JwsAlg; 9] = [
    JwsAlg::RS256,
    JwsAlg::RS384,
    JwsAlg::RS512,
    JwsAlg::PS256,
    JwsAlg::PS384,
    JwsAlg::PS512,
    JwsAlg::ES256,
    JwsAlg::ES384,
    JwsAlg::EdDSA,
];

fn fixed_jwks() -> &'static JwkSet {
    static SET: OnceLock<JwkSet> = OnceLock::new();
    SET.get_or_init(|| {
        let doc =
            format!(r#"{{"keys":[{{"kty":"OKP","crv":"Ed25519","kid":"ed-1","x":"{ED_X}"}}]}}"#);
        JwkSet::parse(doc.as_bytes()).expect("fixed JWKS")
    })
}

/// Reaches the claim checks with any payload; stands in for no provider.
struct AcceptEverySignature;

impl JwsVerifier for AcceptEverySignature {
    fn verify(
        &self,
        _: JwsAlg,
        _: &Jwk,
        _: &[u8],
        _: &[u8],
    ) -> impl Future<Output = Result<(), VerifyError>> {
        core::future::ready(Ok(()))
    }
}

fn block_on<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    match f.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(v) => v,
        Poll::Pending => unreachable!("every verifier here is synchronous"),
    }
}

fn assert_claims_hold(token: &VerifiedIdToken) {
    let c = token.claims();
    assert_eq!(c.iss(), ISSUER);
    assert!(c.aud().iter().any(|a| a == CLIENT));
    assert!(c.aud().len() == 1 || c.azp() == Some(CLIENT));
    assert!(c.azp().is_none_or(|azp| azp == CLIENT));
    assert!(NOW <= c.exp().saturating_add(LEEWAY));
    assert!(c.iat() <= NOW + LEEWAY);
    assert_eq!(c.nonce(), Some(NONCE));
}

fuzz_target!(|data: &[u8]| {
    let (jwks_bytes, token_bytes) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (&data[..0], data),
    };
    let token = String::from_utf8_lossy(token_bytes);

    let fuzzed_jwks = JwkSet::parse(jwks_bytes).ok();
    if let Some(set) = &fuzzed_jwks {
        for key in &set.keys {
            for alg in ALGS {
                if key.fits(alg) {
                    let _ = key.to_public_json(alg);
                }
            }
        }
    }

    if let Ok(jws) = CompactJws::parse(&token) {
        assert!(token.as_bytes().starts_with(jws.signing_input()));
        let _ = jws.payload_json();
    }
    let _ = decode_unverified_claims(&token);

    let nonce = Nonce::new(NONCE);
    let access = AccessToken::new("SlAV32hkKG");
    let checks = IdTokenChecks {
        issuer: ISSUER,
        client_id: CLIENT,
        nonce: NonceCheck::Expect(&nonce),
        leeway_secs: LEEWAY,
        access_token: Some(&access),
        expected_sub: None,
        algs: AlgPolicy::AnySupported,
        max_age: None,
    };
    if let Ok(verified) = block_on(verify_id_token(
        &token,
        fixed_jwks(),
        &NativeVerifier,
        &checks,
        NOW,
    )) {
        assert_claims_hold(&verified);
    }
    if let Some(set) = &fuzzed_jwks {
        if let Ok(verified) = block_on(verify_id_token(&token, set, &NativeVerifier, &checks, NOW))
        {
            assert_claims_hold(&verified);
        }
        if let Ok(verified) = block_on(verify_id_token(
            &token,
            set,
            &AcceptEverySignature,
            &checks,
            NOW,
        )) {
            assert_claims_hold(&verified);
        }
    }
    if let Ok(verified) = block_on(verify_id_token(
        &token,
        fixed_jwks(),
        &AcceptEverySignature,
        &checks,
        NOW,
    )) {
        assert_claims_hold(&verified);
    }
});
