//! A phone's screen, for the tests that a page fits one.

use serde_json::json;

use super::Browser;

impl Browser {
    /// Emulates a phone's screen (Chromium's device metrics: `width` CSS pixels wide, `height`
    /// tall, two device pixels a CSS pixel, mobile viewport rules), or the desktop window again
    /// with `None`.
    pub async fn emulate_phone(&self, size: Option<(u32, u32)>) {
        match size {
            Some((width, height)) => {
                self.cdp(
                    "Emulation.setDeviceMetricsOverride",
                    json!({ "width": width, "height": height, "deviceScaleFactor": 2, "mobile": true }),
                )
                .await
            }
            None => self.cdp("Emulation.clearDeviceMetricsOverride", json!({})).await,
        };
    }

    /// How far the page reaches past the viewport's right edge, in CSS pixels (0 when it
    /// fits: nothing to scroll sideways), with the widest element that sticks out.
    pub async fn overflow_x(&self) -> (f64, String) {
        let v = self
            .js(
                "const width = document.documentElement.clientWidth;\
                 const over = document.documentElement.scrollWidth - width;\
                 let worst = '', right = width;\
                 for (const e of document.body.querySelectorAll('*')) {\
                   const r = e.getBoundingClientRect();\
                   if (r.width > 0 && r.right > right + 0.5) {\
                     right = r.right;\
                     worst = e.tagName.toLowerCase() + (e.className ? '.' + String(e.className).trim().replace(/\\s+/g, '.') : '');\
                   }\
                 }\
                 return [over, worst];",
                vec![],
            )
            .await;
        (
            v[0].as_f64().unwrap_or(0.0),
            v[1].as_str().unwrap_or_default().to_owned(),
        )
    }
}
