//! Starting sign-in: fresh randomness, the pending flow, discovery, and the redirect.

use latchkey_proto::authorize::{self, Authorization, FlowRandomness, FlowStart};
use latchkey_proto::dpop as dpop_policy;
use latchkey_proto::par;
use latchkey_proto::public_config::{Protocol, PublicConfig, PublicProvider};
use latchkey_proto::redirect_uri;
use latchkey_proto::token::ClientAuth;

use super::dpop::{self, DpopKey};
use super::engine::Engine;
use super::reach::Endpoint;
use super::{mediation, oauth1, pending, return_to, words, StartError};
use crate::browser::fetch::Peer;
use crate::browser::{page, random};

/// The entry's own `redirect_uri`, checked: a hand-written `/latchkey.json` was checked by
/// no one, and a bad value should fail here in words, not at the provider's consent page.
/// Always refused on an OAuth 1.0a entry, whose callback is the companion's.
fn configured_redirect_uri(provider: &PublicProvider) -> Result<Option<&str>, StartError> {
    let Some(uri) = provider.redirect_uri.as_deref() else {
        return Ok(None);
    };
    redirect_uri::check(provider.protocol, &provider.id, uri).map_err(|problem| {
        StartError::RedirectUri {
            uri: uri.to_owned(),
            problem,
        }
    })?;
    Ok(Some(uri))
}

/// The redirect URI the authorization request carries (and the token request repeats): the
/// provider's own `redirect_uri`, else `<public_url or origin>/callback/<id>`. `origin` is asked
/// only when needed, so that the choice is tested natively.
fn choose_redirect_uri(
    config: &PublicConfig,
    provider: &PublicProvider,
    origin: impl FnOnce() -> Result<String, StartError>,
) -> Result<String, StartError> {
    if let Some(uri) = configured_redirect_uri(provider)? {
        return Ok(uri.to_owned());
    }
    let base = match &config.public_url {
        Some(url) => url.clone(),
        None => origin()?,
    };
    Ok(redirect_uri::default_for(&base, &provider.id))
}

/// The scopes to request: as configured, with `openid` first for an OIDC provider that did
/// not list it (without it the provider would not return an ID token at all).
fn scopes_for(protocol: Protocol, configured: &[String]) -> Vec<String> {
    let mut scopes = configured.to_vec();
    if protocol == Protocol::Oidc && !scopes.iter().any(|s| s == "openid") {
        scopes.insert(0, "openid".to_owned());
    }
    scopes
}

/// What one sign-in asks for beyond the provider: where to come back, and the OpenID Connect
/// hints a site may pass per call (Core §3.1.2.1).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SignInOptions {
    /// A path on this origin (with query and fragment) to come back to; default: the page
    /// the person is on.
    pub return_to: Option<String>,
    /// `login_hint`: the account the person is expected to use (an e-mail address, say).
    pub login_hint: Option<String>,
    /// `prompt`: `none`, `login`, `consent` or `select_account` (space-separated).
    pub prompt: Option<String>,
}

/// The further authorization parameters of one sign-in: the provider's `authorize_params`,
/// then this call's `login_hint` and `prompt`, which replace the provider's of the same name.
/// An empty hint is no hint.
pub fn extra_params(p: &PublicProvider, options: &SignInOptions) -> Vec<(String, String)> {
    let mut params: Vec<(String, String)> = p
        .authorize_params
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for (name, value) in [
        ("login_hint", &options.login_hint),
        ("prompt", &options.prompt),
    ] {
        if let Some(value) = value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
            params.retain(|(k, _)| k != name);
            params.push((name.to_owned(), value.to_owned()));
        }
    }
    params
}

impl Engine {
    pub(super) async fn start_sign_in(
        &self,
        provider_id: &str,
        options: SignInOptions,
    ) -> Result<(), StartError> {
        let return_to = options.return_to.clone();
        let p = self
            .provider(provider_id)
            .cloned()
            .ok_or_else(|| StartError::UnknownProvider {
                id: provider_id.to_owned(),
            })?;
        let here = return_to.unwrap_or_else(|| self.return_path());
        let return_to = return_to::sanitize(&here);
        if p.protocol == Protocol::Oauth1 {
            // Refuses any `redirect_uri`: it would be ignored, and its author misled.
            configured_redirect_uri(&p)?;
            self.step(&p.id, words::step_redirecting(&p.name));
            let Some(companion) = crate::companion::elsewhere() else {
                // From here the browser may come back with a session cookie: no page of the
                // site shows sign-in buttons before knowing (a sign-in given up is
                // unmarked by the next page's check).
                oauth1::mark_session(&p.id, true);
                page::assign(&oauth1::login_url(&p.id, &return_to))?;
                return Ok(());
            };
            // The companion is on another site: it hands the sign-in back to this page.
            let verifier =
                latchkey_proto::pkce::Verifier::from_random_bytes(&random::bytes::<32>()?)
                    .map_err(|e| StartError::Request {
                        detail: e.to_string(),
                    })?;
            let challenge = verifier.challenge();
            oauth1::Handoff {
                provider_id: p.id.clone(),
                verifier,
                return_to: return_to.clone(),
            }
            .keep()?;
            let here = format!("{}{return_to}", page::origin()?);
            page::assign(&oauth1::handoff_login_url(
                &companion,
                &p.id,
                &here,
                challenge.as_str(),
            ))?;
            return Ok(());
        }
        let misconfigured = |field: &str| StartError::Misconfigured {
            field: field.to_owned(),
        };
        let client_id = p
            .client_id
            .clone()
            .ok_or_else(|| misconfigured("client_id"))?;
        // Before discovery: a bad `redirect_uri` needs no round trip to be refused.
        let redirect_uri = choose_redirect_uri(&self.config, &p, || Ok(page::origin()?))?;
        self.step(&p.id, words::step_discovering(&p.name));
        let endpoints = self
            .endpoints_for(&p)
            .await
            .map_err(StartError::Discovery)?;
        let authorization_endpoint = endpoints
            .authorization_endpoint
            .clone()
            .ok_or_else(|| misconfigured("authorization_endpoint"))?;
        let now = page::now_s();
        pending::sweep(now);
        let state = random::bytes::<32>()?;
        let nonce = random::bytes::<32>()?;
        let verifier = random::bytes::<32>()?;
        let scopes = scopes_for(p.protocol, &p.scopes);
        let extra = extra_params(&p, &options);
        let extra: Vec<(&str, &str)> = extra
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        // DPoP and PAR are decided from the provider's metadata before anything is drawn.
        let dpop_use = dpop_policy::decide(p.dpop, endpoints.metadata.as_ref()).map_err(|e| {
            StartError::Policy {
                detail: e.to_string(),
            }
        })?;
        let push_to = par::decide(
            p.par,
            p.endpoints.pushed_authorization_request_endpoint.as_deref(),
            endpoints.metadata.as_ref(),
        )
        .map_err(|e| StartError::Policy {
            detail: e.to_string(),
        })?
        .map(str::to_owned);
        // The key comes first: without a push, its thumbprint goes in the request.
        let key = match dpop_use.sends_proof() {
            true => Some(DpopKey::generate().await?),
            false => None,
        };
        // RFC 9449 §10: `dpop_jkt` binds the code to the key, so only this browser can
        // redeem it. A pushed request is bound by its proof instead (§10.1).
        let thumbprint = key
            .as_ref()
            .filter(|_| push_to.is_none())
            .map(|k| k.public().thumbprint());
        let mut extra = extra;
        if let Some(jkt) = &thumbprint {
            extra.retain(|(name, _)| *name != dpop_policy::DPOP_JKT);
            extra.push((dpop_policy::DPOP_JKT, jkt.as_str()));
        }
        let begun = authorize::begin_request(
            &FlowStart {
                provider_id: &p.id,
                issuer: endpoints.issuer.as_deref(),
                authorization_endpoint: &authorization_endpoint,
                client_id: &client_id,
                redirect_uri: &redirect_uri,
                scopes: &scopes,
                return_to: &return_to,
                extra: &extra,
            },
            &FlowRandomness {
                state: &state,
                nonce: &nonce,
                verifier: &verifier,
            },
            now,
        );
        let (request, mut flow) = match begun {
            Ok(begun) => begun,
            Err(e) => {
                DpopKey::forget_unused(key.as_ref().map(|k| k.id().to_owned()));
                return Err(StartError::Request {
                    detail: e.to_string(),
                });
            }
        };
        flow.dpop_key = key.as_ref().map(|k| k.id().to_owned());
        let url = match push_to {
            None => request.url(),
            Some(endpoint) => {
                let pushed = push(&p, &endpoint, &request, key.as_ref(), &client_id).await;
                if pushed.is_err() {
                    if let Some(key) = &key {
                        DpopKey::forget(key.id()).await;
                    }
                }
                pushed?
            }
        };
        if let Err(e) = pending::save(&flow) {
            // No flow, no callback that could use the key.
            DpopKey::forget_unused(flow.dpop_key.clone());
            return Err(e.into());
        }
        self.step(&p.id, words::step_redirecting(&p.name));
        page::assign(&url)?;
        Ok(())
    }
}

/// Pushes the authorization request (RFC 9126 §2), to the provider or through the companion
/// for a mediated provider, signed with the sign-in's DPoP key when there is one (which binds
/// the code to it, RFC 9449 §10); returns the URL with `client_id` and `request_uri` only.
async fn push(
    p: &PublicProvider,
    endpoint: &str,
    request: &Authorization,
    key: Option<&DpopKey>,
    client_id: &str,
) -> Result<String, StartError> {
    let pairs = request.pairs();
    let (outgoing, peer) = if p.token_via_companion {
        let outgoing = mediation::par_request(&p.id, &pairs)
            .map_err(|detail| StartError::Request { detail })?;
        (outgoing, Peer::Companion)
    } else {
        let outgoing = par::build_push_request(endpoint, &pairs, &ClientAuth::Public { client_id })
            .map_err(|e| StartError::Request {
                detail: e.to_string(),
            })?;
        (outgoing, Peer::Provider)
    };
    let binding = key.map(|key| dpop::Binding {
        key,
        target: dpop::Target {
            url: endpoint,
            api: false,
        },
        access_token: None,
    });
    let response = dpop::send(outgoing, binding, peer, Endpoint::Par)
        .await
        .map_err(|e| match e {
            dpop::SendFailure::NoAnswer(n) => StartError::PushNoAnswer(n),
            dpop::SendFailure::Proof(detail) => StartError::Push { detail },
        })?;
    if peer == Peer::Companion {
        if let Some(refusal) = mediation::companion_refusal(&response) {
            return Err(StartError::Push {
                detail: refusal.message,
            });
        }
    }
    let pushed = par::parse_push_response(&response).map_err(|e| StartError::Push {
        detail: e.to_string(),
    })?;
    par::pushed_authorization_url(&request.endpoint, client_id, &pushed).map_err(|e| {
        StartError::Request {
            detail: e.to_string(),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oidc_always_asks_for_openid() {
        assert_eq!(
            scopes_for(Protocol::Oidc, &["profile".into()]),
            vec!["openid", "profile"]
        );
        assert_eq!(
            scopes_for(Protocol::Oidc, &["openid".into(), "email".into()]),
            vec!["openid", "email"]
        );
    }

    #[test]
    fn plain_oauth2_scopes_are_left_alone() {
        assert_eq!(scopes_for(Protocol::Oauth2, &["read".into()]), vec!["read"]);
    }

    fn provider(protocol: Protocol, redirect_uri: Option<&str>) -> PublicProvider {
        PublicProvider {
            id: "gh".into(),
            name: "GitHub".into(),
            protocol,
            issuer: None,
            client_id: Some("c".into()),
            scopes: vec![],
            endpoints: Default::default(),
            redirect_uri: redirect_uri.map(str::to_owned),
            authorize_params: Default::default(),
            api_base: None,
            session_storage: Default::default(),
            token_via_companion: false,
            refresh_token_in: Default::default(),
            dpop: Default::default(),
            par: false,
        }
    }

    #[test]
    fn the_providers_params_go_first_and_a_calls_hints_replace_theirs() {
        let mut p = provider(Protocol::Oidc, None);
        p.authorize_params = [("access_type", "offline"), ("prompt", "consent")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        let none = SignInOptions::default();
        assert_eq!(
            extra_params(&p, &none),
            vec![
                ("access_type".to_owned(), "offline".to_owned()),
                ("prompt".to_owned(), "consent".to_owned())
            ]
        );
        let call = SignInOptions {
            login_hint: Some("ada@example.org".into()),
            prompt: Some("select_account".into()),
            ..SignInOptions::default()
        };
        assert_eq!(
            extra_params(&p, &call),
            vec![
                ("access_type".to_owned(), "offline".to_owned()),
                ("login_hint".to_owned(), "ada@example.org".to_owned()),
                ("prompt".to_owned(), "select_account".to_owned())
            ]
        );
        let blank = SignInOptions {
            login_hint: Some("  ".into()),
            ..SignInOptions::default()
        };
        assert_eq!(extra_params(&p, &blank).len(), 2);
    }

    #[test]
    fn a_hand_written_param_the_protocol_owns_is_refused_when_sign_in_starts() {
        let mut p = provider(Protocol::Oidc, None);
        p.authorize_params.insert("state".into(), "fixed".into());
        let extra = extra_params(&p, &SignInOptions::default());
        let extra: Vec<(&str, &str)> = extra
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let err = latchkey_proto::authorize::authorization_url(
            &latchkey_proto::authorize::AuthorizationRequest {
                authorization_endpoint: "https://idp.example/authorize",
                client_id: "c",
                redirect_uri: "https://app.example/callback/gh",
                scopes: &[],
                state: &latchkey_proto::authorize::state_from_random(&[7; 32]).unwrap(),
                nonce: None,
                challenge: &latchkey_proto::pkce::Verifier::from_random_bytes(&[7; 32])
                    .unwrap()
                    .challenge(),
                extra: &extra,
            },
        )
        .unwrap_err();
        assert!(err.to_string().contains("\"state\""), "{err}");
    }

    fn config(public_url: Option<&str>) -> PublicConfig {
        PublicConfig {
            public_url: public_url.map(str::to_owned),
            companion: None,
            providers: vec![],
        }
    }

    fn no_origin() -> Result<String, StartError> {
        panic!("the origin is not needed here")
    }

    #[test]
    fn the_redirect_uri_uses_public_url_without_a_trailing_slash() {
        assert_eq!(
            choose_redirect_uri(
                &config(Some("https://site.example/")),
                &provider(Protocol::Oidc, None),
                no_origin
            )
            .unwrap(),
            "https://site.example/callback/gh"
        );
    }

    #[test]
    fn without_public_url_the_redirect_uri_is_under_the_page_origin() {
        assert_eq!(
            choose_redirect_uri(&config(None), &provider(Protocol::Oauth2, None), || Ok(
                "http://127.0.0.1:8080".into()
            ))
            .unwrap(),
            "http://127.0.0.1:8080/callback/gh"
        );
    }

    #[test]
    fn a_provider_redirect_uri_replaces_the_default_as_written() {
        for public_url in [Some("https://site.example"), None] {
            assert_eq!(
                choose_redirect_uri(
                    &config(public_url),
                    &provider(
                        Protocol::Oauth2,
                        Some("https://me.github.io/blog/callback.html")
                    ),
                    no_origin
                )
                .unwrap(),
                "https://me.github.io/blog/callback.html"
            );
        }
    }

    #[test]
    fn a_bad_provider_redirect_uri_is_a_typed_start_error() {
        for (protocol, bad) in [
            (Protocol::Oauth2, "/callback"),
            (Protocol::Oidc, "http://me.github.io/callback"),
            (Protocol::Oauth2, "https://me.github.io/callback#done"),
            (Protocol::Oauth1, "https://me.github.io/callback"),
        ] {
            let err = choose_redirect_uri(
                &config(Some("https://site.example")),
                &provider(protocol, Some(bad)),
                no_origin,
            )
            .unwrap_err();
            assert!(
                matches!(&err, StartError::RedirectUri { uri, .. } if uri == bad),
                "{bad}: {err:?}"
            );
            let failure = err.failure("GitHub", "gh");
            assert_eq!(failure.title, words::TITLE_CONFIG, "{bad}");
            assert!(
                failure.message.contains("redirect_uri"),
                "{}",
                failure.message
            );
        }
    }

    /// RFC 6749 §4.1.3: the token request repeats the authorization request's redirect URI.
    /// Through the companion too: it refuses any other (crates/companion, `routes/oauth2/token.rs`).
    #[test]
    fn the_configured_redirect_uri_is_sent_and_the_mediated_exchange_repeats_it() {
        use latchkey_proto::callback::{self, IssParameter};
        use latchkey_proto::form;

        let page = "https://me.github.io/blog/callback.html";
        let redirect_uri = choose_redirect_uri(
            &config(Some("https://me.github.io")),
            &provider(Protocol::Oauth2, Some(page)),
            no_origin,
        )
        .unwrap();
        let (url, flow) = authorize::begin(
            &FlowStart {
                provider_id: "gh",
                issuer: None,
                authorization_endpoint: "https://github.com/login/oauth/authorize",
                client_id: "c",
                redirect_uri: &redirect_uri,
                scopes: &[],
                return_to: "/blog/",
                extra: &[],
            },
            &FlowRandomness {
                state: &[1; 32],
                nonce: &[2; 32],
                verifier: &[3; 32],
            },
            1_000,
        )
        .unwrap();
        let (_, query) = url.split_once('?').unwrap();
        let sent = form::parse_unique(query).unwrap();
        assert!(
            sent.contains(&("redirect_uri".to_owned(), page.to_owned())),
            "{url}"
        );

        let href = format!("{page}?code=c&state={}", flow.state.secret());
        let validated =
            callback::validate_callback(&href, &flow, IssParameter::NotAdvertised, 1_001).unwrap();
        let req = crate::mediation::code_request("gh", validated, flow.verifier).unwrap();
        let body = std::str::from_utf8(req.body()).unwrap();
        let repeated = form::parse_unique(body).unwrap();
        assert!(
            repeated.contains(&("redirect_uri".to_owned(), page.to_owned())),
            "{body}"
        );
    }

    #[test]
    fn an_oauth1_entry_without_redirect_uri_passes_the_check() {
        assert_eq!(
            configured_redirect_uri(&provider(Protocol::Oauth1, None)).unwrap(),
            None
        );
    }
}
