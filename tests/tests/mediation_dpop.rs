//! DPoP (RFC 9449) and PAR (RFC 9126) through the companion, against panva's oidc-provider
//! (`tests/providers/oidc-provider`) and its confidential client `bound-secret`, which must
//! push its requests and gets DPoP-bound tokens only. The test speaks HTTP as the app's script
//! will: it holds the key and signs every proof for the provider's endpoint (with `p256`, as
//! WebCrypto would; proofs built by `latchkey_proto::dpop`), posts to the companion's routes,
//! and signs in on the fixture's own pages. Nothing stands in for the provider: it checks each
//! proof, its nonce and `jti`, and the client secret the companion adds.

use base64::Engine as _;
use latchkey_e2e::consent::op_code;
use latchkey_e2e::process::free_port;
use latchkey_e2e::{
    Companion, OidcProvider, DEMO_USER, OP_CONF_CLIENT, OP_CONF_SECRET_ENV, OP_ID, OP_NAME,
};
use latchkey_proto::dpop::{build_signing_input, DpopNonce, ProofParams, PublicKey};
use latchkey_proto::secret::AccessToken;
use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{Signature, SigningKey};
use serde_json::Value;
use sha2::{Digest as _, Sha256};

/// The browser's side: its key (which the companion never sees), the provider's latest
/// nonce, and everything the companion answered it, for the leak checks.
struct Browser {
    key: SigningKey,
    public: PublicKey,
    nonce: Option<DpopNonce>,
    companion: String,
    http: reqwest::Client,
    seen: Vec<String>,
}

/// A proof for `method htu` signed with `key` (RFC 9449 §4.2), with `nonce` and, for a
/// resource request, `ath` of `access_token`: what the client makes with WebCrypto.
fn sign(
    key: &SigningKey,
    public: &PublicKey,
    nonce: Option<&DpopNonce>,
    method: &str,
    htu: &str,
    access_token: Option<&AccessToken>,
) -> String {
    let jti: [u8; 16] = rand::random();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("a clock after 1970")
        .as_secs();
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a method");
    let input = build_signing_input(&ProofParams {
        key: public,
        method: &method,
        target_uri: htu,
        iat: now,
        jti_random: &jti,
        nonce,
        access_token,
    })
    .expect("a proof's signing input");
    let signature: Signature = key.sign(input.as_bytes());
    input
        .into_proof(&signature.to_bytes())
        .expect("a 64-byte signature")
        .as_str()
        .to_owned()
}

/// One answer of a companion route.
#[derive(Debug)]
struct Answer {
    status: u16,
    body: Value,
    dpop_nonce: Option<String>,
    set_cookie: Option<String>,
}

impl Answer {
    fn error(&self) -> &str {
        self.body["error"].as_str().unwrap_or_default()
    }
}

impl Browser {
    fn new(companion: &Companion) -> Self {
        let key = SigningKey::random(&mut rand::rngs::OsRng);
        let point = key.verifying_key().to_encoded_point(false);
        let public = PublicKey::from_uncompressed_point(point.as_bytes()).expect("a P-256 point");
        Browser {
            key,
            public,
            nonce: None,
            companion: companion.origin(),
            http: reqwest::Client::new(),
            seen: Vec::new(),
        }
    }

    /// A fresh proof for `POST htu` with the provider's latest nonce.
    fn proof(&self, htu: &str) -> String {
        sign(
            &self.key,
            &self.public,
            self.nonce.as_ref(),
            "POST",
            htu,
            None,
        )
    }

    /// POSTs `form` to the companion's `/oauth2/op/<route>` with `proofs` as `DPoP` headers;
    /// keeps the provider's nonce the companion relayed.
    async fn post(
        &mut self,
        route: &str,
        form: &[(&str, &str)],
        proofs: &[&str],
        cookie: Option<&str>,
    ) -> Answer {
        let mut req = self
            .http
            .post(format!("{}/oauth2/{OP_ID}/{route}", self.companion))
            .header("Origin", &self.companion)
            .form(form);
        for p in proofs {
            req = req.header("DPoP", *p);
        }
        if let Some(c) = cookie {
            req = req.header("Cookie", c);
        }
        let resp = req.send().await.unwrap_or_else(|e| panic!("{route}: {e}"));
        let status = resp.status().as_u16();
        let header = |name: &str| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let (dpop_nonce, set_cookie) = (header("dpop-nonce"), header("set-cookie"));
        self.seen.push(format!("{:?}", resp.headers()));
        let bytes = resp.bytes().await.unwrap_or_default();
        self.seen.push(String::from_utf8_lossy(&bytes).into_owned());
        if let Some(n) = &dpop_nonce {
            self.nonce = Some(DpopNonce::parse(n).expect("the provider's nonce"));
        }
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Answer {
            status,
            body,
            dpop_nonce,
            set_cookie,
        }
    }

    /// [`Browser::post`] with one fresh proof for `htu`, and once more with a new proof after
    /// a `use_dpop_nonce` challenge (RFC 9449 §8), as the client does.
    async fn post_signed(
        &mut self,
        route: &str,
        htu: &str,
        form: &[(&str, &str)],
        cookie: Option<&str>,
    ) -> Answer {
        let proof = self.proof(htu);
        let a = self.post(route, form, &[&proof], cookie).await;
        if a.status == 400 && a.error() == "use_dpop_nonce" {
            let proof = self.proof(htu);
            return self.post(route, form, &[&proof], cookie).await;
        }
        a
    }
}

/// The fixture with `bound-secret` and the companion mediating it with `dpop = "required"`,
/// `par = true` and `refresh_token_in`; the secret they share.
async fn start(
    refresh_token_in: &str,
) -> (
    OidcProvider,
    Companion,
    String,
    latchkey_e2e::paths::ScratchDir,
) {
    let secret = latchkey_e2e::random_token(24);
    let port = free_port();
    let origin = format!("http://127.0.0.1:{port}");
    let op =
        OidcProvider::start_with_env(&origin, &[OP_ID], &[(OP_CONF_SECRET_ENV, &secret)]).await;
    let provider = format!(
        r#"
[[provider]]
id = "{OP_ID}"
name = "{OP_NAME}"
protocol = "oidc"
issuer = "{issuer}"
client_id = "{OP_CONF_CLIENT}"
scopes = ["openid", "profile"]
api_base = "{issuer}/api/"
token_via_companion = true
client_secret_env = "{OP_CONF_SECRET_ENV}"
refresh_token_in = "{refresh_token_in}"
dpop = "required"
par = true
"#,
        issuer = op.issuer(),
    );
    // No page is needed: the test is the page's script.
    let site = latchkey_e2e::paths::ScratchDir::new("site");
    std::fs::write(
        site.path().join("index.html"),
        "<!doctype html><title>t</title>",
    )
    .expect("write index.html");
    // A sign-in, three refreshes, their nonce challenges and the refusals are more token
    // requests than the default budget of one address allows at once.
    let companion = Companion::start_serving_with_server(
        port,
        site.path(),
        "token_rate_per_minute = 600\ntoken_rate_burst = 100\n",
        &[provider],
        &[(OP_CONF_SECRET_ENV, &secret), ("RUST_LOG", "trace")],
    )
    .await;
    (op, companion, secret, site)
}

/// The provider's endpoints, from its discovery document: what the browser signs for.
struct Endpoints {
    authorization: String,
    par: String,
    token: String,
    revocation: String,
}

async fn endpoints(op: &OidcProvider) -> Endpoints {
    let d = op.discovery().await;
    let get = |k: &str| {
        d[k].as_str()
            .unwrap_or_else(|| panic!("no {k} in {d}"))
            .to_owned()
    };
    Endpoints {
        authorization: get("authorization_endpoint"),
        par: get("pushed_authorization_request_endpoint"),
        token: get("token_endpoint"),
        revocation: get("revocation_endpoint"),
    }
}

/// What a sign-in must repeat at the code exchange.
struct Pending {
    verifier: String,
    state: String,
    redirect_uri: String,
}

/// The authorization request's parameters as the browser pushes them, bound to its key
/// (`dpop_jkt`, RFC 9449 §10).
fn authorization_params(
    b: &Browser,
    companion: &Companion,
) -> (Vec<(&'static str, String)>, Pending) {
    let verifier = latchkey_e2e::random_token(32);
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(Sha256::digest(verifier.as_bytes()));
    let state = latchkey_e2e::random_token(12);
    let redirect_uri = format!("{}/callback/{OP_ID}", companion.origin());
    let params = vec![
        ("response_type", "code".to_owned()),
        ("client_id", OP_CONF_CLIENT.to_owned()),
        ("redirect_uri", redirect_uri.clone()),
        ("scope", "openid profile".to_owned()),
        ("state", state.clone()),
        ("nonce", latchkey_e2e::random_token(12)),
        ("code_challenge", challenge),
        ("code_challenge_method", "S256".to_owned()),
        ("dpop_jkt", b.public.thumbprint().as_str().to_owned()),
    ];
    (
        params,
        Pending {
            verifier,
            state,
            redirect_uri,
        },
    )
}

fn pairs<'a>(v: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    v.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// Pushes through the companion (answering the nonce challenge), signs in on the fixture's
/// pages and returns the code's exchange form.
async fn sign_in(
    b: &mut Browser,
    op: &OidcProvider,
    companion: &Companion,
    e: &Endpoints,
) -> Vec<(&'static str, String)> {
    let (params, pending) = authorization_params(b, companion);
    let a = b.post_signed("par", &e.par, &pairs(&params), None).await;
    assert_eq!(a.status, 201, "the provider took the push: {a:?}");
    let request_uri = a.body["request_uri"].as_str().expect("a request_uri");
    let url = reqwest::Url::parse_with_params(
        &e.authorization,
        [("client_id", OP_CONF_CLIENT), ("request_uri", request_uri)],
    )
    .expect("the authorization endpoint is a URL");
    let back = op_code(op, url.as_str(), &pending.redirect_uri).await;
    assert_eq!(back.get("state"), Some(&pending.state), "{back:?}");
    assert_eq!(back.get("iss"), Some(&op.issuer()), "{back:?}");
    vec![
        ("grant_type", "authorization_code".to_owned()),
        ("code", back["code"].clone()),
        ("code_verifier", pending.verifier),
        ("redirect_uri", pending.redirect_uri),
    ]
}

/// `GET /api/me` at the fixture with the DPoP-bound token, signed with the browser's key
/// (after the API's own nonce challenge, RFC 9449 §9): the fixture's answer.
async fn api_me(b: &Browser, op: &OidcProvider, token: &str) -> (u16, Value) {
    let url = format!("{}/api/me", op.base_url());
    let access = AccessToken::new(token);
    let mut nonce = None;
    for _ in 0..2 {
        let proof = sign(
            &b.key,
            &b.public,
            nonce.as_ref(),
            "GET",
            &url,
            Some(&access),
        );
        let resp = reqwest::Client::new()
            .get(&url)
            .header("Authorization", format!("DPoP {token}"))
            .header("DPoP", proof)
            .send()
            .await
            .expect("GET /api/me");
        let status = resp.status().as_u16();
        let challenge = resp
            .headers()
            .get("dpop-nonce")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = json(resp).await;
        match challenge {
            Some(n) if status == 401 => nonce = Some(DpopNonce::parse(&n).expect("a nonce")),
            _ => return (status, body),
        }
    }
    panic!("/api/me asked for a nonce twice");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn par_code_refresh_and_revoke_through_the_companion_with_browser_held_dpop_proofs() {
    let (op, companion, secret, _site) = start("browser").await;
    let e = endpoints(&op).await;
    let mut b = Browser::new(&companion);
    let (params, _) = authorization_params(&b, &companion);
    let form = pairs(&params);

    // The push, with a proof but no nonce: the provider's challenge comes back unchanged with
    // its DPoP-Nonce (RFC 9449 §8).
    let first = b.proof(&e.par);
    let a = b.post("par", &form, &[&first], None).await;
    assert_eq!((a.status, a.error()), (400, "use_dpop_nonce"), "{a:?}");
    assert!(a.dpop_nonce.is_some(), "the nonce is relayed: {a:?}");
    // The retry with a new proof carrying the nonce is taken.
    let proof = b.proof(&e.par);
    let a = b.post("par", &form, &[&proof], None).await;
    assert_eq!(a.status, 201, "{a:?}");
    assert!(
        a.body["request_uri"]
            .as_str()
            .is_some_and(|u| u.starts_with("urn:")),
        "{a:?}"
    );
    assert!(a.body["expires_in"].as_u64().is_some(), "{a:?}");
    // The same proof again: the provider refuses the replay, and the companion says so in its
    // words (RFC 9449 §11.1).
    let a = b.post("par", &form, &[&proof], None).await;
    assert_eq!((a.status, a.error()), (400, "invalid_request"), "{a:?}");
    assert_eq!(
        a.body["error_description"], "DPoP proof JWT Replay detected",
        "{a:?}"
    );
    // Two proofs are the companion's own refusal; nothing reaches the provider.
    let pushes = op.requests("POST", "/request");
    let a = b.post("par", &form, &[&proof, &first], None).await;
    assert_eq!((a.status, a.error()), (400, "bad_request"), "{a:?}");
    assert_eq!(op.requests("POST", "/request"), pushes);
    // Without the companion's client authentication the provider refuses the same push: the
    // secret is what the companion adds.
    let direct = reqwest::Client::new()
        .post(&e.par)
        .header("DPoP", b.proof(&e.par))
        .form(&form)
        .send()
        .await
        .expect("POST the PAR endpoint");
    let refused = json(direct).await;
    assert_eq!(
        refused["error"], "invalid_client",
        "a confidential client must authenticate"
    );

    // A whole sign-in: push, login and consent at the fixture, then the code exchange with a
    // proof for the provider's token endpoint.
    let code = sign_in(&mut b, &op, &companion, &e).await;
    let a = b.post_signed("token", &e.token, &pairs(&code), None).await;
    assert_eq!(a.status, 200, "{a:?}");
    assert_eq!(a.body["token_type"], "DPoP", "{a:?}");
    assert!(a.body["id_token"].is_string(), "{a:?}");
    let access = a.body["access_token"]
        .as_str()
        .expect("an access token")
        .to_owned();
    let refresh = a.body["refresh_token"]
        .as_str()
        .expect("a refresh token")
        .to_owned();
    // The token is bound to the browser's key: the fixture's API takes it with its proofs.
    let (status, me) = api_me(&b, &op, &access).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(
        (me["sub"].as_str(), me["token_type"].as_str()),
        (Some(DEMO_USER), Some("DPoP"))
    );
    assert_eq!(me["client_id"], OP_CONF_CLIENT);

    // A refresh with a proof: rotated, still DPoP.
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh.as_str()),
    ];
    let a = b.post_signed("refresh", &e.token, &form, None).await;
    assert_eq!(a.status, 200, "{a:?}");
    assert_eq!(a.body["token_type"], "DPoP", "{a:?}");
    let rotated = a.body["refresh_token"]
        .as_str()
        .expect("a new refresh token")
        .to_owned();
    assert_ne!(rotated, refresh, "the provider rotates the refresh token");
    let refreshed = a.body["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert_eq!(api_me(&b, &op, &refreshed).await.0, 200);

    // A replayed refresh proof: refused by the provider (invalid_grant, its word for a replay
    // at the token endpoint), relayed; the very same token with a fresh proof still works, so
    // the replay was the reason.
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", rotated.as_str()),
    ];
    let once = b.proof(&e.token);
    let a = b.post("refresh", &form, &[&once], None).await;
    assert_eq!(a.status, 200, "{a:?}");
    let last = a.body["refresh_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", last.as_str()),
    ];
    let a = b.post("refresh", &form, &[&once], None).await;
    assert_eq!((a.status, a.error()), (400, "invalid_grant"), "{a:?}");
    let a = b.post_signed("refresh", &e.token, &form, None).await;
    assert_eq!(a.status, 200, "{a:?}");
    let last = a.body["refresh_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();

    // Sign-out: revoke through the companion, with a proof for the revocation endpoint; the
    // provider then refuses the refresh token.
    let revocations = op.requests("POST", "/token/revocation");
    let form = [
        ("token", last.as_str()),
        ("token_type_hint", "refresh_token"),
    ];
    let a = b.post_signed("revoke", &e.revocation, &form, None).await;
    assert_eq!((a.status, &a.body), (200, &serde_json::json!({})), "{a:?}");
    assert_eq!(op.requests("POST", "/token/revocation"), revocations + 1);
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", last.as_str()),
    ];
    let a = b.post_signed("refresh", &e.token, &form, None).await;
    assert_eq!((a.status, a.error()), (400, "invalid_grant"), "{a:?}");

    // The secret reached the provider (it authenticated every request) and nothing else.
    for (i, s) in b.seen.iter().enumerate() {
        assert!(
            !s.contains(&secret),
            "answer {i} holds the client secret: {s}"
        );
    }
    let log = companion.service().log_text();
    assert!(
        log.contains("TRACE") && log.contains("refreshed"),
        "the log was captured"
    );
    for (what, s) in [
        ("the client secret", secret.as_str()),
        ("a proof", once.as_str()),
    ] {
        assert!(!log.contains(s), "{what} is in the companion's log");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_refresh_token_in_the_companion_the_browser_still_signs_each_refresh() {
    let (op, companion, secret, _site) = start("companion").await;
    let e = endpoints(&op).await;
    let mut b = Browser::new(&companion);
    let code = sign_in(&mut b, &op, &companion, &e).await;
    let a = b.post_signed("token", &e.token, &pairs(&code), None).await;
    assert_eq!(a.status, 200, "{a:?}");
    assert_eq!(a.body["token_type"], "DPoP", "{a:?}");
    assert_eq!(a.body["refresh_token_in"], "companion", "{a:?}");
    assert!(a.body.get("refresh_token").is_none(), "{a:?}");
    let cookie = cookie_pair(&a);

    // The browser never sees the refresh token, yet signs the refresh: the proof is for the
    // token endpoint, not for the token.
    let a = b.post_signed("refresh", &e.token, &[], Some(&cookie)).await;
    assert_eq!(a.status, 200, "{a:?}");
    assert_eq!(a.body["token_type"], "DPoP", "{a:?}");
    let rotated = cookie_pair(&a);
    assert_ne!(
        rotated, cookie,
        "the rotated token is sealed into a new cookie"
    );
    let access = a.body["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert_eq!(
        api_me(&b, &op, &access).await.0,
        200,
        "bound to the browser's key"
    );

    // Sign-out revokes the cookie's token and clears the cookie.
    let a = b
        .post_signed("revoke", &e.revocation, &[], Some(&rotated))
        .await;
    assert_eq!(a.status, 200, "{a:?}");
    assert!(
        a.set_cookie
            .as_deref()
            .is_some_and(|c| c.contains("Max-Age=0")),
        "{a:?}"
    );
    let a = b
        .post_signed("refresh", &e.token, &[], Some(&rotated))
        .await;
    assert_eq!((a.status, a.error()), (400, "invalid_grant"), "{a:?}");
    for s in &b.seen {
        assert!(
            !s.contains(&secret),
            "an answer holds the client secret: {s}"
        );
    }
}

/// A response's JSON body, or null.
async fn json(resp: reqwest::Response) -> Value {
    let bytes = resp.bytes().await.unwrap_or_default();
    serde_json::from_slice(&bytes).unwrap_or(Value::Null)
}

/// `name=value` of the answer's Set-Cookie.
fn cookie_pair(a: &Answer) -> String {
    let header = a
        .set_cookie
        .as_deref()
        .unwrap_or_else(|| panic!("no cookie in {a:?}"));
    header.split(';').next().unwrap_or_default().to_owned()
}
