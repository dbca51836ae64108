//! The service itself: what each operation does once its caller is known and
//! its input is valid. Nothing here knows about HTTP.

use chrono::{DateTime, TimeDelta, Utc};
use codeartifact_api::{
    AwsError, GetAuthorizationTokenRequest, GetAuthorizationTokenResult, MAX_TOKEN_DURATION_SECONDS,
};

use crate::config::Config;
use crate::domains::Domains;
use crate::identity::{Caller, Identities};
use crate::throttle::Throttle;
use crate::tokens::{TokenClaims, TokenIssuer};

/// Everything a request needs; shared by all requests.
#[derive(Debug)]
pub struct Service {
    pub identities: Identities,
    pub domains: Domains,
    pub tokens: TokenIssuer,
    pub throttle: Throttle,
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
        }
    }

    /// Mints a token for `caller` on the requested domain.
    ///
    /// The domain owner defaults to the caller's account. The expiry is
    /// `duration` seconds from now (12 hours when absent); with 0, the
    /// caller's session expiry, or 12 hours for long-term credentials.
    pub fn get_authorization_token(
        &self,
        caller: &Caller,
        input: &GetAuthorizationTokenRequest,
        now: DateTime<Utc>,
    ) -> OpResult<(GetAuthorizationTokenResult, TokenClaims)> {
        let owner = match &input.domain_owner {
            Some(owner) => owner.as_str(),
            None => caller.principal.account.as_str(),
        };
        let name = input.domain.as_str();
        if !self.domains.contains(owner, name) {
            return Err(AwsError::resource_not_found(format!(
                "Domain '{name}' owned by account {owner} does not exist."
            )));
        }

        // Tokens carry whole seconds, like the wire's `expiration`.
        let now = now - TimeDelta::nanoseconds(now.timestamp_subsec_nanos().into());
        let default = now + seconds(MAX_TOKEN_DURATION_SECONDS);
        let expiration = match input.duration {
            None => default,
            Some(0) => caller.credential_expiration.unwrap_or(default),
            Some(n) => now + seconds(n),
        };
        let claims = TokenClaims {
            domain: name.to_string(),
            domain_owner: owner.to_string(),
            principal: caller.principal.arn.clone(),
            issued_at: now,
            expiration,
        };
        let token = self
            .tokens
            .mint(&claims)
            .map_err(|e| AwsError::internal(format!("failed to mint a token: {e:#}")))?;
        let result = GetAuthorizationTokenResult {
            authorization_token: token,
            expiration: expiration.timestamp(),
        };
        Ok((result, claims))
    }
}

/// Validation bounds every duration by the 12-hour maximum; the `min` keeps
/// that true here even for a caller that skipped it.
fn seconds(n: u64) -> TimeDelta {
    TimeDelta::seconds(n.min(MAX_TOKEN_DURATION_SECONDS) as i64)
}
