//! Evaluating policies for one request.

use super::{
    Condition, Effect, Patterns, Policy, PrincipalEntry, Principals, SetOperator, Statement, Test,
    ValueMatcher,
};

/// Who is asking, as resource policies' `Principal` sees it.
#[derive(Debug, Clone, Copy)]
pub struct Actor<'a> {
    pub arn: &'a str,
    pub account: &'a str,
    /// For a role session, the role's name.
    pub role: Option<&'a str>,
}

/// The condition keys of a request and their values (all single-valued).
#[derive(Debug, Clone, Default)]
pub struct ConditionContext {
    values: Vec<(&'static str, String)>,
}

impl ConditionContext {
    /// Sets `key` (one of [`super::keys`]) to `value`.
    pub fn set(&mut self, key: &'static str, value: impl Into<String>) -> &mut Self {
        self.values.retain(|(k, _)| *k != key);
        self.values.push((key, value.into()));
        self
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.values.iter().find(|(k, _)| *k == key).map(|(_, v)| v.as_str())
    }
}

/// One authorization question.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    pub actor: Actor<'a>,
    pub action: &'a str,
    pub resource: &'a str,
    pub context: &'a ConditionContext,
}

/// The answer, naming the deciding policy and statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision<'p> {
    Allow { policy: &'p str, statement: &'p str },
    ExplicitDeny { policy: &'p str, statement: &'p str },
    ImplicitDeny,
}

/// Evaluates `policies` together: an explicit Deny in any of them wins, then
/// an Allow in any of them; otherwise the request is implicitly denied.
pub fn evaluate<'p>(
    policies: impl IntoIterator<Item = &'p Policy>,
    request: &Request<'_>,
) -> Decision<'p> {
    let mut allow = None;
    for policy in policies {
        for statement in &policy.statements {
            if !statement.applies(request) {
                continue;
            }
            let decided = (policy.name.as_str(), statement.label.as_str());
            match statement.effect {
                Effect::Deny => {
                    return Decision::ExplicitDeny { policy: decided.0, statement: decided.1 }
                }
                Effect::Allow => {
                    allow.get_or_insert(decided);
                }
            }
        }
    }
    match allow {
        Some((policy, statement)) => Decision::Allow { policy, statement },
        None => Decision::ImplicitDeny,
    }
}

impl Statement {
    fn applies(&self, request: &Request<'_>) -> bool {
        self.actions.match_any(request.action)
            && self.resources.as_ref().is_none_or(|r| r.match_any(request.resource))
            && self.principals.as_ref().is_none_or(|p| p.match_any(&request.actor))
            && self.conditions.iter().all(|c| c.holds(request.context))
    }
}

impl Patterns {
    fn match_any(&self, value: &str) -> bool {
        self.patterns.iter().any(|p| p.matches(value)) != self.negated
    }
}

impl Principals {
    fn match_any(&self, actor: &Actor<'_>) -> bool {
        self.entries.iter().any(|e| e.matches(actor)) != self.negated
    }
}

impl PrincipalEntry {
    fn matches(&self, actor: &Actor<'_>) -> bool {
        match self {
            PrincipalEntry::Any => true,
            PrincipalEntry::Account(account) => actor.account == account,
            PrincipalEntry::Role { account, name } => {
                actor.account == account && actor.role == Some(name.as_str())
            }
            PrincipalEntry::Arn(arn) => actor.arn == arn,
        }
    }
}

impl Condition {
    fn holds(&self, context: &ConditionContext) -> bool {
        let value = context.get(&self.key);
        match (&self.test, value) {
            (Test::Null { absent }, _) => absent.contains(&value.is_none()),
            (Test::Matches { negated, .. }, None) => match self.set {
                // A missing key: false, except for negated operators; the
                // IfExists forms are true.
                SetOperator::Single => self.if_exists || *negated,
                // No values: no value matches any, and all (none) match.
                SetOperator::ForAnyValue => false,
                SetOperator::ForAllValues => true,
            },
            (Test::Matches { negated, any_of }, Some(value)) => {
                // Every key here holds one value, so "any value" and "all
                // values" both come down to that one value.
                any_of.iter().any(|m| m.matches(value)) != *negated
            }
        }
    }
}

impl ValueMatcher {
    fn matches(&self, value: &str) -> bool {
        match self {
            ValueMatcher::Exact(expected) => value == expected,
            ValueMatcher::IgnoreCase(expected) => value.to_lowercase() == *expected,
            ValueMatcher::Glob(glob) => glob.matches(value),
            ValueMatcher::Arn(parts) => {
                let values: Vec<&str> = value.splitn(6, ':').collect();
                values.len() == parts.len() && parts.iter().zip(values).all(|(p, v)| p.matches(v))
            }
            ValueMatcher::Bool(expected) => match value.to_ascii_lowercase().as_str() {
                "true" => *expected,
                "false" => !*expected,
                _ => false,
            },
        }
    }
}
