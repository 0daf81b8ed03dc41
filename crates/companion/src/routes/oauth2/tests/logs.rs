//! No code, verifier, token or secret in any log line, at every level.

use std::io::Write;
use std::sync::{Arc, Mutex};

use tracing_subscriber::fmt::MakeWriter;

use super::*;

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Captured;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

#[tokio::test]
async fn no_code_verifier_token_or_secret_is_logged() {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(captured.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let t = start(Opts::default()).await;
    // Browser mode: exchange, refresh, revoke; then companion mode with its cookie; then a
    // provider error and a fault, whose paths log the most.
    let a = exchange(&t, "med").await;
    assert_eq!(a.status, StatusCode::OK);
    let rt = a.json()["refresh_token"].as_str().unwrap().to_owned();
    let a = send(
        &t,
        Post::new("/oauth2/med/refresh", &format!("refresh_token={rt}")),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK);
    let at = a.json()["access_token"].as_str().unwrap().to_owned();
    let a = send(&t, Post::new("/oauth2/med/revoke", &format!("token={at}"))).await;
    assert_eq!(a.status, StatusCode::OK);
    let a = exchange(&t, "jar").await;
    let (cookie, _) = a.cookie().unwrap();
    let mut p = Post::new("/oauth2/jar/refresh", "");
    p.cookie = Some(&cookie);
    assert_eq!(send(&t, p).await.status, StatusCode::OK);
    let a = send(
        &t,
        Post::new("/oauth2/med/token", &code_form("code-never-issued", "med")),
    )
    .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert_eq!(exchange(&t, "html").await.status, StatusCode::BAD_GATEWAY);

    let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(text.contains("code exchanged"), "the capture works: {text}");
    assert!(text.contains("provider refused"), "{text}");
    let cookie_value = cookie.split_once('=').unwrap().1.to_owned();
    let mut secrets = vec![
        CLIENT_SECRET.to_owned(),
        VERIFIER.to_owned(),
        "code-never-issued".to_owned(),
        cookie_value,
        COOKIE_KEY.to_owned(),
    ];
    // Every code, access token and refresh token the stand-in issued (counter 1 to 12).
    for n in 1..=12 {
        secrets.push(format!("code-{n}-Kx7"));
        secrets.push(format!("access-{n}-Wm5"));
        secrets.push(format!("refresh-{n}-Pq3"));
    }
    for s in &secrets {
        assert!(!text.contains(s.as_str()), "{s} was logged:\n{text}");
    }
}
