//! GetAuthorizationToken: who may have a token for a domain, and minting it.

use chrono::{DateTime, TimeDelta, Utc};
use codeartifact_api::{
    AwsError, ErrorCode, GetAuthorizationTokenRequest, GetAuthorizationTokenResult,
    MAX_TOKEN_DURATION_SECONDS,
};
use slog::{info, Logger};

use super::{internal, log_outcome, owner_of, OpResult, Service};
use crate::access::{authorize, Outcome, Question};
use crate::domains::domain_arn;
use crate::identity::{Caller, Principal, EXPIRED_TOKEN};
use crate::policy::keys;
use crate::tokens::TokenClaims;

/// The service name that `sts:GetServiceBearerToken` is asked for.
pub const BEARER_TOKEN_SERVICE: &str = "codeartifact.amazonaws.com";
pub const GET_AUTHORIZATION_TOKEN: &str = "codeartifact:GetAuthorizationToken";
pub const GET_SERVICE_BEARER_TOKEN: &str = "sts:GetServiceBearerToken";

impl Service {
    /// Mints a token for `caller` on the requested domain.
    ///
    /// As on AWS, the caller needs `codeartifact:GetAuthorizationToken` on
    /// the domain and `sts:GetServiceBearerToken` for CodeArtifact; only then
    /// is a missing domain reported. The domain owner defaults to the
    /// caller's account. The expiry is `duration` seconds from now (12 hours
    /// when absent); with 0, the caller's session expiry, or 12 hours for
    /// long-term credentials.
    pub fn get_authorization_token(
        &self,
        log: &Logger,
        caller: &Caller,
        input: &GetAuthorizationTokenRequest,
        now: DateTime<Utc>,
    ) -> OpResult<GetAuthorizationTokenResult> {
        let principal = &caller.principal;
        let owner = owner_of(caller, input.domain_owner.as_ref());
        let name = input.domain.as_str();
        for Decided { action, resource, outcome } in
            self.token_access(principal, &caller.region, owner, name)
        {
            log_outcome(log, action, &resource, outcome)?;
        }
        self.require_domain(log, &caller.region, owner, name)?;

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
            principal: principal.arn.clone(),
            issued_at: now,
            expiration,
        };
        let token = self.tokens.mint(&claims).map_err(|e| internal(log, format!("{e:#}")))?;
        info!(log, "issued authorization token";
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
        let domain_policy = self.domain_policy(owner, name, region);
        let mut context = self.condition_context(principal, region);
        let domain = domain_arn(region, owner, name);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::store::SqliteStore;
    use crate::tokens::TokenIssuer;
    use codeartifact_api::{FromQuery, QueryParams};
    use std::sync::Arc;

    /// A session whose configured expiry is years away still gets tokens
    /// of at most 12 hours with duration 0.
    #[test]
    fn duration_zero_is_capped_at_twelve_hours() {
        let now = Utc::now();
        let config = Config::development(now);
        let service = Service::new(
            &config,
            TokenIssuer::ephemeral().unwrap(),
            Arc::new(SqliteStore::in_memory().unwrap()),
            now,
        )
        .unwrap();
        let principal = service
            .identities
            .principals()
            .into_iter()
            .find(|p| p.expiration.is_some())
            .expect("the development session")
            .principal
            .clone();
        let log = Logger::root(slog::Discard, slog::o!());
        let input =
            GetAuthorizationTokenRequest::from_query(&QueryParams::parse("domain=demo&duration=0"))
                .unwrap();
        let call = |expiration| {
            let caller = Caller {
                principal: principal.clone(),
                region: "us-east-1".into(),
                credential_expiration: Some(expiration),
            };
            service.get_authorization_token(&log, &caller, &input, now)
        };
        let far = call(now + TimeDelta::days(3650)).unwrap();
        assert_eq!(far.expiration, now.timestamp() + 43_200);
        let near = call(now + TimeDelta::minutes(20)).unwrap();
        assert_eq!(near.expiration, (now + TimeDelta::minutes(20)).timestamp());
        let gone = call(now - TimeDelta::seconds(1)).unwrap_err();
        assert_eq!(gone.code, ErrorCode::ExpiredTokenException);
    }
}
