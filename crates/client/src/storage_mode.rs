//! Where a provider's refresh token lives, and what that implies.
//!
//! `memory`: nowhere but this page (a reload signs out). `tab`: `sessionStorage`, so a reload
//! restores the session by refreshing, and other tabs do not see it. `browser`:
//! `localStorage`, shared by the origin's tabs, so a rotating refresh token must be used by
//! one tab at a time (Web Locks) and the result told to the others (BroadcastChannel).

use latchkey_proto::public_config::SessionStorage;

/// A Web Storage area.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Area {
    /// `window.sessionStorage`: this tab only, survives reloads.
    Session,
    /// `window.localStorage`: every tab of the origin.
    Local,
}

/// What a storage mode needs from the browser.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    /// Where the refresh token is written, if anywhere.
    pub area: Option<Area>,
    /// Refreshes run under a Web Lock shared by the origin's tabs.
    pub lock: bool,
    /// New tokens and sign-out are announced to the other tabs.
    pub broadcast: bool,
}

/// The plan for a mode.
pub fn plan(mode: SessionStorage) -> Plan {
    match mode {
        SessionStorage::Memory => Plan {
            area: None,
            lock: false,
            broadcast: false,
        },
        SessionStorage::Tab => Plan {
            area: Some(Area::Session),
            lock: false,
            broadcast: false,
        },
        SessionStorage::Browser => Plan {
            area: Some(Area::Local),
            lock: true,
            broadcast: true,
        },
    }
}

/// The storage key of a provider's stored session.
pub fn session_key(provider_id: &str) -> String {
    format!("latchkey.session.{provider_id}")
}

/// The `localStorage` key that is set while this browser may hold a companion session
/// (OAuth 1.0a, on the site's own origin) for a provider. The session itself is the
/// companion's `HttpOnly` cookie, out of a page's reach; this holds only `"1"`, so that the
/// embed's bootstrap (`crates/embed/js/bootstrap.js`) can tell, before the wasm runs,
/// that a page is surely signed out.
pub fn companion_mark_key(provider_id: &str) -> String {
    format!("latchkey.companion.{provider_id}")
}

/// The storage key of a pending flow.
pub fn flow_key(state: &str) -> String {
    format!("latchkey.flow.{state}")
}

/// The Web Lock guarding a provider's refresh token.
pub fn lock_name(provider_id: &str) -> String {
    format!("latchkey.refresh.{provider_id}")
}

/// The BroadcastChannel the origin's tabs share.
pub const CHANNEL: &str = "latchkey.session";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_keeps_nothing_and_needs_no_coordination() {
        assert_eq!(plan(SessionStorage::Memory).area, None);
        assert!(!plan(SessionStorage::Memory).lock);
    }

    #[test]
    fn tab_uses_session_storage_without_locks() {
        let p = plan(SessionStorage::Tab);
        assert_eq!(p.area, Some(Area::Session));
        assert!(!p.lock && !p.broadcast);
    }

    #[test]
    fn browser_shares_local_storage_and_coordinates_tabs() {
        let p = plan(SessionStorage::Browser);
        assert_eq!(p.area, Some(Area::Local));
        assert!(p.lock && p.broadcast);
    }

    #[test]
    fn keys_are_per_state_and_per_provider() {
        assert_ne!(flow_key("a"), flow_key("b"));
        assert_ne!(session_key("dot"), session_key("other"));
    }
}
