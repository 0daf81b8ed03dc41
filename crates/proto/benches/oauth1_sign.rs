//! Signing a typical OAuth 1.0a API request: HMAC-SHA1, a token, three query parameters and
//! two form fields, so about ten parameters in the base string.
//!
//! `scripts/bench-sign.sh` runs this next to oauthlib's `Client.sign` on the same request.
//! With `LATCHKEY_BENCH_PRINT=1` it prints that request's `Authorization` header instead of
//! timing anything, so the script can first check both sides sign it alike: a rate is only
//! worth comparing if the two sides do the same work.

use criterion::{criterion_group, Criterion, Throughput};
use latchkey_proto::oauth1::{
    sign_request, Body, ConsumerCredential, Credentials, SignatureMethod, SigningRequest,
};
use latchkey_proto::secret::{ConsumerSecret, TokenSecret};
use std::hint::black_box;

fn form() -> [(String, String); 2] {
    [
        (
            "status".to_owned(),
            "Hello Ladies + Gentlemen, a signed OAuth request!".to_owned(),
        ),
        ("include_entities".to_owned(), "true".to_owned()),
    ]
}

/// The request that is timed, and printed for the script's check.
fn typical_request(form: &[(String, String)]) -> SigningRequest<'_> {
    SigningRequest {
        method: "POST",
        url: "https://api.example.com:443/1.1/statuses/update.json?trim_user=1&lang=en&q=caf%C3%A9",
        body: Body::Form(form),
        consumer_key: "xvz1evFS4wEEPTGEFPHBog",
        token: Some("370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb"),
        callback: None,
        verifier: None,
        signature_method: SignatureMethod::HmacSha1,
        timestamp: 1318622958,
        nonce: "kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg",
        realm: None,
    }
}

fn secrets() -> (ConsumerSecret, TokenSecret) {
    (
        ConsumerSecret::new("kd94hf93k423kf44"),
        TokenSecret::new("pfkkdhi9sl3r4s00"),
    )
}

fn sign_typical_request(c: &mut Criterion) {
    let (consumer, token) = secrets();
    let form = form();
    let credentials = Credentials {
        consumer: ConsumerCredential::Secret(&consumer),
        token_secret: Some(&token),
    };
    // HMAC never reads it (only RSA blinding does).
    let mut rng = rand::thread_rng();
    let mut group = c.benchmark_group("oauth1");
    group.throughput(Throughput::Elements(1));
    group.bench_function("sign_hmac_sha1_10_params", |b| {
        b.iter(|| {
            let request = typical_request(&form);
            black_box(
                sign_request(black_box(&request), &credentials, &mut rng)
                    .map(|s| s.authorization_header),
            )
        })
    });
    // The two halves of the work, to see where the time goes.
    let base = latchkey_proto::oauth1::base_string::signature_base_string(
        "POST",
        "https://api.example.com:443/1.1/statuses/update.json?trim_user=1&lang=en&q=caf%C3%A9",
        Body::Form(&form),
        &[
            ("oauth_nonce", "kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg"),
            ("oauth_timestamp", "1318622958"),
            ("oauth_version", "1.0"),
            ("oauth_signature_method", "HMAC-SHA1"),
            ("oauth_consumer_key", "xvz1evFS4wEEPTGEFPHBog"),
            (
                "oauth_token",
                "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb",
            ),
        ],
    );
    group.bench_function("base_string_only", |b| {
        b.iter(|| {
            latchkey_proto::oauth1::base_string::signature_base_string(
                black_box("POST"),
                black_box("https://api.example.com:443/1.1/statuses/update.json?trim_user=1&lang=en&q=caf%C3%A9"),
                Body::Form(&form),
                &[
                    ("oauth_nonce", "kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg"),
                    ("oauth_timestamp", "1318622958"),
                    ("oauth_version", "1.0"),
                    ("oauth_signature_method", "HMAC-SHA1"),
                    ("oauth_consumer_key", "xvz1evFS4wEEPTGEFPHBog"),
                    ("oauth_token", "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb"),
                ],
            )
        })
    });
    if let Ok(base) = base {
        group.bench_function("hmac_sha1_only", |b| {
            b.iter(|| {
                latchkey_proto::oauth1::signature::sign(
                    SignatureMethod::HmacSha1,
                    black_box(&base),
                    ConsumerCredential::Secret(&consumer),
                    Some(&token),
                    &mut rng,
                )
            })
        });
    }
    group.finish();
}

criterion_group!(benches, sign_typical_request);

fn main() {
    if std::env::var("LATCHKEY_BENCH_PRINT").as_deref() == Ok("1") {
        let (consumer, token) = secrets();
        let credentials = Credentials {
            consumer: ConsumerCredential::Secret(&consumer),
            token_secret: Some(&token),
        };
        match sign_request(
            &typical_request(&form()),
            &credentials,
            &mut rand::thread_rng(),
        ) {
            Ok(signed) => println!("{}", signed.authorization_header),
            Err(e) => {
                eprintln!("oauth1_sign: the benchmarked request does not sign: {e}");
                std::process::exit(1);
            }
        }
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
