//! The API reference, served: `GET /openapi.json` (the checked-in contract,
//! byte for byte) and `GET /docs` (a page rendered from it, with each
//! operation's IAM actions and tested examples). Neither is part of the AWS
//! API: they are registered beside it, not in the API trait, and need no
//! signature.

mod examples;
mod page;

use std::sync::LazyLock;

use dropshot::{endpoint, ApiDescription, Body, HttpError, RequestContext};
use http::{header, Response, StatusCode};

use super::HandlerContext;

/// The contract, as checked in: served as is, never re-serialized.
pub const OPENAPI_JSON: &str =
    include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi.json"));

/// The page, rendered once, on first request (the spec is embedded, so it
/// never changes while the server runs).
static PAGE: LazyLock<Result<String, String>> = LazyLock::new(|| {
    let spec: serde_json::Value = serde_json::from_str(OPENAPI_JSON)
        .map_err(|e| format!("failed to read the embedded openapi.json: {e}"))?;
    Ok(page::render(&spec, &examples::all(), crate::iam::actions::for_operation))
});

/// Adds `/openapi.json` and `/docs` to the server's routes.
pub fn register(api: &mut ApiDescription<HandlerContext>) -> Result<(), String> {
    api.register(openapi_json).map_err(|e| e.to_string())?;
    api.register(docs).map_err(|e| e.to_string())?;
    Ok(())
}

/// The OpenAPI document this server implements.
#[endpoint { method = GET, path = "/openapi.json", unpublished = true }]
async fn openapi_json(_rqctx: RequestContext<HandlerContext>) -> Result<Response<Body>, HttpError> {
    respond("application/json", OPENAPI_JSON.to_string())
}

/// The API reference, as HTML.
#[endpoint { method = GET, path = "/docs", unpublished = true }]
async fn docs(_rqctx: RequestContext<HandlerContext>) -> Result<Response<Body>, HttpError> {
    match &*PAGE {
        Ok(page) => respond("text/html; charset=utf-8", page.clone()),
        Err(e) => Err(HttpError::for_internal_error(e.clone())),
    }
}

fn respond(content_type: &'static str, body: String) -> Result<Response<Body>, HttpError> {
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body))
        .map_err(|e| HttpError::for_internal_error(format!("failed to build the response: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_has_every_operation_with_its_iam_actions_and_three_examples() {
        let page = PAGE.as_ref().unwrap();
        let spec: serde_json::Value = serde_json::from_str(OPENAPI_JSON).unwrap();
        let mut count = 0;
        for item in spec["paths"].as_object().unwrap().values() {
            for op in item.as_object().unwrap().values() {
                let id = op["operationId"].as_str().unwrap();
                let section = page.split(&format!("<section class=\"op\" id=\"{id}\">")).nth(1);
                let section = section.unwrap_or_else(|| panic!("{id} has no section"));
                let section = section.split("</section>").next().unwrap();
                assert!(section.contains("<h4>aws CLI</h4><pre>"), "{id}: no aws CLI example");
                assert!(section.contains("<h4>curl</h4><pre>"), "{id}: no curl example");
                assert!(section.contains("<h4>Rust</h4><pre>"), "{id}: no Rust example");
                let actions = crate::iam::actions::for_operation(id);
                let actions = actions.unwrap_or_else(|| panic!("{id}: no IAM actions"));
                for (action, _) in actions {
                    assert!(section.contains(action), "{id}: {action} is not shown");
                }
                count += 1;
            }
        }
        assert!(count >= 29, "{count} operations");
    }

    #[test]
    fn error_responses_show_their_aws_codes_and_schema_else_their_description() {
        let spec = serde_json::json!({
            "openapi": "3.0.3",
            "info": { "title": "T", "version": "1" },
            "paths": { "/a": { "get": {
                "operationId": "Op",
                "responses": {
                    "200": { "description": "ok" },
                    "404": {
                        "description": "Not found",
                        "x-aws-error-codes": ["ResourceNotFoundException"],
                        "content": { "application/json": {
                            "schema": { "$ref": "#/components/schemas/AwsError" } } }
                    },
                    "5XX": { "$ref": "#/components/responses/Error" }
                }
            } } },
            "components": {
                "responses": { "Error": { "description": "Something failed" } },
                "schemas": { "AwsError": { "type": "object", "required": ["message"], "properties": {
                    "message": { "type": "string" }, "__type": { "type": "string" } } } }
            }
        });
        let page = page::render(&spec, &[], |_| None);
        let row = |status: &str| {
            let start = page.find(&format!(">{status}</span>")).unwrap();
            page[start..].split("</tr>").next().unwrap().to_string()
        };
        let not_found = row("404");
        assert!(not_found.contains("<code>ResourceNotFoundException</code>"), "{not_found}");
        assert!(not_found.contains("href=\"#schema-AwsError\""), "{not_found}");
        let other = row("5XX");
        assert!(other.contains("Something failed"), "{other}");
        assert!(other.contains("See the description."), "{other}");
        assert!(page.contains("id=\"schema-AwsError\""));
        assert!(page.contains("<code>__type</code>"));
    }

    #[test]
    fn constraints_are_said_in_words_including_those_of_array_items() {
        let spec = serde_json::json!({
            "openapi": "3.0.3",
            "info": { "title": "T", "version": "1" },
            "paths": { "/a": { "get": {
                "operationId": "Op",
                "parameters": [
                    { "name": "one", "in": "query", "schema": { "type": "string", "minLength": 1, "maxLength": 12 } },
                    { "name": "twelve", "in": "query", "schema": { "type": "string", "minLength": 12, "maxLength": 12 } },
                    { "name": "n", "in": "query", "schema": { "type": "integer", "minimum": 900, "maximum": 43200 } },
                    { "name": "d", "in": "query", "schema": { "type": "integer", "minimum": 0, "maximum": 43200,
                        "not": { "minimum": 1, "maximum": 899 } } },
                    { "name": "list", "in": "query", "schema": { "type": "array", "maxItems": 1,
                        "items": { "type": "string", "pattern": "^v$" } } }
                ],
                "responses": {}
            } } }
        });
        let page = page::render(&spec, &[], |_| None);
        assert!(page.contains("at least 1 character; at most 12 characters"), "{page}");
        assert!(page.contains("exactly 12 characters"), "{page}");
        assert!(page.contains("≥ 900; ≤ 43200"), "{page}");
        assert!(page.contains("≥ 0; ≤ 43200; not 1–899"), "{page}");
        assert!(page.contains("at most 1 item; each: pattern <code>^v$</code>"), "{page}");
    }

    #[test]
    fn text_from_the_spec_is_escaped() {
        let spec = serde_json::json!({
            "openapi": "3.0.3",
            "info": { "title": "<script>x</script>", "version": "1" },
            "paths": { "/a": { "get": {
                "operationId": "Op", "summary": "a < b & `c<d>`",
                "parameters": [{ "name": "q\"", "in": "query", "schema": { "type": "string", "pattern": "^<a>$" } }],
                "responses": { "200": { "description": "<b>ok</b>" } }
            } } }
        });
        let page = page::render(&spec, &[], |_| None);
        assert!(!page.contains("<script>x"), "{page}");
        assert!(page.contains("&lt;script&gt;x&lt;/script&gt;"));
        assert!(page.contains("a &lt; b &amp; <code>c&lt;d&gt;</code>"));
        assert!(page.contains("q&quot;"));
        assert!(page.contains("^&lt;a&gt;$"));
        assert!(page.contains("pattern <code>^&lt;a&gt;$</code>"), "{page}");
        assert!(page.contains("&lt;b&gt;ok&lt;/b&gt;"));
    }
}
