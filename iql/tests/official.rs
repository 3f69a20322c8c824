//! Our parser and evaluation against the official `@nmshd/iql` 1.0.4, run in the same test
//! through `interop/iql/check.mjs`: every query of the table (and a few thousand generated
//! ones) must validate exactly alike — message and location included — and match the same
//! attributes, or fail on the same attributes.
//!
//! Needs Node 20 and `npm ci` in `interop/`; without them the test fails rather than skips.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use serde_json::{Value, json};

/// The official answers for each query over `attributes`.
fn official(attributes: &Value, queries: &[String]) -> Vec<Value> {
    let interop = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../interop");
    assert!(
        interop
            .join("node_modules/@nmshd/iql/package.json")
            .exists(),
        "@nmshd/iql is missing: run `npm ci --prefix interop`"
    );
    let mut child = Command::new("node")
        .arg(interop.join("iql/check.mjs"))
        // Date-times without an offset are local time in JavaScript; a Connector runs in UTC.
        .env("TZ", "UTC")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("node must be installed (Node 20) to compare with the official @nmshd/iql");
    let input = json!({"attributes": attributes, "queries": queries});
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.to_string().as_bytes())
        .expect("write the queries to check.mjs");
    let out = child.wait_with_output().expect("check.mjs ran");
    assert!(
        out.status.success(),
        "interop/iql/check.mjs failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let results: Vec<Value> = serde_json::from_slice(&out.stdout).expect("check.mjs prints JSON");
    assert_eq!(results.len(), queries.len());
    results
}

/// Our answers in the checker's shape.
fn ours(attributes: &Value, query: &str) -> Value {
    let validate = iql::validate(query).to_json();
    let execute = match iql::parse(query) {
        Ok(parsed) => match iql::execute(&parsed, attributes.as_array().expect("an array")) {
            Ok(indices) => json!({"indices": indices}),
            Err(e) => json!({"error": {"name": "TypeError", "message": e.to_string()}}),
        },
        Err(e) => json!({"error": {"name": "SyntaxError", "message": e.to_string()}}),
    };
    json!({"validate": validate, "execute": execute})
}

/// Compares every query and returns the differences, one line each.
fn differences(attributes: &Value, queries: &[String]) -> Vec<String> {
    let theirs = official(attributes, queries);
    let mut found = Vec::new();
    for (query, theirs) in queries.iter().zip(theirs) {
        let ours = ours(attributes, query);
        // Which error is thrown is compared by its name: for a query that does not parse the
        // official parser may already have evaluated (and thrown in) a term before the error.
        let same_execute = match (&ours["execute"]["error"], &theirs["execute"]["error"]) {
            (Value::Null, Value::Null) => ours["execute"] == theirs["execute"],
            (Value::Null, _) | (_, Value::Null) => false,
            (a, b) => a["name"] == b["name"] || theirs["validate"]["isValid"] == false,
        };
        if ours["validate"] != theirs["validate"] || !same_execute {
            found.push(format!(
                "{query:?}\n   ours:     {ours}\n   official: {theirs}"
            ));
        }
    }
    found
}

/// IdentityAttribute contents as the Connector stores them, chosen so every operator has
/// something to find and something to miss.
fn attributes() -> Value {
    let me = "did:e:localhost:dids:0000000000000000000001";
    let peer = "did:e:localhost:dids:0000000000000000000002";
    json!([
        {"@type": "IdentityAttribute", "owner": me, "value": {"@type": "GivenName", "value": "Alice"},
         "tags": ["language:en"]},
        {"@type": "IdentityAttribute", "owner": me, "value": {"@type": "GivenName", "value": "Al ice"},
         "tags": ["language:de", "x:content.edu.de.higher"]},
        {"@type": "IdentityAttribute", "owner": me, "value": {"@type": "Surname", "value": "O'Neil"}},
        {"@type": "IdentityAttribute", "owner": me,
         "value": {"@type": "BirthDate", "day": 1, "month": 5, "year": 1990}, "tags": []},
        {"@type": "IdentityAttribute", "owner": me,
         "value": {"@type": "StreetAddress", "recipient": "Alice", "street": "Main St", "houseNo": "12",
                   "zipCode": "10115", "city": "Berlin", "country": "DE"},
         "validFrom": "2020-01-01T00:00:00.000Z", "validTo": "2030-12-31T23:59:59.999Z"},
        {"@type": "IdentityAttribute", "owner": peer, "value": {"@type": "PhoneNumber", "value": "+49 30 123"},
         "tags": ["x:emergency", "x:back\\slash"]},
        {"@type": "IdentityAttribute", "owner": me,
         "value": {"@type": "StreetAddress", "recipient": "Bob", "street": "Hauptstr.", "houseNo": "1",
                   "zipCode": "80331", "city": "München", "country": "DE", "state": "Bavaria"},
         "validFrom": "2024-06-15"},
        {"@type": "IdentityAttribute", "owner": me,
         "value": {"@type": "BirthDate", "day": 31, "month": 12, "year": 1975}},
        {"@type": "IdentityAttribute", "owner": me, "value": {"@type": "Website", "value": "https://a.b/c?d=e f"},
         "tags": ["x:a"]},
        {"@type": "IdentityAttribute", "owner": me, "value": {"@type": "ProprietaryBoolean", "value": true,
         "title": "Consent"}},
        {"@type": "IdentityAttribute", "owner": me, "value": {"@type": "ProprietaryInteger", "value": 1.5e21,
         "title": "Big", "list": ["x:a", 7, null, ["y"]], "empty": {}, "full": {"k": null}}},
        {"@type": "IdentityAttribute", "owner": me, "value": {"@type": "ProprietaryString", "value": "1990-05-01",
         "title": "", "note": null}, "tags": ["", "x:a"]},
    ])
}

fn table() -> Vec<&'static str> {
    vec![
        // Terms: attribute types, value paths, metadata paths, tags.
        "GivenName",
        "Surname",
        "NoSuchType",
        "G",
        "GivenName=Alice",
        "GivenName='Al ice'",
        "GivenName=Al ice",
        "Surname=O\\'Neil",
        "Surname='O\\'Neil'",
        "Surname='O'Neil'",
        "StreetAddress.city=Berlin",
        "StreetAddress.city='München'",
        "StreetAddress.state?",
        "StreetAddress.recipient=Alice",
        "StreetAddress.city.name=Berlin",
        "StreetAddress.c=Berlin",
        "BirthDate.year=1990",
        "BirthDate.year>1980",
        "BirthDate.year<1980",
        "BirthDate.day=31",
        "ProprietaryBoolean=true",
        "ProprietaryBoolean.title=Consent",
        "ProprietaryInteger=1.5e+21",
        "ProprietaryInteger.list='x:a,7,,y'",
        "ProprietaryInteger.list~x:a",
        "ProprietaryInteger.list~7",
        "ProprietaryInteger.list?",
        "ProprietaryInteger.empty?",
        "ProprietaryInteger.full?",
        "ProprietaryInteger.full='[object Object]'",
        "ProprietaryString.title?",
        "ProprietaryString.note?",
        "ProprietaryString>1990-05-01",
        "ProprietaryString<1990-04-30T23:59:59.999Z",
        "ProprietaryString>'1990-05-01T00:00:00+02:00'",
        "Website='https://a.b/c?d=e f'",
        "owner=did:e:localhost:dids:0000000000000000000002",
        "owner?",
        "tags?",
        "tags~x:a",
        "value.value=Alice",
        "value.city=Berlin",
        "validFrom>2021-01-01",
        "validFrom<2021",
        "validTo>2030-12-31T23:59:59.999Z",
        "nothing?",
        "#language:en",
        "#x:content.edu.de.higher",
        "#x:back\\\\slash",
        "#'x:a'",
        "#",
        "#''",
        "#x:emergency&&#x:a",
        // Operators, precedence, grouping and negation.
        "PhoneNumber && #x:emergency",
        "#x:content.edu.de.higher || #language:en",
        "#x:content.edu.de.higher && ( #language:de || #language:en )",
        "#language:en || #language:de && #x:content.edu.de.higher",
        "( #language:en || #language:de ) && #x:content.edu.de.higher",
        "!#x:a",
        "!( #x:a )",
        "!!#x:a",
        "!( GivenName || BirthDate ) && !StreetAddress",
        "( ( GivenName ) )",
        "GivenName || Surname || BirthDate || NoSuchType",
        "GivenName && Surname",
        "StreetAddress &&\n\t#x:a\r\n||  Website",
        "( GivenName=Alice )",
        "( #x:a )",
        // Whitespace rules and other syntax errors.
        "",
        " ",
        " GivenName",
        "GivenName ",
        "PhoneNumber&&#x:emergency",
        "PhoneNumber &&#x:emergency",
        "PhoneNumber&& #x:emergency",
        "PhoneNumber && ",
        "PhoneNumber ||",
        "PhoneNumber & #x",
        "PhoneNumber | #x",
        "(#x:a)",
        "( #x:a)",
        "(#x:a )",
        "( #x:a ",
        "( )",
        "! #x",
        "!",
        "owner",
        "owner.x=1",
        "o=1",
        "GivenName = x",
        "GivenName =x",
        "GivenName.=x",
        "GivenName.value",
        "GivenName?x",
        "givenName",
        "1GivenName",
        "GivenName='Alice",
        "GivenName=a\\b",
        "#x\\",
        "StreetAddress.city=Berlin extra",
        "#a )",
        ")",
        "&& #a",
        "#a\n&& #b\n&&",
        "#a\n&&\n#b )",
        "GivenName=Al\u{e9}x ( \u{1F600}",
        "\u{1F600}",
        "#a \u{301}",
        "#a \u{7}",
        "#a \"",
        "#a \u{200B}",
        "#a \u{FEFF}",
        "#a \u{AD}",
        "#a \u{E000}",
        "#a \u{85}",
        "#a \u{A0}",
        "GivenName\u{2028}",
        "#a\t\\",
    ]
}

#[test]
fn the_table_answers_as_the_official_package() {
    let queries: Vec<String> = table().into_iter().map(str::to_owned).collect();
    let attributes = attributes();
    let valid = queries
        .iter()
        .filter(|q| iql::validate(q) == iql::Validation::Valid)
        .count();
    let differences = differences(&attributes, &queries);
    assert!(
        differences.is_empty(),
        "{} of {} queries differ from @nmshd/iql:\n{}",
        differences.len(),
        queries.len(),
        differences.join("\n")
    );
    eprintln!(
        "{} queries ({valid} valid, {} invalid) answer as @nmshd/iql 1.0.4",
        queries.len(),
        queries.len() - valid
    );
}

/// Attributes that make the official evaluation throw (or nearly): `null` on a path, no
/// `value`, objects with `toString` or `constructor` keys.
#[test]
fn odd_attributes_fail_where_the_official_package_throws() {
    let cases = [
        json!([{"value": {"@type": "GivenName", "value": null}}]),
        json!([{"value": {"@type": "GivenName", "value": {"a": null}}}]),
        json!([{"owner": "x"}]),
        json!([{"value": null}]),
        json!([{"value": "GivenName", "tags": null}]),
        json!([null]),
        json!(["text", 5, true, []]),
        json!([{"value": {"@type": "GivenName", "value": {"toString": 1}}}]),
        json!([{"value": {"@type": "GivenName", "value": {"constructor": null}}}]),
        json!([{"value": {"@type": "GivenName", "value": {"constructor": 1}}}]),
        json!([{"value": {"@type": "GivenName", "value": [{"toString": 1}]}}]),
    ];
    let queries: Vec<String> = [
        "GivenName",
        "GivenName=x",
        "GivenName.value.aa?",
        "GivenName?",
        "GivenName>2000",
        "value.value=x",
        "value.value.aa=x",
        "owner=x",
        "#x",
        "!#x || GivenName",
    ]
    .map(str::to_owned)
    .into();
    let mut found = Vec::new();
    for attributes in &cases {
        for line in differences(attributes, &queries) {
            found.push(format!("over {attributes}: {line}"));
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}

/// Error messages quote the character found, escaping control and format characters, private
/// use and unassigned code points, and combining marks (`\u{301}`); these are long-stable
/// members and non-members of those categories.
#[test]
fn found_characters_are_quoted_as_the_official_package_quotes_them() {
    let code_points = [
        0x00, 0x07, 0x1F, 0x7F, 0x85, 0x9F, 0xA0, 0xAD, 0xE9, 0xDF, 0x301, 0x378, 0x600, 0x903,
        0x93D, 0x200B, 0x200D, 0x2028, 0x2029, 0x202E, 0x2060, 0x4E2D, 0xFEFF, 0xFFF9, 0xFFFF,
        0xE000, 0xF8FF, 0x1F600, 0x1D165, 0xE0001, 0xE0100, 0x50000, 0xF0000, 0x10FFFD,
    ];
    let queries: Vec<String> = code_points
        .iter()
        .map(|&cp| format!("#a {}", char::from_u32(cp).expect("a character")))
        .collect();
    let differences = differences(&attributes(), &queries);
    assert!(differences.is_empty(), "{}", differences.join("\n"));
}

/// `>` and `<` read their right-hand side as JavaScript reads a date string. For each string,
/// an attribute holds the time we read from it, and `D>'s' && D<'s'` (both inclusive) matches it
/// only where the official package reads the very same time; for an invalid date,
/// `D>'s' || D<'s'` must match nothing.
#[test]
fn date_strings_are_read_as_javascript_reads_them() {
    let mut strings: Vec<String> = [
        "1990",
        "1990-05",
        "1990-05-01",
        "1990-05-01T10:00",
        "1990-05-01T10:00:00.123456Z",
        "1990-05-01T24:00",
        "1990-05-01T24:00:01",
        "+001990-05-01",
        "-000000-01-01",
        "-000001-01-01",
        "1990-02-30",
        "1990-13-01",
        "1990-5-1",
        "1990/05/01",
        "05/01/1990",
        "Jan 1 1990",
        "1 January 1990",
        "December 17, 1995 03:24:00",
        "Tue Mar 05 2024 10:00:00 GMT+0100",
        "1990-05-01 10:00",
        "10:00 1990-05-01",
        "1990-05-01 10:00 pm",
        "1990-05-01 12:00 am",
        "1",
        "12",
        "123",
        "12345",
        "0",
        "-1",
        " 1990",
        "1990 ",
        "abc",
        "",
        "[object Object]",
        "did:e:localhost:dids:0000000000000000000002",
        "x:a",
        "true",
        "Alice",
        "2021",
        "7",
        "1.5e+21",
        "2000-01-01T00:00:00+0530",
        "2000-01-01T00:00:00-23:59",
        "2000-01-01T00:00:00+24:00",
        "2000 (comment) 01 02",
        "2000 ) 01",
        "2000 GMT+1",
        "2000 UTC-0800",
        "2000 EST",
        "10:20:30.5 2000",
        "2000 10::",
        "2000 10:20:30:40",
        "275760-09-13",
        "+275760-09-13T00:00:00.001Z",
        "2000\u{0}x",
        "Décembre 1 2000",
        "decimal 5 2000",
        "T10:00",
        "2000T10:00",
        "2000-01-01t10:00z",
        "1/2/3",
        "99 1 1",
        "50 1 1",
        "49 1 1",
        "32 1 1",
        "1 32 1",
        "2000 1 1 1",
    ]
    .map(str::to_owned)
    .into();
    let pieces = [
        "1",
        "12",
        "123",
        "1990",
        "05",
        "31",
        "123456",
        "2000000000",
        "-",
        "/",
        ":",
        "::",
        ".",
        " ",
        "T",
        "Z",
        "+",
        "(",
        ")",
        "(x)",
        "Jan",
        "march",
        "pm",
        "am",
        "GMT",
        "UTC",
        "EST",
        "did",
        "e",
        ",",
        "ä",
    ];
    let mut random = Random(0x0123_4567_89AB_CDEF);
    strings.extend((0..3000).map(|_| {
        let len = 1 + random.next() % 7;
        (0..len).map(|_| random.pick(&pieces)).collect::<String>()
    }));
    let quoted = |s: &str| format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"));
    let mut attributes = Vec::new();
    let mut queries = Vec::new();
    for (i, s) in strings.iter().enumerate() {
        let ty = format!("D{i}");
        let query = format!("{ty}>{}", quoted(s));
        let Ok(iql::Expr::Term(iql::Term::Value {
            predicate: iql::Predicate::NotBefore(bound),
            ..
        })) = iql::parse(&query)
        else {
            panic!("{query} parses as one date comparison");
        };
        let time = if bound.time.is_nan() { 0.0 } else { bound.time };
        attributes.push(json!({"value": {"@type": ty, "value": time}}));
        let op = if bound.time.is_nan() { "||" } else { "&&" };
        queries.push(format!("{ty}>{q} {op} {ty}<{q}", q = quoted(s)));
    }
    let differences = differences(&Value::Array(attributes), &queries);
    assert!(
        differences.is_empty(),
        "{} of {} date strings are read differently:\n{}",
        differences.len(),
        queries.len(),
        differences
            .iter()
            .take(30)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// A small deterministic generator (xorshift), so failures reproduce.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

/// Well-formed queries over the sample attributes: their matches are compared, not just their
/// syntax.
fn well_formed(random: &mut Random, depth: u32) -> String {
    match random.next() % if depth == 0 { 4 } else { 8 } {
        0 => {
            let ty = random.pick(&[
                "GivenName",
                "Surname",
                "BirthDate",
                "StreetAddress",
                "PhoneNumber",
                "Website",
                "ProprietaryString",
                "ProprietaryInteger",
                "ProprietaryBoolean",
                "X",
            ]);
            let fields = random.pick(&[
                "", "", ".value", ".city", ".year", ".day", ".title", ".list", ".state", ".note",
                ".empty", ".full", ".full.k",
            ]);
            match random.next() % 4 {
                0 => ty.to_owned(),
                _ => format!("{ty}{fields}{}", predicate(random)),
            }
        }
        1 => {
            let path = random.pick(&[
                "owner",
                "tags",
                "validFrom",
                "validTo",
                "value.value",
                "value.city",
                "value.year",
                "value.list",
                "nothing",
            ]);
            format!("{path}{}", predicate(random))
        }
        2 => format!(
            "#{}",
            random.pick(&["language:en", "language:de", "x:a", "''", "x:emergency"])
        ),
        3 => format!("!{}", well_formed(random, depth.saturating_sub(1))),
        4 | 5 => {
            let op = random.pick(&[" && ", " || ", "\n&&\t", " ||  "]);
            format!(
                "{}{op}{}",
                well_formed(random, depth - 1),
                well_formed(random, depth - 1)
            )
        }
        _ => format!("( {} )", well_formed(random, depth - 1)),
    }
}

fn predicate(random: &mut Random) -> String {
    if random.next().is_multiple_of(6) {
        return "?".to_owned();
    }
    let op = random.pick(&["=", "=", ">", "<", "~"]);
    let rhs = random.pick(&[
        "Alice",
        "'Al ice'",
        "1990",
        "1980",
        "1975",
        "1990-05-01",
        "1990-05-01T00:00:00Z",
        "x:a",
        "Berlin",
        "true",
        "''",
        "2021",
        "2030-12-31T23:59:59.999Z",
        "1.5e+21",
        "DE",
        "did:e:localhost:dids:0000000000000000000002",
        "'x:a,7,,y'",
        "7",
        "+002000-01-01",
    ]);
    format!("{op}{rhs}")
}

/// Strings made of the grammar's own pieces, so most of them are nearly valid and the parser's
/// error positions get a thorough workout.
fn garbled(random: &mut Random) -> String {
    let pieces = [
        "GivenName",
        "BirthDate",
        "StreetAddress",
        "owner",
        "tags",
        "value",
        "x",
        "A",
        "#",
        "#x:a",
        ".",
        ".city",
        ".year",
        "=",
        ">",
        "<",
        "~",
        "?",
        "'",
        "\\",
        "\\'",
        "\\\\",
        " ",
        "  ",
        "\t",
        "\n",
        "&&",
        "||",
        "&",
        "|",
        "!",
        "(",
        ")",
        "( ",
        " )",
        " && ",
        " || ",
        "1990",
        "Alice",
        "ä",
        "😀",
    ];
    let len = 1 + random.next() % 10;
    (0..len).map(|_| random.pick(&pieces)).collect()
}

#[test]
fn generated_queries_answer_as_the_official_package() {
    let mut random = Random(0x9E37_79B9_7F4A_7C15);
    let mut queries: Vec<String> = (0..2000).map(|_| well_formed(&mut random, 3)).collect();
    queries.extend((0..3000).map(|_| garbled(&mut random)));
    let valid = queries
        .iter()
        .filter(|q| iql::validate(q) == iql::Validation::Valid)
        .count();
    let differences = differences(&attributes(), &queries);
    assert!(
        differences.is_empty(),
        "{} of {} generated queries differ from @nmshd/iql:\n{}",
        differences.len(),
        queries.len(),
        differences
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    eprintln!(
        "{} generated queries ({valid} valid) answer as @nmshd/iql 1.0.4",
        queries.len()
    );
}
