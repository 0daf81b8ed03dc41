//! The custom elements and the visibility attributes, rendered as light DOM the page can
//! style: real `<button>`s (so the keyboard works), text only (names from a provider never
//! become markup).
//!
//! - `<latchkey-signin [provider="id"]>`: one "Sign in with *name*" button per provider (or
//!   only that one) while nobody is signed in, the step under way, and the last failure with
//!   its "Try again" (sign in again, or renew a kept session). Scoped to one provider, it
//!   says only the steps and failures of that provider, and those about none in particular.
//! - `<latchkey-user>`: the signed-in person's display name; empty when signed out.
//! - `<latchkey-signout>`: a "Sign out" button while someone is signed in.
//! - `[data-latchkey-signed-in]` is `hidden` unless someone is signed in;
//!   `[data-latchkey-signed-out]` is `hidden` unless nobody is (both stay hidden until the
//!   stored session has been looked for, so a signed-in visitor sees no sign-in flash; the
//!   signed-out ones stay shown when the bootstrap found the page surely signed out).

use wasm_bindgen::JsCast;
use web_sys::{Document, Element};

use crate::page_state::{embed, Retry, Shown};

/// The attribute a sign-in button carries: the provider's id.
pub const SIGN_IN_ATTR: &str = "data-latchkey-sign-in";
/// The attribute "Try again" carries after a failure that kept the session: the provider's
/// id. (After a failed sign-in, "Try again" carries [`SIGN_IN_ATTR`] instead.)
pub const RETRY_ATTR: &str = "data-latchkey-retry";
/// The attribute the sign-out button carries.
pub const SIGN_OUT_ATTR: &str = "data-latchkey-sign-out";
/// The tags this module renders.
pub const TAGS: [&str; 3] = ["latchkey-signin", "latchkey-user", "latchkey-signout"];

/// One piece of light DOM: a tag, its attributes and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// `button`, `span` or `p`.
    pub tag: &'static str,
    /// `(name, value)`.
    pub attrs: Vec<(&'static str, String)>,
    /// The text content.
    pub text: String,
}

impl Node {
    fn new(tag: &'static str, text: impl Into<String>) -> Node {
        Node {
            tag,
            attrs: Vec::new(),
            text: text.into(),
        }
    }

    fn attr(mut self, name: &'static str, value: impl Into<String>) -> Node {
        self.attrs.push((name, value.into()));
        self
    }
}

/// `aria-disabled` of the sign-in element's buttons: while a step is under way.
fn busy(shown: &Shown) -> &'static str {
    match shown.working {
        Some(_) => "true",
        None => "false",
    }
}

/// What an element shows, as plain data (tested natively).
pub fn view(
    tag: &str,
    provider_attr: Option<&str>,
    shown: &Shown,
    providers: Option<&[(String, String)]>,
) -> Vec<Node> {
    let mut nodes = Vec::new();
    match tag {
        "latchkey-signin" => {
            if shown.user.is_none() {
                if let Some(providers) = providers {
                    let chosen: Vec<_> = providers
                        .iter()
                        .filter(|(id, _)| provider_attr.is_none_or(|want| want == id))
                        .collect();
                    if let (Some(want), true) = (provider_attr, chosen.is_empty()) {
                        nodes.push(
                            Node::new(
                                "p",
                                format!("No provider \u{201c}{want}\u{201d} in latchkey.json."),
                            )
                            .attr("class", "latchkey-error")
                            .attr("role", "alert"),
                        );
                    }
                    for (id, name) in chosen {
                        nodes.push(
                            Node::new("button", format!("Sign in with {name}"))
                                .attr("type", "button")
                                .attr("class", "latchkey-button")
                                .attr(SIGN_IN_ATTR, id.clone())
                                .attr("aria-disabled", busy(shown)),
                        );
                    }
                }
            }
            // An element scoped to one provider says only what is about that provider, or
            // about none in particular.
            let ours = |about: &Option<String>| match (provider_attr, about) {
                (Some(want), Some(about)) => want == about,
                _ => true,
            };
            let working = shown
                .working
                .as_ref()
                .filter(|_| ours(&shown.working_provider));
            nodes.push(
                Node::new("span", working.cloned().unwrap_or_default())
                    .attr("class", "latchkey-status")
                    .attr("role", "status"),
            );
            let failure_here = ours(&shown.error_provider);
            if let Some(error) = shown.last_error.as_ref().filter(|_| failure_here) {
                nodes.push(
                    Node::new("p", error.clone())
                        .attr("class", "latchkey-error")
                        .attr("role", "alert"),
                );
            }
            if let Some(retry) = shown.retry.as_ref().filter(|_| failure_here) {
                // Signing in again is a sign-in button under another label.
                let (attr, id) = match retry {
                    Retry::SignIn(id) => (SIGN_IN_ATTR, id),
                    Retry::Renew(id) => (RETRY_ATTR, id),
                };
                nodes.push(
                    Node::new("button", latchkey_client::words::RETRY_SIGN_IN)
                        .attr("type", "button")
                        .attr("class", "latchkey-button latchkey-retry")
                        .attr(attr, id.clone())
                        .attr("aria-disabled", busy(shown)),
                );
            }
        }
        "latchkey-user" => {
            if let Some(user) = &shown.user {
                nodes.push(Node::new("span", user.name.clone()).attr("class", "latchkey-name"));
            }
        }
        "latchkey-signout" if shown.user.is_some() => {
            nodes.push(
                Node::new("button", "Sign out")
                    .attr("type", "button")
                    .attr("class", "latchkey-button")
                    .attr(SIGN_OUT_ATTR, ""),
            );
        }
        _ => {}
    }
    nodes
}

/// A key that changes exactly when the rendered nodes do (so an unchanged element keeps
/// its DOM, and a focused button keeps focus).
///
/// `js/bootstrap.js` renders the signed-out `<latchkey-signin>` before the wasm arrives,
/// with these nodes and this key, so the first render here keeps its buttons: a change to
/// either side must be made to the other (`static_site_early`'s
/// `the_sign_in_button_works_before_the_wasm_has_arrived` fails when they part).
fn key(nodes: &[Node]) -> String {
    let mut key = String::new();
    for n in nodes {
        key.push_str(n.tag);
        for (name, value) in &n.attrs {
            key.push('\u{1f}');
            key.push_str(name);
            key.push('=');
            key.push_str(value);
        }
        key.push('\u{1e}');
        key.push_str(&n.text);
        key.push('\u{1d}');
    }
    key
}

fn providers() -> Option<Vec<(String, String)>> {
    let client = embed().client.borrow().clone()?;
    Some(
        client
            .config()
            .providers
            .iter()
            .map(|p| (p.id.clone(), p.name.clone()))
            .collect(),
    )
}

/// Renders one element (the custom element's `connectedCallback` calls this).
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn render(element: Element) {
    let shown = embed().shown.borrow().clone();
    render_with(&element, &shown, providers().as_deref());
}

fn render_with(element: &Element, shown: &Shown, providers: Option<&[(String, String)]>) {
    let tag = element.tag_name().to_ascii_lowercase();
    let nodes = view(
        &tag,
        element.get_attribute("provider").as_deref(),
        shown,
        providers,
    );
    let key = key(&nodes);
    if element.get_attribute("data-latchkey-rendered").as_deref() == Some(key.as_str()) {
        return;
    }
    let Some(document) = element.owner_document() else {
        return;
    };
    element.set_text_content(None);
    for n in &nodes {
        if let Ok(child) = document.create_element(n.tag) {
            for (name, value) in &n.attrs {
                let _ = child.set_attribute(name, value);
            }
            child.set_text_content(Some(&n.text));
            let _ = element.append_child(&child);
        }
    }
    let _ = element.set_attribute("data-latchkey-rendered", &key);
}

fn each(document: &Document, selector: &str, mut f: impl FnMut(Element)) {
    if let Ok(list) = document.query_selector_all(selector) {
        for i in 0..list.length() {
            if let Some(el) = list.item(i).and_then(|n| n.dyn_into::<Element>().ok()) {
                f(el);
            }
        }
    }
}

/// Renders every element and applies the visibility attributes, from what the page shows.
pub fn render_all(document: &Document) {
    let shown = embed().shown.borrow().clone();
    let providers = providers();
    each(document, &TAGS.join(","), |el| {
        render_with(&el, &shown, providers.as_deref())
    });
    apply_visibility(document, &shown);
}

/// `hidden` on the `data-latchkey-signed-in` / `-signed-out` elements.
pub fn apply_visibility(document: &Document, shown: &Shown) {
    let signed_in = shown.user.is_some();
    let set = |el: Element, hide: bool| {
        let _ = if hide {
            el.set_attribute("hidden", "")
        } else {
            el.remove_attribute("hidden")
        };
    };
    each(document, "[data-latchkey-signed-in]", |el| {
        set(el, !signed_in)
    });
    let known_out = shown.settled || embed().shown_early.get();
    each(document, "[data-latchkey-signed-out]", |el| {
        set(el, signed_in || !known_out)
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::user::User;

    fn providers() -> Vec<(String, String)> {
        vec![
            ("dot".into(), "Django".into()),
            ("flask".into(), "Flask".into()),
        ]
    }

    fn texts(nodes: &[Node]) -> Vec<&str> {
        nodes.iter().map(|n| n.text.as_str()).collect()
    }

    #[test]
    fn signin_renders_a_button_per_provider_or_only_the_one_named() {
        let shown = Shown {
            settled: true,
            ..Shown::default()
        };
        let all = view("latchkey-signin", None, &shown, Some(&providers()));
        assert_eq!(
            texts(&all),
            ["Sign in with Django", "Sign in with Flask", ""]
        );
        assert!(all[0].attrs.contains(&(SIGN_IN_ATTR, "dot".into())));
        assert!(all[0].attrs.contains(&("type", "button".into())));
        let one = view("latchkey-signin", Some("flask"), &shown, Some(&providers()));
        assert_eq!(texts(&one), ["Sign in with Flask", ""]);
        let unknown = view("latchkey-signin", Some("gh"), &shown, Some(&providers()));
        assert_eq!(
            texts(&unknown),
            ["No provider \u{201c}gh\u{201d} in latchkey.json.", ""]
        );
    }

    #[test]
    fn signed_in_shows_the_name_and_sign_out_and_no_sign_in() {
        let shown = Shown {
            user: Some(User {
                provider: "dot".into(),
                sub: "1".into(),
                name: "<b>Ada</b>".into(),
                email: None,
                picture: None,
            }),
            settled: true,
            ..Shown::default()
        };
        assert_eq!(
            texts(&view("latchkey-user", None, &shown, None)),
            ["<b>Ada</b>"]
        );
        assert_eq!(
            texts(&view("latchkey-signout", None, &shown, None)),
            ["Sign out"]
        );
        assert_eq!(
            texts(&view("latchkey-signin", None, &shown, Some(&providers()))),
            [""]
        );
        let out = Shown {
            settled: true,
            ..Shown::default()
        };
        assert!(view("latchkey-user", None, &out, None).is_empty());
        assert!(view("latchkey-signout", None, &out, None).is_empty());
    }

    #[test]
    fn a_failure_is_an_alert_in_the_signin_element() {
        let shown = Shown {
            last_error: Some("Sign-in failed. The state is unknown.".into()),
            settled: true,
            ..Shown::default()
        };
        let nodes = view("latchkey-signin", None, &shown, Some(&providers()));
        let alert = nodes.last().unwrap();
        assert_eq!(alert.text, "Sign-in failed. The state is unknown.");
        assert!(alert.attrs.contains(&("role", "alert".into())));
    }

    #[test]
    fn a_kept_session_gets_try_again_after_its_alert() {
        let shown = Shown {
            last_error: Some("Your session could not be checked. …".into()),
            retry: Some(Retry::Renew("flask".into())),
            settled: true,
            ..Shown::default()
        };
        let nodes = view("latchkey-signin", None, &shown, Some(&providers()));
        let again = nodes.last().unwrap();
        assert_eq!(again.tag, "button");
        assert_eq!(again.text, "Try again");
        assert!(again.attrs.contains(&(RETRY_ATTR, "flask".into())));
        assert!(again.attrs.contains(&("aria-disabled", "false".into())));
        let working = Shown {
            working: Some("Renewing…".into()),
            ..shown
        };
        let nodes = view("latchkey-signin", None, &working, Some(&providers()));
        assert!(nodes
            .last()
            .unwrap()
            .attrs
            .contains(&("aria-disabled", "true".into())));
    }

    #[test]
    fn a_failed_sign_in_gets_try_again_that_signs_in_again() {
        let shown = Shown {
            last_error: Some("Sign-in did not work. “Try again” starts sign-in …".into()),
            retry: Some(Retry::SignIn("dot".into())),
            settled: true,
            ..Shown::default()
        };
        let nodes = view("latchkey-signin", None, &shown, Some(&providers()));
        let again = nodes.last().unwrap();
        assert_eq!((again.tag, again.text.as_str()), ("button", "Try again"));
        assert!(again.attrs.contains(&(SIGN_IN_ATTR, "dot".into())));
        assert!(!again.attrs.iter().any(|(name, _)| *name == RETRY_ATTR));
    }

    #[test]
    fn a_scoped_element_says_only_its_providers_steps_and_failures() {
        let failed = Shown {
            last_error: Some("Sign-in was cancelled. You cancelled sign-in at DOT.".into()),
            retry: Some(Retry::SignIn("dot".into())),
            error_provider: Some("dot".into()),
            working: Some("Redirecting to Flask…".into()),
            working_provider: Some("flask".into()),
            settled: true,
            ..Shown::default()
        };
        let dot = view("latchkey-signin", Some("dot"), &failed, Some(&providers()));
        assert_eq!(
            texts(&dot),
            [
                "Sign in with Django",
                "",
                "Sign-in was cancelled. You cancelled sign-in at DOT.",
                "Try again"
            ]
        );
        let flask = view(
            "latchkey-signin",
            Some("flask"),
            &failed,
            Some(&providers()),
        );
        assert_eq!(
            texts(&flask),
            ["Sign in with Flask", "Redirecting to Flask…"]
        );
        // Unscoped, it says everything; about no provider, every element says it.
        assert_eq!(
            view("latchkey-signin", None, &failed, Some(&providers())).len(),
            5
        );
        let unknown_state = Shown {
            error_provider: None,
            working_provider: None,
            retry: None,
            ..failed
        };
        let flask = view(
            "latchkey-signin",
            Some("flask"),
            &unknown_state,
            Some(&providers()),
        );
        assert_eq!(
            texts(&flask),
            [
                "Sign in with Flask",
                "Redirecting to Flask…",
                "Sign-in was cancelled. You cancelled sign-in at DOT."
            ]
        );
    }

    #[test]
    fn the_key_changes_with_any_visible_difference() {
        let a = vec![Node::new("button", "Sign in with A").attr("x", "1")];
        let b = vec![Node::new("button", "Sign in with A").attr("x", "2")];
        let c = vec![Node::new("button", "Sign in with B").attr("x", "1")];
        assert_ne!(key(&a), key(&b));
        assert_ne!(key(&a), key(&c));
        assert_eq!(key(&a), key(&a.clone()));
    }
}
