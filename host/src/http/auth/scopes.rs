//! Scope matching as the official Connector's: a role may use `*` for one `[a-zA-Z0-9_-]+`
//! segment and `**` for one or more `:`-separated segments; a route is allowed when any role
//! matches any of the route's scopes.

/// The roles of an authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub roles: Vec<String>,
}

impl Principal {
    pub fn everything() -> Self {
        Self {
            roles: vec!["**".into()],
        }
    }

    pub fn allows_any(&self, scopes: &[&str]) -> bool {
        self.roles
            .iter()
            .any(|role| scopes.iter().any(|scope| role_matches(role, scope)))
    }
}

fn is_segment(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

pub fn role_matches(role: &str, scope: &str) -> bool {
    let pattern: Vec<&str> = role.split(':').collect();
    let target: Vec<&str> = scope.split(':').collect();
    matches_from(&pattern, &target)
}

fn matches_from(pattern: &[&str], target: &[&str]) -> bool {
    match (pattern.split_first(), target.split_first()) {
        (None, None) => true,
        (Some((&"**", rest)), _) => {
            // One or more segments.
            (1..=target.len()).any(|n| {
                target[..n].iter().all(|s| is_segment(s)) && matches_from(rest, &target[n..])
            })
        }
        (Some((&"*", rest)), Some((t, trest))) => is_segment(t) && matches_from(rest, trest),
        (Some((p, rest)), Some((t, trest))) => p == t && matches_from(rest, trest),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::role_matches;

    #[test]
    fn wildcards() {
        let cases = [
            ("**", "core:messages", true),
            ("**", "monitoring:version", true),
            ("core:*", "core:messages", true),
            ("core:*", "core:requests:incoming", false),
            ("core:**", "core:requests:incoming", true),
            ("core:**", "core", false),
            ("*:version", "monitoring:version", true),
            ("core:messages", "core:messages", true),
            ("core:messages", "core:files", false),
            ("core:requests", "core:requests:incoming", false),
            ("**:incoming", "core:requests:incoming", true),
            ("*", "core:messages", false),
        ];
        for (role, scope, expected) in cases {
            assert_eq!(role_matches(role, scope), expected, "{role} vs {scope}");
        }
    }
}
