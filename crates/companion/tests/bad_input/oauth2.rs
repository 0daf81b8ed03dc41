//! The token-mediation routes (`/oauth2/{id}/…`).

use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use latchkey_companion::config::Config;
use latchkey_companion::secrets::{Secrets, COOKIE_KEY_ENV};
use latchkey_companion::state::FixedClock;
use latchkey_companion::AppState;

use super::harness::*;

/// The token-mediation routes (`/oauth2/{id}/…`): every refusal happens before anything is
/// sent to the provider's token endpoint (the stand-in counts what reaches it).
#[tokio::test]
async fn token_mediation_route_catalogue_sends_nothing_upstream() {
    let (base, hits) = upstream().await;
    let text = format!(
        r#"
[server]
listen = "127.0.0.1:0"
public_url = "{APP}"
static_dir = "/nonexistent"
token_rate_per_minute = 100000
token_rate_burst = 100000

[[provider]]
id = "med"
name = "Mediated"
protocol = "oauth2"
authorization_endpoint = "{base}authorize"
token_endpoint = "{base}token"
revocation_endpoint = "{base}revoke"
client_id = "med-client"
token_via_companion = true
client_secret_env = "MED_SECRET"

[[provider]]
id = "direct"
name = "Direct"
protocol = "oauth2"
authorization_endpoint = "{base}authorize"
token_endpoint = "{base}token"
client_id = "spa"
"#
    );
    let config = Config::parse(&text).unwrap();
    let env = |n: &str| match n {
        "MED_SECRET" => Some("client-secret".to_owned()),
        COOKIE_KEY_ENV => Some(KEY_B.to_owned()),
        _ => None,
    };
    let secrets = Secrets::load(&config, &env).unwrap();
    let st = AppState::with(
        config,
        secrets,
        Arc::new(FixedClock(NOW)),
        Arc::new(FixedRandom),
    )
    .unwrap();
    let router = latchkey_companion::app(st);
    let form = |path: &str, origin: Option<&str>, body: Vec<u8>| {
        let mut b =
            Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(o) = origin {
            b = b.header(header::ORIGIN, o);
        }
        b.body(Body::from(body)).unwrap()
    };
    let code = |redirect: &str| {
        format!(
            "grant_type=authorization_code&code=c&code_verifier={}&redirect_uri={redirect}",
            "v".repeat(43)
        )
        .into_bytes()
    };
    let good_redirect = "http%3A%2F%2F127.0.0.1%3A8080%2Fcallback";
    let a = Some(APP);
    check(
        &router,
        vec![
            row(
                "token: unknown provider",
                form("/oauth2/nope/token", a, code(good_redirect)),
                NOT_FOUND,
                "not_found",
            ),
            row(
                "token: provider not mediated",
                form("/oauth2/direct/token", a, code(good_redirect)),
                NOT_FOUND,
                "not_found",
            ),
            row(
                "token: foreign Origin",
                form(
                    "/oauth2/med/token",
                    Some("https://evil.example"),
                    code(good_redirect),
                ),
                FORBIDDEN,
                "forbidden",
            ),
            row(
                "token: no Origin",
                form("/oauth2/med/token", None, code(good_redirect)),
                FORBIDDEN,
                "forbidden",
            ),
            row(
                "token: Origin null",
                form("/oauth2/med/token", Some("null"), code(good_redirect)),
                FORBIDDEN,
                "forbidden",
            ),
            row(
                "token: 32 KiB body",
                form("/oauth2/med/token", a, vec![b'a'; 32 * 1024]),
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
            ),
            row(
                "token: redirect_uri of another site",
                form(
                    "/oauth2/med/token",
                    a,
                    code("https%3A%2F%2Fevil.example%2Fcallback"),
                ),
                BAD_REQUEST,
                "bad_request",
            ),
            row(
                "token: redirect_uri beside /callback",
                form(
                    "/oauth2/med/token",
                    a,
                    code("http%3A%2F%2F127.0.0.1%3A8080%2Fcallback%2F..%2Fx"),
                ),
                BAD_REQUEST,
                "bad_request",
            ),
            row(
                "token: code missing",
                form(
                    "/oauth2/med/token",
                    a,
                    b"grant_type=authorization_code".to_vec(),
                ),
                BAD_REQUEST,
                "bad_request",
            ),
            row(
                "token: refresh grant on the code route",
                form(
                    "/oauth2/med/token",
                    a,
                    b"grant_type=refresh_token&refresh_token=r".to_vec(),
                ),
                BAD_REQUEST,
                "bad_request",
            ),
            row(
                "token: bad percent escape",
                form("/oauth2/med/token", a, b"grant_type=%zz&code=%".to_vec()),
                BAD_REQUEST,
                "bad_request",
            ),
            row(
                "refresh: empty body in browser mode",
                form("/oauth2/med/refresh", a, Vec::new()),
                BAD_REQUEST,
                "bad_request",
            ),
            row(
                "refresh: foreign Origin",
                form(
                    "/oauth2/med/refresh",
                    Some("https://evil.example"),
                    b"refresh_token=r".to_vec(),
                ),
                FORBIDDEN,
                "forbidden",
            ),
            row(
                "revoke: no Origin",
                form("/oauth2/med/revoke", None, b"token=t".to_vec()),
                FORBIDDEN,
                "forbidden",
            ),
            row(
                "revoke: unknown provider",
                form("/oauth2/nope/revoke", a, b"token=t".to_vec()),
                NOT_FOUND,
                "not_found",
            ),
        ],
    )
    .await;
    assert_eq!(
        hits.load(Ordering::SeqCst),
        0,
        "a refused token request reached the provider"
    );
}
