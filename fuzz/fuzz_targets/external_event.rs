//! The Backbone's external events, as a sync run lists them.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = serde_json::from_slice::<consumer_api::sync::ExternalEvent>(data);
    let _ = serde_json::from_slice::<Vec<consumer_api::sync::ExternalEvent>>(data);
});
