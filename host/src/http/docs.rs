//! The OpenAPI document, generated from the handlers' own annotations (nothing hand-kept to
//! drift), at `/docs/json` and `/docs/yaml`; the Swagger UI at `/docs/swagger` in debug mode
//! with `modules.coreHttpApi.docs.enabled`, as the official Connector offers it.

use crate::app::App;
use axum::Router;
use axum::http::header;
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use utoipa::openapi::OpenApi;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};

/// The docs routes' own paths, besides the API's.
pub const PATHS: &[&str] = &["/docs", "/docs/json", "/docs/yaml", "/docs/swagger"];

pub fn finish(mut openapi: OpenApi) -> OpenApi {
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

/// The docs routes, unauthenticated as in the official Connector.
pub fn routes(app: &App, openapi: OpenApi) -> Router {
    let json = openapi.to_pretty_json().unwrap_or_default();
    let yaml = openapi.to_yaml().unwrap_or_default();
    let mut router = Router::new()
        .route(
            "/docs/json",
            get(move || async move { ([(header::CONTENT_TYPE, "application/json")], json) }),
        )
        .route(
            "/docs/yaml",
            get(move || async move { ([(header::CONTENT_TYPE, "text/vnd.yaml")], yaml) }),
        );
    if app.config.debug && app.config.docs_enabled() {
        router = router
            .route(
                "/docs",
                get(|| async { Redirect::permanent("/docs/swagger").into_response() }),
            )
            .merge(swagger_ui_dist::generate_routes(
                swagger_ui_dist::ApiDefinition {
                    uri_prefix: "/docs/swagger",
                    api_definition: swagger_ui_dist::OpenApiSource::Uri("/docs/json"),
                    title: Some("Enmeshed Connector API"),
                },
            ));
    }
    router
}
