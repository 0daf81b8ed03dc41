//! The Web Locks API (`navigator.locks.request`): one tab of the origin at a time.
//!
//! web-sys only exposes `LockManager` behind `--cfg=web_sys_unstable_apis`, so the call goes
//! through `Reflect`, which also lets a browser without the API be detected.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::{future_to_promise, JsFuture};

use super::{window, BrowserError};

/// Whether the browser has `navigator.locks`.
pub fn available() -> bool {
    lock_manager().is_ok()
}

fn lock_manager() -> Result<JsValue, BrowserError> {
    let navigator = window()?.navigator();
    let locks = js_sys::Reflect::get(&navigator, &"locks".into())
        .map_err(|e| BrowserError::from_js("navigator.locks", &e))?;
    if locks.is_undefined() || locks.is_null() {
        return Err(BrowserError::missing("navigator.locks"));
    }
    Ok(locks)
}

/// Runs `f` while holding the exclusive lock `name`: no other tab of this origin runs a
/// section under the same name until `f`'s future finishes.
pub async fn with_lock<F, Fut, T>(name: &str, f: F) -> Result<T, BrowserError>
where
    F: FnOnce() -> Fut + 'static,
    Fut: Future<Output = T> + 'static,
    T: 'static,
{
    let slot: Rc<RefCell<Option<T>>> = Rc::new(RefCell::new(None));
    let out = slot.clone();
    hold(
        name,
        Box::pin(async move {
            let value = f().await;
            *out.borrow_mut() = Some(value);
        }),
    )
    .await?;
    let value = slot.borrow_mut().take();
    value.ok_or_else(|| {
        BrowserError("navigator.locks.request: the locked section did not run".into())
    })
}

/// Requests the lock `name` and holds it until `section` has run. Not generic, so that one
/// copy of the request and of its promise glue serves every caller of [`with_lock`].
async fn hold(name: &str, section: Pin<Box<dyn Future<Output = ()>>>) -> Result<(), BrowserError> {
    let locks = lock_manager()?;
    let request: js_sys::Function = js_sys::Reflect::get(&locks, &"request".into())
        .map_err(|e| BrowserError::from_js("navigator.locks.request", &e))?
        .dyn_into()
        .map_err(|_| BrowserError::missing("navigator.locks.request"))?;
    // The lock is held until the promise this callback returns settles.
    let callback = Closure::once_into_js(move |_lock: JsValue| -> js_sys::Promise {
        future_to_promise(async move {
            section.await;
            Ok(JsValue::UNDEFINED)
        })
    });
    let promise: js_sys::Promise = request
        .call2(&locks, &JsValue::from_str(name), &callback)
        .map_err(|e| BrowserError::from_js("navigator.locks.request", &e))?
        .dyn_into()
        .map_err(|_| BrowserError::missing("navigator.locks.request (no promise)"))?;
    JsFuture::from(promise)
        .await
        .map_err(|e| BrowserError::from_js("navigator.locks.request", &e))?;
    Ok(())
}
