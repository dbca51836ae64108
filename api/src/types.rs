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

use crate::validation::{Constraint, ModelPattern, Validator};

/// Declares a model string shape: a newtype with its length bounds and
/// pattern, a schema that states them, and the constraints the validator
/// checks.
macro_rules! model_string {
    ($(#[$doc:meta])* $name:ident, min: $min:expr, max: $max:expr, pattern: $pattern:expr) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
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

            /// Wraps a value that has already passed [`Self::constraints`]:
            /// one just validated, or one read back from storage, where only
            /// validated values are written.
            pub fn validated(value: String) -> Self {
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
            // A minimum of 0 says nothing; stating it only makes generated
            // clients compare a length with zero.
            min_length: (min > 0).then_some(min as u32),
            max_length: Some(max as u32),
            pattern: Some(format!("^{}$", pattern.portable())),
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

model_string!(
    /// The name of a repository.
    RepositoryName, min: 2, max: 100, pattern: r"[A-Za-z0-9][A-Za-z0-9._\-]{1,99}"
);

model_string!(
    /// An Amazon Resource Name; as an encryption key, also a KMS key id or alias.
    Arn, min: 1, max: 1011, pattern: r"\S+"
);

model_string!(
    /// An opaque token that continues a listing where the previous page ended.
    PaginationToken, min: 1, max: 2000, pattern: r"\S+"
);

model_string!(
    /// The name of a package (for npm, without its scope).
    PackageName, min: 1, max: 255, pattern: r"[^#/\s]+"
);

model_string!(
    /// The namespace of a package: a Maven groupId, an npm or Swift scope
    /// (without `@`), a generic package's namespace. PyPI, NuGet, Ruby and
    /// Cargo packages have none.
    PackageNamespace, min: 1, max: 255, pattern: r"[^#/\s]+"
);

model_string!(
    /// A package version, such as `3.5.2`.
    PackageVersion, min: 1, max: 255, pattern: r"[^#/\s]+"
);

model_string!(
    /// The revision of a package version: it changes whenever the version's
    /// assets or metadata do.
    PackageVersionRevision, min: 1, max: 50, pattern: r"\S+"
);

model_string!(
    /// The name of an asset (a file) of a package version.
    AssetName, min: 1, max: 255, pattern: r"\P{C}+"
);

model_string!(
    /// A hash of an asset, in lowercase hexadecimal.
    HashValue, min: 32, max: 512, pattern: r"[0-9a-f]+"
);

model_string!(
    /// A SHA-256 hash in lowercase hexadecimal: 64 characters (the model's
    /// `SHA256` shape).
    Sha256, min: 64, max: 64, pattern: r"[0-9a-f]+"
);

model_string!(
    /// The name of an external connection: a public package registry a
    /// repository reads through, such as `public:npmjs`.
    ExternalConnectionName, min: 2, max: 100, pattern: r"[A-Za-z0-9][A-Za-z0-9._\-:]{1,99}"
);

model_string!(
    /// A description of a repository: printable text.
    Description, min: 0, max: 1000, pattern: r"\P{C}*"
);

model_string!(
    /// The key of a tag.
    TagKey, min: 1, max: 128, pattern: r"\P{C}+"
);

model_string!(
    /// The value of a tag.
    TagValue, min: 0, max: 256, pattern: r"\P{C}*"
);

/// Declares an enumeration from the service model: its wire values, and a
/// parser for values that have passed validation.
macro_rules! model_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $wire:literal,)+ }) => {
        $(#[$doc])*
        #[derive(
            Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
            JsonSchema,
        )]
        pub enum $name {
            $($(#[$vdoc])* #[serde(rename = $wire)] $variant,)+
        }

        impl $name {
            /// Every value, as the wire spells it, in the model's order.
            pub const VALUES: &'static [&'static str] = &[$($wire),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $wire,)+
                }
            }

            pub fn from_wire(value: &str) -> Option<Self> {
                match value {
                    $($wire => Some(Self::$variant),)+
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

model_enum!(
    /// A package format; a repository has one endpoint for each.
    PackageFormat {
        Npm = "npm",
        Pypi = "pypi",
        Maven = "maven",
        Nuget = "nuget",
        Generic = "generic",
        Ruby = "ruby",
        Swift = "swift",
        Cargo = "cargo",
    }
);

model_enum!(
    /// The kind of network endpoint GetRepositoryEndpoint returns.
    EndpointType {
        Dualstack = "dualstack",
        Ipv4 = "ipv4",
    }
);

model_enum!(
    /// The status of a repository's external connection.
    ExternalConnectionStatus {
        Available = "Available",
    }
);

model_enum!(
    /// The status of a domain.
    DomainStatus {
        Active = "Active",
        Deleted = "Deleted",
    }
);

model_enum!(
    /// The status of a package version. Published: listed and downloadable.
    /// Unfinished: being published, assets may be missing. Unlisted:
    /// downloadable but not listed to package managers. Archived: neither
    /// listed nor downloadable, and can be restored. Disposed: its assets are
    /// deleted, for good. Deleted: gone; the version may be published again.
    PackageVersionStatus {
        Published = "Published",
        Unfinished = "Unfinished",
        Unlisted = "Unlisted",
        Archived = "Archived",
        Disposed = "Disposed",
        Deleted = "Deleted",
    }
);

model_enum!(
    /// The statuses UpdatePackageVersionsStatus may set. The model allows any
    /// package version status; AWS's documentation limits `targetStatus` to
    /// these three (Disposed is set only by DisposePackageVersions).
    PackageVersionTargetStatus {
        Published = "Published",
        Unlisted = "Unlisted",
        Archived = "Archived",
    }
);

impl From<PackageVersionTargetStatus> for PackageVersionStatus {
    fn from(status: PackageVersionTargetStatus) -> Self {
        match status {
            PackageVersionTargetStatus::Published => Self::Published,
            PackageVersionTargetStatus::Unlisted => Self::Unlisted,
            PackageVersionTargetStatus::Archived => Self::Archived,
        }
    }
}

model_enum!(
    /// The publish origin restriction of a package: whether new versions may
    /// be published to the repository directly.
    AllowPublish {
        Allow = "ALLOW",
        Block = "BLOCK",
    }
);

model_enum!(
    /// The upstream origin restriction of a package: whether new versions may
    /// come into the repository from upstream repositories or external
    /// connections.
    AllowUpstream {
        Allow = "ALLOW",
        Block = "BLOCK",
    }
);

model_enum!(
    /// How ListPackageVersions sorts versions: `PUBLISHED_TIME`, by the time
    /// they were published.
    PackageVersionSortType {
        PublishedTime = "PUBLISHED_TIME",
    }
);

model_enum!(
    /// How a package version came into the domain: `INTERNAL`, published to
    /// one of its repositories; `EXTERNAL`, ingested through an external
    /// connection; `UNKNOWN`.
    PackageVersionOriginType {
        Internal = "INTERNAL",
        External = "EXTERNAL",
        Unknown = "UNKNOWN",
    }
);

model_enum!(
    /// A hash algorithm, naming an asset's hash.
    HashAlgorithm {
        Md5 = "MD5",
        Sha1 = "SHA-1",
        Sha256 = "SHA-256",
        Sha512 = "SHA-512",
    }
);

model_enum!(
    /// Why one package version of a batch operation failed.
    PackageVersionErrorCode {
        AlreadyExists = "ALREADY_EXISTS",
        MismatchedRevision = "MISMATCHED_REVISION",
        MismatchedStatus = "MISMATCHED_STATUS",
        NotAllowed = "NOT_ALLOWED",
        NotFound = "NOT_FOUND",
        Skipped = "SKIPPED",
    }
);

/// A tag: a key and a value attached to a domain or a repository.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Tag {
    /// The tag key.
    pub key: TagKey,
    /// The tag value.
    pub value: TagValue,
}

/// At most this many tags may be attached to a resource.
pub const MAX_TAGS: usize = 200;

/// Checks a `tags` member read from a body, as AWS reports it:
/// `tags.N.member.key` for the N-th tag (from 1).
pub(crate) fn check_tags(v: &mut Validator<'_>, tags: &[Tag]) {
    v.check_length("tags", tags.len(), MAX_TAGS);
    for (i, tag) in tags.iter().enumerate() {
        let n = i + 1;
        let (key, value) = (Some(tag.key.as_str()), Some(tag.value.as_str()));
        v.check(&format!("tags.{n}.member.key"), key, true, &TagKey::constraints());
        v.check(&format!("tags.{n}.member.value"), value, true, &TagValue::constraints());
    }
}

/// Reads `domain` and `domain-owner` from a query, as every operation on an
/// existing domain takes them. Either is `None` when absent or invalid; an
/// invalid one is recorded, so the request is never built from it.
pub(crate) fn domain_members(v: &mut Validator<'_>) -> (Option<DomainName>, Option<AccountId>) {
    let domain = v.string("domain", "domain", true, &DomainName::constraints());
    let owner = v.string("domain-owner", "domainOwner", false, &AccountId::constraints());
    (domain.map(DomainName::validated), owner.map(AccountId::validated))
}

/// Headers sent with every successful response.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct AwsResponseHeaders {
    /// The unique id of this request, also sent with every error. Quote it
    /// when reporting a problem.
    #[serde(rename = "x-amzn-RequestId")]
    pub request_id: String,
}
