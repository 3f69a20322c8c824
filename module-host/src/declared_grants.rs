//! The grants a module says it cannot work without, read from its component's
//! `connector-module-grants` custom section (written by `module_sdk::export_module!`), and the
//! check that the operator's config gives them. Without it, a missing grant would show only
//! when the module first tries to use it, as a failed event.

use crate::capabilities::http::HostPattern;
use crate::config::Grants;
use crate::error::ModuleHostError;
use module_sdk::pattern::scope_matches;

pub const SECTION: &str = "connector-module-grants";

/// One line of the section: a capability and the items it needs of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declared {
    pub capability: String,
    pub items: Vec<String>,
}

/// The declarations in `component`; none when it has no section (a module built without
/// declaring, or with another toolchain).
pub fn read(component: &[u8]) -> Vec<Declared> {
    let mut text = String::new();
    // Custom sections of the nested core module are reported too: that is where the
    // module's static lands.
    for payload in wasmparser::Parser::new(0).parse_all(component) {
        let Ok(payload) = payload else { break };
        if let wasmparser::Payload::CustomSection(section) = payload
            && section.name() == SECTION
        {
            text.push_str(&String::from_utf8_lossy(section.data()));
        }
    }
    text.lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            Some(Declared {
                capability: words.next()?.to_owned(),
                items: words.map(str::to_owned).collect(),
            })
        })
        .collect()
}

/// Fails naming the first grant the module declares and `grants` does not give.
pub fn check(module: &str, declared: &[Declared], grants: &Grants) -> Result<(), ModuleHostError> {
    let missing = |grant: String| {
        Err(ModuleHostError::MissingGrant {
            module: module.to_owned(),
            grant,
        })
    };
    for need in declared {
        match need.capability.as_str() {
            "api" => {
                for scope in &need.items {
                    if !grants
                        .api
                        .scopes
                        .iter()
                        .any(|role| scope_matches(role, scope))
                    {
                        return missing(format!("grants.api.scopes: \"{scope}\""));
                    }
                }
            }
            "http" => {
                let allowed: Vec<HostPattern> = grants
                    .http
                    .hosts
                    .iter()
                    .map(|h| HostPattern::parse(h))
                    .collect();
                if need.items.is_empty() && allowed.is_empty() {
                    return missing("grants.http.hosts (at least one host)".into());
                }
                for host in &need.items {
                    let (name, port) = match host.rsplit_once(':') {
                        Some((name, port)) => (name, port.parse().unwrap_or(443)),
                        None => (host.as_str(), 443),
                    };
                    if !allowed
                        .iter()
                        .any(|p| p.allows(&name.to_ascii_lowercase(), port))
                    {
                        return missing(format!("grants.http.hosts: \"{host}\""));
                    }
                }
            }
            "broker" if grants.broker.is_empty() => {
                return missing("grants.broker (at least one broker)".into());
            }
            "broker" => {}
            other => {
                return Err(ModuleHostError::load(
                    module,
                    format!(
                        "declares a grant of an unknown capability '{other}' (api, http, broker)"
                    ),
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{ApiGrant, HttpGrant};

    fn declared(text: &str) -> Vec<Declared> {
        text.lines()
            .map(|l| {
                let mut w = l.split_whitespace();
                Declared {
                    capability: w.next().unwrap().into(),
                    items: w.map(Into::into).collect(),
                }
            })
            .collect()
    }

    #[test]
    fn each_capability_is_checked_and_named() {
        let grants = Grants {
            api: ApiGrant {
                scopes: vec!["core:*".into()],
            },
            http: HttpGrant {
                hosts: vec!["*.example.com".into()],
                skip_tls_check: false,
            },
            broker: Vec::new(),
        };
        assert!(
            check(
                "m",
                &declared("api core:messages\nhttp crm.example.com"),
                &grants
            )
            .is_ok()
        );
        let err = check(
            "m",
            &declared("api core:messages monitoring:version"),
            &grants,
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("grants.api.scopes: \"monitoring:version\""),
            "{err}"
        );
        let err = check("m", &declared("http other.org"), &grants)
            .unwrap_err()
            .to_string();
        assert!(err.contains("grants.http.hosts: \"other.org\""), "{err}");
        let err = check("m", &declared("broker"), &grants)
            .unwrap_err()
            .to_string();
        assert!(err.contains("grants.broker"), "{err}");
        assert!(check("m", &declared("teleport"), &grants).is_err());
    }
}
