//! The presets themselves. Each fact is sourced in `docs/providers.md`.

use super::{Features, OAuth1Urls, Preset, Support};
use crate::oauth1::SignatureMethod;
use crate::public_config::{Endpoints, Protocol};
use crate::token::ClientAuthMethod;

/// Every preset name, in the order `docs/providers.md` lists them.
pub const NAMES: [&str; 11] = [
    "github", "google", "entra", "gitlab", "discord", "x", "x-oauth1", "spotify", "twitch",
    "tumblr", "flickr",
];

/// A preset as constant data; Entra's issuer is built from the tenant in [`super::lookup`].
pub(super) struct Spec {
    pub name: &'static str,
    provider: &'static str,
    protocol: Protocol,
    pub issuer: Option<&'static str>,
    authorization_endpoint: Option<&'static str>,
    token_endpoint: Option<&'static str>,
    revocation_endpoint: Option<&'static str>,
    userinfo_endpoint: Option<&'static str>,
    oauth1: Option<OAuth1Urls>,
    scopes: &'static [&'static str],
    api_base: Option<&'static str>,
    token_via_companion: bool,
    token_auth: ClientAuthMethod,
    features: Features,
}

impl Spec {
    pub(super) fn build(&self, issuer: Option<String>) -> Preset {
        let own = |s: Option<&'static str>| s.map(str::to_owned);
        Preset {
            name: self.name,
            provider: self.provider,
            protocol: self.protocol,
            issuer,
            endpoints: Endpoints {
                authorization_endpoint: own(self.authorization_endpoint),
                token_endpoint: own(self.token_endpoint),
                revocation_endpoint: own(self.revocation_endpoint),
                userinfo_endpoint: own(self.userinfo_endpoint),
                ..Endpoints::default()
            },
            oauth1: self.oauth1,
            scopes: self.scopes.iter().map(|s| (*s).to_owned()).collect(),
            api_base: own(self.api_base),
            token_via_companion: self.token_via_companion,
            token_auth: self.token_auth,
            features: self.features,
        }
    }
}

/// The preset for the same provider under the other protocol family.
pub(super) fn sibling(name: &str) -> Option<&'static str> {
    match name {
        "x" => Some("x-oauth1"),
        "x-oauth1" => Some("x"),
        _ => None,
    }
}

const OAUTH1_FEATURES: Features = Features {
    refresh: Support::No,
    revocation: Support::No,
    logout: Support::No,
    oidc: false,
};

const BROWSER: ClientAuthMethod = ClientAuthMethod::ClientSecretBasic;

const fn oauth2(name: &'static str, provider: &'static str) -> Spec {
    Spec {
        name,
        provider,
        protocol: Protocol::Oauth2,
        issuer: None,
        authorization_endpoint: None,
        token_endpoint: None,
        revocation_endpoint: None,
        userinfo_endpoint: None,
        oauth1: None,
        scopes: &[],
        api_base: None,
        token_via_companion: false,
        token_auth: BROWSER,
        features: Features {
            refresh: Support::Yes,
            revocation: Support::No,
            logout: Support::No,
            oidc: false,
        },
    }
}

const fn oauth1(
    name: &'static str,
    provider: &'static str,
    urls: OAuth1Urls,
    api_base: &'static str,
) -> Spec {
    Spec {
        protocol: Protocol::Oauth1,
        oauth1: Some(urls),
        api_base: Some(api_base),
        features: OAUTH1_FEATURES,
        ..oauth2(name, provider)
    }
}

pub(super) fn spec(name: &str) -> Option<Spec> {
    Some(match name {
        "github" => Spec {
            authorization_endpoint: Some("https://github.com/login/oauth/authorize"),
            token_endpoint: Some("https://github.com/login/oauth/access_token"),
            scopes: &["read:user"],
            api_base: Some("https://api.github.com/"),
            token_via_companion: true,
            token_auth: ClientAuthMethod::ClientSecretPost,
            features: Features {
                refresh: Support::Conditional(
                    "GitHub Apps with expiring user access tokens; OAuth apps get none",
                ),
                revocation: Support::No,
                logout: Support::No,
                oidc: false,
            },
            ..oauth2("github", "GitHub")
        },
        "google" => Spec {
            protocol: Protocol::Oidc,
            issuer: Some("https://accounts.google.com"),
            authorization_endpoint: Some("https://accounts.google.com/o/oauth2/v2/auth"),
            token_endpoint: Some("https://oauth2.googleapis.com/token"),
            revocation_endpoint: Some("https://oauth2.googleapis.com/revoke"),
            // Named here, although discovery names it too: it is the one host of Google's
            // that the rest of the preset does not name, and the app's Content-Security-Policy
            // (connect-src) is built from the configuration, not from discovery.
            userinfo_endpoint: Some("https://openidconnect.googleapis.com/v1/userinfo"),
            scopes: &["openid", "email", "profile"],
            api_base: Some("https://www.googleapis.com/"),
            token_via_companion: true,
            features: Features {
                refresh: Support::Conditional(
                    "Google issues one only for access_type=offline, which Latchkey does not send",
                ),
                revocation: Support::Yes,
                logout: Support::No,
                oidc: true,
            },
            ..oauth2("google", "Google")
        },
        "entra" => Spec {
            protocol: Protocol::Oidc,
            scopes: &["openid", "profile", "email", "offline_access"],
            api_base: Some("https://graph.microsoft.com/"),
            features: Features {
                refresh: Support::Yes,
                revocation: Support::No,
                logout: Support::Yes,
                oidc: true,
            },
            ..oauth2("entra", "Microsoft Entra ID")
        },
        "gitlab" => Spec {
            protocol: Protocol::Oidc,
            issuer: Some("https://gitlab.com"),
            authorization_endpoint: Some("https://gitlab.com/oauth/authorize"),
            token_endpoint: Some("https://gitlab.com/oauth/token"),
            revocation_endpoint: Some("https://gitlab.com/oauth/revoke"),
            scopes: &["openid", "profile", "email"],
            api_base: Some("https://gitlab.com/api/v4/"),
            features: Features {
                refresh: Support::Yes,
                revocation: Support::Yes,
                logout: Support::No,
                oidc: true,
            },
            ..oauth2("gitlab", "GitLab")
        },
        "discord" => Spec {
            authorization_endpoint: Some("https://discord.com/oauth2/authorize"),
            token_endpoint: Some("https://discord.com/api/oauth2/token"),
            revocation_endpoint: Some("https://discord.com/api/oauth2/token/revoke"),
            scopes: &["identify"],
            api_base: Some("https://discord.com/api/"),
            token_via_companion: true,
            features: Features {
                refresh: Support::Yes,
                revocation: Support::Yes,
                logout: Support::No,
                oidc: false,
            },
            ..oauth2("discord", "Discord")
        },
        "x" => Spec {
            authorization_endpoint: Some("https://x.com/i/oauth2/authorize"),
            token_endpoint: Some("https://api.x.com/2/oauth2/token"),
            revocation_endpoint: Some("https://api.x.com/2/oauth2/revoke"),
            scopes: &["tweet.read", "users.read", "offline.access"],
            api_base: Some("https://api.x.com/2/"),
            token_via_companion: true,
            features: Features {
                refresh: Support::Conditional(
                    "with the offline.access scope (in the default scopes)",
                ),
                revocation: Support::Yes,
                logout: Support::No,
                oidc: false,
            },
            ..oauth2("x", "X")
        },
        "x-oauth1" => oauth1(
            "x-oauth1",
            "X",
            OAuth1Urls {
                request_token_url: "https://api.x.com/oauth/request_token",
                authorize_url: "https://api.x.com/oauth/authorize",
                access_token_url: "https://api.x.com/oauth/access_token",
                signature_method: SignatureMethod::HmacSha1,
            },
            "https://api.x.com/",
        ),
        "spotify" => Spec {
            authorization_endpoint: Some("https://accounts.spotify.com/authorize"),
            token_endpoint: Some("https://accounts.spotify.com/api/token"),
            scopes: &["user-read-private", "user-read-email"],
            api_base: Some("https://api.spotify.com/v1/"),
            ..oauth2("spotify", "Spotify")
        },
        "twitch" => Spec {
            protocol: Protocol::Oidc,
            issuer: Some("https://id.twitch.tv/oauth2"),
            authorization_endpoint: Some("https://id.twitch.tv/oauth2/authorize"),
            token_endpoint: Some("https://id.twitch.tv/oauth2/token"),
            revocation_endpoint: Some("https://id.twitch.tv/oauth2/revoke"),
            scopes: &["openid", "user:read:email"],
            api_base: Some("https://api.twitch.tv/helix/"),
            token_via_companion: true,
            token_auth: ClientAuthMethod::ClientSecretPost,
            features: Features {
                refresh: Support::Yes,
                revocation: Support::Yes,
                logout: Support::No,
                oidc: true,
            },
            ..oauth2("twitch", "Twitch")
        },
        "tumblr" => oauth1(
            "tumblr",
            "Tumblr",
            OAuth1Urls {
                request_token_url: "https://www.tumblr.com/oauth/request_token",
                authorize_url: "https://www.tumblr.com/oauth/authorize",
                access_token_url: "https://www.tumblr.com/oauth/access_token",
                signature_method: SignatureMethod::HmacSha1,
            },
            "https://api.tumblr.com/v2/",
        ),
        "flickr" => oauth1(
            "flickr",
            "Flickr",
            OAuth1Urls {
                request_token_url: "https://www.flickr.com/services/oauth/request_token",
                authorize_url: "https://www.flickr.com/services/oauth/authorize",
                access_token_url: "https://www.flickr.com/services/oauth/access_token",
                signature_method: SignatureMethod::HmacSha1,
            },
            "https://www.flickr.com/services/rest/",
        ),
        _ => return None,
    })
}
