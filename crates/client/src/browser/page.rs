//! The address bar, navigation and the clock.

use super::{window, BrowserError};

/// `location.href`.
pub fn href() -> Result<String, BrowserError> {
    window()?
        .location()
        .href()
        .map_err(|e| BrowserError::from_js("location.href", &e))
}

/// `location.origin`, e.g. `http://127.0.0.1:8080`.
pub fn origin() -> Result<String, BrowserError> {
    window()?
        .location()
        .origin()
        .map_err(|e| BrowserError::from_js("location.origin", &e))
}

/// `location.pathname`.
pub fn pathname() -> Result<String, BrowserError> {
    window()?
        .location()
        .pathname()
        .map_err(|e| BrowserError::from_js("location.pathname", &e))
}

/// The path, query and fragment of the current page (what a return path keeps).
pub fn path_query_fragment() -> Result<String, BrowserError> {
    let location = window()?.location();
    let part = |r: Result<String, wasm_bindgen::JsValue>, what| {
        r.map_err(|e| BrowserError::from_js(what, &e))
    };
    Ok(format!(
        "{}{}{}",
        part(location.pathname(), "location.pathname")?,
        part(location.search(), "location.search")?,
        part(location.hash(), "location.hash")?
    ))
}

/// Top-level navigation (`location.assign`): the page is left.
pub fn assign(url: &str) -> Result<(), BrowserError> {
    window()?
        .location()
        .assign(url)
        .map_err(|e| BrowserError::from_js("location.assign", &e))
}

/// `history.replaceState` to a same-origin URL: the address bar changes, the page stays.
pub fn replace_url(url: &str) -> Result<(), BrowserError> {
    window()?
        .history()
        .map_err(|e| BrowserError::from_js("history", &e))?
        .replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(url))
        .map_err(|e| BrowserError::from_js("history.replaceState", &e))
}

/// `Date.now()` in milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    let ms = js_sys::Date::now();
    if ms.is_finite() && ms > 0.0 {
        ms as u64
    } else {
        0
    }
}

/// `Date.now()` in whole seconds, the unit of JWT times and the pending flow.
pub fn now_s() -> u64 {
    now_ms() / 1000
}

/// Moves keyboard focus to the first element matching `selector` once the view has caught
/// up with the state just published (a zero-delay timer runs after the render).
pub fn focus_soon(selector: &'static str) {
    use wasm_bindgen::JsCast;
    let focus = wasm_bindgen::closure::Closure::once_into_js(move || {
        let found = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.query_selector(selector).ok().flatten())
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
        if let Some(el) = found {
            let _ = el.focus();
        }
    });
    if let Some(w) = web_sys::window() {
        let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(focus.unchecked_ref(), 0);
    }
}

/// Calls `back_online` each time the browser says it is online again (the window's `online`
/// event), for as long as the page lives.
pub fn on_online(back_online: impl Fn() + 'static) -> Result<(), BrowserError> {
    use wasm_bindgen::JsCast;
    let listener = wasm_bindgen::closure::Closure::<dyn Fn()>::new(back_online);
    window()?
        .add_event_listener_with_callback("online", listener.as_ref().unchecked_ref())
        .map_err(|e| BrowserError::from_js("addEventListener(online)", &e))?;
    // The page's engine lives as long as the page: the listener does too.
    listener.forget();
    Ok(())
}
