//! Table-driven tests of policy parsing and evaluation.

use serde_json::json;

use super::*;

const USER_ARN: &str = "arn:aws:iam::111122223333:user/alice";
const SESSION_ARN: &str = "arn:aws:sts::111122223333:assumed-role/ci/build-1";
const DOMAIN_ARN: &str = "arn:aws:codeartifact:us-east-1:111122223333:domain/demo";
const ACTION: &str = "codeartifact:GetAuthorizationToken";

fn user() -> Actor<'static> {
    Actor { arn: USER_ARN, account: "111122223333", role: None }
}

fn session() -> Actor<'static> {
    Actor { arn: SESSION_ARN, account: "111122223333", role: Some("ci") }
}

fn identity(document: serde_json::Value) -> Policy {
    Policy::parse("p", PolicyKind::Identity, &document).unwrap()
}

fn resource(document: serde_json::Value) -> Policy {
    Policy::parse("domain", PolicyKind::Resource, &document).unwrap()
}

fn context() -> ConditionContext {
    let mut c = ConditionContext::default();
    c.set(keys::PRINCIPAL_ACCOUNT, "111122223333")
        .set(keys::PRINCIPAL_ARN, USER_ARN)
        .set(keys::REQUESTED_REGION, "us-east-1")
        .set(keys::SECURE_TRANSPORT, "false");
    c
}

/// An account's principal only delegates: the decision says so.
#[test]
fn a_grant_to_the_account_is_not_direct() {
    let ctx = context();
    let request = Request { actor: user(), action: ACTION, resource: DOMAIN_ARN, context: &ctx };
    let direct = |principal: serde_json::Value| {
        let policy = resource(
            json!({"Statement": {"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "*"}}),
        );
        match evaluate([&policy], &request) {
            Decision::Allow { direct, .. } => direct,
            other => panic!("{other:?}"),
        }
    };
    assert!(!direct(json!("111122223333")));
    assert!(!direct(json!("arn:aws:iam::111122223333:root")));
    assert!(direct(json!(USER_ARN)));
    assert!(direct(json!("*")));
    assert!(direct(json!(["111122223333", USER_ARN])));
}

fn decide(policies: &[Policy], actor: Actor<'_>, action: &str, resource: &str) -> &'static str {
    decide_in(policies, actor, action, resource, &context())
}

fn decide_in(
    policies: &[Policy],
    actor: Actor<'_>,
    action: &str,
    resource: &str,
    context: &ConditionContext,
) -> &'static str {
    let request = Request { actor, action, resource, context };
    match evaluate(policies, &request) {
        Decision::Allow { .. } => "allow",
        Decision::ExplicitDeny { .. } => "deny",
        Decision::ImplicitDeny => "implicit",
    }
}

fn statement(effect: &str, action: &str, resource: &str) -> serde_json::Value {
    json!({"Effect": effect, "Action": action, "Resource": resource})
}

#[test]
fn allow_deny_and_implicit_deny() {
    let cases: Vec<(&str, Vec<serde_json::Value>, &str)> = vec![
        ("one allow", vec![statement("Allow", ACTION, DOMAIN_ARN)], "allow"),
        ("nothing matches", vec![statement("Allow", "codeartifact:ListDomains", "*")], "implicit"),
        (
            "no statements for the resource",
            vec![statement("Allow", ACTION, "arn:aws:s3:::b")],
            "implicit",
        ),
        (
            "deny after allow",
            vec![statement("Allow", "codeartifact:*", "*"), statement("Deny", ACTION, "*")],
            "deny",
        ),
        (
            "deny before allow",
            vec![statement("Deny", ACTION, "*"), statement("Allow", "codeartifact:*", "*")],
            "deny",
        ),
        ("deny alone", vec![statement("Deny", "*", "*")], "deny"),
    ];
    for (name, statements, expected) in cases {
        let policy = identity(json!({"Version": "2012-10-17", "Statement": statements}));
        assert_eq!(decide(&[policy], user(), ACTION, DOMAIN_ARN), expected, "{name}");
    }
}

#[test]
fn an_explicit_deny_in_any_policy_wins() {
    let allow = identity(json!({"Statement": statement("Allow", "*", "*")}));
    let deny = identity(json!({"Statement": statement("Deny", ACTION, DOMAIN_ARN)}));
    assert_eq!(decide(&[allow.clone(), deny.clone()], user(), ACTION, DOMAIN_ARN), "deny");
    assert_eq!(decide(&[deny, allow], user(), ACTION, DOMAIN_ARN), "deny");
    assert_eq!(decide(&[], user(), ACTION, DOMAIN_ARN), "implicit");
}

#[test]
fn the_deciding_statement_is_named() {
    let policy = Policy::parse(
        "ci-access",
        PolicyKind::Identity,
        &json!({"Statement": [
            statement("Allow", "s3:*", "*"),
            {"Sid": "Tokens", "Effect": "Allow", "Action": ACTION, "Resource": "*"},
            statement("Deny", "codeartifact:DeleteDomain", "*"),
        ]}),
    )
    .unwrap();
    let ctx = context();
    let request = Request { actor: user(), action: ACTION, resource: DOMAIN_ARN, context: &ctx };
    assert_eq!(
        evaluate([&policy], &request),
        Decision::Allow { policy: "ci-access", statement: "Tokens", direct: true }
    );
    let request = Request { action: "codeartifact:DeleteDomain", ..request };
    assert_eq!(
        evaluate([&policy], &request),
        Decision::ExplicitDeny { policy: "ci-access", statement: "#2" }
    );
}

#[test]
fn action_and_resource_wildcards() {
    let cases = [
        ("codeartifact:*", DOMAIN_ARN, "allow"),
        ("CodeArtifact:Get*", DOMAIN_ARN, "allow"),
        ("codeartifact:getauthorizationtoken", DOMAIN_ARN, "allow"),
        ("codeartifact:GetAuthorizationToke?", DOMAIN_ARN, "allow"),
        ("codeartifact:GetAuthorizationToken?", DOMAIN_ARN, "implicit"),
        ("code*:*Token", DOMAIN_ARN, "allow"),
        ("sts:*", DOMAIN_ARN, "implicit"),
        ("*", DOMAIN_ARN, "allow"),
        (ACTION, "arn:aws:codeartifact:*:111122223333:domain/*", "allow"),
        (ACTION, "arn:aws:codeartifact:us-east-1:111122223333:domain/dem?", "allow"),
        (ACTION, "arn:aws:codeartifact:*:444455556666:domain/*", "implicit"),
        // Resources are case-sensitive.
        (ACTION, "arn:aws:codeartifact:us-east-1:111122223333:domain/DEMO", "implicit"),
    ];
    for (action, resource, expected) in cases {
        let policy = identity(json!({"Statement": statement("Allow", action, resource)}));
        assert_eq!(decide(&[policy], user(), ACTION, DOMAIN_ARN), expected, "{action} {resource}");
    }
}

#[test]
fn not_action_and_not_resource() {
    let cases = [
        (json!({"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"}), "allow"),
        (json!({"Effect": "Allow", "NotAction": ["codeartifact:*"], "Resource": "*"}), "implicit"),
        (json!({"Effect": "Allow", "Action": "*", "NotResource": "arn:aws:s3:::*"}), "allow"),
        (json!({"Effect": "Allow", "Action": "*", "NotResource": DOMAIN_ARN}), "implicit"),
        (json!({"Effect": "Deny", "NotAction": "codeartifact:Get*", "Resource": "*"}), "implicit"),
    ];
    for (s, expected) in cases {
        let policy = identity(json!({"Statement": s}));
        assert_eq!(decide(&[policy], user(), ACTION, DOMAIN_ARN), expected, "{s}");
    }
}

/// Allow when the condition holds, so the decision says whether it did.
fn condition_holds(condition: serde_json::Value, context: &ConditionContext) -> bool {
    let policy = identity(json!({"Statement": {
        "Effect": "Allow", "Action": "*", "Resource": "*", "Condition": condition
    }}));
    decide_in(&[policy], user(), ACTION, DOMAIN_ARN, context) == "allow"
}

#[test]
fn condition_operators() {
    let mut bearer = context();
    bearer.set(keys::AWS_SERVICE_NAME, "codeartifact.amazonaws.com");
    let plain = context();
    let cases = [
        (
            json!({"StringEquals": {"sts:AWSServiceName": "codeartifact.amazonaws.com"}}),
            true,
            false,
        ),
        // Keys are case-insensitive; values are not.
        (
            json!({"StringEquals": {"STS:awsservicename": "codeartifact.amazonaws.com"}}),
            true,
            false,
        ),
        (
            json!({"StringEquals": {"sts:AWSServiceName": "CodeArtifact.amazonaws.com"}}),
            false,
            false,
        ),
        (
            json!({"StringEqualsIgnoreCase": {"sts:AWSServiceName": "CodeArtifact.amazonaws.com"}}),
            true,
            false,
        ),
        (
            json!({"StringEquals": {"sts:AWSServiceName": ["s3.amazonaws.com", "codeartifact.amazonaws.com"]}}),
            true,
            false,
        ),
        // Negated operators: true when the value matches none, and when the key is absent.
        (
            json!({"StringNotEquals": {"sts:AWSServiceName": "codeartifact.amazonaws.com"}}),
            false,
            true,
        ),
        (
            json!({"StringNotEquals": {"sts:AWSServiceName": ["s3.amazonaws.com", "codeartifact.amazonaws.com"]}}),
            false,
            true,
        ),
        (json!({"StringNotEquals": {"sts:AWSServiceName": "s3.amazonaws.com"}}), true, true),
        (
            json!({"StringNotEqualsIgnoreCase": {"sts:AWSServiceName": "CODEARTIFACT.amazonaws.com"}}),
            false,
            true,
        ),
        (json!({"StringLike": {"sts:AWSServiceName": "code*.amazonaws.com"}}), true, false),
        (json!({"StringLike": {"sts:AWSServiceName": "codeartifact.amazonaws.co?"}}), true, false),
        (json!({"StringNotLike": {"sts:AWSServiceName": ["s3*", "code*"]}}), false, true),
        (json!({"StringNotLike": {"sts:AWSServiceName": "s3*"}}), true, true),
        // IfExists: true when the key is absent.
        (
            json!({"StringEqualsIfExists": {"sts:AWSServiceName": "codeartifact.amazonaws.com"}}),
            true,
            true,
        ),
        (json!({"StringEqualsIfExists": {"sts:AWSServiceName": "s3.amazonaws.com"}}), false, true),
        (
            json!({"StringNotEqualsIfExists": {"sts:AWSServiceName": "codeartifact.amazonaws.com"}}),
            false,
            true,
        ),
        // Null: whether the key is absent.
        (json!({"Null": {"sts:AWSServiceName": "true"}}), false, true),
        (json!({"Null": {"sts:AWSServiceName": "false"}}), true, false),
        // Multi-valued forms over a single-valued key.
        (
            json!({"ForAnyValue:StringEquals": {"sts:AWSServiceName": ["x", "codeartifact.amazonaws.com"]}}),
            true,
            false,
        ),
        (json!({"ForAnyValue:StringLike": {"sts:AWSServiceName": "s3*"}}), false, false),
        (
            json!({"ForAllValues:StringEquals": {"sts:AWSServiceName": ["codeartifact.amazonaws.com"]}}),
            true,
            true,
        ),
        (
            json!({"ForAllValues:StringEquals": {"sts:AWSServiceName": ["s3.amazonaws.com"]}}),
            false,
            true,
        ),
        (
            json!({"ForAnyValue:StringNotEquals": {"sts:AWSServiceName": "codeartifact.amazonaws.com"}}),
            false,
            false,
        ),
        // Every key of every operator must hold.
        (
            json!({"StringEquals": {"sts:AWSServiceName": "codeartifact.amazonaws.com", "aws:RequestedRegion": "us-east-1"}}),
            true,
            false,
        ),
        (
            json!({"StringEquals": {"sts:AWSServiceName": "codeartifact.amazonaws.com"}, "StringLike": {"aws:RequestedRegion": "eu-*"}}),
            false,
            false,
        ),
    ];
    for (condition, with_key, without_key) in cases {
        assert_eq!(
            condition_holds(condition.clone(), &bearer),
            with_key,
            "{condition} (key present)"
        );
        assert_eq!(
            condition_holds(condition.clone(), &plain),
            without_key,
            "{condition} (key absent)"
        );
    }
}

#[test]
fn arn_and_bool_operators() {
    let ctx = context();
    let cases = [
        (json!({"ArnEquals": {"aws:PrincipalArn": USER_ARN}}), true),
        (json!({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::111122223333:user/*"}}), true),
        (json!({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:user/al?ce"}}), true),
        (json!({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::444455556666:*"}}), false),
        // Each of the six parts is matched on its own.
        (json!({"ArnLike": {"aws:PrincipalArn": "arn:aws:sts::111122223333:*"}}), false),
        (json!({"ArnLike": {"aws:PrincipalArn": "arn:*:*:*:*:*"}}), true),
        (json!({"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/*"}}), true),
        (json!({"ArnNotEquals": {"aws:PrincipalArn": USER_ARN}}), false),
        (json!({"StringEquals": {"aws:PrincipalAccount": "111122223333"}}), true),
        (json!({"Bool": {"aws:SecureTransport": "false"}}), true),
        (json!({"Bool": {"aws:SecureTransport": false}}), true),
        (json!({"Bool": {"aws:SecureTransport": "TRUE"}}), false),
        (json!({"BoolIfExists": {"aws:SecureTransport": "true"}}), false),
    ];
    for (condition, expected) in cases {
        assert_eq!(condition_holds(condition.clone(), &ctx), expected, "{condition}");
    }
}

#[test]
fn principals_in_resource_policies() {
    let allow_for = |principal: serde_json::Value| {
        resource(
            json!({"Statement": {"Effect": "Allow", "Principal": principal, "Action": ACTION, "Resource": "*"}}),
        )
    };
    let cases = [
        (json!("*"), user(), "allow"),
        (json!({"AWS": "*"}), session(), "allow"),
        (json!({"AWS": "111122223333"}), user(), "allow"),
        (json!({"AWS": "arn:aws:iam::111122223333:root"}), session(), "allow"),
        (json!({"AWS": "arn:aws:iam::444455556666:root"}), user(), "implicit"),
        (json!({"AWS": USER_ARN}), user(), "allow"),
        (json!({"AWS": USER_ARN}), session(), "implicit"),
        (json!({"AWS": "arn:aws:iam::111122223333:role/ci"}), session(), "allow"),
        (json!({"AWS": "arn:aws:iam::111122223333:role/other"}), session(), "implicit"),
        (json!({"AWS": "arn:aws:iam::111122223333:role/ci"}), user(), "implicit"),
        (json!({"AWS": SESSION_ARN}), session(), "allow"),
        (json!({"AWS": ["arn:aws:iam::444455556666:root", USER_ARN]}), user(), "allow"),
    ];
    for (principal, caller, expected) in cases {
        let policy = allow_for(principal.clone());
        assert_eq!(decide(&[policy], caller, ACTION, DOMAIN_ARN), expected, "{principal}");
    }
    // NotPrincipal exempts a caller only when every identity it acts as is
    // listed: its own ARN, its role's for a session, and its account's.
    let deny_all_but = |listed: serde_json::Value| {
        resource(
            json!({"Statement": {"Effect": "Deny", "NotPrincipal": {"AWS": listed}, "Action": "*", "Resource": "*"}}),
        )
    };
    let root = "arn:aws:iam::111122223333:root";
    let role = "arn:aws:iam::111122223333:role/ci";
    let cases = [
        (json!([USER_ARN, root]), user(), "implicit"),
        (json!(USER_ARN), user(), "deny"),
        (json!([USER_ARN, root]), session(), "deny"),
        (json!("111122223333"), user(), "deny"),
        (json!([SESSION_ARN, role, root]), session(), "implicit"),
        (json!([role, root]), session(), "deny"),
    ];
    for (listed, caller, expected) in cases {
        let policy = deny_all_but(listed.clone());
        assert_eq!(
            decide(&[policy], caller, ACTION, DOMAIN_ARN),
            expected,
            "NotPrincipal {listed}"
        );
    }
}

#[test]
fn unsupported_or_wrong_policies_are_refused_at_parse() {
    let ok = json!({"Effect": "Allow", "Action": "*", "Resource": "*"});
    let cases: Vec<(PolicyKind, serde_json::Value, &str)> = vec![
        (
            PolicyKind::Identity,
            json!({"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*",
            "Condition": {"StringEqualz": {"aws:PrincipalArn": "x"}}}}),
            "unknown condition operator 'StringEqualz'",
        ),
        (
            PolicyKind::Identity,
            json!({"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*",
            "Condition": {"ForSomeValues:StringEquals": {"aws:PrincipalArn": "x"}}}}),
            "unknown condition operator",
        ),
        (
            PolicyKind::Identity,
            json!({"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*",
            "Condition": {"NullIfExists": {"aws:PrincipalArn": "true"}}}}),
            "unknown condition operator",
        ),
        (
            PolicyKind::Identity,
            json!({"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*",
            "Condition": {"StringEquals": {"aws:SourceIp": "x"}}}}),
            "unknown condition key 'aws:SourceIp'",
        ),
        (
            PolicyKind::Identity,
            json!({"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*",
            "Condition": {"Bool": {"aws:SecureTransport": "yes"}}}}),
            "\"true\" or \"false\"",
        ),
        (
            PolicyKind::Identity,
            json!({"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*",
            "Condition": {"ArnLike": {"aws:PrincipalArn": "user/*"}}}}),
            "not an ARN",
        ),
        (
            PolicyKind::Identity,
            json!({"Statement": {"Effect": "Allow", "Action": "*",
            "Resource": "arn:aws:codeartifact:*:*:domain/${aws:username}"}}),
            "policy variables",
        ),
        (
            PolicyKind::Identity,
            json!({"Statement": {"Effect": "Allow", "Action": "*"}}),
            "needs Resource",
        ),
        (
            PolicyKind::Identity,
            json!({"Statement": {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}}),
            "cannot name a Principal",
        ),
        (PolicyKind::Resource, json!({"Statement": ok.clone()}), "needs Principal"),
        (
            PolicyKind::Resource,
            json!({"Statement": {"Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "*"}}),
            "only AWS principals",
        ),
        (
            PolicyKind::Resource,
            json!({"Statement": {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::*:root"}, "Action": "*"}}),
            "unsupported principal",
        ),
        (
            PolicyKind::Identity,
            json!({"Statement": {"Effect": "Allow", "Action": "*", "NotAction": "s3:*", "Resource": "*"}}),
            "cannot both be set",
        ),
        (
            PolicyKind::Identity,
            json!({"Statement": {"Effect": "Permit", "Action": "*", "Resource": "*"}}),
            "Effect must be",
        ),
        (
            PolicyKind::Identity,
            json!({"Statement": {"Effect": "Allow", "Action": "GetAuthorizationToken", "Resource": "*"}}),
            "<service>:<action>",
        ),
        (
            PolicyKind::Identity,
            json!({"Statement": {"Effect": "Allow", "Actions": "*", "Resource": "*"}}),
            "unknown element 'Actions'",
        ),
        (
            PolicyKind::Identity,
            json!({"Version": "2024-01-01", "Statement": ok.clone()}),
            "Version must be",
        ),
        (PolicyKind::Identity, json!({"Statement": []}), "Statement is empty"),
        (PolicyKind::Identity, json!([ok]), "a JSON object"),
    ];
    for (kind, document, expected) in cases {
        let err = Policy::parse("bad", kind, &document).unwrap_err().to_string();
        assert!(err.starts_with("policy 'bad': "), "{err}");
        assert!(err.contains(expected), "expected '{expected}' in: {err}");
    }
}
