//! Identity address parser.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Ok(address) = wire::Address::parse(text) {
        let _ = (address.domain(), address.truncated());
    }
});
