//! The authorization callback: `validate_callback` and `callback_state` over arbitrary URLs.
//! The text `STATE` in the input is replaced by the pending flow's real state, so the fuzzer
//! gets past the state check and reaches the iss, error, expiry and code checks.
#![no_main]

use std::sync::OnceLock;

use latchkey_proto::authorize::{begin, FlowRandomness, FlowStart, PendingFlow};
use latchkey_proto::callback::{callback_state, validate_callback, IssParameter};
use libfuzzer_sys::fuzz_target;

const ISSUER: &str = "https://idp.example";
const CREATED: u64 = 1_700_000_000;

fn flow(issuer: Option<&'static str>) -> PendingFlow {
    let scopes = ["openid".to_owned()];
    let start = FlowStart {
        provider_id: "fuzz",
        issuer,
        authorization_endpoint: "https://idp.example/authorize",
        client_id: "spa",
        redirect_uri: "https://app.example/callback",
        scopes: &scopes,
        return_to: "/",
        extra: &[],
    };
    let random = FlowRandomness {
        state: &[7; 16],
        nonce: &[8; 16],
        verifier: &[9; 32],
    };
    begin(&start, &random, CREATED).expect("fixed inputs").1
}

fn flows() -> &'static [PendingFlow; 2] {
    static FLOWS: OnceLock<[PendingFlow; 2]> = OnceLock::new();
    FLOWS.get_or_init(|| [flow(Some(ISSUER)), flow(None)])
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let now = CREATED + (data.len() as u64 % 700);
    for flow in flows() {
        let url = text.replace("STATE", flow.state.secret());
        for iss in [IssParameter::Required, IssParameter::NotAdvertised] {
            if let Ok(validated) = validate_callback(&url, flow, iss, now) {
                // Accepted: the state really was the flow's, a code is present, the flow is
                // fresh, and the issuer was confirmed whenever it had to be.
                assert_eq!(callback_state(&url).as_deref(), Some(flow.state.secret()));
                assert!(!validated.code().is_empty());
                assert!(!flow.is_expired(now));
                if iss == IssParameter::Required {
                    assert_eq!(validated.iss(), Some(ISSUER));
                }
                if flow.issuer.is_none() {
                    assert_eq!(validated.iss(), None);
                }
            }
        }
        let _ = callback_state(&url);
    }
});
