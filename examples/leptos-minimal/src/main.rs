//! The smallest Leptos app with Latchkey: sign-in buttons, a greeting, one API call.
//! `README.md` beside this file walks through it.

use latchkey_leptos::{
    provide_latchkey, use_latchkey, FetchInit, SignInButtons, SignOutButton, SignedIn, SignedOut,
    UserBadge,
};
use leptos::prelude::*;

/// The allocator: talc rather than Rust's default dlmalloc, 7 KB of wasm less for the same
/// work (docs/notes/embed-size.md, "A smaller allocator").
#[cfg(all(target_family = "wasm", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

#[component]
fn App() -> impl IntoView {
    // Loads /latchkey.json, finishes a sign-in the provider sent back to any page, and
    // restores a stored session.
    provide_latchkey("/latchkey.json");
    view! {
        <main>
            <h1>"Latchkey with Leptos"</h1>
            <SignedOut>
                <p>"Sign in with an account you already have."</p>
            </SignedOut>
            // The buttons while signed out; signed in, a problem with the session, if any.
            <SignInButtons/>
            <SignedIn>
                <p class="who"><UserBadge/><SignOutButton/></p>
                <Greeting/>
                <ApiCall/>
            </SignedIn>
        </main>
    }
}

#[component]
fn Greeting() -> impl IntoView {
    let latchkey = use_latchkey();
    let name = move || latchkey.user().get().map(|user| user.name);
    view! { <p id="greeting">"Hello, " {name} "!"</p> }
}

/// One call to the provider's API (`<api_base>me`), with the session's access token.
#[component]
fn ApiCall() -> impl IntoView {
    let latchkey = use_latchkey();
    let (answer, set_answer) = signal(String::new());
    let call = move |_| {
        set_answer.set("Calling…".to_owned());
        leptos::task::spawn_local(async move {
            let text = match latchkey.fetch("me", FetchInit::default()).await {
                Ok(answer) => {
                    let status = answer.response.status();
                    let body = String::from_utf8_lossy(answer.response.body()).into_owned();
                    format!("HTTP {} {}\n{body}", status.as_u16(), answer.status_text())
                }
                Err(e) => e.to_string(),
            };
            set_answer.set(text);
        });
    };
    view! {
        <button type="button" on:click=call>"Call the API"</button>
        <pre id="api-answer" aria-live="polite">{answer}</pre>
    }
}

fn main() {
    leptos::mount::mount_to_body(App);
}
