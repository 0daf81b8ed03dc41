//! `setTimeout`, cancelled when the handle is dropped, and an awaitable sleep.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

use super::{window, BrowserError};

/// A pending `setTimeout`; dropping it cancels the call.
pub struct Timeout {
    id: i32,
    _callback: Closure<dyn FnMut()>,
}

impl Timeout {
    /// Calls `f` once after `ms` milliseconds.
    pub fn new(ms: u64, f: impl FnOnce() + 'static) -> Result<Timeout, BrowserError> {
        let mut f = Some(f);
        let callback = Closure::<dyn FnMut()>::new(move || {
            if let Some(f) = f.take() {
                f();
            }
        });
        let delay = i32::try_from(ms).unwrap_or(i32::MAX);
        let id = window()?
            .set_timeout_with_callback_and_timeout_and_arguments_0(
                callback.as_ref().unchecked_ref(),
                delay,
            )
            .map_err(|e| BrowserError::from_js("setTimeout", &e))?;
        Ok(Timeout {
            id,
            _callback: callback,
        })
    }
}

impl Drop for Timeout {
    fn drop(&mut self) {
        if let Some(w) = web_sys::window() {
            w.clear_timeout_with_handle(self.id);
        }
    }
}

/// Resolves after `ms` milliseconds.
pub async fn sleep(ms: u64) {
    let delay = i32::try_from(ms).unwrap_or(i32::MAX);
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, delay);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}
