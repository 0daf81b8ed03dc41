//! One error enum per operation, each turned into words ([`AuthFailure`]) for the UI.
//!
//! Protocol failures carry the protocol core's own message (`detail`), which names the field
//! that failed; the UI shows a sentence first and that detail second.

use super::api_target::ApiMethod;
use super::mediation::CompanionRefusal;
use super::reach::NoAnswer;
use super::words;
use super::{AuthFailure, RetryAction};

mod clock;

pub use clock::ClockSkew;

/// Why a provider's discovery document could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DiscoveryError {
    /// No answer (down, slow, CORS, cut off).
    #[error("no answer: {}", .0.detail)]
    NoAnswer(NoAnswer),
    /// An answer that is not a usable document (an error status, HTML, a bad field), or
    /// no issuer to discover from.
    #[error("{0}")]
    Invalid(String),
}

impl DiscoveryError {
    /// What happened, in words naming the provider.
    pub fn sentence(&self, provider: &str) -> String {
        match self {
            DiscoveryError::NoAnswer(n) => n.sentence(provider),
            DiscoveryError::Invalid(detail) => format!(
                "{provider}'s sign-in settings (its discovery document) could not be read: {detail}."
            ),
        }
    }
}

/// An HTTP error status in words.
fn status_sentence(provider: &str, status: u16) -> String {
    if status >= 500 {
        format!("{provider}'s token endpoint had an internal error (HTTP {status}).")
    } else {
        format!("{provider}'s token endpoint answered HTTP {status} instead of tokens.")
    }
}

/// A body that is not a token response (an HTML page, JSON cut short).
fn garbled_sentence(provider: &str, detail: &str) -> String {
    format!("{provider}'s token endpoint answered with something other than a token response ({detail}).")
}

/// Why sign-in could not start (before leaving for the provider).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// No provider with this `id` in `/latchkey.json`.
    #[error("there is no provider {id:?} in /latchkey.json")]
    UnknownProvider {
        /// The id asked for.
        id: String,
    },
    /// The provider entry lacks something the protocol needs.
    #[error("the provider entry has no {field}")]
    Misconfigured {
        /// The missing or bad field, e.g. `client_id`.
        field: String,
    },
    /// The provider entry's `redirect_uri` cannot be used (relative, a fragment, plain http
    /// off loopback, or on an OAuth 1.0a entry).
    #[error("the provider entry's redirect_uri {uri:?} {problem}")]
    RedirectUri {
        /// The value in `/latchkey.json`.
        uri: String,
        /// What is wrong with it.
        problem: latchkey_proto::redirect_uri::RedirectUriError,
    },
    /// Discovery failed (network, status or document).
    #[error("discovery failed: {0}")]
    Discovery(DiscoveryError),
    /// The browser could not give random bytes or keep the pending flow.
    #[error("the browser refused: {reason}")]
    Browser {
        /// What the browser reported.
        reason: String,
    },
    /// What the configuration asks of DPoP or PAR cannot work with this provider (`dpop =
    /// "required"` without ES256 in its metadata, `par = true` with no endpoint to push to):
    /// trying again changes nothing until the configuration does.
    #[error("{detail}")]
    Policy {
        /// The core's words.
        detail: String,
    },
    /// The protocol core refused to build the authorization request.
    #[error("the authorization request could not be built: {detail}")]
    Request {
        /// The core's message.
        detail: String,
    },
    /// The pushed authorization request (PAR, RFC 9126) got no answer.
    #[error("{0:?}")]
    PushNoAnswer(NoAnswer),
    /// The provider (or the companion) refused the pushed authorization request, or answered
    /// it with something unusable.
    #[error("{detail}")]
    Push {
        /// What was wrong, in the core's or the companion's words.
        detail: String,
    },
}

impl StartError {
    /// Words for the UI.
    pub fn failure(&self, provider: &str, provider_id: &str) -> AuthFailure {
        let about = Some(provider_id.to_owned());
        let (title, retry, about) = match self {
            // An id that names no configured provider is about none of them.
            StartError::UnknownProvider { .. } => {
                (words::TITLE_CONFIG, RetryAction::ShowProviders, None)
            }
            StartError::Misconfigured { .. }
            | StartError::RedirectUri { .. }
            | StartError::Policy { .. } => (words::TITLE_CONFIG, RetryAction::ShowProviders, about),
            _ => (
                words::TITLE_SIGN_IN_FAILED,
                RetryAction::SignIn {
                    provider_id: provider_id.to_owned(),
                },
                about,
            ),
        };
        let message = match self {
            StartError::Discovery(d) => d.sentence(provider),
            StartError::PushNoAnswer(n) => n.sentence(provider),
            other => format!("Could not start sign-in with {provider}: {other}."),
        };
        AuthFailure {
            title: title.into(),
            message,
            retry,
            provider_id: about,
        }
    }
}

/// Why the `/callback` page could not finish sign-in.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CallbackError {
    /// No pending sign-in matches the `state` in the address: the link was used already,
    /// was opened in another browser, or was tampered with. Nothing was stored.
    #[error("this sign-in link was already used, has expired, or was not started in this tab")]
    UnknownState,
    /// The address has no `state` (someone opened `/callback` by hand).
    #[error("the address has no sign-in response in it")]
    NotACallback,
    /// The provider answered with an OAuth error (RFC 6749 §4.1.2.1).
    #[error("{}", provider_error_text(error, description.as_deref()))]
    Provider {
        /// The `error` code.
        error: String,
        /// `error_description`, if given.
        description: Option<String>,
    },
    /// The response broke a protocol rule (wrong `iss`, missing `code`, …).
    #[error("the response was not valid: {detail}")]
    Invalid {
        /// The core's message.
        detail: String,
    },
    /// Discovery failed on the way back.
    #[error("discovery failed: {0}")]
    Discovery(DiscoveryError),
    /// A request got no answer (down, slow, CORS, cut off).
    #[error("no answer: {}", .0.detail)]
    NoAnswer(NoAnswer),
    /// The companion refused the mediated code exchange itself.
    #[error("the sign-in server refused: HTTP {}", .0.status)]
    Companion(CompanionRefusal),
    /// The token endpoint answered an error status without an OAuth error.
    #[error("the token endpoint answered HTTP {status}")]
    TokenStatus {
        /// The status.
        status: u16,
    },
    /// The token endpoint answered something that is not a token response (HTML, cut JSON).
    #[error("the token endpoint's answer is not a token response: {detail}")]
    TokenGarbled {
        /// The core's message.
        detail: String,
    },
    /// The token endpoint refused the code (its own OAuth error, RFC 6749 §5.2).
    #[error("the token endpoint refused: {}", provider_error_text(error, description.as_deref()))]
    TokenServer {
        /// The `error` code.
        error: String,
        /// `error_description`, if given.
        description: Option<String>,
    },
    /// The provider answered the browser's own token request (no client secret) with
    /// `invalid_client` (RFC 6749 §5.2): it may only serve confidential clients.
    #[error("the token endpoint refused this site as a client: {}", provider_error_text("invalid_client", description.as_deref()))]
    ClientRefused {
        /// `error_description`, if given.
        description: Option<String>,
    },
    /// The token response could not be used.
    #[error("the token response was not valid: {detail}")]
    Token {
        /// The core's message.
        detail: String,
    },
    /// The ID token's signature did not verify, or no key fits it.
    #[error("the ID token's signature could not be verified: {detail}")]
    Signature {
        /// What failed.
        detail: String,
    },
    /// The ID token's claims were refused (nonce, issuer, audience, time, at_hash).
    #[error("the ID token was refused: {detail}")]
    Claims {
        /// The core's message.
        detail: String,
    },
    /// The provider's sign-in (`auth_time`) is older than the `max_age` the site asks for
    /// (OIDC Core §3.1.2.1): the provider did not ask the person to sign in again.
    #[error("the sign-in at the provider is {age} seconds old, and this site accepts at most {max_age} seconds (max_age)")]
    StaleSignIn {
        /// Its age in seconds.
        age: u64,
        /// The `max_age` sent.
        max_age: u64,
        /// Whether that request already asked for a fresh sign-in (`prompt=login`); if not,
        /// the client asks once more with it before showing this.
        login_asked: bool,
        /// The `login_hint` that request carried, for the request asked again.
        login_hint: Option<String>,
    },
    /// The ID token's times and this device's clock disagree ([`ClockSkew`]): a token just
    /// issued looks dated in the future or expired here.
    #[error("the ID token {0}, so this device's clock is likely wrong")]
    Clock(ClockSkew),
    /// The userinfo response could not be used (or its `sub` differs from the ID token's).
    #[error("the profile could not be loaded: {detail}")]
    Userinfo {
        /// What failed.
        detail: String,
    },
    /// The browser refused storage or crypto.
    #[error("the browser refused: {reason}")]
    Browser {
        /// What the browser reported.
        reason: String,
    },
}

fn provider_error_text(error: &str, description: Option<&str>) -> String {
    match description {
        Some(d) if !d.is_empty() => format!("{d} ({error})"),
        _ => format!("error code {error}"),
    }
}

impl CallbackError {
    /// Words for the UI. `provider` is `None` when the state matched no pending flow (so
    /// the provider is unknown).
    pub fn failure(&self, provider: Option<(&str, &str)>) -> AuthFailure {
        let name = provider.map(|(n, _)| n).unwrap_or("the provider");
        let provider_id = provider.map(|(_, id)| id.to_owned());
        let retry = match provider {
            Some((_, id)) => RetryAction::SignIn {
                provider_id: id.to_owned(),
            },
            None => RetryAction::ShowProviders,
        };
        match self {
            CallbackError::Provider { error, description } => {
                let cancelled = error == "access_denied";
                let message = match words::provider_error_sentence(name, error) {
                    Some(s) if cancelled => s,
                    Some(s) => match description {
                        Some(d) if !d.is_empty() => format!("{s} {name} said: “{d}”."),
                        _ => s,
                    },
                    None => format!("{name} refused the sign-in: {}.", self),
                };
                AuthFailure {
                    title: if cancelled {
                        words::TITLE_CANCELLED
                    } else {
                        words::TITLE_SIGN_IN_FAILED
                    }
                    .into(),
                    message,
                    retry,
                    provider_id,
                }
            }
            CallbackError::UnknownState | CallbackError::NotACallback => AuthFailure {
                title: words::TITLE_SIGN_IN_FAILED.into(),
                message: format!(
                    "Nothing was signed in: {self}. Start again from the sign-in page."
                ),
                retry: RetryAction::ShowProviders,
                provider_id: None,
            },
            CallbackError::Clock(skew) => AuthFailure {
                title: words::TITLE_SIGN_IN_FAILED.into(),
                message: format!(
                    "Signing in with {name} failed: {}. Nothing was signed in. Set this device's date and time to update automatically, then try again.",
                    skew.sentence(name)
                ),
                retry,
                provider_id,
            },
            CallbackError::StaleSignIn { age, max_age, .. } => AuthFailure {
                title: words::TITLE_SIGN_IN_FAILED.into(),
                message: format!(
                    "{name} did not ask you to sign in again: this site accepts a sign-in at most {} old, and yours at {name} is {} old. Nothing was signed in. Sign out at {name}, then try again.",
                    words::duration(*max_age),
                    words::duration(*age)
                ),
                retry,
                provider_id,
            },
            other => {
                // Trying again cannot help until latchkey.toml changes.
                let cors_refused = matches!(other, CallbackError::NoAnswer(n) if !n.is_transient())
                    || matches!(other, CallbackError::ClientRefused { .. });
                let reason = match other {
                    CallbackError::Discovery(d) => d.sentence(name),
                    CallbackError::NoAnswer(n) => n.sentence(name),
                    CallbackError::Companion(c) => c.sentence(name),
                    CallbackError::TokenStatus { status } => status_sentence(name, *status),
                    CallbackError::TokenGarbled { detail } => garbled_sentence(name, detail),
                    CallbackError::ClientRefused { .. } => format!(
                        "Signing in with {name} failed: {other}. {}",
                        words::client_secret_hint(name)
                    ),
                    other => format!("Signing in with {name} failed: {other}."),
                };
                // The state and the code are one-time: a retry can only start afresh.
                let (message, retry) = match retry {
                    RetryAction::SignIn { .. } if cors_refused => {
                        (reason, RetryAction::ShowProviders)
                    }
                    RetryAction::SignIn { .. } => {
                        (format!("{reason} {}", words::restart_note(name)), retry)
                    }
                    _ => (reason, retry),
                };
                AuthFailure {
                    title: words::TITLE_SIGN_IN_FAILED.into(),
                    message,
                    retry,
                    provider_id,
                }
            }
        }
    }
}

/// Why the session could not be renewed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RefreshError {
    /// No refresh token is held.
    #[error("there is no refresh token")]
    NoRefreshToken,
    /// Another tab signed out, or the stored session disappeared.
    #[error("you were signed out in another tab")]
    SignedOutElsewhere,
    /// Every refresh token this tab knows of was already used (by another tab, whose new
    /// tokens have not reached this one yet); sending one again would end the session.
    #[error("another tab renewed it, and the new tokens have not reached this tab yet")]
    AlreadySpent,
    /// The token endpoint refused (its own OAuth error; `invalid_grant` means the session
    /// ended at the provider).
    #[error("the provider refused: {}", provider_error_text(error, description.as_deref()))]
    Server {
        /// The `error` code.
        error: String,
        /// `error_description`, if given.
        description: Option<String>,
    },
    /// No answer (down, slow, CORS, cut off).
    #[error("no answer: {}", .0.detail)]
    NoAnswer(NoAnswer),
    /// The companion refused the mediated refresh itself.
    #[error("the sign-in server refused: HTTP {}", .0.status)]
    Companion(CompanionRefusal),
    /// An error status without an OAuth error.
    #[error("the token endpoint answered HTTP {status}")]
    Status {
        /// The status.
        status: u16,
    },
    /// An answer that is not a token response (HTML, cut JSON).
    #[error("the answer is not a token response: {detail}")]
    Garbled {
        /// The core's message.
        detail: String,
    },
    /// The answer could not be used (token response fields, ID token).
    #[error("the answer was not valid: {detail}")]
    Invalid {
        /// The core's message.
        detail: String,
    },
    /// Discovery failed while restoring.
    #[error("discovery failed: {0}")]
    Discovery(DiscoveryError),
    /// The browser's Web Locks failed.
    #[error("the browser refused: {reason}")]
    Browser {
        /// What the browser reported.
        reason: String,
    },
    /// The refresh token was sent and the outcome is unclear (no whole answer in time, a
    /// cut answer, a gateway's 502/504, an unreadable success): the provider may have used
    /// it. Sending it again could be taken for a replay and end every session of the sign-in
    /// (RFC 9700 §4.14.2), so it is not sent again: the session lasts while its access token
    /// does. The inner error says what was seen.
    #[error("{0}; the provider may have used the refresh token")]
    MaybeSpent(Box<RefreshError>),
}

impl RefreshError {
    /// True when the provider (or the way to it) failed, not the session: the refresh
    /// token is kept and trying again later may work.
    pub fn is_transient(&self) -> bool {
        match self {
            RefreshError::NoAnswer(n) => n.is_transient(),
            RefreshError::Discovery(DiscoveryError::NoAnswer(n)) => n.is_transient(),
            RefreshError::Discovery(DiscoveryError::Invalid(_)) => true,
            RefreshError::Companion(c) => c.is_transient(),
            // An error status without an OAuth error body is a server's or a gateway's
            // failure, or a CDN's page: not the provider refusing this token.
            RefreshError::Status { .. } => true,
            RefreshError::Garbled { .. }
            | RefreshError::Browser { .. }
            | RefreshError::AlreadySpent => true,
            RefreshError::Server { error, .. } => {
                matches!(error.as_str(), "server_error" | "temporarily_unavailable")
            }
            _ => false,
        }
    }

    fn sentence(&self, provider: &str) -> String {
        match self {
            RefreshError::MaybeSpent(seen) => format!(
                "{} {provider} may have used the refresh token without this page hearing back, \
                 and sending it a second time could end every session of this sign-in, so it \
                 is not sent again.",
                seen.sentence(provider)
            ),
            RefreshError::NoAnswer(n) => n.sentence(provider),
            RefreshError::Discovery(d) => d.sentence(provider),
            RefreshError::Companion(c) => c.sentence(provider),
            RefreshError::Status { status } => status_sentence(provider, *status),
            RefreshError::Garbled { detail } => garbled_sentence(provider, detail),
            other => format!("Your session with {provider} could not be renewed: {other}."),
        }
    }

    /// Words for the UI: a passing fault keeps the session and offers to renew it again;
    /// anything else ends it and offers a new sign-in.
    pub fn failure(&self, provider: &str, provider_id: &str) -> AuthFailure {
        let reason = self.sentence(provider);
        if let RefreshError::MaybeSpent(_) = self {
            return AuthFailure {
                title: words::TITLE_RENEW_FAILED.into(),
                message: format!(
                    "{reason} Sign in again to stay signed in once your current access runs out."
                ),
                retry: RetryAction::SignIn {
                    provider_id: provider_id.to_owned(),
                },
                provider_id: Some(provider_id.to_owned()),
            };
        }
        if self.is_transient() {
            return AuthFailure {
                title: words::TITLE_RENEW_FAILED.into(),
                message: format!("{reason} {}", words::renew_note(provider)),
                retry: RetryAction::Renew {
                    provider_id: provider_id.to_owned(),
                },
                provider_id: Some(provider_id.to_owned()),
            };
        }
        AuthFailure {
            title: words::TITLE_SESSION_ENDED.into(),
            message: format!("{reason} Sign in again to continue."),
            retry: RetryAction::SignIn {
                provider_id: provider_id.to_owned(),
            },
            provider_id: Some(provider_id.to_owned()),
        }
    }
}

/// What went wrong while signing out. The local session is cleared in every case; this
/// only reports what could not be done at the provider.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignOutError {
    /// The revocation endpoint refused or failed (RFC 7009 §2.2.1).
    #[error("{provider} did not confirm that the tokens were revoked: {detail}")]
    Revocation {
        /// The provider's name.
        provider: String,
        /// What failed.
        detail: String,
    },
    /// The companion's logout failed (OAuth 1.0a).
    #[error("the sign-in server did not end the session: {detail}")]
    Companion {
        /// What failed.
        detail: String,
    },
}

impl SignOutError {
    /// Words for the UI, about the provider `provider_id` signed out of.
    pub fn failure(&self, provider_id: &str) -> AuthFailure {
        AuthFailure {
            title: words::TITLE_SIGN_OUT.into(),
            message: format!("You are signed out here, but {self}."),
            retry: RetryAction::ShowProviders,
            provider_id: Some(provider_id.to_owned()),
        }
    }
}

/// Why an API console call could not be made (any HTTP answer is not an error).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    /// Nobody is signed in.
    #[error("sign in first")]
    NotSignedIn,
    /// The provider has no `api_base` in `/latchkey.json`.
    #[error("{provider} has no api_base configured, so the console cannot call it")]
    NoApiBase {
        /// The provider's name.
        provider: String,
    },
    /// The URL is not under the provider's `api_base`: the access token is only sent there.
    #[error("{url} is not under {api_base}; the access token is only sent to the provider's API")]
    OutsideApiBase {
        /// The URL asked for.
        url: String,
        /// The configured base.
        api_base: String,
    },
    /// The URL could not be made into a request.
    #[error("{url} is not a usable URL: {reason}")]
    InvalidUrl {
        /// The URL, as encoded.
        url: String,
        /// What was wrong.
        reason: String,
    },
    /// A GET or HEAD request was given a body: HTTP gives it no meaning (RFC 9110 §9.3.1,
    /// §9.3.2), and `fetch` refuses one.
    #[error("a {} request cannot have a body", method.as_str())]
    BodyNotAllowed {
        /// GET or HEAD.
        method: ApiMethod,
    },
    /// The request never got an answer (offline, CORS).
    #[error("the request failed before an answer: {reason}")]
    Network {
        /// What the browser reported.
        reason: String,
    },
    /// A 401 came back and renewing the session failed.
    #[error("the access token was refused and the session could not be renewed: {0}")]
    Refresh(RefreshError),
    /// The caller's `AbortSignal` ([`ApiRequest::signal`](crate::ApiRequest::signal)) called
    /// the call off before its answer was whole. A renewal the call had started still ran
    /// to its end.
    #[error("the call was aborted")]
    Aborted,
}

#[cfg(test)]
mod tests;
