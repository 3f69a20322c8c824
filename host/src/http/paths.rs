//! Case-insensitive routing, as Express matches paths: `/api/core/v1/messages` is served by the
//! route `/api/core/v1/Messages`. The request's path is rewritten to the route's official casing
//! before routing, so the router, the API document and the logs keep one spelling; path
//! parameters (ids) keep the caller's spelling, since ids are case-sensitive. The Connector 6
//! prefix `/api/v2` is rewritten to `/api/core/v1` the same way ([`api_v2`]).

use axum::extract::Request;
use axum::http::Uri;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Param,
}

/// The official spellings of every route, to find the one a path means.
#[derive(Debug, Clone, Default)]
pub struct RouteCasing {
    routes: Vec<Vec<Segment>>,
}

fn segments(path: &str) -> Vec<&str> {
    // Express' non-strict routing also ignores one trailing slash.
    let trimmed = path
        .strip_suffix('/')
        .filter(|p| !p.is_empty())
        .unwrap_or(path);
    trimmed.split('/').collect()
}

impl RouteCasing {
    /// From route templates such as `/api/core/v1/Messages/{id}`.
    pub fn new<'a>(templates: impl IntoIterator<Item = &'a str>) -> Self {
        let routes = templates
            .into_iter()
            .map(|t| {
                segments(t)
                    .into_iter()
                    .map(|s| {
                        if s.starts_with('{') && s.ends_with('}') {
                            Segment::Param
                        } else {
                            Segment::Literal(s.to_owned())
                        }
                    })
                    .collect()
            })
            .collect();
        Self { routes }
    }

    /// The path in its route's official casing, or `None` when no route matches it. Where two
    /// routes match (`/Relationships/CanCreate` and `/Relationships/{id}`), the one with more
    /// literal segments wins, as the router itself prefers static segments.
    pub fn canonical(&self, path: &str) -> Option<String> {
        let given = segments(path);
        let best = self
            .routes
            .iter()
            .filter(|route| route.len() == given.len())
            .filter(|route| {
                route
                    .iter()
                    .zip(&given)
                    .all(|(segment, part)| match segment {
                        Segment::Literal(l) => l.eq_ignore_ascii_case(part),
                        Segment::Param => !part.is_empty(),
                    })
            })
            .max_by_key(|route| {
                route
                    .iter()
                    .filter(|s| matches!(s, Segment::Literal(_)))
                    .count()
            })?;
        let parts: Vec<&str> = best
            .iter()
            .zip(&given)
            .map(|(segment, part)| match segment {
                Segment::Literal(l) => l.as_str(),
                Segment::Param => part,
            })
            .collect();
        Some(parts.join("/"))
    }

    /// Rewrites `req`'s path (keeping its query) when a route matches it in another spelling.
    pub fn normalise(&self, mut req: Request) -> Request {
        let path = req.uri().path();
        let Some(canonical) = self.canonical(path).filter(|c| c != path) else {
            return req;
        };
        let path_and_query = match req.uri().query() {
            Some(q) => format!("{canonical}?{q}"),
            None => canonical,
        };
        let mut parts = req.uri().clone().into_parts();
        if let Ok(pq) = path_and_query.parse() {
            parts.path_and_query = Some(pq);
            if let Ok(uri) = Uri::from_parts(parts) {
                *req.uri_mut() = uri;
            }
        }
        req
    }
}

/// Marks a request that came in under `/api/v2`, for the metrics.
#[derive(Debug, Clone, Copy)]
pub struct ApiV2;

/// The Connector 6 layout: `/api/v2/<rest>` (any casing, as Express matches) is served by
/// `/api/core/v1/<rest>`. Only the prefix changes; casing and ids are left to
/// [`RouteCasing::normalise`], which runs next.
pub fn api_v2(mut req: Request) -> Request {
    let path = req.uri().path();
    let mut parts = path.splitn(4, '/');
    let (Some(""), Some(api), Some(v2)) = (parts.next(), parts.next(), parts.next()) else {
        return req;
    };
    if !(api.eq_ignore_ascii_case("api") && v2.eq_ignore_ascii_case("v2")) {
        return req;
    }
    let rest = parts.next().map(|r| format!("/{r}")).unwrap_or_default();
    let path_and_query = match req.uri().query() {
        Some(q) => format!("/api/core/v1{rest}?{q}"),
        None => format!("/api/core/v1{rest}"),
    };
    let mut uri = req.uri().clone().into_parts();
    if let Ok(pq) = path_and_query.parse() {
        uri.path_and_query = Some(pq);
        if let Ok(uri) = Uri::from_parts(uri) {
            *req.uri_mut() = uri;
            req.extensions_mut().insert(ApiV2);
        }
    }
    req
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v2(uri: &str) -> (String, bool) {
        let req = Request::builder()
            .uri(uri)
            .body(axum::body::Body::empty())
            .unwrap();
        let req = api_v2(req);
        (
            req.uri().to_string(),
            req.extensions().get::<ApiV2>().is_some(),
        )
    }

    #[test]
    fn the_connector_6_prefix_becomes_the_current_one() {
        assert_eq!(
            v2("/api/v2/Messages/MSGx?createdAt=%3E2020"),
            ("/api/core/v1/Messages/MSGx?createdAt=%3E2020".into(), true)
        );
        assert_eq!(
            v2("/API/V2/account/sync"),
            ("/api/core/v1/account/sync".into(), true)
        );
        assert_eq!(v2("/api/v2"), ("/api/core/v1".into(), true));
        assert_eq!(
            v2("/api/core/v1/Messages"),
            ("/api/core/v1/Messages".into(), false)
        );
        assert_eq!(v2("/api/v20/Messages"), ("/api/v20/Messages".into(), false));
        assert_eq!(v2("/health"), ("/health".into(), false));
    }

    fn casing() -> RouteCasing {
        RouteCasing::new([
            "/health",
            "/Monitoring/Version",
            "/api/core/v1/Messages",
            "/api/core/v1/Messages/{id}",
            "/api/core/v1/Relationships/{id}",
            "/api/core/v1/Relationships/CanCreate",
            "/api/core/v1/Relationships/{id}/Accept",
        ])
    }

    #[test]
    fn literal_segments_take_the_official_casing_and_ids_keep_theirs() {
        let c = casing();
        assert_eq!(
            c.canonical("/API/CORE/V1/messages").as_deref(),
            Some("/api/core/v1/Messages")
        );
        assert_eq!(
            c.canonical("/api/core/v1/messages/MSGabcDEF").as_deref(),
            Some("/api/core/v1/Messages/MSGabcDEF")
        );
        assert_eq!(
            c.canonical("/api/core/v1/relationships/cancreate")
                .as_deref(),
            Some("/api/core/v1/Relationships/CanCreate"),
            "a static segment beats a parameter"
        );
        assert_eq!(
            c.canonical("/api/core/v1/relationships/RELx/accept")
                .as_deref(),
            Some("/api/core/v1/Relationships/RELx/Accept")
        );
        assert_eq!(
            c.canonical("/monitoring/version/").as_deref(),
            Some("/Monitoring/Version")
        );
        assert_eq!(c.canonical("/api/core/v1/Nothing"), None);
        assert_eq!(
            c.canonical("/api/core/v1/Messages/"),
            Some("/api/core/v1/Messages".into())
        );
    }

    #[test]
    fn the_query_survives_the_rewrite() {
        let req = Request::builder()
            .uri("/api/core/v1/messages?createdAt=%3E2020&x=1")
            .body(axum::body::Body::empty())
            .unwrap();
        let req = casing().normalise(req);
        assert_eq!(
            req.uri().to_string(),
            "/api/core/v1/Messages?createdAt=%3E2020&x=1"
        );
    }
}
