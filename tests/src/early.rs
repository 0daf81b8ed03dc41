//! A page before its wasm has arrived: the early sign-in buttons of the embed's bootstrap
//! (`static_site_early.rs`) and of the showcase's copy of its home page (`app_early.rs`).

use crate::browser::Browser;

/// The global the embed's wasm sets when it has started (`window.latchkey`).
pub const EMBED_STARTED: &str = "latchkey";
/// The global Trunk's loader sets once the app's wasm has started (`window.wasmBindings`).
pub const APP_STARTED: &str = "wasmBindings";

/// Whether the page's wasm has started: `window[started]` is set.
pub async fn wasm_ran(b: &Browser, started: &str) -> bool {
    b.js(
        "return window[arguments[0]] !== undefined;",
        vec![started.into()],
    )
    .await
    .as_bool()
    .unwrap_or(false)
}

/// Goes to `url` with the network throttled (the wasm takes seconds to arrive) and waits
/// until the element `css` is on screen, styled (the browser paints nothing before the
/// stylesheet has arrived, but lays the page out for a script that asks). It must be there
/// before the wasm has started (`window[started]`). Leaves the browser throttled.
pub async fn shown_before_the_wasm(b: &Browser, url: &str, css: &str, started: &str) {
    b.throttle(Some(20_000)).await;
    b.goto(url).await;
    b.wait_until(&format!("{css} before the wasm"), || async {
        b.js(
            "const el = document.querySelector(arguments[1]);
             const styled = [...document.querySelectorAll('link[rel=stylesheet]')].every((l) => l.sheet);
             return location.href === arguments[0] && el !== null && styled && el.checkVisibility();",
            vec![url.into(), css.into()],
        )
        .await
        .as_bool()
        .unwrap_or(false)
    })
    .await;
    assert!(
        !wasm_ran(b, started).await,
        "the wasm ran before the check: the throttle is too weak for this test"
    );
}

/// Goes to `url` with the network throttled, waits until the page's early script has run
/// (`script_ran`, a JavaScript expression) and `latchkey.json` has arrived (the showcase's
/// `early.js` asks for `latchkey.json?early`, the embed for `latchkey.json`), when early
/// buttons would show, and checks that no button `label` did, before the wasm has started
/// (`window[started]`). For a visitor who may be signed in. Leaves the browser throttled.
pub async fn not_shown_before_the_wasm(
    b: &Browser,
    url: &str,
    script_ran: &str,
    label: &str,
    started: &str,
) {
    b.throttle(Some(20_000)).await;
    b.goto(url).await;
    let ready = format!(
        "return location.href === arguments[0] && ({script_ran})
           && performance.getEntriesByType('resource')
             .some((e) => /[/]latchkey[.]json([?]early)?$/.test(e.name) && e.responseEnd > 0);"
    );
    b.wait_until(
        "the early script to run and latchkey.json to arrive",
        || async {
            b.js(&ready, vec![url.into()])
                .await
                .as_bool()
                .unwrap_or(false)
        },
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(!wasm_ran(b, started).await, "the wasm ran before the check");
    assert!(
        !b.has_button(label).await,
        "a signed-in visitor saw {label:?}"
    );
}

/// Goes to `url` with every request matching `wasm` (a DevTools URL pattern) blocked, as a
/// network fault would, and waits for the words in `alert` (a CSS selector) saying that
/// sign-in could not load: they must advise a reload, and no button `label` may be offered.
pub async fn a_blocked_wasm_is_said(b: &Browser, url: &str, wasm: &str, alert: &str, label: &str) {
    b.cdp("Network.enable", serde_json::json!({})).await;
    b.cdp(
        "Network.setBlockedURLs",
        serde_json::json!({ "urls": [wasm] }),
    )
    .await;
    b.goto(url).await;
    b.wait_for_text("Sign-in could not load").await;
    let words = b
        .js(
            "return document.querySelector(arguments[0])?.textContent ?? null;",
            vec![alert.into()],
        )
        .await;
    let words = words.as_str().unwrap_or_default();
    assert!(words.contains("reload the page"), "{words}");
    assert!(!b.has_button(label).await, "{label:?} is offered");
}
