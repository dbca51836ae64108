//! Wire types, named and constrained as in CodeArtifact's service model
//! (botocore's `codeartifact/2018-09-22/service-2.json`).
//!
//! A constrained string is a newtype whose schema (for the spec) and whose
//! validation (for the server) read the same constants, so the contract and
//! the checks cannot drift apart.

use schemars::gen::SchemaGenerator;
use schemars::schema::{InstanceType, Schema, SchemaObject, StringValidation};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::AwsError;
use crate::validation::{Constraint, FromQuery, ModelPattern, QueryParams, Validator};

/// Declares a model string shape: a newtype with its length bounds and
/// pattern, a schema that states them, and the constraints the validator
/// checks.
macro_rules! model_string {
    ($(#[$doc:meta])* $name:ident, min: $min:expr, max: $max:expr, pattern: $pattern:expr) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub const MIN_LENGTH: usize = $min;
            pub const MAX_LENGTH: usize = $max;

            pub fn pattern() -> &'static ModelPattern {
                static PATTERN: ModelPattern = ModelPattern::new($pattern);
                &PATTERN
            }

            /// The model's constraints on this shape, in the order AWS reports them.
            pub fn constraints() -> [Constraint; 3] {
                [
                    Constraint::MinLength(Self::MIN_LENGTH),
                    Constraint::MaxLength(Self::MAX_LENGTH),
                    Constraint::Pattern(Self::pattern()),
                ]
            }

            /// The value, if it satisfies every constraint; otherwise the
            /// first violated constraint, in AWS's words.
            pub fn parse(value: &str) -> Result<Self, String> {
                for constraint in Self::constraints() {
                    constraint.check(value)?;
                }
                Ok(Self(value.to_string()))
            }

            /// Wraps a value that has already passed [`Self::constraints`].
            fn validated(value: String) -> Self {
                Self(value)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl JsonSchema for $name {
            fn schema_name() -> String {
                stringify!($name).to_string()
            }

            // Inlined so that dropshot can describe query parameters of this
            // type and progenitor sees the constraints on each parameter.
            fn is_referenceable() -> bool {
                false
            }

            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                constrained_string(Self::MIN_LENGTH, Self::MAX_LENGTH, Self::pattern())
            }
        }
    };
}

fn constrained_string(min: usize, max: usize, pattern: &ModelPattern) -> Schema {
    SchemaObject {
        instance_type: Some(InstanceType::String.into()),
        string: Some(Box::new(StringValidation {
            min_length: Some(min as u32),
            max_length: Some(max as u32),
            pattern: Some(format!("^{}$", pattern.source)),
        })),
        ..Default::default()
    }
    .into()
}

model_string!(
    /// The name of a domain.
    DomainName, min: 2, max: 50, pattern: r"[a-z][a-z0-9\-]{0,48}[a-z0-9]"
);

model_string!(
    /// A 12-digit AWS account id.
    AccountId, min: 12, max: 12, pattern: r"[0-9]{12}"
);

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
    #[schemars(range(min = 0, max = 43200))]
    pub duration: Option<u64>,
}

impl FromQuery for GetAuthorizationTokenRequest {
    fn from_query(query: &QueryParams) -> Result<Self, AwsError> {
        let mut v = Validator::new(query);
        let domain = v.string("domain", "domain", true, &DomainName::constraints());
        let owner = v.string("domain-owner", "domainOwner", false, &AccountId::constraints());
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
            Some(Self {
                domain: DomainName::validated(domain?),
                domain_owner: owner.map(AccountId::validated),
                duration: duration.map(|n| n as u64),
            })
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

/// Headers sent with every successful response.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct AwsResponseHeaders {
    /// The unique id of this request, also sent with every error. Quote it
    /// when reporting a problem.
    #[serde(rename = "x-amzn-RequestId")]
    pub request_id: String,
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
