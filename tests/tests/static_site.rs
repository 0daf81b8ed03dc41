//! The embed on a plain static site under a base path (`examples/static-site`, served at
//! `/blog/`), against the real DOT (OIDC with refresh) and the real Flask-OAuthlib provider
//! (OAuth 1.0a through the companion), in headless Chromium (issue "Latchkey on any static
//! page").

use latchkey_e2e::browser::Browser;
use latchkey_e2e::flows::{dot_login_to_consent, dot_to_consent, sign_in_label};
use latchkey_e2e::providers::{query_param, sign_in_values};
use latchkey_e2e::static_site::{dts_members, unexpected_console_errors, Site, SiteOptions};
use latchkey_e2e::{DEMO_USER, DOT_ID, DOT_NAME, FLASK_ID, FLASK_NAME};

/// Adds `<latchkey-signin provider="…">` for DOT and for Flask to the page (elements added
/// after load render too), waits until both have rendered their provider's button, and
/// returns their texts, DOT's first.
async fn scoped_signin_texts(b: &Browser) -> (String, String) {
    b.js(
        "for (const id of arguments) {
           if (document.querySelector(`latchkey-signin[provider='${id}']`)) continue;
           const el = document.createElement('latchkey-signin');
           el.setAttribute('provider', id);
           document.body.append(el);
         }
         return null;",
        vec![DOT_ID.into(), FLASK_ID.into()],
    )
    .await;
    let text = |id: &'static str| async move {
        b.js(
            "return document.querySelector(`latchkey-signin[provider='${arguments[0]}']`).textContent;",
            vec![id.into()],
        )
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned()
    };
    b.wait_until("the scoped sign-in elements", || async {
        text(DOT_ID).await.contains(DOT_NAME) && text(FLASK_ID).await.contains(FLASK_NAME)
    })
    .await;
    (text(DOT_ID).await, text(FLASK_ID).await)
}

/// On a page of the site: "Sign in with Django OAuth Toolkit", DOT's login and consent.
async fn dot_sign_in_from(site: &Site) {
    dot_to_consent(&site.browser, &site.dot.base_url()).await;
    site.browser.click_button("Authorize").await;
}

async fn call_api(site: &Site) -> String {
    let b = &site.browser;
    b.js(
        "document.getElementById('api-answer').textContent = ''; return null;",
        vec![],
    )
    .await;
    b.click_button("Call the API").await;
    b.wait_until("the API answer", || async {
        let text = b
            .js(
                "return document.getElementById('api-answer').textContent;",
                vec![],
            )
            .await;
        text.as_str()
            .is_some_and(|t| t.starts_with("HTTP") || t.starts_with("latchkey"))
    })
    .await;
    b.js(
        "return document.getElementById('api-answer').textContent;",
        vec![],
    )
    .await
    .as_str()
    .unwrap_or_default()
    .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dot_sign_in_returns_to_the_page_and_every_page_and_tab_is_signed_in_until_sign_out() {
    let site = Site::start(SiteOptions::default()).await;
    let b = &site.browser;
    // Page A, with a query and a fragment the return must keep.
    let page_a = site.page("api.html?from=test#account");
    b.goto(&page_a).await;
    b.wait_until("the DOT sign-in button", || async {
        b.has_button(&sign_in_label(DOT_NAME)).await
    })
    .await;
    assert_eq!(site.user_name().await, None);
    b.assert_console_quiet("the site's page").await;
    dot_sign_in_from(&site).await;
    site.wait_for_user(DEMO_USER).await;
    assert_eq!(
        b.url().await,
        page_a,
        "back on page A, query and fragment kept"
    );
    assert!(b.has_button("Sign out").await);
    assert!(!b.has_button(&sign_in_label(DOT_NAME)).await);

    // The running embed is what latchkey.d.ts says: the same members, methods as functions,
    // and a user with every required member and none the types do not name.
    let promised = dts_members("Latchkey");
    let shape = b
        .js(
            "const api = window.latchkey;\
             return [Object.getOwnPropertyNames(api).sort(),\
               Object.getOwnPropertyNames(api).filter(k => typeof api[k] === 'function').sort(),\
               api.ready instanceof Promise, Object.keys(api.user).sort()];",
            vec![],
        )
        .await;
    let names = |members: &[(String, bool, bool)], keep: fn(&(String, bool, bool)) -> bool| {
        let mut names: Vec<String> = members
            .iter()
            .filter(|m| keep(m))
            .map(|m| m.0.clone())
            .collect();
        names.sort();
        serde_json::json!(names)
    };
    assert_eq!(
        shape[0],
        names(&promised, |_| true),
        "window.latchkey's members"
    );
    assert_eq!(shape[1], names(&promised, |m| m.2), "its methods");
    assert_eq!(shape[2], true, "ready is a Promise");
    let user = dts_members("LatchkeyUser");
    let keys: Vec<&str> = shape[3]
        .as_array()
        .map(|a| a.iter().filter_map(|k| k.as_str()).collect())
        .unwrap_or_default();
    for (name, optional, _) in &user {
        assert!(
            *optional || keys.contains(&name.as_str()),
            "user.{name} is missing: {keys:?}"
        );
    }
    for key in &keys {
        assert!(
            user.iter().any(|m| m.0 == *key),
            "user.{key} is not in latchkey.d.ts"
        );
    }

    // The API answers as the person.
    let answer = call_api(&site).await;
    // The status text is the one the server sent (HTTP/1.1's reason phrase), passed on.
    assert!(answer.starts_with("HTTP 200 OK\n"), "{answer}");
    assert!(answer.contains(&format!("\"{DEMO_USER}\"")), "{answer}");
    // The `Response` carries the API's headers the page may read, not only the client's own.
    let headers = b
        .js_async(
            "const done = arguments[arguments.length - 1];\
             window.latchkey.fetch('me').then(async r => done([r.headers.get('content-type'),\
               r.headers.get('content-length'), (await r.arrayBuffer()).byteLength]),\
               e => done(String(e)));",
            vec![],
        )
        .await;
    assert_eq!(headers[0], "application/json", "{headers}");
    assert_eq!(
        headers[1].as_str().and_then(|n| n.parse::<u64>().ok()),
        headers[2].as_u64(),
        "Content-Length, as the API sent it: {headers}"
    );

    // A full load of page B is still signed in.
    b.goto(&site.page("")).await;
    site.wait_for_user(DEMO_USER).await;
    assert!(b
        .text()
        .await
        .contains(&format!("Welcome back, {DEMO_USER}")));

    // A second tab (browser storage) is signed in too; signing out there reaches the first.
    let first = b.current_tab().await;
    let second = b.new_tab().await;
    b.switch_to(&second).await;
    b.goto(&site.page("")).await;
    site.wait_for_user(DEMO_USER).await;
    b.click_button("Sign out").await;
    b.wait_until("the second tab to sign out", || async {
        b.has_button(&sign_in_label(DOT_NAME)).await
    })
    .await;
    b.switch_to(&first).await;
    b.wait_until("the first tab to hear the sign-out", || async {
        site.user_name().await.is_none() && b.has_button(&sign_in_label(DOT_NAME)).await
    })
    .await;
    assert!(!b.text().await.contains("Welcome back"));
    assert_eq!(unexpected_console_errors(b).await, Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oauth1_sign_in_through_the_companion_returns_to_the_page_and_the_api_answers() {
    let site = Site::start(SiteOptions::default()).await;
    let b = &site.browser;
    site.sign_in_with_flask_on("api.html").await;
    assert_eq!(b.url().await, site.page("api.html"));
    let answer = call_api(&site).await;
    assert!(answer.starts_with("HTTP 200 OK\n"), "{answer}");
    assert!(answer.contains(DEMO_USER), "{answer}");
    // A URL outside the provider's api_base is refused in words, and nothing is sent.
    let refused = b
        .js_async(
            "const done = arguments[arguments.length - 1];\
             window.latchkey.fetch('https://elsewhere.example/steal')\
               .then(() => done('sent'), e => done(e.message));",
            vec![],
        )
        .await;
    let refused = refused.as_str().unwrap_or_default();
    assert!(refused.starts_with("latchkey.fetch: "), "{refused}");
    assert!(refused.contains("elsewhere.example"), "{refused}");
    assert_eq!(unexpected_console_errors(b).await, Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_denied_sign_in_and_a_tampered_callback_are_shown_in_words_and_store_nothing() {
    let site = Site::start(SiteOptions::default()).await;
    let b = &site.browser;

    // A callback this browser never started.
    b.goto(&site.page("callback.html?code=forged&state=never-issued"))
        .await;
    b.wait_until("the refusal in words", || async {
        b.text().await.contains("Nothing was signed in")
    })
    .await;
    assert_eq!(site.user_name().await, None);
    // Nothing to try again: the page offers its sign-in buttons.
    assert!(!b.has_button("Try again").await);
    // About no provider in particular: an element scoped to either one says it too.
    let (dot, flask) = scoped_signin_texts(b).await;
    assert!(dot.contains("Nothing was signed in"), "{dot}");
    assert!(flask.contains("Nothing was signed in"), "{flask}");
    let storage = b.storage().await.to_string();
    assert!(!storage.contains("latchkey.session."), "{storage}");
    assert!(!storage.contains("latchkey.refresh."), "{storage}");

    // Denied at DOT, from the API page.
    b.goto(&site.page("api.html")).await;
    dot_to_consent(b, &site.dot.base_url()).await;
    b.click_button("Cancel").await;
    b.wait_for_text(&format!("You cancelled sign-in at {DOT_NAME}."))
        .await;
    assert!(b.url().await.starts_with(&site.page("callback.html")));
    assert!(
        !b.url().await.contains("state="),
        "the state left the address bar"
    );
    let error = site.last_error().await.unwrap_or_default();
    assert!(error.contains("cancelled"), "{error}");
    assert_eq!(site.user_name().await, None);
    // An element scoped to DOT says the denial and offers "Try again"; one scoped to Flask
    // offers only its own button.
    let (dot, flask) = scoped_signin_texts(b).await;
    assert!(
        dot.contains("You cancelled sign-in") && dot.contains("Try again"),
        "{dot}"
    );
    assert_eq!(flask.trim(), format!("Sign in with {FLASK_NAME}"));
    // "Try again" under the words starts sign-in with DOT afresh, twice (the second time as
    // a page with its own UI would, through `latchkey.retry()`), and the sign-in that
    // succeeds returns to the API page, where the first one began.
    b.screenshot("denied-try-again").await;
    b.click_button("Try again").await;
    dot_login_to_consent(b, &site.dot.base_url()).await;
    b.click_button("Cancel").await;
    b.wait_for_text(&format!("You cancelled sign-in at {DOT_NAME}."))
        .await;
    let retry = "return window.latchkey.retry();";
    assert_eq!(b.js(retry, vec![]).await, true, "retry() after the denial");
    dot_login_to_consent(b, &site.dot.base_url()).await;
    b.click_button("Authorize").await;
    b.wait_until("signed in, back on the API page", || async {
        b.url().await.starts_with(&site.page("api.html"))
            && site.user_name().await.as_deref() == Some(DEMO_USER)
    })
    .await;
    // Signed in, with no failure: nothing to retry.
    assert_eq!(b.js(retry, vec![]).await, false, "retry() with no failure");
    assert_eq!(unexpected_console_errors(b).await, Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_latchkey_json_is_said_in_words_and_nothing_throws() {
    let site = Site::start(SiteOptions {
        write_config: false,
        ..SiteOptions::default()
    })
    .await;
    let b = &site.browser;
    let error = site.front_page_error().await;
    assert!(error.contains("latchkey.json"), "{error}");
    assert!(b.text().await.contains("Sign-in is not available"));
    // A sign-in attempt now is refused in words, not with an exception.
    b.js("window.latchkey.signIn('dot'); return null;", vec![])
        .await;
    // Chromium reports the 404 itself; anything else would be an exception or a panic.
    let errors: Vec<String> = unexpected_console_errors(b)
        .await
        .into_iter()
        .filter(|e| !(e.starts_with("[network]") && e.contains("/latchkey.json")))
        .collect();
    assert_eq!(errors, Vec::<String>::new());
    // The sign-in element says what is wrong, in place of buttons.
    assert!(!b.has_button(&sign_in_label(DOT_NAME)).await);
}

/// Issue 16 §5: a `latchkey.json` that reads as JSON but is wrong (here two providers with one
/// id, which would make every sign-in's answer and session ambiguous) is said in words, with
/// where in the file; nothing throws, and no sign-in is offered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_latchkey_json_giving_two_providers_one_id_is_said_in_words_and_nothing_throws() {
    let site = Site::start(SiteOptions {
        edit_config: Some(|json| json["providers"][1]["id"] = DOT_ID.into()),
        ..SiteOptions::default()
    })
    .await;
    let b = &site.browser;
    let error = site.front_page_error().await;
    let problem = format!(
        "providers[1].id is \"{DOT_ID}\", which is also the id of providers[0]; each provider \
         needs its own"
    );
    assert!(error.contains(&problem), "{error}");
    b.wait_until("the sign-in element's words", || async {
        b.text().await.contains(&problem)
    })
    .await;
    assert!(!b.has_button(&sign_in_label(DOT_NAME)).await);
    assert!(!b.has_button(&sign_in_label(FLASK_NAME)).await);
    // What to do fits this problem: nothing about fields that are not allowed.
    assert!(
        error.ends_with("Fix the file and reload this page."),
        "{error}"
    );
    b.screenshot("config-duplicate-id").await;
    latchkey_e2e::accessibility::assert_accessible(
        b,
        "the site with a latchkey.json it cannot use",
    )
    .await;
    assert_eq!(unexpected_console_errors(b).await, Vec::<String>::new());
}

/// Issue 18: the provider's `authorize_params` and a call's `loginHint` / `prompt` reach the
/// provider's authorization request, and DOT signs the person in with them. A sign-in older
/// than the site's `max_age`, asked for again with `prompt=login`, keeps the call's hint.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_sends_the_providers_authorize_params_and_the_calls_hints() {
    let site = Site::start(SiteOptions {
        dot_authorize_params: &[
            ("ui_locales", "fr"),
            ("prompt", "consent"),
            ("max_age", "600"),
        ],
        ..SiteOptions::default()
    })
    .await;
    let b = &site.browser;
    b.goto(&site.page("")).await;
    b.wait_until("the embed's API", || async {
        b.js("return !!window.latchkey;", vec![]).await == serde_json::json!(true)
    })
    .await;
    b.js_async(
        "const done = arguments[0]; latchkey.ready.then(() => done(null));",
        vec![],
    )
    .await;
    b.js(
        "latchkey.signIn('dot', {loginHint: 'demo@example.test', prompt: 'login'}); return null;",
        vec![],
    )
    .await;
    b.wait_for_url(&site.dot.base_url()).await;
    // The authorization request as DOT received it (its request log; DOT drops `prompt=login`
    // from the login page's `next` once it has asked for the password).
    let params = site
        .dot
        .authorize_requests()
        .into_iter()
        .next()
        .expect("DOT logged the request");
    let hint = Some("demo@example.test");
    assert_eq!(query_param(&params, "login_hint"), hint, "{params:?}");
    assert_eq!(query_param(&params, "ui_locales"), Some("fr"), "{params:?}");
    // The call's prompt replaced the provider's, and appears once.
    assert_eq!(query_param(&params, "prompt"), Some("login"), "{params:?}");
    assert_eq!(params.iter().filter(|(k, _)| k == "prompt").count(), 1);
    let log_in_and_authorize = || async {
        b.fill("#id_username", DEMO_USER).await;
        b.fill("#id_password", latchkey_e2e::DEMO_PASSWORD).await;
        b.click_button("Sign in").await;
        b.find("#authorizationForm").await;
        b.click_button("Authorize").await;
        site.wait_for_user(DEMO_USER).await;
    };
    log_in_and_authorize().await;

    // Two hours later at DOT, the site asks again with a hint and no prompt of its own: DOT
    // only asks for consent, and answers with that old sign-in. The client asks once more with
    // prompt=login, and with the same hint.
    site.dot.backdate_login(DEMO_USER, 7200);
    b.js(
        "latchkey.signIn('dot', {loginHint: 'demo@example.test'}); return null;",
        vec![],
    )
    .await;
    b.wait_for_url(&site.dot.base_url()).await;
    b.find("#authorizationForm").await;
    b.click_button("Authorize").await;
    b.wait_until("DOT's login form after prompt=login", || async {
        b.exists("#login-form").await
    })
    .await;
    let sent = site.dot.authorize_requests();
    let again = sent.last().expect("DOT logged the request asked again");
    assert_eq!(query_param(again, "prompt"), Some("login"), "{again:?}");
    assert_eq!(query_param(again, "max_age"), Some("600"), "{again:?}");
    assert_eq!(query_param(again, "login_hint"), hint, "{again:?}");
    log_in_and_authorize().await;

    // Each of the three sign-ins drew its own state, nonce and PKCE verifier from the browser
    // (RFC 9700 §2.1.1, §4.5.3).
    let flows = sign_in_values(&site.dot.authorize_requests());
    assert_eq!(
        flows.len(),
        3,
        "three sign-ins, one set of values each: {flows:?}"
    );
    for (i, a) in flows.iter().enumerate() {
        assert!(
            a.iter().all(|v| v.len() >= 43),
            "32 random bytes or more: {a:?}"
        );
        for b in &flows[i + 1..] {
            assert!(
                (0..3).all(|k| a[k] != b[k]),
                "two sign-ins share a value: {a:?} {b:?}"
            );
        }
    }
}

/// Issue 16 §5: a provider that answers HTML, or nothing, when the embed asks for its sign-in
/// settings: words in `lastError`, on the console and in `<latchkey-signin>`; no exception,
/// nothing stored, and the page still offers the buttons.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_answering_html_or_nothing_is_said_in_words_and_nothing_is_stored() {
    use latchkey_e2e::{Fault, FaultProxy};
    // A proxy named as DOT's issuer, which answers without asking anyone.
    let mut proxy = FaultProxy::start(FaultProxy::addr_of("http://127.0.0.1:9")).await;
    proxy.set(Fault::Html).await;
    let site = Site::start(SiteOptions {
        dot_issuer: Some(format!("{}/o", proxy.url())),
        ..SiteOptions::default()
    })
    .await;
    let b = &site.browser;
    for (fault, expected) in [
        (Fault::Html, "sign-in settings"),
        (Fault::Down, "Could not reach Django OAuth Toolkit"),
    ] {
        proxy.set(fault).await;
        b.goto(&site.page("")).await;
        b.wait_until("the embed's API", || async {
            b.js("return !!window.latchkey;", vec![]).await == serde_json::json!(true)
        })
        .await;
        b.click_button(&sign_in_label(DOT_NAME)).await;
        b.wait_until(&format!("lastError after {fault:?}"), || async {
            site.last_error().await.is_some()
        })
        .await;
        let error = site.last_error().await.unwrap_or_default();
        assert!(error.contains(expected), "{fault:?}: {error}");
        assert!(!error.to_ascii_lowercase().contains("<html"), "{error}");
        let element = b
            .js(
                "return document.querySelector('latchkey-signin').innerText;",
                vec![],
            )
            .await;
        let element = element.as_str().unwrap_or_default();
        assert!(
            element.contains(expected),
            "{fault:?}: the element says {element:?}"
        );
        assert!(
            b.has_button(&sign_in_label(DOT_NAME)).await,
            "the buttons are still there"
        );
        let console = b.console_errors().await;
        assert!(
            console
                .iter()
                .any(|e| e.message.contains("latchkey: ") && e.message.contains(expected)),
            "{fault:?}: the console says it: {console:?}"
        );
        assert!(
            !console.iter().any(|e| e.message.contains("Uncaught")),
            "{console:?}"
        );
        let stored = b.all_stored_text().await;
        assert!(
            !stored.contains("latchkey.flow"),
            "{fault:?}: a half-done flow is stored: {stored}"
        );
        assert!(
            !b.url().await.starts_with(&proxy.url()),
            "the page never left"
        );
    }
}

/// A renewal that gets no answer while the person is signed in keeps the session and says
/// so where a signed-in visitor looks: the `<latchkey-signin>` of the signed-in card shows
/// the words and "Try again", which renews the session once DOT answers again. A device that
/// was offline renews by itself when it is back online.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_renewal_without_an_answer_while_signed_in_is_shown_and_try_again_renews() {
    use latchkey_e2e::accessibility::assert_accessible;
    use latchkey_e2e::Fault;
    let mut site = Site::start(SiteOptions {
        dot_behind_proxy: true,
        dot_access_token_seconds: 10,
        ..SiteOptions::default()
    })
    .await;
    let mut proxy = site.dot_proxy.take().expect("DOT behind the proxy");
    let b = &site.browser;
    b.goto(&site.page("")).await;
    dot_to_consent(b, &proxy.url()).await;
    b.click_button("Authorize").await;
    site.wait_for_user(DEMO_USER).await;

    // DOT goes away before the timer renews the 10-second token (5 s before it runs out).
    proxy.set(Fault::Down).await;
    let alert = "[data-latchkey-signed-in] latchkey-signin .latchkey-error[role=alert]";
    b.wait_until("the renewal's failure in the signed-in card", || async {
        b.exists(alert).await
    })
    .await;
    let words = b.find(alert).await.text().await.unwrap_or_default();
    assert!(
        words.starts_with("Your session could not be renewed. "),
        "{words}"
    );
    assert!(words.contains("Your session is kept"), "{words}");
    assert_eq!(site.last_error().await.as_deref(), Some(words.as_str()));
    assert_eq!(
        site.user_name().await.as_deref(),
        Some(DEMO_USER),
        "still signed in"
    );
    assert!(!b.has_button(&sign_in_label(DOT_NAME)).await);
    assert_accessible(b, "the embed, a renewal without an answer while signed in").await;
    b.screenshot("renewal-kept-signed-in").await;

    proxy.set(Fault::PassThrough).await;
    b.click_button("Try again").await;
    b.wait_until("the renewal, and the words gone", || async {
        !b.exists(alert).await && site.last_error().await.is_none()
    })
    .await;
    assert_eq!(site.user_name().await.as_deref(), Some(DEMO_USER));

    // The device loses its network before the next renewal, and the renewal fails; when the
    // network comes back (the window's `online` event), the kept session is renewed with no
    // press.
    b.set_offline(true).await;
    b.wait_until("the renewal's failure while offline", || async {
        b.exists(alert).await
    })
    .await;
    let words = site.last_error().await.unwrap_or_default();
    assert!(words.contains("Your session is kept"), "{words}");
    b.set_offline(false).await;
    b.wait_until("the session renewed once online, with no press", || async {
        !b.exists(alert).await && site.last_error().await.is_none()
    })
    .await;
    assert_eq!(site.user_name().await.as_deref(), Some(DEMO_USER));

    b.goto(&site.page("api.html")).await;
    site.wait_for_user(DEMO_USER).await;
    let answer = call_api(&site).await;
    assert!(answer.starts_with("HTTP 200 OK\n"), "{answer}");
}
