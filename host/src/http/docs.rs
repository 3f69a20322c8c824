//! The OpenAPI document, generated from the handlers' own annotations (nothing hand-kept to
//! drift), at `/docs/json` and `/docs/yaml`, and the Swagger UI at `/docs/swagger` (with
//! `/docs` and `/api-docs…` redirecting there). As in the official Connector they are served,
//! unauthenticated, only in debug mode with `modules.coreHttpApi.docs.enabled` (which the
//! configuration refuses outside debug mode); a production Connector answers them 404.

use crate::app::App;
use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use utoipa::openapi::OpenApi;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};

/// The docs routes' own paths, besides the API's.
pub const PATHS: &[&str] = &[
    "/docs",
    "/docs/json",
    "/docs/yaml",
    "/docs/swagger",
    "/api-docs",
];

pub fn finish(mut openapi: OpenApi) -> OpenApi {
    operation_ids(&mut openapi);
    openapi.info.title = "Enmeshed Connector API".into();
    openapi.info.version = env!("CARGO_PKG_VERSION").into();
    openapi.info.description = Some("The REST API of the Enmeshed Connector.".into());
    let components = openapi.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "ApiKeyAuth",
        SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("X-API-KEY"))),
    );
    openapi.security = Some(vec![utoipa::openapi::security::SecurityRequirement::new(
        "ApiKeyAuth",
        Vec::<String>::new(),
    )]);
    openapi
}

/// Every operation's id is made from its method and path (`GET /api/core/v1/Messages/{id}` is
/// `getMessagesById`), so it is unique by construction and a client generator can name its
/// methods after it. The handlers' own names (`list`, `create`) repeat across route groups, and
/// generators refuse a document with repeated ids.
fn operation_ids(openapi: &mut OpenApi) {
    for (path, item) in openapi.paths.paths.iter_mut() {
        let operations = [
            ("get", &mut item.get),
            ("put", &mut item.put),
            ("post", &mut item.post),
            ("delete", &mut item.delete),
            ("options", &mut item.options),
            ("head", &mut item.head),
            ("patch", &mut item.patch),
            ("trace", &mut item.trace),
        ];
        for (method, operation) in operations {
            if let Some(operation) = operation {
                operation.operation_id = Some(operation_id(method, path));
            }
        }
    }
}

fn operation_id(method: &str, path: &str) -> String {
    let mut id = method.to_owned();
    let route = path.strip_prefix("/api/core/v1").unwrap_or(path);
    for segment in route.split('/').filter(|s| !s.is_empty()) {
        let (prefix, name) = match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(param) => ("By", param),
            None => ("", segment),
        };
        id.push_str(prefix);
        let mut chars = name.chars().filter(|c| c.is_ascii_alphanumeric());
        if let Some(first) = chars.next() {
            id.push(first.to_ascii_uppercase());
            id.extend(chars);
        }
    }
    id
}

/// The docs routes, unauthenticated as in the official Connector, in debug mode with the docs
/// enabled; none otherwise.
pub fn routes(app: &App, openapi: OpenApi) -> Router {
    if !(app.config.debug && app.config.docs_enabled()) {
        return Router::new();
    }
    let json = openapi.to_pretty_json().unwrap_or_default();
    let yaml = openapi.to_yaml().unwrap_or_default();
    // The official answers these with 301.
    let to_swagger = || async {
        (
            StatusCode::MOVED_PERMANENTLY,
            [(header::LOCATION, "/docs/swagger")],
        )
            .into_response()
    };
    Router::new()
        .route(
            "/docs/json",
            get(move || async move { ([(header::CONTENT_TYPE, "application/json")], json) }),
        )
        .route(
            "/docs/yaml",
            get(move || async move { ([(header::CONTENT_TYPE, "text/vnd.yaml")], yaml) }),
        )
        .route("/docs", get(to_swagger))
        .route("/api-docs", get(to_swagger))
        .route("/api-docs/{*rest}", get(to_swagger))
        .merge(swagger_ui_dist::generate_routes(
            swagger_ui_dist::ApiDefinition {
                uri_prefix: "/docs/swagger",
                api_definition: swagger_ui_dist::OpenApiSource::Uri("/docs/json"),
                title: Some("Enmeshed Connector API"),
            },
        ))
}

#[cfg(test)]
mod tests {
    use super::operation_id;

    #[test]
    fn operation_ids_come_from_method_and_path() {
        assert_eq!(operation_id("get", "/api/core/v1/Messages"), "getMessages");
        assert_eq!(
            operation_id(
                "get",
                "/api/core/v1/Messages/{id}/Attachments/{attachmentId}/Download"
            ),
            "getMessagesByIdAttachmentsByAttachmentIdDownload"
        );
        assert_eq!(
            operation_id("put", "/api/core/v1/Requests/Incoming/{id}/Accept"),
            "putRequestsIncomingByIdAccept"
        );
        assert_eq!(
            operation_id("get", "/Monitoring/Version"),
            "getMonitoringVersion"
        );
        assert_eq!(operation_id("get", "/health"), "getHealth");
    }
}
