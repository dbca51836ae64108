//! A run of the checks against one endpoint: every operation of the spec
//! gets its authentication, not-found and input-edge checks, and its
//! success checks where a resource to read exists (read-only) or was made
//! by the run (`allow_writes`). What the run creates carries its prefix and
//! is recorded before it is asked for, so [`Suite::cleanup`] can delete it
//! whatever happened to the run.

use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};

use serde_json::{json, Value};
use sha2::Digest;

use crate::checks;
use crate::edges;
use crate::report::{Outcome, Report};
use crate::spec::{Body, Location, Operation, Spec};
use crate::wire::{Auth, Call, Credentials, Endpoint, Reply};

/// What a run does.
#[derive(Debug, Clone)]
pub struct Options {
    pub endpoint_url: String,
    /// Create (and delete) resources named with `prefix`; otherwise only
    /// reads, and writes whose input names nothing that exists.
    pub allow_writes: bool,
    /// Starts the name of every resource the run creates or names.
    pub prefix: String,
    /// Only these operations (all when empty).
    pub operations: Vec<String>,
}

/// `conformance-` and a suffix of this run's own.
pub fn default_prefix() -> String {
    format!("conformance-{}", &uuid::Uuid::new_v4().simple().to_string()[..8])
}

/// What the run created and has not deleted yet, newest last.
#[derive(Debug, Default)]
struct Ledger {
    domains: Vec<String>,
    repositories: Vec<(String, String)>,
}

/// Names the requests use.
struct Names {
    domain: String,
    repository: String,
    second_repository: String,
}

const NAMESPACE: &str = "conformance";
const PACKAGE: &str = "pkg";
const VERSION: &str = "1.0.0";
const ASSET: &str = "asset.txt";
const ASSET_BYTES: &[u8] = b"codeartifact conformance asset\n";

const NOT_PROVOKED: &str = "ThrottlingException, InternalServerException";

pub struct Suite {
    spec: Spec,
    endpoint: Endpoint,
    options: Options,
    ledger: Mutex<Ledger>,
    report: Mutex<Report>,
}

impl Suite {
    pub fn new(options: Options, credentials: Credentials) -> Result<Self, String> {
        let prefix = &options.prefix;
        let shape = regex::Regex::new("^[a-z][a-z0-9-]{0,38}[a-z0-9]$").expect("a valid regex");
        if !shape.is_match(prefix) {
            return Err(format!(
                "the prefix {prefix:?} must be 2 to 40 characters of a-z, 0-9 and -, starting with a letter and ending with a letter or digit (it names a domain)"
            ));
        }
        let spec = Spec::embedded();
        for wanted in &options.operations {
            if spec.operation(wanted).is_none() {
                return Err(format!("no operation {wanted} in the spec"));
            }
        }
        let endpoint = Endpoint::new(&options.endpoint_url, credentials)?;
        Ok(Self { spec, endpoint, options, ledger: Mutex::default(), report: Mutex::default() })
    }

    pub fn spec(&self) -> &Spec {
        &self.spec
    }

    /// The results so far.
    pub fn report(&self) -> Report {
        self.report.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    fn push(&self, op: &str, check: impl Into<String>, outcome: Outcome) {
        self.report.lock().unwrap_or_else(PoisonError::into_inner).push(op, check, outcome);
    }

    fn wanted(&self, op: &str) -> bool {
        self.options.operations.is_empty() || self.options.operations.iter().any(|o| o == op)
    }

    fn names(&self) -> Names {
        let p = &self.options.prefix;
        Names {
            domain: p.clone(),
            repository: format!("{p}-repo"),
            second_repository: format!("{p}-copy"),
        }
    }

    /// A domain name no run creates.
    fn absent_domain(&self) -> String {
        format!("{}-absent", self.options.prefix)
    }

    /// Runs every check; the results are in [`Suite::report`].
    pub async fn run(&self) {
        let checked = if self.options.allow_writes {
            self.lifecycle().await
        } else {
            self.read_only_successes().await;
            for op in self.spec.operations.iter().filter(|o| !o.is_read_only()) {
                if self.wanted(&op.id) {
                    self.push(&op.id, "success", Outcome::Skip("needs --allow-writes".into()));
                }
            }
            false
        };
        if !checked {
            self.all_contract_checks().await;
        }
    }

    async fn all_contract_checks(&self) {
        for op in &self.spec.operations {
            if self.wanted(&op.id) {
                self.contract_checks(op).await;
            }
        }
    }

    /// Deletes what the run created, newest first; returns what could not
    /// be deleted, with why.
    pub async fn cleanup(&self) -> Vec<String> {
        let (domains, repositories) = {
            let mut ledger = self.ledger.lock().unwrap_or_else(PoisonError::into_inner);
            (std::mem::take(&mut ledger.domains), std::mem::take(&mut ledger.repositories))
        };
        let mut left = Vec::new();
        let mut gone = |reply: Result<Reply, String>, what: String| match reply {
            Ok(r) if r.status == 200 || r.error_type() == Some("ResourceNotFoundException") => {}
            Ok(r) => left.push(format!("{what}: {}", checks::describe(&r))),
            Err(e) => left.push(format!("{what}: {e}")),
        };
        for (domain, repository) in repositories.into_iter().rev() {
            let call = self.call_named(
                "DeleteRepository",
                &[("domain", &domain), ("repository", &repository)],
                None,
            );
            let reply = self.endpoint.send(&call, Auth::Signed).await;
            gone(reply, format!("repository {domain}/{repository}"));
        }
        for domain in domains.into_iter().rev() {
            let call = self.call_named("DeleteDomain", &[("domain", &domain)], None);
            gone(self.endpoint.send(&call, Auth::Signed).await, format!("domain {domain}"));
        }
        left
    }

    /// A call of `op_id` with these query parameters and body.
    fn call_named(&self, op_id: &str, query: &[(&str, &str)], body: Option<Value>) -> Call {
        let op = self.spec.operation(op_id).expect("the operation is in the spec");
        Call {
            method: op.method.clone(),
            path: op.path.clone(),
            query: query.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            headers: Vec::new(),
            json: matches!(op.body, Some(Body::Json(_))),
            body: match (&op.body, body) {
                (_, Some(b)) => Some(b.to_string().into_bytes()),
                (Some(Body::Json(_)), None) => Some(b"{}".to_vec()),
                _ => None,
            },
        }
    }

    /// Sends a call expected to succeed; checks the answer and returns it.
    /// An operation left out by `--operation` is still called (the run's
    /// later steps need what it makes or finds), but not reported.
    async fn success(&self, op_id: &str, check: &str, call: Call) -> Option<Value> {
        let reply = self.endpoint.send(&call, Auth::Signed).await;
        self.judge_success(op_id, check, reply)
    }

    /// A create, checked as [`Self::success`]. One the endpoint refused
    /// (a 4xx: the name is taken, perhaps by a resource the run must not
    /// touch) made nothing, so `forget` drops it from what cleanup deletes;
    /// one with no answer may have been made, and stays.
    async fn create(
        &self,
        op_id: &str,
        check: &str,
        call: Call,
        forget: impl FnOnce(),
    ) -> Option<Value> {
        let reply = self.endpoint.send(&call, Auth::Signed).await;
        if matches!(&reply, Ok(r) if (400..500).contains(&r.status)) {
            forget();
        }
        self.judge_success(op_id, check, reply)
    }

    fn judge_success(
        &self,
        op_id: &str,
        check: &str,
        reply: Result<Reply, String>,
    ) -> Option<Value> {
        let op = self.spec.operation(op_id).expect("the operation is in the spec");
        if !self.wanted(op_id) {
            let reply = reply.ok()?;
            return (reply.status == op.success_status)
                .then(|| serde_json::from_slice(&reply.body).unwrap_or(Value::Null));
        }
        let reply = match reply {
            Ok(r) => r,
            Err(e) => {
                self.push(op_id, check, Outcome::Fail(e));
                return None;
            }
        };
        let outcome = checks::success(&self.spec, op, &reply);
        let ok = outcome == Outcome::Pass;
        self.push(op_id, check, outcome);
        self.push(op_id, format!("{check}: x-amzn-RequestId"), checks::request_id(&reply));
        ok.then(|| serde_json::from_slice(&reply.body).unwrap_or(Value::Null))
    }

    async fn expect_error(&self, op_id: &str, code: &str, check: &str, call: &Call, auth: Auth) {
        if !self.wanted(op_id) {
            return;
        }
        let op = self.spec.operation(op_id).expect("the operation is in the spec");
        match self.endpoint.send(call, auth).await {
            Ok(reply) => {
                self.push(op_id, check, checks::error(&self.spec, op, code, &reply));
                self.push(op_id, format!("{check}: x-amzn-RequestId"), checks::request_id(&reply));
            }
            Err(e) => self.push(op_id, check, Outcome::Fail(e)),
        }
    }

    /// Read-only: the lists, and the first domain and repository found.
    async fn read_only_successes(&self) {
        let domains =
            self.success("ListDomains", "success", self.call_named("ListDomains", &[], None)).await;
        self.success("ListRepositories", "success", self.call_named("ListRepositories", &[], None))
            .await;
        let first = |v: &Option<Value>, list: &str| {
            v.as_ref().and_then(|v| v[list].as_array()?.first().cloned())
        };
        let Some(domain) = first(&domains, "domains") else {
            for op in ["DescribeDomain", "GetAuthorizationToken", "ListRepositoriesInDomain"] {
                if self.wanted(op) {
                    self.push(
                        op,
                        "success",
                        Outcome::Skip("no domain to read (or --allow-writes)".into()),
                    );
                }
            }
            return self.skip_reads_of_packages(true);
        };
        let name = domain["name"].as_str().unwrap_or_default().to_string();
        let owner = domain["owner"].as_str().unwrap_or_default().to_string();
        let q = [("domain", name.as_str()), ("domain-owner", owner.as_str())];
        self.success("DescribeDomain", "success", self.call_named("DescribeDomain", &q, None))
            .await;
        let token =
            [("domain", name.as_str()), ("domain-owner", owner.as_str()), ("duration", "900")];
        self.success(
            "GetAuthorizationToken",
            "success",
            self.call_named("GetAuthorizationToken", &token, None),
        )
        .await;
        let repos = self
            .success(
                "ListRepositoriesInDomain",
                "success",
                self.call_named("ListRepositoriesInDomain", &q, None),
            )
            .await;
        let Some(repo) = first(&repos, "repositories") else {
            return self.skip_reads_of_packages(true);
        };
        let repo = repo["name"].as_str().unwrap_or_default().to_string();
        let q = [
            ("domain", name.as_str()),
            ("domain-owner", owner.as_str()),
            ("repository", repo.as_str()),
        ];
        self.success(
            "DescribeRepository",
            "success",
            self.call_named("DescribeRepository", &q, None),
        )
        .await;
        self.success("ListPackages", "success", self.call_named("ListPackages", &q, None)).await;
        let mut e = q.to_vec();
        e.push(("format", "npm"));
        self.success(
            "GetRepositoryEndpoint",
            "success",
            self.call_named("GetRepositoryEndpoint", &e, None),
        )
        .await;
        self.skip_reads_of_packages(false);
    }

    fn skip_reads_of_packages(&self, and_repositories: bool) {
        let mut ops = vec![
            "DescribePackage",
            "DescribePackageVersion",
            "ListPackageVersions",
            "ListPackageVersionAssets",
            "GetPackageVersionAsset",
            "GetPackageVersionReadme",
            "ListPackageVersionDependencies",
        ];
        if and_repositories {
            ops.extend(["DescribeRepository", "ListPackages", "GetRepositoryEndpoint"]);
        }
        for op in ops.into_iter().filter(|o| self.wanted(o)) {
            self.push(
                op,
                "success",
                Outcome::Skip("needs --allow-writes (nothing of the run's to read)".into()),
            );
        }
    }

    /// With writes: a prefixed domain, two repositories and a generic
    /// package version, each operation's success and conflicts on them,
    /// then everything deleted (cleanup deletes what is left). Runs the
    /// contract checks of every operation in the middle, and says whether
    /// it got that far.
    async fn lifecycle(&self) -> bool {
        let n = self.names();
        let d = n.domain.as_str();
        let (r, r2) = (n.repository.as_str(), n.second_repository.as_str());
        self.record_domain(d);
        let created = self
            .create(
                "CreateDomain",
                "success",
                self.call_named("CreateDomain", &[("domain", d)], None),
                || self.forget_domain(d),
            )
            .await;
        if created.is_none() {
            self.push(
                "CreateDomain",
                "lifecycle",
                Outcome::Fail(format!("could not create domain {d}; package checks skipped")),
            );
            return false;
        }
        eprintln!("conformance: created domain {d}");
        let again = self.call_named("CreateDomain", &[("domain", d)], None);
        self.expect_error(
            "CreateDomain",
            "ConflictException",
            "ConflictException (created twice)",
            &again,
            Auth::Signed,
        )
        .await;
        self.success(
            "DescribeDomain",
            "success",
            self.call_named("DescribeDomain", &[("domain", d)], None),
        )
        .await;
        self.success("ListDomains", "success", self.call_named("ListDomains", &[], None)).await;
        let token = [("domain", d), ("duration", "900")];
        self.success(
            "GetAuthorizationToken",
            "success",
            self.call_named("GetAuthorizationToken", &token, None),
        )
        .await;
        let dr = [("domain", d), ("repository", r)];
        let dr2 = [("domain", d), ("repository", r2)];
        self.record_repository(d, r);
        let call = self.call_named("CreateRepository", &dr, None);
        self.create("CreateRepository", "success", call, || self.forget_repository(d, r)).await;
        let again = self.call_named("CreateRepository", &dr, None);
        self.expect_error(
            "CreateRepository",
            "ConflictException",
            "ConflictException (created twice)",
            &again,
            Auth::Signed,
        )
        .await;
        self.record_repository(d, r2);
        let call = self.call_named("CreateRepository", &dr2, None);
        self.create("CreateRepository", "success (second)", call, || self.forget_repository(d, r2))
            .await;
        let busy = self.call_named("DeleteDomain", &[("domain", d)], None);
        self.expect_error(
            "DeleteDomain",
            "ConflictException",
            "ConflictException (has repositories)",
            &busy,
            Auth::Signed,
        )
        .await;
        self.success(
            "DescribeRepository",
            "success",
            self.call_named("DescribeRepository", &dr, None),
        )
        .await;
        self.success(
            "ListRepositoriesInDomain",
            "success",
            self.call_named("ListRepositoriesInDomain", &[("domain", d)], None),
        )
        .await;
        let prefix = [("repository-prefix", self.options.prefix.as_str())];
        self.success(
            "ListRepositories",
            "success",
            self.call_named("ListRepositories", &prefix, None),
        )
        .await;
        let update =
            self.call_named("UpdateRepository", &dr, Some(json!({ "description": "conformance" })));
        self.success("UpdateRepository", "success", update).await;
        let endpoint = [("domain", d), ("repository", r), ("format", "npm")];
        self.success(
            "GetRepositoryEndpoint",
            "success",
            self.call_named("GetRepositoryEndpoint", &endpoint, None),
        )
        .await;
        let ext = [("domain", d), ("repository", r2), ("external-connection", "public:npmjs")];
        self.success(
            "AssociateExternalConnection",
            "success",
            self.call_named("AssociateExternalConnection", &ext, None),
        )
        .await;
        self.success(
            "DisassociateExternalConnection",
            "success",
            self.call_named("DisassociateExternalConnection", &ext, None),
        )
        .await;

        // The slow part, the input edges, runs while the resources exist,
        // so an interruption mid-run has something to clean up.
        self.all_contract_checks().await;

        let pkg = [
            ("domain", d),
            ("repository", r),
            ("format", "generic"),
            ("namespace", NAMESPACE),
            ("package", PACKAGE),
        ];
        let ver: Vec<(&str, &str)> = pkg.iter().copied().chain([("version", VERSION)]).collect();
        let mut publish = self.call_named(
            "PublishPackageVersion",
            &[ver.as_slice(), &[("asset", ASSET)]].concat(),
            None,
        );
        publish.body = Some(ASSET_BYTES.to_vec());
        publish
            .headers
            .push(("x-amz-content-sha256".into(), hex::encode(sha2::Sha256::digest(ASSET_BYTES))));
        self.success("PublishPackageVersion", "success", publish).await;
        self.success("DescribePackage", "success", self.call_named("DescribePackage", &pkg, None))
            .await;
        self.success("ListPackages", "success", self.call_named("ListPackages", &dr, None)).await;
        self.success(
            "ListPackageVersions",
            "success",
            self.call_named("ListPackageVersions", &pkg, None),
        )
        .await;
        self.success(
            "DescribePackageVersion",
            "success",
            self.call_named("DescribePackageVersion", &ver, None),
        )
        .await;
        self.success(
            "ListPackageVersionAssets",
            "success",
            self.call_named("ListPackageVersionAssets", &ver, None),
        )
        .await;
        let asset: Vec<(&str, &str)> = ver.iter().copied().chain([("asset", ASSET)]).collect();
        self.success(
            "GetPackageVersionAsset",
            "success",
            self.call_named("GetPackageVersionAsset", &asset, None),
        )
        .await;
        self.success(
            "GetPackageVersionReadme",
            "success",
            self.call_named("GetPackageVersionReadme", &ver, None),
        )
        .await;
        self.success(
            "ListPackageVersionDependencies",
            "success",
            self.call_named("ListPackageVersionDependencies", &ver, None),
        )
        .await;
        let origin = json!({ "restrictions": { "publish": "ALLOW", "upstream": "BLOCK" } });
        self.success(
            "PutPackageOriginConfiguration",
            "success",
            self.call_named("PutPackageOriginConfiguration", &pkg, Some(origin)),
        )
        .await;
        let copy = [
            ("domain", d),
            ("source-repository", r),
            ("destination-repository", r2),
            ("format", "generic"),
            ("namespace", NAMESPACE),
            ("package", PACKAGE),
        ];
        let versions = json!({ "versions": [VERSION] });
        self.success(
            "CopyPackageVersions",
            "success",
            self.call_named("CopyPackageVersions", &copy, Some(versions.clone())),
        )
        .await;
        let status = json!({ "versions": [VERSION], "targetStatus": "Unlisted" });
        self.success(
            "UpdatePackageVersionsStatus",
            "success",
            self.call_named("UpdatePackageVersionsStatus", &pkg, Some(status)),
        )
        .await;
        let pkg2: Vec<(&str, &str)> =
            pkg.iter().map(|(k, v)| if *k == "repository" { (*k, r2) } else { (*k, *v) }).collect();
        self.success(
            "DisposePackageVersions",
            "success",
            self.call_named("DisposePackageVersions", &pkg2, Some(versions.clone())),
        )
        .await;
        self.success(
            "DeletePackageVersions",
            "success",
            self.call_named("DeletePackageVersions", &pkg2, Some(versions)),
        )
        .await;
        self.success("DeletePackage", "success", self.call_named("DeletePackage", &pkg, None))
            .await;
        for repo in [&dr2, &dr] {
            if self
                .success(
                    "DeleteRepository",
                    "success",
                    self.call_named("DeleteRepository", repo, None),
                )
                .await
                .is_some()
            {
                self.forget_repository(d, repo[1].1);
            }
        }
        if self
            .success(
                "DeleteDomain",
                "success",
                self.call_named("DeleteDomain", &[("domain", d)], None),
            )
            .await
            .is_some()
        {
            self.forget_domain(d);
        }
        true
    }

    fn record_domain(&self, d: &str) {
        self.ledger.lock().unwrap_or_else(PoisonError::into_inner).domains.push(d.to_string());
    }

    fn record_repository(&self, d: &str, r: &str) {
        let mut ledger = self.ledger.lock().unwrap_or_else(PoisonError::into_inner);
        ledger.repositories.push((d.to_string(), r.to_string()));
    }

    fn forget_domain(&self, d: &str) {
        self.ledger.lock().unwrap_or_else(PoisonError::into_inner).domains.retain(|x| x != d);
    }

    fn forget_repository(&self, d: &str, r: &str) {
        let mut ledger = self.ledger.lock().unwrap_or_else(PoisonError::into_inner);
        ledger.repositories.retain(|(x, y)| !(x == d && y == r));
    }

    /// A valid value for parameter or member `name` of `schema`, naming
    /// nothing that exists.
    fn base_value(&self, name: &str, schema: &Value) -> Option<Value> {
        let absent = self.absent_domain();
        let fixed = match name {
            "domain" => Some(absent),
            "repository" | "source-repository" => Some("repo".to_string()),
            // A copy needs two repositories.
            "destination-repository" => Some("repo-copy".to_string()),
            "namespace" => Some(NAMESPACE.into()),
            "package" => Some(PACKAGE.into()),
            "version" | "versions" => Some(VERSION.into()),
            "asset" => Some(ASSET.into()),
            "format" => Some("generic".into()),
            "external-connection" => Some("public:npmjs".into()),
            _ => None,
        };
        fixed.map(Value::String).or_else(|| edges::example(schema))
    }

    /// A valid body for `schema`: its required members, recursively, and
    /// `versions`, which the operations that have it need (one of
    /// `versions` and `versionRevisions`: a rule no schema states).
    fn body_example(&self, schema: &Value) -> Value {
        let schema = self.spec.resolve(schema);
        if schema["type"] != "object" && schema.get("properties").is_none() {
            return edges::example(&schema).unwrap_or(Value::Null);
        }
        let mut body = serde_json::Map::new();
        let required =
            schema["required"].as_array().into_iter().flatten().filter_map(Value::as_str);
        let versions = schema["properties"].get("versions").map(|_| "versions");
        for name in required.chain(versions) {
            let member = self.spec.resolve(&schema["properties"][name]);
            let value = match self.base_value(name, &member) {
                Some(v) if member["type"] != "object" && member["type"] != "array" => v,
                _ if member["type"] == "array" => {
                    let item = self.body_example(&member["items"]);
                    json!([item])
                }
                _ => self.body_example(&member),
            };
            body.insert(name.to_string(), value);
        }
        Value::Object(body)
    }

    /// The request every check of `op` varies: required inputs only, in a
    /// domain that does not exist, so it cannot change anything.
    fn base_call(&self, op: &Operation) -> Call {
        let mut call = Call {
            method: op.method.clone(),
            path: op.path.clone(),
            query: Vec::new(),
            headers: Vec::new(),
            body: None,
            json: false,
        };
        match &op.body {
            Some(Body::Json(schema)) => {
                call.json = true;
                call.body = Some(self.body_example(schema).to_string().into_bytes());
            }
            Some(Body::Binary) => call.body = Some(ASSET_BYTES.to_vec()),
            None => {}
        }
        for p in op.params.iter().filter(|p| p.required) {
            if p.name.eq_ignore_ascii_case("x-amz-content-sha256") {
                let body = call.body.as_deref().unwrap_or_default();
                call.headers.push((p.name.clone(), hex::encode(sha2::Sha256::digest(body))));
                continue;
            }
            let value =
                self.base_value(&p.name, &p.schema).map(|v| as_text(&v)).unwrap_or_default();
            match p.location {
                Location::Query => call.query.push((p.name.clone(), value)),
                Location::Header => call.headers.push((p.name.clone(), value)),
            }
        }
        call
    }

    /// Whether the base call of `op` is known to change nothing: it names a
    /// domain that does not exist, or `op` only reads.
    fn harmless(&self, op: &Operation) -> bool {
        op.is_read_only()
            || (op.id != "CreateDomain" && op.params.iter().any(|p| p.name == "domain"))
    }

    /// Authentication, not-found, input edges, and the error classes not
    /// provoked, for `op`.
    async fn contract_checks(&self, op: &Operation) {
        let base = self.base_call(op);
        let harmless = self.harmless(op);
        if harmless {
            self.expect_error(
                &op.id,
                "MissingAuthenticationTokenException",
                "no Authorization",
                &base,
                Auth::Unsigned,
            )
            .await;
            self.expect_error(
                &op.id,
                "InvalidSignatureException",
                "wrong signature",
                &base,
                Auth::BadSignature,
            )
            .await;
        } else {
            let why = "would create a domain if the endpoint let it through";
            self.push(&op.id, "no Authorization", Outcome::Skip(why.into()));
            self.push(&op.id, "wrong signature", Outcome::Skip(why.into()));
        }
        if op.params.iter().any(|p| p.name == "domain") && op.id != "CreateDomain" {
            self.expect_error(
                &op.id,
                "ResourceNotFoundException",
                "ResourceNotFoundException (no such domain)",
                &base,
                Auth::Signed,
            )
            .await;
        }
        if harmless && matches!(op.body, Some(Body::Json(_))) {
            let mut garbled = base.clone();
            garbled.body = Some(b"[\"not an object\"".to_vec());
            let check = "SerializationException (a body that is not a JSON object)";
            self.expect_error(&op.id, "SerializationException", check, &garbled, Auth::Signed)
                .await;
        }
        self.edge_checks(op, &base, harmless).await;
        self.push(
            &op.id,
            NOT_PROVOKED,
            Outcome::Skip("not provoked: it would take load or a fault in the endpoint".into()),
        );
        if op.id.starts_with("Create") {
            self.push(
                &op.id,
                "ServiceQuotaExceededException",
                Outcome::Skip(
                    "not provoked: it would take creating up to the account's quota".into(),
                ),
            );
        }
        self.push(
            &op.id,
            "AccessDeniedException",
            Outcome::Skip(
                "not provoked: it needs a second principal with fewer permissions".into(),
            ),
        );
    }

    async fn edge_checks(&self, op: &Operation, base: &Call, harmless: bool) {
        for p in &op.params {
            if p.location == Location::Header {
                continue;
            }
            let base_value = self.base_value(&p.name, &p.schema).unwrap_or(Value::Null);
            for edge in edges::edges(&p.schema, &base_value) {
                let check = format!("{}: {}", p.name, edge.label);
                let why = self.unsafe_edge(op, &p.name, edge.inside, harmless);
                if let Some(why) = why.or_else(|| unmeetable_edge(&p.name, &p.description, &edge)) {
                    self.push(&op.id, check, Outcome::Skip(why.into()));
                    continue;
                }
                let mut call = base.clone();
                call.query.retain(|(k, _)| *k != p.name);
                call.query.push((p.name.clone(), as_text(&edge.value)));
                if op.id == "CreateDomain" {
                    // Only an out-of-range name the endpoint wrongly accepts can be created.
                    self.send_edge_created(op, &check, &call).await;
                } else {
                    self.send_edge(op, &check, &call, edge.inside).await;
                }
            }
        }
        let Some(Body::Json(schema)) = &op.body else { return };
        let base_body: Value =
            base.body.as_deref().and_then(|b| serde_json::from_slice(b).ok()).unwrap_or(json!({}));
        for (name, member) in schema["properties"].as_object().into_iter().flatten() {
            let member = self.spec.resolve(member);
            let (target, value) = if member["type"] == "array" {
                (self.spec.resolve(&member["items"]), true)
            } else {
                (member.clone(), false)
            };
            let base_value = self.base_value(name, &target).unwrap_or(Value::Null);
            let item_edges = edges::edges(&target, &base_value).into_iter().map(|e| (e, value));
            let length_edges =
                if value { edges::array_edges(&member, &base_value) } else { Vec::new() };
            // An array's own length edges are sent as they are, not wrapped.
            for (edge, wrap) in item_edges.chain(length_edges.into_iter().map(|e| (e, false))) {
                let check = format!("body {name}: {}", edge.label);
                let why = self.unsafe_edge(op, name, edge.inside, harmless);
                let description = member["description"].as_str().unwrap_or_default();
                if let Some(why) = why.or_else(|| unmeetable_edge(name, description, &edge)) {
                    self.push(&op.id, check, Outcome::Skip(why.into()));
                    continue;
                }
                let mut body = base_body.clone();
                body[name] = if wrap { json!([edge.value]) } else { edge.value.clone() };
                let mut call = base.clone();
                call.body = Some(body.to_string().into_bytes());
                if op.id == "CreateDomain" {
                    self.send_edge_created(op, &check, &call).await;
                } else {
                    self.send_edge(op, &check, &call, edge.inside).await;
                }
            }
        }
    }

    /// Why an edge of `member` may not be sent, if so.
    fn unsafe_edge(
        &self,
        op: &Operation,
        member: &str,
        inside: bool,
        harmless: bool,
    ) -> Option<&'static str> {
        if op.id == "CreateDomain" {
            if !self.options.allow_writes {
                return Some("needs --allow-writes: CreateDomain would create a domain the endpoint let through");
            }
            if inside && member == "domain" {
                return Some("a valid CreateDomain creates a domain outside the run's prefix");
            }
            if inside {
                return Some("a valid CreateDomain would create a domain for each value");
            }
            return None;
        }
        if !harmless {
            return Some("needs a request that changes nothing");
        }
        if inside && member == "domain" && !op.is_read_only() {
            return Some("a valid domain name of a write operation may name a real domain");
        }
        None
    }

    async fn send_edge(&self, op: &Operation, check: &str, call: &Call, inside: bool) {
        if inside {
            match self.endpoint.send(call, Auth::Signed).await {
                Ok(reply) => self.push(&op.id, check, checks::not_validation(&reply)),
                Err(e) => self.push(&op.id, check, Outcome::Fail(e)),
            }
        } else {
            self.expect_error(&op.id, "ValidationException", check, call, Auth::Signed).await;
        }
    }

    /// An out-of-range CreateDomain: a domain made anyway is a failure, and
    /// deleted.
    async fn send_edge_created(&self, op: &Operation, check: &str, call: &Call) {
        let reply = match self.endpoint.send(call, Auth::Signed).await {
            Ok(r) => r,
            Err(e) => return self.push(&op.id, check, Outcome::Fail(e)),
        };
        if reply.status == 200 {
            if let Some(name) = call.query.iter().find(|(k, _)| k == "domain") {
                self.record_domain(&name.1);
            }
        }
        self.push(&op.id, check, checks::error(&self.spec, op, "ValidationException", &reply));
    }
}

/// Why a value inside the schema cannot show that the endpoint accepts it,
/// if so: a pagination token is opaque (one the endpoint did not issue is
/// refused whatever its length), and a member whose description narrows
/// the model's enum ("must be `generic`") refuses the model's other values.
fn unmeetable_edge(member: &str, description: &str, edge: &edges::Edge) -> Option<&'static str> {
    if !edge.inside {
        return None;
    }
    if member.to_ascii_lowercase().replace('-', "").contains("nexttoken") {
        return Some("a token the endpoint did not issue is refused whatever its shape");
    }
    static MUST_BE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"must be `([^`]+)`").expect("a valid regex")
    });
    let narrowed = MUST_BE.captures(description).map(|c| c[1].to_string());
    match (narrowed, edge.value.as_str()) {
        (Some(only), Some(value)) if only != value => {
            Some("the member's description narrows the model's enum to one value")
        }
        _ => None,
    }
}

/// A JSON value as a query parameter's text.
fn as_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Runs `suite` until it ends or `interrupt` fires, then cleans up either
/// way. Returns the report, what could not be deleted, and whether the run
/// was interrupted.
pub async fn run_until(
    suite: Arc<Suite>,
    interrupt: impl Future<Output = ()>,
) -> (Report, Vec<String>, bool) {
    let interrupted = tokio::select! {
        () = suite.run() => false,
        () = interrupt => true,
    };
    let left = suite.cleanup().await;
    (suite.report(), left, interrupted)
}
