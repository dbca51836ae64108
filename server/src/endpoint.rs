//! Repository endpoints: where a repository is served for one package
//! format, `/d/<domain>-<owner>/<format>/<repository>/`. AWS's
//! `https://<domain>-<owner>.d.codeartifact.<region>.amazonaws.com/<format>/<repository>/`
//! is folded into a path, so one server and one port serve every domain.
//! GetRepositoryEndpoint builds these paths and the package managers'
//! adapters parse them; both go through here.

use codeartifact_api::{AccountId, DomainName, PackageFormat, RepositoryName};

/// A repository's endpoint for one format, each part checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Endpoint<'a> {
    pub domain: &'a str,
    pub owner: &'a str,
    pub format: PackageFormat,
    pub repository: &'a str,
}

impl<'a> Endpoint<'a> {
    /// The endpoint's path; it ends with `/`, which pip needs (it appends
    /// `simple/`).
    pub fn path(&self) -> String {
        let Self { domain, owner, format, repository } = self;
        format!("/d/{domain}-{owner}/{format}/{repository}/")
    }

    /// The endpoint a path's first three segments name (`<domain>-<owner>`,
    /// the format, the repository), if each part is valid.
    pub fn parse(domain_owner: &'a str, format: &str, repository: &'a str) -> Option<Self> {
        // Domain names may contain `-`; the owner never does.
        let (domain, owner) = domain_owner.rsplit_once('-')?;
        DomainName::parse(domain).ok()?;
        AccountId::parse(owner).ok()?;
        RepositoryName::parse(repository).ok()?;
        let format = PackageFormat::from_wire(format)?;
        Some(Self { domain, owner, format, repository })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_paths_round_trip() {
        let endpoint = Endpoint {
            domain: "my-domain",
            owner: "111122223333",
            format: PackageFormat::Pypi,
            repository: "r.1",
        };
        assert_eq!(endpoint.path(), "/d/my-domain-111122223333/pypi/r.1/");
        assert_eq!(Endpoint::parse("my-domain-111122223333", "pypi", "r.1"), Some(endpoint));
        for (domain_owner, format, repository) in [
            ("my-domain", "pypi", "r1"),
            ("my-domain-1234", "pypi", "r1"),
            ("My-111122223333", "pypi", "r1"),
            ("my-domain-111122223333", "rpm", "r1"),
            ("my-domain-111122223333", "npm", "-r"),
        ] {
            assert_eq!(Endpoint::parse(domain_owner, format, repository), None, "{domain_owner}");
        }
    }
}
