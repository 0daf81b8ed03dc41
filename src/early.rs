//! The home page before the wasm has arrived, and its handover to the app.
//!
//! `index.html` holds a plain-HTML copy of the signed-out home page (`#latchkey-early`);
//! `src/early.js` fills in the "Sign in with …" buttons and shows it while the wasm is still
//! downloading, when the visitor is surely signed out. A click on one of those buttons is
//! kept in its `data-wanted` attribute. Once the app has started and knows whether someone
//! is signed in, [`hand_over`] removes the copy (the app's own page takes its place, with
//! the focus on the same button) and starts the sign-in that was clicked.

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

/// Removes the copy, moves a focused button's focus to the app's button of the same
/// provider, and starts the sign-in clicked on the copy if nobody turned out signed in.
fn replace_copy(latchkey: Latchkey) {
    let Some(copy) = document().get_element_by_id(EARLY_PAGE) else {
        return;
    };
    let wanted = copy.get_attribute("data-wanted");
    let focused = document()
        .active_element()
        .filter(|e| copy.contains(Some(e)))
        .and_then(|e| e.get_attribute("data-provider"));
    copy.remove();
    if let Some(provider) = focused {
        focus_provider_button(&provider);
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

/// Focuses the app's "Sign in with …" button of `provider`.
fn focus_provider_button(provider: &str) {
    let Ok(buttons) = document().query_selector_all("button[data-provider]") else {
        return;
    };
    let found = (0..buttons.length())
        .filter_map(|i| buttons.item(i))
        .filter_map(|node| node.dyn_into::<web_sys::HtmlElement>().ok())
        .find(|b| b.get_attribute("data-provider").as_deref() == Some(provider));
    if let Some(button) = found {
        let _ = button.focus();
    }
}
