//! SigV4 signing of outgoing requests with AWS's `aws-sigv4` crate.

use std::time::SystemTime;

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use reqwest::header::{HeaderName, HeaderValue, HOST};

/// The signing name of CodeArtifact.
const SERVICE: &str = "codeartifact";
/// The region used when none is configured.
pub const DEFAULT_REGION: &str = "us-east-1";

/// Why a request could not be signed.
#[derive(Debug, thiserror::Error)]
pub enum SignerError {
    #[error("no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")]
    NoCredentials,
    #[error("the request URL has no host")]
    NoHost,
    #[error("header '{0}' is not valid UTF-8")]
    BadHeader(String),
    #[error("{0}")]
    Signing(String),
}

/// Signs requests for one set of credentials and one region; or, when it has
/// no credentials, sends them unsigned (as a misconfigured caller would).
#[derive(Clone)]
pub struct Signer {
    identity: Option<Identity>,
    region: String,
    time: Option<SystemTime>,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the secret: only whether there is one.
        f.debug_struct("Signer")
            .field("signs", &self.identity.is_some())
            .field("region", &self.region)
            .finish()
    }
}

impl Signer {
    pub fn new(
        access_key_id: impl Into<String>,
        secret_access_key: impl Into<String>,
        session_token: Option<String>,
        region: impl Into<String>,
    ) -> Self {
        let credentials = Credentials::new(
            access_key_id,
            secret_access_key,
            session_token,
            None,
            "codeartifact-client",
        );
        Self { identity: Some(credentials.into()), region: region.into(), time: None }
    }

    /// A signer that leaves requests unsigned.
    pub fn unsigned() -> Self {
        Self { identity: None, region: DEFAULT_REGION.to_string(), time: None }
    }

    /// Credentials and region from the standard AWS environment variables:
    /// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, optional
    /// `AWS_SESSION_TOKEN`, and `AWS_REGION` or `AWS_DEFAULT_REGION`
    /// (default `us-east-1`).
    pub fn from_env() -> Result<Self, SignerError> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let (Some(key), Some(secret)) = (var("AWS_ACCESS_KEY_ID"), var("AWS_SECRET_ACCESS_KEY"))
        else {
            return Err(SignerError::NoCredentials);
        };
        let region = var("AWS_REGION")
            .or_else(|| var("AWS_DEFAULT_REGION"))
            .unwrap_or_else(|| DEFAULT_REGION.to_string());
        Ok(Self::new(key, secret, var("AWS_SESSION_TOKEN"), region))
    }

    /// Signs as if the clock read `time` (for tests of the server's window).
    pub fn at_time(mut self, time: SystemTime) -> Self {
        self.time = Some(time);
        self
    }

    pub fn region(&self) -> &str {
        &self.region
    }

    /// Adds `Host`, `X-Amz-Date`, `Authorization` (and
    /// `X-Amz-Security-Token` for session credentials) to `request`.
    pub fn sign(&self, request: &mut reqwest::Request) -> Result<(), SignerError> {
        let Some(identity) = &self.identity else { return Ok(()) };

        // hyper would add Host after this hook; set it now so that what is
        // signed is what is sent.
        let url = request.url();
        let host = match (url.host_str(), url.port()) {
            (Some(host), Some(port)) => format!("{host}:{port}"),
            (Some(host), None) => host.to_string(),
            (None, _) => return Err(SignerError::NoHost),
        };
        let host = HeaderValue::from_str(&host).map_err(|_| SignerError::NoHost)?;
        request.headers_mut().insert(HOST, host);

        let mut headers = Vec::with_capacity(request.headers().len());
        for (name, value) in request.headers() {
            let value =
                value.to_str().map_err(|_| SignerError::BadHeader(name.as_str().to_string()))?;
            headers.push((name.as_str(), value));
        }
        let body = request.body().and_then(|b| b.as_bytes()).unwrap_or(&[]);
        let params = v4::SigningParams::builder()
            .identity(identity)
            .region(&self.region)
            .name(SERVICE)
            .time(self.time.unwrap_or_else(SystemTime::now))
            .settings(SigningSettings::default())
            .build()
            .map_err(|e| SignerError::Signing(e.to_string()))?
            .into();
        let signable = SignableRequest::new(
            request.method().as_str(),
            request.url().as_str(),
            headers.into_iter(),
            SignableBody::Bytes(body),
        )
        .map_err(|e| SignerError::Signing(e.to_string()))?;
        let (instructions, _signature) =
            sign(signable, &params).map_err(|e| SignerError::Signing(e.to_string()))?.into_parts();

        let (new_headers, _query) = instructions.into_parts();
        for header in new_headers {
            let name = HeaderName::from_bytes(header.name().as_bytes())
                .map_err(|e| SignerError::Signing(e.to_string()))?;
            let value = HeaderValue::from_str(header.value())
                .map_err(|e| SignerError::Signing(e.to_string()))?;
            request.headers_mut().insert(name, value);
        }
        Ok(())
    }
}
