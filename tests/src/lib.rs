//! Test support: an in-process server with a known configuration, the
//! credentials it knows, and signed raw requests for inputs the generated
//! client refuses to send.

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use chrono::{DateTime, TimeDelta, Timelike, Utc};
use codeartifact_client::{Client, Signer};
use codeartifact_server::config::Config;
use codeartifact_server::{RunningServer, ServerOptions, Storage};
use dropshot::{ConfigLogging, ConfigLoggingIfExists, ConfigLoggingLevel};
use serde::Deserialize;

/// A credential of the test configuration. Its keys are read from
/// `fixtures/test-config.toml`, the one place they are written (the
/// real-client tests read them from there too).
#[derive(Debug, Clone, Copy)]
pub struct Cred {
    pub access_key_id: &'static str,
    pub secret_access_key: &'static str,
    pub session_token: Option<&'static str>,
    pub arn: &'static str,
}

impl Cred {
    /// The first access key of user `name` of `account`.
    pub fn user(account: &str, name: &str) -> Cred {
        let users = &FIXTURE.account(account).users;
        let user = users.iter().find(|u| u.name == name);
        let user = user.unwrap_or_else(|| panic!("no user {name} in account {account}"));
        let key = user.access_keys.first().expect("the user has an access key");
        key.cred(format!("arn:aws:iam::{account}:user/{name}"))
    }

    /// The first root access key of `account`.
    pub fn root(account: &str) -> Cred {
        let keys = &FIXTURE.account(account).root_access_keys;
        let key = keys.first().expect("the account has a root access key");
        key.cred(format!("arn:aws:iam::{account}:root"))
    }

    /// Session `name` of role `role` of `account`.
    pub fn session(account: &str, role: &str, name: &str) -> Cred {
        let roles = &FIXTURE.account(account).roles;
        let found = roles.iter().find(|r| r.name == role);
        let sessions =
            &found.unwrap_or_else(|| panic!("no role {role} in account {account}")).sessions;
        let session = sessions.iter().find(|s| s.name == name);
        let session = session.unwrap_or_else(|| panic!("no session {name} of role {role}"));
        Cred {
            session_token: Some(&session.session_token),
            ..session.key.cred(format!("arn:aws:sts::{account}:assumed-role/{role}/{name}"))
        }
    }

    pub fn signer(&self) -> Signer {
        Signer::new(
            self.access_key_id,
            self.secret_access_key,
            self.session_token.map(str::to_string),
            "us-east-1",
        )
    }
}

pub const ACCOUNT: &str = "111122223333";
pub const OTHER_ACCOUNT: &str = "444455556666";

/// The development setup's IAM user.
pub static USER: LazyLock<Cred> = LazyLock::new(|| Cred::user(ACCOUNT, "demo"));
/// A role session that expires an hour after the configuration is made.
pub static SESSION: LazyLock<Cred> = LazyLock::new(|| Cred::session(ACCOUNT, "ci", "build-1"));
/// A role session that expired an hour before the configuration was made.
pub static EXPIRED_SESSION: LazyLock<Cred> =
    LazyLock::new(|| Cred::session(ACCOUNT, "ci", "build-0"));
/// An IAM user of another account, allowed everything by its policy.
pub static OTHER_USER: LazyLock<Cred> = LazyLock::new(|| Cred::user(OTHER_ACCOUNT, "bob"));
/// Allowed everything by its policy; no domain policy names her.
pub static CAROL: LazyLock<Cred> = LazyLock::new(|| Cred::user(ACCOUNT, "carol"));
/// Allowed everything but GetAuthorizationToken, which is explicitly denied.
pub static DAVE: LazyLock<Cred> = LazyLock::new(|| Cred::user(ACCOUNT, "dave"));
/// Allowed everything; the `shared` domain's policy explicitly denies her.
pub static ERIN: LazyLock<Cred> = LazyLock::new(|| Cred::user(ACCOUNT, "erin"));
/// Allowed CodeArtifact, but not sts:GetServiceBearerToken.
pub static FRANK: LazyLock<Cred> = LazyLock::new(|| Cred::user(ACCOUNT, "frank"));
/// Allowed bearer tokens only; the `team` domain's policy allows her.
pub static GINA: LazyLock<Cred> = LazyLock::new(|| Cred::user(ACCOUNT, "gina"));
/// The root user of 111122223333.
pub static ROOT: LazyLock<Cred> = LazyLock::new(|| Cred::root(ACCOUNT));

/// The keys of the test configuration; the server reads the rest.
static FIXTURE: LazyLock<Fixture> = LazyLock::new(|| {
    toml::from_str(&config_text("", Utc::now())).expect("the test configuration is TOML")
});

#[derive(Deserialize)]
struct Fixture {
    accounts: Vec<FixtureAccount>,
}

impl Fixture {
    fn account(&self, id: &str) -> &FixtureAccount {
        let account = self.accounts.iter().find(|a| a.id == id);
        account.unwrap_or_else(|| panic!("no account {id} in the test configuration"))
    }
}

#[derive(Deserialize)]
struct FixtureAccount {
    id: String,
    #[serde(default)]
    root_access_keys: Vec<FixtureKey>,
    #[serde(default)]
    users: Vec<FixtureUser>,
    #[serde(default)]
    roles: Vec<FixtureRole>,
}

#[derive(Deserialize)]
struct FixtureKey {
    access_key_id: String,
    secret_access_key: String,
}

impl FixtureKey {
    /// This key as a credential of `arn`, which is leaked: a handful of
    /// ARNs a test run, and a `Cred` stays `Copy`.
    fn cred(&'static self, arn: String) -> Cred {
        Cred {
            access_key_id: &self.access_key_id,
            secret_access_key: &self.secret_access_key,
            session_token: None,
            arn: arn.leak(),
        }
    }
}

#[derive(Deserialize)]
struct FixtureUser {
    name: String,
    access_keys: Vec<FixtureKey>,
}

#[derive(Deserialize)]
struct FixtureRole {
    name: String,
    #[serde(default)]
    sessions: Vec<FixtureSession>,
}

#[derive(Deserialize)]
struct FixtureSession {
    name: String,
    #[serde(flatten)]
    key: FixtureKey,
    session_token: String,
}

/// The folder of the shared test configuration and its policy files.
pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// The text of the test configuration with `extra` TOML at top level, its
/// session expiring an hour after `now` and its expired session an hour
/// before.
fn config_text(extra: &str, now: DateTime<Utc>) -> String {
    let rfc3339 = |t: DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let template = std::fs::read_to_string(fixtures_dir().join("test-config.toml")).unwrap();
    template
        .replace("@EXTRA@", extra)
        .replace("@SESSION_EXPIRY@", &rfc3339(now + TimeDelta::hours(1)))
        .replace("@EXPIRED@", &rfc3339(now - TimeDelta::hours(1)))
}

/// The test configuration (`fixtures/test-config.toml`, which the
/// real-client tests use too) with `extra` TOML at top level, and the expiry
/// of [`SESSION`].
pub fn test_config_with(extra: &str) -> (Config, DateTime<Utc>) {
    // Whole seconds, as the configuration keeps them.
    let now = Utc::now().with_nanosecond(0).unwrap();
    let text = config_text(extra, now);
    let config = Config::parse_in(&text, &fixtures_dir()).expect("the test configuration is valid");
    (config, now + TimeDelta::hours(1))
}

/// A server running in this process on 127.0.0.1, on a port of its own.
///
/// It logs to a file named after the test: the file is removed when the
/// server stops or is dropped normally, and kept, with its path printed,
/// when the test panics while the server runs.
#[derive(Debug)]
pub struct TestServer {
    server: RunningServer,
    pub url: String,
    /// When [`SESSION`] expires.
    pub session_expiry: DateTime<Utc>,
    log: ServerLog,
}

impl TestServer {
    /// The test configuration, with a key that lives as long as the server.
    pub async fn start() -> Self {
        Self::start_with("", Storage::Ephemeral).await
    }

    /// The test configuration plus `extra` TOML, keeping its key in `dir`.
    pub async fn start_in(extra: &str, dir: &Path) -> Self {
        Self::start_with(extra, Storage::Dir(dir.to_path_buf())).await
    }

    pub async fn start_with(extra: &str, storage: Storage) -> Self {
        let (config, session_expiry) = test_config_with(extra);
        Self::start_config(config, session_expiry, storage).await
    }

    /// The development setup (what `serve` runs without `--config`), in memory.
    pub async fn start_development() -> Self {
        let now = Utc::now().with_nanosecond(0).unwrap();
        let config = codeartifact_server::config::development::config(now);
        Self::start_config(config, now + TimeDelta::hours(1), Storage::Ephemeral).await
    }

    async fn start_config(config: Config, session_expiry: DateTime<Utc>, storage: Storage) -> Self {
        // At the configuration's level, as the binary logs: trace.
        let (log, logger) = ServerLog::for_this_test(config.log_level.clone());
        let options = ServerOptions { config, bind: "127.0.0.1:0".parse().unwrap(), storage };
        let server = codeartifact_server::start(options, logger).await.expect("the server starts");
        let url = format!("http://{}", server.local_addr());
        Self { server, url, session_expiry, log }
    }

    /// A generated client that signs with `cred`.
    pub fn client(&self, cred: Cred) -> Client {
        Client::new(&self.url, cred.signer())
    }

    /// The URL of GetAuthorizationToken with `query` (raw, as sent).
    pub fn token_url(&self, query: &str) -> String {
        format!("{}/v1/authorization-token?{query}", self.url)
    }

    /// A POST to GetAuthorizationToken with the raw `query`, signed by
    /// `signer`, before `tamper` gets to change it.
    pub async fn post_signed(
        &self,
        query: &str,
        signer: &Signer,
        tamper: impl FnOnce(&mut reqwest::Request),
    ) -> reqwest::Response {
        let mut request = signed_post(&self.token_url(query), b"", signer);
        tamper(&mut request);
        reqwest::Client::new().execute(request).await.expect("the server answers")
    }

    pub async fn stop(self) {
        self.server.close().await.expect("the server stops cleanly");
        // Only once the server stopped cleanly: a panic in close keeps it.
        drop(self.log);
    }
}

/// A test server's log file, named as dropshot names its tests' logs (the
/// test binary, the test, the process and a counter, in the temporary
/// directory). dropshot's own `LogContext` keeps the path to itself, and
/// the path is what a failing test has to print.
#[derive(Debug)]
struct ServerLog {
    path: PathBuf,
}

impl ServerLog {
    /// A log file named after the running test, and a logger at `level`
    /// writing bunyan lines to it. libtest names the thread that runs a test
    /// after the test, and `#[tokio::test]` runs the test's body on it.
    fn for_this_test(level: ConfigLoggingLevel) -> (Self, slog::Logger) {
        let thread = std::thread::current();
        let test_name = thread.name().unwrap_or("unnamed");
        let path = dropshot::test_util::log_file_for_test(test_name);
        let config = ConfigLogging::File {
            level,
            path: path.clone(),
            if_exists: ConfigLoggingIfExists::Fail,
        };
        let logger = config.to_logger(test_name).expect("the server log opens");
        (Self { path: path.into_std_path_buf() }, logger)
    }
}

impl Drop for ServerLog {
    fn drop(&mut self) {
        if std::thread::panicking() {
            // Printed with the failing test's output.
            eprintln!("server log kept at {}", self.path.display());
        } else {
            // A passing test needs no evidence; a file already gone is fine.
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// A POST of `body` to `url`, signed by `signer`.
pub fn signed_post(url: &str, body: &[u8], signer: &Signer) -> reqwest::Request {
    signed(reqwest::Method::POST, url, body, signer)
}

/// A request of any method, signed by `signer`.
pub fn signed(
    method: reqwest::Method,
    url: &str,
    body: &[u8],
    signer: &Signer,
) -> reqwest::Request {
    let mut request = reqwest::Client::new()
        .request(method, url)
        .body(body.to_vec())
        .build()
        .expect("a valid request");
    sign(signer, &mut request);
    request
}

/// Signs `request` with `signer` where no `.await` fits (a synchronous
/// helper, a `#[test]`). The tests' signers hold fixed credentials, which
/// their provider hands over at once, so waiting for them cannot stall.
pub fn sign(signer: &Signer, request: &mut reqwest::Request) {
    futures::executor::block_on(signer.sign(request)).expect("the request signs");
}

/// A built request as the server's SigV4 verifier reads it.
pub fn request_parts(
    request: &reqwest::Request,
) -> codeartifact_server::iam::sigv4::RequestParts<'_> {
    codeartifact_server::iam::sigv4::RequestParts {
        method: request.method().as_str(),
        path: request.url().path(),
        query: request.url().query().unwrap_or(""),
        headers: request.headers(),
        body: request.body().and_then(|b| b.as_bytes()).unwrap_or_default(),
        payload_hash: None,
    }
}

/// Sends `method path_and_query` with `body`, signed as `cred`, and returns
/// the status, the `x-amzn-ErrorType` and the body as JSON.
pub async fn call_raw(
    server: &TestServer,
    method: reqwest::Method,
    path_and_query: &str,
    body: &str,
    cred: Cred,
) -> (u16, String, serde_json::Value) {
    let url = format!("{}{path_and_query}", server.url);
    let request = signed(method, &url, body.as_bytes(), &cred.signer());
    let response = reqwest::Client::new().execute(request).await.expect("the server answers");
    error_parts(response).await
}

/// A response's status, its `x-amzn-ErrorType`, and its body as JSON.
pub async fn error_parts(response: reqwest::Response) -> (u16, String, serde_json::Value) {
    let status = response.status().as_u16();
    let code = response
        .headers()
        .get("x-amzn-errortype")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let body = response.text().await.unwrap();
    let json = serde_json::from_str(&body).unwrap_or_else(|_| panic!("not JSON: {body}"));
    (status, code, json)
}

/// The status, error code and message of a call through the generated
/// client that must have failed; the code in the body must agree with
/// `x-amzn-ErrorType`, and a missing or conflicting resource be named.
pub fn aws_error<T: std::fmt::Debug>(
    result: Result<
        progenitor_client::ResponseValue<T>,
        progenitor_client::Error<codeartifact_client::types::AwsError>,
    >,
) -> (u16, String, String) {
    match result {
        Err(progenitor_client::Error::ErrorResponse(rv)) => {
            let code = rv.headers()["x-amzn-errortype"].to_str().unwrap().to_string();
            assert_eq!(rv.type_.clone(), Some(code.clone()), "body and header agree");
            if matches!(code.as_str(), "ResourceNotFoundException" | "ConflictException") {
                assert!(rv.resource_id.is_some() && rv.resource_type.is_some(), "{code}: {rv:?}");
            }
            (rv.status().as_u16(), code, rv.message.clone())
        }
        Err(e) => panic!("expected an error response, got {e:?}"),
        Ok(rv) => panic!("expected an error, got {:?}", rv.into_inner()),
    }
}

/// Everything a server logged, kept in memory as it is logged (no
/// asynchronous drain that could drop or delay a line): each record's
/// level, message and values, one line each.
#[derive(Clone, Default)]
pub struct CapturedLog(std::sync::Arc<std::sync::Mutex<String>>);

impl CapturedLog {
    pub fn text(&self) -> String {
        self.0.lock().unwrap().clone()
    }
}

impl slog::Drain for CapturedLog {
    type Ok = ();
    type Err = slog::Never;

    fn log(
        &self,
        record: &slog::Record<'_>,
        values: &slog::OwnedKVList,
    ) -> Result<(), slog::Never> {
        use slog::KV as _;
        let mut line = format!("{} {}", record.level().as_short_str(), record.msg());
        let mut serializer = Line(&mut line);
        let _ = record.kv().serialize(record, &mut serializer);
        let _ = values.serialize(record, &mut serializer);
        line.push('\n');
        self.0.lock().unwrap().push_str(&line);
        Ok(())
    }
}

struct Line<'a>(&'a mut String);

impl slog::Serializer for Line<'_> {
    fn emit_arguments(&mut self, key: slog::Key, value: &std::fmt::Arguments<'_>) -> slog::Result {
        use std::fmt::Write as _;
        let _ = write!(self.0, " {key}={value}");
        Ok(())
    }
}

/// A server with the test configuration plus `extra`, its log captured at
/// every level, through the logger the binary's would go through.
pub struct LoggedServer {
    pub server: RunningServer,
    pub url: String,
    pub log: CapturedLog,
}

impl LoggedServer {
    pub async fn start(extra: &str, storage: Storage) -> Self {
        let (config, _) = test_config_with(extra);
        let log = CapturedLog::default();
        let logger = slog::Logger::root(log.clone(), slog::o!());
        let options = ServerOptions { config, bind: "127.0.0.1:0".parse().unwrap(), storage };
        let server = codeartifact_server::start(options, logger).await.expect("the server starts");
        let url = format!("http://{}", server.local_addr());
        Self { server, url, log }
    }

    pub async fn stop(self) {
        self.server.close().await.expect("the server stops cleanly");
    }
}
