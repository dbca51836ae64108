//! GetAuthorizationToken: who may have a token for a domain, and minting it.

use chrono::TimeDelta;
use codeartifact_api::{
    AwsError, ErrorCode, GetAuthorizationTokenRequest, GetAuthorizationTokenResult,
    MAX_TOKEN_DURATION_SECONDS,
};
use slog::debug;

use super::{domain_not_found, internal, log_outcome, owner_of, Call, OpResult, Service};
use crate::iam::access::{authorize, Outcome, Question};
use crate::iam::actions::{
    BEARER_TOKEN_SERVICE, GET_AUTHORIZATION_TOKEN, GET_SERVICE_BEARER_TOKEN,
};
use crate::iam::arn;
use crate::iam::identity::{Principal, EXPIRED_TOKEN};
use crate::iam::policy::keys;
use crate::token_issuer::TokenClaims;

impl Service {
    /// Mints a token for `caller` on the requested domain.
    ///
    /// As on AWS, the caller needs `codeartifact:GetAuthorizationToken` on
    /// the domain and `sts:GetServiceBearerToken` for CodeArtifact; only then
    /// is a missing domain reported. The domain owner defaults to the
    /// caller's account. The expiry is `duration` seconds from now (12 hours
    /// when absent); with 0, the caller's session expiry, or 12 hours for
    /// long-term credentials.
    pub async fn get_authorization_token(
        &self,
        call: &Call,
        input: GetAuthorizationTokenRequest,
    ) -> OpResult<GetAuthorizationTokenResult> {
        let (caller, log, now) = (&call.caller, &call.log, call.now);
        let principal = &caller.principal;
        let owner = owner_of(caller, input.domain_owner.as_ref());
        let name = input.domain.as_str();
        for Decided { action, resource, outcome } in
            self.token_access(principal, &caller.region, owner, name)
        {
            log_outcome(log, &principal.arn, action, &resource, outcome)?;
        }
        // The token names this instance of the domain, not only its name.
        let instance = match self.store.domain_instance(owner, name, &caller.region).await {
            Ok(Some(instance)) => instance,
            Ok(None) => return Err(domain_not_found(owner, name)),
            Err(e) => return Err(internal(log, e)),
        };

        // Tokens carry whole seconds, like the wire's `expiration`.
        let now = now - TimeDelta::nanoseconds(now.timestamp_subsec_nanos().into());
        let default = now + seconds(MAX_TOKEN_DURATION_SECONDS);
        let expiration = match input.duration {
            None => default,
            // A role session lasts 12 hours at most on AWS; a configured one
            // may claim longer, but its tokens do not.
            Some(0) => caller.credential_expiration.map_or(default, |e| e.min(default)),
            Some(n) => now + seconds(n),
        };
        if expiration <= now {
            // The session expired between authentication and now.
            return Err(AwsError::new(ErrorCode::ExpiredTokenException, EXPIRED_TOKEN));
        }
        let claims = TokenClaims {
            domain: name.to_string(),
            domain_owner: owner.to_string(),
            domain_instance: instance,
            principal: principal.arn.clone(),
            region: caller.region.clone(),
            issued_at: now,
            expiration,
        };
        let token = self.tokens.mint(&claims).map_err(|e| internal(log, format!("{e:#}")))?;
        debug!(log, "issued authorization token";
            "principal" => &claims.principal,
            "domain" => &claims.domain,
            "domain_owner" => &claims.domain_owner,
            "expiration" => expiration.timestamp());
        Ok(GetAuthorizationTokenResult {
            authorization_token: token,
            expiration: expiration.timestamp(),
        })
    }

    /// The two permissions GetAuthorizationToken needs, decided in order:
    /// `codeartifact:GetAuthorizationToken` on the domain (with its policy),
    /// then `sts:GetServiceBearerToken` for CodeArtifact. Stops at the first
    /// denial. The domain need not exist: as on AWS, access is decided first.
    pub fn token_access(
        &self,
        principal: &Principal,
        region: &str,
        owner: &str,
        name: &str,
    ) -> Vec<Decided> {
        let domain_policy = self.domain_policies.policy(owner, name, region);
        let mut context = self.condition_context(principal, region);
        let domain = arn::domain(region, owner, name);
        let first = authorize(&Question {
            principal,
            action: GET_AUTHORIZATION_TOKEN,
            resource: &domain,
            resource_owner: owner,
            resource_policy: domain_policy,
            context: &context,
        });
        let denied = matches!(first, Outcome::Denied { .. });
        let mut decided =
            vec![Decided { action: GET_AUTHORIZATION_TOKEN, resource: domain, outcome: first }];
        if denied {
            return decided;
        }
        context.set(keys::AWS_SERVICE_NAME, BEARER_TOKEN_SERVICE);
        let second = authorize(&Question {
            principal,
            action: GET_SERVICE_BEARER_TOKEN,
            resource: &principal.arn,
            resource_owner: &principal.account,
            resource_policy: None,
            context: &context,
        });
        decided.push(Decided {
            action: GET_SERVICE_BEARER_TOKEN,
            resource: principal.arn.clone(),
            outcome: second,
        });
        decided
    }
}

/// One authorization decision, for the log or for `check-config`.
#[derive(Debug, Clone)]
pub struct Decided {
    pub action: &'static str,
    pub resource: String,
    pub outcome: Outcome,
}

/// Validation bounds every duration by the 12-hour maximum; the `min` keeps
/// that true here even for a caller that skipped it.
fn seconds(n: u64) -> TimeDelta {
    TimeDelta::seconds(n.min(MAX_TOKEN_DURATION_SECONDS) as i64)
}
