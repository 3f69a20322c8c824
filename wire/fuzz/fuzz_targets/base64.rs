//! The lenient base64 decoder; whatever decodes must round-trip through base64url.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Ok(bytes) = wire::encoding::b64_decode(text) {
        let again = wire::encoding::b64_decode(&wire::encoding::b64u_encode(&bytes)).expect("own output decodes");
        assert_eq!(again, bytes);
    }
});
