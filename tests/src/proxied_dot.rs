//! DOT behind a fault proxy that is its issuer: DOT derives every endpoint of its discovery
//! document and the ID token's `iss` from the issuer it is given, so naming the proxy's
//! address makes every request the app sends to DOT cross the proxy, where a test switches
//! faults on and off ([`crate::FaultProxy`]).

use crate::companion::{DOT_ID, DOT_NAME};
use crate::fault_proxy::FaultProxy;
use crate::providers::{Dot, DotOptions, DOT_CLIENT_ID};

/// DOT and the proxy in front of it. The proxy drops before DOT.
#[derive(Debug)]
pub struct ProxiedDot {
    /// The fault proxy, DOT's issuer.
    pub proxy: FaultProxy,
    /// DOT itself (its database, its log).
    pub dot: Dot,
}

impl ProxiedDot {
    /// Starts the proxy, then DOT with the proxy as its issuer (`env` adds variables such as
    /// `DOT_REDIRECT_URIS`), then aims the proxy at DOT.
    pub async fn start(options: &DotOptions, env: &[(&str, &str)]) -> Self {
        let proxy = FaultProxy::start(FaultProxy::addr_of("http://127.0.0.1:9")).await;
        let issuer = format!("{}/o", proxy.url());
        let mut env: Vec<(&str, &str)> = env.to_vec();
        env.push(("DOT_ISSUER", issuer.as_str()));
        let dot = Dot::start_with_env(options, &env).await;
        proxy.set_upstream(FaultProxy::addr_of(&dot.base_url()));
        Self { proxy, dot }
    }

    /// `<proxy>/o`: the issuer the app is told.
    pub fn issuer(&self) -> String {
        format!("{}/o", self.proxy.url())
    }

    /// The `[[provider]]` table for DOT's public client through the proxy: "Sign in with
    /// Django OAuth Toolkit", its API under the proxy, `session_storage` as given, and
    /// `extra` lines (e.g. `revocation_endpoint = …`) appended.
    pub fn provider_toml(&self, session_storage: &str, extra: &str) -> String {
        let proxy = self.proxy.url();
        format!(
            r#"
[[provider]]
id = "{DOT_ID}"
name = "{DOT_NAME}"
protocol = "oidc"
issuer = "{proxy}/o"
client_id = "{DOT_CLIENT_ID}"
scopes = ["openid", "profile", "email", "read"]
api_base = "{proxy}/api/"
session_storage = "{session_storage}"
{extra}"#
        )
    }
}
