//! How long a session cookie lives, and so how long a copy of it outlives sign-out (issue 19,
//! finding 9): unused, [`SESSION_IDLE_TTL`]; used, renewed up to [`SESSION_TTL`] after the
//! sign-in and never past it. No replica keeps state, so sign-out cannot reach a copy; these
//! two limits are what bound it.

use super::super::{cookies, SESSION_IDLE_TTL, SESSION_RENEW_AFTER, SESSION_TTL};
use super::*;
use crate::app::tests::SteppingClock;

/// `name=value` of a session cookie signed in at the state's current time, as `/callback`
/// sets it.
fn signed_in(state: &AppState) -> String {
    let p = provider(state, "flask").unwrap();
    let set = cookies::set_session(state, &p, session()).unwrap();
    set.to_str().unwrap().split(';').next().unwrap().to_owned()
}

/// The renewed session cookie an answer sets, as `name=value`, and its `Max-Age`.
fn renewed(r: &Resp) -> Option<(String, u64)> {
    let set = r
        .headers
        .get(header::SET_COOKIE)?
        .to_str()
        .unwrap()
        .to_owned();
    let max_age = set
        .split("; ")
        .find_map(|a| a.strip_prefix("Max-Age="))
        .unwrap()
        .parse()
        .unwrap();
    Some((set.split(';').next().unwrap().to_owned(), max_age))
}

async fn signed_in_per_session(t: &T, c: &str) -> bool {
    let r = send(t, get("/oauth1/flask/session", Some(c))).await;
    r.json()["signed_in"] == true
}

fn logout(c: &str) -> Request<Body> {
    post("/oauth1/flask/logout", Some(APP), Some(c), "text/plain", "")
}

#[tokio::test]
async fn a_copy_taken_before_sign_out_dies_unused_after_the_idle_limit() {
    let clock = SteppingClock::at(NOW);
    let t = app(Setup {
        clock: Some(clock.clone()),
        ..Setup::default()
    });
    let copy = signed_in(&t.state);
    let r = send(&t, logout(&copy)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(
        r.headers[header::SET_COOKIE]
            .to_str()
            .unwrap()
            .contains("Max-Age=0"),
        "the browser's cookie is dropped"
    );
    // The copy still opens (nothing is shared to tell a replica it was signed out)...
    clock.set(NOW + SESSION_IDLE_TTL - 1);
    assert!(
        signed_in_per_session(&t, &copy).await,
        "still within the idle limit"
    );
    // ...but only until the idle limit it was sealed with: two hours, not seven days.
    let t = app(Setup {
        now: NOW + SESSION_IDLE_TTL,
        ..Setup::default()
    });
    assert!(!signed_in_per_session(&t, &copy).await);
    let r = send(&t, fetch_get("/oauth1/flask/api/me", Some(&copy))).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
}

#[tokio::test]
async fn a_used_session_is_renewed_but_never_past_a_day_after_its_sign_in() {
    let clock = SteppingClock::at(NOW);
    let up = Upstream::start(Some(API_REPLY)).await;
    let t = app(Setup {
        clock: Some(clock.clone()),
        api_base: &up.base,
        ..Setup::default()
    });
    let mut c = signed_in(&t.state);
    // Used within the first few minutes: nothing to renew, no cookie per request.
    clock.set(NOW + SESSION_RENEW_AFTER - 1);
    let r = send(&t, get("/oauth1/flask/session", Some(&c))).await;
    assert!(renewed(&r).is_none(), "{:?}", r.headers);
    // Every route that uses the session renews it once it is old enough: /session, the
    // proxy (its own cookie, after the API's were dropped) and /sign.
    let mut at = NOW;
    let mut renewals = 0;
    loop {
        at += SESSION_IDLE_TTL - 60;
        clock.set(at);
        let r = match renewals % 3 {
            0 => send(&t, get("/oauth1/flask/session", Some(&c))).await,
            1 => send(&t, fetch_get("/oauth1/flask/api/me", Some(&c))).await,
            _ => {
                let body = format!(r#"{{"method":"GET","url":"{}me"}}"#, up.base);
                send(
                    &t,
                    post(
                        "/oauth1/flask/sign",
                        Some(APP),
                        Some(&c),
                        "application/json",
                        body,
                    ),
                )
                .await
            }
        };
        if at >= NOW + SESSION_TTL {
            assert!(renewed(&r).is_none(), "nothing renewed past the day");
            break;
        }
        assert!(r.status.is_success(), "at +{}: {}", at - NOW, r.body);
        let Some((next, max_age)) = renewed(&r) else {
            panic!("not renewed at +{} s", at - NOW);
        };
        assert!(
            !next.contains("upstream"),
            "the API's cookie is not passed on"
        );
        // Never past the day: the last renewals shrink to fit.
        assert_eq!(
            max_age,
            SESSION_IDLE_TTL.min(NOW + SESSION_TTL - at),
            "at +{}",
            at - NOW
        );
        c = next;
        renewals += 1;
    }
    assert!(renewals >= 11, "{renewals} renewals in a day of use");
    // At the day's end even a cookie renewed a couple of hours ago is refused everywhere.
    assert!(!signed_in_per_session(&t, &c).await);
    let r = send(&t, fetch_get("/oauth1/flask/api/me", Some(&c))).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
    let calls = up.requests().len();
    assert_eq!(
        calls,
        renewals / 3 + usize::from(renewals % 3 > 1),
        "proxied calls"
    );
}

#[tokio::test]
async fn a_cookie_sealed_before_sliding_expiry_is_used_until_its_own_expiry_and_not_renewed() {
    let clock = SteppingClock::at(NOW);
    let t = app(Setup {
        clock: Some(clock.clone()),
        ..Setup::default()
    });
    // The credentials alone, as releases before this one sealed them.
    let legacy = cookie(&t.state, CookieKind::Session, &session());
    clock.set(NOW + SESSION_IDLE_TTL - 1);
    let r = send(&t, get("/oauth1/flask/session", Some(&legacy))).await;
    assert_eq!(r.json()["signed_in"], true);
    assert!(renewed(&r).is_none(), "no sign-in time, so no renewal");
    clock.set(NOW + SESSION_IDLE_TTL);
    assert!(!signed_in_per_session(&t, &legacy).await);
}
