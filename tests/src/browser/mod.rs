//! Headless Chromium through Debian's chromedriver and fantoccini, with the browser console
//! captured and helpers that wait for what a user would see.

use std::process::Command;
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};

use crate::paths::{log_dir, test_name, ScratchDir};
use crate::process::{free_port, Service};

mod clock;
mod console;
mod cookies;
mod network;
mod phone;
mod requests;

pub use console::ConsoleEntry;
pub use requests::SentRequest;

/// How long the helpers wait for something to appear.
pub const WAIT: Duration = Duration::from_secs(20);

/// A headless Chromium session with its own chromedriver and a fresh profile.
#[derive(Debug)]
pub struct Browser {
    client: Client,
    driver_port: u16,
    session_id: String,
    console: std::sync::Mutex<Vec<ConsoleEntry>>,
    // Dropped after the client: kills chromedriver's process group (the browser included).
    _driver: Service,
    _profile: ScratchDir,
}

impl Browser {
    /// Starts chromedriver on a free port and opens a session.
    pub async fn start() -> Self {
        Self::start_with(&[]).await
    }

    /// Like [`Browser::start`], with more Chromium switches (e.g.
    /// `--test-third-party-cookie-phaseout`, which blocks third-party cookies as Safari and
    /// Firefox do).
    pub async fn start_with(extra_args: &[&str]) -> Self {
        Self::launch(extra_args, "normal", false).await
    }

    /// Like [`Browser::start`], with Chromium's performance log on, so that
    /// [`Browser::sent_requests`] can list every request the browser sent.
    pub async fn start_recording_requests() -> Self {
        Self::launch(&[], "normal", true).await
    }

    /// Like [`Browser::start`], but navigations return at once instead of waiting for the
    /// page's `load` (WebDriver's page load strategy `none`): for a test that acts while a
    /// page is still loading. Wait for what the test needs before touching the page.
    pub async fn start_not_waiting_for_loads() -> Self {
        Self::launch(&[], "none", false).await
    }

    async fn launch(extra_args: &[&str], page_load_strategy: &str, record_requests: bool) -> Self {
        let driver_port = free_port();
        let chromedriver = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
        let mut command = Command::new(&chromedriver);
        command.arg(format!("--port={driver_port}")).arg(format!(
            "--log-path={}",
            log_dir().join("chromedriver-verbose.log").display()
        ));
        let mut driver = Service::spawn("chromedriver", command);
        driver
            .wait_ready(
                &format!("http://127.0.0.1:{driver_port}/status"),
                Duration::from_secs(20),
            )
            .await;
        let profile = ScratchDir::new("chromium-profile");
        let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
        let mut args: Vec<String> = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=1280,900",
        ]
        .iter()
        .chain(extra_args)
        .map(|a| (*a).to_owned())
        .collect();
        args.push(format!("--user-data-dir={}", profile.path().display()));
        let mut caps = json!({
            "browserName": "chrome",
            "pageLoadStrategy": page_load_strategy,
            "goog:chromeOptions": {
                "binary": chromium,
                "args": args,
            },
            "goog:loggingPrefs": { "browser": "ALL" },
        });
        if record_requests {
            caps["goog:loggingPrefs"]["performance"] = json!("ALL");
            caps["goog:chromeOptions"]["perfLoggingPrefs"] =
                json!({ "enableNetwork": true, "enablePage": false });
        }
        let caps = match caps {
            Value::Object(map) => map,
            _ => unreachable!("a JSON object literal"),
        };
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{driver_port}"))
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "start a Chromium session through chromedriver: {e}\n{}",
                    driver.log_tail(30)
                )
            });
        let session_id = client
            .session_id()
            .await
            .ok()
            .flatten()
            .expect("chromedriver returns a session id");
        Self {
            client,
            driver_port,
            session_id,
            console: Default::default(),
            _driver: driver,
            _profile: profile,
        }
    }

    /// The fantoccini client, for anything the helpers do not cover.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Sends the Chrome DevTools Protocol command `cmd` with `params` to the current tab
    /// (chromedriver's `goog/cdp/execute`) and returns its result; panics with the driver's
    /// answer when it fails.
    pub async fn cdp(&self, cmd: &str, params: Value) -> Value {
        let url = format!(
            "http://127.0.0.1:{}/session/{}/goog/cdp/execute",
            self.driver_port, self.session_id
        );
        let body = reqwest::Client::new()
            .post(&url)
            .header("content-type", "application/json")
            .body(json!({ "cmd": cmd, "params": params }).to_string())
            .send()
            .await
            .unwrap_or_else(|e| panic!("send {cmd} to chromedriver: {e}"))
            .bytes()
            .await
            .unwrap_or_else(|e| panic!("read chromedriver's answer to {cmd}: {e}"));
        let answer: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        match answer.get("value") {
            Some(value) if value.get("error").is_none() => value.clone(),
            _ => panic!("{cmd} failed: {answer}"),
        }
    }

    /// Navigates to `url` and waits for the load to finish (with
    /// [`Browser::start_not_waiting_for_loads`], only for the navigation to start).
    pub async fn goto(&self, url: &str) {
        self.client
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("navigate to {url}: {e}"));
    }

    /// The current URL.
    pub async fn url(&self) -> String {
        self.client
            .current_url()
            .await
            .map(|u| u.to_string())
            .unwrap_or_default()
    }

    /// Runs `script` (a function body; `arguments` holds `args`) and returns its value.
    pub async fn js(&self, script: &str, args: Vec<Value>) -> Value {
        self.client
            .execute(script, args)
            .await
            .unwrap_or_else(|e| panic!("run script {script:?}: {e}"))
    }

    /// Runs `script` asynchronously: it ends by calling `arguments[arguments.length - 1]`
    /// with its result.
    pub async fn js_async(&self, script: &str, args: Vec<Value>) -> Value {
        self.client
            .execute_async(script, args)
            .await
            .unwrap_or_else(|e| panic!("run async script {script:?}: {e}"))
    }

    /// The visible text of the page (`document.body.innerText`), empty while there is no body.
    pub async fn text(&self) -> String {
        match self
            .client
            .execute(
                "return document.body ? document.body.innerText : ''",
                vec![],
            )
            .await
        {
            Ok(Value::String(s)) => s,
            _ => String::new(),
        }
    }

    /// Waits until the visible text contains `needle`; on time-out, panics with the page text,
    /// the URL, the console and a screenshot path.
    pub async fn wait_for_text(&self, needle: &str) {
        self.wait_until(&format!("the page to show {needle:?}"), || async {
            self.text().await.contains(needle)
        })
        .await;
    }

    /// Waits until the visible text no longer contains `needle`.
    pub async fn wait_for_no_text(&self, needle: &str) {
        self.wait_until(&format!("the page to stop showing {needle:?}"), || async {
            !self.text().await.contains(needle)
        })
        .await;
    }

    /// Waits until the URL starts with `prefix`.
    pub async fn wait_for_url(&self, prefix: &str) {
        self.wait_until(&format!("the URL to start with {prefix:?}"), || async {
            self.url().await.starts_with(prefix)
        })
        .await;
    }

    /// Polls `check` every 100 ms until it holds, for at most [`WAIT`].
    pub async fn wait_until<F, Fut>(&self, what: &str, mut check: F)
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        let start = Instant::now();
        loop {
            if check().await {
                return;
            }
            if start.elapsed() > WAIT {
                self.fail(&format!("timed out after {WAIT:?} waiting for {what}"))
                    .await;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Panics with everything useful: the message, URL, page text, console and a screenshot.
    pub async fn fail(&self, message: &str) -> ! {
        let shot = log_dir().join(format!("{}-failure.png", test_name()));
        let shot_note = match self.client.screenshot().await {
            Ok(png) if std::fs::write(&shot, &png).is_ok() => shot.display().to_string(),
            _ => "(no screenshot)".into(),
        };
        let console: Vec<String> = self
            .console()
            .await
            .iter()
            .map(|e| format!("  [{} {}] {}", e.level, e.source, e.message))
            .collect();
        panic!(
            "{message}\nURL: {}\nscreenshot: {shot_note}\npage text:\n{}\nconsole:\n{}",
            self.url().await,
            self.text().await,
            console.join("\n")
        );
    }

    /// Finds the one element matching `css`, waiting for it.
    pub async fn find(&self, css: &str) -> fantoccini::elements::Element {
        let start = Instant::now();
        loop {
            if let Ok(el) = self.client.find(Locator::Css(css)).await {
                return el;
            }
            if start.elapsed() > WAIT {
                self.fail(&format!("no element matches {css:?}")).await;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Whether some element matches `css` right now.
    pub async fn exists(&self, css: &str) -> bool {
        self.client
            .find_all(Locator::Css(css))
            .await
            .map(|v| !v.is_empty())
            .unwrap_or(false)
    }

    /// Clicks the button (or submit input) whose visible label is exactly `label`: the first
    /// one shown and enabled (a page may keep a copy in a part that is `hidden` now).
    pub async fn click_button(&self, label: &str) {
        let xpath = format!(
            "//button[normalize-space(.)={q}] | //input[(@type='submit' or @type='button') and @value={q}]",
            q = xpath_literal(label)
        );
        let start = Instant::now();
        loop {
            for el in self
                .client
                .find_all(Locator::XPath(&xpath))
                .await
                .unwrap_or_default()
            {
                if el.is_displayed().await.unwrap_or(false)
                    && el.is_enabled().await.unwrap_or(false)
                    && el.click().await.is_ok()
                {
                    return;
                }
            }
            if start.elapsed() > WAIT {
                self.fail(&format!("no enabled button labelled {label:?}"))
                    .await;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Presses Enter on the element that has the keyboard focus, as a person would.
    pub async fn press_enter(&self) {
        let focused = match self.client.active_element().await {
            Ok(el) => el,
            Err(e) => self.fail(&format!("find the focused element: {e}")).await,
        };
        if let Err(e) = focused.send_keys("\u{e007}").await {
            self.fail(&format!("press Enter: {e}")).await;
        }
    }

    /// Whether an enabled button labelled exactly `label` is on the page now.
    pub async fn has_button(&self, label: &str) -> bool {
        let xpath = format!("//button[normalize-space(.)={}]", xpath_literal(label));
        self.client
            .find_all(Locator::XPath(&xpath))
            .await
            .map(|v| !v.is_empty())
            .unwrap_or(false)
    }

    /// Replaces the value of the field matching `css` with `value`.
    pub async fn fill(&self, css: &str, value: &str) {
        let el = self.find(css).await;
        el.clear()
            .await
            .unwrap_or_else(|e| panic!("clear {css}: {e}"));
        el.send_keys(value)
            .await
            .unwrap_or_else(|e| panic!("type into {css}: {e}"));
    }

    /// Picks the option of the `<select>` matching `css` whose value is `value`.
    pub async fn select(&self, css: &str, value: &str) {
        let el = self.find(css).await;
        el.select_by_value(value)
            .await
            .unwrap_or_else(|e| panic!("select {value:?} in {css}: {e}"));
    }

    /// Both Web Storage areas of the current page as `{"session": {..}, "local": {..}}`.
    pub async fn storage(&self) -> Value {
        self.js(
            "const dump = (s) => { const o = {}; for (let i = 0; i < s.length; i++) { \
               const k = s.key(i); o[k] = s.getItem(k); } return o; }; \
             return { session: dump(window.sessionStorage), local: dump(window.localStorage) };",
            vec![],
        )
        .await
    }

    /// Everything the page's origin keeps on the client, as one text to search: both Web
    /// Storage areas and every record of every object store of every IndexedDB database.
    pub async fn all_stored_text(&self) -> String {
        let dump = self
            .js_async(
                "const done = arguments[arguments.length - 1];\
                 const areas = [sessionStorage, localStorage].map(s => {\
                   const o = {}; for (let i = 0; i < s.length; i++) { const k = s.key(i); o[k] = s.getItem(k); } return o; });\
                 const open = (name) => new Promise((ok, no) => { const r = indexedDB.open(name);\
                   r.onsuccess = () => ok(r.result); r.onerror = () => no(r.error); });\
                 const all = (db, store) => new Promise((ok, no) => {\
                   const r = db.transaction(store, 'readonly').objectStore(store).getAll();\
                   r.onsuccess = () => ok(r.result); r.onerror = () => no(r.error); });\
                 (async () => {\
                   const idb = {};\
                   for (const { name } of await indexedDB.databases()) {\
                     const db = await open(name); idb[name] = {};\
                     for (const store of db.objectStoreNames) idb[name][store] = await all(db, store);\
                     db.close();\
                   }\
                   return JSON.stringify({ session: areas[0], local: areas[1], indexedDB: idb });\
                 })().then(done, e => done('error: ' + e));",
                vec![],
            )
            .await;
        let text = dump.as_str().unwrap_or_default().to_owned();
        assert!(
            !text.starts_with("error: "),
            "could not read the stores: {text}"
        );
        text
    }

    /// The URL this document was loaded from (kept even after `history.replaceState`), e.g.
    /// the `/callback?code=…&state=…` a provider redirected to.
    pub async fn navigation_url(&self) -> String {
        self.js(
            "const e = performance.getEntriesByType('navigation')[0]; return e ? e.name : '';",
            vec![],
        )
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned()
    }

    /// `fetch(url, init)` from the page (its origin, its cookies); returns the status, or
    /// `{"type": …}` as a string when the response is opaque. `init` is a JS object literal.
    pub async fn fetch_status(&self, url: &str, init: &str) -> Value {
        self.js(
            &format!(
                "return fetch(arguments[0], {init}).then(r => (r.type === 'opaque' || \
                 r.type === 'opaqueredirect') ? r.type : r.status, e => 'error: ' + e);"
            ),
            vec![Value::String(url.to_owned())],
        )
        .await
    }

    /// The accessible name Chromium computes for `element` (WebDriver "Get Computed Label"):
    /// what a screen reader announces for it.
    pub async fn accessible_name(&self, element: &fantoccini::elements::Element) -> String {
        let id = element.element_id();
        let url = format!(
            "http://127.0.0.1:{}/session/{}/element/{}/computedlabel",
            self.driver_port,
            self.session_id,
            id.as_ref()
        );
        self.driver_value(reqwest::Client::new().get(&url))
            .await
            .as_str()
            .unwrap_or_else(|| panic!("chromedriver gave no computed label for element {id}"))
            .to_owned()
    }

    /// Makes the page match `(prefers-color-scheme: <scheme>)`, `"light"` or `"dark"`, through
    /// the DevTools protocol (it outlives navigations in this tab).
    pub async fn prefer_color_scheme(&self, scheme: &str) {
        self.cdp(
            "Emulation.setEmulatedMedia",
            json!({ "features": [{ "name": "prefers-color-scheme", "value": scheme }] }),
        )
        .await;
    }

    /// Sends a WebDriver request fantoccini has no method for; returns its `value`, and panics
    /// with chromedriver's answer when the request fails.
    async fn driver_value(&self, request: reqwest::RequestBuilder) -> Value {
        let resp = request
            .send()
            .await
            .unwrap_or_else(|e| panic!("reach chromedriver: {e}"));
        let status = resp.status();
        let bytes = resp
            .bytes()
            .await
            .unwrap_or_else(|e| panic!("read chromedriver's answer: {e}"));
        let body: Value = serde_json::from_slice(&bytes)
            .unwrap_or_else(|e| panic!("chromedriver's answer is not JSON ({e}): {bytes:?}"));
        assert!(
            status.is_success(),
            "chromedriver answered {status}: {body}"
        );
        body.get("value").cloned().unwrap_or(Value::Null)
    }

    /// Saves a PNG of the viewport to `target/e2e-logs/<test>/<name>.png` and returns the path.
    pub async fn screenshot(&self, name: &str) -> std::path::PathBuf {
        let png = self
            .client
            .screenshot()
            .await
            .unwrap_or_else(|e| panic!("take a screenshot: {e}"));
        let path = log_dir().join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
        path
    }

    /// Reloads the page.
    pub async fn reload(&self) {
        self.client.refresh().await.expect("reload the page");
    }

    /// Opens a new tab, switches to it and returns its handle; `switch_to` goes back.
    pub async fn new_tab(&self) -> fantoccini::wd::WindowHandle {
        let tab = self.client.new_window(true).await.expect("open a tab");
        self.client
            .switch_to_window(tab.handle.clone())
            .await
            .expect("switch to the new tab");
        tab.handle
    }

    /// The current tab's handle.
    pub async fn current_tab(&self) -> fantoccini::wd::WindowHandle {
        self.client.window().await.expect("current window handle")
    }

    /// Switches to the tab `handle`.
    pub async fn switch_to(&self, handle: &fantoccini::wd::WindowHandle) {
        self.client
            .switch_to_window(handle.clone())
            .await
            .expect("switch tab");
    }

    /// Ends the WebDriver session (the driver process is killed on drop either way).
    pub async fn close(self) {
        let _ = self.client.clone().close().await;
    }
}

/// An XPath string literal for `s` (XPath 1.0 has no escape: split on `'` with concat()).
pub fn xpath_literal(s: &str) -> String {
    if !s.contains('\'') {
        return format!("'{s}'");
    }
    let parts: Vec<String> = s.split('\'').map(|p| format!("'{p}'")).collect();
    format!("concat({})", parts.join(", \"'\", "))
}
