//! The dropshot side: the API trait implemented on [`Service`], with AWS's
//! order of work (authenticate, throttle, validate, act) and AWS's error
//! shape for every outcome, a panic included.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use chrono::Utc;
use codeartifact_api::{
    AwsError, AwsQuery, AwsResponse, AwsResponseHeaders, CodeArtifactApi,
    GetAuthorizationTokenRequest, GetAuthorizationTokenResult, SignedBody,
};
use dropshot::{HttpError, HttpResponseHeaders, HttpResponseOk, RequestContext};
use futures::FutureExt;
use slog::{info, o};

use crate::identity::Caller;
use crate::service::{OpResult, Service};
use crate::sigv4::RequestParts;

/// The server's implementation of [`CodeArtifactApi`].
pub enum ServerImpl {}

impl CodeArtifactApi for ServerImpl {
    type Context = Arc<Service>;

    async fn get_authorization_token(
        rqctx: RequestContext<Self::Context>,
        query: AwsQuery<GetAuthorizationTokenRequest>,
        body: SignedBody,
    ) -> Result<AwsResponse<GetAuthorizationTokenResult>, HttpError> {
        let service = rqctx.context();
        run(&rqctx, &body, |caller| {
            let input = query.validate()?;
            let (result, claims) = service.get_authorization_token(&caller, &input, Utc::now())?;
            info!(rqctx.log, "issued authorization token";
                "principal" => &claims.principal,
                "domain" => &claims.domain,
                "domain_owner" => &claims.domain_owner,
                "expiration" => result.expiration);
            Ok(result)
        })
        .await
    }
}

/// Runs one operation the AWS way: authenticate the caller, apply the rate
/// limit, then `op` (which validates and acts). Every failure, a panic
/// included, becomes an AWS-shaped error carrying the request id.
async fn run<T: serde::Serialize + schemars::JsonSchema + Send + Sync + 'static>(
    rqctx: &RequestContext<Arc<Service>>,
    body: &SignedBody,
    op: impl FnOnce(Caller) -> OpResult<T>,
) -> Result<AwsResponse<T>, HttpError> {
    let request_id = rqctx.request_id.clone();
    let attempt = AssertUnwindSafe(async {
        let caller = authenticate(rqctx, body)?;
        rqctx.context().throttle.check(&caller.principal.arn)?;
        op(caller)
    })
    .catch_unwind()
    .await;
    let result = attempt.unwrap_or_else(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        slog::error!(rqctx.log, "operation panicked"; "panic" => what);
        Err(AwsError::internal("An internal error occurred. Try the request again."))
    });
    match result {
        Ok(output) => {
            Ok(HttpResponseHeaders::new(HttpResponseOk(output), AwsResponseHeaders { request_id }))
        }
        Err(e) => {
            // Messages never hold secrets: SigV4 errors do not echo the
            // signature, and no token is ever part of an error.
            info!(rqctx.log, "request failed"; o!("code" => e.code.as_str(), "message" => e.message.clone()));
            Err(e.into_http_error(&request_id))
        }
    }
}

fn authenticate(rqctx: &RequestContext<Arc<Service>>, body: &SignedBody) -> OpResult<Caller> {
    let request = &rqctx.request;
    let parts = RequestParts {
        method: request.method().as_str(),
        path: request.uri().path(),
        query: request.uri().query().unwrap_or(""),
        headers: request.headers(),
        body: body.as_bytes(),
    };
    rqctx.context().identities.authenticate(&parts, Utc::now())
}
