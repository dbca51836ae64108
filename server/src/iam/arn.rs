//! Every ARN this server names, built in one place: IAM's principals and
//! CodeArtifact's resources, as policies match them and error messages
//! show them.

/// `arn:aws:iam::<account>:root`.
pub fn root(account: &str) -> String {
    format!("arn:aws:iam::{account}:root")
}

/// `arn:aws:iam::<account>:user/<name>`.
pub fn user(account: &str, name: &str) -> String {
    format!("arn:aws:iam::{account}:user/{name}")
}

/// `arn:aws:iam::<account>:role/<name>`.
pub fn role(account: &str, name: &str) -> String {
    format!("arn:aws:iam::{account}:role/{name}")
}

/// A role session: `arn:aws:sts::<account>:assumed-role/<role>/<session>`.
pub fn session(account: &str, role: &str, session: &str) -> String {
    format!("arn:aws:sts::{account}:assumed-role/{role}/{session}")
}

/// `arn:aws:codeartifact:<region>:<owner>:domain/<name>`.
pub fn domain(region: &str, owner: &str, name: &str) -> String {
    format!("arn:aws:codeartifact:{region}:{owner}:domain/{name}")
}

/// `arn:aws:codeartifact:<region>:<owner>:repository/<domain>/<name>`.
pub fn repository(region: &str, owner: &str, domain: &str, name: &str) -> String {
    format!("arn:aws:codeartifact:{region}:{owner}:repository/{domain}/{name}")
}

/// `arn:aws:codeartifact:<region>:<owner>:package/<domain>/<repository>/<format>/<namespace>/<name>`;
/// the namespace is empty for packages without one (PyPI, unscoped npm).
pub fn package(
    region: &str,
    owner: &str,
    domain: &str,
    repository: &str,
    format: &str,
    namespace: &str,
    name: &str,
) -> String {
    format!(
        "arn:aws:codeartifact:{region}:{owner}:package/{domain}/{repository}/{format}/{namespace}/{name}"
    )
}
