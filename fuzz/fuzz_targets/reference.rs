//! References and addresses a peer hands over (truncated tokens, URLs, QR codes, `did:e:`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = wire::Reference::parse(text);
    let _ = wire::Reference::parse_truncated(text);
    let _ = wire::Reference::parse_url(text);
    let _ = wire::Address::parse(text);
});
