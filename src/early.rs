//! The home page before the wasm has arrived, and its handover to the app.
//!
//! `index.html` holds a plain-HTML copy of the signed-out home page (`#latchkey-early`);
//! `src/early.js` fills in the "Sign in with …" buttons and shows it while the wasm is still
//! downloading, when the visitor is surely signed out. A click on one of those buttons is
//! kept in its `data-wanted` attribute. Once the app has started and knows whether someone
//! is signed in, [`hand_over`] removes the copy (the app's own page takes its place, with
//! the focus on the same element) and starts the sign-in that was clicked.

use latchkey_leptos::{use_latchkey, Latchkey, Status};
use leptos::prelude::*;
use leptos::wasm_bindgen::JsCast;

/// The id of the copy in `index.html`.
const EARLY_PAGE: &str = "latchkey-early";

/// Takes the page over from `index.html`'s copy. While the copy is on screen, the app's own
/// page is in the document but not shown (style/main.css hides what follows a shown copy);
/// once the stored session has been looked for, the copy goes. Without a copy on screen (a
/// visitor who may be signed in, or an app that started before `latchkey.json` arrived) the
/// copy goes at once.
pub fn hand_over() {
    let latchkey = use_latchkey();
    let status = latchkey.status();
    match document().get_element_by_id(EARLY_PAGE) {
        Some(copy) if copy.has_attribute("hidden") => copy.remove(),
        Some(_) => {
            Effect::new(move |handed: Option<bool>| {
                if handed == Some(true) || status.with(|s| *s == Status::Restoring) {
                    return handed.unwrap_or(false);
                }
                // After the frame's rendering work, the app's page is up to date.
                request_animation_frame(move || replace_copy(latchkey));
                true
            });
        }
        None => {}
    }
}

/// Removes the copy, moves the focus from an element of the copy to the app's element in its
/// place, and starts the sign-in clicked on the copy if nobody turned out signed in.
fn replace_copy(latchkey: Latchkey) {
    let Some(copy) = document().get_element_by_id(EARLY_PAGE) else {
        return;
    };
    let wanted = copy.get_attribute("data-wanted");
    let focused = document()
        .active_element()
        .filter(|e| copy.contains(Some(e)));
    copy.remove();
    if let Some(app_element) = focused.as_ref().and_then(counterpart) {
        let _ = app_element.focus();
    }
    if let Some(provider) = wanted {
        if latchkey
            .status()
            .with_untracked(|s| *s == Status::SignedOut)
        {
            latchkey.sign_in(&provider);
        }
    }
}

/// The app's element that stands where `early` stood in the (removed) copy: the same tag,
/// the same classes and the same provider. app_early holds the copy to the app's markup, so
/// a provider's button, the skip link and the brand link each have one.
fn counterpart(early: &web_sys::Element) -> Option<web_sys::HtmlElement> {
    let mut selector = early.tag_name().to_ascii_lowercase();
    for class in early.class_name().split_whitespace() {
        // Our own class names; anything else would need escaping in a selector.
        if !class
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return None;
        }
        selector.push('.');
        selector.push_str(class);
    }
    let provider = early.get_attribute("data-provider");
    let found = document().query_selector_all(&selector).ok()?;
    (0..found.length())
        .filter_map(|i| found.item(i))
        .filter_map(|node| node.dyn_into::<web_sys::HtmlElement>().ok())
        .find(|e| e.get_attribute("data-provider") == provider)
}
