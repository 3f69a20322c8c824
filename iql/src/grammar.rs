//! The official IQL grammar as a hand-written recursive-descent parser.
//!
//! Each function is one rule of `@nmshd/iql`'s Peggy grammar and tries the rule's alternatives
//! in the same order, so the same inputs are accepted and the same furthest failure position is
//! reached. Failures are recorded as Peggy records them, which is what makes the error messages
//! and locations match: a literal or a whitespace character that does not match records itself;
//! the term rules and the attribute type are *named* rules, which record only their name, at
//! their start, and nothing from inside.
//!
//! ```text
//! Expr   := Expr0 (_+ "||" _+ Expr0)*
//! Expr0  := Expr1 (_+ "&&" _+ Expr1)*
//! Expr1  := "!" Expr1 / Expr2
//! Expr2  := "(" _+ Expr _+ ")" / Term
//! Term   := PrimaryFieldTerm / MetadataFieldTerm / TagTerm
//! PrimaryFieldTerm  := AttributeType ("." PathSegment)+ Predicate
//!                    / AttributeType Predicate / AttributeType
//! MetadataFieldTerm := PathSegment ("." PathSegment)* Predicate
//! TagTerm      := "#" PredicateRHS
//! Predicate    := [=><~] PredicateRHS / "?"
//! PredicateRHS := "'" ("\\\\" / "\\'" / [^'\\])* "'" / ("\\\\" / "\\'" / [^'\\ ])*
//! PathSegment  := [a-z] [A-Za-z0-9]+
//! AttributeType := [A-Z] [A-Za-z0-9]*
//! _            := [ \t\n\r]
//! ```
//!
//! The parser works on bytes: every token is ASCII, and the classes that accept non-ASCII text
//! accept every byte of it, so positions always fall on character boundaries.

use crate::ast::{DateBound, Expr, Predicate, Query, Term};
use crate::date::parse_date;
use crate::error::{Expected, ExpectedSet, ParseError, Position, SyntaxError};

/// How many `(` and `!` may enclose a term. Far beyond any real query, and it keeps the
/// recursion (parsing takes up to 4 KiB of stack per level in a debug build) well inside a 2 MiB
/// thread stack. The official parser accepts about a thousand levels before JavaScript's stack
/// overflows; queries nested between the two limits are the one place where we refuse what it
/// accepts.
pub const MAX_NESTING: usize = 128;

/// Parses a query with the official grammar.
pub fn parse(input: &str) -> Result<Query, ParseError> {
    let mut p = Parser {
        input: input.as_bytes(),
        pos: 0,
        depth: 0,
        furthest: 0,
        expected: ExpectedSet::default(),
    };
    let parsed = p.expr().map_err(|TooDeep| ParseError::TooDeep)?;
    match parsed {
        Some(query) if p.pos == input.len() => Ok(query),
        parsed => {
            if parsed.is_some() {
                p.fail(Expected::EndOfInput);
            }
            Err(ParseError::Syntax(p.syntax_error(input)))
        }
    }
}

/// Raised when nesting exceeds [`MAX_NESTING`]; it aborts the whole parse.
struct TooDeep;

/// A rule's outcome: `Ok(None)` is an ordinary failure the caller may backtrack from.
type Rule<T> = Result<Option<T>, TooDeep>;

/// One of the term rules, which cannot nest and so cannot be too deep.
type TermRule<'i> = fn(&mut Parser<'i>) -> Option<Term>;

struct Parser<'i> {
    input: &'i [u8],
    pos: usize,
    depth: usize,
    /// The furthest position at which something failed to match, and what was expected there.
    furthest: usize,
    expected: ExpectedSet,
}

impl<'i> Parser<'i> {
    fn peek(&self) -> Option<u8> {
        self.input.get(self.pos).copied()
    }

    /// Records that `what` was expected at the current position (Peggy's `peg$fail`).
    fn fail(&mut self, what: Expected) {
        if self.pos < self.furthest {
            return;
        }
        if self.pos > self.furthest {
            self.furthest = self.pos;
            self.expected = ExpectedSet::default();
        }
        self.expected.insert(what);
    }

    fn literal(&mut self, text: &[u8], what: Expected) -> bool {
        if self.input[self.pos..].starts_with(text) {
            self.pos += text.len();
            true
        } else {
            self.fail(what);
            false
        }
    }

    /// `_+`. Its repetition ends at a failed `_`, which records "whitespace" even on success.
    fn whitespace(&mut self) -> bool {
        let start = self.pos;
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
        self.fail(Expected::Whitespace);
        self.pos > start
    }

    /// `Expr` and `Expr0`: operands joined by `op` with whitespace on both sides.
    fn chain(
        &mut self,
        op: &[u8],
        what: Expected,
        operand: fn(&mut Self) -> Rule<Expr>,
        join: fn(Vec<Expr>) -> Expr,
    ) -> Rule<Expr> {
        let Some(first) = operand(self)? else {
            return Ok(None);
        };
        let mut operands = vec![first];
        loop {
            let before = self.pos;
            if !(self.whitespace() && self.literal(op, what) && self.whitespace()) {
                self.pos = before;
                break;
            }
            match operand(self)? {
                Some(next) => operands.push(next),
                None => {
                    self.pos = before;
                    break;
                }
            }
        }
        Ok(Some(if operands.len() == 1 {
            operands.pop().expect("one operand")
        } else {
            join(operands)
        }))
    }

    fn expr(&mut self) -> Rule<Expr> {
        self.chain(b"||", Expected::Or, Self::expr0, Expr::Any)
    }

    fn expr0(&mut self) -> Rule<Expr> {
        self.chain(b"&&", Expected::And, Self::expr1, Expr::All)
    }

    fn nested<T>(&mut self, rule: fn(&mut Self) -> Rule<T>) -> Rule<T> {
        if self.depth == MAX_NESTING {
            return Err(TooDeep);
        }
        self.depth += 1;
        let result = rule(self);
        self.depth -= 1;
        result
    }

    /// `Expr1 := "!" Expr1 / Expr2`
    fn expr1(&mut self) -> Rule<Expr> {
        let start = self.pos;
        if self.literal(b"!", Expected::Not) {
            if let Some(inner) = self.nested(Self::expr1)? {
                return Ok(Some(Expr::Not(Box::new(inner))));
            }
            self.pos = start;
        }
        self.expr2()
    }

    /// `Expr2 := "(" _+ Expr _+ ")" / Term`
    fn expr2(&mut self) -> Rule<Expr> {
        let start = self.pos;
        if self.literal(b"(", Expected::OpenParen)
            && self.whitespace()
            && let Some(inner) = self.nested(Self::expr)?
            && self.whitespace()
            && self.literal(b")", Expected::CloseParen)
        {
            return Ok(Some(inner));
        }
        self.pos = start;
        Ok(self.term().map(Expr::Term))
    }

    /// `Term := PrimaryFieldTerm / MetadataFieldTerm / TagTerm`
    fn term(&mut self) -> Option<Term> {
        let rules: [(TermRule<'i>, Expected); 3] = [
            (Self::primary_field_term, Expected::PrimaryFieldTerm),
            (Self::metadata_field_term, Expected::MetadataFieldTerm),
            (Self::tag_term, Expected::TagTerm),
        ];
        for (rule, name) in rules {
            let start = self.pos;
            if let Some(term) = rule(self) {
                return Some(term);
            }
            self.pos = start;
            self.fail(name);
        }
        None
    }

    fn primary_field_term(&mut self) -> Option<Term> {
        let attribute_type = self.attribute_type()?;
        let after_type = self.pos;
        let fields = self.dotted_segments();
        if !fields.is_empty()
            && let Some(predicate) = self.predicate()
        {
            return Some(Term::Value {
                attribute_type,
                fields,
                predicate,
            });
        }
        self.pos = after_type;
        if let Some(predicate) = self.predicate() {
            return Some(Term::Value {
                attribute_type,
                fields: Vec::new(),
                predicate,
            });
        }
        self.pos = after_type;
        Some(Term::Type(attribute_type))
    }

    fn metadata_field_term(&mut self) -> Option<Term> {
        let first = self.path_segment()?;
        let mut path = vec![first];
        path.extend(self.dotted_segments());
        let predicate = self.predicate()?;
        Some(Term::Field { path, predicate })
    }

    fn tag_term(&mut self) -> Option<Term> {
        if self.peek() != Some(b'#') {
            return None;
        }
        self.pos += 1;
        Some(Term::Tag(self.predicate_rhs()))
    }

    /// `("." PathSegment)*`
    fn dotted_segments(&mut self) -> Vec<String> {
        let mut segments = Vec::new();
        while self.peek() == Some(b'.') {
            let before = self.pos;
            self.pos += 1;
            match self.path_segment() {
                Some(segment) => segments.push(segment),
                None => {
                    self.pos = before;
                    break;
                }
            }
        }
        segments
    }

    /// `[a-z] [A-Za-z0-9]+`
    fn path_segment(&mut self) -> Option<String> {
        self.word(|b| b.is_ascii_lowercase(), 2)
    }

    /// `[A-Z] [A-Za-z0-9]*`
    fn attribute_type(&mut self) -> Option<String> {
        self.word(|b| b.is_ascii_uppercase(), 1)
    }

    fn word(&mut self, first: fn(u8) -> bool, min_len: usize) -> Option<String> {
        let start = self.pos;
        if !self.peek().is_some_and(first) {
            return None;
        }
        let len = 1 + self.input[start + 1..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric())
            .count();
        if len < min_len {
            return None;
        }
        self.pos += len;
        Some(self.text(start, self.pos).to_owned())
    }

    fn text(&self, from: usize, to: usize) -> &str {
        // Both ends are ASCII positions of a `&str`, hence character boundaries.
        std::str::from_utf8(&self.input[from..to]).expect("character boundaries")
    }

    /// `Predicate := [=><~] PredicateRHS / "?"`
    fn predicate(&mut self) -> Option<Predicate> {
        let op = self.peek().filter(|b| b"=><~?".contains(b))?;
        self.pos += 1;
        let bound = |text: String| DateBound {
            time: parse_date(&text),
            text,
        };
        Some(match op {
            b'?' => Predicate::Defined,
            b'=' => Predicate::Equals(self.predicate_rhs()),
            b'>' => Predicate::NotBefore(bound(self.predicate_rhs())),
            b'<' => Predicate::NotAfter(bound(self.predicate_rhs())),
            _ => Predicate::Contains(self.predicate_rhs()),
        })
    }

    /// A quoted string if its closing quote is there, otherwise an unquoted one (which may be
    /// empty, so this never fails). `\\` and `\'` are the only escapes, in both forms.
    fn predicate_rhs(&mut self) -> String {
        let start = self.pos;
        if self.peek() == Some(b'\'') {
            self.pos += 1;
            let value = self.escaped_run(b'\'');
            if self.peek() == Some(b'\'') {
                self.pos += 1;
                return value;
            }
            self.pos = start;
        }
        self.escaped_run(b' ')
    }

    /// Characters up to a quote, a lone backslash or `stop`, with escapes resolved.
    fn escaped_run(&mut self, stop: u8) -> String {
        let mut value = String::new();
        let mut run = self.pos;
        while let Some(b) = self.peek() {
            match (b, self.input.get(self.pos + 1)) {
                (b'\\', Some(&escaped @ (b'\\' | b'\''))) => {
                    value.push_str(self.text(run, self.pos));
                    value.push(escaped as char);
                    self.pos += 2;
                    run = self.pos;
                }
                (b'\\' | b'\'', _) => break,
                (b, _) if b == stop => break,
                _ => self.pos += 1,
            }
        }
        value.push_str(self.text(run, self.pos));
        value
    }

    fn syntax_error(&self, input: &str) -> SyntaxError {
        let found = input[self.furthest..].chars().next();
        let start = position(input, self.furthest);
        let end = match found {
            // Peggy's end is one UTF-16 code unit further, even inside a surrogate pair.
            Some('\n') => Position {
                offset: start.offset + 1,
                line: start.line + 1,
                column: 1,
            },
            Some(_) => Position {
                offset: start.offset + 1,
                column: start.column + 1,
                ..start
            },
            None => start,
        };
        SyntaxError {
            expected: self.expected,
            found,
            start,
            end,
        }
    }
}

/// The JavaScript position (UTF-16 offset, line, column) of a byte offset.
fn position(input: &str, byte: usize) -> Position {
    let mut at = Position {
        offset: 0,
        line: 1,
        column: 1,
    };
    for c in input[..byte].chars() {
        let units = c.len_utf16();
        at.offset += units;
        if c == '\n' {
            at.line += 1;
            at.column = 1;
        } else {
            at.column += units;
        }
    }
    at
}
