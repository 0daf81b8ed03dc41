//! Everything one test needs, started in the right order and stopped in the reverse one.

use crate::browser::Browser;
use crate::companion::{dot_provider_toml, flask_provider_toml, Companion, FLASK_ID};
use crate::process::free_port;
use crate::providers::{Dot, DotOptions, Flask};

/// What to start.
#[derive(Debug, Clone)]
pub struct StackOptions {
    /// Start DOT with this access-token lifetime (seconds) and offer it with this
    /// `session_storage` ("memory" | "tab" | "browser").
    pub dot: Option<(u32, &'static str)>,
    /// Start the Flask provider and offer it with this signature method.
    pub flask: Option<&'static str>,
}

impl StackOptions {
    /// Only the companion and the app.
    pub fn app_only() -> Self {
        Self {
            dot: None,
            flask: None,
        }
    }

    /// DOT with a one-hour access token, "tab" storage.
    pub fn dot() -> Self {
        Self {
            dot: Some((3600, "tab")),
            flask: None,
        }
    }

    /// The Flask provider with HMAC-SHA1.
    pub fn flask() -> Self {
        Self {
            dot: None,
            flask: Some("HMAC-SHA1"),
        }
    }
}

/// A browser, the companion and the providers asked for. Fields drop in order: the browser
/// first, the providers last.
#[derive(Debug)]
pub struct Stack {
    /// Headless Chromium.
    pub browser: Browser,
    /// The companion serving the app.
    pub companion: Companion,
    /// Django OAuth Toolkit, when asked for.
    pub dot: Option<Dot>,
    /// The Flask OAuth 1.0a provider, when asked for.
    pub flask: Option<Flask>,
}

impl Stack {
    /// Starts the providers, then the companion configured for them, then the browser.
    pub async fn start(options: StackOptions) -> Self {
        Self::launch(options, false).await
    }

    /// Like [`Stack::start`], with a browser that records every request it sends
    /// ([`Browser::sent_requests`]).
    pub async fn start_recording_requests(options: StackOptions) -> Self {
        Self::launch(options, true).await
    }

    async fn launch(options: StackOptions, record_requests: bool) -> Self {
        let port = free_port();
        let origin = format!("http://127.0.0.1:{port}");
        let mut providers = Vec::new();
        let mut env: Vec<(&str, String)> = Vec::new();
        let dot = match options.dot {
            Some((seconds, storage)) => {
                let dot = Dot::start(&DotOptions {
                    app_origin: origin.clone(),
                    access_token_seconds: seconds,
                })
                .await;
                providers.push(dot_provider_toml(&dot, storage));
                Some(dot)
            }
            None => None,
        };
        let flask = match options.flask {
            Some(method) => {
                let flask = Flask::start(&origin, FLASK_ID).await;
                providers.push(flask_provider_toml(&flask, method));
                env.push(("FLASK_CONSUMER_SECRET", flask.consumer_secret().to_owned()));
                Some(flask)
            }
            None => None,
        };
        let env_refs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let companion = Companion::start(port, &providers, &env_refs).await;
        let browser = if record_requests {
            Browser::start_recording_requests().await
        } else {
            Browser::start().await
        };
        Self {
            browser,
            companion,
            dot,
            flask,
        }
    }

    /// The app's origin.
    pub fn origin(&self) -> String {
        self.companion.origin()
    }

    /// The DOT fixture; panics when the stack has none.
    pub fn dot(&self) -> &Dot {
        self.dot
            .as_ref()
            .expect("this stack was started without DOT")
    }

    /// The Flask fixture; panics when the stack has none.
    pub fn flask(&self) -> &Flask {
        self.flask
            .as_ref()
            .expect("this stack was started without the Flask provider")
    }
}
