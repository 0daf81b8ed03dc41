//! `fetch`, taking and giving `http` types so the protocol core's requests and parsers plug
//! straight in. Every request of the client's own is aborted after [`FETCH_TIMEOUT_MS`], so
//! a provider that never answers cannot leave a flow hanging; a call made for the page has
//! no deadline, as `window.fetch` has none, and ends early on the page's `AbortSignal`
//! ([`Ending`]).

use std::cell::Cell;
use std::rc::Rc;

use gloo_net::http::RequestBuilder;
use web_sys::{
    AbortController, AbortSignal, RequestCache, RequestCredentials, RequestMode, RequestRedirect,
    ResponseType,
};

use super::timer::Timeout;

/// How long one request (answer and body) may take before it is aborted.
pub const FETCH_TIMEOUT_MS: u64 = 15_000;

/// The response headers anything reads: proto's parsers (`content-type`, userinfo's
/// `www-authenticate`), the API console (`content-type`), the companion's 429
/// (`retry-after`) and DPoP's server nonce (`dpop-nonce`, readable cross-origin only where
/// the server lists it in `Access-Control-Expose-Headers`). Copying only these keeps `http`'s general header-name parser (about
/// 17 KB of wasm) out of the app.
const KEPT_HEADERS: [http::HeaderName; 4] = [
    http::header::CONTENT_TYPE,
    http::header::WWW_AUTHENTICATE,
    http::header::RETRY_AFTER,
    latchkey_proto::dpop::DPOP_NONCE_HEADER,
];

/// Headers a page gave for an API call, already checked (`api_call`), set on the fetch as
/// text after the request's own. Kept out of the `http::HeaderMap`, whose names would have to
/// be parsed with http's table of standard names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtraHeaders(pub Vec<(String, String)>);

/// In a request's extensions: the browser is to ask the server rather than answer from its
/// HTTP cache (`cache: "no-cache"`), for a resource the client has reason to think changed
/// since the cached copy (a key set without the key an ID token names).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Revalidate;

/// Every header of an answer the page may read (CORS hides the others), as text in the order
/// the browser lists them, kept in the response's extensions for whoever hands the answer to
/// a page (the embed's `latchkey.fetch`). Names and values are not parsed into `http` types,
/// whose header-name table would cost the wasm; what the client itself reads is in the
/// response's `HeaderMap` (`content-type` and the few others it reads).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AnswerHeaders(pub Vec<(String, String)>);

/// The status text the browser gave with an answer (`Response.statusText`: the reason phrase
/// an HTTP/1.1 server sent, empty over HTTP/2 and 3), kept in the response's extensions.
/// Passed on as it came rather than looked up in `http`'s table of reason phrases, which
/// would cost the wasm that table.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StatusText(pub String);

impl StatusText {
    /// The status text of `response`; empty when it did not come through [`send`].
    pub fn of<B>(response: &http::Response<B>) -> &str {
        response
            .extensions()
            .get::<StatusText>()
            .map_or("", |StatusText(text)| text.as_str())
    }
}

/// Who is being called, which decides the fetch mode, cookies and redirects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Peer {
    /// A provider's protocol endpoint on another origin (discovery, token, keys, userinfo,
    /// revocation): `mode: cors`, no cookies (a public client has no business sending the
    /// provider's cookies along with token requests), and `redirect: manual`: a redirect
    /// is never followed, because following a 307 re-sends the body (a code and its PKCE
    /// verifier, a refresh token) to wherever `Location` points. It fails as
    /// [`FetchFailure::Redirected`].
    Provider,
    /// The provider's API (`api_base`): like [`Peer::Provider`], but redirects are followed,
    /// as APIs use them (a moved resource); the browser drops `Authorization` when a redirect
    /// leaves the origin.
    Api,
    /// The companion on this origin: `mode: same-origin`, its session cookie included.
    Companion,
}

/// How a fetch failed to give an answer, as far as the browser tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FetchFailure {
    /// `fetch` rejected (a TypeError): nothing answered, or the answer lacked the CORS
    /// headers a cross-origin read needs. The browser hides which on purpose.
    Rejected,
    /// No whole answer within [`FETCH_TIMEOUT_MS`].
    TimedOut,
    /// The answer began, but its body broke off.
    BodyCut,
    /// The request could not be made at all (a bad URL or header).
    Unsendable,
    /// A protocol endpoint answered with a redirect, which is not followed ([`Peer::Provider`]).
    Redirected,
    /// The page's `AbortSignal` called the request off ([`Ending::Page`]).
    Aborted,
}

/// A fetch that got no answer: how, and the browser's words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{detail}")]
pub struct FetchError {
    /// How it failed.
    pub kind: FetchFailure,
    /// The URL and what the browser reported.
    pub detail: String,
}

/// How a request may end before its answer is whole.
#[derive(Debug, Clone, Copy)]
pub enum Ending<'a> {
    /// The client's own request (a provider's endpoint, the companion): aborted after
    /// [`FETCH_TIMEOUT_MS`], so one that never answers cannot leave a flow hanging.
    Deadline,
    /// A call made for the page (the authorized fetch): no deadline of the client's, as
    /// `window.fetch` has none (an upload over a slow line takes what it takes); aborted
    /// when the page's signal is, if it gave one.
    Page(Option<&'a AbortSignal>),
}

/// What aborts a fetch, as its [`Ending`] says.
enum Abort {
    /// The client's controller, aborted by a timer; dropping it disarms the timer.
    Deadline {
        controller: Option<AbortController>,
        fired: Rc<Cell<bool>>,
        _timer: Option<Timeout>,
    },
    /// The page's own signal, handed to `fetch` as it is, as `window.fetch` takes it.
    Page(Option<AbortSignal>),
}

impl Abort {
    fn arm(ending: Ending<'_>) -> Abort {
        if let Ending::Page(signal) = ending {
            return Abort::Page(signal.cloned());
        }
        let controller = AbortController::new().ok();
        let fired = Rc::new(Cell::new(false));
        let timer = controller.clone().and_then(|c| {
            let fired = fired.clone();
            Timeout::new(FETCH_TIMEOUT_MS, move || {
                fired.set(true);
                c.abort();
            })
            .ok()
        });
        Abort::Deadline {
            controller,
            fired,
            _timer: timer,
        }
    }

    fn signal(&self) -> Option<AbortSignal> {
        match self {
            Abort::Deadline { controller, .. } => controller.as_ref().map(AbortController::signal),
            Abort::Page(signal) => signal.clone(),
        }
    }

    /// A failure as `otherwise`, unless the request was aborted on purpose. A timeout says
    /// so: the browser's own words only say the request was aborted.
    fn error(&self, otherwise: FetchFailure, what: String) -> FetchError {
        match self {
            Abort::Deadline { fired, .. } if fired.get() => FetchError {
                kind: FetchFailure::TimedOut,
                detail: format!(
                    "{what} (no answer within {} seconds)",
                    FETCH_TIMEOUT_MS / 1000
                ),
            },
            Abort::Page(Some(signal)) if signal.aborted() => FetchError {
                kind: FetchFailure::Aborted,
                detail: what,
            },
            _ => FetchError {
                kind: otherwise,
                detail: what,
            },
        }
    }
}

fn builder(url: &str, method: http::Method, peer: Peer) -> RequestBuilder {
    let builder = RequestBuilder::new(url).method(method);
    match peer {
        Peer::Provider => builder
            .mode(RequestMode::Cors)
            .credentials(RequestCredentials::Omit)
            .redirect(RequestRedirect::Manual),
        Peer::Api => builder
            .mode(RequestMode::Cors)
            .credentials(RequestCredentials::Omit),
        // On another site (`latchkey.json`'s `companion`): CORS, and no cookies, which the
        // browser would withhold anyway; the session travels in a header instead.
        Peer::Companion if url.starts_with("http") => builder
            .mode(RequestMode::Cors)
            .credentials(RequestCredentials::Omit),
        Peer::Companion => builder
            .mode(RequestMode::SameOrigin)
            .credentials(RequestCredentials::SameOrigin),
    }
}

/// Sends `request` and reads the whole answer, within [`FETCH_TIMEOUT_MS`]. Any HTTP status
/// is `Ok`; `Err` means no (whole) answer: offline, CORS refusal, timeout, a body cut off, a
/// bad URL.
pub async fn send(
    request: http::Request<Vec<u8>>,
    peer: Peer,
) -> Result<http::Response<Vec<u8>>, FetchError> {
    open(request, peer, Ending::Deadline).await?.read().await
}

/// An answer whose status and headers have come, and its body: read whole, or still coming.
pub struct Answer {
    head: http::Response<()>,
    body: Body,
}

enum Body {
    Coming {
        response: gloo_net::http::Response,
        url: String,
        abort: Abort,
    },
    Read(Vec<u8>),
}

/// An answer's body as a page gets it ([`Answer::into_page_body`]).
#[derive(Debug)]
pub enum PageBody {
    /// The browser's own `Response`, its body unread: the page reads it as it comes, and an
    /// abort of the page's signal fails the read as `fetch`'s would (`AbortError`).
    Unread(web_sys::Response),
    /// Read whole already (the client needed it).
    Bytes(Vec<u8>),
}

impl Answer {
    /// An answer read whole.
    pub fn whole(response: http::Response<Vec<u8>>) -> Answer {
        let (parts, bytes) = response.into_parts();
        Answer {
            head: http::Response::from_parts(parts, ()),
            body: Body::Read(bytes),
        }
    }

    /// The status, the headers the client reads (in its `HeaderMap`) and every header a page
    /// may read ([`AnswerHeaders`], [`StatusText`], in its extensions).
    pub fn head(&self) -> &http::Response<()> {
        &self.head
    }

    /// The whole answer, its body read to the end.
    pub async fn read(self) -> Result<http::Response<Vec<u8>>, FetchError> {
        let (parts, ()) = self.head.into_parts();
        let bytes = match self.body {
            Body::Read(bytes) => bytes,
            Body::Coming {
                response,
                url,
                abort,
            } => response.binary().await.map_err(|e| {
                abort.error(
                    FetchFailure::BodyCut,
                    format!("reading the body from {url}: {e}"),
                )
            })?,
        };
        Ok(http::Response::from_parts(parts, bytes))
    }

    /// The head, and the body for a page to read as it comes. Only a page's call
    /// ([`Ending::Page`]) should hand its stream on: the deadline of the client's own
    /// requests ends when this returns.
    pub fn into_page_body(self) -> (http::Response<()>, PageBody) {
        let body = match self.body {
            Body::Read(bytes) => PageBody::Bytes(bytes),
            Body::Coming { response, .. } => PageBody::Unread(response.into()),
        };
        (self.head, body)
    }
}

/// Sends `request` and waits for the answer's status and headers; its body is still coming.
/// Fails as [`send`] does, ending early as `ending` says: a page's call has no deadline, and
/// its signal cancels it as `window.fetch`'s `init.signal` does (a request not yet sent is
/// not sent), failing as [`FetchFailure::Aborted`].
pub async fn open(
    request: http::Request<Vec<u8>>,
    peer: Peer,
    ending: Ending<'_>,
) -> Result<Answer, FetchError> {
    let (parts, body) = request.into_parts();
    let url = match peer {
        Peer::Companion => crate::companion::resolve(&parts.uri.to_string()),
        _ => parts.uri.to_string(),
    };
    let abort = Abort::arm(ending);
    let mut builder = builder(&url, parts.method, peer).abort_signal(abort.signal().as_ref());
    for (name, value) in &parts.headers {
        if let Ok(v) = value.to_str() {
            builder = builder.header(name.as_str(), v);
        }
    }
    if parts.extensions.get::<Revalidate>().is_some() {
        builder = builder.cache(RequestCache::NoCache);
    }
    if let Some(ExtraHeaders(extra)) = parts.extensions.get::<ExtraHeaders>() {
        for (name, value) in extra {
            builder = builder.header(name, value);
        }
    }
    let req = if body.is_empty() {
        builder.build()
    } else {
        builder.body(js_sys::Uint8Array::from(body.as_slice()))
    }
    .map_err(|e| abort.error(FetchFailure::Unsendable, format!("fetch {url}: {e}")))?;
    let resp = req
        .send()
        .await
        .map_err(|e| abort.error(FetchFailure::Rejected, format!("fetch {url}: {e}")))?;
    if resp.type_() == ResponseType::Opaqueredirect {
        return Err(FetchError {
            kind: FetchFailure::Redirected,
            detail: format!("fetch {url}: answered with a redirect, not followed"),
        });
    }
    let headers = resp.headers();
    let mut out = http::Response::builder()
        .status(resp.status())
        .extension(StatusText(resp.status_text()))
        .extension(AnswerHeaders(headers.entries().collect()));
    for name in KEPT_HEADERS {
        if let Some(v) = headers
            .get(name.as_str())
            .and_then(|v| http::HeaderValue::from_str(&v).ok())
        {
            out = out.header(name, v);
        }
    }
    let head = out.body(()).map_err(|e| FetchError {
        kind: FetchFailure::Unsendable,
        detail: format!("response from {url}: {e}"),
    })?;
    Ok(Answer {
        head,
        body: Body::Coming {
            response: resp,
            url,
            abort,
        },
    })
}

/// What a `mode: "no-cors"` request to a URL showed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Probe {
    /// An opaque answer: something at that URL answered (its CORS headers do not matter here).
    Opaque,
    /// A readable answer (the URL allows this origin after all).
    Readable,
    /// No answer again.
    Failed,
}

/// A bodyless `GET url` in `mode: "no-cors"` without cookies, to tell a server that refuses
/// cross-origin reads (opaque answer) from one that is not there (rejected again).
pub async fn probe_no_cors(url: &str) -> Probe {
    let abort = Abort::arm(Ending::Deadline);
    let request = RequestBuilder::new(url)
        .method(http::Method::GET)
        .mode(RequestMode::NoCors)
        .credentials(RequestCredentials::Omit)
        .abort_signal(abort.signal().as_ref())
        .build();
    let Ok(request) = request else {
        return Probe::Failed;
    };
    match request.send().await {
        Ok(r) if r.type_() == ResponseType::Opaque => Probe::Opaque,
        Ok(_) => Probe::Readable,
        Err(_) => Probe::Failed,
    }
}

/// A GET of `url` with `Accept: application/json`.
pub async fn get_json(url: &str, peer: Peer) -> Result<http::Response<Vec<u8>>, FetchError> {
    let request = http::Request::get(url)
        .header(http::header::ACCEPT, "application/json")
        .body(Vec::new())
        .map_err(|e| FetchError {
            kind: FetchFailure::Unsendable,
            detail: format!("GET {url}: {e}"),
        })?;
    send(request, peer).await
}
