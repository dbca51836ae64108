//! Authorization: may this principal perform this action on this resource?
//!
//! AWS's rules for one account and across accounts: an explicit Deny in any
//! identity or resource policy denies. Within the resource owner's account,
//! an Allow in either the principal's identity policies or the resource's
//! policy suffices (but a resource policy that names only the account
//! delegates to the identity policies); across accounts both must allow. The root user is not
//! restricted by identity policies in its own account, but AWS does not let it
//! call `sts:GetServiceBearerToken`.

use codeartifact_api::AwsError;

use super::identity::{Principal, PrincipalKind};
use super::policy::{evaluate, ConditionContext, Decision, Policy, Request};

/// What was decided and, for the log, which statement decided it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Allowed { by: String },
    Denied { by: Option<String>, error: AwsError },
}

/// One authorization question about `principal`.
#[derive(Debug, Clone, Copy)]
pub struct Question<'a> {
    pub principal: &'a Principal,
    pub action: &'a str,
    pub resource: &'a str,
    /// The account that owns the resource.
    pub resource_owner: &'a str,
    /// The resource's own policy, if it has one.
    pub resource_policy: Option<&'a Policy>,
    pub context: &'a ConditionContext,
}

pub fn authorize(q: &Question<'_>) -> Outcome {
    let principal = q.principal;
    let deny = |by: Option<String>, reason: &str| Outcome::Denied {
        by,
        error: AwsError::access_denied(format!(
            "User: {} is not authorized to perform: {} on resource: {} {reason}",
            principal.arn, q.action, q.resource
        )),
    };
    let request = Request {
        actor: principal.as_actor(),
        action: q.action,
        resource: q.resource,
        context: q.context,
    };
    let same_account = principal.account == q.resource_owner;

    let identity = if principal.kind == PrincipalKind::Root {
        if q.action.eq_ignore_ascii_case(super::actions::GET_SERVICE_BEARER_TOKEN) {
            return deny(None, "because the root user cannot perform this action");
        }
        Decision::Allow { policy: "(root user)", statement: "(all actions)", direct: true }
    } else {
        evaluate(principal.policies.iter().map(|p| p.as_ref()), &request)
    };
    let resource = match q.resource_policy {
        Some(policy) => evaluate([policy], &request),
        None => Decision::ImplicitDeny,
    };

    let no_allow =
        |kind: &str| format!("because no {kind}-based policy allows the {} action", q.action);
    match (identity, resource) {
        (Decision::ExplicitDeny { policy, statement }, _) => deny(
            Some(describe(policy, statement)),
            "with an explicit deny in an identity-based policy",
        ),
        (_, Decision::ExplicitDeny { policy, statement }) => deny(
            Some(describe(policy, statement)),
            "with an explicit deny in a resource-based policy",
        ),
        (Decision::Allow { policy, statement, .. }, _) if same_account => {
            Outcome::Allowed { by: describe(policy, statement) }
        }
        // A grant to the account itself is delegated to its identity
        // policies, which allowed nothing here.
        (Decision::ImplicitDeny, Decision::Allow { policy, statement, direct: true })
            if same_account =>
        {
            Outcome::Allowed { by: describe(policy, statement) }
        }
        (
            Decision::Allow { policy, statement, .. },
            Decision::Allow { policy: rp, statement: rs, .. },
        ) => Outcome::Allowed {
            by: format!("{} and {}", describe(policy, statement), describe(rp, rs)),
        },
        (Decision::Allow { .. }, Decision::ImplicitDeny) => deny(None, &no_allow("resource")),
        (Decision::ImplicitDeny, _) => deny(None, &no_allow("identity")),
    }
}

fn describe(policy: &str, statement: &str) -> String {
    format!("policy '{policy}' statement '{statement}'")
}
