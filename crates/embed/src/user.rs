//! The signed-in person as the page's scripts see them: a frozen `{provider, sub, name,
//! email?, picture?}`. Never a token.

use js_sys::{Object, Reflect};
use wasm_bindgen::JsValue;

pub use latchkey_client::User;

/// A frozen plain object; the optional fields are absent when unknown.
pub fn user_to_js(user: &User) -> JsValue {
    let object = Object::new();
    let set = |key: &str, value: &str| {
        let _ = Reflect::set(&object, &key.into(), &value.into());
    };
    set("provider", &user.provider);
    set("sub", &user.sub);
    set("name", &user.name);
    if let Some(email) = &user.email {
        set("email", email);
    }
    if let Some(picture) = &user.picture {
        set("picture", picture);
    }
    Object::freeze(&object).into()
}

/// `null` or the user object.
pub fn to_js(user: Option<&User>) -> JsValue {
    user.map_or(JsValue::NULL, user_to_js)
}
