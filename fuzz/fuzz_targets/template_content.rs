//! A relationship template's and a relationship request's content from a peer.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) {
        let _ = content::parse_template_content(&value);
        let _ = content::parse_creation_content(&value);
    }
});
