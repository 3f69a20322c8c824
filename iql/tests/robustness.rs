//! No input makes the parser or the evaluation panic, and nesting is bounded instead of
//! overflowing the stack.

use serde_json::json;

/// A small deterministic generator (xorshift), so failures reproduce.
fn random(seed: &mut u64) -> u64 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    *seed
}

#[test]
fn garbage_never_panics() {
    // The grammar's own characters dominate, so the garbage gets deep into the rules.
    let alphabet: Vec<char> = "GivenName.city=><~?#'\\ \t\n\r&|!()aZ09:-+é😀\u{0}\u{301}"
        .chars()
        .collect();
    let attributes = vec![
        json!({"value": {"@type": "GivenName", "value": "a", "city": [1, {"b": 2}]}, "tags": ["a"]}),
        json!({"owner": "x", "value": {"@type": "Z"}}),
    ];
    let mut seed = 0x2545_F491_4F6C_DD1D_u64;
    for _ in 0..20_000 {
        let len = (random(&mut seed) % 24) as usize;
        let query: String = (0..len)
            .map(|_| alphabet[(random(&mut seed) % alphabet.len() as u64) as usize])
            .collect();
        let validation = iql::validate(&query);
        match iql::parse(&query) {
            Ok(parsed) => {
                assert_eq!(validation, iql::Validation::Valid, "{query:?}");
                let _ = iql::execute(&parsed, &attributes);
            }
            Err(_) => assert!(validation.column().is_some(), "{query:?}"),
        }
    }
}

#[test]
fn arbitrary_bytes_as_text_never_panic() {
    let mut seed = 0x9E37_79B9_7F4A_7C15_u64;
    for _ in 0..20_000 {
        let len = (random(&mut seed) % 32) as usize;
        let bytes: Vec<u8> = (0..len).map(|_| random(&mut seed) as u8).collect();
        let _ = iql::validate(&String::from_utf8_lossy(&bytes));
    }
}

#[test]
fn nesting_is_bounded() {
    let depth = iql::MAX_NESTING;
    let parens = |n: usize| format!("{}#a{}", "( ".repeat(n), " )".repeat(n));
    let nots = |n: usize| format!("{}#a", "!".repeat(n));
    let attributes = [json!({"value": {"@type": "X"}, "tags": ["a"]})];

    let deepest = iql::parse(&parens(depth)).expect("the deepest allowed nesting parses");
    assert_eq!(iql::execute(&deepest, &attributes), Ok(vec![0]));
    let deepest = iql::parse(&nots(depth)).expect("the deepest allowed negation parses");
    assert_eq!(iql::execute(&deepest, &attributes), Ok(vec![0]));

    for too_deep in [
        parens(depth + 1),
        nots(depth + 1),
        parens(100_000),
        nots(100_000),
    ] {
        assert_eq!(iql::parse(&too_deep), Err(iql::ParseError::TooDeep));
        // What the official `validate` answers when its parser overflows the stack.
        assert_eq!(
            iql::validate(&too_deep).to_json(),
            json!({"isValid": false, "error": {"message": "{}", "location": {
                "start": {"column": 0, "line": 0, "offset": 0},
                "end": {"column": 0, "line": 0, "offset": 0}}}})
        );
    }
}
