//! Signing a typical OAuth 1.0a API request: HMAC-SHA1, a token, three query parameters and
//! two form fields, so about ten parameters in the base string.
//!
//! `scripts/bench-sign.sh` runs this next to oauthlib's `Client.sign` on the same request.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use latchkey_proto::oauth1::{
    sign_request, Body, ConsumerCredential, Credentials, SignatureMethod, SigningRequest,
};
use latchkey_proto::secret::{ConsumerSecret, TokenSecret};
use std::hint::black_box;

fn sign_typical_request(c: &mut Criterion) {
    let consumer = ConsumerSecret::new("kd94hf93k423kf44");
    let token = TokenSecret::new("pfkkdhi9sl3r4s00");
    let form = [
        (
            "status".to_owned(),
            "Hello Ladies + Gentlemen, a signed OAuth request!".to_owned(),
        ),
        ("include_entities".to_owned(), "true".to_owned()),
    ];
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
            let request = SigningRequest {
                method: "POST",
                url: "https://api.example.com:443/1.1/statuses/update.json?trim_user=1&lang=en&q=caf%C3%A9",
                body: Body::Form(&form),
                consumer_key: "xvz1evFS4wEEPTGEFPHBog",
                token: Some("370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb"),
                callback: None,
                verifier: None,
                signature_method: SignatureMethod::HmacSha1,
                timestamp: 1318622958,
                nonce: "kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg",
                realm: None,
            };
            black_box(sign_request(black_box(&request), &credentials, &mut rng).map(|s| s.authorization_header))
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
criterion_main!(benches);
