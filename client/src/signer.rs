//! SigV4 signing of outgoing requests with AWS's `aws-sigv4` crate, with
//! credentials from any `aws-config` credentials provider.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_credential_types::Credentials;
use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use reqwest::header::{HeaderName, HeaderValue, HOST};

/// The signing name of CodeArtifact.
const SERVICE: &str = "codeartifact";

/// Credentials are fetched again this long before they expire, so that a
/// request is never signed with a session that dies on its way.
const REFRESH_BEFORE_EXPIRY: Duration = Duration::from_secs(5 * 60);
/// How long credentials that carry no expiry are reused before the provider
/// is asked again (what the AWS SDKs' identity cache does by default).
const REUSE_WITHOUT_EXPIRY: Duration = Duration::from_secs(15 * 60);

/// Why a request could not be signed.
#[derive(Debug, thiserror::Error)]
pub enum SignerError {
    /// The credentials provider failed (no credentials found, a profile's
    /// role could not be assumed, ...); the message carries its causes.
    #[error("failed to load AWS credentials: {0}")]
    Credentials(String),
    #[error("the request URL has no host")]
    NoHost,
    #[error("header '{0}' is not valid UTF-8")]
    BadHeader(String),
    #[error("failed to sign the request: {0}")]
    Signing(String),
}

/// Signs requests for CodeArtifact in one region, with credentials from a
/// [`SharedCredentialsProvider`]; or, made with [`Signer::unsigned`], leaves
/// them unsigned (as a misconfigured caller would).
///
/// Credentials are asked of the provider when first needed and reused until
/// five minutes before they expire, so an assumed role's session is renewed
/// while the client lives. Clones share what was fetched.
#[derive(Clone)]
pub struct Signer {
    credentials: Option<Arc<CachedCredentials>>,
    region: String,
    time: Option<SystemTime>,
}

/// A provider and what it last provided. aws-config 1.x leaves caching to
/// the SDK clients' identity cache, which cannot run outside an SDK
/// client's runtime, hence this small cache of our own.
struct CachedCredentials {
    provider: SharedCredentialsProvider,
    /// The credentials and when to ask for new ones. An async mutex: one
    /// caller refreshes while the others wait for its result instead of
    /// each calling STS.
    current: tokio::sync::Mutex<Option<(Credentials, SystemTime)>>,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the credentials: only whether there are some.
        f.debug_struct("Signer")
            .field("signs", &self.credentials.is_some())
            .field("region", &self.region)
            .finish()
    }
}

impl Signer {
    /// A signer with fixed credentials (an access key, its secret and, for a
    /// role session, its token) for `region`.
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
        Self::with_provider(SharedCredentialsProvider::new(credentials), region)
    }

    /// A signer that asks `provider` for credentials (for instance one from
    /// `aws_config`, or [`aws_types::SdkConfig::credentials_provider`]).
    pub fn with_provider(provider: SharedCredentialsProvider, region: impl Into<String>) -> Self {
        let cached = CachedCredentials { provider, current: tokio::sync::Mutex::new(None) };
        Self { credentials: Some(Arc::new(cached)), region: region.into(), time: None }
    }

    /// Credentials and region from AWS's standard chain, as the AWS SDKs
    /// and CLI find them: the environment (`AWS_ACCESS_KEY_ID`, ...,
    /// `AWS_REGION`), then `AWS_PROFILE` or the default profile of
    /// `~/.aws/credentials` and `~/.aws/config` (`role_arn` profiles assume
    /// their role through STS, `sso_session` profiles use the SSO cache),
    /// then web identity, ECS and EC2 instance credentials. Without a
    /// region anywhere, `us-east-1`.
    pub async fn load() -> Self {
        let config = aws_config::defaults(aws_config::BehaviorVersion::latest()).load().await;
        Self::from_sdk_config(&config)
    }

    /// The credentials provider and region of an [`aws_types::SdkConfig`];
    /// `us-east-1` when it has no region, unsigned when it has no provider
    /// (`aws_config::ConfigLoader::no_credentials`).
    pub fn from_sdk_config(config: &aws_types::SdkConfig) -> Self {
        let region = crate::config::region_of(config);
        match config.credentials_provider() {
            Some(provider) => Self::with_provider(provider, region),
            None => Self { credentials: None, region: region.to_string(), time: None },
        }
    }

    /// A signer that leaves requests unsigned.
    pub fn unsigned() -> Self {
        Self { credentials: None, region: crate::DEFAULT_REGION.to_string(), time: None }
    }

    /// Signs as if the clock read `time` (for tests of the server's window).
    pub fn at_time(mut self, time: SystemTime) -> Self {
        self.time = Some(time);
        self
    }

    /// The region requests are signed for.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The credentials the next request would be signed with (none for an
    /// unsigned signer), from the cache or, when they are missing or about to
    /// expire, from the provider.
    pub async fn credentials(&self) -> Result<Option<Credentials>, SignerError> {
        let Some(cached) = &self.credentials else { return Ok(None) };
        let mut current = cached.current.lock().await;
        let now = SystemTime::now();
        if let Some((credentials, refresh_at)) = current.as_ref() {
            if now < *refresh_at {
                return Ok(Some(credentials.clone()));
            }
        }
        let fresh = cached
            .provider
            .provide_credentials()
            .await
            .map_err(|e| SignerError::Credentials(error_chain(&e)))?;
        let refresh_at = match fresh.expiry() {
            Some(expiry) => expiry.checked_sub(REFRESH_BEFORE_EXPIRY).unwrap_or(expiry),
            None => now + REUSE_WITHOUT_EXPIRY,
        };
        *current = Some((fresh.clone(), refresh_at));
        Ok(Some(fresh))
    }

    /// Signs `request` for CodeArtifact: adds `Host`, `X-Amz-Date`,
    /// `Authorization` (and `X-Amz-Security-Token` for session credentials).
    /// The signature covers the method, the URL, every header already set
    /// and the body, so set those first; an unsigned signer leaves the
    /// request as it is.
    ///
    /// ```no_run
    /// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
    /// let signer = codeartifact_client::Signer::load().await;
    /// let mut request = reqwest::Client::new()
    ///     .post("http://127.0.0.1:8787/v1/authorization-token?domain=demo")
    ///     .build()?;
    /// signer.sign(&mut request).await?;
    /// let response = reqwest::Client::new().execute(request).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn sign(&self, request: &mut reqwest::Request) -> Result<(), SignerError> {
        match self.credentials().await? {
            Some(credentials) => self.sign_with(credentials.into(), request),
            None => Ok(()),
        }
    }

    fn sign_with(
        &self,
        identity: Identity,
        request: &mut reqwest::Request,
    ) -> Result<(), SignerError> {
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
            .identity(&identity)
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

/// An error and its causes, on one line: a provider chain's error says
/// little at the top ("an error occurred while loading credentials") and
/// what went wrong (the profile, the STS answer) in its sources.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use aws_credential_types::provider::future;

    use super::*;

    /// Hands out credentials that expire `lifetime` from now, counting calls.
    #[derive(Debug)]
    struct Counting {
        calls: Arc<AtomicUsize>,
        lifetime: Duration,
    }

    impl ProvideCredentials for Counting {
        fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
        where
            Self: 'a,
        {
            self.calls.fetch_add(1, Ordering::SeqCst);
            let expiry = SystemTime::now() + self.lifetime;
            let credentials = Credentials::new("AKIDEXAMPLE", "secret", None, Some(expiry), "t");
            future::ProvideCredentials::ready(Ok(credentials))
        }
    }

    async fn calls_for_three_requests(lifetime: Duration) -> usize {
        let calls = Arc::new(AtomicUsize::new(0));
        let provider = Counting { calls: calls.clone(), lifetime };
        let signer = Signer::with_provider(SharedCredentialsProvider::new(provider), "us-east-1");
        for _ in 0..3 {
            let mut request = reqwest::Client::new().get("http://localhost/").build().unwrap();
            signer.clone().sign(&mut request).await.unwrap();
            assert!(request.headers().contains_key("authorization"));
        }
        calls.load(Ordering::SeqCst)
    }

    #[tokio::test]
    async fn credentials_are_reused_until_shortly_before_they_expire() {
        assert_eq!(calls_for_three_requests(Duration::from_secs(3600)).await, 1);
        // Within the refresh window: each request asks for fresh ones.
        assert_eq!(calls_for_three_requests(Duration::from_secs(60)).await, 3);
    }

    #[tokio::test]
    async fn a_provider_failure_says_why() {
        use aws_credential_types::provider::error::CredentialsError;
        let failing = aws_credential_types::credential_fn::provide_credentials_fn(|| async {
            Err(CredentialsError::not_loaded("profile ci names no role_arn"))
        });
        let signer = Signer::with_provider(SharedCredentialsProvider::new(failing), "us-east-1");
        let mut request = reqwest::Client::new().get("http://localhost/").build().unwrap();
        let error = signer.sign(&mut request).await.unwrap_err().to_string();
        assert!(error.starts_with("failed to load AWS credentials: "), "{error}");
        assert!(error.contains("profile ci names no role_arn"), "{error}");
        assert!(!request.headers().contains_key("authorization"));
    }
}
