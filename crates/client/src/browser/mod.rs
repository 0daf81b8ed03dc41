//! Thin wrappers over the browser APIs the app uses, each turning a JavaScript exception
//! into a `BrowserError` with the browser's own message. No decisions live here.

pub mod channel;
pub mod fetch;
pub mod indexed_db;
pub mod locks;
pub mod page;
pub mod random;
pub mod storage;
pub mod timer;

/// A browser API failed or is missing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct BrowserError(pub String);

impl BrowserError {
    /// From a thrown JavaScript value: its `message` when it is an `Error`.
    pub fn from_js(what: &str, value: &wasm_bindgen::JsValue) -> Self {
        let detail = js_sys::Reflect::get(value, &"message".into())
            .ok()
            .and_then(|m| m.as_string())
            .or_else(|| value.as_string())
            .unwrap_or_else(|| "unknown error".to_owned());
        BrowserError(format!("{what}: {detail}"))
    }

    /// A missing API.
    pub fn missing(what: &str) -> Self {
        BrowserError(format!("{what} is not available in this browser"))
    }
}

/// The `window`, if there is one.
pub fn window() -> Result<web_sys::Window, BrowserError> {
    web_sys::window().ok_or_else(|| BrowserError::missing("window"))
}
