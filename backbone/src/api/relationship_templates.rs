//! `/api/v2/RelationshipTemplates`.

use super::{AppState, Auth, Body, Params, check_id, created, no_content, ok, paged};
use crate::domain::relationship_templates::{CreateTemplateRequest, TemplateQuery};
use crate::error::Error;
use crate::model::Bytes;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use std::collections::BTreeMap;
use wire::RelationshipTemplateId;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v2/RelationshipTemplates", get(list).post(create))
        .route(
            "/api/v2/RelationshipTemplates/{id}",
            get(read).delete(remove),
        )
}

async fn create(
    State(backbone): State<AppState>,
    Auth(caller): Auth,
    Body(request): Body<CreateTemplateRequest>,
) -> Result<Response, Error> {
    Ok(created(backbone.create_template(&caller, request).await?))
}

async fn read(
    State(backbone): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
    params: Params,
) -> Result<Response, Error> {
    check_id(RelationshipTemplateId::PREFIX, &id)?;
    let password = params.bytes("password")?;
    Ok(ok(backbone
        .get_template(&caller, &id, password.as_ref())
        .await?))
}

/// Accepts `ids=…` and `templates.N.id=…&templates.N.password=…` (axios' `dots` notation).
async fn list(
    State(backbone): State<AppState>,
    Auth(caller): Auth,
    params: Params,
) -> Result<Response, Error> {
    let page = params.page(&backbone)?;
    let mut queries: Vec<TemplateQuery> = params
        .all("ids")
        .into_iter()
        .map(|id| TemplateQuery { id, password: None })
        .collect();
    let mut indexed: BTreeMap<String, TemplateQuery> = BTreeMap::new();
    for (key, value) in params.with_prefix("templates.") {
        let Some((index, field)) = key.split_once('.') else {
            continue;
        };
        let entry = indexed.entry(index.to_owned()).or_insert(TemplateQuery {
            id: String::new(),
            password: None,
        });
        if field.eq_ignore_ascii_case("id") {
            entry.id = value;
        } else if field.eq_ignore_ascii_case("password") && !value.is_empty() {
            entry.password = Some(
                Bytes::decode(&value)
                    .ok_or_else(|| Error::parse("template password is not valid base64"))?,
            );
        }
    }
    queries.extend(indexed.into_values());
    if queries
        .iter()
        .any(|q| RelationshipTemplateId::parse(&q.id).is_err())
    {
        return Err(Error::rule(
            "error.platform.validation.relationship.invalidRelationshipTemplateQueryItem",
            "RelationshipTemplateQueryItem object is expected to have Id property containing the RelationshipTemplateId and optionally a Password property.",
        ));
    }
    Ok(paged(
        backbone.list_templates(&caller, queries).await?,
        page,
    ))
}

async fn remove(
    State(backbone): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
) -> Result<Response, Error> {
    check_id(RelationshipTemplateId::PREFIX, &id)?;
    backbone.delete_template(&caller, &id).await?;
    Ok(no_content())
}
