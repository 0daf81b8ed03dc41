//! Starting sign-in: fresh randomness, the pending flow, discovery, and the redirect.

use latchkey_proto::authorize::{self, FlowRandomness, FlowStart};
use latchkey_proto::public_config::{Protocol, PublicConfig};

use super::engine::Engine;
use super::{oauth1, pending, return_to, words, StartError};
use crate::browser::{page, random};

/// `<public_url or this origin>/callback` (the registered redirect URI).
pub fn redirect_uri(config: &PublicConfig) -> Result<String, StartError> {
    let base = match &config.public_url {
        Some(url) => url.clone(),
        None => page::origin()?,
    };
    Ok(format!("{}/callback", base.trim_end_matches('/')))
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

impl Engine {
    pub(super) async fn start_sign_in(
        &self,
        provider_id: &str,
        return_to: Option<String>,
    ) -> Result<(), StartError> {
        let p = self
            .provider(provider_id)
            .cloned()
            .ok_or_else(|| StartError::UnknownProvider {
                id: provider_id.to_owned(),
            })?;
        let here = match return_to {
            Some(path) => path,
            None => page::path_query_fragment().unwrap_or_else(|_| "/".into()),
        };
        let return_to = return_to::sanitize(&here);
        if p.protocol == Protocol::Oauth1 {
            self.step(words::step_redirecting(&p.name));
            page::assign(&oauth1::login_url(&p.id, &return_to))?;
            return Ok(());
        }
        let misconfigured = |field: &str| StartError::Misconfigured {
            field: field.to_owned(),
        };
        let client_id = p
            .client_id
            .clone()
            .ok_or_else(|| misconfigured("client_id"))?;
        self.step(words::step_discovering(&p.name));
        let endpoints = self
            .endpoints_for(&p)
            .await
            .map_err(StartError::Discovery)?;
        let authorization_endpoint = endpoints
            .authorization_endpoint
            .clone()
            .ok_or_else(|| misconfigured("authorization_endpoint"))?;
        let redirect_uri = redirect_uri(&self.config)?;
        let now = page::now_s();
        pending::sweep(now);
        let state = random::bytes::<32>()?;
        let nonce = random::bytes::<32>()?;
        let verifier = random::bytes::<32>()?;
        let scopes = scopes_for(p.protocol, &p.scopes);
        let (url, flow) = authorize::begin(
            &FlowStart {
                provider_id: &p.id,
                issuer: endpoints.issuer.as_deref(),
                authorization_endpoint: &authorization_endpoint,
                client_id: &client_id,
                redirect_uri: &redirect_uri,
                scopes: &scopes,
                return_to: &return_to,
                extra: &[],
            },
            &FlowRandomness {
                state: &state,
                nonce: &nonce,
                verifier: &verifier,
            },
            now,
        )
        .map_err(|e| StartError::Request {
            detail: e.to_string(),
        })?;
        pending::save(&flow)?;
        self.step(words::step_redirecting(&p.name));
        page::assign(&url)?;
        Ok(())
    }
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

    #[test]
    fn the_redirect_uri_uses_public_url_without_a_trailing_slash() {
        let config = PublicConfig {
            public_url: Some("https://site.example/".into()),
            providers: vec![],
        };
        assert_eq!(
            redirect_uri(&config).unwrap(),
            "https://site.example/callback"
        );
    }
}
