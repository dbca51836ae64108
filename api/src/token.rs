//! The shapes of GetAuthorizationToken.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::AwsError;
use crate::types::{domain_members, AccountId, DomainName};
use crate::validation::{from_query_alone, FromQuery, QueryParams, Validator};

/// The default and the longest lifetime of an authorization token: 12 hours.
pub const MAX_TOKEN_DURATION_SECONDS: u64 = 43_200;
/// The shortest non-zero lifetime of an authorization token: 15 minutes.
pub const MIN_TOKEN_DURATION_SECONDS: u64 = 900;

/// The query of `GetAuthorizationToken`.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
pub struct GetAuthorizationTokenRequest {
    /// The name of the domain that is in scope for the generated authorization
    /// token.
    pub domain: DomainName,
    /// The 12-digit account number of the Amazon Web Services account that
    /// owns the domain. It does not include dashes or spaces. When absent, the
    /// caller's own account.
    #[serde(rename = "domain-owner")]
    pub domain_owner: Option<AccountId>,
    /// The time, in seconds, that the generated authorization token is valid.
    /// Valid values are 0 and any number between 900 (15 minutes) and 43200
    /// (12 hours); the default is 43200. A value of 0 sets the expiration of
    /// the token to the expiration of the caller's temporary (session)
    /// credentials; for long-term credentials, which have no expiration, this
    /// server then uses the 12-hour default.
    // The spec states the gap too: see `duration_gap`.
    #[schemars(range(min = 0, max = 43200))]
    pub duration: Option<u64>,
}

/// The durations the service refuses inside `duration`'s range, as the
/// schema a value must not match. The model says only 0..43200 and the
/// service refuses 1..899: the spec says both, so that a request made from
/// it never falls into the gap. A `not` is not allowed in a dropshot query
/// parameter's schema, so [`crate::openapi_spec`] adds it to the spec.
pub(crate) fn duration_gap() -> serde_json::Value {
    serde_json::json!({ "minimum": 1, "maximum": MIN_TOKEN_DURATION_SECONDS - 1 })
}

impl FromQuery for GetAuthorizationTokenRequest {
    fn from_query(query: &QueryParams) -> Result<Self, AwsError> {
        let mut v = Validator::new(query);
        let (domain, domain_owner) = domain_members(&mut v);
        let max = MAX_TOKEN_DURATION_SECONDS as i64;
        let duration = v.integer("duration", "durationSeconds", 0..=max, |n| {
            (1..MIN_TOKEN_DURATION_SECONDS as i64).contains(&n).then(|| {
                format!(
                    "Member must be 0 or between {MIN_TOKEN_DURATION_SECONDS} and \
                     {MAX_TOKEN_DURATION_SECONDS}"
                )
            })
        });
        v.finish(|| {
            Some(Self { domain: domain?, domain_owner, duration: duration.map(|n| n as u64) })
        })
    }
}

/// The result of `GetAuthorizationToken`.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct GetAuthorizationTokenResult {
    /// The returned authentication token. It uses only the characters
    /// `[A-Za-z0-9_.-]`, so it can be placed unescaped in a URL.
    pub authorization_token: String,
    /// When the authorization token expires, in seconds since the Unix epoch.
    pub expiration: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(raw: &str) -> Result<GetAuthorizationTokenRequest, AwsError> {
        GetAuthorizationTokenRequest::from_query(&QueryParams::parse(raw))
    }

    #[test]
    fn a_full_request_parses() {
        let r = parse("duration=900&domain-owner=111122223333&domain=my-domain").unwrap();
        assert_eq!(r.domain.as_str(), "my-domain");
        assert_eq!(r.domain_owner.unwrap().as_str(), "111122223333");
        assert_eq!(r.duration, Some(900));
    }

    #[test]
    fn durations_follow_the_service_rules() {
        for ok in ["0", "900", "43200", "3600"] {
            assert!(parse(&format!("domain=ab&duration={ok}")).is_ok(), "{ok}");
        }
        let cases = [
            ("1", "Member must be 0 or between 900 and 43200"),
            ("899", "Member must be 0 or between 900 and 43200"),
            ("43201", "Member must have value less than or equal to 43200"),
            ("-1", "Member must have value greater than or equal to 0"),
            ("1.5", "Member must be an integer"),
            ("abc", "Member must be an integer"),
        ];
        for (value, constraint) in cases {
            let err = parse(&format!("domain=ab&duration={value}")).unwrap_err();
            assert_eq!(
                err.message,
                format!(
                    "1 validation error detected: Value '{value}' at 'durationSeconds' \
                     failed to satisfy constraint: {constraint}"
                )
            );
        }
    }

    #[test]
    fn owner_must_be_twelve_digits() {
        let err = parse("domain=ab&domain-owner=1234567890123").unwrap_err();
        assert!(err.message.starts_with("2 validation errors detected"), "{}", err.message);
        assert!(err.message.contains("at 'domainOwner'"));
        assert!(err.message.contains("length less than or equal to 12"));
    }

    #[test]
    fn errors_from_several_members_are_reported_together() {
        let err = parse("duration=5").unwrap_err();
        assert!(err.message.starts_with("2 validation errors detected"), "{}", err.message);
        assert!(err.message.contains("Value null at 'domain'"));
        assert!(err.message.contains("Value '5' at 'durationSeconds'"));
    }
}

from_query_alone!(GetAuthorizationTokenRequest);
