//! The contract checks of codeartifact-local, pointed at any CodeArtifact
//! endpoint: ours, LocalStack or AWS. They are derived from the checked-in
//! `openapi.json` alone (this crate depends on neither the server nor the
//! API crate), and the same library runs in our own test binary against our
//! server, so the suite cannot drift from what CI proves.

pub mod checks;
pub mod edges;
pub mod report;
pub mod spec;
pub mod suite;
pub mod wire;

pub use report::{CheckResult, Outcome, Report};
pub use spec::Spec;
pub use suite::{default_prefix, run_until, Options, Suite};
pub use wire::Credentials;
