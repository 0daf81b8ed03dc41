//! `BroadcastChannel`: text messages between this origin's tabs.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

use super::BrowserError;

/// An open channel; dropping it closes the channel and stops the listener.
pub struct Channel {
    inner: web_sys::BroadcastChannel,
    _listener: Closure<dyn FnMut(web_sys::MessageEvent)>,
}

impl Channel {
    /// Opens `name`, calling `on_message` with every text message another tab posts
    /// (a tab does not receive its own messages).
    pub fn open(
        name: &str,
        mut on_message: impl FnMut(String) + 'static,
    ) -> Result<Channel, BrowserError> {
        let inner = web_sys::BroadcastChannel::new(name)
            .map_err(|e| BrowserError::from_js("BroadcastChannel", &e))?;
        let listener = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(
            move |event: web_sys::MessageEvent| {
                if let Some(text) = event.data().as_string() {
                    on_message(text);
                }
            },
        );
        inner.set_onmessage(Some(listener.as_ref().unchecked_ref()));
        Ok(Channel {
            inner,
            _listener: listener,
        })
    }

    /// Posts a text message to the other tabs.
    pub fn post(&self, text: &str) -> Result<(), BrowserError> {
        self.inner
            .post_message(&text.into())
            .map_err(|e| BrowserError::from_js("BroadcastChannel.postMessage", &e))
    }
}

impl Drop for Channel {
    fn drop(&mut self) {
        self.inner.set_onmessage(None);
        self.inner.close();
    }
}
