//! Signing out: revoke (RFC 7009), clear the session in every tab, then RP-initiated logout
//! at the provider when it offers one.

use std::rc::Rc;

use latchkey_proto::logout::{self, LogoutRequest};
use latchkey_proto::public_config::Protocol;
use latchkey_proto::revocation::{self, TokenToRevoke};
use latchkey_proto::token::ClientAuth;

use super::dpop::{self, DpopKey};
use super::engine::Engine;
use super::mediation;
use super::reach::Endpoint;
use super::session::{Broadcast, Session};
use super::storage_mode::plan;
use super::{oauth1, words, SignOutError};
use crate::browser::fetch::Peer;
use crate::browser::page;

/// The DPoP key of a bound session and the provider's revocation endpoint its proofs name.
#[derive(Clone, Copy)]
struct Proofs<'a> {
    key: Option<&'a DpopKey>,
    endpoint: Option<&'a str>,
}

/// Sends one revocation request (to the provider, or to the companion) and reads the
/// answer; `Err` holds what failed, in words naming `provider`. A bound session's request
/// carries a proof naming the provider's revocation endpoint.
async fn send_revocation(
    request: http::Request<Vec<u8>>,
    peer: Peer,
    provider: &str,
    proofs: Proofs<'_>,
) -> Result<(), String> {
    let binding = match (proofs.key, proofs.endpoint) {
        (Some(key), Some(url)) => Some(dpop::Binding {
            key,
            target: dpop::Target { url, api: false },
            access_token: None,
        }),
        _ => None,
    };
    let response = dpop::send(request, binding, peer, Endpoint::Revocation)
        .await
        .map_err(|e| match e {
            dpop::SendFailure::NoAnswer(n) => n.sentence(provider),
            dpop::SendFailure::Proof(detail) => {
                format!("the DPoP proof for the revocation could not be made ({detail})")
            }
        })?;
    if peer == Peer::Companion {
        if let Some(refusal) = mediation::companion_refusal(&response) {
            return Err(refusal.sentence(provider));
        }
    }
    revocation::parse_revocation_response(&response).map_err(|e| e.to_string())
}

/// Revokes one token at the provider's revocation endpoint.
async fn revoke(
    endpoint: &str,
    client_id: &str,
    token: TokenToRevoke<'_>,
    provider: &str,
    key: Option<&DpopKey>,
) -> Result<(), String> {
    let request =
        revocation::build_revocation_request(endpoint, &ClientAuth::Public { client_id }, token)
            .map_err(|e| e.to_string())?;
    let proofs = Proofs {
        key,
        endpoint: Some(endpoint),
    };
    send_revocation(request, Peer::Provider, provider, proofs).await
}

/// Revokes through the companion: each token the browser holds, or (when the companion
/// keeps the refresh token) one empty request that revokes its cookie's.
async fn revoke_via_companion(
    provider_id: &str,
    provider: &str,
    session: &Session,
    proofs: Proofs<'_>,
) -> Vec<Result<(), String>> {
    let mut tokens = Vec::new();
    if session.refresh_in_companion {
        tokens.push(None);
    }
    if let Some(t) = &session.refresh_token {
        tokens.push(Some(TokenToRevoke::Refresh(t)));
    }
    if let (Some(t), false) = (&session.access_token, session.refresh_in_companion) {
        tokens.push(Some(TokenToRevoke::Access(t)));
    }
    let mut results = Vec::new();
    for token in tokens {
        results.push(match mediation::revoke_request(provider_id, token) {
            Ok(request) => send_revocation(request, Peer::Companion, provider, proofs).await,
            Err(e) => Err(e),
        });
    }
    results
}

/// What signing out does at the provider, beside revoking the tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderLogout {
    /// Leave for the provider's end-session page (OpenID Connect RP-Initiated Logout) when it
    /// has one, coming back to `<public_url or this origin>/` (the showcase app's choice).
    Redirect,
    /// Stay on this page: the tokens are revoked where the provider can and the session ends
    /// here and in the other tabs, but the person stays signed in at the provider (the
    /// embed's choice: any page of a site may sign out, and only registered pages could be
    /// returned to).
    StayHere,
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
        self.step(&p.id, words::step_signing_out(&p.name));

        if p.protocol == Protocol::Oauth1 {
            let result = oauth1::logout(&p.id, session.companion_session.as_ref()).await;
            self.clear(None);
            if let Err(e) = result {
                self.fail(e.failure(&p.id));
            }
            return;
        }

        let endpoints = self.endpoints_for(&p).await.ok();
        let client_id = p.client_id.clone().unwrap_or_default();
        let mut problem = None;
        let revocation_endpoint = endpoints
            .as_ref()
            .and_then(|e| e.revocation_endpoint.clone());
        let key = match &session.dpop_key {
            Some(id) => DpopKey::find(id).await.ok().flatten(),
            None => None,
        };
        let key = key.as_ref();
        let results = if p.token_via_companion {
            let proofs = Proofs {
                key,
                endpoint: revocation_endpoint.as_deref(),
            };
            Some(revoke_via_companion(&p.id, &p.name, &session, proofs).await)
        } else if let Some(endpoint) = revocation_endpoint {
            // The refresh token first: revoking it usually ends its access tokens too.
            let mut results = Vec::new();
            if let Some(t) = &session.refresh_token {
                let token = TokenToRevoke::Refresh(t);
                results.push(revoke(&endpoint, &client_id, token, &p.name, key).await);
            }
            if let Some(t) = &session.access_token {
                let token = TokenToRevoke::Access(t);
                results.push(revoke(&endpoint, &client_id, token, &p.name, key).await);
            }
            Some(results)
        } else {
            None
        };
        // The tokens are revoked or about to be dropped: their key goes with them.
        if let Some(id) = &session.dpop_key {
            DpopKey::forget(id).await;
        }
        if let Some(results) = results {
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
            .and_then(|e| e.end_session_endpoint.clone())
            .filter(|_| self.provider_logout == ProviderLogout::Redirect);
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
            self.fail(e.failure(&p.id));
        }
    }
}
