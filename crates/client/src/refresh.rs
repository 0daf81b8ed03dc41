//! Renewing the session with the refresh token (RFC 6749 §6): on a timer shortly before the
//! access token expires, once after a 401 from the API console, on load (`tab` and
//! `browser` storage), and again after a renewal that got no answer
//! ([`kept_session`](super::kept_session): "Try again", the browser back online, or a timer).
//!
//! With `browser` storage every tab of the origin shares one rotating refresh token, so a
//! renewal runs under a Web Lock, and a token sent to the token endpoint is recorded in
//! [`spent_tokens`](super::spent_tokens) before the lock is released. Inside the lock a tab
//! checks its token against that record and the stored one: if another tab rotated it
//! meanwhile, that tab's broadcast brings the new tokens and no request is made here (if the
//! broadcast does not come, the stored token is used, unless it was spent too).

use std::rc::Rc;

use latchkey_proto::oidc::NonceCheck;
use latchkey_proto::public_config::{Protocol, PublicProvider, RefreshTokenIn};
use latchkey_proto::secret::{Nonce, RefreshToken};
use latchkey_proto::token::{self, AcceptedTokenTypes, ClientAuth};

use super::engine::{Engine, Source};
use super::exchange::{self, Expect, IdTokenFailure, TokenFailure};
use super::mediation;
use super::session::{Session, StoredSession};
use super::storage_mode::{lock_name, plan};
use super::{dpop, schedule, spent_tokens, RefreshError};
use crate::browser::fetch::Peer;
use crate::browser::{locks, page, timer};

/// How long a tab that finds the token rotated waits for the other tab's broadcast.
const BROADCAST_WAIT_MS: u64 = 2_000;
const BROADCAST_POLL_MS: u64 = 50;

/// What became of a refresh token sent to the token endpoint, as far as this page can
/// tell from a failed round trip (issue 19, finding 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Fate {
    /// The provider did not use it: nothing reached it (offline, a bad URL, a redirect not
    /// followed), the companion refused before asking it, or an error status came back
    /// without an OAuth error (the server failed, or a CDN answered in its place). It may
    /// be sent again.
    Unseen,
    /// The provider refused it with an OAuth error: it is dead.
    Refused,
    /// The provider may have used it: the answer timed out or broke off, a gateway said
    /// 502/504, the token endpoint sends no CORS headers (it answered, unread), or a success
    /// could not be read. Sending it again could count as a replay.
    MaybeSpent,
}

/// The fate of a sent refresh token, from how its round trip failed.
pub(super) fn fate(failure: &TokenFailure) -> Fate {
    use super::reach::Reach;
    let gateway = |status: u16| matches!(status, 502 | 504);
    match failure {
        TokenFailure::NoAnswer(n) => match n.reach {
            Reach::Unreachable | Reach::Unsendable | Reach::Redirected => Fate::Unseen,
            // A refresh is never called off by a page; were it, it may have arrived.
            Reach::TimedOut | Reach::Cut | Reach::CorsRefused | Reach::Aborted => Fate::MaybeSpent,
        },
        TokenFailure::Companion(c) if gateway(c.status) => Fate::MaybeSpent,
        TokenFailure::Companion(_) => Fate::Unseen,
        TokenFailure::Server { error, .. } => match error.as_str() {
            "server_error" | "temporarily_unavailable" => Fate::Unseen,
            _ => Fate::Refused,
        },
        TokenFailure::Status(status) if gateway(*status) => Fate::MaybeSpent,
        TokenFailure::Status(_) => Fate::Unseen,
        TokenFailure::Garbled(_) | TokenFailure::Invalid(_) => Fate::MaybeSpent,
    }
}

/// What a renewal starts from.
#[derive(Clone)]
struct Basis {
    /// `None` when the companion holds the refresh token in its cookie.
    token: Option<RefreshToken>,
    /// The session being renewed; `None` on load.
    previous: Option<Session>,
    sub: Option<String>,
    nonce: Option<Nonce>,
    /// The DPoP key the tokens are bound to, if they are.
    dpop_key: Option<String>,
}

impl Engine {
    /// Renews the current session of `provider_id`.
    pub(super) async fn refresh(&self, provider_id: &str) -> Result<(), RefreshError> {
        let previous = self
            .session
            .borrow()
            .as_ref()
            .filter(|s| s.provider_id == provider_id)
            .cloned()
            .ok_or(RefreshError::NoRefreshToken)?;
        if !previous.can_refresh() {
            return Err(RefreshError::NoRefreshToken);
        }
        let token = previous.refresh_token.clone();
        let basis = Basis {
            token,
            sub: previous.sub(),
            nonce: previous.nonce.clone(),
            dpop_key: previous.dpop_key.clone(),
            previous: Some(previous),
        };
        self.renew(provider_id, basis).await
    }

    /// Restores a session on load from its stored refresh token.
    pub(super) async fn restore_with(
        &self,
        provider_id: &str,
        stored: StoredSession,
    ) -> Result<(), RefreshError> {
        let basis = Basis {
            token: stored.refresh_token,
            previous: None,
            sub: stored.sub,
            nonce: stored.nonce,
            dpop_key: stored.dpop_key,
        };
        self.renew(provider_id, basis).await
    }

    async fn renew(&self, provider_id: &str, basis: Basis) -> Result<(), RefreshError> {
        let p = self
            .provider(provider_id)
            .cloned()
            .ok_or(RefreshError::SignedOutElsewhere)?;
        let me = self.rc().ok_or(RefreshError::SignedOutElsewhere)?;
        if !locks::available() {
            return me.renew_now(&p, basis).await;
        }
        if !plan(p.session_storage).lock {
            if basis.token.is_none() && p.refresh_token_in == RefreshTokenIn::Companion {
                // The companion's cookie is one refresh token shared by every tab of the
                // origin, whatever this tab stores: two tabs renewing at once would send it
                // twice, and the loser's `invalid_grant` would clear the cookie for both.
                // One at a time, each renewal finds the cookie the previous one rotated.
                return locks::with_lock(&lock_name(&p.id), move || async move {
                    me.renew_now(&p, basis).await
                })
                .await
                .unwrap_or_else(|e| Err(RefreshError::Browser { reason: e.0 }));
            }
            return me.renew_now(&p, basis).await;
        }
        let generation = self.generation.get();
        let name = lock_name(&p.id);
        locks::with_lock(&name, move || async move {
            let stored = Session::stored(&p.id, p.session_storage)
                .ok_or(RefreshError::SignedOutElsewhere)?;
            let same = match (&stored.refresh_token, &basis.token) {
                // localStorage may still show a token another tab has just spent.
                (Some(s), Some(b)) => s.ct_eq(b) && !me.spent_elsewhere(&p.id, b).await,
                // The companion's cookie is shared by every tab: a tab that renewed while
                // this one waited has announced it; otherwise renew (the cookie is current).
                (None, None) => {
                    return if me.generation.get() != generation {
                        Ok(())
                    } else {
                        me.renew_now(&p, basis).await
                    }
                }
                _ => false,
            };
            if same {
                return me.renew_now(&p, basis).await;
            }
            // Another tab rotated the token while this one waited for the lock.
            if me.wait_for_new_tokens(generation).await {
                return Ok(());
            }
            // No broadcast came. By now this tab's copy of localStorage has caught up.
            let stored = Session::stored(&p.id, p.session_storage)
                .ok_or(RefreshError::SignedOutElsewhere)?;
            if let Some(token) = &stored.refresh_token {
                if me.spent_elsewhere(&p.id, token).await {
                    return Err(RefreshError::AlreadySpent);
                }
            }
            let basis = Basis {
                token: stored.refresh_token,
                sub: basis.sub.or(stored.sub),
                nonce: basis.nonce.or(stored.nonce),
                dpop_key: basis.dpop_key.or(stored.dpop_key),
                previous: basis.previous,
            };
            me.renew_now(&p, basis).await
        })
        .await
        .unwrap_or_else(|e| Err(RefreshError::Browser { reason: e.0 }))
    }

    /// True once this tab's tokens changed since `generation` (a broadcast arrived).
    async fn wait_for_new_tokens(&self, generation: u64) -> bool {
        let mut waited = 0;
        while waited < BROADCAST_WAIT_MS {
            if self.generation.get() != generation {
                return true;
            }
            timer::sleep(BROADCAST_POLL_MS).await;
            waited += BROADCAST_POLL_MS;
        }
        self.generation.get() != generation
    }

    /// Whether a tab of this browser already sent `token` (see [`spent_tokens`]). When the
    /// record cannot be read, the stored token is trusted as before it existed.
    async fn spent_elsewhere(&self, provider_id: &str, token: &RefreshToken) -> bool {
        spent_tokens::is_spent(provider_id, token)
            .await
            .unwrap_or_else(|e| {
                web_sys::console::warn_1(
                    &format!("latchkey: could not read the spent refresh tokens: {e}").into(),
                );
                false
            })
    }

    /// Puts a rotated refresh token in place of the spent one, in memory and in storage, so
    /// that a renewal that fails after this point (key set, userinfo, ID token) can be tried
    /// again with a token the provider still honours.
    fn keep_rotated(&self, p: &PublicProvider, rotated: &RefreshToken) {
        if let Some(session) = self
            .session
            .borrow_mut()
            .as_mut()
            .filter(|s| s.provider_id == p.id)
        {
            session.refresh_token = Some(rotated.clone());
        }
        if let Err(e) = Session::replace_refresh_token(&p.id, p.session_storage, rotated) {
            web_sys::console::warn_1(
                &format!("latchkey: could not keep the rotated refresh token: {e}").into(),
            );
        }
    }

    /// The refresh request itself, then the new session is installed (stored, broadcast).
    async fn renew_now(
        self: Rc<Self>,
        p: &PublicProvider,
        basis: Basis,
    ) -> Result<(), RefreshError> {
        let endpoints = self
            .endpoints_for(p)
            .await
            .map_err(RefreshError::Discovery)?;
        let client_id = p.client_id.clone().unwrap_or_default();
        // With `refresh_token_in = "companion"` the cookie carries it, never the body.
        let sent = basis
            .token
            .as_ref()
            .filter(|_| !p.token_via_companion || p.refresh_token_in == RefreshTokenIn::Browser);
        let (request, peer) = match (p.token_via_companion, sent) {
            (true, token) => {
                let request = mediation::refresh_request(&p.id, token)
                    .map_err(|detail| RefreshError::Invalid { detail })?;
                (request, Peer::Companion)
            }
            (false, None) => return Err(RefreshError::NoRefreshToken),
            (false, Some(token)) => {
                let token_endpoint =
                    endpoints
                        .token_endpoint
                        .clone()
                        .ok_or_else(|| RefreshError::Invalid {
                            detail: "the provider has no token_endpoint".into(),
                        })?;
                let request = token::build_refresh_request(
                    &token_endpoint,
                    &ClientAuth::Public {
                        client_id: &client_id,
                    },
                    token,
                    None,
                )
                .map_err(|e| RefreshError::Invalid {
                    detail: e.to_string(),
                })?;
                (request, Peer::Provider)
            }
        };
        let key = match &basis.dpop_key {
            Some(id) => Some(dpop::DpopKey::find(id).await.ok().flatten().ok_or_else(|| {
                RefreshError::Invalid {
                    detail: "the key this session's tokens are bound to (DPoP) is gone from this browser".into(),
                }
            })?),
            None => None,
        };
        let binding = dpop::token_binding(key.as_ref(), endpoints.token_endpoint.as_deref())
            .map_err(|detail| RefreshError::Invalid { detail })?;
        let accepted = match binding {
            Some(_) => AcceptedTokenTypes::Dpop,
            None => AcceptedTokenTypes::Bearer,
        };
        let issued_at_ms = page::now_ms();
        let answer = exchange::token_round_trip(request, peer, binding, accepted).await;
        let fate = answer.as_ref().err().map(fate);
        // Unless the provider certainly did not use the token, it counts as used: tell the
        // other tabs before the lock goes, so none of them sends it again.
        if let (Some(token), true) = (sent, plan(p.session_storage).lock) {
            if fate != Some(Fate::Unseen) {
                if let Err(e) = spent_tokens::record(&p.id, token).await {
                    web_sys::console::warn_1(
                        &format!("latchkey: could not record the spent refresh token: {e}").into(),
                    );
                }
            }
        }
        let tokens = answer.map_err(|e| {
            let seen = match e {
                TokenFailure::NoAnswer(n) => RefreshError::NoAnswer(n),
                TokenFailure::Companion(c) => RefreshError::Companion(c),
                TokenFailure::Server { error, description } => {
                    RefreshError::Server { error, description }
                }
                TokenFailure::Status(status) => RefreshError::Status { status },
                TokenFailure::Garbled(detail) => RefreshError::Garbled { detail },
                TokenFailure::Invalid(detail) => RefreshError::Invalid { detail },
            };
            match fate {
                Some(Fate::MaybeSpent) => RefreshError::MaybeSpent(Box::new(seen)),
                _ => seen,
            }
        })?;
        // The old token is spent now. Keep the new one before anything else can fail (the
        // key set or userinfo below): losing it would leave only the spent one.
        if let Some(rotated) = &tokens.refresh_token {
            self.keep_rotated(p, rotated);
        }

        let previous = basis.previous.as_ref();
        let mut id_claims = previous.and_then(|s| s.id_claims.clone());
        let mut id_token = previous.and_then(|s| s.id_token.clone());
        if let (Protocol::Oidc, Some(compact)) = (p.protocol, tokens.id_token.as_deref()) {
            let verified = exchange::verify_id_token(
                &endpoints,
                compact,
                &Expect {
                    client_id: &client_id,
                    nonce: NonceCheck::Refreshed(basis.nonce.as_ref()),
                    access_token: Some(&tokens.access_token),
                    expected_sub: basis.sub.as_deref(),
                    // A refreshed ID token keeps the original sign-in's auth_time (OIDC
                    // Core §12.2): max_age was checked at sign-in. Nor is it compared with
                    // the first token's: DOT sends the account's `last_login`, which moves
                    // when the same person signs in on another device, and a strict check
                    // would then sign them out here (docs/notes/django-oauth-toolkit.md).
                    max_age: None,
                },
            )
            .await
            .map_err(|e| match e {
                IdTokenFailure::NoAnswer(n) => RefreshError::NoAnswer(n),
                IdTokenFailure::Signature(d) | IdTokenFailure::Claims(d) => {
                    RefreshError::Invalid { detail: d }
                }
                IdTokenFailure::Clock(skew) => RefreshError::Invalid {
                    detail: skew.sentence(&p.name),
                },
                IdTokenFailure::Stale { age, max_age } => RefreshError::Invalid {
                    detail: format!(
                        "the sign-in is {age} seconds old, more than max_age {max_age}"
                    ),
                },
            })?;
            id_claims = Some(verified.claims().all().clone());
            id_token = Some(verified.raw().to_owned());
        }
        let sub = id_claims
            .as_ref()
            .and_then(|c| c.get("sub").and_then(|v| v.as_str()).map(str::to_owned))
            .or(basis.sub.clone());

        // A restored session has no profile yet: load it (the sub check still applies).
        let mut userinfo = previous.and_then(|s| s.userinfo.clone());
        let mut problem = None;
        if userinfo.is_none() {
            if let (Some(endpoint), Some(sub)) =
                (endpoints.userinfo_endpoint.as_deref(), sub.as_deref())
            {
                match exchange::userinfo(endpoint, &tokens.access_token, key.as_ref(), sub).await {
                    Ok(claims) => userinfo = Some(claims),
                    Err(exchange::UserinfoFailure::SubjectMismatch) => {
                        return Err(RefreshError::Invalid {
                            detail: "userinfo's sub is not this session's".into(),
                        })
                    }
                    Err(e) => problem = Some(e.problem(&p.name, &p.id)),
                }
            }
        }

        let refresh_in_companion = (tokens.refresh_token.is_none() && basis.token.is_none())
            || mediation::companion_holds_refresh(&tokens);
        let session = Session {
            provider_id: p.id.clone(),
            provider_name: p.name.clone(),
            protocol: p.protocol,
            storage: p.session_storage,
            access_token: Some(tokens.access_token),
            id_token,
            // RFC 6749 §6: without a new refresh token, the old one stays valid; without
            // any in the browser, the companion's cookie holds it.
            refresh_in_companion,
            companion_session: None,
            refresh_token: tokens.refresh_token.or(basis.token),
            nonce: basis.nonce,
            dpop_key: basis.dpop_key,
            issued_at_ms,
            expires_at_ms: schedule::expires_at_ms(issued_at_ms, tokens.expires_in),
            scopes: tokens
                .scope
                .or_else(|| previous.map(|s| s.scopes.clone()))
                .unwrap_or_else(|| p.scopes.clone()),
            id_claims,
            userinfo,
            problem,
        };
        self.install(session, Source::ThisTab);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::mediation::CompanionRefusal;
    use super::super::reach::{Endpoint, NoAnswer, Reach};
    use super::*;

    fn no_answer(reach: Reach) -> TokenFailure {
        TokenFailure::NoAnswer(NoAnswer {
            reach,
            endpoint: Endpoint::Token,
            detail: String::new(),
        })
    }

    fn companion(status: u16) -> TokenFailure {
        TokenFailure::Companion(CompanionRefusal {
            status,
            message: "m".into(),
            retry_after: None,
        })
    }

    #[test]
    fn a_token_that_never_reached_the_provider_may_be_sent_again() {
        for reach in [Reach::Unreachable, Reach::Unsendable, Reach::Redirected] {
            assert_eq!(fate(&no_answer(reach)), Fate::Unseen, "{reach:?}");
        }
        // The companion's own refusals (rate limit, bad request, its config) and a
        // provider's or CDN's error status without an OAuth body (issue 19, 3c and 3d).
        for status in [400, 403, 429, 503] {
            assert_eq!(fate(&companion(status)), Fate::Unseen, "companion {status}");
        }
        for status in [400, 401, 403, 404, 500, 503] {
            assert_eq!(
                fate(&TokenFailure::Status(status)),
                Fate::Unseen,
                "status {status}"
            );
        }
        let failed = TokenFailure::Server {
            error: "server_error".into(),
            description: None,
        };
        assert_eq!(fate(&failed), Fate::Unseen);
    }

    #[test]
    fn an_unclear_outcome_is_maybe_spent_never_unseen() {
        // Issue 19, 3b: a timeout, a cut body, the companion's 502/504.
        for reach in [Reach::TimedOut, Reach::Cut, Reach::CorsRefused] {
            assert_eq!(fate(&no_answer(reach)), Fate::MaybeSpent, "{reach:?}");
        }
        for status in [502, 504] {
            assert_eq!(fate(&companion(status)), Fate::MaybeSpent);
            assert_eq!(fate(&TokenFailure::Status(status)), Fate::MaybeSpent);
        }
        assert_eq!(
            fate(&TokenFailure::Garbled("not JSON".into())),
            Fate::MaybeSpent
        );
        assert_eq!(
            fate(&TokenFailure::Invalid("no access_token".into())),
            Fate::MaybeSpent
        );
    }

    #[test]
    fn an_oauth_refusal_kills_the_token() {
        let refused = TokenFailure::Server {
            error: "invalid_grant".into(),
            description: None,
        };
        assert_eq!(fate(&refused), Fate::Refused);
    }

    #[test]
    fn a_maybe_spent_token_is_not_renewed_again_and_the_words_say_why() {
        let e = RefreshError::MaybeSpent(Box::new(RefreshError::Status { status: 504 }));
        let f = e.failure("Django", "dot");
        assert!(f.message.contains("HTTP 504"), "{}", f.message);
        assert!(f.message.contains("not sent again"), "{}", f.message);
        assert_eq!(
            f.retry,
            super::super::RetryAction::SignIn {
                provider_id: "dot".into()
            }
        );
        // A CDN's 403 page keeps the session and offers to renew again.
        let cdn = RefreshError::Status { status: 403 };
        assert!(cdn.is_transient());
        assert_eq!(
            cdn.failure("Django", "dot").retry,
            super::super::RetryAction::Renew {
                provider_id: "dot".into()
            }
        );
    }
}
