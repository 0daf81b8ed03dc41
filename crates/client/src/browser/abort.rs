//! A listener on an `AbortSignal`, for as long as a call runs: the client follows a page's
//! signal on the API's fetch ([`super::fetch::Ending::Page`]), and the embed rejects
//! `latchkey.fetch` on it.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::AbortSignal;

/// Calls its function when the signal aborts; dropped, it stops listening.
pub struct OnAbort {
    signal: AbortSignal,
    listener: Closure<dyn Fn()>,
}

impl OnAbort {
    /// Listens for `signal`'s `abort`; `None` when the browser refuses the listener.
    pub fn listen(signal: &AbortSignal, on_abort: impl Fn() + 'static) -> Option<OnAbort> {
        let listener = Closure::<dyn Fn()>::new(on_abort);
        signal
            .add_event_listener_with_callback("abort", listener.as_ref().unchecked_ref())
            .ok()?;
        Some(OnAbort {
            signal: signal.clone(),
            listener,
        })
    }
}

impl Drop for OnAbort {
    fn drop(&mut self) {
        let _ = self
            .signal
            .remove_event_listener_with_callback("abort", self.listener.as_ref().unchecked_ref());
    }
}
