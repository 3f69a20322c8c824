//! The typed form of a parsed query. It mirrors the official grammar's rules one to one, so a
//! reader can hold the two side by side; evaluation lives in `evaluate.rs`.

/// A whole query: the official start rule `Expr`.
pub type Query = Expr;

/// A query expression. `&&` binds tighter than `||`; `!` applies to the next factor.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// `a || b || …`: the union of the matches (always two or more operands).
    Any(Vec<Expr>),
    /// `a && b && …`: the intersection of the matches (always two or more operands).
    All(Vec<Expr>),
    /// `!a`: every attribute that `a` does not match.
    Not(Box<Expr>),
    Term(Term),
}

/// One condition on a single attribute.
#[derive(Debug, Clone, PartialEq)]
pub enum Term {
    /// `PhoneNumber`: the attribute value's `@type` is exactly this.
    Type(String),
    /// `StreetAddress.city=Berlin` or `GivenName=Alice`: the value's `@type` is `attribute_type`
    /// and the predicate holds for `value.<fields…>`; without fields, for `value.value`.
    Value {
        attribute_type: String,
        fields: Vec<String>,
        predicate: Predicate,
    },
    /// `owner=did:e:…`, `value.value?`: the predicate holds for the field at this path from the
    /// attribute's root.
    Field {
        path: Vec<String>,
        predicate: Predicate,
    },
    /// `#language:de`: the attribute's `tags` array holds this tag.
    Tag(String),
}

/// The test applied to one field.
#[derive(Debug, Clone, PartialEq)]
pub enum Predicate {
    /// `=x`: the field, turned into a string as JavaScript's `String()` does, equals `x`.
    Equals(String),
    /// `>x`: the field, read as a JavaScript `Date`, is at or after `x` (inclusive).
    NotBefore(DateBound),
    /// `<x`: the field, read as a JavaScript `Date`, is at or before `x` (inclusive).
    NotAfter(DateBound),
    /// `~x`: the field is an array that holds the string `x`.
    Contains(String),
    /// `?`: the field is defined; empty arrays and empty objects count as undefined.
    Defined,
}

/// The right-hand side of `>` and `<`: its text and the time it denotes, read once at parse time
/// so evaluation over many attributes does not parse it again.
#[derive(Debug, Clone, PartialEq)]
pub struct DateBound {
    pub text: String,
    /// Milliseconds since the epoch; NaN when JavaScript's `new Date(text)` is an invalid date.
    pub time: f64,
}
