//! IAM JSON policies: parsed and checked at load, evaluated per request.
//!
//! Our own module rather than a crate: `scratchstack-aspen` 0.3.1, the one
//! maintained IAM policy crate, lets an earlier Allow win over a later Deny in
//! the same policy, gets negated operators wrong for lists and for missing
//! keys, matches actions case-sensitively, has no `ForAnyValue:` /
//! `ForAllValues:`, never matches a role principal against its sessions, and
//! does not say which statement decided. Wildcards use the `wildmatch` crate.
//!
//! What is supported is checked when a policy is parsed, so that a policy
//! this server would misread is refused at start with its name and the
//! problem: unknown elements, condition operators and condition keys, policy
//! variables, and principals other than AWS accounts, users and roles.
//!
//! Evaluation follows AWS's documented logic: an explicit Deny wins, then any
//! Allow, and without an Allow the request is implicitly denied.

mod eval;
mod parse;

#[cfg(test)]
mod tests;

pub use eval::{evaluate, Actor, ConditionContext, Decision, Request};
pub use parse::PolicyError;

use wildmatch::WildMatch;

/// Where a policy is attached, which decides the elements it may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PolicyKind {
    /// Attached to a user or role: no `Principal`, and `Resource` required.
    Identity,
    /// Attached to a resource (a domain): `Principal` required.
    Resource,
}

/// A parsed policy document with the name it was given in the config.
#[derive(Debug, Clone)]
pub struct Policy {
    pub name: String,
    statements: Vec<Statement>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Effect {
    Allow,
    Deny,
}

#[derive(Debug, Clone)]
struct Statement {
    /// The `Sid`, or `#<index>` when it has none; logged when it decides.
    label: String,
    effect: Effect,
    actions: Patterns,
    resources: Option<Patterns>,
    principals: Option<Principals>,
    conditions: Vec<Condition>,
}

/// `Action` / `NotAction` or `Resource` / `NotResource`.
#[derive(Debug, Clone)]
struct Patterns {
    negated: bool,
    patterns: Vec<WildMatch>,
}

/// `Principal` / `NotPrincipal`.
#[derive(Debug, Clone)]
struct Principals {
    negated: bool,
    entries: Vec<PrincipalEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum PrincipalEntry {
    /// `"*"`: anyone.
    Any,
    /// An account id or `arn:aws:iam::<acct>:root`: every principal of it.
    Account(String),
    /// `arn:aws:iam::<acct>:role/<name>`: every session of the role.
    Role { account: String, name: String },
    /// A user or an assumed-role session ARN, matched exactly.
    Arn(String),
}

#[derive(Debug, Clone)]
struct Condition {
    /// Lower-case, as condition keys are case-insensitive.
    key: String,
    set: SetOperator,
    if_exists: bool,
    test: Test,
}

#[derive(Debug, Clone)]
enum Test {
    /// The value matches one of `any_of` (or, negated, none of them).
    Matches { negated: bool, any_of: Vec<ValueMatcher> },
    /// `Null`: whether the key is absent, for any of the given answers.
    Null { absent: Vec<bool> },
}

/// One value of a condition, compiled for its operator.
#[derive(Debug, Clone)]
enum ValueMatcher {
    Exact(String),
    IgnoreCase(String),
    Glob(WildMatch),
    /// ArnLike / ArnEquals: each of the six `:`-separated parts on its own.
    Arn(Vec<WildMatch>),
    Bool(bool),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SetOperator {
    Single,
    ForAnyValue,
    ForAllValues,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operator {
    StringEquals,
    StringNotEquals,
    StringEqualsIgnoreCase,
    StringNotEqualsIgnoreCase,
    StringLike,
    StringNotLike,
    ArnEquals,
    ArnNotEquals,
    ArnLike,
    ArnNotLike,
    Bool,
    Null,
}

impl Operator {
    const ALL: [(&'static str, Operator); 12] = [
        ("StringEquals", Operator::StringEquals),
        ("StringNotEquals", Operator::StringNotEquals),
        ("StringEqualsIgnoreCase", Operator::StringEqualsIgnoreCase),
        ("StringNotEqualsIgnoreCase", Operator::StringNotEqualsIgnoreCase),
        ("StringLike", Operator::StringLike),
        ("StringNotLike", Operator::StringNotLike),
        ("ArnEquals", Operator::ArnEquals),
        ("ArnNotEquals", Operator::ArnNotEquals),
        ("ArnLike", Operator::ArnLike),
        ("ArnNotLike", Operator::ArnNotLike),
        ("Bool", Operator::Bool),
        ("Null", Operator::Null),
    ];

    /// Negated operators are true when the key is absent, and true for a
    /// value that matches none of the policy's values.
    pub(super) fn is_negated(self) -> bool {
        matches!(
            self,
            Operator::StringNotEquals
                | Operator::StringNotEqualsIgnoreCase
                | Operator::StringNotLike
                | Operator::ArnNotEquals
                | Operator::ArnNotLike
        )
    }
}

/// The condition keys this server sets on requests, lower-cased.
pub mod keys {
    pub const AWS_SERVICE_NAME: &str = "sts:awsservicename";
    pub const PRINCIPAL_ACCOUNT: &str = "aws:principalaccount";
    pub const PRINCIPAL_ARN: &str = "aws:principalarn";
    pub const PRINCIPAL_TYPE: &str = "aws:principaltype";
    pub const REQUESTED_REGION: &str = "aws:requestedregion";
    pub const SECURE_TRANSPORT: &str = "aws:securetransport";

    pub const ALL: [&str; 6] = [
        AWS_SERVICE_NAME,
        PRINCIPAL_ACCOUNT,
        PRINCIPAL_ARN,
        PRINCIPAL_TYPE,
        REQUESTED_REGION,
        SECURE_TRANSPORT,
    ];
}

impl Policy {
    /// Parses and checks a policy document.
    pub fn parse(
        name: &str,
        kind: PolicyKind,
        document: &serde_json::Value,
    ) -> Result<Self, PolicyError> {
        parse::policy(name, kind, document)
    }
}
