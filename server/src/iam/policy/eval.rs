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
    /// `direct` is false when the allowing statement names the caller only
    /// through its account (`"AWS": "<account>"` or the account's root ARN):
    /// within that account, such a grant is delegated to the account's own
    /// identity policies and does not allow anything by itself.
    Allow {
        policy: &'p str,
        statement: &'p str,
        direct: bool,
    },
    ExplicitDeny {
        policy: &'p str,
        statement: &'p str,
    },
    ImplicitDeny,
}

/// Evaluates `policies` together: an explicit Deny in any of them wins, then
/// an Allow in any of them; otherwise the request is implicitly denied.
pub fn evaluate<'p>(
    policies: impl IntoIterator<Item = &'p Policy>,
    request: &Request<'_>,
) -> Decision<'p> {
    let mut allow: Option<Decision<'p>> = None;
    for policy in policies {
        for statement in &policy.statements {
            let Some(direct) = statement.applies(request) else { continue };
            let (policy, label) = (policy.name.as_str(), statement.label.as_str());
            match statement.effect {
                Effect::Deny => return Decision::ExplicitDeny { policy, statement: label },
                // The first Allow decides, unless a later one is direct and
                // it was not.
                Effect::Allow => match allow {
                    Some(Decision::Allow { direct: true, .. }) => {}
                    Some(_) if !direct => {}
                    _ => allow = Some(Decision::Allow { policy, statement: label, direct }),
                },
            }
        }
    }
    allow.unwrap_or(Decision::ImplicitDeny)
}

impl Statement {
    /// Whether the statement applies to the request and, if so, whether it
    /// names the caller directly (see [`Decision::Allow`]).
    fn applies(&self, request: &Request<'_>) -> Option<bool> {
        let applies = self.actions.match_any(request.action)
            && self.resources.as_ref().is_none_or(|r| r.match_any(request.resource))
            && self.conditions.iter().all(|c| c.holds(request.context));
        if !applies {
            return None;
        }
        match &self.principals {
            None => Some(true),
            Some(principals) => principals.take_in(&request.actor),
        }
    }
}

impl Patterns {
    fn match_any(&self, value: &str) -> bool {
        self.patterns.iter().any(|p| p.matches(value)) != self.negated
    }
}

/// One of the identities a request is made as: the caller's own ARN, its
/// role's for a session, and its account's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Identity<'a> {
    Arn(&'a str),
    Role { account: &'a str, name: &'a str },
    Account(&'a str),
}

impl<'a> Actor<'a> {
    fn identities(&self) -> impl Iterator<Item = Identity<'a>> {
        // The root user is its account; nothing else names it.
        let own = (!self.arn.ends_with(":root")).then_some(Identity::Arn(self.arn));
        let role = self.role.map(|name| Identity::Role { account: self.account, name });
        own.into_iter().chain(role).chain([Identity::Account(self.account)])
    }
}

impl Principals {
    /// `Some(direct)` when the statement applies to `actor`.
    ///
    /// `Principal` applies when an entry names the actor: `"*"`, its ARN or
    /// its role directly, its account through the account. `NotPrincipal`
    /// applies unless every identity of the actor is listed (its ARN, its
    /// role's for a session, and its account's), as AWS requires.
    fn take_in(&self, actor: &Actor<'_>) -> Option<bool> {
        let listed = |id: Identity<'_>| self.entries.iter().any(|e| e.is(id));
        if self.negated {
            return (!actor.identities().all(listed)).then_some(true);
        }
        let mut through_account = false;
        for identity in actor.identities() {
            if listed(identity) {
                if matches!(identity, Identity::Account(_)) {
                    through_account = true;
                } else {
                    return Some(true);
                }
            }
        }
        if self.entries.contains(&PrincipalEntry::Any) {
            return Some(true);
        }
        through_account.then_some(false)
    }
}

impl PrincipalEntry {
    fn is(&self, identity: Identity<'_>) -> bool {
        match (self, identity) {
            (PrincipalEntry::Any, _) => true,
            (PrincipalEntry::Account(a), Identity::Account(b)) => a == b,
            (PrincipalEntry::Role { account, name }, Identity::Role { account: a, name: n }) => {
                account == a && name == n
            }
            (PrincipalEntry::Arn(arn), Identity::Arn(other)) => arn == other,
            _ => false,
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
