//! Pending sign-ins in `sessionStorage`, one per `state` (`latchkey.flow.<state>`), so two
//! tabs or two providers never overwrite each other's flow. A flow is read once: taking it
//! deletes it, so a replayed or forged callback finds nothing.

use latchkey_proto::authorize::PendingFlow;

use super::storage_mode::{flow_key, Area};
use crate::browser::{storage, BrowserError};

const PREFIX: &str = "latchkey.flow.";

/// Keeps a flow until its callback.
pub fn save(flow: &PendingFlow) -> Result<(), BrowserError> {
    let text =
        serde_json::to_string(flow).map_err(|e| BrowserError(format!("pending sign-in: {e}")))?;
    storage::set(Area::Session, &flow_key(flow.state.secret()), &text)
}

/// Takes (reads and deletes) the flow for `state`. `Ok(None)` when there is none, or when
/// what is stored under that key is not a flow (it is deleted all the same).
pub fn take(state: &str) -> Result<Option<PendingFlow>, BrowserError> {
    let Some(text) = storage::take(Area::Session, &flow_key(state))? else {
        return Ok(None);
    };
    Ok(serde_json::from_slice(text.as_bytes()).ok())
}

/// Deletes abandoned flows (older than the protocol core's limit, or unreadable).
pub fn sweep(now_s: u64) {
    let Ok(keys) = storage::keys_with_prefix(Area::Session, PREFIX) else {
        return;
    };
    for key in keys {
        let (stale, dpop_key) = match storage::get(Area::Session, &key) {
            Ok(Some(text)) => match serde_json::from_slice::<PendingFlow>(text.as_bytes()) {
                Ok(f) => (f.is_expired(now_s), f.dpop_key),
                Err(_) => (true, None),
            },
            _ => (false, None),
        };
        if stale {
            let _ = storage::remove(Area::Session, &key);
            // An abandoned sign-in's DPoP key signed nothing that still counts.
            crate::dpop::DpopKey::forget_unused(dpop_key);
        }
    }
}
