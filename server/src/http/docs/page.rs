//! The API reference page, rendered from the OpenAPI document alone (walked
//! generically: parameters, bodies, responses and `$ref`s as the file has
//! them), so the page follows the contract as it changes. Self-contained:
//! inline CSS, no script, no external asset.
//!
//! maud writes the HTML: its templates are checked at compile time and every
//! interpolated value is escaped unless marked otherwise, so text from the
//! spec or the examples can never become markup.

use maud::{html, Markup, PreEscaped, DOCTYPE};
use serde_json::Value;

use super::examples::Examples;

/// What an operation asks IAM for: each action with its resource.
pub type Actions = Option<&'static [(&'static str, &'static str)]>;

/// One operation of the spec, in the spec's order.
struct Operation<'a> {
    id: &'a str,
    method: String,
    path: &'a str,
    op: &'a Value,
}

fn operations(spec: &Value) -> Vec<Operation<'_>> {
    let mut found = Vec::new();
    for (path, item) in spec["paths"].as_object().into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            if let Some(id) = op["operationId"].as_str() {
                found.push(Operation { id, method: method.to_uppercase(), path, op });
            }
        }
    }
    found
}

/// The page. Operations come in the order of the examples (the order a new
/// user runs them), then any the examples do not cover, in the spec's order.
pub fn render(
    spec: &Value,
    examples: &[(&'static str, Examples)],
    actions: impl Fn(&str) -> Actions,
) -> String {
    let mut ops = operations(spec);
    let order = |id: &str| {
        let first = examples.first().map(|(_, e)| e.by_operation.as_slice()).unwrap_or_default();
        first.iter().position(|(op, _)| op == id).unwrap_or(usize::MAX)
    };
    ops.sort_by_key(|o| order(o.id));
    let title = spec["info"]["title"].as_str().unwrap_or("API");
    let version = spec["info"]["version"].as_str().unwrap_or("");
    let schemas = spec["components"]["schemas"].as_object();
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " API reference" }
                style { (PreEscaped(CSS)) }
            }
            body {
                nav {
                    p.brand { a href="#top" { (title) } }
                    p.navhead { "Getting started" }
                    ul { li { a href="#setup" { "Setup" } } }
                    p.navhead { "Operations" }
                    ul {
                        @for o in &ops {
                            li { a href={ "#" (o.id) } {
                                span class={ "m m-" (o.method.to_lowercase()) } { (o.method) } (o.id)
                            } }
                        }
                    }
                    p.navhead { a href="#schemas" { "Schemas" } }
                }
                main {
                    header id="top" {
                        h1 { (title) " API reference" }
                        p.sub { "Version " (version) " · OpenAPI " (spec["openapi"].as_str().unwrap_or(""))
                            " · " a href="/openapi.json" { "openapi.json" } }
                        @if let Some(d) = spec["info"]["description"].as_str() { (prose(d)) }
                    }
                    section id="setup" {
                        h2 { "Setup" }
                        p {
                            "The examples run against the development setup that "
                            code { "codeartifact-local serve" }
                            " starts on " code { "http://127.0.0.1:8787" } ": domain "
                            code { "demo" } " owned by account " code { "111122223333" }
                            ", repository " code { "demo-repo" } ", and AWS's documented example keys. "
                            "Every request is signed with AWS Signature Version 4 (service "
                            code { "codeartifact" } "). Run the examples top to bottom: each one is run in "
                            "this order by the test suite, and what they create they delete at the end."
                        }
                        @for (label, e) in examples {
                            h3 { (label) }
                            pre { code { (e.setup) } }
                        }
                    }
                    @for o in &ops { (operation(spec, o, examples, actions(o.id))) }
                    section id="schemas" {
                        h2 { "Schemas" }
                        @for (name, schema) in schemas.into_iter().flatten() {
                            div.schema id={ "schema-" (name) } {
                                h3 { (name) }
                                (schema_body(spec, schema))
                            }
                        }
                    }
                }
            }
        }
    }
    .into_string()
}

fn operation(
    spec: &Value,
    o: &Operation<'_>,
    examples: &[(&'static str, Examples)],
    actions: Actions,
) -> Markup {
    let op = o.op;
    let params: Vec<&Value> =
        op["parameters"].as_array().into_iter().flatten().map(|p| resolve(spec, p)).collect();
    html! {
        section.op id=(o.id) {
            h2 { (o.id) }
            p.route { span class={ "m m-" (o.method.to_lowercase()) } { (o.method) } code { (o.path) } }
            @if let Some(s) = op["summary"].as_str() { p.summary { (inline(s)) } }
            @if let Some(d) = op["description"].as_str() { (prose(d)) }
            h3 { "IAM" }
            @match actions {
                Some(actions) => ul.iam { @for (action, resource) in actions {
                    li { code { (action) } " on " (resource) }
                } },
                None => p { "No IAM action." },
            }
            h3 { "Parameters" }
            @if params.is_empty() { p.none { "None." } } @else {
                table {
                    thead { tr { th { "Name" } th { "In" } th { "Required" } th { "Type" } th { "Constraints" } th { "Description" } } }
                    tbody { @for p in &params {
                        tr {
                            td { code { (p["name"].as_str().unwrap_or("")) } }
                            td { (p["in"].as_str().unwrap_or("")) }
                            td { (yes_no(p["required"].as_bool().unwrap_or(false))) }
                            td { (type_label(&p["schema"])) }
                            td { (constraints(spec, &p["schema"])) }
                            td { @if let Some(d) = p["description"].as_str() { (inline(d)) } }
                        }
                    } }
                }
            }
            h3 { "Request body" }
            @match op.get("requestBody").map(|b| resolve(spec, b)) {
                None => p.none { "None." },
                Some(body) => {
                    @if let Some(d) = body["description"].as_str() { (prose(d)) }
                    @for (content_type, media) in body["content"].as_object().into_iter().flatten() {
                        p {
                            code { (content_type) } ", "
                            (if body["required"].as_bool().unwrap_or(false) { "required" } else { "optional" })
                            ": " (type_label(&media["schema"]))
                        }
                        (schema_body(spec, &media["schema"]))
                    }
                }
            }
            h3 { "Responses" }
            table.responses {
                thead { tr { th { "Status" } th { "Errors" } th { "Description" } th { "Body" } } }
                tbody { @for (status, response) in op["responses"].as_object().into_iter().flatten() {
                    @let response = resolve(spec, response);
                    tr {
                        td { span class={ "status s" (status.chars().next().unwrap_or('x')) } { (status) } }
                        // AWS's error codes when the spec names them
                        // (`x-aws-error-codes`); else the description says.
                        td { @match response.get("x-aws-error-codes").and_then(Value::as_array) {
                            Some(codes) => ul.codes { @for c in codes { li { code { (c.as_str().unwrap_or("")) } } } },
                            None if status.starts_with('2') => {},
                            None => span.none { "See the description." },
                        } }
                        td {
                            @if let Some(d) = response["description"].as_str() { (inline(d)) }
                            @if let Some(headers) = response["headers"].as_object() {
                                @for (name, header) in headers {
                                    div.header { "Header " code { (name) } @if let Some(d) = header["description"].as_str() { ": " (inline(d)) } }
                                }
                            }
                        }
                        td { @for (content_type, media) in response["content"].as_object().into_iter().flatten() {
                            div { code { (content_type) } " " (type_label(&media["schema"])) }
                        } }
                    }
                } }
            }
            h3 { "Examples" }
            @for (label, e) in examples {
                h4 { (label) }
                @match e.get(o.id) {
                    Some(text) => pre { code { (text) } },
                    None => p.none { "No example." },
                }
            }
        }
    }
}

/// Follows `$ref`s (JSON pointers into the document) to what they name.
fn resolve<'a>(spec: &'a Value, mut v: &'a Value) -> &'a Value {
    for _ in 0..16 {
        match v["$ref"].as_str().and_then(|r| r.strip_prefix('#')).and_then(|p| spec.pointer(p)) {
            Some(target) => v = target,
            None => break,
        }
    }
    v
}

/// The schema a `$ref`, or an `allOf` of one (how schemars wraps a
/// documented reference), names.
fn ref_name(schema: &Value) -> Option<&str> {
    let r = schema["$ref"].as_str().or_else(|| match schema["allOf"].as_array() {
        Some(all) if all.len() == 1 => all[0]["$ref"].as_str(),
        _ => None,
    })?;
    r.strip_prefix("#/components/schemas/")
}

fn type_label(schema: &Value) -> Markup {
    if let Some(name) = ref_name(schema) {
        return html! { a href={ "#schema-" (name) } { (name) } };
    }
    for (key, joiner) in [("oneOf", " or "), ("anyOf", " or "), ("allOf", " and ")] {
        if let Some(variants) = schema[key].as_array() {
            return html! { @for (i, v) in variants.iter().enumerate() {
                @if i > 0 { (joiner) } (type_label(v))
            } };
        }
    }
    let ty = schema["type"].as_str().unwrap_or(if schema.get("enum").is_some() {
        "string"
    } else {
        "any"
    });
    html! {
        @match ty {
            "array" => { "array of " (type_label(&schema["items"])) },
            "object" if schema["additionalProperties"].is_object() => {
                "map of string to " (type_label(&schema["additionalProperties"]))
            },
            _ => { (ty) @if let Some(f) = schema["format"].as_str() { " (" (f) ")" } },
        }
    }
}

/// The constraints of a schema, and of what it refers to, in words.
fn constraints(spec: &Value, schema: &Value) -> Markup {
    let target = match ref_name(schema) {
        Some(_) => resolve(spec, schema.get("allOf").and_then(|a| a.get(0)).unwrap_or(schema)),
        None => schema,
    };
    let variants = ["oneOf", "anyOf"].iter().find_map(|k| target[*k].as_array());
    if let Some(variants) = variants {
        return html! { @for (i, v) in variants.iter().enumerate() {
            @if i > 0 { " or " } (constraints(spec, v))
        } };
    }
    let mut items: Vec<Markup> = Vec::new();
    let num = |k: &str| target.get(k).filter(|v| v.is_number()).map(Value::to_string);
    if let Some(values) = target["enum"].as_array() {
        let shown: Vec<String> = values
            .iter()
            .map(|v| v.as_str().map(str::to_string).unwrap_or(v.to_string()))
            .collect();
        items.push(html! { "one of " @for (i, v) in shown.iter().enumerate() {
            @if i > 0 { ", " } code { (v) }
        } });
    }
    let (min_len, max_len) = (num("minLength"), num("maxLength"));
    match (&min_len, &max_len) {
        (Some(min), Some(max)) if min == max => {
            items.push(html! { "exactly " (count(min, "character")) })
        }
        _ => {
            if let Some(n) = &min_len {
                items.push(html! { "at least " (count(n, "character")) });
            }
            if let Some(n) = &max_len {
                items.push(html! { "at most " (count(n, "character")) });
            }
        }
    }
    for (key, words) in [
        ("minimum", "≥ "),
        ("maximum", "≤ "),
        ("exclusiveMinimum", "> "),
        ("exclusiveMaximum", "< "),
    ] {
        if let Some(n) = num(key) {
            items.push(html! { (words) (n) });
        }
    }
    for (key, words, noun) in [
        ("minItems", "at least ", "item"),
        ("maxItems", "at most ", "item"),
        ("minProperties", "at least ", "entry"),
        ("maxProperties", "at most ", "entry"),
    ] {
        if let Some(n) = num(key) {
            let counted = count(&n, noun).replace("entrys", "entries");
            items.push(html! { (words) (counted) });
        }
    }
    // A range left out of the allowed one (`duration`: not 1..899).
    let gap = &target["not"];
    if let (Some(low), Some(high)) = (gap["minimum"].as_i64(), gap["maximum"].as_i64()) {
        items.push(html! { "not " (low) "–" (high) });
    }
    if let Some(p) = target["pattern"].as_str() {
        items.push(html! { "pattern " code { (p) } });
    }
    if target["uniqueItems"].as_bool() == Some(true) {
        items.push(html! { "unique items" });
    }
    if let Some(d) = target.get("default") {
        items.push(html! { "default " code { (d) } });
    }
    // An array's items: their own constraints, said once for all.
    if let Some(each) = target.get("items") {
        let each = constraints(spec, each).into_string();
        if !each.is_empty() {
            items.push(html! { "each: " (PreEscaped(each)) });
        }
    }
    html! { @for (i, item) in items.iter().enumerate() { @if i > 0 { "; " } (item) } }
}

/// A schema's content: its fields, or its values, or its type.
fn schema_body(spec: &Value, schema: &Value) -> Markup {
    let target = match ref_name(schema) {
        Some(_) => resolve(spec, schema.get("allOf").and_then(|a| a.get(0)).unwrap_or(schema)),
        None => schema,
    };
    let required: Vec<&str> =
        target["required"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
    html! {
        @if let Some(d) = target["description"].as_str() { (prose(d)) }
        @if let Some(props) = target["properties"].as_object() {
            table {
                thead { tr { th { "Field" } th { "Required" } th { "Type" } th { "Constraints" } th { "Description" } } }
                tbody { @for (name, p) in props {
                    tr {
                        td { code { (name) } }
                        td { (yes_no(required.contains(&name.as_str()))) }
                        td { (type_label(p)) }
                        td { (constraints(spec, p)) }
                        td { @if let Some(d) = p["description"].as_str() { (inline(d)) } }
                    }
                } }
            }
        } @else {
            p.schema-type {
                "Type: " (type_label(target))
                @let c = constraints(spec, target).into_string();
                @if !c.is_empty() { "; " (PreEscaped(c)) }
            }
        }
    }
}

/// "1 character", "2 characters".
fn count(n: &str, noun: &str) -> String {
    if n == "1" {
        format!("{n} {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

fn yes_no(b: bool) -> Markup {
    html! { @if b { span.req { "yes" } } @else { "no" } }
}

/// Paragraphs of a description (blank lines separate them).
fn prose(text: &str) -> Markup {
    html! { @for para in text.split("\n\n").filter(|p| !p.trim().is_empty()) { p { (inline(para)) } } }
}

/// A line of a description: `backticked` spans become code, as in the
/// doc comments the spec is generated from.
fn inline(text: &str) -> Markup {
    html! { @for (i, part) in text.split('`').enumerate() {
        @if i % 2 == 1 { code { (part) } } @else { (part) }
    } }
}

const CSS: &str = r#"
:root { --fg:#1f2328; --muted:#59636e; --line:#d1d9e0; --bg:#ffffff; --side:#f6f8fa; --accent:#0b5cad; --code:#f3f4f6; }
* { box-sizing: border-box; }
body { margin:0; font:15px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif; color:var(--fg); background:var(--bg); display:flex; }
nav { position:sticky; top:0; height:100vh; overflow-y:auto; width:320px; flex:none; background:var(--side); border-right:1px solid var(--line); padding:18px 14px; font-size:13.5px; }
nav ul { list-style:none; margin:0 0 10px; padding:0; }
nav li a { display:flex; gap:8px; white-space:nowrap; align-items:center; padding:3px 6px; border-radius:5px; color:var(--fg); text-decoration:none; }
nav li a:hover { background:#e7ecf0; }
nav .brand { font-weight:700; font-size:16px; margin:0 0 12px; }
nav .brand a { color:var(--fg); text-decoration:none; }
nav .navhead { text-transform:uppercase; letter-spacing:.06em; font-size:11.5px; color:var(--muted); margin:14px 6px 6px; }
nav .navhead a { color:var(--muted); text-decoration:none; }
main { flex:1; min-width:0; max-width:1100px; padding:24px 40px 80px; }
header h1 { font-size:30px; margin:0 0 4px; }
.sub { color:var(--muted); margin-top:0; }
a { color:var(--accent); }
h2 { font-size:22px; margin:0 0 8px; }
h3 { font-size:15px; margin:20px 0 8px; color:#2d333a; }
h4 { font-size:13px; margin:14px 0 6px; color:var(--muted); text-transform:uppercase; letter-spacing:.05em; }
section { border-top:1px solid var(--line); padding:28px 0 8px; }
header + section { border-top:none; }
code { font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace; font-size:.88em; background:var(--code); padding:1px 5px; border-radius:4px; overflow-wrap:anywhere; }
pre { background:#0f1720; color:#e6edf3; padding:12px 14px; border-radius:8px; overflow-x:auto; font-size:13px; line-height:1.45; }
pre code { background:none; padding:0; color:inherit; font-size:inherit; overflow-wrap:normal; }
table { border-collapse:collapse; width:100%; font-size:13.5px; margin:4px 0 10px; }
th, td { text-align:left; vertical-align:top; border-bottom:1px solid var(--line); padding:6px 8px; }
th { background:var(--side); font-weight:600; }
.route { font-size:15px; }
.route code { font-size:14px; }
.summary { font-size:16px; }
.m { display:inline-block; min-width:54px; text-align:center; font:700 11px/1.9 ui-monospace,Menlo,monospace; border-radius:4px; color:#fff; padding:0 4px; margin-right:6px; }
nav .m { min-width:46px; font-size:10px; margin-right:0; }
.m-get { background:#1a7f37; } .m-post { background:#0b5cad; } .m-put { background:#9a6700; } .m-delete { background:#cf222e; }
.status { font:600 12.5px ui-monospace,Menlo,monospace; padding:1px 6px; border-radius:4px; }
.s2 { background:#dafbe1; color:#116329; } .s4 { background:#fff1e5; color:#953800; } .s5 { background:#ffebe9; color:#a40e26; }
.req { font-weight:600; }
td:first-child code { white-space:nowrap; overflow-wrap:normal; }
.none { color:var(--muted); }
ul.iam { margin:0; padding-left:18px; }
ul.codes { margin:0; padding:0; list-style:none; }
ul.codes code { white-space:nowrap; overflow-wrap:normal; }
.header { color:var(--muted); font-size:12.5px; margin-top:4px; }
.schema { padding:8px 0; }
.schema h3 { font-family:ui-monospace,Menlo,monospace; font-size:14px; }
@media (max-width: 900px) { body { display:block; } nav { position:static; width:auto; height:auto; } main { padding:16px; } }
"#;
