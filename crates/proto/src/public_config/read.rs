//! Reading `latchkey.json`: [`PublicConfig::from_json`].
//!
//! By hand over one JSON `Value` (see [`crate::json`] for why not serde's derive). Like the
//! derive with `deny_unknown_fields` it replaced, it refuses any member it does not know, at
//! every level, so a secret pasted into the file is refused instead of published; a member's
//! problem is reported before an unknown member of the object around it.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{DpopMode, Endpoints, Named, PublicConfig, PublicProvider};
use crate::json::{self, FieldProblem, Object};

/// Why `latchkey.json` cannot be read. Each message names the member, with its path from the
/// top of the file (`providers[1].protocol`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PublicConfigError {
    /// The text is not JSON; serde_json's words, with the line and column.
    #[error("{0}")]
    Syntax(String),
    /// Valid JSON, but not an object.
    #[error("the file is not a JSON object")]
    NotAnObject,
    /// A member this file does not have.
    #[error("unknown field `{field}` in {at}")]
    UnknownField {
        /// Where: `the file`, `providers[0]` or `providers[0].endpoints`.
        at: String,
        /// The member's name.
        field: String,
    },
    /// A member of the wrong type, or a required one missing.
    #[error("{path} {problem}")]
    Field {
        /// The member's path.
        path: String,
        /// What is wrong, in words.
        problem: &'static str,
    },
    /// A name that is not one of the member's values.
    #[error("{path} is \"{value}\", which is not one of {expected}")]
    UnknownName {
        /// The member's path.
        path: String,
        /// What the file says.
        value: String,
        /// The names allowed, comma-separated.
        expected: String,
    },
    /// A provider `id` that is empty or has more than letters, digits, `-` and `_`
    /// ([`is_valid_id`]).
    #[error("{path} is {id:?}; an id may only have letters, digits, '-' and '_', as it goes into URLs and storage keys")]
    BadId {
        /// The member's path (`providers[1].id`).
        path: String,
        /// What the file says.
        id: String,
    },
    /// Two providers with one `id`: the sign-in, its answer and the session would be
    /// ambiguous.
    #[error("{path} is {id:?}, which is also the id of {first}; each provider needs its own")]
    DuplicateId {
        /// The member's path (`providers[1].id`).
        path: String,
        /// The id.
        id: String,
        /// The provider that has it first (`providers[0]`).
        first: String,
    },
}

/// Whether `id` may name a provider: not empty, and only ASCII letters, digits, `-` and `_`,
/// since it becomes part of paths (`/callback/<id>`, `/oauth1/<id>/login`) and storage keys.
/// The companion's configuration is held to the same rule.
pub fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

const TOP: &[&str] = &["public_url", "companion", "providers"];

const PROVIDER: &[&str] = &[
    "id",
    "name",
    "protocol",
    "issuer",
    "client_id",
    "scopes",
    "endpoints",
    "redirect_uri",
    "authorize_params",
    "api_base",
    "session_storage",
    "token_via_companion",
    "refresh_token_in",
    "dpop",
    "par",
];

const ENDPOINTS: &[&str] = &[
    "authorization_endpoint",
    "token_endpoint",
    "userinfo_endpoint",
    "revocation_endpoint",
    "end_session_endpoint",
    "jwks_uri",
    "pushed_authorization_request_endpoint",
];

impl PublicConfig {
    /// Reads `latchkey.json`. Absent members take their defaults (`session_storage = "tab"`,
    /// `dpop = "auto"`, no providers); `null` counts as absent.
    pub fn from_json(bytes: &[u8]) -> Result<PublicConfig, PublicConfigError> {
        let value = serde_json::from_slice::<Value>(bytes)
            .map_err(|e| PublicConfigError::Syntax(e.to_string()))?;
        let Value::Object(top) = value else {
            return Err(PublicConfigError::NotAnObject);
        };
        let mut providers = Vec::new();
        match top.get("providers") {
            None | Some(Value::Null) => {}
            Some(Value::Array(items)) => {
                for (i, item) in items.iter().enumerate() {
                    let at = format!("providers[{i}]");
                    let entry = provider(item).map_err(|p| p.at(&at))?;
                    let path = || format!("{at}.id");
                    if !is_valid_id(&entry.id) {
                        return Err(PublicConfigError::BadId {
                            path: path(),
                            id: entry.id,
                        });
                    }
                    if let Some(first) = providers
                        .iter()
                        .position(|p: &PublicProvider| p.id == entry.id)
                    {
                        return Err(PublicConfigError::DuplicateId {
                            path: path(),
                            id: entry.id,
                            first: format!("providers[{first}]"),
                        });
                    }
                    providers.push(entry);
                }
            }
            Some(_) => {
                return Err(Problem::Field("providers", FieldProblem::NotAList).at(""));
            }
        }
        let top_field = |(field, problem)| Problem::Field(field, problem).at("");
        let config = PublicConfig {
            public_url: json::opt_str(&top, "public_url").map_err(top_field)?,
            companion: json::opt_str(&top, "companion").map_err(top_field)?,
            providers,
        };
        refuse_unknown(&top, TOP).map_err(|p| p.at(""))?;
        Ok(config)
    }
}

/// What is wrong in one object of the file, before the path to that object is added.
enum Problem {
    /// The object is not one.
    NotAnObject,
    /// A member's problem.
    Field(&'static str, FieldProblem),
    /// A member naming none of its values: the member, what it says, the names allowed.
    Name(&'static str, String, &'static [&'static str]),
    /// A member the object does not have.
    Unknown(String),
    /// A problem inside the provider's `endpoints`.
    InEndpoints(Box<Problem>),
}

impl From<(&'static str, FieldProblem)> for Problem {
    fn from((field, problem): (&'static str, FieldProblem)) -> Self {
        Problem::Field(field, problem)
    }
}

impl Problem {
    /// The error, for the object at `at` (`""` for the top of the file).
    fn at(self, at: &str) -> PublicConfigError {
        let path = |field: &str| match at {
            "" => field.to_owned(),
            _ => format!("{at}.{field}"),
        };
        match self {
            Problem::NotAnObject => PublicConfigError::Field {
                path: at.to_owned(),
                problem: FieldProblem::NotAnObject.describe(),
            },
            Problem::Field(field, problem) => PublicConfigError::Field {
                path: path(field),
                problem: problem.describe(),
            },
            Problem::Name(field, value, names) => PublicConfigError::UnknownName {
                path: path(field),
                value,
                expected: names.join(", "),
            },
            Problem::Unknown(field) => PublicConfigError::UnknownField {
                at: match at {
                    "" => "the file".to_owned(),
                    _ => at.to_owned(),
                },
                field,
            },
            Problem::InEndpoints(inner) => inner.at(&path("endpoints")),
        }
    }
}

fn provider(item: &Value) -> Result<PublicProvider, Problem> {
    let Value::Object(m) = item else {
        return Err(Problem::NotAnObject);
    };
    let endpoints = match m.get("endpoints") {
        None | Some(Value::Null) => Endpoints::default(),
        Some(Value::Object(e)) => endpoints(e).map_err(|p| Problem::InEndpoints(Box::new(p)))?,
        Some(_) => return Err(Problem::Field("endpoints", FieldProblem::NotAnObject)),
    };
    let provider = PublicProvider {
        id: json::req_str(m, "id")?,
        name: json::req_str(m, "name")?,
        protocol: named(m, "protocol")?.ok_or(("protocol", FieldProblem::Missing))?,
        issuer: json::opt_str(m, "issuer")?,
        client_id: json::opt_str(m, "client_id")?,
        scopes: json::opt_str_list(m, "scopes")?.unwrap_or_default(),
        endpoints,
        redirect_uri: json::opt_str(m, "redirect_uri")?,
        authorize_params: string_map(m, "authorize_params")?,
        api_base: json::opt_str(m, "api_base")?,
        session_storage: named(m, "session_storage")?.unwrap_or_default(),
        token_via_companion: json::opt_bool(m, "token_via_companion")?,
        refresh_token_in: named(m, "refresh_token_in")?.unwrap_or_default(),
        dpop: named::<DpopMode>(m, "dpop")?.unwrap_or_default(),
        par: json::opt_bool(m, "par")?,
    };
    refuse_unknown(m, PROVIDER)?;
    Ok(provider)
}

fn endpoints(m: &Object) -> Result<Endpoints, Problem> {
    let endpoints = Endpoints {
        authorization_endpoint: json::opt_str(m, "authorization_endpoint")?,
        token_endpoint: json::opt_str(m, "token_endpoint")?,
        userinfo_endpoint: json::opt_str(m, "userinfo_endpoint")?,
        revocation_endpoint: json::opt_str(m, "revocation_endpoint")?,
        end_session_endpoint: json::opt_str(m, "end_session_endpoint")?,
        jwks_uri: json::opt_str(m, "jwks_uri")?,
        pushed_authorization_request_endpoint: json::opt_str(
            m,
            "pushed_authorization_request_endpoint",
        )?,
    };
    refuse_unknown(m, ENDPOINTS)?;
    Ok(endpoints)
}

/// A member holding one of `T`'s names; `None` when absent or `null`.
fn named<T: Named>(m: &Object, field: &'static str) -> Result<Option<T>, Problem> {
    Ok(match name_index(m, field, T::NAMES)? {
        Some(i) => T::ALL.get(i).copied(),
        None => None,
    })
}

/// The position of a member's name among `names`; `None` when absent or `null`.
fn name_index(
    m: &Object,
    field: &'static str,
    names: &'static [&'static str],
) -> Result<Option<usize>, Problem> {
    let Some(name) = json::opt_str(m, field)? else {
        return Ok(None);
    };
    match names.iter().position(|n| *n == name) {
        Some(i) => Ok(Some(i)),
        None => Err(Problem::Name(field, name, names)),
    }
}

/// An object whose members are all strings (absent or `null`: empty).
fn string_map(m: &Object, field: &'static str) -> json::FieldResult<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    match m.get(field) {
        None | Some(Value::Null) => {}
        Some(Value::Object(o)) => {
            for (k, v) in o {
                let v = v.as_str().ok_or((field, FieldProblem::NotAStringMap))?;
                out.insert(k.clone(), v.to_owned());
            }
        }
        Some(_) => return Err((field, FieldProblem::NotAStringMap)),
    }
    Ok(out)
}

fn refuse_unknown(m: &Object, known: &[&str]) -> Result<(), Problem> {
    match json::unknown_member(m, known) {
        Some(field) => Err(Problem::Unknown(field.to_owned())),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::public_config::{Protocol, RefreshTokenIn, SessionStorage};

    fn read(text: &str) -> Result<PublicConfig, PublicConfigError> {
        PublicConfig::from_json(text.as_bytes())
    }

    fn words(text: &str) -> String {
        read(text).unwrap_err().to_string()
    }

    #[test]
    fn every_member_is_read() {
        let cfg = read(
            r#"{"public_url":"https://site.example","companion":"https://auth.example",
            "providers":[{"id":"op","name":"OP","protocol":"oidc","issuer":"https://op.example",
            "client_id":"c","scopes":["openid","email"],
            "endpoints":{"authorization_endpoint":"https://op.example/a","token_endpoint":"https://op.example/t",
              "userinfo_endpoint":"https://op.example/u","revocation_endpoint":"https://op.example/r",
              "end_session_endpoint":"https://op.example/e","jwks_uri":"https://op.example/k",
              "pushed_authorization_request_endpoint":"https://op.example/p"},
            "redirect_uri":"https://site.example/cb","authorize_params":{"prompt":"consent"},
            "api_base":"https://api.example/","session_storage":"browser","token_via_companion":true,
            "refresh_token_in":"companion","dpop":"off","par":true}]}"#,
        )
        .unwrap();
        assert_eq!(cfg.public_url.as_deref(), Some("https://site.example"));
        assert_eq!(cfg.companion.as_deref(), Some("https://auth.example"));
        let p = &cfg.providers[0];
        assert_eq!((p.id.as_str(), p.name.as_str()), ("op", "OP"));
        assert_eq!(p.protocol, Protocol::Oidc);
        assert_eq!(p.issuer.as_deref(), Some("https://op.example"));
        assert_eq!(p.client_id.as_deref(), Some("c"));
        assert_eq!(p.scopes, ["openid", "email"]);
        assert_eq!(
            p.endpoints.pushed_authorization_request_endpoint.as_deref(),
            Some("https://op.example/p")
        );
        assert_eq!(
            p.endpoints.jwks_uri.as_deref(),
            Some("https://op.example/k")
        );
        assert_eq!(
            p.endpoints.end_session_endpoint.as_deref(),
            Some("https://op.example/e")
        );
        assert_eq!(p.redirect_uri.as_deref(), Some("https://site.example/cb"));
        assert_eq!(p.authorize_params["prompt"], "consent");
        assert_eq!(p.api_base.as_deref(), Some("https://api.example/"));
        assert_eq!(p.session_storage, SessionStorage::Browser);
        assert!(p.token_via_companion && p.par);
        assert_eq!(p.refresh_token_in, RefreshTokenIn::Companion);
        assert_eq!(p.dpop, DpopMode::Off);
        // What the companion's export writes reads back the same.
        let again = serde_json::to_string(&cfg).unwrap();
        assert_eq!(read(&again).unwrap(), cfg);
    }

    #[test]
    fn absent_and_null_members_take_their_defaults() {
        assert_eq!(read("{}").unwrap(), PublicConfig::default());
        let cfg = read(
            r#"{"providers":[{"id":"a","name":"A","protocol":"oauth2","scopes":null,
            "session_storage":null,"dpop":null,"endpoints":null}]}"#,
        )
        .unwrap();
        let p = &cfg.providers[0];
        assert!(p.scopes.is_empty() && p.endpoints.is_empty() && p.authorize_params.is_empty());
        assert_eq!(p.session_storage, SessionStorage::Tab);
        assert_eq!(p.dpop, DpopMode::Auto);
        assert!(!p.token_via_companion && !p.par);
    }

    #[test]
    fn unknown_members_are_refused_at_every_level() {
        assert_eq!(
            words(r#"{"providers":[],"client_secret":"s"}"#),
            "unknown field `client_secret` in the file"
        );
        assert_eq!(
            words(
                r#"{"providers":[{"id":"a","name":"A","protocol":"oauth2"},{"id":"b","name":"B","protocol":"oauth2","secret":"s"}]}"#
            ),
            "unknown field `secret` in providers[1]"
        );
        assert_eq!(
            words(
                r#"{"providers":[{"id":"a","name":"A","protocol":"oauth2","endpoints":{"token":"x"}}]}"#
            ),
            "unknown field `token` in providers[0].endpoints"
        );
    }

    #[test]
    fn wrong_and_missing_members_are_named_with_their_path() {
        for (text, said) in [
            (r#"{"providers":{}}"#, "providers is not a list"),
            (r#"{"providers":["a"]}"#, "providers[0] is not an object"),
            (r#"{"public_url":1}"#, "public_url is not a string"),
            (
                r#"{"providers":[{"name":"A","protocol":"oidc"}]}"#,
                "providers[0].id is missing",
            ),
            (
                r#"{"providers":[{"id":"a","name":"A"}]}"#,
                "providers[0].protocol is missing",
            ),
            (
                r#"{"providers":[{"id":"a","name":"A","protocol":"oidc","scopes":"openid"}]}"#,
                "providers[0].scopes is not a list of strings",
            ),
            (
                r#"{"providers":[{"id":"a","name":"A","protocol":"oidc","par":"yes"}]}"#,
                "providers[0].par is not a boolean",
            ),
            (
                r#"{"providers":[{"id":"a","name":"A","protocol":"oidc","authorize_params":{"x":1}}]}"#,
                "providers[0].authorize_params is not an object of strings",
            ),
            (
                r#"{"providers":[{"id":"a","name":"A","protocol":"oidc","endpoints":{"jwks_uri":false}}]}"#,
                "providers[0].endpoints.jwks_uri is not a string",
            ),
            (
                r#"{"providers":[{"id":"a","name":"A","protocol":"saml"}]}"#,
                r#"providers[0].protocol is "saml", which is not one of oauth2, oidc, oauth1"#,
            ),
            (
                r#"{"providers":[{"id":"a","name":"A","protocol":"oidc","session_storage":"disk"}]}"#,
                r#"providers[0].session_storage is "disk", which is not one of memory, tab, browser"#,
            ),
            (
                r#"{"providers":[{"id":"a","name":"A","protocol":"oidc","dpop":"Required"}]}"#,
                r#"providers[0].dpop is "Required", which is not one of auto, required, off"#,
            ),
            (
                r#"{"providers":[{"id":"a","name":"A","protocol":"oidc","refresh_token_in":true}]}"#,
                "providers[0].refresh_token_in is not a string",
            ),
        ] {
            assert_eq!(words(text), said, "{text}");
        }
    }

    #[test]
    fn a_member_s_problem_comes_before_an_unknown_member_beside_it() {
        assert_eq!(
            words(r#"{"pad":"x","providers":[{"id":"a","name":"A","protocol":"saml"}]}"#),
            r#"providers[0].protocol is "saml", which is not one of oauth2, oidc, oauth1"#
        );
    }

    #[test]
    fn text_that_is_not_a_json_object_says_so() {
        assert_eq!(words("[]"), "the file is not a JSON object");
        assert_eq!(words("\"providers\""), "the file is not a JSON object");
        let syntax = words(r#"{"providers": [}"#);
        assert!(syntax.contains("line 1 column"), "{syntax}");
        assert!(matches!(read("{"), Err(PublicConfigError::Syntax(_))));
    }

    #[test]
    fn the_example_files_in_the_repository_read() {
        for text in [
            include_str!("../../../../examples/static-site/latchkey/latchkey.json"),
            include_str!("../../../../examples/leptos-minimal/latchkey.json"),
        ] {
            let cfg = read(text).unwrap();
            assert!(!cfg.providers.is_empty());
        }
    }
}
