//! Facts of an OpenAPI document in the form `facts.py` writes for the official one: operations,
//! parameter types, and body and response fields flattened to typed paths. The rules are
//! documented in `facts.py`; this is their Rust twin for our own `/docs/json`, keep both in step.

use serde::Deserialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

const MAX_DEPTH: usize = 8;
const METHODS: [&str; 5] = ["get", "put", "post", "delete", "patch"];

#[derive(Debug, Deserialize)]
pub struct Facts {
    pub operations: BTreeMap<String, Operation>,
}

#[derive(Debug, Default, Deserialize)]
pub struct Operation {
    #[serde(default)]
    pub path: Vec<PathParam>,
    #[serde(default)]
    pub query: BTreeMap<String, String>,
    pub body: Option<Body>,
    pub status: Option<u16>,
    pub response: Option<Response>,
}

#[derive(Debug, Deserialize)]
pub struct PathParam {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Body {
    pub media_type: String,
    pub fields: BTreeMap<String, String>,
    pub required: BTreeSet<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Response {
    #[serde(default)]
    pub fields: Option<BTreeMap<String, String>>,
    #[serde(default)]
    pub required: BTreeSet<String>,
    #[serde(default)]
    pub media_types: Vec<String>,
}

/// `GET /a/{id}/b` → `GET /a/{}/b`: operations match by shape, parameter names are compared apart.
pub fn shape_key(key: &str) -> String {
    let mut out = String::new();
    let mut in_param = false;
    for c in key.chars() {
        match c {
            '{' => {
                in_param = true;
                out.push_str("{}");
            }
            '}' => in_param = false,
            _ if !in_param => out.push(c),
            _ => {}
        }
    }
    out
}

/// Every operation of `doc` with its facts, keyed `METHOD /path`.
pub fn of_document(doc: &Value) -> BTreeMap<String, Operation> {
    let walker = Walker { doc };
    let mut ops = BTreeMap::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for method in METHODS {
            if let Some(op) = item.get(method) {
                ops.insert(
                    format!("{} {path}", method.to_uppercase()),
                    walker.operation(item, op),
                );
            }
        }
    }
    ops
}

struct Walker<'a> {
    doc: &'a Value,
}

/// A schema after refs, `allOf` and unions.
#[derive(Default)]
struct Shape<'a> {
    types: BTreeSet<String>,
    props: Vec<(String, &'a Value, Vec<String>)>,
    required: BTreeSet<String>,
    items: Option<(&'a Value, Vec<String>)>,
}

impl<'a> Walker<'a> {
    fn resolve(&self, reference: &str) -> Option<&'a Value> {
        let mut target = self.doc;
        for part in reference.trim_start_matches("#/").split('/') {
            target = target.get(part.replace("~1", "/").replace("~0", "~"))?;
        }
        Some(target)
    }

    /// Follows `$ref`s; `None` on a cycle. Siblings of a `$ref` are ignored here: utoipa emits
    /// none that carry type information.
    fn deref(&self, mut node: &'a Value, seen: &mut Vec<String>) -> Option<&'a Value> {
        while let Some(reference) = node.get("$ref").and_then(Value::as_str) {
            if seen.iter().any(|s| s == reference) {
                return None;
            }
            seen.push(reference.to_owned());
            node = self.resolve(reference)?;
        }
        Some(node)
    }

    fn shape(&self, node: &'a Value, seen: &[String]) -> Shape<'a> {
        let mut seen = seen.to_vec();
        let Some(node) = self.deref(node, &mut seen) else {
            return Shape::default();
        };
        let mut shape = Shape::default();
        match node.get("type") {
            Some(Value::String(t)) => {
                shape.types.insert(t.clone());
            }
            Some(Value::Array(ts)) => {
                shape
                    .types
                    .extend(ts.iter().filter_map(Value::as_str).map(str::to_owned));
            }
            _ => {}
        }
        if let Some(props) = node.get("properties").and_then(Value::as_object) {
            shape.types.insert("object".into());
            for (name, sub) in props {
                shape.props.push((name.clone(), sub, seen.clone()));
            }
        }
        shape.required.extend(
            node.get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_owned),
        );
        if let Some(items) = node.get("items") {
            shape.items = Some((items, seen.clone()));
        }
        for part in node
            .get("allOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let sub = self.shape(part, &seen);
            shape.types.extend(sub.types);
            merge_props(&mut shape.props, sub.props);
            shape.required.extend(sub.required);
            shape.items = shape.items.or(sub.items);
        }
        let alternatives: Vec<Shape> = ["anyOf", "oneOf"]
            .iter()
            .filter_map(|k| node.get(*k).and_then(Value::as_array))
            .flatten()
            // `null` makes a union optional; it says nothing about the value's shape (and its
            // own shape would be empty, since `null` is dropped from every shape's types).
            .filter(|a| a.get("type").and_then(Value::as_str) != Some("null"))
            .map(|a| self.shape(a, &seen))
            .collect();
        let single = alternatives.len() == 1;
        for alt in alternatives {
            shape.types.extend(alt.types.iter().cloned());
            if single {
                merge_props(&mut shape.props, alt.props);
                shape.required.extend(alt.required);
                shape.items = shape.items.or(alt.items);
            }
        }
        shape.types.remove("null");
        let names: BTreeSet<&String> = shape.props.iter().map(|(n, _, _)| n).collect();
        shape.required.retain(|r| names.contains(r));
        shape
    }

    fn flatten(
        &self,
        schema: &'a Value,
        prefix: &str,
        seen: &[String],
        depth: usize,
        out: &mut BTreeMap<String, String>,
        required: &mut BTreeSet<String>,
    ) {
        if depth > MAX_DEPTH {
            return;
        }
        let shape = self.shape(schema, seen);
        if !prefix.is_empty() {
            out.insert(prefix.to_owned(), type_name(&shape.types));
        }
        for (name, sub, sub_seen) in &shape.props {
            let path = if prefix.is_empty() {
                name.clone()
            } else {
                format!("{prefix}.{name}")
            };
            if shape.required.contains(name) {
                required.insert(path.clone());
            }
            self.flatten(sub, &path, sub_seen, depth + 1, out, required);
        }
        if let Some((items, items_seen)) = &shape.items {
            self.flatten(
                items,
                &format!("{prefix}[]"),
                items_seen,
                depth + 1,
                out,
                required,
            );
        }
    }

    fn fields(&self, schema: &'a Value) -> (BTreeMap<String, String>, BTreeSet<String>) {
        let mut out = BTreeMap::new();
        let mut required = BTreeSet::new();
        self.flatten(schema, "", &[], 0, &mut out, &mut required);
        (out, required)
    }

    fn param_type(&self, param: &'a Value) -> String {
        // A parameter may carry `type` itself instead of a schema (the official document does).
        match (
            param.get("schema"),
            param.get("type").and_then(Value::as_str),
        ) {
            (Some(schema), _) => type_name(&self.shape(schema, &[]).types),
            (None, Some(t)) => t.to_owned(),
            (None, None) => "any".into(),
        }
    }

    fn operation(&self, item: &'a Value, op: &'a Value) -> Operation {
        let params: Vec<&Value> = [item.get("parameters"), op.get("parameters")]
            .into_iter()
            .flatten()
            .filter_map(Value::as_array)
            .flatten()
            .filter_map(|p| self.deref(p, &mut Vec::new()))
            .collect();
        let of_kind = |kind: &str| -> Vec<(String, &'a Value)> {
            params
                .iter()
                .filter(|p| p["in"] == kind)
                .map(|p| (p["name"].as_str().unwrap_or_default().to_owned(), *p))
                .collect()
        };
        let mut facts = Operation {
            path: of_kind("path")
                .into_iter()
                .map(|(name, p)| PathParam {
                    name,
                    ty: self.param_type(p),
                })
                .collect(),
            query: of_kind("query")
                .into_iter()
                .map(|(name, p)| (name, self.param_type(p)))
                .collect(),
            ..Default::default()
        };
        if let Some(body) = op
            .get("requestBody")
            .and_then(|b| self.deref(b, &mut Vec::new()))
            && let Some((media, content)) = body
                .get("content")
                .and_then(Value::as_object)
                .and_then(|c| c.iter().next())
        {
            let (fields, required) = match content.get("schema") {
                Some(schema) => self.fields(schema),
                None => Default::default(),
            };
            facts.body = Some(Body {
                media_type: media.clone(),
                fields,
                required,
            });
        }
        let responses = op.get("responses").and_then(Value::as_object);
        let mut success: Vec<(&String, &Value)> = responses
            .into_iter()
            .flatten()
            .filter(|(status, _)| status.starts_with('2'))
            .collect();
        success.sort_by(|a, b| a.0.cmp(b.0));
        if let Some((status, response)) = success.first() {
            facts.status = status.parse().ok();
            let response = self.deref(response, &mut Vec::new());
            let content = response
                .and_then(|r| r.get("content"))
                .and_then(Value::as_object);
            if let Some(json) = content.and_then(|c| c.get("application/json")) {
                let (fields, required) = match json.get("schema") {
                    Some(schema) => self.fields(schema),
                    None => Default::default(),
                };
                facts.response = Some(Response {
                    fields: Some(fields),
                    required,
                    media_types: Vec::new(),
                });
            } else if let Some(content) = content.filter(|c| !c.is_empty()) {
                facts.response = Some(Response {
                    media_types: content.keys().cloned().collect(),
                    ..Default::default()
                });
            }
        }
        facts
    }
}

fn merge_props<'a>(
    into: &mut Vec<(String, &'a Value, Vec<String>)>,
    from: Vec<(String, &'a Value, Vec<String>)>,
) {
    for (name, sub, seen) in from {
        match into.iter_mut().find(|(n, _, _)| *n == name) {
            Some(slot) => *slot = (name, sub, seen),
            None => into.push((name, sub, seen)),
        }
    }
}

pub fn type_name(types: &BTreeSet<String>) -> String {
    if types.is_empty() {
        "any".into()
    } else {
        types.iter().cloned().collect::<Vec<_>>().join("|")
    }
}

/// Whether a value of our type `ours` is acceptable where the official document says `official`:
/// `any` on either side accepts, integers count as numbers.
pub fn compatible(official: &str, ours: &str) -> bool {
    let set = |t: &str| -> BTreeSet<String> {
        t.split('|')
            .map(|t| if t == "integer" { "number" } else { t }.to_owned())
            .collect()
    };
    let (official, ours) = (set(official), set(ours));
    official.contains("any") || ours.contains("any") || !official.is_disjoint(&ours)
}
