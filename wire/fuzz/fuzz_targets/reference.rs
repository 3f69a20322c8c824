//! Truncated and URL reference parsers; whatever parses must re-truncate and parse again.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Ok(reference) = wire::Reference::parse(text) {
        let again = wire::Reference::parse(&reference.truncate()).expect("own output parses");
        assert_eq!(again, reference);
    }
});
