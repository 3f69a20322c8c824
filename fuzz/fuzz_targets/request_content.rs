//! Requests, responses, notifications and attributes a peer sends inside messages.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) {
        let _ = content::parse_request(&value);
        let _ = content::parse_response(&value);
        let _ = content::parse_notification(&value);
        let _ = content::parse_attribute(&value);
    }
});
