//! Raw HTTP to the endpoint under test: requests built from the spec's
//! names (not the typed client, which refuses the invalid input the checks
//! must send), signed, unsigned or with a broken signature.

use std::time::Duration;

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use reqwest::header::HeaderMap;

/// SigV4's URI encoding: everything but the unreserved characters.
const AWS_ENCODE: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

/// How the credentials sign; the one place the suite touches the client's
/// signer, so a change of its interface changes only this.
#[derive(Debug, Clone)]
pub struct Credentials {
    signer: codeartifact_client::Signer,
}

impl Credentials {
    /// From AWS's standard chain (the environment, `AWS_PROFILE` or the
    /// default profile of `~/.aws`, ...), signing for `region` when given
    /// (else the chain's region, else `us-east-1`).
    pub async fn load(region: Option<&str>) -> Result<Self, String> {
        let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
        if let Some(region) = region {
            loader = loader.region(aws_config::Region::new(region.to_string()));
        }
        let config = loader.load().await;
        let signer = codeartifact_client::Signer::from_sdk_config(&config);
        // Once, up front: without credentials every check would fail the
        // same way, each after walking the whole chain again.
        match signer.credentials().await {
            Ok(Some(_)) => Ok(Self::new(signer)),
            Ok(None) => Err("no AWS credentials".into()),
            Err(e) => Err(e.to_string()),
        }
    }

    pub fn new(signer: codeartifact_client::Signer) -> Self {
        Self { signer }
    }

    pub fn region(&self) -> &str {
        self.signer.region()
    }

    async fn sign(&self, request: &mut reqwest::Request) -> Result<(), String> {
        self.signer.sign(request).await.map_err(|e| e.to_string())
    }
}

/// How a request is authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    Signed,
    /// No `Authorization` header at all.
    Unsigned,
    /// Signed, then the signature altered: what a wrong secret produces.
    BadSignature,
}

/// One request, by the spec's names.
#[derive(Debug, Clone)]
pub struct Call {
    pub method: reqwest::Method,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
    pub json: bool,
}

/// What came back.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The AWS error code, without the `:namespace` suffix AWS may add.
    pub fn error_type(&self) -> Option<&str> {
        self.header("x-amzn-ErrorType").map(|t| t.split(':').next().unwrap_or(t))
    }
}

#[derive(Debug, Clone)]
pub struct Endpoint {
    base: String,
    http: reqwest::Client,
    credentials: Credentials,
}

impl Endpoint {
    pub fn new(url: &str, credentials: Credentials) -> Result<Self, String> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .map_err(|e| format!("failed to build the HTTP client: {e}"))?;
        Ok(Self { base: url.trim_end_matches('/').to_string(), http, credentials })
    }

    pub fn region(&self) -> &str {
        self.credentials.region()
    }

    /// Sends `call`; an error is a failure to get any answer.
    pub async fn send(&self, call: &Call, auth: Auth) -> Result<Reply, String> {
        let query: Vec<String> = call
            .query
            .iter()
            .map(|(k, v)| {
                format!(
                    "{}={}",
                    utf8_percent_encode(k, AWS_ENCODE),
                    utf8_percent_encode(v, AWS_ENCODE)
                )
            })
            .collect();
        let mut url = format!("{}{}", self.base, call.path);
        if !query.is_empty() {
            url = format!("{url}?{}", query.join("&"));
        }
        let mut builder = self.http.request(call.method.clone(), &url);
        for (k, v) in &call.headers {
            builder = builder.header(k, v);
        }
        if call.json {
            builder = builder.header("content-type", "application/json");
        } else if call.body.is_some() {
            builder = builder.header("content-type", "application/octet-stream");
        }
        builder = builder.body(call.body.clone().unwrap_or_default());
        let mut request = builder.build().map_err(|e| format!("failed to build {url}: {e}"))?;
        if auth != Auth::Unsigned {
            self.credentials.sign(&mut request).await?;
        }
        if auth == Auth::BadSignature {
            let header = request.headers().get("authorization").and_then(|v| v.to_str().ok());
            let Some(header) = header.map(str::to_string) else {
                return Err("no credentials to sign with".into());
            };
            // The last hex digit of the signature, changed.
            let mut broken = header.clone();
            let last = broken.pop().unwrap_or('0');
            broken.push(if last == '0' { '1' } else { '0' });
            let value = broken.parse().map_err(|_| "failed to alter the signature".to_string())?;
            request.headers_mut().insert("authorization", value);
        }
        let response = self.http.execute(request).await.map_err(|e| format!("no answer: {e}"))?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.bytes().await.map_err(|e| format!("failed to read the answer: {e}"))?;
        Ok(Reply { status, headers, body: body.to_vec() })
    }
}
