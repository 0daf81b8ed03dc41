//! Pending sign-ins in `sessionStorage`, one per `state` (`latchkey.flow.<state>`), so two
//! tabs or two providers never overwrite each other's flow. A flow is read once: taking it
//! deletes it, so a replayed or forged callback finds nothing.

use latchkey_proto::authorize::PendingFlow;

use super::storage_mode::{flow_key, Area};
use crate::browser::{storage, BrowserError};

const PREFIX: &str = "latchkey.flow.";

/// Keeps a flow until its callback.
pub fn save(flow: &PendingFlow) -> Result<(), BrowserError> {
    storage::set(
        Area::Session,
        &flow_key(flow.state.secret()),
        &flow.to_json(),
    )
}

/// Takes (reads and deletes) the flow for `state`. `Ok(None)` when there is none, or when
/// what is stored under that key is not a flow (it is deleted all the same).
pub fn take(state: &str) -> Result<Option<PendingFlow>, BrowserError> {
    let Some(text) = storage::take(Area::Session, &flow_key(state))? else {
        return Ok(None);
    };
    Ok(PendingFlow::from_json(text.as_bytes()))
}

/// Deletes abandoned flows (older than the protocol core's limit, or unreadable).
pub fn sweep(now_s: u64) {
    let Ok(keys) = storage::keys_with_prefix(Area::Session, PREFIX) else {
        return;
    };
    for key in keys {
        let (stale, dpop_key) = match storage::get(Area::Session, &key) {
            Ok(Some(text)) => match PendingFlow::from_json(text.as_bytes()) {
                Some(f) => (f.is_expired(now_s), f.dpop_key),
                None => (true, None),
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
