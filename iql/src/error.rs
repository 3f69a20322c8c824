//! Why a query did not parse, in the shape the official (Peggy-generated) parser reports it:
//! the set of things expected at the furthest position any alternative reached, the character
//! found there, and that position as offset/line/column counted in UTF-16 code units.

use std::fmt;

use crate::invisible::is_invisible;

/// Something the grammar expected at the failure position. The variants are declared in the
/// order JavaScript's default sort puts their descriptions, so a sorted set prints like Peggy's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Expected {
    Not,
    And,
    OpenParen,
    CloseParen,
    Or,
    EndOfInput,
    MetadataFieldTerm,
    PrimaryFieldTerm,
    TagTerm,
    Whitespace,
}

impl Expected {
    const ALL: [Expected; 10] = [
        Expected::Not,
        Expected::And,
        Expected::OpenParen,
        Expected::CloseParen,
        Expected::Or,
        Expected::EndOfInput,
        Expected::MetadataFieldTerm,
        Expected::PrimaryFieldTerm,
        Expected::TagTerm,
        Expected::Whitespace,
    ];

    fn description(self) -> &'static str {
        match self {
            Expected::Not => "\"!\"",
            Expected::And => "\"&&\"",
            Expected::OpenParen => "\"(\"",
            Expected::CloseParen => "\")\"",
            Expected::Or => "\"||\"",
            Expected::EndOfInput => "end of input",
            Expected::MetadataFieldTerm => "metadata field term",
            Expected::PrimaryFieldTerm => "primary field term",
            Expected::TagTerm => "tag term",
            Expected::Whitespace => "whitespace",
        }
    }
}

/// A set of [`Expected`], kept as bits: the parser records expectations very often and almost
/// always throws them away again, so this must not allocate.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExpectedSet(u16);

impl ExpectedSet {
    pub fn insert(&mut self, e: Expected) {
        self.0 |= 1 << e as u16;
    }

    pub fn iter(self) -> impl Iterator<Item = Expected> {
        Expected::ALL
            .into_iter()
            .filter(move |e| self.0 & (1 << *e as u16) != 0)
    }
}

/// A position in the query. All three numbers count UTF-16 code units, as JavaScript does;
/// `line` and `column` start at 1 and only `\n` starts a new line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Position {
    pub offset: usize,
    pub line: usize,
    pub column: usize,
}

/// Peggy's `SyntaxError`: what was expected, what was found, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub expected: ExpectedSet,
    /// The character at the failure position; `None` at the end of the input.
    pub found: Option<char>,
    pub start: Position,
    /// One code unit after `start`, or `start` itself at the end of the input.
    pub end: Position,
}

impl SyntaxError {
    /// Peggy's message, e.g. `Expected end of input or whitespace but "&" found.`
    pub fn message(&self) -> String {
        let descriptions: Vec<&str> = self.expected.iter().map(Expected::description).collect();
        let expected = match descriptions.as_slice() {
            [] => String::new(),
            [one] => (*one).to_owned(),
            [a, b] => format!("{a} or {b}"),
            [init @ .., last] => format!("{}, or {last}", init.join(", ")),
        };
        let found = match self.found {
            Some(c) => format!("\"{}\"", escape_literal(c)),
            None => "end of input".to_owned(),
        };
        format!("Expected {expected} but {found} found.")
    }
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

/// Why [`crate::parse`] refused a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    Syntax(SyntaxError),
    /// Nested deeper than [`crate::MAX_NESTING`]. The official parser recurses without a limit
    /// and fails with a JavaScript `RangeError` (stack overflow) somewhere past a thousand or
    /// so levels; we stop at a fixed depth instead of overflowing our own stack.
    TooDeep,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::Syntax(e) => e.fmt(f),
            ParseError::TooDeep => write!(
                f,
                "the query nests more than {} levels deep",
                crate::MAX_NESTING
            ),
        }
    }
}

impl std::error::Error for ParseError {}

/// How Peggy prints a found character: JavaScript string escapes for quotes, backslashes and
/// control characters, `\u{…}` for other invisible characters.
fn escape_literal(c: char) -> String {
    match c {
        '\\' => "\\\\".to_owned(),
        '"' => "\\\"".to_owned(),
        '\0' => "\\0".to_owned(),
        '\t' => "\\t".to_owned(),
        '\n' => "\\n".to_owned(),
        '\r' => "\\r".to_owned(),
        '\x01'..='\x0f' => format!("\\x0{:X}", c as u32),
        '\x10'..='\x1f' | '\x7f'..='\u{9f}' => format!("\\x{:X}", c as u32),
        c if is_invisible(c) => format!("\\u{{{:X}}}", c as u32),
        c => c.to_string(),
    }
}
