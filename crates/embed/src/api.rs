//! `window.latchkey` (the module's default export): `ready`, `user`, `lastError`,
//! `signIn`, `signOut`, `retry`, `fetch`, `on("change", fn)`, and the `latchkey:change`
//! event.
//!
//! Nothing here throws: a failure is put into words in `lastError`, on the console and in
//! the sign-in element. Only `fetch` rejects, as `window.fetch` does, with an `Error`
//! whose message says why.

use std::rc::Rc;

use js_sys::{Array, Function, Object, Promise, Reflect, Uint8Array};
use latchkey_client::config::{self, ConfigError};
use latchkey_client::{
    ApiAnswer, ApiMethod, ApiRequest, Client, PageBody, ProviderLogout, SignInOptions,
};
use latchkey_proto::public_config::PublicConfig;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{CustomEvent, CustomEventInit, Document, Element, Headers, Response, ResponseInit};

use crate::abort;
use crate::elements::{self, RETRY_ATTR, SIGN_IN_ATTR, SIGN_OUT_ATTR};
use crate::page_state::{embed, shown_after, Retry, Shown};
use crate::request_body::{self, Body};
use crate::user;

/// The event dispatched on `document` whenever `user` or `lastError` changes.
pub const CHANGE_EVENT: &str = "latchkey:change";

/// Starts the embed: builds `window.latchkey`, reads the configuration from `answer` (the
/// bootstrap's fetch of `config_url`: `{status, body}`, or `{error}` when it got no answer),
/// restores a stored session or finishes a callback in this page's address, and keeps the
/// elements rendered. `shown_early`: the bootstrap already showed the signed-out parts
/// (it found the page surely signed out). Returns the API object. The bootstrap calls it
/// once.
#[wasm_bindgen]
pub fn boot(config_url: String, answer: Promise, shown_early: bool) -> JsValue {
    embed().shown_early.set(shown_early);
    let api = api_object();
    if let Some(window) = web_sys::window() {
        let _ = Reflect::set(&window, &"latchkey".into(), &api);
    }
    if let Some(document) = document() {
        listen_for_clicks(&document);
        watch_for_new_elements(&document);
    }
    wasm_bindgen_futures::spawn_local(async move {
        let answer = wasm_bindgen_futures::JsFuture::from(answer).await;
        let read = answer
            .map_err(|e| ConfigError::Network {
                reason: js_sys::JsString::from(e).into(),
            })
            .and_then(read_answer);
        match read {
            Ok(config) => start(Client::with_provider_logout(
                config,
                ProviderLogout::StayHere,
            )),
            Err(e) => publish(Shown {
                last_error: Some(format!(
                    "Sign-in is not available: {e} ({config_url}). {}",
                    e.advice()
                )),
                settled: true,
                ..Shown::default()
            }),
        }
    });
    api
}

/// What the bootstrap's fetch of `latchkey.json` means (`config::interpret` decides).
fn read_answer(answer: JsValue) -> Result<PublicConfig, ConfigError> {
    let field = |name: &str| Reflect::get(&answer, &name.into()).unwrap_or_default();
    if let Some(reason) = field("error").as_string() {
        return Err(ConfigError::Network { reason });
    }
    let status = field("status").as_f64().unwrap_or_default() as u16;
    config::interpret(status, &field("body").as_string().unwrap_or_default())
}

fn document() -> Option<Document> {
    web_sys::window()?.document()
}

fn start(client: Client) {
    client
        .subscribe(|status| {
            let next = shown_after(&embed().shown.borrow(), status);
            publish(next);
        })
        .keep();
    *embed().client.borrow_mut() = Some(client.clone());
    if let Some(document) = document() {
        elements::render_all(&document);
    }
    client.start_finishing_callbacks(return_to);
}

/// After a callback: stay on this page when it is where sign-in started (the session in
/// memory survives), else load the page the person started from.
fn return_to(target: &str) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let here = window.location().pathname().unwrap_or_default();
    let path = target.split(['?', '#']).next().unwrap_or(target);
    if path == here {
        let _ = latchkey_client::browser::page::replace_url(target);
    } else {
        let _ = window.location().replace(target);
    }
}

/// Makes `next` what the page shows: renders, settles `ready`, tells listeners.
fn publish(next: Shown) {
    let embed = embed();
    let before = embed.shown.replace(next.clone());
    if let Some(document) = document() {
        elements::render_all(&document);
    }
    if next.settled {
        if let Some(resolve) = embed.resolve_ready.borrow_mut().take() {
            let _ = resolve.call1(&JsValue::NULL, &user::to_js(next.user.as_ref()));
        }
    }
    if before.user == next.user && before.last_error == next.last_error {
        return;
    }
    if let (Some(error), true) = (&next.last_error, before.last_error != next.last_error) {
        web_sys::console::error_1(&format!("latchkey: {error}").into());
    }
    let user = user::to_js(next.user.as_ref());
    let listeners: Vec<Function> = embed
        .listeners
        .borrow()
        .iter()
        .map(|(_, f)| f.clone())
        .collect();
    for listener in listeners {
        if let Err(e) = listener.call1(&JsValue::NULL, &user) {
            web_sys::console::error_2(&"latchkey: a change listener threw".into(), &e);
        }
    }
    if let Some(document) = document() {
        let detail = Object::new();
        let _ = Reflect::set(&detail, &"user".into(), &user);
        let error = next
            .last_error
            .as_deref()
            .map_or(JsValue::NULL, JsValue::from);
        let _ = Reflect::set(&detail, &"error".into(), &error);
        let init = CustomEventInit::new();
        init.set_detail(&detail);
        if let Ok(event) = CustomEvent::new_with_event_init_dict(CHANGE_EVENT, &init) {
            let _ = document.dispatch_event(&event);
        }
    }
}

/// Puts a failure that happened before the client could run into words.
fn refuse(words: String) {
    let shown = Shown {
        last_error: Some(words),
        error_provider: None,
        ..embed().shown.borrow().clone()
    };
    publish(shown);
}

fn client_or_refuse() -> Option<Client> {
    let client = embed().client.borrow().clone();
    if client.is_none() && embed().shown.borrow().last_error.is_none() {
        refuse("Sign-in is still loading its configuration; try again in a moment.".into());
    }
    client
}

fn sign_in(provider: JsValue, options: JsValue) {
    let Some(client) = client_or_refuse() else {
        return;
    };
    let Some(id) = provider.as_string() else {
        refuse("signIn needs a provider id (a string), as in latchkey.json.".into());
        return;
    };
    let text = |name: &str| {
        Reflect::get(&options, &name.into())
            .ok()
            .and_then(|v| v.as_string())
    };
    client.sign_in_with(
        &id,
        SignInOptions {
            return_to: text("returnTo"),
            login_hint: text("loginHint"),
            prompt: text("prompt"),
        },
    );
}

/// "Try again" after a failure that kept the session: renews it (or asks the companion
/// again). Nothing while a step is under way, as its `aria-disabled` says.
fn retry(provider_id: Option<String>) {
    let busy = embed().shown.borrow().working.is_some();
    let (Some(provider_id), false, Some(client)) = (provider_id, busy, client_or_refuse()) else {
        return;
    };
    client.renew_again(&provider_id);
}

/// `latchkey.retry()`: what the last failure's "Try again" does, for a page that draws its own
/// UI: the failed sign-in from the beginning, or the kept session renewed now. `false` when
/// the failure offers no retry, there is none, or something is already under way.
fn retry_last() -> bool {
    let embed = embed();
    let (retry_of, busy) = {
        let shown = embed.shown.borrow();
        (shown.retry.clone(), shown.working.is_some())
    };
    match retry_of.filter(|_| !busy) {
        Some(Retry::SignIn(id)) => sign_in(id.into(), JsValue::UNDEFINED),
        Some(Retry::Renew(id)) => retry(Some(id)),
        None => return false,
    }
    true
}

fn sign_out() {
    if let Some(client) = client_or_refuse() {
        client.sign_out();
    }
}

fn reject(message: String) -> Promise {
    Promise::reject(&fetch_error(message))
}

/// The `Error` `latchkey.fetch` rejects with: "latchkey.fetch: " and why.
fn fetch_error(why: impl std::fmt::Display) -> JsValue {
    js_sys::Error::new(&format!("latchkey.fetch: {why}")).into()
}

/// `latchkey.fetch(input, init)`.
fn authorized_fetch(input: JsValue, init: JsValue) -> Promise {
    let Some(client) = embed().client.borrow().clone() else {
        return reject("sign-in is not ready (see latchkey.lastError)".into());
    };
    let FetchCall {
        url,
        method,
        mut headers,
        body,
        signal,
    } = match fetch_arguments(&input, &init) {
        Ok(call) => call,
        Err(message) => return reject(message),
    };
    if let Some(refused) = abort::refused_at_once(signal.as_ref()) {
        return refused;
    }
    // The client cancels the call's requests on the signal; the race below rejects at once,
    // even while a renewal the call started runs on underneath.
    let stop = signal.clone();
    let (aborted, armed) = signal.and_then(abort::arm).unzip();
    let answer = wasm_bindgen_futures::future_to_promise(async move {
        // The abort listener stays until the call has ended, whichever way.
        let _armed = armed;
        let (body, content_type) = request_body::read(body).await.map_err(fetch_error)?;
        // The type the browser gave the body it converted, unless the page named one.
        if let Some(content_type) = content_type {
            if !headers
                .iter()
                .any(|(name, _)| name.eq_ignore_ascii_case("content-type"))
            {
                headers.push(("Content-Type".into(), content_type));
            }
        }
        let request = ApiRequest {
            body,
            headers,
            signal: stop,
        };
        match client.fetch_streaming(method, url, request).await {
            Ok(answer) => to_response(answer),
            Err(e) => Err(fetch_error(e)),
        }
    });
    match aborted {
        Some(aborted) => Promise::race(&Array::of2(&answer, &aborted)),
        None => answer,
    }
}

/// What a `fetch(input, init)` call asks for.
struct FetchCall {
    url: String,
    method: ApiMethod,
    headers: Vec<(String, String)>,
    body: Body,
    signal: Option<web_sys::AbortSignal>,
}

/// The URL, method, headers and body of a `fetch(input, init)` call.
fn fetch_arguments(input: &JsValue, init: &JsValue) -> Result<FetchCall, String> {
    let request = input.dyn_ref::<web_sys::Request>();
    let url = match request {
        Some(r) => r.url(),
        None => js_sys::JsString::from(input.clone()).into(),
    };
    let field = |name: &str| {
        Reflect::get(init, &name.into())
            .ok()
            .filter(|v| !v.is_undefined() && !v.is_null())
    };
    let method_name = field("method")
        .and_then(|m| m.as_string())
        .or_else(|| request.map(|r| r.method()))
        .unwrap_or_else(|| "GET".into());
    let method = ApiMethod::parse(&method_name.to_ascii_uppercase())
        .ok_or_else(|| format!("the method {method_name} is not supported"))?;
    let headers = match field("headers") {
        // `new Headers(x)` takes a Headers, an array of pairs or a record alike.
        Some(h) => Some(Headers::new_with_str_sequence_sequence(&h).map_err(|_| {
            "init.headers is not a Headers, an array of pairs or an object".to_owned()
        })?),
        None => request.map(|r| r.headers()),
    };
    let mut pairs = Vec::new();
    if let Some(Ok(Some(iter))) = headers.map(|h| js_sys::try_iter(&h)) {
        for entry in iter.flatten() {
            let pair = Array::from(&entry);
            if let (Some(name), Some(value)) = (pair.get(0).as_string(), pair.get(1).as_string()) {
                pairs.push((name, value));
            }
        }
    }
    let body = request_body::of_call(request, field("body"))?;
    Ok(FetchCall {
        url,
        method,
        headers: pairs,
        body,
        signal: abort::signal_of(field("signal"), request)?,
    })
}

/// The API's answer as a `Response`: the browser's own while its body is still coming, or
/// one made of the status, the status text, every header the page may read and the body the
/// client read.
fn to_response(answer: ApiAnswer<PageBody>) -> Result<JsValue, JsValue> {
    let bytes = match answer.response.body() {
        // The browser's own, not `new Response(its.body, …)`: Chromium reads a stream moved
        // into a new Response as "TypeError: Failed to fetch" once the page's signal aborts
        // it, where the fetch's own Response gives the `AbortError` that `fetch` promises.
        PageBody::Unread(response) => return Ok(response.into()),
        PageBody::Bytes(bytes) => bytes,
    };
    let init = ResponseInit::new();
    let status = answer.response.status().as_u16();
    init.set_status(status);
    init.set_status_text(answer.status_text());
    let headers = Headers::new()?;
    for (name, value) in answer.headers() {
        let _ = headers.append(name, value);
    }
    init.set_headers(&headers);
    // A null-body status may not carry one (fetch spec, "null body status").
    let body =
        (!matches!(status, 101 | 204 | 205 | 304)).then(|| Uint8Array::from(bytes.as_slice()));
    Response::new_with_opt_buffer_source_and_init(body.as_ref().map(|b| b.unchecked_ref()), &init)
        .map(JsValue::from)
}

/// Adds `listener` to the change listeners; returns the function that removes it.
fn on(event: JsValue, listener: JsValue) -> JsValue {
    let (Some("change"), Some(listener)) =
        (event.as_string().as_deref(), listener.dyn_ref::<Function>())
    else {
        web_sys::console::error_1(&"latchkey.on: use on(\"change\", fn)".into());
        return Closure::<dyn Fn()>::new(|| {}).into_js_value();
    };
    let embed = embed();
    let id = {
        let mut next = embed.next_listener.borrow_mut();
        *next += 1;
        *next
    };
    embed.listeners.borrow_mut().push((id, listener.clone()));
    Closure::<dyn Fn()>::new(move || {
        crate::page_state::embed()
            .listeners
            .borrow_mut()
            .retain(|(i, _)| *i != id);
    })
    .into_js_value()
}

fn method(object: &Object, name: &str, function: JsValue) {
    let _ = Reflect::set(object, &name.into(), &function);
}

fn getter(object: &Object, name: &str, get: impl Fn() -> JsValue + 'static) {
    let descriptor = Object::new();
    let get = Closure::<dyn Fn() -> JsValue>::new(get).into_js_value();
    let _ = Reflect::set(&descriptor, &"get".into(), &get);
    let _ = Reflect::set(&descriptor, &"enumerable".into(), &true.into());
    Object::define_property(object, &name.into(), &descriptor);
}

fn api_object() -> JsValue {
    let api = Object::new();
    let embed = embed();
    let ready = Promise::new(&mut |resolve, _reject| {
        *embed.resolve_ready.borrow_mut() = Some(resolve);
    });
    let _ = Reflect::set(&api, &"ready".into(), &ready);
    getter(&api, "user", || user::to_js(embed_user().as_ref()));
    getter(&api, "lastError", || {
        crate::page_state::embed()
            .shown
            .borrow()
            .last_error
            .as_deref()
            .map_or(JsValue::NULL, JsValue::from)
    });
    method(
        &api,
        "signIn",
        Closure::<dyn Fn(JsValue, JsValue)>::new(sign_in).into_js_value(),
    );
    method(
        &api,
        "signOut",
        Closure::<dyn Fn()>::new(sign_out).into_js_value(),
    );
    method(
        &api,
        "retry",
        Closure::<dyn Fn() -> bool>::new(retry_last).into_js_value(),
    );
    method(
        &api,
        "fetch",
        Closure::<dyn Fn(JsValue, JsValue) -> Promise>::new(authorized_fetch).into_js_value(),
    );
    method(
        &api,
        "on",
        Closure::<dyn Fn(JsValue, JsValue) -> JsValue>::new(on).into_js_value(),
    );
    Object::freeze(&api).into()
}

fn embed_user() -> Option<crate::user::User> {
    crate::page_state::embed().shown.borrow().user.clone()
}

/// One listener for every button the elements render (they come and go with the state).
fn listen_for_clicks(document: &Document) {
    let on_click = Closure::<dyn Fn(web_sys::Event)>::new(|event: web_sys::Event| {
        let Some(target) = event.target().and_then(|t| t.dyn_into::<Element>().ok()) else {
            return;
        };
        if let Ok(Some(button)) = target.closest(&format!("[{SIGN_IN_ATTR}]")) {
            if let Some(id) = button.get_attribute(SIGN_IN_ATTR) {
                sign_in(id.into(), JsValue::UNDEFINED);
            }
        } else if let Ok(Some(_)) = target.closest(&format!("[{SIGN_OUT_ATTR}]")) {
            sign_out();
        } else if let Ok(Some(button)) = target.closest(&format!("[{RETRY_ATTR}]")) {
            retry(button.get_attribute(RETRY_ATTR));
        }
    });
    let _ = document.add_event_listener_with_callback("click", on_click.as_ref().unchecked_ref());
    on_click.forget();
}

/// Elements with the visibility attributes may be added at any time (a framework, a
/// later script): keep them right as they arrive. The custom elements render themselves.
fn watch_for_new_elements(document: &Document) {
    let doc = document.clone();
    let observed = Rc::new(Closure::<dyn Fn()>::new(move || {
        let shown = crate::page_state::embed().shown.borrow().clone();
        elements::apply_visibility(&doc, &shown);
    }));
    let Ok(observer) = web_sys::MutationObserver::new(observed.as_ref().as_ref().unchecked_ref())
    else {
        return;
    };
    let options = web_sys::MutationObserverInit::new();
    options.set_child_list(true);
    options.set_subtree(true);
    if let Some(root) = document.document_element() {
        let _ = observer.observe_with_options(&root, &options);
    }
    std::mem::forget(observed);
    std::mem::forget(observer);
}
