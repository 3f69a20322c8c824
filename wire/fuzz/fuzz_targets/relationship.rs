//! Relationship request/response and secrets parsers; parsed secrets must survive use.
#![no_main]
use libfuzzer_sys::fuzz_target;
use wire::*;

fuzz_target!(|data: &[u8]| {
    let _ = PublicRequest::from_json_bytes(data);
    let _ = PublicResponse::from_json_bytes(data);
    let _ = RequestSecrets::from_json_bytes(data);
    if let Ok(mut secrets) = RelationshipSecrets::from_json_bytes(data) {
        if let Ok(reservation) = secrets.reserve_transmit() {
            let _ = reservation.encrypt(b"fuzz");
        }
        let _ = secrets.to_json();
    }
});
