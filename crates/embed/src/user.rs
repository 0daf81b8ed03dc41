//! The signed-in person as the page's scripts see them: `{provider, sub, name, email?,
//! picture?}`. Never a token.

use js_sys::{Object, Reflect};
use latchkey_client::{AuthStatus, SessionView};
use wasm_bindgen::JsValue;

/// Who is signed in, as `latchkey.user` reports it.
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
            AuthStatus::SignedIn(view) => Some(User::from_view(view)),
            _ => None,
        }
    }

    fn from_view(view: &SessionView) -> User {
        User {
            provider: view.provider_id.clone(),
            sub: view.sub.clone(),
            name: view.display_name.clone(),
            email: view.email.clone(),
            picture: view.picture.clone(),
        }
    }

    /// A frozen plain object; the optional fields are absent when unknown.
    pub fn to_js(&self) -> JsValue {
        let object = Object::new();
        let set = |key: &str, value: &str| {
            let _ = Reflect::set(&object, &key.into(), &value.into());
        };
        set("provider", &self.provider);
        set("sub", &self.sub);
        set("name", &self.name);
        if let Some(email) = &self.email {
            set("email", email);
        }
        if let Some(picture) = &self.picture {
            set("picture", picture);
        }
        Object::freeze(&object).into()
    }
}

/// `null` or the user object.
pub fn to_js(user: Option<&User>) -> JsValue {
    user.map_or(JsValue::NULL, User::to_js)
}
