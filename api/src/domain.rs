//! The shapes of the domain operations: CreateDomain, DescribeDomain,
//! ListDomains and DeleteDomain.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::AwsError;
use crate::types::{
    check_tags, domain_members, AccountId, Arn, DomainName, DomainStatus, PaginationToken, Tag,
};
use crate::validation::{from_query_alone, json_body, FromQuery, FromWire, QueryParams, Validator};

/// The query of `CreateDomain`.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
pub struct CreateDomainQuery {
    /// The name of the domain to create. Domain names are unique within an
    /// account and region.
    pub domain: DomainName,
}

/// The body of `CreateDomain`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateDomainBody {
    /// The key that would encrypt the domain's assets: a KMS key id, key
    /// ARN, alias or alias ARN. Recorded and reported back; this server
    /// keeps assets in its data directory and does not call KMS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encryption_key: Option<Arn>,
    /// Tags for the domain (at most 200).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = 200))]
    pub tags: Vec<Tag>,
}

/// `CreateDomain`, validated.
#[derive(Clone, Debug)]
pub struct CreateDomainRequest {
    pub domain: DomainName,
    pub encryption_key: Option<Arn>,
    pub tags: Vec<Tag>,
}

impl FromWire for CreateDomainRequest {
    /// The request, or one ValidationException naming every violation in
    /// the query and the body.
    fn from_wire(query: &QueryParams, body: &[u8]) -> Result<Self, AwsError> {
        let body: CreateDomainBody = json_body(body)?;
        let mut v = Validator::new(query);
        let domain = v.string("domain", "domain", true, &DomainName::constraints());
        let key = body.encryption_key.as_ref().map(Arn::as_str);
        v.check("encryptionKey", key, false, &Arn::constraints());
        check_tags(&mut v, &body.tags);
        v.finish(|| {
            Some(Self {
                domain: DomainName::validated(domain?),
                encryption_key: body.encryption_key,
                tags: body.tags,
            })
        })
    }
}

/// `DescribeDomain` and `DeleteDomain`: which domain (in the query).
#[derive(Clone, Debug, Deserialize, JsonSchema)]
pub struct DomainRequest {
    /// The name of the domain.
    pub domain: DomainName,
    /// The 12-digit account number of the account that owns the domain. When
    /// absent, the caller's own account.
    #[serde(rename = "domain-owner")]
    pub domain_owner: Option<AccountId>,
}

impl FromQuery for DomainRequest {
    fn from_query(query: &QueryParams) -> Result<Self, AwsError> {
        let mut v = Validator::new(query);
        let (domain, domain_owner) = domain_members(&mut v);
        v.finish(|| Some(Self { domain: domain?, domain_owner }))
    }
}

from_query_alone!(DomainRequest);

/// The largest page ListDomains and ListRepositoriesInDomain return.
pub const MAX_PAGE_SIZE: i64 = 1000;

/// The body of `ListDomains`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ListDomainsRequest {
    /// The maximum number of domains to return (1 to 1000; default 1000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 1000))]
    pub max_results: Option<i64>,
    /// The `nextToken` of the previous page, to continue from it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_token: Option<PaginationToken>,
}

impl FromWire for ListDomainsRequest {
    /// The request, or one ValidationException naming every violation. The
    /// whole input is in the body.
    fn from_wire(_query: &QueryParams, body: &[u8]) -> Result<Self, AwsError> {
        let this: Self = json_body(body)?;
        let mut v = Validator::without_query();
        v.check_range("maxResults", this.max_results, 1..=MAX_PAGE_SIZE);
        let token = this.next_token.as_ref().map(PaginationToken::as_str);
        v.check("nextToken", token, false, &PaginationToken::constraints());
        v.finish(|| Some(this))
    }
}

/// Information about a domain.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DomainDescription {
    /// The name of the domain.
    pub name: DomainName,
    /// The account that owns the domain.
    pub owner: AccountId,
    /// The ARN of the domain: `arn:aws:codeartifact:<region>:<owner>:domain/<name>`.
    pub arn: String,
    /// The status of the domain.
    pub status: DomainStatus,
    /// When the domain was created, in seconds since the Unix epoch.
    pub created_time: i64,
    /// The encryption key given when the domain was created, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encryption_key: Option<String>,
    /// The number of repositories in the domain.
    pub repository_count: i32,
    /// The total size in bytes of the assets of the domain's package
    /// versions, in all its repositories.
    pub asset_size_bytes: i64,
}

/// A domain, as ListDomains lists it.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DomainSummary {
    /// The name of the domain.
    pub name: DomainName,
    /// The account that owns the domain.
    pub owner: AccountId,
    /// The ARN of the domain.
    pub arn: String,
    /// The status of the domain.
    pub status: DomainStatus,
    /// When the domain was created, in seconds since the Unix epoch.
    pub created_time: i64,
    /// The encryption key given when the domain was created, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encryption_key: Option<String>,
}

/// The result of `CreateDomain`.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct CreateDomainResult {
    /// The domain just created.
    pub domain: DomainDescription,
}

/// The result of `DescribeDomain`.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct DescribeDomainResult {
    /// The domain.
    pub domain: DomainDescription,
}

/// The result of `DeleteDomain`.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct DeleteDomainResult {
    /// The domain as it was, with status `Deleted`.
    pub domain: DomainDescription,
}

/// The result of `ListDomains`.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ListDomainsResult {
    /// The domains on this page, by name.
    pub domains: Vec<DomainSummary>,
    /// Present when there are more domains: send it back for the next page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn create(query: &str, body: &str) -> Result<CreateDomainRequest, AwsError> {
        CreateDomainRequest::from_wire(&QueryParams::parse(query), body.as_bytes())
    }

    #[test]
    fn create_reads_query_and_body() {
        let r = create(
            "domain=my-domain",
            r#"{"encryptionKey":"alias/k","tags":[{"key":"team","value":""}]}"#,
        )
        .unwrap();
        assert_eq!(r.domain.as_str(), "my-domain");
        assert_eq!(r.encryption_key.unwrap().as_str(), "alias/k");
        assert_eq!(r.tags.len(), 1);
    }

    #[test]
    fn create_reports_query_and_body_violations_together() {
        let err = create("domain=X", r#"{"encryptionKey":"a b","tags":[{"key":"","value":"v"}]}"#)
            .unwrap_err();
        let m = &err.message;
        assert!(m.starts_with("5 validation errors detected"), "{m}");
        assert!(m.contains("Value 'X' at 'domain'"), "{m}");
        assert!(m.contains("Value 'a b' at 'encryptionKey'"), "{m}");
        assert!(m.contains("Value '' at 'tags.1.member.key'"), "{m}");
    }

    #[test]
    fn too_many_tags_is_a_violation() {
        let tags: Vec<String> =
            (0..201).map(|i| format!(r#"{{"key":"k{i}","value":"v"}}"#)).collect();
        let err = create("domain=ab", &format!(r#"{{"tags":[{}]}}"#, tags.join(","))).unwrap_err();
        assert!(err.message.contains("at 'tags'"), "{}", err.message);
        assert!(err.message.contains("less than or equal to 200"), "{}", err.message);
    }

    #[test]
    fn list_bounds_max_results() {
        let list = |max: i64| {
            let body = format!(r#"{{"maxResults":{max}}}"#);
            ListDomainsRequest::from_wire(&QueryParams::default(), body.as_bytes())
        };
        assert!(list(1).is_ok() && list(1000).is_ok());
        assert!(list(0).unwrap_err().message.contains("greater than or equal to 1"));
        assert!(list(1001).unwrap_err().message.contains("less than or equal to 1000"));
    }

    #[test]
    fn domain_query_needs_a_domain() {
        let err = DomainRequest::from_query(&QueryParams::parse("domain-owner=12")).unwrap_err();
        assert!(err.message.starts_with("3 validation errors detected"), "{}", err.message);
        assert!(err.message.contains("Value null at 'domain'"));
    }
}
