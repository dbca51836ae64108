//! Input values at the edges of what a schema allows: for each constraint
//! the spec states (minLength, maxLength, pattern, minimum, maximum, enum),
//! a value just outside, which must be refused, and one just inside, which
//! must not be; and a valid value for a schema, to build requests from.

use regex::Regex;
use serde_json::{json, Value};

/// One value to send in place of a member's valid one.
#[derive(Debug, Clone)]
pub struct Edge {
    /// What the value tests, e.g. `maxLength+1 (51)`.
    pub label: String,
    pub value: Value,
    /// Allowed by the schema (so it must not be refused as invalid).
    pub inside: bool,
}

/// Characters to pad or build strings with, the most common first.
const FILL: [char; 5] = ['a', '0', 'z', '9', '.'];
/// Characters that some pattern or other refuses.
const BREAKERS: [char; 10] = [' ', '#', '/', '!', 'A', '_', '.', '-', '@', '~'];

fn pattern(schema: &Value) -> Option<Regex> {
    schema["pattern"].as_str().and_then(|p| Regex::new(p).ok())
}

fn length_ok(schema: &Value, s: &str) -> bool {
    let n = s.chars().count() as u64;
    schema["minLength"].as_u64().is_none_or(|min| n >= min)
        && schema["maxLength"].as_u64().is_none_or(|max| n <= max)
}

fn matches(re: &Option<Regex>, s: &str) -> bool {
    re.as_ref().is_none_or(|re| re.is_match(s))
}

/// Strings of `len` characters made from `base`: cut, or padded with one
/// character, or made of one character.
fn of_length(base: &str, len: usize) -> impl Iterator<Item = String> + '_ {
    let chars: Vec<char> = base.chars().collect();
    let cut = (chars.len() >= len).then(|| chars[..len].iter().collect::<String>());
    let padded = FILL.into_iter().filter(move |_| chars.len() < len).map(move |c| {
        let mut s: String = base.to_string();
        s.extend(std::iter::repeat_n(c, len - base.chars().count()));
        s
    });
    let plain = FILL.into_iter().map(move |c| std::iter::repeat_n(c, len).collect::<String>());
    cut.into_iter().chain(padded).chain(plain)
}

/// A string of `len` characters the pattern accepts, if one is found.
fn valid_of_length(schema: &Value, base: &str, len: usize) -> Option<String> {
    let re = pattern(schema);
    of_length(base, len).find(|s| matches(&re, s))
}

/// A valid value for `schema` (None when none is found): an enum's first
/// value, the minimum, or a string the pattern accepts.
pub fn example(schema: &Value) -> Option<Value> {
    if let Some(first) = schema["enum"].as_array().and_then(|e| e.first()) {
        return Some(first.clone());
    }
    match schema["type"].as_str() {
        Some("integer") | Some("number") => {
            Some(schema.get("minimum").cloned().unwrap_or_else(|| json!(1)))
        }
        Some("boolean") => Some(json!(false)),
        Some("array") => {
            let n = schema["minItems"].as_u64().unwrap_or(0) as usize;
            let item = example(&schema["items"]).unwrap_or(Value::Null);
            Some(Value::Array(vec![item; n]))
        }
        Some("object") => Some(Value::Object(Default::default())),
        _ => {
            let len = schema["minLength"].as_u64().unwrap_or(1).max(1) as usize;
            valid_of_length(schema, "a", len).map(Value::String)
        }
    }
}

/// The edges of `schema` around `base`, a valid value of it.
pub fn edges(schema: &Value, base: &Value) -> Vec<Edge> {
    let mut out = Vec::new();
    if let Some(values) = schema["enum"].as_array() {
        out.push(Edge {
            label: "enum: a value not listed".into(),
            value: json!("NotInTheEnum"),
            inside: false,
        });
        for v in values.iter().filter(|v| !v.is_null()) {
            out.push(Edge { label: format!("enum: {v}"), value: v.clone(), inside: true });
        }
        return out;
    }
    match schema["type"].as_str() {
        Some("integer") => {
            if let Some(min) = schema["minimum"].as_i64() {
                out.push(Edge {
                    label: format!("minimum-1 ({})", min - 1),
                    value: json!(min - 1),
                    inside: false,
                });
                out.push(Edge {
                    label: format!("minimum ({min})"),
                    value: json!(min),
                    inside: true,
                });
            }
            if let Some(max) = schema["maximum"].as_i64() {
                out.push(Edge {
                    label: format!("maximum+1 ({})", max + 1),
                    value: json!(max + 1),
                    inside: false,
                });
                out.push(Edge {
                    label: format!("maximum ({max})"),
                    value: json!(max),
                    inside: true,
                });
            }
        }
        Some("string") | None => {
            let Some(base) = base.as_str() else { return out };
            let re = pattern(schema);
            let min = schema["minLength"].as_u64().map(|n| n as usize);
            let max = schema["maxLength"].as_u64().map(|n| n as usize);
            if let Some(min) = min.filter(|m| *m > 0) {
                // Refused for its length alone where the pattern allows it.
                let short = of_length(base, min - 1).find(|s| matches(&re, s));
                let short = short.or_else(|| of_length(base, min - 1).next()).unwrap_or_default();
                out.push(Edge {
                    label: format!("minLength-1 ({})", min - 1),
                    value: json!(short),
                    inside: false,
                });
                if let Some(s) = valid_of_length(schema, base, min) {
                    out.push(Edge {
                        label: format!("minLength ({min})"),
                        value: json!(s),
                        inside: true,
                    });
                }
            }
            if let Some(max) = max {
                let long = of_length(base, max + 1).find(|s| matches(&re, s));
                let long = long.or_else(|| of_length(base, max + 1).next()).unwrap_or_default();
                out.push(Edge {
                    label: format!("maxLength+1 ({})", max + 1),
                    value: json!(long),
                    inside: false,
                });
                if let Some(s) = valid_of_length(schema, base, max) {
                    out.push(Edge {
                        label: format!("maxLength ({max})"),
                        value: json!(s),
                        inside: true,
                    });
                }
            }
            if let Some(re) = &re {
                // One character the pattern refuses, the length still allowed.
                let chars: Vec<char> = base.chars().collect();
                let mid = chars.len() / 2;
                let broken = BREAKERS.into_iter().find_map(|c| {
                    let mut s = chars.clone();
                    if s.is_empty() {
                        s.push(c);
                    } else {
                        let at = mid.min(s.len() - 1);
                        s[at] = c;
                    }
                    let s: String = s.into_iter().collect();
                    (length_ok(schema, &s) && !re.is_match(&s)).then_some((c, s))
                });
                if let Some((c, s)) = broken {
                    out.push(Edge {
                        label: format!("pattern: {c:?} refused"),
                        value: json!(s),
                        inside: false,
                    });
                }
            }
        }
        _ => {}
    }
    out
}

/// The edges of an array's length (`minItems`, `maxItems`), made of
/// distinct valid items built from `base_item`.
pub fn array_edges(schema: &Value, base_item: &Value) -> Vec<Edge> {
    let items = &schema["items"];
    let re = pattern(items);
    let valid = |s: &str| length_ok(items, s) && matches(&re, s);
    let make = |n: usize| -> Option<Value> {
        let base = base_item.as_str()?;
        let values: Vec<String> = (0..n).map(|i| format!("{base}{i}")).collect();
        values.iter().all(|v| valid(v)).then(|| json!(values))
    };
    let mut out = Vec::new();
    let mut push = |label: String, n: usize, inside: bool| {
        if let Some(value) = make(n) {
            out.push(Edge { label, value, inside });
        }
    };
    if let Some(min) = schema["minItems"].as_u64().filter(|m| *m > 0) {
        push(format!("minItems-1 ({})", min - 1), min as usize - 1, false);
        push(format!("minItems ({min})"), min as usize, true);
    }
    if let Some(max) = schema["maxItems"].as_u64() {
        push(format!("maxItems+1 ({})", max + 1), max as usize + 1, false);
        push(format!("maxItems ({max})"), max as usize, true);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn domain() -> Value {
        json!({ "type": "string", "minLength": 2, "maxLength": 50,
                "pattern": "^[a-z][a-z0-9\\-]{0,48}[a-z0-9]$" })
    }

    #[test]
    fn string_edges_sit_at_the_limits() {
        let edges = edges(&domain(), &json!("conformance-1234"));
        let get = |l: &str| edges.iter().find(|e| e.label.starts_with(l)).unwrap().clone();
        assert_eq!(get("minLength-1").value.as_str().unwrap().len(), 1);
        assert_eq!(get("minLength (").value.as_str().unwrap().len(), 2);
        assert_eq!(get("maxLength+1").value.as_str().unwrap().len(), 51);
        let max = get("maxLength (");
        assert_eq!(max.value.as_str().unwrap().len(), 50);
        assert!(Regex::new(domain()["pattern"].as_str().unwrap())
            .unwrap()
            .is_match(max.value.as_str().unwrap()));
        assert!(!get("pattern").inside);
    }

    #[test]
    fn integer_and_enum_edges() {
        let e = edges(&json!({ "type": "integer", "minimum": 1, "maximum": 1000 }), &json!(1));
        let values: Vec<_> = e.iter().map(|e| (e.value.clone(), e.inside)).collect();
        assert_eq!(
            values,
            [(json!(0), false), (json!(1), true), (json!(1001), false), (json!(1000), true)]
        );
        let e = edges(&json!({ "type": "string", "enum": ["a", "b"] }), &json!("a"));
        assert_eq!(e.iter().filter(|e| e.inside).count(), 2);
        assert_eq!(e.iter().filter(|e| !e.inside).count(), 1);
    }

    #[test]
    fn array_edges_count_distinct_items() {
        let schema = json!({ "type": "array", "maxItems": 100,
                             "items": { "type": "string", "maxLength": 255, "pattern": "^[^#/\\s]+$" } });
        let e = array_edges(&schema, &json!("1.0.0"));
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].value.as_array().unwrap().len(), 101);
        assert!(!e[0].inside);
        assert_eq!(e[1].value.as_array().unwrap().len(), 100);
        assert_eq!(e[1].value[99], "1.0.099");
    }

    #[test]
    fn examples_are_valid() {
        assert_eq!(example(&domain()), Some(json!("aa")));
        assert_eq!(example(&json!({ "type": "integer", "minimum": 900 })), Some(json!(900)));
    }
}
