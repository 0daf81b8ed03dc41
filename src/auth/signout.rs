//! Signing out: revoke (RFC 7009), clear the session in every tab, then RP-initiated logout
//! at the provider when it offers one.

use std::rc::Rc;

use latchkey_proto::logout::{self, LogoutRequest};
use latchkey_proto::public_config::Protocol;
use latchkey_proto::revocation::{self, TokenToRevoke};
use latchkey_proto::token::ClientAuth;

use super::engine::Engine;
use super::session::{Broadcast, Session};
use super::storage_mode::plan;
use super::{oauth1, words, SignOutError};
use crate::browser::fetch::{self, Peer};
use crate::browser::page;

/// Revokes one token; `Err` holds what failed.
async fn revoke(endpoint: &str, client_id: &str, token: TokenToRevoke<'_>) -> Result<(), String> {
    let request =
        revocation::build_revocation_request(endpoint, &ClientAuth::Public { client_id }, token)
            .map_err(|e| e.to_string())?;
    let response = fetch::send(request, Peer::Provider)
        .await
        .map_err(|e| e.0)?;
    revocation::parse_revocation_response(&response).map_err(|e| e.to_string())
}

impl Engine {
    pub(super) async fn run_sign_out(self: Rc<Self>) {
        let session: Option<Session> = self.session.borrow().clone();
        let Some(session) = session else {
            self.clear(None);
            return;
        };
        let Some(p) = self.provider(&session.provider_id).cloned() else {
            self.clear(None);
            return;
        };
        self.step(words::step_signing_out(&p.name));

        if p.protocol == Protocol::Oauth1 {
            let result = oauth1::logout(&p.id).await;
            self.clear(None);
            if let Err(e) = result {
                self.fail(e.failure());
            }
            return;
        }

        let endpoints = self.endpoints_for(&p).await.ok();
        let client_id = p.client_id.clone().unwrap_or_default();
        let mut problem = None;
        if let Some(endpoint) = endpoints
            .as_ref()
            .and_then(|e| e.revocation_endpoint.clone())
        {
            // The refresh token first: revoking it usually ends its access tokens too.
            let mut results = Vec::new();
            if let Some(t) = &session.refresh_token {
                results.push(revoke(&endpoint, &client_id, TokenToRevoke::Refresh(t)).await);
            }
            if let Some(t) = &session.access_token {
                results.push(revoke(&endpoint, &client_id, TokenToRevoke::Access(t)).await);
            }
            problem =
                results
                    .into_iter()
                    .find_map(Result::err)
                    .map(|detail| SignOutError::Revocation {
                        provider: p.name.clone(),
                        detail,
                    });
        }

        self.clear(None);
        if plan(p.session_storage).broadcast {
            self.post(&Broadcast::SignedOut {
                provider_id: p.id.clone(),
            });
        }

        let end_session = endpoints
            .as_ref()
            .and_then(|e| e.end_session_endpoint.clone());
        if let Some(endpoint) = end_session {
            let home = match &self.config.public_url {
                Some(url) => Ok(format!("{}/", url.trim_end_matches('/'))),
                None => page::origin().map(|o| format!("{o}/")),
            };
            if let Ok(home) = home {
                let url = logout::end_session_url(
                    &endpoint,
                    &LogoutRequest {
                        id_token_hint: session.id_token.as_deref(),
                        post_logout_redirect_uri: Some(&home),
                        client_id: Some(&client_id),
                        state: None,
                    },
                );
                if let Ok(url) = url {
                    if page::assign(&url).is_ok() {
                        return;
                    }
                }
            }
        }
        if let Some(e) = problem {
            self.fail(e.failure());
        }
    }
}
