//! HTTP: the routes the server answers. [`api`] implements the API trait
//! (CodeArtifact's operations, AWS's wire format); [`registry`] serves the
//! repository endpoints in the package managers' own protocols. Both turn
//! requests into service calls and nothing else.

pub mod api;
pub mod registry;

use std::sync::Arc;

use crate::service::Service;

/// The API trait's operations, then the repository endpoints.
pub fn api_description() -> anyhow::Result<dropshot::ApiDescription<Arc<Service>>> {
    let mut api = codeartifact_api::code_artifact_api_mod::api_description::<api::ServerImpl>()
        .map_err(|e| anyhow::anyhow!("failed to describe the API: {e}"))?;
    registry::register(&mut api)
        .map_err(|e| anyhow::anyhow!("failed to add the repository endpoints: {e}"))?;
    Ok(api)
}
