//! What the contract promises of one answer, judged from the answer alone:
//! pure functions of a [`Reply`] and the spec, so each can be shown to fail
//! on a wrong answer without a server.

use serde_json::Value;

use crate::report::Outcome;
use crate::spec::{Operation, Spec};
use crate::wire::Reply;

fn fail(expected: impl std::fmt::Display, actual: impl std::fmt::Display) -> Outcome {
    Outcome::Fail(format!("expected {expected}, got {actual}"))
}

/// A short account of an answer, for a failure's "got".
pub fn describe(reply: &Reply) -> String {
    // The table and the JUnit file are kept (CI artifacts): a token the
    // endpoint issued must not end up in them.
    let body = match serde_json::from_slice::<serde_json::Value>(&reply.body) {
        Ok(mut json) if json.get("authorizationToken").is_some() => {
            json["authorizationToken"] = "(redacted)".into();
            json.to_string()
        }
        _ => String::from_utf8_lossy(&reply.body).into_owned(),
    };
    let body: String = body.chars().take(200).collect();
    match reply.error_type() {
        Some(t) => format!("{} {t}: {body}", reply.status),
        None => format!("{} {body}", reply.status),
    }
}

/// Every answer names its request.
pub fn request_id(reply: &Reply) -> Outcome {
    match reply.header("x-amzn-RequestId") {
        Some(id) if !id.is_empty() => Outcome::Pass,
        _ => fail("an x-amzn-RequestId header", format!("none on {}", describe(reply))),
    }
}

/// A success: the documented status, required headers, and a body the
/// operation's schema accepts.
pub fn success(spec: &Spec, op: &Operation, reply: &Reply) -> Outcome {
    if reply.status != op.success_status {
        return fail(op.success_status, describe(reply));
    }
    for header in &op.success_headers {
        if reply.header(header).is_none() {
            return fail(format!("header {header}"), "none");
        }
    }
    let Some(schema) = &op.success_schema else { return Outcome::Pass };
    let body: Value = match serde_json::from_slice(&reply.body) {
        Ok(v) => v,
        Err(e) => return fail("a JSON body", format!("{e}")),
    };
    schema_errors(spec, schema, &body)
}

/// `body` checked against `schema`.
pub fn schema_errors(spec: &Spec, schema: &Value, body: &Value) -> Outcome {
    let validator = match spec.validator(schema) {
        Ok(v) => v,
        Err(e) => return Outcome::Fail(format!("the spec's schema does not compile: {e}")),
    };
    let errors: Vec<String> = validator
        .iter_errors(body)
        .take(3)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    if errors.is_empty() {
        Outcome::Pass
    } else {
        fail("a body the schema accepts", errors.join("; "))
    }
}

/// An error of class `code`: its documented status, `x-amzn-ErrorType`,
/// and a JSON object with a string `message` that the documented error
/// schema accepts.
pub fn error(spec: &Spec, op: &Operation, code: &str, reply: &Reply) -> Outcome {
    let Some(status) = spec.error_status(op, code) else {
        return Outcome::Fail(format!("the spec documents no {code} for {}", op.id));
    };
    if reply.status != status || reply.error_type() != Some(code) {
        return fail(format!("{status} {code}"), describe(reply));
    }
    let body: Value = match serde_json::from_slice(&reply.body) {
        Ok(v) => v,
        Err(e) => return fail("a JSON error body", format!("{e}")),
    };
    if !body["message"].is_string() {
        return fail("a string `message`", body);
    }
    // The model's ResourceNotFoundException and ConflictException name the
    // resource.
    if matches!(code, "ResourceNotFoundException" | "ConflictException")
        && !(body["resourceId"].is_string() && body["resourceType"].is_string())
    {
        return fail("`resourceId` and `resourceType`", body);
    }
    match spec.error_schema(op, status) {
        Some(schema) => schema_errors(spec, &schema, &body),
        None => Outcome::Pass,
    }
}

/// Anything but a refusal of the input as invalid.
pub fn not_validation(reply: &Reply) -> Outcome {
    if reply.error_type() == Some("ValidationException")
        || (reply.status == 400 && reply.error_type().is_none())
    {
        fail("the value accepted as valid", describe(reply))
    } else {
        Outcome::Pass
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_token_never_reaches_the_report() {
        let reply = super::Reply {
            status: 400,
            headers: Default::default(),
            body: br#"{"authorizationToken":"v4.local.secret","expiration":1}"#.to_vec(),
        };
        let text = super::describe(&reply);
        assert!(!text.contains("secret"), "{text}");
        assert!(text.contains("(redacted)"), "{text}");
    }

    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue};

    fn reply(status: u16, headers: &[(&'static str, &str)], body: &str) -> Reply {
        let mut map = HeaderMap::new();
        for (k, v) in headers {
            map.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        Reply { status, headers: map, body: body.as_bytes().to_vec() }
    }

    fn is_fail(o: &Outcome) -> bool {
        matches!(o, Outcome::Fail(_))
    }

    #[test]
    fn a_missing_request_id_fails() {
        assert!(is_fail(&request_id(&reply(200, &[], "{}"))));
        assert_eq!(request_id(&reply(200, &[("x-amzn-requestid", "r1")], "{}")), Outcome::Pass);
    }

    #[test]
    fn an_error_without_its_type_or_message_fails() {
        let spec = Spec::embedded();
        let op = spec.operation("DescribeDomain").unwrap();
        let body = r#"{"message":"no such domain","resourceId":"d","resourceType":"domain"}"#;
        let good = reply(404, &[("x-amzn-errortype", "ResourceNotFoundException")], body);
        assert_eq!(error(&spec, op, "ResourceNotFoundException", &good), Outcome::Pass);
        // The resource not named.
        let anonymous = reply(
            404,
            &[("x-amzn-errortype", "ResourceNotFoundException")],
            r#"{"message":"no such domain"}"#,
        );
        assert!(is_fail(&error(&spec, op, "ResourceNotFoundException", &anonymous)));
        // No x-amzn-ErrorType.
        assert!(is_fail(&error(&spec, op, "ResourceNotFoundException", &reply(404, &[], body))));
        // The wrong status.
        let wrong = reply(400, &[("x-amzn-errortype", "ResourceNotFoundException")], body);
        assert!(is_fail(&error(&spec, op, "ResourceNotFoundException", &wrong)));
        // No message; an HTML page.
        let no_message = reply(
            404,
            &[("x-amzn-errortype", "ResourceNotFoundException")],
            r#"{"request_id":"r"}"#,
        );
        assert!(is_fail(&error(&spec, op, "ResourceNotFoundException", &no_message)));
        let html =
            reply(404, &[("x-amzn-errortype", "ResourceNotFoundException")], "<html></html>");
        assert!(is_fail(&error(&spec, op, "ResourceNotFoundException", &html)));
    }

    #[test]
    fn a_body_the_schema_refuses_fails() {
        let spec = Spec::embedded();
        let op = spec.operation("ListDomains").unwrap();
        let ok = |status, body| reply(status, &[("x-amzn-requestid", "r1")], body);
        assert_eq!(success(&spec, op, &ok(200, r#"{"domains":[]}"#)), Outcome::Pass);
        assert!(is_fail(&success(&spec, op, &ok(200, r#"{"domains":"none"}"#))));
        assert!(is_fail(&success(&spec, op, &ok(200, r#"{"domains":[{"name":5}]}"#))));
        assert!(is_fail(&success(&spec, op, &ok(201, r#"{"domains":[]}"#))));
        // A header the spec requires of the answer is missing.
        assert!(is_fail(&success(&spec, op, &reply(200, &[], r#"{"domains":[]}"#))));
    }

    #[test]
    fn an_out_of_range_value_accepted_fails() {
        let spec = Spec::embedded();
        let op = spec.operation("ListDomains").unwrap();
        let accepted = reply(200, &[("x-amzn-requestid", "r1")], r#"{"domains":[]}"#);
        let outcome = error(&spec, op, "ValidationException", &accepted);
        assert_eq!(
            outcome,
            Outcome::Fail(r#"expected 400 ValidationException, got 200 {"domains":[]}"#.into())
        );
    }

    #[test]
    fn an_accepted_value_is_told_from_a_refused_one() {
        let refused =
            reply(400, &[("x-amzn-errortype", "ValidationException")], r#"{"message":"x"}"#);
        assert!(is_fail(&not_validation(&refused)));
        let missing =
            reply(404, &[("x-amzn-errortype", "ResourceNotFoundException")], r#"{"message":"x"}"#);
        assert_eq!(not_validation(&missing), Outcome::Pass);
    }
}
