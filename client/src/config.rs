//! Building a [`Client`] the way the AWS SDKs build theirs: what the caller
//! sets, and the rest (credentials, region, endpoint) from AWS's standard
//! chain through `aws-config`.

use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_types::region::Region;
use aws_types::service_config::ServiceConfigKey;
use aws_types::SdkConfig;

use crate::{Client, Signer};

/// The region used when neither the caller nor the standard chain names one.
pub const DEFAULT_REGION: &str = "us-east-1";

/// CodeArtifact's service id, which names its endpoint settings:
/// `AWS_ENDPOINT_URL_CODEARTIFACT`, and `endpoint_url` in a profile's
/// `services` section for `codeartifact`.
const SERVICE_ID: &str = "codeartifact";

/// The endpoint AWS serves CodeArtifact on in `region`.
pub fn aws_endpoint(region: &str) -> String {
    format!("https://codeartifact.{region}.amazonaws.com")
}

/// A [`Client`] in the making: set what you know, and [`load`] finds the
/// rest as the AWS SDKs do. Made by [`Client::builder`].
///
/// [`load`]: ClientBuilder::load
#[derive(Debug, Default)]
#[must_use]
pub struct ClientBuilder {
    endpoint_url: Option<String>,
    region: Option<String>,
    credentials_provider: Option<SharedCredentialsProvider>,
    profile_name: Option<String>,
    default_endpoint_url: Option<String>,
    http_client: Option<reqwest::Client>,
}

impl ClientBuilder {
    /// Where requests go: a codeartifact-local server
    /// (`http://127.0.0.1:8787`) or AWS's own endpoint
    /// (`https://codeartifact.us-west-2.amazonaws.com`). Without it:
    /// `AWS_ENDPOINT_URL_CODEARTIFACT`, `AWS_ENDPOINT_URL`, the profile's
    /// `endpoint_url`, then AWS's endpoint for the region.
    pub fn endpoint_url(mut self, url: impl Into<String>) -> Self {
        self.endpoint_url = Some(url.into());
        self
    }

    /// The region to sign for. Without it: `AWS_REGION`, the profile's
    /// `region`, ..., then `us-east-1`.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// Where credentials come from (for instance
    /// `aws_credential_types::Credentials::new(...)`, or any provider of
    /// `aws_config`). Without it: AWS's default credentials chain.
    pub fn credentials_provider(mut self, provider: impl ProvideCredentials + 'static) -> Self {
        self.credentials_provider = Some(SharedCredentialsProvider::new(provider));
        self
    }

    /// The profile of `~/.aws/config` and `~/.aws/credentials` to read,
    /// in place of `AWS_PROFILE` or `default`.
    pub fn profile_name(mut self, name: impl Into<String>) -> Self {
        self.profile_name = Some(name.into());
        self
    }

    /// The endpoint when neither [`endpoint_url`](Self::endpoint_url) nor
    /// the configuration names one, in place of AWS's for the region: what a
    /// tool made for a local server defaults to.
    pub fn default_endpoint_url(mut self, url: impl Into<String>) -> Self {
        self.default_endpoint_url = Some(url.into());
        self
    }

    /// The HTTP client requests go through (timeouts, proxies, TLS roots).
    /// Without it, progenitor's default: a 15-second timeout.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// Loads what was not set from AWS's standard chain and builds the
    /// client. Credentials are only looked for, and a profile's role only
    /// assumed, when the first request is signed: a missing credential is
    /// that request's error.
    pub async fn load(self) -> Client {
        let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
        if let Some(name) = self.profile_name {
            loader = loader.profile_name(name);
        }
        if let Some(region) = self.region {
            loader = loader.region(Region::new(region));
        }
        if let Some(provider) = self.credentials_provider {
            loader = loader.credentials_provider(provider);
        }
        let config = loader.load().await;
        let endpoint = self
            .endpoint_url
            .or_else(|| configured_endpoint(&config))
            .or(self.default_endpoint_url)
            .unwrap_or_else(|| aws_endpoint(region_of(&config)));
        let signer = Signer::from_sdk_config(&config);
        match self.http_client {
            Some(http) => Client::new_with_client(&endpoint, http, signer),
            None => Client::new(&endpoint, signer),
        }
    }
}

impl Client {
    /// A builder that takes an endpoint, region, credentials provider or
    /// profile and loads the rest from AWS's standard chain.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client for what an `aws_config` [`SdkConfig`] says: its credentials
    /// provider, its region (default `us-east-1`) and its endpoint, as an AWS
    /// SDK client made from it would pick it.
    pub fn from_sdk_config(config: &SdkConfig) -> Client {
        let endpoint =
            configured_endpoint(config).unwrap_or_else(|| aws_endpoint(region_of(config)));
        Client::new(&endpoint, Signer::from_sdk_config(config))
    }
}

/// The endpoint an AWS SDK client for CodeArtifact would be given: one set
/// on the `SdkConfig` in code; else the service's own setting
/// (`AWS_ENDPOINT_URL_CODEARTIFACT`, a profile's `services` section), then
/// the global one (`AWS_ENDPOINT_URL`, a profile's `endpoint_url`). The same
/// order as aws-sdk-codeartifact's `Config::from(&SdkConfig)`.
fn configured_endpoint(config: &SdkConfig) -> Option<String> {
    if config.get_origin("endpoint_url").is_client_config() {
        return config.endpoint_url().map(str::to_string);
    }
    let key = ServiceConfigKey::builder()
        .service_id(SERVICE_ID)
        .env("AWS_ENDPOINT_URL")
        .profile("endpoint_url")
        .build()
        .expect("every field of the key is set");
    config
        .service_config()
        .and_then(|c| c.load_config(key))
        .or_else(|| config.endpoint_url().map(str::to_string))
}

pub(crate) fn region_of(config: &SdkConfig) -> &str {
    config.region().map_or(DEFAULT_REGION, |r| r.as_ref())
}
