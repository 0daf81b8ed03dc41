//! What a user does on the providers' own pages, step by step.

use crate::browser::Browser;
use crate::companion::{DOT_NAME, FLASK_NAME};
use crate::providers::{DEMO_PASSWORD, DEMO_USER};

/// The label of the app's button for `name`.
pub fn sign_in_label(name: &str) -> String {
    format!("Sign in with {name}")
}

/// On the app's home page: clicks "Sign in with Django OAuth Toolkit", signs in on DOT's login
/// page (when it is shown) and waits on DOT's consent page.
pub async fn dot_to_consent(browser: &Browser, dot_base: &str) {
    browser.click_button(&sign_in_label(DOT_NAME)).await;
    browser.wait_for_url(dot_base).await;
    browser
        .wait_until("DOT's login or consent page", || async {
            browser.exists("#login-form").await || browser.exists("#authorizationForm").await
        })
        .await;
    if browser.exists("#login-form").await {
        browser.fill("#id_username", DEMO_USER).await;
        browser.fill("#id_password", DEMO_PASSWORD).await;
        browser.click_button("Sign in").await;
    }
    browser.find("#authorizationForm").await;
}

/// From the app's home page to "Signed in as demo" through DOT's login and consent.
pub async fn dot_sign_in(browser: &Browser, dot_base: &str) {
    dot_to_consent(browser, dot_base).await;
    browser.click_button("Authorize").await;
    browser
        .wait_for_text(&format!("Signed in as {DEMO_USER}"))
        .await;
}

/// On the app's home page: clicks "Sign in with Flask OAuth1 demo", signs in on the
/// provider's login page (when shown) and waits on its consent page.
pub async fn flask_to_consent(browser: &Browser, flask_base: &str) {
    browser.click_button(&sign_in_label(FLASK_NAME)).await;
    browser.wait_for_url(flask_base).await;
    browser
        .wait_until("the Flask provider's login or consent page", || async {
            browser.exists("#login-form").await || browser.exists("#consent-form").await
        })
        .await;
    if browser.exists("#login-form").await {
        browser.fill("#username", DEMO_USER).await;
        browser.fill("#password", DEMO_PASSWORD).await;
        browser.click_button("Sign in").await;
    }
    browser.find("#consent-form").await;
}

/// From the app's home page to "Signed in as demo" through the Flask provider.
pub async fn flask_sign_in(browser: &Browser, flask_base: &str) {
    flask_to_consent(browser, flask_base).await;
    browser.click_button("Authorize").await;
    browser
        .wait_for_text(&format!("Signed in as {DEMO_USER}"))
        .await;
}
