//! A TCP proxy in front of a real provider that can break the network on demand: refuse
//! connections, hold them past a timeout, or answer with a gateway's 500, an HTML page or a
//! cut-off body instead of the provider's answer. Its own answers allow the app's origin unless
//! told otherwise ([`CannedCors`]): with CORS the app can read and word the gateway's answer;
//! without, as with most real gateways, the browser hides it.
//!
//! It stands in for a network fault only: in [`Fault::PassThrough`] every byte is the real
//! provider's, and [`Fault::Truncate`] cuts the real provider's own answer. The mode can be
//! switched while the test runs, for every request or only for one path (say the token
//! endpoint, while the login page still works); switching closes every open connection, so a
//! browser's keep-alive connection cannot carry an old mode's behaviour over into the new one.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// What the proxy does with the next connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Copies bytes both ways: the provider as it is.
    PassThrough,
    /// Nothing listens on the port: connections are refused, as with a provider that is down.
    Down,
    /// Accepts, then holds the connection this long before passing it through: a provider
    /// that answers only after the caller's timeout.
    Slow(Duration),
    /// Answers `500 Internal Server Error` with a plain-text body, without asking the provider.
    Status500,
    /// Answers `200 OK` with an HTML page (a captive portal, a CDN's error page) where JSON
    /// was expected, without asking the provider.
    Html,
    /// Answers `403 Forbidden` with an HTML page, without asking the provider: a CDN's or a
    /// web application firewall's block page, which is not the provider refusing anything.
    BlockedHtml403,
    /// Forwards the request, then sends the provider's status line, headers and only the first
    /// half of its body, and closes: a connection cut mid-answer.
    Truncate,
    /// Answers `307 Temporary Redirect` to the same path on the provider's own address (with
    /// CORS headers, so a browser may follow), without asking the provider: a misconfigured
    /// endpoint or a hostile intermediary. A client that follows re-sends the request, body
    /// and all, to the provider.
    Redirect307,
}

/// Whether the proxy's own answers (500, the HTML pages, the 307) carry CORS headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CannedCors {
    /// `Access-Control-Allow-Origin: <the request's Origin>`: the browser hands the answer to
    /// the app, so the app can say what it was. A real provider's CORS-enabled endpoint behind
    /// a gateway that copies the headers through looks like this.
    AllowOrigin,
    /// No CORS headers, as a gateway's or a CDN's own error page usually comes: the browser
    /// hides the answer, and the app sees only a failed fetch.
    Omit,
}

impl Fault {
    /// The faults that answer at once (everything but pass-through and slow).
    pub const QUICK: [Fault; 4] = [Fault::Down, Fault::Status500, Fault::Html, Fault::Truncate];
}

/// Largest request or upstream answer the HTTP-level modes buffer.
const MAX_MESSAGE: usize = 1024 * 1024;
/// How long an HTTP-level mode waits for a request or an upstream answer.
const IO_TIMEOUT: Duration = Duration::from_secs(10);

/// A running fault proxy on 127.0.0.1; stops when dropped.
#[derive(Debug)]
pub struct FaultProxy {
    port: u16,
    /// The setting and its switch number.
    mode: watch::Sender<(u64, Setting)>,
    /// The switch number the accept loop has put into effect.
    applied: watch::Receiver<u64>,
    switches: u64,
    faulted: Arc<AtomicUsize>,
    upstream: Arc<Mutex<SocketAddr>>,
    task: JoinHandle<()>,
}

impl FaultProxy {
    /// Listens on a free port and forwards to `upstream` (e.g. `127.0.0.1:9000`), in
    /// [`Fault::PassThrough`].
    pub async fn start(upstream: SocketAddr) -> Self {
        let listener = bind(0).expect("bind the fault proxy on 127.0.0.1");
        let port = listener
            .local_addr()
            .expect("the fault proxy's address")
            .port();
        let (mode, rx) = watch::channel((0, Setting::all(Fault::PassThrough)));
        let (applied_tx, applied) = watch::channel(0);
        let faulted = Arc::new(AtomicUsize::new(0));
        let upstream = Arc::new(Mutex::new(upstream));
        let task = tokio::spawn(accept_loop(
            listener,
            port,
            upstream.clone(),
            rx,
            applied_tx,
            faulted.clone(),
        ));
        Self {
            port,
            mode,
            applied,
            switches: 0,
            faulted,
            upstream,
            task,
        }
    }

    /// Points new connections at another upstream: for a provider that must know the proxy's
    /// address before it starts (DOT's issuer), start the proxy first, then aim it.
    pub fn set_upstream(&self, upstream: SocketAddr) {
        if let Ok(mut u) = self.upstream.lock() {
            *u = upstream;
        }
    }

    /// `127.0.0.1:<port>` of a fixture's `http://127.0.0.1:<port>` base URL.
    pub fn addr_of(base_url: &str) -> SocketAddr {
        base_url
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .parse()
            .unwrap_or_else(|e| panic!("{base_url} is not http://<ip>:<port>: {e}"))
    }

    /// Forwards to `http://127.0.0.1:<port>` of a provider fixture's `base_url`.
    pub async fn in_front_of(base_url: &str) -> Self {
        Self::start(Self::addr_of(base_url)).await
    }

    /// Switches the mode for new connections and closes every open one; returns once the
    /// port listens again (or stopped listening, for [`Fault::Down`]).
    pub async fn set(&mut self, fault: Fault) {
        self.apply(Setting::all(fault)).await;
    }

    /// Like [`set`](Self::set) or, with a `path_prefix`, [`set_for`](Self::set_for), choosing
    /// whether the proxy's own answers carry CORS headers (they do with the other setters).
    pub async fn set_with_cors(
        &mut self,
        fault: Fault,
        path_prefix: Option<&str>,
        cors: CannedCors,
    ) {
        self.apply(Setting {
            fault,
            scope: path_prefix.map(str::to_owned),
            cors,
        })
        .await;
    }

    /// Like [`set`](Self::set), but only requests whose path starts with `path_prefix` meet
    /// `fault`; the others pass through. Every connection is read one request at a time
    /// (with `Connection: close` towards the provider), and [`Fault::Down`] closes a
    /// matching connection unanswered instead of refusing it.
    pub async fn set_for(&mut self, fault: Fault, path_prefix: &str) {
        self.apply(Setting {
            fault,
            scope: Some(path_prefix.to_owned()),
            cors: CannedCors::AllowOrigin,
        })
        .await;
    }

    async fn apply(&mut self, setting: Setting) {
        self.switches += 1;
        let fault = setting.fault;
        self.mode.send_replace((self.switches, setting));
        let target = self.switches;
        let applied = tokio::time::timeout(
            Duration::from_secs(10),
            self.applied.wait_for(|n| *n >= target),
        )
        .await;
        assert!(
            matches!(applied, Ok(Ok(_))),
            "the fault proxy did not switch to {fault:?}"
        );
    }

    /// The current mode.
    pub fn mode(&self) -> Fault {
        self.mode.borrow().1.fault
    }

    /// The port it listens on (also while [`Fault::Down`]: it binds the same port again).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// How many connections were answered with a fault so far (slow ones included), so a test
    /// can show its request really met the fault.
    pub fn faulted(&self) -> usize {
        self.faulted.load(Ordering::SeqCst)
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A listener with SO_REUSEADDR, so the port can be bound again right after [`Fault::Down`].
fn bind(port: u16) -> std::io::Result<TcpListener> {
    let socket = TcpSocket::new_v4()?;
    socket.set_reuseaddr(true)?;
    socket.bind(SocketAddr::from(([127, 0, 0, 1], port)))?;
    socket.listen(128)
}

async fn accept_loop(
    first: TcpListener,
    port: u16,
    upstream: Arc<Mutex<SocketAddr>>,
    mut rx: watch::Receiver<(u64, Setting)>,
    applied: watch::Sender<u64>,
    faulted: Arc<AtomicUsize>,
) {
    let mut listener = Some(first);
    loop {
        let (switch, setting) = rx.borrow_and_update().clone();
        if setting.fault == Fault::Down && setting.scope.is_none() {
            // Closing the socket makes the kernel refuse new connections.
            listener = None;
        } else if listener.is_none() {
            listener = rebind(port).await;
        }
        applied.send_replace(switch);
        let Some(l) = listener.as_ref() else {
            if rx.changed().await.is_err() {
                return;
            }
            continue;
        };
        tokio::select! {
            accepted = l.accept() => {
                let Ok((client, _)) = accepted else { continue };
                let faulted = faulted.clone();
                let setting = setting.clone();
                let mut conn_rx = rx.clone();
                let upstream = match upstream.lock() {
                    Ok(u) => *u,
                    Err(_) => return,
                };
                tokio::spawn(async move {
                    tokio::select! {
                        _ = serve(client, upstream, setting, faulted) => {}
                        // Any switch ends the connection (dropping both sockets).
                        _ = conn_rx.changed() => {}
                    }
                });
            }
            changed = rx.changed() => {
                if changed.is_err() {
                    return;
                }
            }
        }
    }
}

async fn rebind(port: u16) -> Option<TcpListener> {
    for _ in 0..50 {
        if let Ok(l) = bind(port) {
            return Some(l);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    eprintln!("fault proxy: cannot bind 127.0.0.1:{port} again");
    None
}

/// A fault, the path prefix it is limited to (`None`: every request), and whether the
/// proxy's own answers allow the requesting origin.
#[derive(Debug, Clone)]
struct Setting {
    fault: Fault,
    scope: Option<String>,
    cors: CannedCors,
}

impl Setting {
    fn all(fault: Fault) -> Self {
        Self {
            fault,
            scope: None,
            cors: CannedCors::AllowOrigin,
        }
    }
}

async fn serve(
    mut client: TcpStream,
    upstream: SocketAddr,
    setting: Setting,
    faulted: Arc<AtomicUsize>,
) {
    // With a scope, the request is read first to see whether the fault applies to it.
    let mut early = None;
    if let Some(prefix) = &setting.scope {
        let Some(request) = read_request(&mut client).await else {
            return;
        };
        if !request.path().starts_with(prefix.as_str()) {
            forward(client, upstream, request).await;
            return;
        }
        early = Some(request);
    }
    if setting.fault != Fault::PassThrough {
        faulted.fetch_add(1, Ordering::SeqCst);
    }
    let request = match (setting.fault, early) {
        (Fault::PassThrough, Some(r)) => return forward(client, upstream, r).await,
        (Fault::PassThrough, None) => return pass_through(client, upstream).await,
        (Fault::Down, _) => return,
        (Fault::Slow(delay), early) => {
            tokio::time::sleep(delay).await;
            return match early {
                Some(r) => forward(client, upstream, r).await,
                None => pass_through(client, upstream).await,
            };
        }
        (_, Some(r)) => r,
        (_, None) => match read_request(&mut client).await {
            Some(r) => r,
            None => return,
        },
    };
    // The proxy's own answers differ only in status, type, body and (for the redirect) one
    // header: one write serves them all.
    let (status, content_type, body, location) = match setting.fault {
        Fault::Status500 => (
            "500 Internal Server Error",
            "text/plain",
            "Internal Server Error\n",
            None,
        ),
        Fault::Html => (
            "200 OK",
            "text/html; charset=utf-8",
            "<!doctype html>\n<html><head><title>Service unavailable</title></head>\
             <body><h1>Service unavailable</h1><p>Please try again later.</p></body></html>\n",
            None,
        ),
        Fault::BlockedHtml403 => (
            "403 Forbidden",
            "text/html; charset=utf-8",
            "<!doctype html>\n<html><head><title>Access denied</title></head>\
             <body><h1>Access denied</h1><p>Request blocked by the edge.</p></body></html>\n",
            None,
        ),
        Fault::Redirect307 => (
            "307 Temporary Redirect",
            "text/plain",
            "",
            Some(format!("Location: http://{upstream}{}\r\n", request.path())),
        ),
        Fault::Truncate => return truncate(client, upstream, request).await,
        Fault::PassThrough | Fault::Down | Fault::Slow(_) => return,
    };
    let mut answer = canned(status, content_type, &request, setting.cors, body);
    if let Some(location) = location {
        answer.insert_str(answer.find("\r\n").map_or(0, |i| i + 2), &location);
    }
    let _ = client.write_all(answer.as_bytes()).await;
    let _ = client.shutdown().await;
}

/// Sends one already-read request on with `Connection: close`, then copies both ways until
/// the provider has answered and closed.
async fn forward(mut client: TcpStream, upstream: SocketAddr, request: Request) {
    if let Ok(mut server) = TcpStream::connect(upstream).await {
        if server
            .write_all(&request.with_connection_close())
            .await
            .is_ok()
        {
            let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
        }
    }
}

async fn pass_through(mut client: TcpStream, upstream: SocketAddr) {
    if let Ok(mut server) = TcpStream::connect(upstream).await {
        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
    }
}

/// Sends the request on with `Connection: close`, reads the whole answer, and passes on the
/// head and the first half of the body.
async fn truncate(mut client: TcpStream, upstream: SocketAddr, request: Request) {
    let Ok(mut server) = TcpStream::connect(upstream).await else {
        return;
    };
    if server
        .write_all(&request.with_connection_close())
        .await
        .is_err()
    {
        return;
    }
    let mut answer = Vec::new();
    let read = tokio::time::timeout(IO_TIMEOUT, async {
        let mut buf = [0u8; 16 * 1024];
        while answer.len() < MAX_MESSAGE {
            match server.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => answer.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    if read.is_err() {
        return;
    }
    let cut = match find_head_end(&answer) {
        Some(end) => end + (answer.len() - end) / 2,
        None => answer.len() / 2,
    };
    let _ = client.write_all(&answer[..cut]).await;
    let _ = client.shutdown().await;
}

/// One HTTP/1.1 request as read from the client.
struct Request {
    head: Vec<u8>,
    body: Vec<u8>,
}

impl Request {
    /// The request target of the request line (path and query).
    fn path(&self) -> String {
        let text = String::from_utf8_lossy(&self.head);
        text.split(' ').nth(1).unwrap_or_default().to_owned()
    }

    fn header(&self, name: &str) -> Option<String> {
        let text = String::from_utf8_lossy(&self.head);
        text.lines().skip(1).find_map(|line| {
            let (k, v) = line.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_owned())
        })
    }

    /// The request with any `Connection`/`Keep-Alive` header replaced by `Connection: close`,
    /// so the upstream ends its answer by closing.
    fn with_connection_close(&self) -> Vec<u8> {
        let text = String::from_utf8_lossy(&self.head);
        let mut out = String::new();
        for (i, line) in text.split("\r\n").enumerate() {
            if line.is_empty() {
                continue;
            }
            let name = line.split(':').next().unwrap_or_default().trim();
            if i > 0
                && (name.eq_ignore_ascii_case("connection")
                    || name.eq_ignore_ascii_case("keep-alive"))
            {
                continue;
            }
            out.push_str(line);
            out.push_str("\r\n");
        }
        out.push_str("Connection: close\r\n\r\n");
        let mut bytes = out.into_bytes();
        bytes.extend_from_slice(&self.body);
        bytes
    }
}

fn find_head_end(bytes: &[u8]) -> Option<usize> {
    bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| i + 4)
}

/// Reads the head and a `Content-Length` body (fixtures' clients send no chunked requests).
async fn read_request(client: &mut TcpStream) -> Option<Request> {
    tokio::time::timeout(IO_TIMEOUT, async {
        let mut bytes = Vec::new();
        let mut buf = [0u8; 8 * 1024];
        let end = loop {
            if let Some(end) = find_head_end(&bytes) {
                break end;
            }
            if bytes.len() > MAX_MESSAGE {
                return None;
            }
            match client.read(&mut buf).await {
                Ok(0) | Err(_) => return None,
                Ok(n) => bytes.extend_from_slice(&buf[..n]),
            }
        };
        let mut request = Request {
            head: bytes[..end].to_vec(),
            body: bytes[end..].to_vec(),
        };
        let length = request
            .header("content-length")
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap_or(0)
            .min(MAX_MESSAGE);
        while request.body.len() < length {
            match client.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => request.body.extend_from_slice(&buf[..n]),
            }
        }
        Some(request)
    })
    .await
    .ok()
    .flatten()
}

/// A whole answer of the proxy's own. With [`CannedCors::AllowOrigin`] it allows the request's
/// `Origin`, so the browser shows the app the broken answer itself; with [`CannedCors::Omit`]
/// the browser hides it behind a generic network error, as it would a real gateway's page.
fn canned(
    status: &str,
    content_type: &str,
    request: &Request,
    cors: CannedCors,
    body: &str,
) -> String {
    let cors = match cors {
        CannedCors::AllowOrigin => request
            .header("origin")
            .map(|o| format!("Access-Control-Allow-Origin: {o}\r\nVary: Origin\r\n"))
            .unwrap_or_default(),
        CannedCors::Omit => String::new(),
    };
    format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\n{cors}Connection: close\r\n\r\n{body}",
        body.len()
    )
}

#[cfg(test)]
mod tests;
