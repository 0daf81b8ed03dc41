//! `latchkey.fetch`'s `init.signal` (or its `Request`'s), as `window.fetch` honours it: a
//! signal already aborted rejects the call before anything is sent, and an abort while the
//! call runs rejects it at once with the signal's reason (an `AbortError` unless the page gave
//! another). The client cancels the call's own requests on the same signal
//! (`ApiRequest::signal`), but a renewal the call started runs to its end underneath, so the
//! session is never left half renewed.

use js_sys::{Function, Promise};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::AbortSignal;

/// The page's signal for a call: `init.signal`, else that of the `Request` given as `input`.
/// Anything else in `init.signal` is refused, as `fetch` refuses it.
pub fn signal_of(
    init_signal: Option<JsValue>,
    request: Option<&web_sys::Request>,
) -> Result<Option<AbortSignal>, String> {
    match init_signal {
        Some(s) => s
            .dyn_into::<AbortSignal>()
            .map(Some)
            .map_err(|_| "init.signal is not an AbortSignal".to_owned()),
        None => Ok(request.map(web_sys::Request::signal)),
    }
}

/// Rejected with the signal's reason when it is already aborted: the call must not start.
pub fn refused_at_once(signal: Option<&AbortSignal>) -> Option<Promise> {
    signal
        .filter(|s| s.aborted())
        .map(|s| Promise::reject(&s.reason()))
}

/// A promise rejected with the signal's reason when it aborts, and the listener behind it,
/// to be kept until the call ends; `None` if the browser would not take the listener.
pub fn arm(signal: AbortSignal) -> Option<(Promise, OnAbort)> {
    let mut reject_with: Option<Function> = None;
    let aborted = Promise::new(&mut |_resolve, reject| reject_with = Some(reject));
    let reject = reject_with?;
    let listener = OnAbort::listen(&signal, {
        let signal = signal.clone();
        move || {
            let _ = reject.call1(&JsValue::NULL, &signal.reason());
        }
    })?;
    Some((aborted, listener))
}

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
