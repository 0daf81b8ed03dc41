//! The browser's console, and chromedriver's logs (the console's, and the performance log
//! [`Browser::sent_requests`] reads).

use serde_json::{json, Value};

use super::Browser;

/// One browser console entry.
#[derive(Debug, Clone)]
pub struct ConsoleEntry {
    /// `SEVERE`, `WARNING`, `INFO`, ...
    pub level: String,
    /// Where it came from (`javascript`, `console-api`, `network`, ...).
    pub source: String,
    /// The text.
    pub message: String,
}

impl Browser {
    /// The request for chromedriver's log of `kind` (`browser`, `performance`): each entry is
    /// handed out once.
    pub(super) fn log_request(&self, kind: &str) -> reqwest::RequestBuilder {
        reqwest::Client::new()
            .post(format!(
                "http://127.0.0.1:{}/session/{}/se/log",
                self.driver_port, self.session_id
            ))
            .header("content-type", "application/json")
            .body(json!({ "type": kind }).to_string())
    }

    /// Every console entry since the session started (chromedriver hands each one out once;
    /// they are kept here).
    pub async fn console(&self) -> Vec<ConsoleEntry> {
        // Read in failure messages too, so a failure to read is an empty read, not a panic.
        let fresh = match self.log_request("browser").send().await {
            Ok(resp) => match resp.bytes().await {
                Ok(body) => serde_json::from_slice(&body).unwrap_or(Value::Null),
                Err(_) => Value::Null,
            },
            Err(_) => Value::Null,
        };
        let mut all = self.console.lock().expect("console lock");
        if let Some(entries) = fresh.get("value").and_then(Value::as_array) {
            for e in entries {
                let field = |k: &str| e.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
                all.push(ConsoleEntry {
                    level: field("level"),
                    source: field("source"),
                    message: field("message"),
                });
            }
        }
        all.clone()
    }

    /// Fails unless the console holds no entry at level WARNING or SEVERE so far: nothing
    /// DevTools would flag to a site's author on `page` (a preload that is not used, an
    /// `integrity` Chromium ignores, a missing favicon, …).
    pub async fn assert_console_quiet(&self, page: &str) {
        let flagged: Vec<ConsoleEntry> = self
            .console()
            .await
            .into_iter()
            .filter(|e| e.level == "WARNING" || e.level == "SEVERE")
            .collect();
        assert!(
            flagged.is_empty(),
            "the console flags something on {page}: {flagged:#?}"
        );
    }

    /// Console entries at level SEVERE (uncaught errors, `console.error`, failed loads).
    pub async fn console_errors(&self) -> Vec<ConsoleEntry> {
        self.console()
            .await
            .into_iter()
            .filter(|e| e.level == "SEVERE")
            .collect()
    }
}
