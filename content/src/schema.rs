//! OpenAPI schemas (feature `schema`) for the types whose JSON a derive cannot describe:
//! numbers as JavaScript holds them, the hints with their fixed `@type` and `propertyHints`,
//! and the group-or-item entries of requests and responses. Everything else derives its
//! schema next to its serde attributes.

use std::borrow::Cow;

use utoipa::openapi::schema::{AllOfBuilder, ObjectBuilder, OneOfBuilder, Schema, Type};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{PartialSchema, ToSchema};

use crate::JsNumber;
use crate::attributes::hints::{HintFields, ValueHints, ValueHintsOverride};
use crate::requests::items::RequestItem;
use crate::requests::response::{ResponseEntry, ResponseItem, ResponseItemGroup};
use crate::requests::{RequestEntry, RequestItemGroup};

type Schemas = Vec<(String, RefOr<Schema>)>;

impl PartialSchema for JsNumber {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new().schema_type(Type::Number).into()
    }
}

impl ToSchema for JsNumber {}

/// `body` with a required `"@type": type_name` beside it.
fn typed(type_name: &str, body: RefOr<Schema>) -> RefOr<Schema> {
    let tag = ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some([type_name.to_owned()]));
    AllOfBuilder::new()
        .item(
            ObjectBuilder::new()
                .property("@type", tag)
                .required("@type"),
        )
        .item(body)
        .into()
}

fn reference<T: ToSchema>() -> RefOr<Schema> {
    Ref::from_schema_name(T::name()).into()
}

/// Registers `T` and what it refers to.
fn register<T: ToSchema>(schemas: &mut Schemas) {
    schemas.push((T::name().into_owned(), T::schema()));
    T::schemas(schemas);
}

fn hints(type_name: &str) -> RefOr<Schema> {
    let property_hints = ObjectBuilder::new()
        .schema_type(Type::Object)
        .additional_properties(Some(reference::<ValueHints>()));
    let body = AllOfBuilder::new().item(reference::<HintFields>()).item(
        ObjectBuilder::new()
            .property("propertyHints", property_hints)
            .required("propertyHints"),
    );
    typed(type_name, body.into())
}

impl PartialSchema for ValueHints {
    fn schema() -> RefOr<Schema> {
        hints("ValueHints")
    }
}

impl ToSchema for ValueHints {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("ValueHints")
    }

    fn schemas(schemas: &mut Schemas) {
        register::<HintFields>(schemas);
    }
}

impl PartialSchema for ValueHintsOverride {
    fn schema() -> RefOr<Schema> {
        hints("ValueHintsOverride")
    }
}

impl ToSchema for ValueHintsOverride {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("ValueHintsOverride")
    }

    fn schemas(schemas: &mut Schemas) {
        register::<HintFields>(schemas);
        register::<ValueHints>(schemas);
    }
}

impl PartialSchema for RequestEntry {
    fn schema() -> RefOr<Schema> {
        OneOfBuilder::new()
            .item(typed("RequestItemGroup", reference::<RequestItemGroup>()))
            .item(reference::<RequestItem>())
            .into()
    }
}

impl ToSchema for RequestEntry {
    fn schemas(schemas: &mut Schemas) {
        register::<RequestItemGroup>(schemas);
        register::<RequestItem>(schemas);
    }
}

impl PartialSchema for ResponseEntry {
    fn schema() -> RefOr<Schema> {
        OneOfBuilder::new()
            .item(typed("ResponseItemGroup", reference::<ResponseItemGroup>()))
            .item(reference::<ResponseItem>())
            .into()
    }
}

impl ToSchema for ResponseEntry {
    fn schemas(schemas: &mut Schemas) {
        register::<ResponseItemGroup>(schemas);
        register::<ResponseItem>(schemas);
    }
}
