//! What a page shows about sign-in: the status value the client publishes to its
//! subscribers, the session as the page may see it, and failures in words.

use latchkey_proto::public_config::{Protocol, SessionStorage};

use crate::words;

/// What the UI shows about sign-in, as one value.
#[derive(Debug, Clone, PartialEq)]
pub enum AuthStatus {
    /// The page just loaded and a stored session (a refresh token in storage, or a companion
    /// session for OAuth 1.0a) is being looked for and renewed. Show a quiet placeholder.
    Restoring,
    /// Nobody is signed in: show the provider buttons.
    SignedOut,
    /// A flow is under way; `step` says what is happening, in words (see [`words`]).
    Working {
        /// For example "Exchanging the code for tokens…".
        step: String,
        /// The provider's `id`, when the step is with one (`None` while a callback's
        /// provider is still unknown).
        provider_id: Option<String>,
    },
    /// Signed in.
    SignedIn(SessionView),
    /// The last operation failed; the failure says what happened and what to do.
    Failed(AuthFailure),
}

/// What the UI may know about the session. It never holds a token: the access, ID and
/// refresh tokens stay inside the auth module.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionView {
    /// The provider's `id` in `/latchkey.json`.
    pub provider_id: String,
    /// The provider's display name.
    pub provider_name: String,
    /// How the session was obtained.
    pub protocol: Protocol,
    /// The best name to greet the user with: `name`, else `preferred_username`, else `sub`
    /// (for OAuth 1.0a: `screen_name`, else `user_id`).
    pub display_name: String,
    /// The e-mail address, when the provider shared one.
    pub email: Option<String>,
    /// A picture URL, when the provider shared one (https or http only).
    pub picture: Option<String>,
    /// The subject identifier (OIDC `sub`; OAuth 1.0a `user_id`; empty for plain OAuth 2.0
    /// without userinfo).
    pub sub: String,
    /// The scopes granted (as the token response reported them, else as requested).
    pub scopes: Vec<String>,
    /// When the access token expires, in milliseconds since the Unix epoch; `None` when the
    /// provider did not say (and for OAuth 1.0a, whose tokens do not expire).
    pub access_expires_at: Option<u64>,
    /// Where the refresh token is kept (for the inspector: "memory", "tab", "browser").
    pub storage: SessionStorage,
    /// True when the session renews itself (a refresh token is held here or by the
    /// companion).
    pub can_refresh: bool,
    /// True when the companion holds the refresh token (in an HttpOnly cookie) and the
    /// browser holds none.
    pub refresh_in_companion: bool,
    /// The verified ID token's claims, `(name, value)` sorted by name, for the inspector
    /// (strings as they are, other values as JSON). Empty for OAuth 2.0 without OIDC and for OAuth 1.0a.
    pub id_token_claims: Vec<(String, String)>,
    /// The userinfo response's claims (OIDC) or the companion's identity fields (OAuth
    /// 1.0a), `(name, value)` sorted by name.
    pub userinfo_claims: Vec<(String, String)>,
    /// A problem the signed-in user should see (the profile could not be loaded, a renewal
    /// failed on the way to the provider), with its retry. Boxed: it is rare, and the
    /// status enum stays small.
    pub problem: Option<Box<AuthFailure>>,
}

/// A failure, in words a person can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthFailure {
    /// A short heading, e.g. "Sign-in was cancelled".
    pub title: String,
    /// One or two sentences, e.g. "You cancelled sign-in at Django.". Never a raw error code
    /// alone, never a token.
    pub message: String,
    /// What the retry button does.
    pub retry: RetryAction,
    /// The configured provider's `id` when the failure is about one (its sign-in, its
    /// session), `None` when it is about no single one (a callback whose state this browser
    /// never issued, an id `latchkey.json` does not list): an element scoped to one provider
    /// shows only its own failures and those about none.
    pub provider_id: Option<String>,
}

/// What the button under a failure does; run it with [`Client::retry`](crate::Client::retry).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RetryAction {
    /// Start sign-in with this provider again.
    SignIn {
        /// The provider's `id`.
        provider_id: String,
    },
    /// Go back to the provider list (the failure is cleared).
    ShowProviders,
    /// Renew the session again (its refresh token was kept).
    Renew {
        /// The provider's `id`.
        provider_id: String,
    },
    /// Load the profile (userinfo) again.
    LoadProfile,
}

impl RetryAction {
    /// The provider whose kept session this renews, for [`RetryAction::Renew`].
    pub fn renews(&self) -> Option<&str> {
        match self {
            RetryAction::Renew { provider_id } => Some(provider_id),
            _ => None,
        }
    }

    /// The button's label.
    pub fn label(&self) -> Option<&'static str> {
        match self {
            RetryAction::SignIn { .. } | RetryAction::Renew { .. } | RetryAction::LoadProfile => {
                Some(words::RETRY_SIGN_IN)
            }
            RetryAction::ShowProviders => Some(words::RETRY_SHOW_PROVIDERS),
        }
    }
}
