//! The fault proxy against a tiny upstream of its own: each fault does what it says.

use super::*;

/// A tiny upstream that answers every request with a fixed JSON body and closes.
async fn upstream(body: &'static str) -> SocketAddr {
    let l = bind(0).unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut s, _)) = l.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let _ = read_request(&mut s).await;
                let msg = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\
                     Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = s.write_all(msg.as_bytes()).await;
                let _ = s.shutdown().await;
            });
        }
    });
    addr
}

async fn get(url: &str) -> Result<(u16, String), String> {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    let resp = http
        .get(url)
        .header("Origin", "http://app.example")
        .send()
        .await
        .map_err(|e| format!("send (timeout: {}): {e}", e.is_timeout()))?;
    let status = resp.status().as_u16();
    let body = resp.text().await.map_err(|e| format!("body: {e}"))?;
    Ok((status, body))
}

#[tokio::test]
async fn the_redirect_mode_points_at_the_same_path_on_the_provider_with_cors() {
    let json = r#"{"issuer":"http://provider.example"}"#;
    let provider = upstream(json).await;
    let mut proxy = FaultProxy::start(provider).await;
    proxy.set(Fault::Redirect307).await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let resp = client
        .post(format!("{}/o/token/?a=1", proxy.url()))
        .header("origin", "http://app.example")
        .body("code=c&code_verifier=v")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 307);
    let header = |name: &str| {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    assert_eq!(
        header("location"),
        Some(format!("http://{provider}/o/token/?a=1"))
    );
    assert_eq!(
        header("access-control-allow-origin").as_deref(),
        Some("http://app.example")
    );
    // Followed, it reaches the provider itself.
    assert_eq!(
        get(&format!("{}/x", proxy.url())).await,
        Ok((200, json.to_owned()))
    );
    assert_eq!(proxy.faulted(), 2);
}

#[tokio::test]
async fn each_mode_breaks_the_answer_its_own_way_and_pass_through_restores_it() {
    let json = r#"{"issuer":"http://provider.example","padding":"0123456789"}"#;
    let mut proxy = FaultProxy::start(upstream(json).await).await;
    let url = format!("{}/x", proxy.url());
    assert_eq!(get(&url).await, Ok((200, json.to_owned())));

    proxy.set(Fault::Down).await;
    let err = get(&url).await.unwrap_err();
    assert!(err.starts_with("send"), "refused: {err}");

    proxy.set(Fault::Status500).await;
    let (status, body) = get(&url).await.unwrap();
    assert_eq!((status, body.as_str()), (500, "Internal Server Error\n"));

    proxy.set(Fault::Html).await;
    let (status, body) = get(&url).await.unwrap();
    assert_eq!(status, 200);
    assert!(body.starts_with("<!doctype html>"), "{body}");

    proxy.set(Fault::BlockedHtml403).await;
    let (status, body) = get(&url).await.unwrap();
    assert_eq!(status, 403);
    assert!(body.starts_with("<!doctype html>"), "{body}");

    proxy.set(Fault::Truncate).await;
    let err = get(&url).await.unwrap_err();
    assert!(
        err.starts_with("body"),
        "a cut body fails while reading: {err}"
    );

    proxy.set(Fault::Slow(Duration::from_secs(5))).await;
    let err = get(&url).await.unwrap_err();
    assert!(
        err.contains("timeout: true"),
        "held past the timeout: {err}"
    );

    proxy.set(Fault::PassThrough).await;
    assert_eq!(get(&url).await, Ok((200, json.to_owned())));
    assert_eq!(
        proxy.faulted(),
        5,
        "500, HTML, 403, truncate and slow were faulted"
    );

    proxy.set_for(Fault::Status500, "/token").await;
    assert_eq!(
        get(&url).await,
        Ok((200, json.to_owned())),
        "other paths pass"
    );
    let (status, _) = get(&format!("{}/token?x=1", proxy.url())).await.unwrap();
    assert_eq!(status, 500, "the scoped path meets the fault");
    proxy.set_for(Fault::Down, "/token").await;
    assert!(get(&format!("{}/token", proxy.url())).await.is_err());
    assert_eq!(
        get(&url).await,
        Ok((200, json.to_owned())),
        "other paths pass"
    );
}
