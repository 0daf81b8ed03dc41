//! DevTools' network emulation, for the tests of a page before its wasm has arrived and of a
//! device that goes offline.

use serde_json::json;

use super::Browser;

impl Browser {
    /// Throttles the network to `bytes_per_second` both ways (`None`: as it is), so a page's
    /// wasm (well over 100 KB) takes seconds to arrive while its small files do not. The HTTP
    /// cache is off, so every load is cold.
    pub async fn throttle(&self, bytes_per_second: Option<u32>) {
        let rate = bytes_per_second.map_or(-1.0, f64::from);
        self.cdp("Network.enable", json!({})).await;
        self.cdp("Network.setCacheDisabled", json!({ "cacheDisabled": true }))
            .await;
        self.cdp(
            "Network.emulateNetworkConditions",
            json!({ "offline": false, "latency": 0,
                "downloadThroughput": rate, "uploadThroughput": rate }),
        )
        .await;
    }

    /// Takes the network away (`true`) or gives it back, firing the window's `offline` and
    /// `online` events as a device would.
    pub async fn set_offline(&self, offline: bool) {
        self.cdp("Network.enable", json!({})).await;
        self.cdp(
            "Network.emulateNetworkConditions",
            json!({ "offline": offline, "latency": 0,
                "downloadThroughput": -1, "uploadThroughput": -1 }),
        )
        .await;
    }
}
