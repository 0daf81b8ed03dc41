//! Where one `POST /oauth1/{id}/sign` spends its CPU, without the network: times each step of
//! the handler on its own (cookie open, JSON parse, signing, JSON write), then the whole router
//! through `oneshot`, next to a bare router of the same shape. Single-threaded, in-process, so
//! the figures are per request on one core and do not depend on wrk or the kernel.
//!
//! `cargo run --profile server -p latchkey-companion --example sign_costs -- CONFIG PROVIDER_ID`
//! (the environment must hold the config's consumer secret and `LATCHKEY_COOKIE_KEY`, as for
//! `mint_session`).

use std::hint::black_box;
use std::time::Instant;

use axum::body::Body;
use axum::http::Request;
use axum::routing::post;
use axum::Router;
use latchkey_companion::config::Config;
use latchkey_companion::routes::oauth1::session_cookie;
use latchkey_companion::routes::oauth1::sign::{SignRequest, SignResponse};
use latchkey_companion::sealed_cookie::CookieSealer;
use latchkey_companion::secrets::{process_env, Secrets};
use latchkey_companion::AppState;
use latchkey_proto::oauth1::{
    sign_request, Body as SignedBody, Credentials, SignatureMethod, SigningRequest,
    TokenCredentials,
};
use latchkey_proto::secret::TokenSecret;
use tower::ServiceExt;

const BODY: &str = r#"{"method":"POST","url":"http://127.0.0.1:9/api/statuses/update.json?include_entities=true","params":[["status","Hello Ladies + Gentlemen, a signed OAuth request!"]]}"#;

/// Runs `f` `n` times and prints the mean in microseconds.
fn time<T>(label: &str, n: u32, mut f: impl FnMut() -> T) -> f64 {
    for _ in 0..n / 10 {
        black_box(f());
    }
    let start = Instant::now();
    for _ in 0..n {
        black_box(f());
    }
    let us = start.elapsed().as_secs_f64() * 1e6 / f64::from(n);
    println!("{label:<44} {us:>8.2} µs");
    us
}

fn main() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let (Some(path), Some(id)) = (args.next(), args.next()) else {
        return Err("usage: sign_costs CONFIG PROVIDER_ID".to_owned());
    };
    let show = |p: Vec<latchkey_companion::config::Problem>| {
        p.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    };
    let config = Config::read(std::path::Path::new(&path)).map_err(show)?;
    let secrets = Secrets::load(&config, &process_env).map_err(show)?;
    let public_url = config.server.public_url.clone();
    let state = AppState::new(config, secrets)?;
    let session = TokenCredentials {
        token: "benchaccesstoken0123456789".to_owned(),
        secret: TokenSecret::new("bench-token-secret"),
        extra: vec![
            ("user_id".to_owned(), "1".to_owned()),
            ("screen_name".to_owned(), "bench".to_owned()),
        ],
    };
    let cookie = session_cookie(&state, &id, &session).map_err(|e| e.to_string())?;
    let (cookie_name, cookie_value) = cookie.split_once('=').ok_or("cookie has no '='")?;
    let keys = state.secrets().cookie_keys.clone().ok_or("no cookie key")?;
    let sealer = state.cookie_sealer().ok_or("no cookie sealer")?;
    let now = state.clock().now();
    let n = 200_000;

    println!("per request, one core, {n} iterations each");
    time("cookie open (cipher cached in the state)", n, || {
        sealer.open(cookie_name, &id, now, cookie_value)
    });
    time("cookie open (cipher built per call)", n, || {
        CookieSealer::new(&keys).open(cookie_name, &id, now, cookie_value)
    });
    let cache = state.session_cache();
    cache.insert(
        &id,
        cookie_value,
        now,
        u64::MAX,
        std::sync::Arc::new(latchkey_companion::routes::oauth1::OpenSession {
            signed_in: latchkey_companion::routes::oauth1::SignedIn {
                credentials: session.clone(),
                signed_in_at: Some(now),
            },
            expires_at: u64::MAX,
        }),
    );
    time("session cache hit (a repeat request)", n, || {
        cache.get(&id, cookie_value, now)
    });
    let opened = sealer
        .open(cookie_name, &id, now, cookie_value)
        .map_err(|e| e.to_string())?;
    time("cookie payload JSON decode", n, || {
        serde_json::from_slice::<TokenCredentials>(&opened).map(|s| s.token.len())
    });
    time("request JSON parse (SignRequest)", n, || {
        serde_json::from_str::<SignRequest>(BODY).map(|r| r.url.len())
    });
    let params = vec![(
        "status".to_owned(),
        "Hello Ladies + Gentlemen, a signed OAuth request!".to_owned(),
    )];
    let secret = latchkey_proto::secret::ConsumerSecret::new("bench-consumer-secret");
    time("oauth_nonce (30 alphanumerics)", n, || {
        state.random().oauth_nonce()
    });
    time("sign (base string + HMAC-SHA1 + header)", n, || {
        sign_request(
            &SigningRequest {
                method: "POST",
                url: "http://127.0.0.1:9/api/statuses/update.json?include_entities=true",
                body: SignedBody::Form(&params),
                consumer_key: "latchkeydemoconsumer01",
                token: Some(&session.token),
                callback: None,
                verifier: None,
                signature_method: SignatureMethod::HmacSha1,
                timestamp: 1_800_000_000,
                nonce: "abcdefghijklmnopqrstuvwxyz0123",
                realm: None,
            },
            &Credentials {
                consumer: latchkey_proto::oauth1::ConsumerCredential::Secret(&secret),
                token_secret: Some(&session.secret),
            },
            // HMAC never reads it; only RSA blinding does.
            &mut rand::thread_rng(),
        )
        .map(|s| s.authorization_header.len())
    });
    let header = "x".repeat(300);
    time("response JSON write (SignResponse)", n, || {
        serde_json::to_vec(&SignResponse {
            authorization: header.clone(),
        })
        .map(|v| v.len())
    });

    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(|e| e.to_string())?;
    let request = || {
        Request::post(format!("/oauth1/{id}/sign"))
            .header("content-type", "application/json")
            .header("origin", &public_url)
            .header("cookie", &cookie)
            .body(Body::from(BODY))
    };
    let router = latchkey_companion::app(state.clone());
    let status = runtime
        .block_on(
            router
                .clone()
                .oneshot(request().map_err(|e| e.to_string())?),
        )
        .map_err(|e| e.to_string())?
        .status();
    if !status.is_success() {
        return Err(format!("the companion answered {status}"));
    }
    let whole = time("companion router, whole request (oneshot)", n, || {
        runtime.block_on(async {
            let req = request().ok()?;
            let resp = router.clone().oneshot(req).await.ok()?;
            axum::body::to_bytes(resp.into_body(), 1 << 16).await.ok()
        })
    });
    let bare = Router::new().route(
        "/oauth1/{id}/sign",
        post(|axum::Json(r): axum::Json<serde_json::Value>| async move {
            axum::Json(serde_json::json!({ "authorization": header.clone(), "m": r["method"] }))
        }),
    );
    let bare_us = time("bare router, whole request (oneshot)", n, || {
        runtime.block_on(async {
            let req = request().ok()?;
            let resp = bare.clone().oneshot(req).await.ok()?;
            axum::body::to_bytes(resp.into_body(), 1 << 16).await.ok()
        })
    });
    println!(
        "companion − bare: {:.2} µs of handler work per request",
        whole - bare_us
    );
    Ok(())
}
