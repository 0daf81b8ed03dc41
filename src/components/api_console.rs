//! The API console: calls the signed-in provider's `api_base` through the auth context
//! (Bearer token for OAuth 2.0, the companion's signing proxy for OAuth 1.0a).

use std::time::Duration;

use leptos::prelude::*;

use latchkey_leptos::{use_latchkey, ApiError, ApiMethod, ApiResult};

/// The path the console starts with.
pub const DEFAULT_PATH: &str = "/me";

/// How long the console waits for a whole answer before it stops the call itself, so an
/// API that never answers ends in words rather than in a Send button that stays busy.
/// (Latchkey's calls have no deadline of their own, as `fetch` has none.)
pub const DEADLINE_SECONDS: u64 = 15;

/// Why the console called a call off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cut {
    /// The person pressed Stop.
    Stopped,
    /// No whole answer within [`DEADLINE_SECONDS`].
    TimedOut,
}

/// How a status reads: `200 OK`, or just `404` when the browser gave no reason phrase.
pub fn status_line(result: &ApiResult) -> String {
    if result.status_text.is_empty() {
        result.status.to_string()
    } else {
        format!("{} {}", result.status, result.status_text)
    }
}

/// What the console says when a call to `path` brought no answer to show: one it called
/// off (`cut`), a network failure (the call may have reached the API), or one never made.
pub fn failure_sentence(error: &ApiError, path: &str, cut: Option<Cut>) -> String {
    match (error, cut) {
        (ApiError::Aborted, Some(Cut::TimedOut)) => format!(
            "The call to {path} got no answer within {DEADLINE_SECONDS} seconds, so the console stopped it."
        ),
        (ApiError::Aborted, _) => format!("You stopped the call to {path}."),
        (ApiError::Network { reason }, _) => format!("The call got no answer: {reason}."),
        _ => format!("The call was not made: {error}."),
    }
}

/// The colour class of a status: success, client or server error.
pub fn status_tone(status: u16) -> &'static str {
    match status {
        200..=299 => "tone-ok",
        300..=399 => "tone-info",
        _ => "tone-error",
    }
}

/// The console card.
#[component]
pub fn ApiConsole(
    /// The signed-in provider's `id`.
    provider_id: String,
) -> impl IntoView {
    let auth = use_latchkey();
    let api_base = auth.providers().with_untracked(|providers| {
        providers
            .iter()
            .find(|p| p.id == provider_id)
            .and_then(|p| p.api_base.clone())
    });

    let (method, set_method) = signal(ApiMethod::Get);
    let (path, set_path) = signal(DEFAULT_PATH.to_owned());
    let (body, set_body) = signal(String::new());

    // The last call's outcome (its failure already in words), and whether one is under way
    // (one at a time: Send is disabled meanwhile, and Stop shown).
    let (outcome, set_outcome) = signal(None::<Result<ApiResult, String>>);
    let (pending, set_pending) = signal(false);
    // The call under way: what stops it, and why it was stopped.
    let controller = StoredValue::new_local(None::<web_sys::AbortController>);
    let cut = StoredValue::new(None::<Cut>);
    let send_ref = NodeRef::<leptos::html::Button>::new();
    let stop_ref = NodeRef::<leptos::html::Button>::new();
    // `try_`: the deadline may come after the card has gone (signed out).
    let call_off = move |why: Cut| {
        if let Some(c) = controller.try_get_value().flatten() {
            let _ = cut.try_set_value(Some(why));
            c.abort();
        }
    };

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        let m = method.get_untracked();
        let b = m
            .has_body()
            .then(|| body.get_untracked())
            .filter(|b| !b.is_empty());
        let p = path.get_untracked();
        let signal = web_sys::AbortController::new().ok().map(|c| {
            let signal = c.signal();
            controller.set_value(Some(c));
            signal
        });
        cut.set_value(None);
        // The last answer goes as the next call starts, so that it cannot be read as this one's.
        set_outcome.set(None);
        let deadline = set_timeout_with_handle(
            move || call_off(Cut::TimedOut),
            Duration::from_secs(DEADLINE_SECONDS),
        )
        .ok();
        set_pending.set(true);
        leptos::task::spawn_local(async move {
            let answer = auth.call_api(m, p.clone(), b, signal).await;
            if let Some(deadline) = deadline {
                deadline.clear();
            }
            // `try_`: the card may have gone (signed out) before the answer came.
            let _ = controller.try_set_value(None);
            let why = cut.try_get_value().flatten();
            let outcome = answer.map_err(|e| failure_sentence(&e, &p, why));
            // Stop goes with the call: a keyboard on it goes on from Send.
            let on_stop = stop_ref
                .get_untracked()
                .is_some_and(|stop| document().active_element().as_deref() == Some(stop.as_ref()));
            set_outcome.try_set(Some(outcome));
            set_pending.try_set(false);
            if on_stop {
                request_animation_frame(move || {
                    if let Some(send) = send_ref.get_untracked() {
                        let _ = send.focus();
                    }
                });
            }
        });
    };

    let options = ApiMethod::ALL
        .into_iter()
        .map(|m| view! { <option value=m.as_str() selected=move || method.get() == m>{m.as_str()}</option> })
        .collect_view();

    let result = move || {
        outcome.get().map(|outcome| match outcome {
            Ok(res) => {
                let tone = status_tone(res.status);
                let note = res
                    .retried_after_refresh
                    .then_some(" · retried after renewing the session");
                let ctype = res.content_type.clone().unwrap_or_default();
                view! {
                    <div class="api-result">
                        <p class="api-status">
                            <span class=format!("status-pill {tone}")>{status_line(&res)}</span>
                            <span class="muted">{ctype}{note}</span>
                        </p>
                        // Focusable so a keyboard can scroll a long body; a named region, since
                        // a bare <pre> may not carry a label (ARIA prohibits it on generic roles).
                        <pre class="api-body" tabindex="0" role="region" aria-label="Response body"><code>{res.body}</code></pre>
                    </div>
                }
                .into_any()
            }
            Err(sentence) => view! {
                <div class="notice notice-error" role="alert">
                    <p class="notice-reason">{sentence}</p>
                </div>
            }
            .into_any(),
        })
    };

    let Some(base) = api_base else {
        return view! {
            <section class="card" aria-labelledby="api-title">
                <h2 id="api-title">"API console"</h2>
                <p class="muted">
                    "This provider has no "<code>"api_base"</code>" in /latchkey.json, so there is no API to call."
                </p>
            </section>
        }
        .into_any();
    };

    view! {
        <section class="card" aria-labelledby="api-title">
            <h2 id="api-title">"API console"</h2>
            <p class="muted">"Requests go to "<code class="wrap-anywhere">{base}</code>" with your access token."</p>
            <form class="api-form" on:submit=on_submit>
                <div class="api-row">
                    <label class="field field-method">
                        <span>"Method"</span>
                        <select on:change=move |ev| {
                            if let Some(m) = ApiMethod::parse(&event_target_value(&ev)) {
                                set_method.set(m);
                            }
                        }>{options}</select>
                    </label>
                    <label class="field field-path">
                        <span>"Path"</span>
                        <input
                            type="text"
                            spellcheck="false"
                            autocomplete="off"
                            prop:value=move || path.get()
                            on:input=move |ev| set_path.set(event_target_value(&ev))
                        />
                    </label>
                    <button type="submit" class="button" node_ref=send_ref disabled=move || pending.get()>
                        {move || if pending.get() { "Sending…" } else { "Send" }}
                    </button>
                    <button
                        type="button"
                        class="button-secondary"
                        node_ref=stop_ref
                        hidden=move || !pending.get()
                        on:click=move |_| call_off(Cut::Stopped)
                    >
                        "Stop"
                    </button>
                </div>
                {move || method.get().has_body().then(|| view! {
                    <label class="field">
                        <span>"Body (sent as JSON when it parses as JSON)"</span>
                        <textarea
                            rows="4"
                            spellcheck="false"
                            prop:value=move || body.get()
                            on:input=move |ev| set_body.set(event_target_value(&ev))
                        ></textarea>
                    </label>
                })}
            </form>
            <div aria-live="polite">{result}</div>
        </section>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(status: u16, text: &str) -> ApiResult {
        ApiResult {
            status,
            status_text: text.to_owned(),
            content_type: None,
            body: String::new(),
            retried_after_refresh: false,
        }
    }

    #[test]
    fn status_line_omits_a_missing_reason_phrase() {
        assert_eq!(status_line(&result(200, "OK")), "200 OK");
        assert_eq!(status_line(&result(404, "")), "404");
    }

    #[test]
    fn a_call_without_an_answer_is_not_said_to_be_unmade() {
        let offline = ApiError::Network {
            reason: "fetch /api/me: TypeError: Failed to fetch".into(),
        };
        assert_eq!(
            failure_sentence(&offline, "/me", None),
            "The call got no answer: fetch /api/me: TypeError: Failed to fetch."
        );
        assert_eq!(
            failure_sentence(&ApiError::NotSignedIn, "/me", None),
            format!("The call was not made: {}.", ApiError::NotSignedIn)
        );
    }

    #[test]
    fn a_call_the_console_stopped_says_who_stopped_it() {
        assert_eq!(
            failure_sentence(&ApiError::Aborted, "/slow", Some(Cut::TimedOut)),
            "The call to /slow got no answer within 15 seconds, so the console stopped it."
        );
        assert_eq!(
            failure_sentence(&ApiError::Aborted, "/slow", Some(Cut::Stopped)),
            "You stopped the call to /slow."
        );
    }

    #[test]
    fn errors_and_successes_get_different_tones() {
        assert_eq!(status_tone(204), "tone-ok");
        assert_eq!(status_tone(401), "tone-error");
        assert_eq!(status_tone(503), "tone-error");
    }
}
