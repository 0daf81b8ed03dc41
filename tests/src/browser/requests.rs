//! Every request the browser sent, read from Chromium's performance log (DevTools' network
//! events, which chromedriver collects for a session started with
//! [`Browser::start_recording_requests`]): for the tests of what travels in URLs and headers.

use std::collections::HashMap;

use serde_json::Value;

use super::Browser;

/// One request as Chromium sent it. Each hop of a redirect is a request of its own.
#[derive(Debug, Clone, Default)]
pub struct SentRequest {
    /// The URL, with its fragment when it had one.
    pub url: String,
    /// DevTools' resource type: `Document` for a navigation, `Fetch`, `Script`, ….
    pub kind: String,
    /// The headers, names in lower case: those the page asked for, and those the network
    /// stack added as it sent the request (`Referer`, `Cookie`, …).
    pub headers: Vec<(String, String)>,
}

impl SentRequest {
    /// The values of header `name` (lower case).
    pub fn header<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> {
        self.headers
            .iter()
            .filter(move |(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

impl Browser {
    /// The requests sent since the session started or since the last call, oldest first.
    /// Panics unless the session was started with [`Browser::start_recording_requests`].
    pub async fn sent_requests(&self) -> Vec<SentRequest> {
        let log = self.driver_value(self.log_request("performance")).await;
        let Some(entries) = log.as_array() else {
            panic!("no performance log (was the browser started recording requests?): {log}");
        };
        requests_in(entries)
    }
}

/// The requests of the log's entries. DevTools reports a request's URL in one event and the
/// headers the network stack added in another (`…ExtraInfo`), in either order; the k-th of
/// each with the same id belong together (a redirect keeps its id for every hop).
fn requests_in(entries: &[Value]) -> Vec<SentRequest> {
    let mut sent: Vec<(String, SentRequest)> = Vec::new();
    let mut extra: Vec<(String, Vec<(String, String)>)> = Vec::new();
    for entry in entries {
        let Some(message) = entry
            .get("message")
            .and_then(Value::as_str)
            .and_then(|text| serde_json::from_str::<Value>(text).ok())
        else {
            continue;
        };
        let event = &message["message"];
        let params = &event["params"];
        let id = params["requestId"].as_str().unwrap_or_default().to_owned();
        match event["method"].as_str() {
            Some("Network.requestWillBeSent") => {
                let request = &params["request"];
                let url = format!(
                    "{}{}",
                    request["url"].as_str().unwrap_or_default(),
                    request["urlFragment"].as_str().unwrap_or_default()
                );
                sent.push((
                    id,
                    SentRequest {
                        url,
                        kind: params["type"].as_str().unwrap_or_default().to_owned(),
                        headers: headers(&request["headers"]),
                    },
                ));
            }
            Some("Network.requestWillBeSentExtraInfo") => {
                extra.push((id, headers(&params["headers"])));
            }
            _ => {}
        }
    }
    let mut taken: HashMap<String, usize> = HashMap::new();
    for (id, more) in extra {
        let k = taken.entry(id.clone()).or_default();
        let hop = sent.iter_mut().filter(|(i, _)| *i == id).nth(*k);
        *k += 1;
        match hop {
            Some((_, request)) => request.headers.extend(more),
            // Headers of a request whose start the log did not keep: still looked at.
            None => sent.push((
                id,
                SentRequest {
                    headers: more,
                    ..SentRequest::default()
                },
            )),
        }
    }
    sent.into_iter().map(|(_, request)| request).collect()
}

fn headers(object: &Value) -> Vec<(String, String)> {
    object
        .as_object()
        .map(|map| {
            map.iter()
                .map(|(name, value)| {
                    (
                        name.to_ascii_lowercase(),
                        value.as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}
