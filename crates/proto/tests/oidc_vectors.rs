//! Published JWS vectors (RFC 7515 Appendix A.2 RS256 and A.3 ES256, RFC 8037 Appendix A.4
//! Ed25519) and ID tokens signed here with those fixed RFC keys (RS256, PS256, ES256, EdDSA),
//! checked against the native verifier. The same vectors live in `tests/vectors/jws.json` so
//! the browser's WebCrypto verifier can be tested with them too.
//!
//! Run with `cargo test -p latchkey-proto --features native-verify --test oidc_vectors`.
//! `LATCHKEY_WRITE_VECTORS=1` rewrites the JSON file (the PS256 signatures change: PSS is
//! randomised; every other entry is deterministic and compared byte for byte).
#![cfg(feature = "native-verify")]

use core::future::Future;
use core::pin::pin;
use core::task::{Context, Poll, Waker};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use latchkey_proto::oidc::native::NativeVerifier;
use latchkey_proto::oidc::*;
use latchkey_proto::secret::Nonce;
use serde_json::{json, Value};

const VECTORS_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/jws.json");

// RFC 7515 Appendix A.2.1: the RSA key.
const RSA_N: &str = "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ";
const RSA_D: &str = "Eq5xpGnNCivDflJsRQBXHx1hdR1k6Ulwe2JZD50LpXyWPEAeP88vLNO97IjlA7_GQ5sLKMgvfTeXZx9SE-7YwVol2NXOoAJe46sui395IW_GO-pWJ1O0BkTGoVEn2bKVRUCgu-GjBVaYLU6f3l9kJfFNS3E0QbVdxzubSu3Mkqzjkn439X0M_V51gfpRLI9JYanrC4D4qAdGcopV_0ZHHzQlBjudU2QvXt4ehNYTCBr6XCLQUShb1juUO1ZdiYoFaFQT5Tw8bGUl_x_jTj3ccPDVZFD9pIuhLhBOneufuBiB4cS98l2SR_RQyGWSeWjnczT0QU91p1DhOVRuOopznQ";
const RSA_P: &str = "4BzEEOtIpmVdVEZNCqS7baC4crd0pqnRH_5IB3jw3bcxGn6QLvnEtfdUdiYrqBdss1l58BQ3KhooKeQTa9AB0Hw_Py5PJdTJNPY8cQn7ouZ2KKDcmnPGBY5t7yLc1QlQ5xHdwW1VhvKn-nXqhJTBgIPgtldC-KDV5z-y2XDwGUc";
const RSA_Q: &str = "uQPEfgmVtjL0Uyyx88GZFF1fOunH3-7cepKmtH4pxhtCoHqpWmT8YAmZxaewHgHAjLYsp1ZSe7zFYHj7C6ul7TjeLQeZD_YwD66t62wDmpe_HlB-TnBA-njbglfIsRLtXlnDzQkv5dTltRJ11BKBBypeeF6689rjcJIDEz9RWdc";
// RFC 7515 Appendix A.2.
const RS256_TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw";
// RFC 7515 Appendix A.3: the P-256 key and token.
const EC_X: &str = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU";
const EC_Y: &str = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0";
const EC_D: &str = "jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI";
const ES256_TOKEN: &str = "eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";
// RFC 8037 Appendix A.1/A.2 (key) and A.4 (token).
const ED_D: &str = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A";
const ED_X: &str = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
const EDDSA_TOKEN: &str = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc.hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg";

const ISSUER: &str = "https://idp.example";
const CLIENT_ID: &str = "latchkey-spa";
const NONCE: &str = "vector-nonce";
const NOW: u64 = 1_700_000_100;

fn b64d(s: &str) -> Vec<u8> {
    URL_SAFE_NO_PAD.decode(s).unwrap()
}

fn b64e(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn rsa_jwk() -> Value {
    json!({"kty":"RSA","kid":"rfc7515-a2","n":RSA_N,"e":"AQAB"})
}
fn ec_jwk() -> Value {
    json!({"kty":"EC","kid":"rfc7515-a3","crv":"P-256","x":EC_X,"y":EC_Y})
}
fn ed_jwk() -> Value {
    json!({"kty":"OKP","kid":"rfc8037-a","crv":"Ed25519","x":ED_X})
}

fn rsa_private() -> rsa::RsaPrivateKey {
    let u = |s| rsa::BigUint::from_bytes_be(&b64d(s));
    rsa::RsaPrivateKey::from_components(u(RSA_N), u("AQAB"), u(RSA_D), vec![u(RSA_P), u(RSA_Q)])
        .unwrap()
}

fn id_token_claims(alg: &str) -> Value {
    json!({"iss":ISSUER,"sub":"vector-user","aud":CLIENT_ID,"exp":2_000_000_000u64,"iat":1_700_000_000u64,
           "nonce":NONCE,"name":"Vector User","email":"vector@example.org","alg_under_test":alg})
}

/// Signs header.payload with the RFC key for `alg`.
fn sign(alg: &str, kid: &str, claims: &Value) -> String {
    use rsa::signature::{RandomizedSigner, SignatureEncoding, Signer};
    let header = json!({"alg":alg,"kid":kid,"typ":"JWT"});
    let input = format!("{}.{}", b64e(header.to_string()), b64e(claims.to_string()));
    let sig: Vec<u8> = match alg {
        "RS256" => rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new(rsa_private())
            .sign(input.as_bytes())
            .to_vec(),
        "PS256" => {
            use rand::SeedableRng;
            let mut rng = rand::rngs::StdRng::seed_from_u64(7);
            rsa::pss::SigningKey::<sha2::Sha256>::new(rsa_private())
                .sign_with_rng(&mut rng, input.as_bytes())
                .to_vec()
        }
        "ES256" => {
            let d: [u8; 32] = b64d(EC_D).try_into().unwrap();
            let sk = p256::ecdsa::SigningKey::from_bytes(&d.into()).unwrap();
            let s: p256::ecdsa::Signature = sk.sign(input.as_bytes());
            s.to_bytes().to_vec()
        }
        "EdDSA" => {
            let d: [u8; 32] = b64d(ED_D).try_into().unwrap();
            ed25519_dalek::Signer::sign(
                &ed25519_dalek::SigningKey::from_bytes(&d),
                input.as_bytes(),
            )
            .to_bytes()
            .to_vec()
        }
        other => panic!("no key for {other}"),
    };
    format!("{input}.{}", b64e(sig))
}

fn tamper_payload(token: &str) -> String {
    let parts: Vec<&str> = token.split('.').collect();
    let mut payload = b64d(parts[1]);
    payload[2] ^= 0x01;
    format!("{}.{}.{}", parts[0], b64e(payload), parts[2])
}

fn tamper_signature(token: &str) -> String {
    let parts: Vec<&str> = token.split('.').collect();
    let mut sig = b64d(parts[2]);
    let last = sig.len() - 1;
    sig[last] ^= 0x01;
    format!("{}.{}.{}", parts[0], parts[1], b64e(sig))
}

fn entry(
    name: &str,
    source: &str,
    alg: &str,
    jwk: &Value,
    token: String,
    valid: bool,
    id_token: bool,
) -> Value {
    json!({"name":name,"source":source,"alg":alg,"jwk":jwk,"token":token,"valid":valid,"id_token":id_token})
}

/// Every vector, as the JSON file holds them.
fn build_vectors() -> Value {
    let mut v = Vec::new();
    for (name, alg, jwk, token) in [
        ("rfc7515-a2-rs256", "RS256", rsa_jwk(), RS256_TOKEN),
        ("rfc7515-a3-es256", "ES256", ec_jwk(), ES256_TOKEN),
        ("rfc8037-a4-eddsa", "EdDSA", ed_jwk(), EDDSA_TOKEN),
    ] {
        let source = &name[..7];
        v.push(entry(
            name,
            source,
            alg,
            &jwk,
            token.to_owned(),
            true,
            false,
        ));
        v.push(entry(
            &format!("{name}-tampered-payload"),
            source,
            alg,
            &jwk,
            tamper_payload(token),
            false,
            false,
        ));
        v.push(entry(
            &format!("{name}-tampered-signature"),
            source,
            alg,
            &jwk,
            tamper_signature(token),
            false,
            false,
        ));
    }
    for (alg, kid, jwk) in [
        ("RS256", "rfc7515-a2", rsa_jwk()),
        ("PS256", "rfc7515-a2", rsa_jwk()),
        ("ES256", "rfc7515-a3", ec_jwk()),
        ("EdDSA", "rfc8037-a", ed_jwk()),
    ] {
        let token = sign(alg, kid, &id_token_claims(alg));
        let name = format!("id-token-{}", alg.to_lowercase());
        let source = "signed by latchkey's tests with the RFC key";
        v.push(entry(
            &format!("{name}-tampered-payload"),
            source,
            alg,
            &jwk,
            tamper_payload(&token),
            false,
            true,
        ));
        v.push(entry(
            &format!("{name}-tampered-signature"),
            source,
            alg,
            &jwk,
            tamper_signature(&token),
            false,
            true,
        ));
        v.push(entry(&name, source, alg, &jwk, token, true, true));
    }
    json!({
        "about": "JWS verification vectors shared by latchkey-proto (native) and the browser (WebCrypto). \
                  For each entry: split `token` at the dots, verify base64url-decoded part 3 over the ASCII of \
                  parts 1 '.' 2 with `jwk` for `alg`; the outcome must equal `valid`. Entries with `id_token` \
                  true also pass full ID token validation with `id_token_checks` when valid.",
        "id_token_checks": {"issuer": ISSUER, "client_id": CLIENT_ID, "nonce": NONCE, "now": NOW, "leeway_secs": 0},
        "vectors": v,
    })
}

fn load() -> Value {
    serde_json::from_str(&std::fs::read_to_string(VECTORS_PATH).expect("vectors file"))
        .expect("vectors JSON")
}

fn block_on<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    match f.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(v) => v,
        Poll::Pending => panic!("the native verifier is synchronous"),
    }
}

#[test]
fn the_vectors_file_matches_what_the_rfc_keys_produce() {
    let built = build_vectors();
    if std::env::var_os("LATCHKEY_WRITE_VECTORS").is_some() {
        std::fs::write(
            VECTORS_PATH,
            serde_json::to_string_pretty(&built).unwrap() + "\n",
        )
        .unwrap();
    }
    let file = load();
    assert_eq!(file["id_token_checks"], built["id_token_checks"]);
    let (file_v, built_v) = (
        file["vectors"].as_array().unwrap(),
        built["vectors"].as_array().unwrap(),
    );
    assert_eq!(file_v.len(), built_v.len());
    for (f, b) in file_v.iter().zip(built_v) {
        assert_eq!(f["name"], b["name"]);
        assert_eq!(f["jwk"], b["jwk"]);
        if b["alg"] != "PS256" {
            assert_eq!(f["token"], b["token"], "{} is deterministic", b["name"]);
        }
    }
}

#[test]
fn ed25519_public_key_is_derived_from_the_rfc_private_key() {
    let d: [u8; 32] = b64d(ED_D).try_into().unwrap();
    assert_eq!(
        b64e(
            ed25519_dalek::SigningKey::from_bytes(&d)
                .verifying_key()
                .as_bytes()
        ),
        ED_X
    );
}

#[test]
fn rfc_signatures_are_reproduced() {
    // RFC 7515 A.3's ECDSA signature used a random k, so only RS256 (A.2) and Ed25519
    // (RFC 8037 A.4) can be re-signed to the very bytes the RFCs print.
    use rsa::signature::{SignatureEncoding, Signer};
    let input = &RS256_TOKEN[..RS256_TOKEN.rfind('.').unwrap()];
    let sig = rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new(rsa_private())
        .sign(input.as_bytes())
        .to_vec();
    assert_eq!(
        b64e(sig),
        &RS256_TOKEN[RS256_TOKEN.rfind('.').unwrap() + 1..]
    );
    let input = &EDDSA_TOKEN[..EDDSA_TOKEN.rfind('.').unwrap()];
    let d: [u8; 32] = b64d(ED_D).try_into().unwrap();
    let sig =
        ed25519_dalek::Signer::sign(&ed25519_dalek::SigningKey::from_bytes(&d), input.as_bytes());
    assert_eq!(
        b64e(sig.to_bytes()),
        &EDDSA_TOKEN[EDDSA_TOKEN.rfind('.').unwrap() + 1..]
    );
}

#[test]
fn every_vector_verifies_as_labelled() {
    let file = load();
    let mut checked = 0;
    for v in file["vectors"].as_array().unwrap() {
        let name = v["name"].as_str().unwrap();
        let token = v["token"].as_str().unwrap();
        let alg = JwsAlg::parse(v["alg"].as_str().unwrap()).unwrap();
        let key = Jwk::from_json(&v["jwk"]).unwrap();
        let jws = CompactJws::parse(token).unwrap();
        assert_eq!(jws.header().alg, alg, "{name}");
        let outcome = NativeVerifier.verify_now(alg, &key, jws.signing_input(), jws.signature());
        if v["valid"].as_bool().unwrap() {
            assert_eq!(outcome, Ok(()), "{name}");
        } else {
            assert_eq!(outcome, Err(VerifyError::BadSignature), "{name}");
        }
        checked += 1;
    }
    assert_eq!(checked, 21);
}

#[test]
fn a_signature_checked_under_the_wrong_algorithm_fails() {
    let key = Jwk::from_json(&rsa_jwk()).unwrap();
    let jws = CompactJws::parse(RS256_TOKEN).unwrap();
    for alg in [JwsAlg::PS256, JwsAlg::RS384, JwsAlg::RS512] {
        assert_eq!(
            NativeVerifier.verify_now(alg, &key, jws.signing_input(), jws.signature()),
            Err(VerifyError::BadSignature),
            "{alg}"
        );
    }
    let ec = Jwk::from_json(&ec_jwk()).unwrap();
    assert!(NativeVerifier
        .verify_now(JwsAlg::RS256, &ec, jws.signing_input(), jws.signature())
        .is_err());
}

#[test]
fn id_token_vectors_pass_full_validation() {
    let file = load();
    let c = &file["id_token_checks"];
    let nonce = Nonce::new(c["nonce"].as_str().unwrap());
    let checks = IdTokenChecks {
        issuer: c["issuer"].as_str().unwrap(),
        client_id: c["client_id"].as_str().unwrap(),
        nonce: NonceCheck::Expect(&nonce),
        leeway_secs: 0,
        access_token: None,
        expected_sub: None,
        algs: AlgPolicy::AnySupported,
        max_age: None,
    };
    let jwks = JwkSet::parse(
        json!({"keys":[rsa_jwk(), ec_jwk(), ed_jwk()]})
            .to_string()
            .as_bytes(),
    )
    .unwrap();
    let now = c["now"].as_u64().unwrap();
    let mut good = 0;
    for v in file["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["id_token"] == true)
    {
        let result = block_on(verify_id_token(
            v["token"].as_str().unwrap(),
            &jwks,
            &NativeVerifier,
            &checks,
            now,
        ));
        if v["valid"] == true {
            let verified = result.unwrap_or_else(|e| panic!("{}: {e}", v["name"]));
            assert_eq!(verified.claims().sub(), "vector-user");
            assert_eq!(verified.claims().name(), Some("Vector User"));
            good += 1;
        } else {
            assert!(
                matches!(result, Err(IdTokenError::Signature(_))),
                "{}: {result:?}",
                v["name"]
            );
        }
    }
    assert_eq!(good, 4);
    // The same tokens, read at a time after `exp`, are refused.
    let v = &file["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "id-token-es256")
        .unwrap()["token"];
    let late = block_on(verify_id_token(
        v.as_str().unwrap(),
        &jwks,
        &NativeVerifier,
        &checks,
        2_000_000_001,
    ));
    assert!(matches!(late, Err(IdTokenError::Expired { .. })));
}
