//! The contract as the checks read it: the checked-in `openapi.json`,
//! embedded at build time, turned into operations with their parameters,
//! bodies, success schemas and documented errors. Everything the suite
//! checks comes from here, so a new operation or constraint in the spec is
//! checked without new code.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

/// The spec the server's tests prove and the client is generated from.
pub const OPENAPI: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi.json"));

/// Why the spec could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    #[error("the spec is not JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("the spec is malformed: {0}")]
    Malformed(String),
}

/// Where a parameter travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    Query,
    Header,
}

#[derive(Debug, Clone)]
pub struct Param {
    pub name: String,
    pub location: Location,
    pub required: bool,
    pub description: String,
    /// Its schema with references followed, so its constraints are at hand.
    pub schema: Value,
}

#[derive(Debug, Clone)]
pub enum Body {
    /// A JSON object; its schema with references followed.
    Json(Value),
    /// Raw bytes (a published asset).
    Binary,
}

#[derive(Debug, Clone)]
pub struct Operation {
    pub id: String,
    pub method: reqwest::Method,
    pub path: String,
    pub params: Vec<Param>,
    pub body: Option<Body>,
    /// The success status and its JSON schema (None for a binary answer).
    pub success_status: u16,
    pub success_schema: Option<Value>,
    /// Headers the success response must carry.
    pub success_headers: Vec<String>,
    /// The error codes the spec documents for this operation, with their
    /// statuses (empty when the spec names none: see [`Spec::error_status`]).
    pub errors: BTreeMap<String, u16>,
    /// The response objects by status key (`400`, `4XX`, `default`).
    responses: Map<String, Value>,
}

impl Operation {
    /// Reads, not writes: safe to call with valid input against a real account.
    pub fn is_read_only(&self) -> bool {
        ["Describe", "List", "Get"].iter().any(|p| self.id.starts_with(p))
    }
}

#[derive(Debug)]
pub struct Spec {
    doc: Value,
    pub operations: Vec<Operation>,
}

impl Spec {
    /// The embedded spec.
    pub fn embedded() -> Self {
        Self::parse(OPENAPI).expect("the checked-in openapi.json is read by the suite")
    }

    pub fn parse(text: &str) -> Result<Self, SpecError> {
        let doc: Value = serde_json::from_str(text)?;
        let mut spec = Spec { doc, operations: Vec::new() };
        let paths = spec.doc["paths"]
            .as_object()
            .ok_or_else(|| SpecError::Malformed("no paths".into()))?
            .clone();
        for (path, methods) in paths {
            let Some(methods) = methods.as_object() else { continue };
            for (method, op) in methods {
                let method = method
                    .to_uppercase()
                    .parse::<reqwest::Method>()
                    .map_err(|e| SpecError::Malformed(format!("{path}: {e}")))?;
                spec.operations.push(spec.read_operation(&path, method, op)?);
            }
        }
        spec.operations.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(spec)
    }

    pub fn operation(&self, id: &str) -> Option<&Operation> {
        self.operations.iter().find(|o| o.id == id)
    }

    fn read_operation(
        &self,
        path: &str,
        method: reqwest::Method,
        op: &Value,
    ) -> Result<Operation, SpecError> {
        let id = op["operationId"]
            .as_str()
            .ok_or_else(|| SpecError::Malformed(format!("{method} {path} has no operationId")))?
            .to_string();
        let mut params = Vec::new();
        for p in op["parameters"].as_array().into_iter().flatten() {
            let p = self.resolve(p);
            let location = match p["in"].as_str() {
                Some("query") => Location::Query,
                Some("header") => Location::Header,
                other => {
                    return Err(SpecError::Malformed(format!("{id}: parameter in {other:?}")));
                }
            };
            params.push(Param {
                name: p["name"].as_str().unwrap_or_default().to_string(),
                location,
                required: p["required"].as_bool().unwrap_or(false),
                description: p["description"].as_str().unwrap_or_default().to_string(),
                schema: self.resolve(&p["schema"]),
            });
        }
        let body = op.get("requestBody").map(|b| {
            let content = &self.resolve(b)["content"];
            match content.get("application/json") {
                Some(json) => Body::Json(self.resolve(&json["schema"])),
                None => Body::Binary,
            }
        });
        let responses = op["responses"].as_object().cloned().unwrap_or_default();
        let (success_status, success) = responses
            .iter()
            .filter_map(|(k, v)| Some((k.parse::<u16>().ok()?, v)))
            .find(|(status, _)| (200..300).contains(status))
            .ok_or_else(|| SpecError::Malformed(format!("{id} documents no success")))?;
        let success = self.resolve(success);
        let success_schema =
            success["content"].get("application/json").map(|c| c["schema"].clone());
        let success_headers = success["headers"]
            .as_object()
            .into_iter()
            .flatten()
            .filter(|(_, h)| h["required"].as_bool().unwrap_or(false))
            .map(|(name, _)| name.clone())
            .collect();
        let mut errors = BTreeMap::new();
        for (status, response) in &responses {
            let Ok(status) = status.parse::<u16>() else { continue };
            let response = self.resolve(response);
            for code in response["x-aws-error-codes"].as_array().into_iter().flatten() {
                if let Some(code) = code.as_str() {
                    errors.insert(code.to_string(), status);
                }
            }
        }
        let responses = responses.into_iter().map(|(k, v)| (k, self.resolve(&v))).collect();
        Ok(Operation {
            id,
            method,
            path: path.to_string(),
            params,
            body,
            success_status,
            success_schema,
            success_headers,
            errors,
            responses,
        })
    }

    /// `value` with its `$ref` (or a lone `allOf` around one, as schemars
    /// writes a documented reference) followed, recursively at the top.
    pub fn resolve(&self, value: &Value) -> Value {
        let mut value = value.clone();
        for _ in 0..16 {
            if let Some(target) = value.get("$ref").and_then(Value::as_str) {
                let pointer = target.trim_start_matches('#');
                let mut resolved = self.doc.pointer(pointer).cloned().unwrap_or(Value::Null);
                // Siblings of the reference (nullable, description) still apply.
                if let (Some(obj), Some(target)) = (value.as_object(), resolved.as_object_mut()) {
                    for (k, v) in obj.iter().filter(|(k, _)| *k != "$ref") {
                        target.insert(k.clone(), v.clone());
                    }
                }
                value = resolved;
            } else if let Some([single]) =
                value.get("allOf").and_then(Value::as_array).map(Vec::as_slice)
            {
                let mut inner = single.clone();
                if let (Some(obj), Some(target)) = (value.as_object(), inner.as_object_mut()) {
                    for (k, v) in obj.iter().filter(|(k, _)| *k != "allOf") {
                        target.insert(k.clone(), v.clone());
                    }
                }
                value = inner;
            } else {
                break;
            }
        }
        value
    }

    /// The status the spec documents for error `code` on `op` (its
    /// responses' `x-aws-error-codes`), if it documents the code at all.
    pub fn error_status(&self, op: &Operation, code: &str) -> Option<u16> {
        op.errors.get(code).copied()
    }

    /// The JSON schema of the body documented for `status` on `op`: the
    /// exact status, else its class (`4XX`), else `default`.
    pub fn error_schema(&self, op: &Operation, status: u16) -> Option<Value> {
        let class = format!("{}XX", status / 100);
        let response = op
            .responses
            .get(&status.to_string())
            .or_else(|| op.responses.get(&class))
            .or_else(|| op.responses.get("default"))?;
        response["content"].get("application/json").map(|c| c["schema"].clone())
    }

    /// A validator for `schema`, an OpenAPI 3.0 schema of this spec.
    ///
    /// OpenAPI 3.0 is not JSON Schema: `nullable: true` becomes a `null`
    /// alternative (`type: [t, "null"]`, or `anyOf` around a reference),
    /// and the references to `#/components/schemas/...` resolve because the
    /// converted components travel inside the root schema at the same path.
    pub fn validator(&self, schema: &Value) -> Result<jsonschema::Validator, String> {
        let mut components = self.doc["components"]["schemas"].clone();
        to_json_schema(&mut components);
        let mut root = schema.clone();
        to_json_schema(&mut root);
        let root = match root {
            Value::Object(mut obj) => {
                obj.insert("components".into(), serde_json::json!({ "schemas": components }));
                Value::Object(obj)
            }
            other => other,
        };
        jsonschema::validator_for(&root).map_err(|e| e.to_string())
    }
}

/// OpenAPI 3.0's `nullable` rewritten as JSON Schema, in place.
fn to_json_schema(value: &mut Value) {
    match value {
        Value::Array(items) => items.iter_mut().for_each(to_json_schema),
        Value::Object(obj) => {
            // The keys of `properties` are names, not keywords.
            for (key, child) in obj.iter_mut() {
                if key == "properties" {
                    if let Value::Object(props) = child {
                        props.values_mut().for_each(to_json_schema);
                    }
                } else {
                    to_json_schema(child);
                }
            }
            if obj.remove("nullable") != Some(Value::Bool(true)) {
                return;
            }
            if let Some(Value::Array(values)) = obj.get_mut("enum") {
                values.push(Value::Null);
            }
            match obj.get("type").cloned() {
                Some(Value::String(t)) => {
                    obj.insert("type".into(), serde_json::json!([t, "null"]));
                }
                _ => {
                    let inner = Value::Object(std::mem::take(obj));
                    obj.insert("anyOf".into(), serde_json::json!([inner, { "type": "null" }]));
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_is_read() {
        let spec = Spec::embedded();
        assert!(spec.operations.len() >= 29, "{}", spec.operations.len());
        let op = spec.operation("ListPackageVersions").unwrap();
        let domain = op.params.iter().find(|p| p.name == "domain").unwrap();
        assert_eq!(domain.schema["maxLength"], 50);
        // A reference is followed to its enum.
        let format = op.params.iter().find(|p| p.name == "format").unwrap();
        assert!(format.schema["enum"].as_array().is_some_and(|e| !e.is_empty()));
    }

    #[test]
    fn nullable_becomes_a_null_alternative() {
        let spec = Spec::embedded();
        let schema = serde_json::json!({
            "type": "object",
            "properties": { "n": { "type": "integer", "nullable": true, "maximum": 3 } }
        });
        let v = spec.validator(&schema).unwrap();
        assert!(v.is_valid(&serde_json::json!({ "n": null })));
        assert!(v.is_valid(&serde_json::json!({ "n": 3 })));
        assert!(!v.is_valid(&serde_json::json!({ "n": 4 })));
        assert!(!v.is_valid(&serde_json::json!({ "n": "x" })));
    }

    #[test]
    fn references_resolve_inside_the_validator() {
        let spec = Spec::embedded();
        let op = spec.operation("DescribeDomain").unwrap();
        let v = spec.validator(op.success_schema.as_ref().unwrap()).unwrap();
        assert!(!v.is_valid(&serde_json::json!({ "domain": { "name": 7 } })));
    }
}
