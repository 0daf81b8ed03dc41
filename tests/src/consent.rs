//! The demo user's sign-in and consent over plain HTTP, at DOT (Django's login form, then DOT's
//! consent form) and at the oidc-provider fixture (its `#login-form` and `#consent-form`), for
//! tests of the companion's token routes that need a real authorization code but no page: the
//! code is for a redirect URI no browser has to load (an `https://` origin the companion is
//! told it serves behind a proxy, or a companion serving no app).

use std::collections::BTreeMap;

use base64::Engine as _;
use sha2::{Digest as _, Sha256};

use crate::mediation::url_form_encode;
use crate::providers::{Dot, OidcProvider, DEMO_PASSWORD, DEMO_USER};

/// A code DOT issued, with what its exchange must repeat.
#[derive(Debug, Clone)]
pub struct Grant {
    /// The authorization code.
    pub code: String,
    /// The PKCE verifier whose S256 challenge the authorization request carried.
    pub verifier: String,
    /// The redirect URI the authorization request carried.
    pub redirect_uri: String,
}

impl Grant {
    /// The RFC 6749 section 4.1.3 form the app posts to the companion's token route.
    pub fn form(&self) -> Vec<(&'static str, String)> {
        vec![
            ("grant_type", "authorization_code".to_owned()),
            ("code", self.code.clone()),
            ("code_verifier", self.verifier.clone()),
            ("redirect_uri", self.redirect_uri.clone()),
        ]
    }
}

/// Cookies by name, as Django sets them (session and CSRF).
#[derive(Default)]
struct Jar(BTreeMap<String, String>);

impl Jar {
    fn take(&mut self, resp: &reqwest::Response) {
        for v in resp.headers().get_all(reqwest::header::SET_COOKIE) {
            let Ok(v) = v.to_str() else { continue };
            if let Some((name, value)) = v.split(';').next().and_then(|p| p.split_once('=')) {
                self.0
                    .insert(name.trim().to_owned(), value.trim().to_owned());
            }
        }
    }

    fn header(&self) -> String {
        self.0
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// The `value` of every `<input type="hidden" name=.. value=..>` in `html`.
fn hidden_inputs(html: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for piece in html.split("<input type=\"hidden\" name=\"").skip(1) {
        let Some((name, rest)) = piece.split_once('"') else {
            continue;
        };
        let Some(rest) = rest.strip_prefix(" value=\"") else {
            continue;
        };
        let Some((value, _)) = rest.split_once('"') else {
            continue;
        };
        out.insert(name.to_owned(), value.replace("&amp;", "&"));
    }
    out
}

fn location(resp: &reqwest::Response) -> String {
    resp.headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_else(|| panic!("the provider answered {} without a Location", resp.status()))
        .to_owned()
}

/// Signs the demo user in at DOT and consents for `client_id` with `redirect_uri` (which DOT
/// must have registered), scopes `openid read`; returns the code DOT redirected with.
pub async fn dot_code(dot: &Dot, client_id: &str, redirect_uri: &str) -> Grant {
    let verifier = crate::random_token(48);
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(Sha256::digest(verifier.as_bytes()));
    let state = crate::random_token(12);
    let query: String = [
        ("response_type", "code"),
        ("client_id", client_id),
        ("redirect_uri", redirect_uri),
        ("scope", "openid read"),
        ("state", &state),
        ("code_challenge", &challenge),
        ("code_challenge_method", "S256"),
    ]
    .iter()
    .map(|(k, v)| format!("{k}={}", url_form_encode(v)))
    .collect::<Vec<_>>()
    .join("&");
    let base = dot.base_url();
    let authorize = format!("{base}/o/authorize/?{query}");
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("an HTTP client");
    let mut jar = Jar::default();
    let get = |url: String, cookies: String| {
        let http = http.clone();
        async move {
            http.get(&url)
                .header("Cookie", cookies)
                .send()
                .await
                .unwrap_or_else(|e| panic!("GET {url}: {e}"))
        }
    };

    let resp = get(authorize.clone(), jar.header()).await;
    jar.take(&resp);
    let login_path = location(&resp);
    assert!(
        login_path.contains("/accounts/login/"),
        "DOT sends a signed-out user to its login page: {login_path}"
    );
    let login_url = format!("{base}{login_path}");
    let resp = get(login_url.clone(), jar.header()).await;
    jar.take(&resp);
    let fields = hidden_inputs(&resp.text().await.unwrap_or_default());
    let resp = http
        .post(&login_url)
        .header("Cookie", jar.header())
        .form(&[
            (
                "csrfmiddlewaretoken",
                fields
                    .get("csrfmiddlewaretoken")
                    .expect("the login form's CSRF token")
                    .as_str(),
            ),
            ("username", DEMO_USER),
            ("password", DEMO_PASSWORD),
            ("next", fields.get("next").map(String::as_str).unwrap_or("")),
        ])
        .send()
        .await
        .expect("POST DOT's login form");
    jar.take(&resp);
    assert_eq!(resp.status().as_u16(), 302, "DOT accepted the demo login");
    let resp = get(authorize.clone(), jar.header()).await;
    jar.take(&resp);
    assert_eq!(resp.status().as_u16(), 200, "DOT shows its consent page");
    let mut fields = hidden_inputs(&resp.text().await.unwrap_or_default());
    fields.insert("allow".to_owned(), "Authorize".to_owned());
    let resp = http
        .post(&authorize)
        .header("Cookie", jar.header())
        .form(&fields)
        .send()
        .await
        .expect("POST DOT's consent form");
    let back = location(&resp);
    assert!(
        back.starts_with(redirect_uri) && back.contains(&format!("state={state}")),
        "DOT redirects to {redirect_uri} with the state: {back}"
    );
    let code = back
        .split(['?', '&'])
        .find_map(|kv| kv.strip_prefix("code="))
        .unwrap_or_else(|| panic!("no code in {back}"))
        .to_owned();
    Grant {
        code,
        verifier,
        redirect_uri: redirect_uri.to_owned(),
    }
}

/// Signs the demo user in at the oidc-provider fixture and consents, from `authorize_url` (a
/// pushed request's `client_id` and `request_uri`, or a whole authorization request), the way
/// a browser follows the fixture's pages; returns the query of its redirect to
/// `redirect_uri` (`code`, `state`, `iss`).
pub async fn op_code(
    op: &OidcProvider,
    authorize_url: &str,
    redirect_uri: &str,
) -> BTreeMap<String, String> {
    let base = op.base_url();
    let absolute = |to: String| {
        if to.starts_with("http://") || to.starts_with("https://") {
            to
        } else {
            format!("{base}{to}")
        }
    };
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("an HTTP client");
    let mut jar = Jar::default();
    // One step: GET or POST (a form, possibly empty), keeping the cookies.
    async fn step(
        http: &reqwest::Client,
        jar: &mut Jar,
        url: &str,
        form: Option<&[(&str, &str)]>,
    ) -> reqwest::Response {
        let req = match form {
            None => http.get(url),
            Some(f) => http.post(url).form(f),
        };
        let resp = req
            .header("Cookie", jar.header())
            .send()
            .await
            .unwrap_or_else(|e| panic!("{url}: {e}"));
        jar.take(&resp);
        resp
    }
    let resp = step(&http, &mut jar, authorize_url, None).await;
    let login = absolute(location(&resp));
    assert!(
        login.contains("/interaction/"),
        "the authorization request leads to the fixture's login page: {login}"
    );
    let resp = step(&http, &mut jar, &login, None).await;
    let page = resp.text().await.unwrap_or_default();
    assert!(page.contains("id=\"login-form\""), "the login page: {page}");
    let form = [("username", DEMO_USER), ("password", DEMO_PASSWORD)];
    let resp = step(&http, &mut jar, &format!("{login}/login"), Some(&form)).await;
    assert_eq!(
        resp.status().as_u16(),
        303,
        "the fixture accepted the demo login"
    );
    let resp = step(&http, &mut jar, &absolute(location(&resp)), None).await;
    let consent = absolute(location(&resp));
    let resp = step(&http, &mut jar, &consent, None).await;
    let page = resp.text().await.unwrap_or_default();
    assert!(
        page.contains("id=\"consent-form\""),
        "the consent page: {page}"
    );
    let resp = step(&http, &mut jar, &format!("{consent}/confirm"), Some(&[])).await;
    let resp = step(&http, &mut jar, &absolute(location(&resp)), None).await;
    let back = location(&resp);
    let query = back
        .strip_prefix(&format!("{redirect_uri}?"))
        .unwrap_or_else(|| panic!("the fixture returns to {redirect_uri}: {back}"));
    form_urlencoded_pairs(query)
}

/// `a=1&b=2`, percent- and plus-decoded.
fn form_urlencoded_pairs(query: &str) -> BTreeMap<String, String> {
    reqwest::Url::parse(&format!("http://x/?{query}"))
        .map(|u| u.query_pairs().into_owned().collect())
        .unwrap_or_default()
}
