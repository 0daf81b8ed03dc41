//! The browser's cookie jar, for the tests that read, forge or restore the companion's cookies.

use serde_json::json;

use super::Browser;

impl Browser {
    /// The value of cookie `name` as the browser holds it for the current page (WebDriver
    /// sees `HttpOnly` cookies too).
    pub async fn cookie(&self, name: &str) -> Option<String> {
        self.client
            .get_named_cookie(name)
            .await
            .ok()
            .map(|c| c.value().to_owned())
    }

    /// Replaces the value of cookie `name`, keeping its path and flags.
    pub async fn set_cookie_value(&self, name: &str, value: &str) {
        let mut cookie = self
            .client
            .get_named_cookie(name)
            .await
            .unwrap_or_else(|e| panic!("cookie {name} is not set: {e}"));
        cookie.set_value(value.to_owned());
        self.client
            .delete_cookie(name)
            .await
            .unwrap_or_else(|e| panic!("delete cookie {name}: {e}"));
        self.client
            .add_cookie(cookie)
            .await
            .unwrap_or_else(|e| panic!("set cookie {name}: {e}"));
    }

    /// Cookie `name` with all its attributes, to put back later with [`Browser::restore_cookie`].
    pub async fn cookie_full(&self, name: &str) -> Option<fantoccini::cookies::Cookie<'static>> {
        self.client.get_named_cookie(name).await.ok()
    }

    /// The value of cookie `name` whatever its `Path` (WebDriver only shows the cookies the
    /// current page would send; the DevTools protocol shows the whole jar, `HttpOnly` too): a
    /// copy of the cookie as someone who took it from the browser's profile would hold it.
    pub async fn cookie_any_path(&self, name: &str) -> Option<String> {
        let url = format!(
            "http://127.0.0.1:{}/session/{}/goog/cdp/execute",
            self.driver_port, self.session_id
        );
        let command = json!({ "cmd": "Network.getAllCookies", "params": {} });
        let value = self
            .driver_value(
                reqwest::Client::new()
                    .post(&url)
                    .header("content-type", "application/json")
                    .body(command.to_string()),
            )
            .await;
        value["cookies"]
            .as_array()?
            .iter()
            .find(|c| c["name"] == name)
            .and_then(|c| c["value"].as_str())
            .map(str::to_owned)
    }

    /// Sets `cookie` again, as it was read (domain, path, SameSite, HttpOnly).
    pub async fn restore_cookie(&self, cookie: fantoccini::cookies::Cookie<'static>) {
        let name = cookie.name().to_owned();
        self.client
            .add_cookie(cookie)
            .await
            .unwrap_or_else(|e| panic!("set cookie {name}: {e}"));
    }
}
