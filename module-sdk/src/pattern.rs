//! Event name patterns, as the official Connector's event bus (EventEmitter2 with `.` as
//! delimiter) understands them. Pure code shared by the host (which decides what to deliver)
//! and modules (which route an event to their own handlers, e.g. webhook triggers).

/// Whether `name` (e.g. `transport.messageReceived`) matches `pattern`.
///
/// Segments are split on `.`; `*` matches exactly one segment and `**` one or more, so
/// `transport.*` matches `transport.messageSent` but not `consumption.relationshipEvent.X`,
/// and `**` matches every event.
pub fn matches(pattern: &str, name: &str) -> bool {
    let pattern: Vec<&str> = pattern.split('.').collect();
    let name: Vec<&str> = name.split('.').collect();
    match_segments(&pattern, &name)
}

/// Whether `name` matches any of `patterns`.
pub fn matches_any<S: AsRef<str>>(patterns: &[S], name: &str) -> bool {
    patterns.iter().any(|p| matches(p.as_ref(), name))
}

fn match_segments(pattern: &[&str], name: &[&str]) -> bool {
    match (pattern.split_first(), name.split_first()) {
        (None, None) => true,
        (None, Some(_)) | (Some(_), None) => false,
        (Some((&"**", rest)), Some(_)) => {
            // `**` takes one segment, then either stops or keeps going.
            (1..=name.len()).any(|taken| match_segments(rest, &name[taken..]))
        }
        (Some((&"*", rest)), Some((_, name_rest))) => match_segments(rest, name_rest),
        (Some((segment, rest)), Some((head, name_rest))) => {
            segment == head && match_segments(rest, name_rest)
        }
    }
}

/// Whether the API-key role `role` allows the API scope `scope`, as the official Connector
/// matches them: segments split on `:`, each `[a-zA-Z0-9_-]+`; `*` is one segment and `**`
/// one or more (`core:*` allows `core:messages`, not `core:requests:incoming`).
pub fn scope_matches(role: &str, scope: &str) -> bool {
    let role: Vec<&str> = role.split(':').collect();
    let scope: Vec<&str> = scope.split(':').collect();
    match_scope(&role, &scope)
}

fn is_scope_segment(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

fn match_scope(pattern: &[&str], target: &[&str]) -> bool {
    match (pattern.split_first(), target.split_first()) {
        (None, None) => true,
        (Some((&"**", rest)), _) => (1..=target.len()).any(|n| {
            target[..n].iter().all(|s| is_scope_segment(s)) && match_scope(rest, &target[n..])
        }),
        (Some((&"*", rest)), Some((t, trest))) => is_scope_segment(t) && match_scope(rest, trest),
        (Some((p, rest)), Some((t, trest))) => p == t && match_scope(rest, trest),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn exact_names_match_only_themselves() {
        assert!(matches(
            "transport.messageReceived",
            "transport.messageReceived"
        ));
        assert!(!matches(
            "transport.messageReceived",
            "transport.messageSent"
        ));
        assert!(!matches(
            "transport.messageReceived",
            "transport.messageReceived.x"
        ));
    }

    #[test]
    fn single_star_is_one_segment() {
        assert!(matches("transport.*", "transport.messageSent"));
        assert!(!matches("transport.*", "transport"));
        assert!(!matches(
            "transport.*",
            "consumption.relationshipEvent.REL1"
        ));
        assert!(matches(
            "consumption.relationshipEvent.*",
            "consumption.relationshipEvent.REL1"
        ));
        assert!(matches("*.messageSent", "transport.messageSent"));
    }

    #[test]
    fn double_star_is_one_or_more_segments() {
        assert!(matches("**", "runtime.initialized"));
        assert!(matches("**", "consumption.relationshipEvent.REL1"));
        assert!(matches(
            "consumption.**",
            "consumption.relationshipEvent.REL1"
        ));
        assert!(!matches("consumption.**", "consumption"));
        assert!(!matches("consumption.**", "transport.messageSent"));
        assert!(matches("**.messageSent", "transport.messageSent"));
        assert!(matches("a.**.d", "a.b.c.d"));
        assert!(!matches("a.**.d", "a.d"));
    }

    #[test]
    fn empty_pattern_matches_nothing_real() {
        assert!(!matches("", "transport.messageSent"));
    }
}
