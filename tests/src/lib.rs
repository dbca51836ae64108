//! Test support: an in-process server with a known configuration, the
//! credentials it knows, and signed raw requests for inputs the generated
//! client refuses to send.

use std::path::{Path, PathBuf};

use chrono::{DateTime, TimeDelta, Timelike, Utc};
use codeartifact_client::{Client, Signer};
use codeartifact_server::config::Config;
use codeartifact_server::{RunningServer, ServerOptions, Storage};

/// A credential of the test configuration.
#[derive(Debug, Clone, Copy)]
pub struct Cred {
    pub access_key_id: &'static str,
    pub secret_access_key: &'static str,
    pub session_token: Option<&'static str>,
    pub arn: &'static str,
}

impl Cred {
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
pub const USER: Cred = Cred {
    access_key_id: "AKIAIOSFODNN7EXAMPLE",
    secret_access_key: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    session_token: None,
    arn: "arn:aws:iam::111122223333:user/demo",
};

/// A role session that expires an hour after the configuration is made.
pub const SESSION: Cred = Cred {
    access_key_id: "ASIAIOSFODNN7SESSION",
    secret_access_key: "sessionSecretKey/EXAMPLE/0123456789abcdef",
    session_token: Some("FwoGZXIvYXdzEXAMPLESESSIONTOKEN+/=="),
    arn: "arn:aws:sts::111122223333:assumed-role/ci/build-1",
};

/// A role session that expired an hour before the configuration was made.
pub const EXPIRED_SESSION: Cred = Cred {
    access_key_id: "ASIAIOSFODNN7EXPIRED",
    secret_access_key: "expiredSecretKey/EXAMPLE/0123456789abcdef",
    session_token: Some("FwoGZXIvYXdzEXAMPLEEXPIREDTOKEN"),
    arn: "arn:aws:sts::111122223333:assumed-role/ci/build-0",
};

/// An IAM user of another account, allowed everything by its policy.
pub const OTHER_USER: Cred = user(
    "AKIAOTHERACCOUNTUSER",
    "otherSecretKey/EXAMPLE/0123456789abcdef",
    "arn:aws:iam::444455556666:user/bob",
);
/// Allowed everything by its policy; no domain policy names her.
pub const CAROL: Cred =
    user("AKIACAROL00EXAMPLE01", "carolSecretKey/EXAMPLE", "arn:aws:iam::111122223333:user/carol");
/// Allowed everything but GetAuthorizationToken, which is explicitly denied.
pub const DAVE: Cred =
    user("AKIADAVE000EXAMPLE01", "daveSecretKey/EXAMPLE", "arn:aws:iam::111122223333:user/dave");
/// Allowed everything; the `shared` domain's policy explicitly denies her.
pub const ERIN: Cred =
    user("AKIAERIN000EXAMPLE01", "erinSecretKey/EXAMPLE", "arn:aws:iam::111122223333:user/erin");
/// Allowed CodeArtifact, but not sts:GetServiceBearerToken.
pub const FRANK: Cred =
    user("AKIAFRANK00EXAMPLE01", "frankSecretKey/EXAMPLE", "arn:aws:iam::111122223333:user/frank");
/// Allowed bearer tokens only; the `team` domain's policy allows her.
pub const GINA: Cred =
    user("AKIAGINA000EXAMPLE01", "ginaSecretKey/EXAMPLE", "arn:aws:iam::111122223333:user/gina");
/// The root user of 111122223333.
pub const ROOT: Cred =
    user("AKIAROOT111122223333", "rootSecretKey/EXAMPLE", "arn:aws:iam::111122223333:root");

const fn user(
    access_key_id: &'static str,
    secret_access_key: &'static str,
    arn: &'static str,
) -> Cred {
    Cred { access_key_id, secret_access_key, session_token: None, arn }
}

/// The folder of the shared test configuration and its policy files.
pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// The test configuration (`fixtures/test-config.toml`, which the
/// real-client tests use too) with `extra` TOML at top level, and the expiry
/// of [`SESSION`].
pub fn test_config_with(extra: &str) -> (Config, DateTime<Utc>) {
    let rfc3339 = |t: DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    // Whole seconds, as the configuration keeps them.
    let now = Utc::now().with_nanosecond(0).unwrap();
    let session_expiry = now + TimeDelta::hours(1);
    let template = std::fs::read_to_string(fixtures_dir().join("test-config.toml")).unwrap();
    let text = template
        .replace("@EXTRA@", extra)
        .replace("@SESSION_EXPIRY@", &rfc3339(session_expiry))
        .replace("@EXPIRED@", &rfc3339(now - TimeDelta::hours(1)));
    let config = Config::parse_in(&text, &fixtures_dir()).expect("the test configuration is valid");
    (config, session_expiry)
}

/// A server running in this process on 127.0.0.1, on a port of its own.
#[derive(Debug)]
pub struct TestServer {
    server: RunningServer,
    pub url: String,
    /// When [`SESSION`] expires.
    pub session_expiry: DateTime<Utc>,
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
        let options = ServerOptions { config, bind: "127.0.0.1:0".parse().unwrap(), storage };
        let log = slog::Logger::root(slog::Discard, slog::o!());
        let server = codeartifact_server::start(options, log).await.expect("the server starts");
        let url = format!("http://{}", server.local_addr());
        Self { server, url, session_expiry }
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
    signer.sign(&mut request).expect("the request signs");
    request
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
/// `x-amzn-ErrorType`.
pub fn aws_error<T: std::fmt::Debug>(
    result: Result<
        progenitor_client::ResponseValue<T>,
        progenitor_client::Error<codeartifact_client::types::Error>,
    >,
) -> (u16, String, String) {
    match result {
        Err(progenitor_client::Error::ErrorResponse(rv)) => {
            let code = rv.headers()["x-amzn-errortype"].to_str().unwrap().to_string();
            assert_eq!(rv.error_code.as_deref(), Some(code.as_str()), "body and header agree");
            (rv.status().as_u16(), code, rv.message.clone())
        }
        Err(e) => panic!("expected an error response, got {e:?}"),
        Ok(rv) => panic!("expected an error, got {:?}", rv.into_inner()),
    }
}
