//! The OpenAPI document, generated from the handlers' own annotations (nothing hand-kept to
//! drift), at `/docs/json` and `/docs/yaml`, the Swagger UI at `/docs/swagger` (with `/docs`
//! and `/api-docs…` redirecting there), RapiDoc at `/docs/rapidoc` (its script, RapiDoc 9.3.8
//! under the MIT licence, from `assets/rapidoc/`) and `/favicon.ico`. As in the official Connector they are served,
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
    "/docs/rapidoc",
    "/rapidoc/rapidoc-min.js",
    "/favicon.ico",
    "/api-docs",
];

/// RapiDoc's script, kept gzip-compressed (a fifth of its size) and sent as such: only
/// browsers load it, and every browser takes gzip.
const RAPIDOC_JS_GZ: &[u8] = include_bytes!("../../assets/rapidoc/rapidoc-min.js.gz");
const FAVICON: &[u8] = include_bytes!("../../assets/favicon.ico");

/// The RapiDoc page, reading the document from `/docs/json`; `persistAuth` keeps the API key
/// a user entered across reloads (`modules.coreHttpApi.docs.rapidoc.persistAuth`).
fn rapidoc_page(persist_auth: bool) -> String {
    format!(
        r#"<!doctype html>
<html>
<head>
<meta charset="utf-8">
<title>Enmeshed Connector API</title>
<script type="module" src="/rapidoc/rapidoc-min.js"></script>
</head>
<body>
<rapi-doc spec-url="/docs/json" render-style="read" show-header="false" allow-authentication="true" persist-auth="{persist_auth}"></rapi-doc>
</body>
</html>
"#
    )
}

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
    let persist_auth = app
        .config
        .modules
        .get("coreHttpApi")
        .and_then(|m| m.pointer("/docs/rapidoc/persistAuth"))
        .and_then(serde_json::Value::as_bool)
        .unwrap_or(false);
    let rapidoc = rapidoc_page(persist_auth);
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
        .route(
            "/docs/rapidoc",
            get(move || async move { axum::response::Html(rapidoc) }),
        )
        .route(
            "/rapidoc/rapidoc-min.js",
            get(|| async {
                (
                    [
                        (
                            header::CONTENT_TYPE,
                            "application/javascript; charset=utf-8",
                        ),
                        (header::CONTENT_ENCODING, "gzip"),
                    ],
                    RAPIDOC_JS_GZ,
                )
            }),
        )
        .route(
            "/favicon.ico",
            get(|| async { ([(header::CONTENT_TYPE, "image/x-icon")], FAVICON) }),
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
