//! The shapes of the repository operations: CreateRepository,
//! DescribeRepository, UpdateRepository, ListRepositoriesInDomain,
//! ListRepositories, DeleteRepository, GetRepositoryEndpoint,
//! AssociateExternalConnection and DisassociateExternalConnection.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::domain::MAX_PAGE_SIZE;
use crate::error::AwsError;
use crate::types::{
    check_tags, domain_members, AccountId, Description, DomainName, EndpointType,
    ExternalConnectionName, ExternalConnectionStatus, PackageFormat, PaginationToken,
    RepositoryName, Tag,
};
use crate::validation::{from_query_alone, json_body, FromQuery, FromWire, QueryParams, Validator};

/// `DescribeRepository` and `DeleteRepository`: which repository (in the
/// query).
#[derive(Clone, Debug, Deserialize, JsonSchema)]
pub struct RepositoryRequest {
    /// The name of the domain that contains the repository.
    pub domain: DomainName,
    /// The 12-digit account number of the account that owns the domain. When
    /// absent, the caller's own account.
    #[serde(rename = "domain-owner")]
    pub domain_owner: Option<AccountId>,
    /// The name of the repository.
    pub repository: RepositoryName,
}

impl FromQuery for RepositoryRequest {
    fn from_query(query: &QueryParams) -> Result<Self, AwsError> {
        let mut v = Validator::new(query);
        let (domain, domain_owner, repository) = repository_members(&mut v);
        v.finish(|| Some(Self { domain: domain?, domain_owner, repository: repository? }))
    }
}

/// The query of `CreateRepository` names the repository exactly as
/// [`RepositoryRequest`] does.
pub type CreateRepositoryQuery = RepositoryRequest;

from_query_alone!(
    RepositoryRequest,
    ListRepositoriesInDomainRequest,
    GetRepositoryEndpointRequest,
    ListRepositoriesRequest,
    ExternalConnectionRequest,
);

fn repository_members(
    v: &mut Validator<'_>,
) -> (Option<DomainName>, Option<AccountId>, Option<RepositoryName>) {
    let (domain, owner) = domain_members(v);
    let repository = v.string("repository", "repository", true, &RepositoryName::constraints());
    (domain, owner, repository.map(RepositoryName::validated))
}

/// An upstream repository: one in the same domain that this repository
/// reads packages through.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpstreamRepository {
    /// The name of the upstream repository.
    pub repository_name: RepositoryName,
}

/// The body of `CreateRepository`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateRepositoryBody {
    /// A description of the repository (at most 1000 printable characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Description>,
    /// Upstream repositories, in priority order. Each must already exist in
    /// the same domain.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(schema_with = "upstreams_schema")]
    pub upstreams: Vec<UpstreamRepository>,
    /// Tags for the repository (at most 200).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = 200))]
    pub tags: Vec<Tag>,
}

/// `CreateRepository`, validated.
#[derive(Clone, Debug)]
pub struct CreateRepositoryRequest {
    pub domain: DomainName,
    pub domain_owner: Option<AccountId>,
    pub repository: RepositoryName,
    pub description: Option<Description>,
    pub upstreams: Vec<RepositoryName>,
    pub tags: Vec<Tag>,
}

impl FromWire for CreateRepositoryRequest {
    /// The request, or one ValidationException naming every violation in
    /// the query and the body.
    fn from_wire(query: &QueryParams, body: &[u8]) -> Result<Self, AwsError> {
        let body: CreateRepositoryBody = json_body(body)?;
        let mut v = Validator::new(query);
        let (domain, domain_owner, repository) = repository_members(&mut v);
        check_description_and_upstreams(&mut v, body.description.as_ref(), &body.upstreams);
        check_tags(&mut v, &body.tags);
        v.finish(|| {
            Some(Self {
                domain: domain?,
                domain_owner,
                repository: repository?,
                description: body.description,
                upstreams: body.upstreams.into_iter().map(|u| u.repository_name).collect(),
                tags: body.tags,
            })
        })
    }
}

/// Checks `description` and each upstream's `repositoryName`, as AWS
/// reports them: `upstreams.N.member.repositoryName` for the N-th (from 1).
fn check_description_and_upstreams(
    v: &mut Validator<'_>,
    description: Option<&Description>,
    upstreams: &[UpstreamRepository],
) {
    let description = description.map(Description::as_str);
    v.check("description", description, false, &Description::constraints());
    v.check_length("upstreams", upstreams.len(), MAX_UPSTREAMS);
    let names: Vec<&str> = upstreams.iter().map(|u| u.repository_name.as_str()).collect();
    v.check_unique("upstreams", &names);
    for (i, upstream) in upstreams.iter().enumerate() {
        v.check(
            &format!("upstreams.{}.member.repositoryName", i + 1),
            Some(upstream.repository_name.as_str()),
            true,
            &RepositoryName::constraints(),
        );
    }
}

/// The query of `UpdateRepository` names the repository exactly as
/// [`RepositoryRequest`] does.
pub type UpdateRepositoryQuery = RepositoryRequest;

/// The body of `UpdateRepository`. A member that is absent is left as it
/// is.
#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpdateRepositoryBody {
    /// The repository's new description (at most 1000 printable
    /// characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Description>,
    /// The repository's upstream repositories, in priority order, replacing
    /// the ones it has; `[]` removes them all. Each must already exist in the
    /// same domain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "nullable_upstreams_schema")]
    pub upstreams: Option<Vec<UpstreamRepository>>,
}

/// The most direct upstream repositories a repository has (AWS's quota).
pub const MAX_UPSTREAMS: usize = 10;

/// A list of upstreams: at most [`MAX_UPSTREAMS`], none twice.
fn upstreams_schema(generator: &mut schemars::gen::SchemaGenerator) -> schemars::schema::Schema {
    use schemars::schema::{ArrayValidation, InstanceType, SchemaObject};
    SchemaObject {
        instance_type: Some(InstanceType::Array.into()),
        array: Some(Box::new(ArrayValidation {
            items: Some(generator.subschema_for::<UpstreamRepository>().into()),
            max_items: Some(MAX_UPSTREAMS as u32),
            unique_items: Some(true),
            ..Default::default()
        })),
        ..Default::default()
    }
    .into()
}

/// [`upstreams_schema`], absent or null when not replaced (a generated
/// client then tells "leave them" from `[]`, "remove them all").
fn nullable_upstreams_schema(
    generator: &mut schemars::gen::SchemaGenerator,
) -> schemars::schema::Schema {
    let mut schema = upstreams_schema(generator).into_object();
    schema.extensions.insert("nullable".to_string(), serde_json::Value::Bool(true));
    schema.into()
}

/// `UpdateRepository`, validated.
#[derive(Clone, Debug)]
pub struct UpdateRepositoryRequest {
    pub domain: DomainName,
    pub domain_owner: Option<AccountId>,
    pub repository: RepositoryName,
    /// `None`: leave the description as it is.
    pub description: Option<Description>,
    /// `None`: leave the upstreams as they are; `Some(vec![])`: remove them.
    pub upstreams: Option<Vec<RepositoryName>>,
}

impl FromWire for UpdateRepositoryRequest {
    /// The request, or one ValidationException naming every violation in
    /// the query and the body.
    fn from_wire(query: &QueryParams, body: &[u8]) -> Result<Self, AwsError> {
        let body: UpdateRepositoryBody = json_body(body)?;
        let mut v = Validator::new(query);
        let (domain, domain_owner, repository) = repository_members(&mut v);
        check_description_and_upstreams(
            &mut v,
            body.description.as_ref(),
            body.upstreams.as_deref().unwrap_or_default(),
        );
        v.finish(|| {
            Some(Self {
                domain: domain?,
                domain_owner,
                repository: repository?,
                description: body.description,
                upstreams: body
                    .upstreams
                    .map(|upstreams| upstreams.into_iter().map(|u| u.repository_name).collect()),
            })
        })
    }
}

/// The query of `ListRepositories`: filters on the repositories of the
/// caller's account, in every domain.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
pub struct ListRepositoriesRequest {
    /// Only repositories whose names start with this prefix.
    #[serde(rename = "repository-prefix")]
    pub repository_prefix: Option<RepositoryName>,
    /// The maximum number of repositories to return (1 to 1000; default 1000).
    #[serde(rename = "max-results")]
    #[schemars(range(min = 1, max = 1000))]
    pub max_results: Option<i64>,
    /// The `nextToken` of the previous page, to continue from it.
    #[serde(rename = "next-token")]
    pub next_token: Option<PaginationToken>,
}

impl FromQuery for ListRepositoriesRequest {
    fn from_query(query: &QueryParams) -> Result<Self, AwsError> {
        let mut v = Validator::new(query);
        let prefix = v.string(
            "repository-prefix",
            "repositoryPrefix",
            false,
            &RepositoryName::constraints(),
        );
        let max_results = v.integer("max-results", "maxResults", 1..=MAX_PAGE_SIZE, |_| None);
        let token = v.string("next-token", "nextToken", false, &PaginationToken::constraints());
        v.finish(|| {
            Some(Self {
                repository_prefix: prefix.map(RepositoryName::validated),
                max_results,
                next_token: token.map(PaginationToken::validated),
            })
        })
    }
}

/// `AssociateExternalConnection` and `DisassociateExternalConnection`:
/// which repository, and which external connection (in the query).
#[derive(Clone, Debug, Deserialize, JsonSchema)]
pub struct ExternalConnectionRequest {
    /// The name of the domain that contains the repository.
    pub domain: DomainName,
    /// The 12-digit account number of the account that owns the domain. When
    /// absent, the caller's own account.
    #[serde(rename = "domain-owner")]
    pub domain_owner: Option<AccountId>,
    /// The name of the repository.
    pub repository: RepositoryName,
    /// The name of the external connection: `public:npmjs`, `public:pypi`,
    /// `public:maven-central`, ... (see [`EXTERNAL_CONNECTIONS`] for all of
    /// AWS's).
    #[serde(rename = "external-connection")]
    pub external_connection: ExternalConnectionName,
}

/// The query of `AssociateExternalConnection`.
pub type AssociateExternalConnectionRequest = ExternalConnectionRequest;
/// The query of `DisassociateExternalConnection`.
pub type DisassociateExternalConnectionRequest = ExternalConnectionRequest;

impl FromQuery for ExternalConnectionRequest {
    fn from_query(query: &QueryParams) -> Result<Self, AwsError> {
        let mut v = Validator::new(query);
        let (domain, domain_owner, repository) = repository_members(&mut v);
        let connection = v.string(
            "external-connection",
            "externalConnection",
            true,
            &ExternalConnectionName::constraints(),
        );
        v.finish(|| {
            Some(Self {
                domain: domain?,
                domain_owner,
                repository: repository?,
                external_connection: ExternalConnectionName::validated(connection?),
            })
        })
    }
}

/// The external connections AWS offers, with the package format of each
/// (from the service model's documentation of `externalConnection`). The
/// model itself only constrains the name's form.
pub const EXTERNAL_CONNECTIONS: &[(&str, PackageFormat)] = &[
    ("public:npmjs", PackageFormat::Npm),
    ("public:nuget-org", PackageFormat::Nuget),
    ("public:pypi", PackageFormat::Pypi),
    ("public:maven-central", PackageFormat::Maven),
    ("public:maven-googleandroid", PackageFormat::Maven),
    ("public:maven-gradleplugins", PackageFormat::Maven),
    ("public:maven-commonsware", PackageFormat::Maven),
    ("public:maven-clojars", PackageFormat::Maven),
    ("public:ruby-gems-org", PackageFormat::Ruby),
    ("public:crates-io", PackageFormat::Cargo),
];

/// The query of `ListRepositoriesInDomain`.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
pub struct ListRepositoriesInDomainRequest {
    /// The name of the domain whose repositories are listed.
    pub domain: DomainName,
    /// The 12-digit account number of the account that owns the domain. When
    /// absent, the caller's own account.
    #[serde(rename = "domain-owner")]
    pub domain_owner: Option<AccountId>,
    /// Only repositories administered by this account.
    #[serde(rename = "administrator-account")]
    pub administrator_account: Option<AccountId>,
    /// Only repositories whose names start with this prefix.
    #[serde(rename = "repository-prefix")]
    pub repository_prefix: Option<RepositoryName>,
    /// The maximum number of repositories to return (1 to 1000; default 1000).
    #[serde(rename = "max-results")]
    #[schemars(range(min = 1, max = 1000))]
    pub max_results: Option<i64>,
    /// The `nextToken` of the previous page, to continue from it.
    #[serde(rename = "next-token")]
    pub next_token: Option<PaginationToken>,
}

impl FromQuery for ListRepositoriesInDomainRequest {
    fn from_query(query: &QueryParams) -> Result<Self, AwsError> {
        let mut v = Validator::new(query);
        let (domain, domain_owner) = domain_members(&mut v);
        let admin = v.string(
            "administrator-account",
            "administratorAccount",
            false,
            &AccountId::constraints(),
        );
        let prefix = v.string(
            "repository-prefix",
            "repositoryPrefix",
            false,
            &RepositoryName::constraints(),
        );
        let max_results = v.integer("max-results", "maxResults", 1..=MAX_PAGE_SIZE, |_| None);
        let token = v.string("next-token", "nextToken", false, &PaginationToken::constraints());
        v.finish(|| {
            Some(Self {
                domain: domain?,
                domain_owner,
                administrator_account: admin.map(AccountId::validated),
                repository_prefix: prefix.map(RepositoryName::validated),
                max_results,
                next_token: token.map(PaginationToken::validated),
            })
        })
    }
}

/// The query of `GetRepositoryEndpoint`.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
pub struct GetRepositoryEndpointRequest {
    /// The name of the domain that contains the repository.
    pub domain: DomainName,
    /// The 12-digit account number of the account that owns the domain. When
    /// absent, the caller's own account.
    #[serde(rename = "domain-owner")]
    pub domain_owner: Option<AccountId>,
    /// The name of the repository.
    pub repository: RepositoryName,
    /// The package format whose endpoint is returned; a repository has one
    /// endpoint for each format.
    pub format: PackageFormat,
    /// The type of endpoint. This server has one address, so both types
    /// return it.
    #[serde(rename = "endpointType")]
    pub endpoint_type: Option<EndpointType>,
}

impl FromQuery for GetRepositoryEndpointRequest {
    fn from_query(query: &QueryParams) -> Result<Self, AwsError> {
        let mut v = Validator::new(query);
        let (domain, domain_owner, repository) = repository_members(&mut v);
        let format = v.enumeration("format", "format", true, PackageFormat::VALUES);
        let endpoint_type =
            v.enumeration("endpointType", "endpointType", false, EndpointType::VALUES);
        v.finish(|| {
            Some(Self {
                domain: domain?,
                domain_owner,
                repository: repository?,
                format: PackageFormat::from_wire(&format?)?,
                endpoint_type: match endpoint_type {
                    Some(t) => Some(EndpointType::from_wire(&t)?),
                    None => None,
                },
            })
        })
    }
}

/// An upstream repository, as a repository's description lists it.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpstreamRepositoryInfo {
    /// The name of the upstream repository.
    pub repository_name: RepositoryName,
}

/// Information about a repository.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RepositoryDescription {
    /// The name of the repository.
    pub name: RepositoryName,
    /// The account that manages the repository: the domain's owner.
    pub administrator_account: AccountId,
    /// The name of the domain that contains the repository.
    pub domain_name: DomainName,
    /// The account that owns the domain.
    pub domain_owner: AccountId,
    /// The ARN of the repository:
    /// `arn:aws:codeartifact:<region>:<owner>:repository/<domain>/<name>`.
    pub arn: String,
    /// The description given when the repository was created, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The upstream repositories, in priority order.
    pub upstreams: Vec<UpstreamRepositoryInfo>,
    /// The repository's external connections (at most one), as
    /// AssociateExternalConnection added them.
    pub external_connections: Vec<RepositoryExternalConnectionInfo>,
    /// When the repository was created, in seconds since the Unix epoch.
    pub created_time: i64,
}

/// An external connection of a repository (to a public package registry).
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RepositoryExternalConnectionInfo {
    /// The name of the external connection, such as `public:npmjs`.
    pub external_connection_name: String,
    /// The package format of the external connection.
    pub package_format: PackageFormat,
    /// The status of the external connection.
    pub status: ExternalConnectionStatus,
}

/// A repository, as ListRepositoriesInDomain and ListRepositories list it.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RepositorySummary {
    /// The name of the repository.
    pub name: RepositoryName,
    /// The account that manages the repository.
    pub administrator_account: AccountId,
    /// The name of the domain that contains the repository.
    pub domain_name: DomainName,
    /// The account that owns the domain.
    pub domain_owner: AccountId,
    /// The ARN of the repository.
    pub arn: String,
    /// The description of the repository, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// When the repository was created, in seconds since the Unix epoch.
    pub created_time: i64,
}

/// The result of `CreateRepository`.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct CreateRepositoryResult {
    /// The repository just created.
    pub repository: RepositoryDescription,
}

/// The result of `DescribeRepository`.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct DescribeRepositoryResult {
    /// The repository.
    pub repository: RepositoryDescription,
}

/// The result of `DeleteRepository`.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct DeleteRepositoryResult {
    /// The repository as it was before it was deleted.
    pub repository: RepositoryDescription,
}

/// The result of `ListRepositoriesInDomain`.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ListRepositoriesInDomainResult {
    /// The repositories on this page, by name.
    pub repositories: Vec<RepositorySummary>,
    /// Present when there are more repositories: send it back for the next
    /// page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// The result of `GetRepositoryEndpoint`.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct GetRepositoryEndpointResult {
    /// The URL of the repository's endpoint for the format. It ends with
    /// `/`; package managers append their own paths (pip adds `simple/`).
    pub repository_endpoint: String,
}

/// The result of `UpdateRepository`.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct UpdateRepositoryResult {
    /// The repository as updated.
    pub repository: RepositoryDescription,
}

/// The result of `ListRepositories`.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ListRepositoriesResult {
    /// The repositories on this page.
    pub repositories: Vec<RepositorySummary>,
    /// Present when there are more repositories: send it back as
    /// `next-token` for the next page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// The result of `AssociateExternalConnection`.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct AssociateExternalConnectionResult {
    /// The repository, with the external connection added.
    pub repository: RepositoryDescription,
}

/// The result of `DisassociateExternalConnection`.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct DisassociateExternalConnectionResult {
    /// The repository, with the external connection removed.
    pub repository: RepositoryDescription,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_query_checks_the_format() {
        let parse = |q: &str| GetRepositoryEndpointRequest::from_query(&QueryParams::parse(q));
        let ok = parse("domain=d1&repository=r1&format=pypi&endpointType=ipv4").unwrap();
        assert_eq!(ok.format, PackageFormat::Pypi);
        assert_eq!(ok.endpoint_type, Some(EndpointType::Ipv4));
        let err = parse("domain=d1&repository=r1&format=rpm").unwrap_err();
        assert_eq!(
            err.message,
            "1 validation error detected: Value 'rpm' at 'format' failed to satisfy constraint: \
             Member must satisfy enum value set: [npm, pypi, maven, nuget, generic, ruby, swift, \
             cargo]"
        );
        let err = parse("domain=d1").unwrap_err();
        assert!(err.message.starts_with("2 validation errors detected"), "{}", err.message);
    }

    #[test]
    fn repository_names_follow_the_model() {
        let parse = |q: &str| RepositoryRequest::from_query(&QueryParams::parse(q));
        assert!(parse("domain=d1&repository=My.Repo_1-x").is_ok());
        let err = parse("domain=d1&repository=-r").unwrap_err();
        assert!(err.message.contains("Value '-r' at 'repository'"), "{}", err.message);
    }

    #[test]
    fn list_query_bounds_max_results() {
        let parse = |q: &str| ListRepositoriesInDomainRequest::from_query(&QueryParams::parse(q));
        assert_eq!(parse("domain=d1&max-results=5").unwrap().max_results, Some(5));
        let err = parse("domain=d1&max-results=0&next-token=").unwrap_err();
        assert!(err.message.contains("at 'maxResults'"), "{}", err.message);
        assert!(err.message.contains("at 'nextToken'"), "{}", err.message);
    }

    fn violations<T: std::fmt::Debug>(result: Result<T, AwsError>) -> String {
        let err = result.unwrap_err();
        assert_eq!(err.code, crate::error::ErrorCode::ValidationException, "{}", err.message);
        err.message
    }

    fn update(q: &str, body: &str) -> Result<UpdateRepositoryRequest, AwsError> {
        UpdateRepositoryRequest::from_wire(&QueryParams::parse(q), body.as_bytes())
    }

    #[test]
    fn update_leaves_out_what_is_absent() {
        let u = update("domain=d1&repository=r1", "").unwrap();
        assert!(u.description.is_none() && u.upstreams.is_none());
        let u = update("domain=d1&repository=r1", r#"{"upstreams":[]}"#).unwrap();
        assert_eq!(u.upstreams, Some(Vec::new()));
        let u = update(
            "domain=d1&repository=r1&domain-owner=111122223333",
            r#"{"description":"","upstreams":[{"repositoryName":"up-1"},{"repositoryName":"up-2"}]}"#,
        )
        .unwrap();
        assert_eq!(u.description.unwrap().as_str(), "");
        let names: Vec<&str> = u.upstreams.iter().flatten().map(RepositoryName::as_str).collect();
        assert_eq!(names, ["up-1", "up-2"]);
        assert_eq!(u.domain_owner.unwrap().as_str(), "111122223333");
    }

    #[test]
    fn update_checks_query_and_body_together() {
        let long = "d".repeat(1001);
        let body = format!(
            r#"{{"description":"{long}","upstreams":[{{"repositoryName":"ok"}},{{"repositoryName":"-no"}}]}}"#
        );
        let m = violations(update("domain=d1", &body));
        assert_eq!(
            m,
            format!(
                "3 validation errors detected: \
                 Value null at 'repository' failed to satisfy constraint: Member must not be \
                 null; \
                 Value '{long}' at 'description' failed to satisfy constraint: Member must have \
                 length less than or equal to 1000; \
                 Value '-no' at 'upstreams.2.member.repositoryName' failed to satisfy \
                 constraint: Member must satisfy regular expression pattern: \
                 [A-Za-z0-9][A-Za-z0-9._\\-]{{1,99}}"
            )
        );
        let err = update("domain=d1&repository=r1", r#"{"upstreams":"r2"}"#).unwrap_err();
        assert_eq!(err.code, crate::error::ErrorCode::SerializationException);
    }

    #[test]
    fn list_repositories_takes_no_domain() {
        let parse = |q: &str| ListRepositoriesRequest::from_query(&QueryParams::parse(q));
        let all = parse("").unwrap();
        assert!(all.repository_prefix.is_none() && all.max_results.is_none());
        let l = parse("repository-prefix=ab&max-results=1000&next-token=t").unwrap();
        assert_eq!(l.repository_prefix.unwrap().as_str(), "ab");
        assert_eq!((l.max_results, l.next_token.unwrap().as_str()), (Some(1000), "t"));
        let m = violations(parse("repository-prefix=a&max-results=1001&next-token=a%20b"));
        assert_eq!(
            m,
            "4 validation errors detected: \
             Value 'a' at 'repositoryPrefix' failed to satisfy constraint: Member must have \
             length greater than or equal to 2; \
             Value 'a' at 'repositoryPrefix' failed to satisfy constraint: Member must satisfy \
             regular expression pattern: [A-Za-z0-9][A-Za-z0-9._\\-]{1,99}; \
             Value '1001' at 'maxResults' failed to satisfy constraint: Member must have value \
             less than or equal to 1000; \
             Value 'a b' at 'nextToken' failed to satisfy constraint: Member must satisfy \
             regular expression pattern: \\S+"
        );
        let m = violations(parse("max-results=0"));
        assert!(m.contains("Member must have value greater than or equal to 1"), "{m}");
    }

    #[test]
    fn external_connections_are_named_as_the_model_says() {
        let parse = |q: &str| ExternalConnectionRequest::from_query(&QueryParams::parse(q));
        let e = parse("domain=d1&repository=r1&external-connection=public%3Anpmjs").unwrap();
        assert_eq!(e.external_connection.as_str(), "public:npmjs");
        assert_eq!(e.repository.as_str(), "r1");
        let m = violations(parse("domain=d1&repository=r1"));
        assert_eq!(
            m,
            "1 validation error detected: Value null at 'externalConnection' failed to satisfy \
             constraint: Member must not be null"
        );
        let m = violations(parse("domain=d1&repository=r1&external-connection=:"));
        assert_eq!(
            m,
            "2 validation errors detected: \
             Value ':' at 'externalConnection' failed to satisfy constraint: Member must have \
             length greater than or equal to 2; \
             Value ':' at 'externalConnection' failed to satisfy constraint: Member must \
             satisfy regular expression pattern: [A-Za-z0-9][A-Za-z0-9._\\-:]{1,99}"
        );
        let long = format!("public:{}", "x".repeat(94));
        let m = violations(parse(&format!("repository=r&external-connection={long}")));
        // Too long, and so also outside the pattern's `{1,99}`.
        assert!(m.starts_with("5 validation errors detected"), "{m}");
        assert!(m.contains("Value null at 'domain'"), "{m}");
        assert!(m.contains("Value 'r' at 'repository'"), "{m}");
        assert!(m.contains("at 'externalConnection' failed to satisfy constraint: Member must have length less than or equal to 100"), "{m}");
        assert!(
            parse("domain=d1&repository=r1&external-connection=public%20pypi").is_err(),
            "a space is outside the pattern"
        );
    }

    #[test]
    fn every_known_external_connection_fits_the_model() {
        for (name, _) in EXTERNAL_CONNECTIONS {
            assert!(ExternalConnectionName::parse(name).is_ok(), "{name}");
        }
        let npm = EXTERNAL_CONNECTIONS.iter().find(|(n, _)| *n == "public:npmjs");
        assert_eq!(npm.map(|(_, f)| *f), Some(PackageFormat::Npm));
    }

    #[test]
    fn create_checks_description_and_upstreams() {
        let body = r#"{"description":"bell \u0007","upstreams":[{"repositoryName":"ok-1"},{"repositoryName":"x"}]}"#;
        let query = QueryParams::parse("domain=d1&repository=r1");
        let err = CreateRepositoryRequest::from_wire(&query, body.as_bytes()).unwrap_err();
        assert!(err.message.contains("at 'description'"), "{}", err.message);
        assert!(err.message.contains("at 'upstreams.2.member.repositoryName'"), "{}", err.message);
        assert!(!err.message.contains("upstreams.1"), "{}", err.message);
    }
}
