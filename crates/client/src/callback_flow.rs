//! The `/callback` page: one-time pending flow, validation, code exchange, ID token, profile.

use std::rc::Rc;

use latchkey_proto::authorize::PendingFlow;
use latchkey_proto::callback::{self, IssParameter};
use latchkey_proto::oidc::NonceCheck;
use latchkey_proto::public_config::{Protocol, SessionStorage};
use latchkey_proto::token::{self, ClientAuth, TokenType};

use super::dpop::{self, DpopKey};
use super::engine::{Engine, Navigate, Source};
use super::exchange::{self, Expect, IdTokenFailure, TokenFailure, UserinfoFailure};
use super::session::Session;
use super::signin::SignInOptions;
use super::{mediation, pending, return_to, schedule, words, CallbackError};
use crate::browser::fetch::Peer;
use crate::browser::page;

/// The provider a failure is about, once known: `(name, id)`.
type Who = Option<(String, String)>;

impl Engine {
    pub(super) async fn finish_callback(self: Rc<Self>, navigate: Navigate) {
        match self.run_callback().await {
            Ok(target) => {
                self.answered_at.replace(None);
                navigate(&target)
            }
            // The provider answered with an earlier sign-in than max_age allows: ask it once
            // for a fresh one, as OIDC Core §3.1.3.7 step 11 has a client do (a provider that
            // ignores max_age may still honour prompt=login).
            Err((
                CallbackError::StaleSignIn {
                    login_asked: false,
                    login_hint,
                    ..
                },
                Some((name, id)),
            )) => {
                let again = SignInOptions {
                    return_to: Some(self.return_path()),
                    prompt: Some("login".into()),
                    login_hint,
                };
                if let Err(e) = self.start_sign_in(&id, again).await {
                    self.fail(e.failure(&name, &id));
                }
            }
            Err((error, who)) => {
                let who = who.as_ref().map(|(n, i)| (n.as_str(), i.as_str()));
                self.fail(error.failure(who));
            }
        }
    }

    /// Where a sign-in started with no return path goes back to: where the sign-in whose
    /// answer arrived at this page was to return (so "Try again" after a denial does not
    /// end on the callback page), else this page.
    pub(super) fn return_path(&self) -> String {
        let here = page::path_query_fragment().unwrap_or_else(|_| "/".into());
        match self.answered_at.borrow().as_ref() {
            Some((page, back)) if page::pathname().is_ok_and(|p| p == *page) => back.clone(),
            _ => here,
        }
    }

    async fn run_callback(&self) -> Result<String, (CallbackError, Who)> {
        let anon = |e: CallbackError| (e, None);
        let href = page::href().map_err(|e| anon(e.into()))?;
        // The code and state leave the address bar (and the history entry) at once,
        // whatever happens next.
        let here = page::pathname().unwrap_or_else(|_| "/".into());
        let _ = page::replace_url(&here);
        let state =
            callback::callback_state(&href).ok_or_else(|| anon(CallbackError::NotACallback))?;
        // Taken, so deleted: whatever happens next, this state cannot be used again.
        let flow = pending::take(&state)
            .map_err(|e| anon(e.into()))?
            .ok_or_else(|| anon(CallbackError::UnknownState))?;
        // A sign-in that fails from here on leaves nothing behind, its DPoP key included.
        let flow_key = flow.dpop_key.clone();
        let outcome = self.complete_flow(&href, flow).await;
        if outcome.is_err() {
            DpopKey::forget_unused(flow_key);
        }
        outcome
    }

    async fn complete_flow(
        &self,
        href: &str,
        flow: PendingFlow,
    ) -> Result<String, (CallbackError, Who)> {
        let anon = |e: CallbackError| (e, None);
        let p = self
            .provider(&flow.provider_id)
            .cloned()
            .ok_or_else(|| anon(CallbackError::UnknownState))?;
        let who: Who = Some((p.name.clone(), p.id.clone()));
        let fail = |e: CallbackError| (e, who.clone());
        let target = return_to::sanitize(&flow.return_to);
        if let Ok(here) = page::pathname() {
            self.answered_at.replace(Some((here, target.clone())));
        }
        if !return_to::arrived_at(href, &flow.redirect_uri) {
            // Mix-up (RFC 9700 §4.4.2): this flow's provider returns to another page, so
            // another provider sent this response here. The flow is used up; no code leaves.
            return Err(fail(CallbackError::Invalid {
                detail: format!(
                    "the answer arrived at another page than {}'s redirect URI ({}), so it may come from another provider",
                    p.name, flow.redirect_uri
                ),
            }));
        }
        self.step(&p.id, words::step_checking(&p.name));

        let endpoints = self
            .endpoints_for(&p)
            .await
            .map_err(|e| fail(CallbackError::Discovery(e)))?;
        let iss_parameter = IssParameter::from_metadata(endpoints.metadata.as_ref());
        let validated = callback::validate_callback(href, &flow, iss_parameter, page::now_s())
            .map_err(|e| {
                fail(match e {
                    callback::CallbackError::Authorization(a) => CallbackError::Provider {
                        error: a.error.as_str().to_owned(),
                        description: a.description,
                    },
                    other => CallbackError::Invalid {
                        detail: other.to_string(),
                    },
                })
            })?;

        self.step(&p.id, words::STEP_EXCHANGING);
        let client_id = p.client_id.clone().unwrap_or_default();
        let nonce = flow.nonce.clone();
        let flow_key = flow.dpop_key.clone();
        let (max_age, login_asked, login_hint) = (flow.max_age, flow.login_asked, flow.login_hint);
        let (request, peer) = if p.token_via_companion {
            let request = mediation::code_request(&p.id, validated, flow.verifier)
                .map_err(|detail| fail(CallbackError::Token { detail }))?;
            (request, Peer::Companion)
        } else {
            let token_endpoint = endpoints.token_endpoint.clone().ok_or_else(|| {
                fail(CallbackError::Invalid {
                    detail: "the provider has no token_endpoint".into(),
                })
            })?;
            let request = token::build_code_request(
                &token_endpoint,
                &ClientAuth::Public {
                    client_id: &client_id,
                },
                validated,
                flow.verifier,
            )
            .map_err(|e| {
                fail(CallbackError::Token {
                    detail: e.to_string(),
                })
            })?;
            (request, Peer::Provider)
        };
        // DPoP: the key the sign-in began with (the pushed request was signed with it).
        let dpop_use =
            latchkey_proto::dpop::decide(p.dpop, endpoints.metadata.as_ref()).map_err(|e| {
                fail(CallbackError::Token {
                    detail: e.to_string(),
                })
            })?;
        let key = match (dpop_use.sends_proof(), flow_key) {
            // A key from a sign-in begun under another configuration signs nothing now.
            (false, unused) => {
                DpopKey::forget_unused(unused);
                None
            }
            (true, Some(id)) => Some(DpopKey::find(&id).await.ok().flatten().ok_or_else(|| {
                fail(CallbackError::Token {
                    detail:
                        "the key this sign-in was started with (DPoP) is gone from this browser"
                            .into(),
                })
            })?),
            (true, None) => Some(DpopKey::generate().await.map_err(|e| fail(e.into()))?),
        };
        let binding = dpop::token_binding(key.as_ref(), endpoints.token_endpoint.as_deref())
            .map_err(|detail| fail(CallbackError::Token { detail }))?;
        let issued_at_ms = page::now_ms();
        let tokens =
            exchange::token_round_trip(request, peer, binding, dpop_use.accepted_token_types())
                .await
                .map_err(|e| {
                    fail(match e {
                        TokenFailure::NoAnswer(n) => CallbackError::NoAnswer(n),
                        TokenFailure::Companion(c) => CallbackError::Companion(c),
                        // Only the browser's own request: through the companion the client
                        // secret is already there, and invalid_client means a wrong one.
                        TokenFailure::Server { error, description }
                            if error == "invalid_client" && !p.token_via_companion =>
                        {
                            CallbackError::ClientRefused { description }
                        }
                        TokenFailure::Server { error, description } => {
                            CallbackError::TokenServer { error, description }
                        }
                        TokenFailure::Status(status) => CallbackError::TokenStatus { status },
                        TokenFailure::Garbled(detail) => CallbackError::TokenGarbled { detail },
                        TokenFailure::Invalid(detail) => CallbackError::Token { detail },
                    })
                })?;
        let refresh_in_companion = mediation::companion_holds_refresh(&tokens);
        // A Bearer answer to a proof means the provider does not bind tokens (RFC 9449 §5):
        // the key has nothing left to sign. A bound session in `memory` keeps it in this page.
        let key = match (key, tokens.token_type) {
            (Some(key), TokenType::DPoP) => {
                if p.session_storage == SessionStorage::Memory {
                    key.keep_in_page_only().await;
                }
                Some(key)
            }
            (Some(key), _) => {
                DpopKey::forget(key.id()).await;
                None
            }
            (None, _) => None,
        };

        let mut id_claims = None;
        let mut id_token = None;
        if p.protocol == Protocol::Oidc {
            let compact = tokens.id_token.as_deref().ok_or_else(|| {
                fail(CallbackError::Token {
                    detail: "the token response has no id_token".into(),
                })
            })?;
            self.step(&p.id, words::STEP_VERIFYING);
            let verified = exchange::verify_id_token(
                &endpoints,
                compact,
                &Expect {
                    client_id: &client_id,
                    nonce: NonceCheck::Expect(&nonce),
                    access_token: Some(&tokens.access_token),
                    expected_sub: None,
                    max_age,
                },
            )
            .await
            .map_err(|e| {
                fail(match e {
                    IdTokenFailure::NoAnswer(n) => CallbackError::NoAnswer(n),
                    IdTokenFailure::Signature(detail) => CallbackError::Signature { detail },
                    IdTokenFailure::Claims(detail) => CallbackError::Claims { detail },
                    IdTokenFailure::Clock(skew) => CallbackError::Clock(skew),
                    IdTokenFailure::Stale { age, max_age } => CallbackError::StaleSignIn {
                        age,
                        max_age,
                        login_asked,
                        login_hint,
                    },
                })
            })?;
            id_claims = Some(verified.claims().all().clone());
            id_token = Some(verified.raw().to_owned());
        }

        let sub = id_claims
            .as_ref()
            .and_then(|c| c.get("sub").and_then(|v| v.as_str()))
            .map(str::to_owned);
        let mut userinfo = None;
        let mut problem = None;
        if let (Some(endpoint), Some(sub)) =
            (endpoints.userinfo_endpoint.as_deref(), sub.as_deref())
        {
            self.step(&p.id, words::STEP_PROFILE);
            match exchange::userinfo(endpoint, &tokens.access_token, key.as_ref(), sub).await {
                Ok(claims) => userinfo = Some(claims),
                Err(UserinfoFailure::SubjectMismatch) => {
                    return Err(fail(CallbackError::Userinfo {
                        detail: "its sub is not the ID token's".into(),
                    }))
                }
                // The ID token already says who this is: sign-in goes on, and the signed-in
                // view offers to load the profile again.
                Err(e) => problem = Some(e.problem(&p.name, &p.id)),
            }
        }

        let session = Session {
            provider_id: p.id.clone(),
            provider_name: p.name.clone(),
            protocol: p.protocol,
            storage: p.session_storage,
            access_token: Some(tokens.access_token),
            id_token,
            refresh_token: tokens.refresh_token,
            refresh_in_companion,
            companion_session: None,
            nonce: Some(nonce),
            dpop_key: key.map(|k| k.id().to_owned()),
            issued_at_ms,
            expires_at_ms: schedule::expires_at_ms(issued_at_ms, tokens.expires_in),
            scopes: tokens.scope.unwrap_or_else(|| p.scopes.clone()),
            id_claims,
            userinfo,
            problem,
        };
        self.install(session, Source::ThisTab);
        Ok(target)
    }
}
