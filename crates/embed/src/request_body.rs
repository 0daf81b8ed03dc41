//! The body of a `latchkey.fetch(input, init)` call, taken as `window.fetch` takes it: a
//! string or bytes as they are; any other `BodyInit` (`URLSearchParams`, `FormData`, `Blob`,
//! a stream) turned into bytes by the browser itself, with the `Content-Type` the browser
//! gives it (a form's `multipart/form-data; boundary=…`); and, without `init.body`, the body
//! of a `Request` given as `input`. Nothing is dropped on the way.

use js_sys::{Reflect, Uint8Array};
use latchkey_client::browser::BrowserError;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Request, RequestInit};

/// A call's body, before it is read.
pub enum Body {
    /// No body.
    None,
    /// A string or bytes, taken as they are.
    Bytes(Vec<u8>),
    /// A body the browser reads: from a `Request`, its own or one made to hold `init.body`.
    Held(Request),
}

/// The call's body: `init_body` when given, else that of `request` (the call's `input`).
pub fn of_call(request: Option<&Request>, init_body: Option<JsValue>) -> Result<Body, String> {
    let Some(body) = init_body else {
        return Ok(match request {
            Some(r) if !matches!(r.method().to_ascii_uppercase().as_str(), "GET" | "HEAD") => {
                // A clone, so the page's own `Request` is left unread.
                Body::Held(
                    r.clone()
                        .map_err(|e| words("the Request's body cannot be read", &e))?,
                )
            }
            _ => Body::None,
        });
    };
    if let Some(text) = body.as_string() {
        return Ok(Body::Bytes(text.into_bytes()));
    }
    if body.is_instance_of::<Uint8Array>() || body.is_instance_of::<js_sys::ArrayBuffer>() {
        return Ok(Body::Bytes(Uint8Array::new(&body).to_vec()));
    }
    // Any other body goes into a request of the browser's own making, which is never sent:
    // it converts the body exactly as `window.fetch` would.
    let init = RequestInit::new();
    init.set_method("POST");
    init.set_body(&body);
    // A stream body needs it (Fetch, "duplex"); other bodies ignore it.
    let _ = Reflect::set(&init, &"duplex".into(), &"half".into());
    Request::new_with_str_and_init("about:blank", &init)
        .map(Body::Held)
        .map_err(|e| words("init.body cannot be sent", &e))
}

/// The bytes of `body`, and the `Content-Type` the browser gave a body it converted.
pub async fn read(body: Body) -> Result<(Option<Vec<u8>>, Option<String>), String> {
    match body {
        Body::None => Ok((None, None)),
        Body::Bytes(bytes) => Ok((Some(bytes), None)),
        Body::Held(request) => {
            let content_type = request.headers().get("content-type").ok().flatten();
            let buffer = request
                .array_buffer()
                .map(JsFuture::from)
                .map_err(|e| words("the body could not be read", &e))?
                .await
                .map_err(|e| words("the body could not be read", &e))?;
            let bytes = Uint8Array::new(&buffer).to_vec();
            // A `Request` made without a body (a DELETE, say) sends none, and no type.
            if bytes.is_empty() && content_type.is_none() {
                return Ok((None, None));
            }
            Ok((Some(bytes), content_type))
        }
    }
}

/// "`what`: <the browser's words>", as the client words every thrown JavaScript value.
fn words(what: &str, error: &JsValue) -> String {
    BrowserError::from_js(what, error).0
}
