//! AWS Signature Version 4 verification (AWS4-HMAC-SHA256 in the
//! `Authorization` header).
//!
//! We verify with our own canonicalizer on `hmac` + `sha2` rather than a
//! crate: `scratchstack-aws-signature` 0.11.4, the one maintained verifier,
//! sorts the canonical query as whole `name=value` strings, so `domain-owner`
//! sorts before `domain` and every botocore request that names an owner fails;
//! it also pins one region and reports an expired date as a plain mismatch.
//! The clients we must accept sign with AWS's own rules, which are short:
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html>.
//!
//! Verification is split in two so that the caller owns credential lookup:
//! [`Parsed::from_request`] parses the `Authorization` header and checks the
//! credential scope and the date, and [`Parsed::verify`] checks the signature
//! against the secret the caller found for [`Parsed::access_key_id`].

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeDelta, Utc};
use hmac::{Hmac, KeyInit, Mac};
use http::HeaderMap;
use percent_encoding::{percent_decode_str, percent_encode, AsciiSet, NON_ALPHANUMERIC};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";
const TERMINATOR: &str = "aws4_request";
const DATE_HEADER: &str = "x-amz-date";
pub const SECURITY_TOKEN_HEADER: &str = "x-amz-security-token";
const AMZ_DATE_FORMAT: &str = "%Y%m%dT%H%M%SZ";

/// How far the request's `X-Amz-Date` may be from the server's clock.
pub const MAX_CLOCK_SKEW: TimeDelta = TimeDelta::minutes(15);

/// RFC 3986 unreserved characters stay as they are; everything else is
/// percent-encoded with upper-case hex.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');
const PATH: &AsciiSet = &UNRESERVED.remove(b'/');

/// Why a request's signature was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SigV4Error {
    /// No `Authorization` header at all.
    #[error("Missing Authentication Token")]
    Missing,
    /// The `Authorization` header or the date is malformed or incomplete.
    #[error("{0}")]
    Incomplete(String),
    /// The scope, the date window or the signature itself does not hold.
    #[error("{0}")]
    Invalid(String),
}

/// What the server accepts in a credential scope.
#[derive(Debug, Clone)]
pub struct ScopeRules {
    /// The signing name; `codeartifact` for this service.
    pub service: String,
    /// When set, the only region accepted; otherwise any.
    pub region: Option<String>,
}

/// The parts of a request that SigV4 signs. `path` and `query` are raw, as
/// they arrived on the wire (still percent-encoded).
#[derive(Debug, Clone, Copy)]
pub struct RequestParts<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub query: &'a str,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
    /// The body's SHA-256 (hex) as the request declares it in
    /// `x-amz-content-sha256`, for a body that is streamed rather than read
    /// first (PublishPackageVersion): the canonical request uses it, as the
    /// signing clients do, and the caller checks the bytes against it.
    pub payload_hash: Option<&'a str>,
}

/// A request whose `Authorization` header parsed and whose scope and date are
/// acceptable; [`Parsed::verify`] finishes the check. Its `Debug` shows
/// neither the signature nor the session token.
pub struct Parsed {
    access_key_id: String,
    region: String,
    scope: String,
    amz_date: String,
    signature: Vec<u8>,
    session_token: Option<String>,
    canonical_request: String,
    /// For a streamed body whose declared `x-amz-content-sha256` is
    /// signed: the canonical request with `UNSIGNED-PAYLOAD`, which is how
    /// aws-sdk-rust signs a streamed body. The declared hash is still
    /// signed (as a header), and the caller checks the bytes against it.
    unsigned_payload_request: Option<String>,
}

/// The payload hash of a request whose body is not signed.
const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

impl std::fmt::Debug for Parsed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Parsed")
            .field("access_key_id", &self.access_key_id)
            .field("scope", &self.scope)
            .field("amz_date", &self.amz_date)
            .finish_non_exhaustive()
    }
}

/// Part of a malformed header, quoted in an error only when it is a short
/// word: anything else might be a secret sent by mistake.
fn shown(text: &str) -> String {
    if !text.is_empty()
        && text.len() <= 32
        && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        format!("'{text}'")
    } else {
        "the given value".to_string()
    }
}

impl Parsed {
    pub fn from_request(
        req: &RequestParts<'_>,
        rules: &ScopeRules,
        now: DateTime<Utc>,
    ) -> Result<Self, SigV4Error> {
        let header = req.headers.get(http::header::AUTHORIZATION).ok_or(SigV4Error::Missing)?;
        let header = header
            .to_str()
            .map_err(|_| SigV4Error::Incomplete("Authorization header is not ASCII.".into()))?;
        let auth = AuthorizationHeader::parse(header)?;

        let amz_date = single_header(req.headers, DATE_HEADER)?.ok_or_else(|| {
            SigV4Error::Incomplete(
                "Authorization header requires existence of a 'X-Amz-Date' header.".into(),
            )
        })?;
        let signed_at = parse_amz_date(&amz_date).ok_or_else(|| {
            SigV4Error::Incomplete(format!(
                "X-Amz-Date must be in the ISO-8601 basic format yyyyMMdd'T'HHmmss'Z', \
                 not '{amz_date}'."
            ))
        })?;

        for required in ["host", DATE_HEADER] {
            if !auth.signed_headers.iter().any(|h| h == required) {
                return Err(SigV4Error::Incomplete(format!(
                    "'{required}' must be a 'SignedHeader' in the AWS Authorization."
                )));
            }
        }
        let session_token = single_header(req.headers, SECURITY_TOKEN_HEADER)?;
        if session_token.is_some()
            && !auth.signed_headers.iter().any(|h| h == SECURITY_TOKEN_HEADER)
        {
            return Err(SigV4Error::Incomplete(format!(
                "'{SECURITY_TOKEN_HEADER}' must be a 'SignedHeader' in the AWS Authorization."
            )));
        }

        let scope = &auth.scope;
        let date_of_request = &amz_date[..8];
        if scope.date != date_of_request {
            return Err(SigV4Error::Invalid(format!(
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date \
                 from HTTP: '{}' != '{date_of_request}', from '{amz_date}'.",
                scope.date
            )));
        }
        if scope.service != rules.service {
            return Err(SigV4Error::Invalid(format!(
                "Credential should be scoped to correct service: '{}'.",
                rules.service
            )));
        }
        if let Some(region) = &rules.region {
            if &scope.region != region {
                return Err(SigV4Error::Invalid(format!(
                    "Credential should be scoped to a valid region, not '{}'.",
                    scope.region
                )));
            }
        }
        if scope.terminator != TERMINATOR {
            return Err(SigV4Error::Invalid(format!(
                "Credential should be scoped with a valid terminator: '{TERMINATOR}', not '{}'.",
                scope.terminator
            )));
        }
        check_clock_skew(signed_at, now)?;

        let declared_is_signed =
            auth.signed_headers.iter().any(|h| h.as_str() == "x-amz-content-sha256");
        let unsigned_payload_request =
            (req.payload_hash.is_some() && declared_is_signed).then(|| {
                let unsigned = RequestParts { payload_hash: Some(UNSIGNED_PAYLOAD), ..*req };
                canonical_request(&unsigned, &auth.signed_headers)
            });
        Ok(Self {
            canonical_request: canonical_request(req, &auth.signed_headers),
            unsigned_payload_request,
            access_key_id: scope.access_key_id.clone(),
            region: scope.region.clone(),
            scope: format!("{}/{}/{}/{TERMINATOR}", scope.date, scope.region, scope.service),
            amz_date,
            signature: auth.signature,
            session_token,
        })
    }

    pub fn access_key_id(&self) -> &str {
        &self.access_key_id
    }

    /// The region the request was signed for.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The `X-Amz-Security-Token` the request carries (signed), if any.
    pub fn session_token(&self) -> Option<&str> {
        self.session_token.as_deref()
    }

    pub fn canonical_request(&self) -> &str {
        &self.canonical_request
    }

    pub fn string_to_sign(&self) -> String {
        string_to_sign(&self.amz_date, &self.scope, &self.canonical_request)
    }

    /// The credential scope, `<date>/<region>/<service>/aws4_request`: with
    /// the access key id, what a signing key is derived for.
    pub fn scope(&self) -> &str {
        &self.scope
    }

    /// The signing key of `secret_access_key` for this request's scope.
    pub fn signing_key(&self, secret_access_key: &str) -> SigningKey {
        let (date, rest) = self.scope.split_once('/').unwrap_or_default();
        let (region, rest) = rest.split_once('/').unwrap_or_default();
        let (service, _) = rest.split_once('/').unwrap_or_default();
        signing_key(secret_access_key, date, region, service)
    }

    /// Checks the signature with the caller's secret access key, in constant
    /// time.
    pub fn verify(&self, secret_access_key: &str) -> Result<(), SigV4Error> {
        self.verify_with(&self.signing_key(secret_access_key))
    }

    /// Checks the signature with the signing key derived for this request's
    /// scope ([`Self::signing_key`]), in constant time.
    pub fn verify_with(&self, key: &SigningKey) -> Result<(), SigV4Error> {
        let signs = |canonical: &str| {
            let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes a key of any length");
            // The string to sign, fed as it is made.
            let mut digest = [0u8; 64];
            let hashed = Sha256::digest(canonical.as_bytes());
            hex::encode_to_slice(hashed, &mut digest).expect("64 hex digits");
            for part in [ALGORITHM.as_bytes(), b"\n", self.amz_date.as_bytes(), b"\n"] {
                mac.update(part);
            }
            for part in [self.scope.as_bytes(), b"\n", &digest] {
                mac.update(part);
            }
            mac.verify_slice(&self.signature).is_ok()
        };
        let valid = signs(&self.canonical_request)
            || self.unsigned_payload_request.as_deref().is_some_and(signs);
        valid.then_some(()).ok_or_else(|| {
            SigV4Error::Invalid(
                "The request signature we calculated does not match the signature you provided. \
                 Check your AWS Secret Access Key and signing method. Consult the service \
                 documentation for details."
                    .into(),
            )
        })
    }
}

/// `yyyyMMdd'T'HHmmss'Z'` exactly: chrono alone would also take one-digit
/// fields and spaces.
fn parse_amz_date(text: &str) -> Option<DateTime<Utc>> {
    let b = text.as_bytes();
    let shaped = b.len() == 16
        && b[8] == b'T'
        && b[15] == b'Z'
        && b.iter().enumerate().all(|(i, c)| i == 8 || i == 15 || c.is_ascii_digit());
    shaped
        .then(|| NaiveDateTime::parse_from_str(text, AMZ_DATE_FORMAT).ok())
        .flatten()
        .map(|t| t.and_utc())
}

fn check_clock_skew(signed_at: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), SigV4Error> {
    let fmt = |t: DateTime<Utc>| t.format(AMZ_DATE_FORMAT).to_string();
    if signed_at < now - MAX_CLOCK_SKEW {
        return Err(SigV4Error::Invalid(format!(
            "Signature expired: {} is now earlier than {} ({} - 15 min.)",
            fmt(signed_at),
            fmt(now - MAX_CLOCK_SKEW),
            fmt(now)
        )));
    }
    if signed_at > now + MAX_CLOCK_SKEW {
        return Err(SigV4Error::Invalid(format!(
            "Signature not yet current: {} is still later than {} ({} + 15 min.)",
            fmt(signed_at),
            fmt(now + MAX_CLOCK_SKEW),
            fmt(now)
        )));
    }
    Ok(())
}

/// The value of a header that may appear at most once.
fn single_header(headers: &HeaderMap, name: &str) -> Result<Option<String>, SigV4Error> {
    let mut values = headers.get_all(name).iter();
    let Some(first) = values.next() else { return Ok(None) };
    if values.next().is_some() {
        return Err(SigV4Error::Incomplete(format!("Header '{name}' must appear only once.")));
    }
    let value = first
        .to_str()
        .map_err(|_| SigV4Error::Incomplete(format!("Header '{name}' is not ASCII.")))?;
    Ok(Some(value.trim().to_string()))
}

#[derive(Debug)]
struct CredentialScope {
    access_key_id: String,
    date: String,
    region: String,
    service: String,
    terminator: String,
}

#[derive(Debug)]
struct AuthorizationHeader {
    scope: CredentialScope,
    signed_headers: Vec<String>,
    signature: Vec<u8>,
}

impl AuthorizationHeader {
    fn parse(header: &str) -> Result<Self, SigV4Error> {
        let (algorithm, params) = header.trim().split_once(' ').unwrap_or((header.trim(), ""));
        if algorithm != ALGORITHM {
            return Err(SigV4Error::Incomplete(format!(
                "Unsupported AWS 'algorithm': {}; only {ALGORITHM} is accepted.",
                shown(algorithm)
            )));
        }
        let (mut credential, mut signed_headers, mut signature) = (None, None, None);
        for param in params.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, value) = param.split_once('=').unwrap_or((param, ""));
            let slot = match name {
                "Credential" => &mut credential,
                "SignedHeaders" => &mut signed_headers,
                "Signature" => &mut signature,
                _ => {
                    return Err(SigV4Error::Incomplete(format!(
                        "{} is not a valid key=value pair in the Authorization header.",
                        shown(name)
                    )))
                }
            };
            if slot.replace(value).is_some() {
                return Err(SigV4Error::Incomplete(format!(
                    "The Authorization header names '{name}' more than once."
                )));
            }
        }
        let missing: Vec<String> = [
            ("Credential", credential),
            ("Signature", signature),
            ("SignedHeaders", signed_headers),
        ]
        .iter()
        .filter(|(_, v)| v.is_none_or(str::is_empty))
        .map(|(name, _)| format!("Authorization header requires '{name}' parameter."))
        .collect();
        if !missing.is_empty() {
            return Err(SigV4Error::Incomplete(missing.join(" ")));
        }
        let (credential, signed_headers, signature) =
            (credential.unwrap_or(""), signed_headers.unwrap_or(""), signature.unwrap_or(""));

        let parts: Vec<&str> = credential.split('/').collect();
        let [access_key_id, date, region, service, terminator] = parts[..] else {
            return Err(SigV4Error::Incomplete(
                "Credential is malformed; expecting \
                 '<access key id>/<yyyyMMdd>/<region>/<service>/aws4_request'."
                    .into(),
            ));
        };
        let date_ok = date.len() == 8
            && date.bytes().all(|b| b.is_ascii_digit())
            && NaiveDate::parse_from_str(date, "%Y%m%d").is_ok();
        if access_key_id.is_empty() || !crate::region::is_name(region) || !date_ok {
            return Err(SigV4Error::Incomplete(
                "Credential is malformed; expecting \
                 '<access key id>/<yyyyMMdd>/<region>/<service>/aws4_request'."
                    .into(),
            ));
        }
        // A signature that is not hex cannot match; it is reported as a
        // mismatch, like any other wrong signature.
        let signature = hex::decode(signature).unwrap_or_default();
        Ok(Self {
            scope: CredentialScope {
                access_key_id: access_key_id.to_string(),
                date: date.to_string(),
                region: region.to_string(),
                service: service.to_string(),
                terminator: terminator.to_string(),
            },
            signed_headers: signed_headers.split(';').map(str::to_string).collect(),
            signature,
        })
    }
}

/// The canonical request, built from the request's own `SignedHeaders` list,
/// written into one buffer.
pub fn canonical_request(req: &RequestParts<'_>, signed_headers: &[String]) -> String {
    let mut out = String::with_capacity(512);
    out.push_str(req.method);
    out.push('\n');
    canonical_uri(req.path, &mut out);
    out.push('\n');
    canonical_query(req.query, &mut out);
    out.push('\n');
    for name in signed_headers {
        out.push_str(name);
        out.push(':');
        canonical_header_value(req.headers, name, &mut out);
        out.push('\n');
    }
    out.push('\n');
    for (i, name) in signed_headers.iter().enumerate() {
        if i > 0 {
            out.push(';');
        }
        out.push_str(name);
    }
    out.push('\n');
    match req.payload_hash {
        Some(declared) => out.push_str(declared),
        None => {
            let mut hex = [0u8; 64];
            hex::encode_to_slice(Sha256::digest(req.body), &mut hex).expect("64 hex digits");
            out.push_str(std::str::from_utf8(&hex).expect("hex is ASCII"));
        }
    }
    out
}

/// The path with dot segments and empty segments removed (RFC 3986 5.2.4),
/// then URI-encoded once more, as every AWS SDK does for non-S3 services: the
/// raw path is already encoded, so `%20` becomes `%2520`.
fn canonical_uri(raw_path: &str, out: &mut String) {
    use std::fmt::Write as _;
    let normal = raw_path.starts_with('/')
        && !raw_path.contains("//")
        && !raw_path.split('/').any(|segment| segment == "." || segment == "..");
    if normal {
        // Nothing to remove: encoded as it is (the common case).
        let _ = write!(out, "{}", percent_encode(raw_path.as_bytes(), PATH));
        return;
    }
    let mut segments: Vec<&str> = Vec::new();
    for segment in raw_path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            s => segments.push(s),
        }
    }
    out.push('/');
    for (i, segment) in segments.iter().enumerate() {
        if i > 0 {
            out.push('/');
        }
        let _ = write!(out, "{}", percent_encode(segment.as_bytes(), UNRESERVED));
    }
    // As aws-sigv4 does: a path that ends in a directory keeps its slash.
    let ends_in_directory =
        ["/", "/.", "/./", "/..", "/../"].iter().any(|end| raw_path.ends_with(end));
    if ends_in_directory && !segments.is_empty() {
        out.push('/');
    }
}

/// Query parameters decoded, re-encoded with the unreserved set, and sorted by
/// name and then by value. A part already in canonical form (unreserved
/// characters only) is used as it is.
fn canonical_query(raw_query: &str, out: &mut String) {
    use std::borrow::Cow;
    fn encode(s: &str) -> Cow<'_, str> {
        if s.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.~".contains(&b)) {
            return Cow::Borrowed(s);
        }
        let decoded: Vec<u8> = percent_decode_str(s).collect();
        Cow::Owned(percent_encode(&decoded, UNRESERVED).to_string())
    }
    let mut pairs: Vec<(Cow<'_, str>, Cow<'_, str>)> = raw_query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (name, value) = p.split_once('=').unwrap_or((p, ""));
            (encode(name), encode(value))
        })
        .collect();
    pairs.sort();
    for (i, (name, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(name);
        out.push('=');
        out.push_str(value);
    }
}

/// Every value of the header, trimmed, inner runs of spaces collapsed, joined
/// with commas.
fn canonical_header_value(headers: &HeaderMap, name: &str, out: &mut String) {
    for (i, value) in headers.get_all(name).iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let value = String::from_utf8_lossy(value.as_bytes());
        for (j, word) in value.split_whitespace().enumerate() {
            if j > 0 {
                out.push(' ');
            }
            out.push_str(word);
        }
    }
}

pub fn string_to_sign(amz_date: &str, scope: &str, canonical_request: &str) -> String {
    format!(
        "{ALGORITHM}\n{amz_date}\n{scope}\n{}",
        hex::encode(Sha256::digest(canonical_request.as_bytes()))
    )
}

/// A derived signing key: HMAC("AWS4" + secret, date), then region,
/// service, "aws4_request".
pub type SigningKey = [u8; 32];

/// The signing key of a secret for a date, region and service.
pub fn signing_key(secret_access_key: &str, date: &str, region: &str, service: &str) -> SigningKey {
    let hmac = |key: &[u8], data: &str| -> SigningKey {
        let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes a key of any length");
        mac.update(data.as_bytes());
        mac.finalize().into_bytes().into()
    };
    let k_date = hmac(format!("AWS4{secret_access_key}").as_bytes(), date);
    let k_region = hmac(&k_date, region);
    let k_service = hmac(&k_region, service);
    hmac(&k_service, TERMINATOR)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, v.parse().unwrap());
        }
        h
    }

    fn parse(h: &HeaderMap) -> Result<Parsed, SigV4Error> {
        let req = RequestParts {
            method: "POST",
            path: "/",
            query: "",
            headers: h,
            body: b"",
            payload_hash: None,
        };
        let rules = ScopeRules { service: "codeartifact".into(), region: None };
        let now = parse_amz_date("20240101T000000Z").unwrap();
        Parsed::from_request(&req, &rules, now)
    }

    const AUTH: &str = "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/codeartifact/aws4_request, SignedHeaders=host;x-amz-date, Signature=00";

    #[test]
    fn only_the_exact_date_format_is_accepted() {
        for date in [
            "2024 1 1T0 0 0Z",
            "2024011T000000Z",
            "20240101T000000",
            "20240101T0000000Z",
            "2024-01-01T00:00:00Z",
        ] {
            let h = headers(&[("host", "h"), ("x-amz-date", date), ("authorization", AUTH)]);
            assert!(matches!(parse(&h), Err(SigV4Error::Incomplete(_))), "{date}");
        }
        let h =
            headers(&[("host", "h"), ("x-amz-date", "20240101T000000Z"), ("authorization", AUTH)]);
        assert!(parse(&h).is_ok());
    }

    #[test]
    fn a_malformed_scope_is_incomplete() {
        for credential in [
            "AKID/2024 1 1/us-east-1",
            "AKID/20240101/US EAST/codeartifact/aws4_request",
            "AKID/20240101/us:east/codeartifact/aws4_request",
            "/20240101/us-east-1/codeartifact/aws4_request",
        ] {
            let auth =
                AUTH.replace("AKID/20240101/us-east-1/codeartifact/aws4_request", credential);
            let h = headers(&[
                ("host", "h"),
                ("x-amz-date", "20240101T000000Z"),
                ("authorization", &auth),
            ]);
            assert!(matches!(parse(&h), Err(SigV4Error::Incomplete(_))), "{credential}");
        }
    }

    #[test]
    fn malformed_headers_are_not_echoed() {
        for auth in [
            "ghp_0123456789abcdefghijklmnopqrstuvwxyzSECRET",
            "Bearer\tSECRETSECRET",
            "AWS4-HMAC-SHA256 SECRETSECRET/xyz",
        ] {
            let h = headers(&[
                ("host", "h"),
                ("x-amz-date", "20240101T000000Z"),
                ("authorization", auth),
            ]);
            let err = parse(&h).unwrap_err().to_string();
            assert!(!err.contains("SECRET"), "{err}");
        }
    }

    #[test]
    fn paths_normalize_as_aws_sigv4_does() {
        let h = HeaderMap::new();
        let cases = [
            ("/", "/"),
            ("", "/"),
            ("//a//b//", "/a/b/"),
            ("/a/b/.", "/a/b/"),
            ("/a/b/..", "/a/"),
            ("/a/./b/../c", "/a/c"),
            ("/a/b/../..", "/"),
            ("/a%20b", "/a%2520b"),
        ];
        for (path, expected) in cases {
            let req = RequestParts {
                method: "GET",
                path,
                query: "",
                headers: &h,
                body: b"",
                payload_hash: None,
            };
            let canonical = canonical_request(&req, &[]);
            assert_eq!(canonical.lines().nth(1), Some(expected), "{path}");
        }
    }

    /// A streamed body's request is signed over the SHA-256 it declares, or
    /// (aws-sdk-rust) over `UNSIGNED-PAYLOAD` with the declared hash signed
    /// as a header; never over `UNSIGNED-PAYLOAD` with that header unsigned.
    #[test]
    fn a_streamed_body_is_signed_over_its_declared_hash() {
        let declared = "ab".repeat(32);
        let sign = |signed_headers: &str, payload: &str| {
            let mut h = headers(&[
                ("host", "h"),
                ("x-amz-date", "20240101T000000Z"),
                ("x-amz-content-sha256", &declared),
            ]);
            let names: Vec<String> = signed_headers.split(';').map(str::to_string).collect();
            let req = RequestParts {
                method: "POST",
                path: "/",
                query: "",
                headers: &h,
                body: b"",
                payload_hash: Some(payload),
            };
            let canonical = canonical_request(&req, &names);
            let scope = "20240101/us-east-1/codeartifact/aws4_request";
            let key = signing_key("secret", "20240101", "us-east-1", "codeartifact");
            let mut mac = HmacSha256::new_from_slice(&key).unwrap();
            mac.update(string_to_sign("20240101T000000Z", scope, &canonical).as_bytes());
            let signature = hex::encode(mac.finalize().into_bytes());
            let auth = format!(
                "AWS4-HMAC-SHA256 Credential=AKID/{scope}, SignedHeaders={signed_headers}, \
                 Signature={signature}"
            );
            h.insert("authorization", auth.parse().unwrap());
            h
        };
        let verify = |h: &HeaderMap| {
            let req = RequestParts {
                method: "POST",
                path: "/",
                query: "",
                headers: h,
                body: b"",
                payload_hash: Some(&declared),
            };
            let rules = ScopeRules { service: "codeartifact".into(), region: None };
            let now = parse_amz_date("20240101T000000Z").unwrap();
            Parsed::from_request(&req, &rules, now).unwrap().verify("secret")
        };
        let all = "host;x-amz-content-sha256;x-amz-date";
        assert!(verify(&sign(all, &declared)).is_ok(), "botocore: the declared hash");
        assert!(verify(&sign(all, UNSIGNED_PAYLOAD)).is_ok(), "aws-sdk-rust");
        let unsigned_header = sign("host;x-amz-date", UNSIGNED_PAYLOAD);
        assert!(verify(&unsigned_header).is_err(), "the declared hash must be signed");
        assert!(verify(&sign(all, &"cd".repeat(32))).is_err(), "another hash");
    }
}
