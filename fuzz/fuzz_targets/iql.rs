//! An IQL query, as a peer's `IQLQuery` carries it: parsed, then run over a few attributes.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(query) = iql::parse(text) {
        let attributes = [
            serde_json::json!({"content": {"@type": "IdentityAttribute", "owner": "did:e:a:dids:b",
                "value": {"@type": "GivenName", "value": "Ada"}, "tags": ["x:y"]},
                "createdAt": "2026-01-01T00:00:00.000Z"}),
            serde_json::json!({"content": {"@type": "IdentityAttribute", "owner": "did:e:a:dids:b",
                "value": {"@type": "BirthDate", "day": 1, "month": 2, "year": 2000}}}),
        ];
        let _ = iql::execute(&query, &attributes);
    }
});
