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

/// The official matching, shared with the module host (which checks a module's declared
/// scopes against its grant with the same rules).
pub use module_sdk::pattern::scope_matches as role_matches;

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
