//! End-to-end harness for Latchkey: real providers (Django OAuth Toolkit, Flask-OAuthlib, node
//! `oidc-provider`), the real companion serving the built app, and headless Chromium driven
//! through chromedriver.
//!
//! A test builds a [`Stack`] (or the parts it needs), drives the [`Browser`] the way a user
//! would, and asserts what the page shows. Every process dies with the value that started it;
//! logs land in `target/e2e-logs/<test>/`, and their tails are printed when a test fails.
//!
//! Before running: `trunk build --release` (the app, into `dist/`) and
//! `cargo build -p latchkey-companion` (the binary), then
//! `cargo test -p latchkey-e2e -- --test-threads=1`.

#![warn(missing_docs)]

pub mod accessibility;
pub mod browser;
pub mod companion;
pub mod consent;
pub mod early;
pub mod fault_proxy;
pub mod flows;
pub mod mediation;
pub mod nginx;
pub mod paths;
pub mod process;
pub mod providers;
pub mod proxied_dot;
pub mod replicas;
pub mod stack;
pub mod static_host;
pub mod static_site;

pub use browser::{Browser, ConsoleEntry, SentRequest};
pub use companion::{Companion, DOT_ID, DOT_NAME, FLASK_ID, FLASK_NAME, OP_ID, OP_NAME};
pub use fault_proxy::{CannedCors, Fault, FaultProxy};
pub use providers::{
    Dot, DotOptions, Flask, OidcProvider, DEMO_PASSWORD, DEMO_USER, OP_BOUND_CLIENT,
    OP_CONF_CLIENT, OP_CONF_SECRET_ENV, OP_PLAIN_CLIENT,
};
pub use stack::{Stack, StackOptions};

/// `n` random bytes as URL-safe base64 (no padding): secrets for the fixtures.
pub fn random_token(n: usize) -> String {
    use base64::Engine as _;
    use rand::RngCore as _;
    let mut bytes = vec![0u8; n];
    rand::thread_rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// A fresh 32-byte key in standard base64, the form `LATCHKEY_COOKIE_KEY` takes.
pub fn random_key_base64() -> String {
    use base64::Engine as _;
    use rand::RngCore as _;
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
