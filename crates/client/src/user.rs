//! The signed-in person as a page shows them: `{provider, sub, name, email?, picture?}`.
//! Never a token. The embed hands it to scripts; `latchkey-leptos` puts it in a signal.

use crate::{AuthStatus, SessionView};

/// Who is signed in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// The provider's `id` in `latchkey.json`.
    pub provider: String,
    /// The subject identifier (OIDC `sub`, OAuth 1.0a `user_id`).
    pub sub: String,
    /// The display name: `name`, else `preferred_username` / `login`, else `email`, else
    /// `sub`.
    pub name: String,
    /// The e-mail address, when the provider shared one.
    pub email: Option<String>,
    /// A picture URL (http or https), when the provider shared one.
    pub picture: Option<String>,
}

impl User {
    /// The person a status shows, if any.
    pub fn of(status: &AuthStatus) -> Option<User> {
        match status {
            AuthStatus::SignedIn(view) => Some(User::from(view)),
            _ => None,
        }
    }
}

impl From<&SessionView> for User {
    fn from(view: &SessionView) -> User {
        User {
            provider: view.provider_id.clone(),
            sub: view.sub.clone(),
            name: view.display_name.clone(),
            email: view.email.clone(),
            picture: view.picture.clone(),
        }
    }
}
