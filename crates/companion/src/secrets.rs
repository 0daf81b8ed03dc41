//! Secrets, read from the environment or from files named in the configuration.
//!
//! Never from the configuration file itself and never from the command line (where `ps` and
//! shell history would show them). Values are held in `latchkey_proto::secret` newtypes
//! (or [`CookieKey`], whose `Debug` is redacted too) so that a stray `{:?}` cannot leak them.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;

use base64::Engine;
use latchkey_proto::oauth1::RsaSigningKey;
use latchkey_proto::public_config::RefreshTokenIn;
use latchkey_proto::secret::{ClientSecret, ConsumerSecret};

use crate::config::{BrowserProvider, Config, Located, Pos, Problem, ProviderKind, SecretSource};

/// Environment variable holding the current cookie key (base64 of 32 bytes).
pub const COOKIE_KEY_ENV: &str = "LATCHKEY_COOKIE_KEY";
/// Environment variable holding older cookie keys still accepted (comma or whitespace separated).
pub const PREVIOUS_COOKIE_KEYS_ENV: &str = "LATCHKEY_PREVIOUS_COOKIE_KEYS";

/// A 256-bit AES-GCM key for the companion's cookies.
#[derive(Clone)]
pub struct CookieKey([u8; 32]);

impl CookieKey {
    /// Wraps raw key bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// Decodes the base64 (standard or URL-safe, padding optional) of exactly 32 bytes.
    pub fn from_base64(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let bytes = [
            &base64::engine::general_purpose::STANDARD,
            &base64::engine::general_purpose::STANDARD_NO_PAD,
            &base64::engine::general_purpose::URL_SAFE,
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
        ]
        .iter()
        .find_map(|e| e.decode(text).ok())
        .ok_or_else(|| "is not valid base64".to_owned())?;
        let arr: [u8; 32] = bytes
            .try_into()
            .map_err(|b: Vec<u8>| format!("decodes to {} bytes, not 32", b.len()))?;
        Ok(Self(arr))
    }

    /// The key bytes.
    ///
    /// Dangerous: whoever holds them can read and forge every session. Pass them only to the
    /// cipher.
    pub fn secret(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Debug for CookieKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CookieKey([redacted])")
    }
}

/// The current cookie key, used to seal, and older ones still accepted when opening.
#[derive(Debug, Clone)]
pub struct CookieKeys {
    /// Seals new cookies.
    pub current: CookieKey,
    /// Still open cookies sealed before a rotation.
    pub previous: Vec<CookieKey>,
}

/// What signs an OAuth 1.0a provider's requests.
#[derive(Debug, Clone)]
pub enum ConsumerCredential {
    /// HMAC-* or PLAINTEXT: the shared consumer secret.
    Secret(ConsumerSecret),
    /// RSA-*: the private key (its `Debug` is redacted).
    Rsa(Box<RsaSigningKey>),
}

/// Every secret the running companion needs.
#[derive(Debug, Clone)]
pub struct Secrets {
    /// Present when an OAuth 1.0a provider, or a provider with `refresh_token_in =
    /// "companion"`, is configured (the only cookies the companion sets).
    pub cookie_keys: Option<CookieKeys>,
    /// Per OAuth 1.0a provider id.
    pub consumers: HashMap<String, ConsumerCredential>,
    /// Per token-mediated OAuth 2.0 / OIDC provider id (`token_via_companion = true`).
    pub clients: HashMap<String, ClientSecret>,
}

/// Reads an environment variable; `std::env::var` in production, a map in tests.
pub type EnvLookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// The process environment, for [`Secrets::load`].
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

fn read_file(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

impl ConsumerCredential {
    /// The borrowed form the protocol core signs with.
    pub fn as_proto(&self) -> latchkey_proto::oauth1::ConsumerCredential<'_> {
        match self {
            Self::Secret(s) => latchkey_proto::oauth1::ConsumerCredential::Secret(s),
            Self::Rsa(k) => latchkey_proto::oauth1::ConsumerCredential::RsaKey(k),
        }
    }
}

/// Reads one secret from its source; a missing or empty one is a problem naming `what`.
fn read_secret(
    source: &SecretSource,
    id: &str,
    what: &str,
    env: EnvLookup,
    problems: &mut Vec<Problem>,
) -> Option<String> {
    match source {
        SecretSource::Env(Located { value: var, pos }) => match env(var) {
            Some(v) if !v.is_empty() => Some(v),
            _ => {
                problems.push(Problem {
                    pos: *pos,
                    message: format!(
                        "provider {id:?}: environment variable {var} ({what}) is not set"
                    ),
                });
                None
            }
        },
        SecretSource::File(Located { value: path, pos }) => match read_file(path) {
            Ok(v) if !v.trim().is_empty() => Some(v.trim_end_matches(['\r', '\n']).to_owned()),
            Ok(_) => {
                problems.push(Problem {
                    pos: *pos,
                    message: format!("provider {id:?}: {} is empty", path.display()),
                });
                None
            }
            Err(e) => {
                problems.push(Problem {
                    pos: *pos,
                    message: format!("provider {id:?}: {e}"),
                });
                None
            }
        },
    }
}

impl Secrets {
    /// Reads every secret the configuration points at, reporting each one missing.
    pub fn load(config: &Config, env: EnvLookup) -> Result<Secrets, Vec<Problem>> {
        let mut problems = Vec::new();
        let mut consumers = HashMap::new();
        for p in &config.providers {
            let ProviderKind::OAuth1(o) = &p.kind else {
                continue;
            };
            let is_rsa = o.signature_method.uses_rsa_key();
            let pos_of = match &o.secret {
                SecretSource::Env(l) => l.pos,
                SecretSource::File(l) => l.pos,
            };
            let value = read_secret(&o.secret, &p.id, "the consumer secret", env, &mut problems);
            if let Some(v) = value {
                if is_rsa {
                    match RsaSigningKey::from_pem(&v) {
                        Ok(k) => {
                            consumers.insert(p.id.clone(), ConsumerCredential::Rsa(Box::new(k)));
                        }
                        Err(e) => problems.push(Problem {
                            pos: pos_of,
                            message: format!("provider {:?}: rsa_key_file: {e}", p.id),
                        }),
                    }
                } else {
                    consumers.insert(
                        p.id.clone(),
                        ConsumerCredential::Secret(ConsumerSecret::new(v)),
                    );
                }
            }
        }
        let mut clients = HashMap::new();
        let mut companion_refresh = false;
        for p in &config.providers {
            let ProviderKind::Browser(BrowserProvider {
                mediation: Some(m), ..
            }) = &p.kind
            else {
                continue;
            };
            companion_refresh |= m.refresh_token_in == RefreshTokenIn::Companion;
            if let Some(v) = read_secret(&m.secret, &p.id, "the client secret", env, &mut problems)
            {
                clients.insert(p.id.clone(), ClientSecret::new(v));
            }
        }
        let needs_cookies = companion_refresh
            || config
                .providers
                .iter()
                .any(|p| matches!(p.kind, ProviderKind::OAuth1(_)));
        let cookie_keys = if needs_cookies {
            load_cookie_keys(config, env, &mut problems)
        } else {
            None
        };
        if problems.is_empty() {
            Ok(Secrets {
                cookie_keys,
                consumers,
                clients,
            })
        } else {
            Err(problems)
        }
    }
}

fn load_cookie_keys(
    config: &Config,
    env: EnvLookup,
    problems: &mut Vec<Problem>,
) -> Option<CookieKeys> {
    let (text, source, pos): (Option<String>, String, Option<Pos>) =
        match &config.server.cookie_key_file {
            Some(Located { value: path, pos }) => match read_file(path) {
                Ok(t) => (Some(t), path.display().to_string(), *pos),
                Err(e) => {
                    problems.push(Problem {
                        pos: *pos,
                        message: format!("cookie_key_file: {e}"),
                    });
                    return None;
                }
            },
            None => (env(COOKIE_KEY_ENV), COOKIE_KEY_ENV.to_owned(), None),
        };
    let Some(text) = text else {
        problems.push(Problem {
            pos: None,
            message: format!(
                "an oauth1 provider, or refresh_token_in = \"companion\", needs a cookie key: set {COOKIE_KEY_ENV} or [server] cookie_key_file to the base64 of 32 random bytes (`latchkey config new-key` prints one)"
            ),
        });
        return None;
    };
    let current = match CookieKey::from_base64(&text) {
        Ok(k) => k,
        Err(why) => {
            problems.push(Problem {
                pos,
                message: format!("cookie key from {source} {why}"),
            });
            return None;
        }
    };
    let (prev_text, prev_source, prev_pos) = match &config.server.previous_cookie_keys_file {
        Some(Located { value: path, pos }) => match read_file(path) {
            Ok(t) => (t, path.display().to_string(), *pos),
            Err(e) => {
                problems.push(Problem {
                    pos: *pos,
                    message: format!("previous_cookie_keys_file: {e}"),
                });
                return None;
            }
        },
        None => (
            env(PREVIOUS_COOKIE_KEYS_ENV).unwrap_or_default(),
            PREVIOUS_COOKIE_KEYS_ENV.to_owned(),
            None,
        ),
    };
    let mut previous = Vec::new();
    for (i, item) in prev_text
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .enumerate()
    {
        match CookieKey::from_base64(item) {
            Ok(k) => previous.push(k),
            Err(why) => problems.push(Problem {
                pos: prev_pos,
                message: format!("previous cookie key #{} from {prev_source} {why}", i + 1),
            }),
        }
    }
    Some(CookieKeys { current, previous })
}
