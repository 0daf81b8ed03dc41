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
    // Every route, both modes, with the provider out of service and then garbling: the
    // failure paths log the most. (The success paths' log is searched against DOT, at TRACE:
    // e2e/mediation_routes.rs.)
    let rt = "refresh-1-Pq3";
    let at = "access-9-Wm5";
    let sealed = "latchkey_rt_jar=AAAAsealed-looking-cookie-value";
    assert_bad_gateway(&exchange(&t, "med").await);
    let a = send(
        &t,
        Post::new("/oauth2/med/refresh", &format!("refresh_token={rt}")),
    )
    .await;
    assert_bad_gateway(&a);
    let a = send(&t, Post::new("/oauth2/med/revoke", &format!("token={at}"))).await;
    assert_eq!(a.status, StatusCode::BAD_GATEWAY, "{}", a.text);
    assert_bad_gateway(&exchange(&t, "jar").await);
    let mut p = Post::new("/oauth2/jar/refresh", "");
    p.cookie = Some(sealed);
    assert_eq!(send(&t, p).await.status, StatusCode::BAD_REQUEST);
    assert_eq!(exchange(&t, "html").await.status, StatusCode::BAD_GATEWAY);
    assert_eq!(
        t.upstream.seen().len(),
        5,
        "five requests reached the recorder"
    );

    let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        text.contains("token endpoint answered without an OAuth body"),
        "the capture works: {text}"
    );
    for s in [
        CLIENT_SECRET,
        VERIFIER,
        CODE,
        rt,
        at,
        sealed.split_once('=').unwrap().1,
        COOKIE_KEY,
    ] {
        assert!(!text.contains(s), "{s} was logged:\n{text}");
    }
}
