//! Building an authorization URL with a fresh PKCE pair, state and nonce from fixed random
//! bytes: the work the browser does when "Sign in" is clicked.

use criterion::{criterion_group, criterion_main, Criterion};
use latchkey_proto::authorize::{begin, FlowRandomness, FlowStart};
use std::hint::black_box;

fn authorize(c: &mut Criterion) {
    let scopes = [
        "openid".to_owned(),
        "profile".to_owned(),
        "email".to_owned(),
    ];
    let start = FlowStart {
        provider_id: "dot",
        issuer: Some("http://127.0.0.1:9000/o"),
        authorization_endpoint: "http://127.0.0.1:9000/o/authorize/",
        client_id: "latchkey-spa",
        redirect_uri: "http://127.0.0.1:8080/callback",
        scopes: &scopes,
        return_to: "/",
        extra: &[("prompt", "login")],
    };
    let random = FlowRandomness {
        state: &[0x5a; 32],
        nonce: &[0xa5; 32],
        verifier: &[0x3c; 32],
    };
    c.bench_function("authorization_url_with_fresh_pkce", |b| {
        b.iter(|| {
            let (url, pending) = begin(
                black_box(&start),
                black_box(&random),
                black_box(1_700_000_000),
            )
            .unwrap();
            black_box((url, pending))
        })
    });
}

criterion_group!(benches, authorize);
criterion_main!(benches);
