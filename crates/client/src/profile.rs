//! Who is signed in, from ID token claims, userinfo and the companion's identity fields.

use serde_json::{Map, Value};

/// The person, as the UI greets them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Profile {
    /// `name` → `preferred_username` → `login` → `email` → `sub` (OIDC; GitHub says
    /// `login`); `screen_name` →
    /// `user_id` (OAuth 1.0a); "you" when nothing is known.
    pub display_name: String,
    /// `email`.
    pub email: Option<String>,
    /// `picture`, only when it is an http(s) URL (it becomes an `<img src>`).
    pub picture: Option<String>,
    /// `sub` (OIDC) or `user_id` (OAuth 1.0a); empty when unknown.
    pub sub: String,
}

fn text<'a>(sources: &[&'a Map<String, Value>], key: &str) -> Option<&'a str> {
    sources
        .iter()
        .find_map(|m| m.get(key).and_then(Value::as_str))
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// The profile from an ID token's claims and a userinfo response (userinfo wins where both
/// have a claim, as it is the fresher source; `sub` equality is checked before this runs).
pub fn from_oidc(
    id_token: Option<&Map<String, Value>>,
    userinfo: Option<&Map<String, Value>>,
) -> Profile {
    let sources: Vec<&Map<String, Value>> = userinfo.into_iter().chain(id_token).collect();
    let sub = text(&sources, "sub").unwrap_or_default().to_owned();
    let display_name = ["name", "preferred_username", "login", "email", "sub"]
        .iter()
        .find_map(|k| text(&sources, k))
        .unwrap_or("you")
        .to_owned();
    Profile {
        display_name,
        email: text(&sources, "email").map(str::to_owned),
        picture: text(&sources, "picture")
            .filter(|p| is_web_url(p))
            .map(str::to_owned),
        sub,
    }
}

/// The profile from the companion's OAuth 1.0a identity fields (`user_id`, `screen_name`, …).
pub fn from_oauth1(fields: &Map<String, Value>) -> Profile {
    let sources = [fields];
    let id = text(&sources, "user_id").or_else(|| text(&sources, "id"));
    let display_name = text(&sources, "screen_name")
        .or_else(|| text(&sources, "name"))
        .or(id)
        .unwrap_or("you")
        .to_owned();
    Profile {
        display_name,
        email: text(&sources, "email").map(str::to_owned),
        picture: None,
        sub: id.unwrap_or_default().to_owned(),
    }
}

fn is_web_url(s: &str) -> bool {
    let lower = s.get(..8).unwrap_or(s).to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://")
}

/// Claims as `(name, value)` for the inspector: strings as they are, anything else as JSON.
pub fn claim_pairs(claims: &Map<String, Value>) -> Vec<(String, String)> {
    claims
        .iter()
        .map(|(k, v)| {
            let shown = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            (k.clone(), shown)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => unreachable!("test input is an object"),
        }
    }

    #[test]
    fn display_name_prefers_name_then_username_then_sub() {
        let full = map(json!({"sub":"42","name":"Ada Lovelace","preferred_username":"ada"}));
        assert_eq!(from_oidc(Some(&full), None).display_name, "Ada Lovelace");
        let user = map(json!({"sub":"42","preferred_username":"ada"}));
        assert_eq!(from_oidc(Some(&user), None).display_name, "ada");
        let bare = map(json!({"sub":"42"}));
        assert_eq!(from_oidc(Some(&bare), None).display_name, "42");
        let blank = map(json!({"sub":"42","name":"  "}));
        assert_eq!(from_oidc(Some(&blank), None).display_name, "42");
    }

    #[test]
    fn userinfo_fills_in_what_the_id_token_lacks() {
        let id = map(json!({"sub":"42"}));
        let ui = map(json!({"sub":"42","email":"ada@example.org","name":"Ada"}));
        let p = from_oidc(Some(&id), Some(&ui));
        assert_eq!(p.display_name, "Ada");
        assert_eq!(p.email.as_deref(), Some("ada@example.org"));
        assert_eq!(p.sub, "42");
    }

    #[test]
    fn a_javascript_picture_is_dropped() {
        let id = map(json!({"sub":"1","picture":"javascript:alert(1)"}));
        assert_eq!(from_oidc(Some(&id), None).picture, None);
        let ok = map(json!({"sub":"1","picture":"https://img.example/a.png"}));
        assert_eq!(
            from_oidc(Some(&ok), None).picture.as_deref(),
            Some("https://img.example/a.png")
        );
    }

    #[test]
    fn oauth1_prefers_screen_name_then_user_id() {
        let f = map(json!({"user_id":"7","screen_name":"ada"}));
        let p = from_oauth1(&f);
        assert_eq!((p.display_name.as_str(), p.sub.as_str()), ("ada", "7"));
        let f = map(json!({"user_id":"7"}));
        assert_eq!(from_oauth1(&f).display_name, "7");
    }

    #[test]
    fn claim_pairs_show_strings_bare_and_the_rest_as_json() {
        let m = map(json!({"aud":["a","b"],"exp":5,"sub":"x"}));
        let pairs = claim_pairs(&m);
        assert!(pairs.contains(&("sub".into(), "x".into())));
        assert!(pairs.contains(&("exp".into(), "5".into())));
        assert!(pairs.contains(&("aud".into(), "[\"a\",\"b\"]".into())));
    }
}
