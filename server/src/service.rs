//! The service itself: what each operation does once its caller is known and
//! its input is valid. Nothing here knows about HTTP.

use chrono::{DateTime, TimeDelta, Utc};
use codeartifact_api::{
    AwsError, ErrorCode, GetAuthorizationTokenRequest, GetAuthorizationTokenResult,
    MAX_TOKEN_DURATION_SECONDS,
};
use slog::{info, Logger};

use crate::access::{authorize, Outcome, Question};
use crate::config::Config;
use crate::domains::{domain_arn, Domains};
use crate::identity::{Caller, Identities, Principal, EXPIRED_TOKEN};
use crate::policy::{keys, ConditionContext};
use crate::throttle::Throttle;
use crate::tokens::{TokenClaims, TokenIssuer};

/// The service name that `sts:GetServiceBearerToken` is asked for.
pub const BEARER_TOKEN_SERVICE: &str = "codeartifact.amazonaws.com";
pub const GET_AUTHORIZATION_TOKEN: &str = "codeartifact:GetAuthorizationToken";
pub const GET_SERVICE_BEARER_TOKEN: &str = "sts:GetServiceBearerToken";

/// Everything a request needs; shared by all requests.
#[derive(Debug)]
pub struct Service {
    pub identities: Identities,
    pub domains: Domains,
    pub tokens: TokenIssuer,
    pub throttle: Throttle,
    secure_transport: bool,
}

/// What an operation returns: its output, or the AWS error to send.
pub type OpResult<T> = Result<T, AwsError>;

impl Service {
    pub fn new(config: &Config, tokens: TokenIssuer) -> Self {
        Self {
            identities: Identities::from_config(config),
            domains: Domains::from_config(config),
            tokens,
            throttle: Throttle::new(config.rate_limit.as_ref()),
            secure_transport: config.secure_transport,
        }
    }

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
        let owner = match &input.domain_owner {
            Some(owner) => owner.as_str(),
            None => principal.account.as_str(),
        };
        let name = input.domain.as_str();
        for decided in self.token_access(principal, &caller.region, owner, name) {
            let Decided { action, resource, outcome } = decided;
            match outcome {
                Outcome::Allowed { by } => {
                    info!(log, "allowed"; "action" => action, "resource" => resource,
                        "decided_by" => by);
                }
                Outcome::Denied { by, error } => {
                    info!(log, "denied"; "action" => action, "resource" => resource,
                        "decided_by" => by.unwrap_or_else(|| "no statement allows it".into()));
                    return Err(error);
                }
            }
        }
        if !self.domains.get(owner, name).is_some_and(|d| d.is_in(&caller.region)) {
            return Err(AwsError::resource_not_found(format!(
                "Domain '{name}' owned by account {owner} does not exist."
            )));
        }

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
        let token = self.tokens.mint(&claims).map_err(|e| {
            slog::error!(log, "failed to mint a token"; "error" => format!("{e:#}"));
            AwsError::internal("An internal error occurred. Try the request again.")
        })?;
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
        let domain_policy = self
            .domains
            .get(owner, name)
            .filter(|d| d.is_in(region))
            .and_then(|d| d.policy.as_deref());
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

    /// The condition keys every request carries.
    fn condition_context(&self, principal: &Principal, region: &str) -> ConditionContext {
        let mut context = ConditionContext::default();
        context
            .set(keys::PRINCIPAL_ACCOUNT, principal.account.clone())
            .set(keys::PRINCIPAL_ARN, principal.principal_arn())
            .set(keys::PRINCIPAL_TYPE, principal.principal_type())
            .set(keys::REQUESTED_REGION, region.to_string())
            .set(keys::SECURE_TRANSPORT, self.secure_transport.to_string());
        context
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
    use codeartifact_api::{FromQuery, QueryParams};

    /// A session whose configured expiry is years away still gets tokens
    /// of at most 12 hours with duration 0.
    #[test]
    fn duration_zero_is_capped_at_twelve_hours() {
        let now = Utc::now();
        let config = Config::development(now);
        let service = Service::new(&config, TokenIssuer::ephemeral().unwrap());
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
