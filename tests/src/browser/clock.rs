//! A device clock that is wrong, for the tests of what a person with one is told.

use serde_json::json;

use super::Browser;

/// A wrong clock set in a tab by [`Browser::skew_clock`].
#[derive(Debug)]
#[must_use = "a skewed clock stays until `Browser::set_clock_right` removes it"]
pub struct SkewedClock(String);

impl Browser {
    /// From the next page load on, this tab's `Date.now()` runs `secs` seconds off the real
    /// time (negative: behind), as on a device whose clock is set wrong. Stands in for the
    /// device's own fault, not for anything a provider does.
    pub async fn skew_clock(&self, secs: i64) -> SkewedClock {
        let source = format!(
            "(() => {{ const now = Date.now; Date.now = () => now.call(Date) + {}; }})();",
            secs * 1000
        );
        let added = self
            .cdp(
                "Page.addScriptToEvaluateOnNewDocument",
                json!({ "source": source }),
            )
            .await;
        SkewedClock(added["identifier"].as_str().unwrap_or_default().to_owned())
    }

    /// Puts the tab's clock right for the page loads after this one.
    pub async fn set_clock_right(&self, skewed: SkewedClock) {
        self.cdp(
            "Page.removeScriptToEvaluateOnNewDocument",
            json!({ "identifier": skewed.0 }),
        )
        .await;
    }
}
