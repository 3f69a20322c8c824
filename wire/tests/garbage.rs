//! Every parser gets random and mutated input and must answer with `Ok` or `Err`, never panic.
//! (The fuzz targets under `fuzz/` do the same with coverage guidance.)

use proptest::prelude::*;
use wire::*;

fn all_parsers(text: &str) {
    let _ = SecretKey::from_json(text);
    let _ = Cipher::from_json(text);
    let _ = Signature::from_json(text);
    let _ = SignaturePublicKey::from_json(text);
    let _ = SignaturePrivateKey::from_json(text);
    let _ = SignatureKeypair::from_json(text);
    let _ = ExchangePublicKey::from_json(text);
    let _ = ExchangePrivateKey::from_json(text);
    let _ = ExchangeKeypair::from_json(text);
    let _ = ExchangeSecrets::from_json(text);
    let _ = PublicState::from_json(text);
    let _ = TransmitState::from_json(text);
    let _ = ReceiveState::from_json(text);
    let _ = PublicRequest::from_json(text);
    let _ = PublicResponse::from_json(text);
    let _ = RequestSecrets::from_json(text);
    let _ = RelationshipSecrets::from_json(text);
    let _ = Cipher::from_base64(text);
    let _ = RelationshipSecrets::from_base64(text);
    let _ = Address::parse(text);
    let _ = AnyId::parse(text);
    let _ = MessageId::parse(text);
    let _ = ErrorId::parse(text);
    let _ = Reference::parse(text);
    let _ = Reference::parse_url(text);
    let _ = encoding::b64_decode(text);
    let _ = kdf::KdfContext::parse(text);
}

/// Valid documents of every kind, to mutate.
fn seeds() -> Vec<String> {
    let vectors: serde_json::Value =
        serde_json::from_str(include_str!("vectors/nmshd-crypto.json")).unwrap();
    let mut out = Vec::new();
    fn collect(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::String(s) => out.push(s.clone()),
            serde_json::Value::Array(a) => a.iter().for_each(|x| collect(x, out)),
            serde_json::Value::Object(o) => o.values().for_each(|x| collect(x, out)),
            _ => {}
        }
    }
    collect(&vectors, &mut out);
    out.retain(|s| s.len() > 8);
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn random_text_never_panics(text in ".{0,300}") {
        all_parsers(&text);
    }

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        all_parsers(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn json_shaped_garbage_never_panics(
        cph in ".{0,40}", alg in any::<i64>(), cnt in any::<i64>(), nnc in "[A-Za-z0-9_+/=-]{0,40}"
    ) {
        let docs = [
            serde_json::json!({"cph": cph, "alg": alg, "cnt": cnt}),
            serde_json::json!({"cph": cph, "alg": 3, "nnc": nnc}),
            serde_json::json!({"nnc": nnc, "cnt": cnt, "key": cph, "alg": alg, "typ": cnt}),
            serde_json::json!({"pub": {"pub": nnc, "alg": alg}, "prv": {"prv": cph, "alg": 3}}),
            serde_json::json!({"exc": {"pub": nnc, "alg": 3}, "sig": {"pub": nnc, "alg": 3}, "sta": {"nnc": nnc, "alg": 3, "typ": cnt}}),
        ];
        for doc in docs {
            all_parsers(&doc.to_string());
        }
    }

    #[test]
    fn mutated_valid_documents_never_panic(pick in any::<usize>(), at in any::<usize>(), byte in any::<u8>(), cut in any::<bool>()) {
        let seeds = seeds();
        let mut doc = seeds[pick % seeds.len()].clone().into_bytes();
        let at = at % doc.len();
        if cut { doc.truncate(at) } else { doc[at] = byte }
        let text = String::from_utf8_lossy(&doc);
        all_parsers(&text);
        // Mutations inside the base64 wrapper too.
        all_parsers(&encoding::b64u_encode(text.as_bytes()));
    }
}

#[test]
fn deeply_nested_json_is_an_error_not_a_stack_overflow() {
    let deep = "[".repeat(100_000);
    all_parsers(&deep);
    assert!(RelationshipSecrets::from_json(&deep).is_err());
}
