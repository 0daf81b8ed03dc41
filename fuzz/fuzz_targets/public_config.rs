//! `latchkey.json` as a site's author (or a broken deploy) may write it, and the pending
//! sign-in as the browser's storage hands it back: each reader answers in words or with a
//! value that writes and reads back to itself.
#![no_main]

use latchkey_proto::authorize::PendingFlow;
use latchkey_proto::public_config::{is_valid_id, PublicConfig};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(config) = PublicConfig::from_json(data) {
        for (i, p) in config.providers.iter().enumerate() {
            assert!(is_valid_id(&p.id), "{:?}", p.id);
            assert!(
                config.providers[..i].iter().all(|q| q.id != p.id),
                "{:?} twice",
                p.id
            );
        }
        let written = serde_json::to_vec(&config).expect("a config writes");
        assert_eq!(
            PublicConfig::from_json(&written).as_ref(),
            Ok(&config),
            "written as {}",
            String::from_utf8_lossy(&written)
        );
    }
    if let Some(flow) = PendingFlow::from_json(data) {
        let written = flow.to_json();
        let again = PendingFlow::from_json(written.as_bytes()).expect("a written flow reads");
        assert_eq!(again.to_json(), written);
    }
});
