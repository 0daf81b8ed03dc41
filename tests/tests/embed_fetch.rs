//! `latchkey.fetch` takes what `window.fetch` takes (issue "Latchkey on any static page"): every
//! kind of body, a `Request`'s own included, with the type the browser gives it, and an
//! `AbortSignal`. The embed on the example site, signed in at the real Flask-OAuthlib
//! provider (OAuth 1.0a through the companion), whose API answers with the method, the form
//! pairs and the `Content-Type` it got.

use latchkey_e2e::static_site::{unexpected_console_errors, Site, SiteOptions};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_of_every_kind_methods_and_abort_signals_work_as_with_window_fetch() {
    let site = Site::start(SiteOptions::default()).await;
    let b = &site.browser;
    site.sign_in_with_flask_on("api.html").await;
    let flask = site.flask.base_url();

    // A body as window.fetch takes it reaches the API whole, with the type the browser gives
    // it: a multipart form in `init.body` (its boundary is only in that type), and a
    // URL-encoded form inside a `Request` given as `input`, whose pairs the companion signs
    // (RFC 5849 §3.4.1.3.1) and Flask checks.
    let posted = b
        .js_async(
            "const [api, done] = [arguments[0], arguments[arguments.length - 1]];\
             const pairs = [['a', '1'], ['b', 'two words']];\
             const multipart = new FormData();\
             for (const [k, v] of pairs) multipart.append(k, v);\
             Promise.all([\
               window.latchkey.fetch('me', {method: 'POST', body: multipart}),\
               window.latchkey.fetch(new Request(api + 'me',\
                 {method: 'POST', body: new URLSearchParams(pairs)})),\
             ].map((p) => p.then((r) => r.json()))).then(done, (e) => done(String(e)));",
            vec![format!("{flask}/api/").into()],
        )
        .await;
    let posted = posted
        .as_array()
        .cloned()
        .unwrap_or_else(|| panic!("{posted}"));
    assert_eq!(posted.len(), 2, "{posted:?}");
    for (answer, content_type) in posted.iter().zip([
        "multipart/form-data; boundary=",
        "application/x-www-form-urlencoded",
    ]) {
        assert_eq!(answer["method"], "POST", "{answer}");
        assert_eq!(
            answer["form"],
            serde_json::json!([["a", "1"], ["b", "two words"]]),
            "{answer}"
        );
        assert!(
            answer["content_type"]
                .as_str()
                .is_some_and(|t| t.starts_with(content_type)),
            "{answer}"
        );
    }
    // A parameter named like a protocol parameter in the page's own query or form is for the
    // signed header alone (RFC 5849 §3.5): the companion answers 400 in words, as
    // docs/embed.md says, and Flask is not asked.
    let asked = site.flask.request_count();
    let refused = b
        .js_async(
            "const done = arguments[arguments.length - 1];\
             Promise.all([\
               window.latchkey.fetch('me?oauth_token=someone-else'),\
               window.latchkey.fetch('me', {method: 'POST',\
                 body: new URLSearchParams([['oauth_verifier', 'v']])}),\
             ].map((p) => p.then(async (r) => [r.status, (await r.json()).message])))\
               .then(done, (e) => done(String(e)));",
            vec![],
        )
        .await;
    let refused: Vec<(u16, String)> =
        serde_json::from_value(refused.clone()).unwrap_or_else(|_| panic!("{refused}"));
    for ((status, words), place) in refused.iter().zip(["query", "form body"]) {
        assert_eq!(*status, 400, "{words}");
        assert!(
            words.contains(&format!("the request's {place} carries `oauth_")),
            "{words}"
        );
    }
    assert_eq!(site.flask.request_count(), asked, "Flask was asked");

    // A signal stops a call as it stops window.fetch: one already aborted (in `init` or in
    // a `Request`) and one aborted while the call runs reject with its reason; an unused one
    // changes nothing; something that is not a signal is refused.
    let settled = b
        .js_async(
            "const [api, done] = [arguments[0], arguments[arguments.length - 1]];\
             const before = new AbortController(); before.abort();\
             const inRequest = new AbortController(); inRequest.abort();\
             const during = new AbortController();\
             const running = window.latchkey.fetch('me', {signal: during.signal});\
             during.abort(new Error('the page moved on'));\
             Promise.allSettled([\
               window.latchkey.fetch('me', {signal: before.signal}),\
               window.latchkey.fetch(new Request(api + 'me', {signal: inRequest.signal})),\
               running,\
               window.latchkey.fetch('me', {signal: new AbortController().signal}),\
               window.latchkey.fetch('me', {signal: 'stop'}),\
             ]).then((all) => done(all.map((r) => r.status === 'fulfilled'\
               ? r.value.status : `${r.reason.name}: ${r.reason.message}`)));",
            vec![format!("{flask}/api/").into()],
        )
        .await;
    let settled: Vec<serde_json::Value> = serde_json::from_value(settled).expect("five results");
    assert!(
        settled[0]
            .as_str()
            .is_some_and(|r| r.starts_with("AbortError")),
        "{settled:?}"
    );
    assert!(
        settled[1]
            .as_str()
            .is_some_and(|r| r.starts_with("AbortError")),
        "{settled:?}"
    );
    assert_eq!(settled[2], "Error: the page moved on", "{settled:?}");
    assert_eq!(settled[3], 200, "{settled:?}");
    // Something else given as a signal is refused in words, as `fetch` refuses it.
    assert_eq!(
        settled[4], "Error: latchkey.fetch: init.signal is not an AbortSignal",
        "{settled:?}"
    );

    // An abort cancels the request itself, as with window.fetch (here while the body is
    // coming, which then fails to read): the companion's proxy drops its own request to
    // Flask, whose slow answer (five seconds) stops half way.
    let aborted = b
        .js_async(
            "const done = arguments[arguments.length - 1];\
             const stop = new AbortController();\
             window.latchkey.fetch('slow', {signal: stop.signal}).then((r) => r.text())\
               .then(() => done('read whole'), (e) => done(e.name));\
             setTimeout(() => stop.abort(), 800);",
            vec![],
        )
        .await;
    assert_eq!(aborted, "AbortError");
    let slow = site.flask.slow_answers(1).await;
    assert!(
        slow[0].starts_with("the client went away after"),
        "Flask's slow answer was not cancelled: {slow:?}"
    );

    // The body comes as it comes, as with window.fetch: the page reads the first line of a
    // ten-second answer and stops reading, and Flask sees it go before the end.
    let first = b
        .js_async(
            "const done = arguments[arguments.length - 1];\
             window.latchkey.fetch('slow?seconds=10').then(async (r) => {\
               const reader = r.body.getReader();\
               const {value} = await reader.read();\
               await reader.cancel();\
               done(new TextDecoder().decode(value).split('\\n')[0]);\
             }, (e) => done(String(e)));",
            vec![],
        )
        .await;
    assert_eq!(first, "line 1");
    let slow = site.flask.slow_answers(2).await;
    assert!(
        slow[1].starts_with("the client went away after"),
        "the answer was read whole before the page saw its first line: {slow:?}"
    );
    // Without a signal, an answer slower than the client's own requests may be (15 s) comes
    // whole, as with window.fetch: an upload or an export takes what it takes.
    let patient = b
        .js_async(
            "const done = arguments[arguments.length - 1];\
             window.latchkey.fetch('slow?seconds=16').then((r) => r.text())\
               .then((t) => done(t.trim().split('\\n').pop()), (e) => done(String(e)));",
            vec![],
        )
        .await;
    assert_eq!(patient, "line 160");

    // HEAD and OPTIONS go as they are (HEAD signed by the companion and checked by Flask);
    // a HEAD with a body is refused, as `fetch` refuses it.
    let methods = b
        .js_async(
            "const done = arguments[arguments.length - 1];\
             const shown = (r) => r.text().then((t) => [r.status, r.headers.get('content-type'), t]);\
             Promise.allSettled([\
               window.latchkey.fetch('me', {method: 'HEAD'}).then(shown),\
               window.latchkey.fetch('me', {method: 'options'}).then((r) => [r.status, r.headers.get('allow')]),\
               window.latchkey.fetch('me', {method: 'HEAD', body: 'x'}),\
             ]).then((all) => done(all.map((r) => r.status === 'fulfilled'\
               ? r.value : `${r.reason.name}: ${r.reason.message}`)));",
            vec![],
        )
        .await;
    assert_eq!(
        methods[0],
        serde_json::json!([200, "application/json", ""]),
        "{methods}"
    );
    assert_eq!(methods[1][0], 200, "{methods}");
    assert_eq!(
        methods[2], "Error: latchkey.fetch: a HEAD request cannot have a body",
        "{methods}"
    );
    // Chromium logs each answer of 400 or more; the two refusals above are this test's own.
    let unexpected: Vec<String> = unexpected_console_errors(b)
        .await
        .into_iter()
        .filter(|e| !e.contains("/oauth1/flask/api/me") || !e.contains("status of 400"))
        .collect();
    assert_eq!(unexpected, Vec::<String>::new());
}
