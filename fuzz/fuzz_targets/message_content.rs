//! A message's decrypted content: any JSON a peer may send, through the official content rules.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) {
        let _ = content::parse_message_content(&value);
        let _ = content::parse_content(&value);
        let _ = content::check_registered(&value);
    }
});
