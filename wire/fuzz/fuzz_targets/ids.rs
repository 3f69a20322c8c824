//! Id parsers (generic, typed and error ids).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let _ = wire::AnyId::parse(text);
    let _ = wire::AnyId::parse_with_prefix(text, "TRPRTK");
    let _ = wire::RelationshipTemplateId::parse(text);
    let _ = wire::ErrorId::parse(text);
});
