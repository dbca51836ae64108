//! From a JSON policy document to a checked [`Policy`].

use serde_json::{Map, Value};
use wildmatch::WildMatch;

use super::{
    keys, Condition, Effect, Operator, Patterns, Policy, PolicyKind, PrincipalEntry, Principals,
    SetOperator, Statement, Test, ValueMatcher,
};

/// A policy this server cannot read as AWS would, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("policy '{policy}': {problem}")]
pub struct PolicyError {
    pub policy: String,
    pub problem: String,
}

type Result<T> = std::result::Result<T, String>;

pub(super) fn policy(
    name: &str,
    kind: PolicyKind,
    document: &Value,
) -> std::result::Result<Policy, PolicyError> {
    parse_policy(name, kind, document)
        .map_err(|problem| PolicyError { policy: name.to_string(), problem })
}

fn parse_policy(name: &str, kind: PolicyKind, document: &Value) -> Result<Policy> {
    let object = document.as_object().ok_or("a policy document is a JSON object")?;
    only_known(object, &["Version", "Id", "Statement"], "the policy")?;
    match object.get("Version") {
        None => {}
        Some(Value::String(v)) if v == "2012-10-17" || v == "2008-10-17" => {}
        Some(other) => {
            return Err(format!("Version must be \"2012-10-17\" or \"2008-10-17\", not {other}"))
        }
    }
    let statements = match object.get("Statement") {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(one @ Value::Object(_)) => vec![one],
        Some(_) => return Err("Statement must be an object or a list of objects".into()),
        None => return Err("the policy has no Statement".into()),
    };
    if statements.is_empty() {
        return Err("Statement is empty".into());
    }
    let statements = statements
        .into_iter()
        .enumerate()
        .map(|(i, s)| {
            parse_statement(i, kind, s).map_err(|e| format!("statement {}: {e}", label_of(i, s)))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Policy { name: name.to_string(), statements })
}

fn label_of(index: usize, statement: &Value) -> String {
    match statement.get("Sid").and_then(Value::as_str) {
        Some(sid) if !sid.is_empty() => format!("'{sid}'"),
        _ => format!("#{index}"),
    }
}

fn only_known(object: &Map<String, Value>, known: &[&str], what: &str) -> Result<()> {
    match object.keys().find(|k| !known.contains(&k.as_str())) {
        Some(unknown) => Err(format!("{what} has an unknown element '{unknown}'")),
        None => Ok(()),
    }
}

fn parse_statement(index: usize, kind: PolicyKind, value: &Value) -> Result<Statement> {
    let s = value.as_object().ok_or("a statement is a JSON object")?;
    only_known(
        s,
        &[
            "Sid",
            "Effect",
            "Action",
            "NotAction",
            "Resource",
            "NotResource",
            "Principal",
            "NotPrincipal",
            "Condition",
        ],
        "the statement",
    )?;
    let label = match s.get("Sid") {
        None => format!("#{index}"),
        Some(Value::String(sid)) if sid.is_empty() => format!("#{index}"),
        Some(Value::String(sid)) => sid.clone(),
        Some(_) => return Err("Sid must be a string".into()),
    };
    let effect = match s.get("Effect").and_then(Value::as_str) {
        Some("Allow") => Effect::Allow,
        Some("Deny") => Effect::Deny,
        _ => return Err("Effect must be \"Allow\" or \"Deny\"".into()),
    };
    let actions = either(s, "Action", "NotAction", |p| {
        check_action(p)?;
        Ok(WildMatch::new_case_insensitive(p))
    })?
    .ok_or("a statement needs Action or NotAction")?;
    let resources = either(s, "Resource", "NotResource", |p| {
        no_variables(p)?;
        Ok(WildMatch::new(p))
    })?;
    if kind == PolicyKind::Identity && resources.is_none() {
        return Err("an identity policy statement needs Resource or NotResource".into());
    }
    let principals = principals(s)?;
    match (kind, &principals) {
        (PolicyKind::Identity, Some(_)) => {
            return Err("an identity policy cannot name a Principal".into())
        }
        (PolicyKind::Resource, None) => {
            return Err("a resource policy statement needs Principal or NotPrincipal".into())
        }
        _ => {}
    }
    let conditions = match s.get("Condition") {
        None => Vec::new(),
        Some(c) => conditions(c)?,
    };
    Ok(Statement { label, effect, actions, resources, principals, conditions })
}

/// The patterns of `positive` or `negative` (never both), each a string or
/// a list of strings.
fn either(
    s: &Map<String, Value>,
    positive: &str,
    negative: &str,
    compile: impl Fn(&str) -> Result<WildMatch>,
) -> Result<Option<Patterns>> {
    let (negated, value) = match (s.get(positive), s.get(negative)) {
        (Some(_), Some(_)) => return Err(format!("{positive} and {negative} cannot both be set")),
        (Some(v), None) => (false, v),
        (None, Some(v)) => (true, v),
        (None, None) => return Ok(None),
    };
    let element = if negated { negative } else { positive };
    let patterns = strings(value, element)?
        .iter()
        .map(|p| compile(p).map_err(|e| format!("{element} '{p}': {e}")))
        .collect::<Result<Vec<_>>>()?;
    Ok(Some(Patterns { negated, patterns }))
}

/// A string or a non-empty list of strings.
fn strings(value: &Value, element: &str) -> Result<Vec<String>> {
    let items: Vec<&Value> = match value {
        Value::Array(items) if !items.is_empty() => items.iter().collect(),
        Value::Array(_) => return Err(format!("{element} is an empty list")),
        one => vec![one],
    };
    items
        .into_iter()
        .map(|v| match v {
            Value::String(s) => Ok(s.clone()),
            // IAM accepts unquoted booleans and numbers in conditions.
            Value::Bool(b) => Ok(b.to_string()),
            Value::Number(n) => Ok(n.to_string()),
            other => Err(format!("{element} must hold strings, not {other}")),
        })
        .collect()
}

fn check_action(action: &str) -> Result<()> {
    if action == "*" {
        return Ok(());
    }
    match action.split_once(':') {
        Some((service, name)) if !service.is_empty() && !name.is_empty() => Ok(()),
        _ => Err("an action is \"*\" or \"<service>:<action>\"".into()),
    }
}

/// Policy variables such as `${aws:username}` are not supported: a policy
/// that uses them would be read wrongly, so it is refused.
fn no_variables(text: &str) -> Result<()> {
    if text.contains("${") {
        return Err("policy variables (${...}) are not supported".into());
    }
    Ok(())
}

fn principals(s: &Map<String, Value>) -> Result<Option<Principals>> {
    let (negated, value) = match (s.get("Principal"), s.get("NotPrincipal")) {
        (Some(_), Some(_)) => return Err("Principal and NotPrincipal cannot both be set".into()),
        (Some(v), None) => (false, v),
        (None, Some(v)) => (true, v),
        (None, None) => return Ok(None),
    };
    let entries = match value {
        Value::String(s) if s == "*" => vec![PrincipalEntry::Any],
        Value::Object(map) => {
            only_known(map, &["AWS"], "Principal (only AWS principals are supported)")?;
            let aws = map.get("AWS").ok_or("Principal names no AWS principal")?;
            strings(aws, "Principal")?.iter().map(|p| principal_entry(p)).collect::<Result<_>>()?
        }
        _ => return Err("Principal must be \"*\" or {\"AWS\": ...}".into()),
    };
    Ok(Some(Principals { negated, entries }))
}

fn principal_entry(text: &str) -> Result<PrincipalEntry> {
    let account_id = |a: &str| a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit());
    if text == "*" {
        return Ok(PrincipalEntry::Any);
    }
    if account_id(text) {
        return Ok(PrincipalEntry::Account(text.to_string()));
    }
    let unsupported = || format!("unsupported principal '{text}'");
    let parts: Vec<&str> = text.splitn(6, ':').collect();
    let ["arn", "aws", service, "", account, resource] = parts[..] else {
        return Err(unsupported());
    };
    if !account_id(account) || text.contains('*') {
        return Err(unsupported());
    }
    match (service, resource.split_once('/')) {
        ("iam", None) if resource == "root" => Ok(PrincipalEntry::Account(account.to_string())),
        ("iam", Some(("role", name))) => {
            Ok(PrincipalEntry::Role { account: account.to_string(), name: name.to_string() })
        }
        ("iam", Some(("user", _))) | ("sts", Some(("assumed-role", _))) => {
            Ok(PrincipalEntry::Arn(text.to_string()))
        }
        _ => Err(unsupported()),
    }
}

fn conditions(value: &Value) -> Result<Vec<Condition>> {
    let blocks = value.as_object().ok_or("Condition must be an object")?;
    let mut out = Vec::new();
    for (operator_text, block) in blocks {
        let (set, rest) = if let Some(rest) = operator_text.strip_prefix("ForAnyValue:") {
            (SetOperator::ForAnyValue, rest)
        } else if let Some(rest) = operator_text.strip_prefix("ForAllValues:") {
            (SetOperator::ForAllValues, rest)
        } else {
            (SetOperator::Single, operator_text.as_str())
        };
        let (name, if_exists) = match rest.strip_suffix("IfExists") {
            Some(name) => (name, true),
            None => (rest, false),
        };
        let operator = Operator::ALL
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, op)| *op)
            .ok_or_else(|| format!("unknown condition operator '{operator_text}'"))?;
        if operator == Operator::Null && (if_exists || set != SetOperator::Single) {
            return Err(format!("unknown condition operator '{operator_text}'"));
        }
        let block = block
            .as_object()
            .ok_or_else(|| format!("condition '{operator_text}' must map keys to values"))?;
        for (key, values) in block {
            let lower = key.to_ascii_lowercase();
            if !keys::ALL.contains(&lower.as_str()) {
                return Err(format!(
                    "unknown condition key '{key}' (supported: sts:AWSServiceName, \
                     aws:PrincipalAccount, aws:PrincipalArn, aws:PrincipalType, \
                     aws:RequestedRegion, aws:SecureTransport)"
                ));
            }
            let values = strings(values, &format!("condition {operator_text} {key}"))?;
            let matchers = values
                .iter()
                .map(|v| {
                    no_variables(v)?;
                    matcher(operator, v).map_err(|e| format!("{operator_text} {key}: {e}"))
                })
                .collect::<Result<Vec<_>>>()?;
            let test = if operator == Operator::Null {
                let absent =
                    matchers.iter().map(|m| matches!(m, ValueMatcher::Bool(true))).collect();
                Test::Null { absent }
            } else {
                Test::Matches { negated: operator.is_negated(), any_of: matchers }
            };
            out.push(Condition { key: lower, set, if_exists, test });
        }
    }
    Ok(out)
}

fn matcher(operator: Operator, value: &str) -> Result<ValueMatcher> {
    Ok(match operator {
        Operator::StringEquals | Operator::StringNotEquals => ValueMatcher::Exact(value.into()),
        Operator::StringEqualsIgnoreCase | Operator::StringNotEqualsIgnoreCase => {
            ValueMatcher::IgnoreCase(value.to_lowercase())
        }
        Operator::StringLike | Operator::StringNotLike => ValueMatcher::Glob(WildMatch::new(value)),
        Operator::ArnEquals | Operator::ArnNotEquals | Operator::ArnLike | Operator::ArnNotLike => {
            let parts: Vec<&str> = value.splitn(6, ':').collect();
            if parts.len() != 6 || parts[0] != "arn" {
                return Err(format!("'{value}' is not an ARN"));
            }
            ValueMatcher::Arn(parts.into_iter().map(WildMatch::new).collect())
        }
        Operator::Bool | Operator::Null => match value.to_ascii_lowercase().as_str() {
            "true" => ValueMatcher::Bool(true),
            "false" => ValueMatcher::Bool(false),
            _ => return Err(format!("takes \"true\" or \"false\", not '{value}'")),
        },
    })
}
