//! Admission to a repository endpoint: the token a package manager
//! presents, checked against the repository the path names. The package
//! managers' adapters ([`crate::http::registry`]) ask here and translate
//! the answer into their protocol.

use slog::{error, info, Logger};

use super::Service;
use crate::endpoint::Endpoint;
use crate::store::RepositoryRecord;

/// A request let in: who the token was issued to, and the repository.
#[derive(Debug)]
pub struct Admitted {
    /// The ARN of the principal the token was issued to.
    pub principal: String,
    pub repository: RepositoryRecord,
}

/// Why a request to a repository endpoint was not let in.
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    /// No usable token (the adapter answers 401 with its challenges).
    Unauthorized(String),
    /// The repository does not exist.
    NotFound,
    /// The store failed; the details are in the log.
    Internal,
}

impl Service {
    /// Checks `token` (if any) for the endpoint's domain, then that the
    /// repository exists. The token comes first: without one, a caller
    /// learns nothing about which repositories exist.
    pub async fn admit_to_repository(
        &self,
        log: &Logger,
        token: Option<&str>,
        endpoint: &Endpoint<'_>,
    ) -> Result<Admitted, Refused> {
        let Some(token) = token else {
            info!(log, "repository request without a token"; "domain" => endpoint.domain);
            return Err(Refused::Unauthorized(
                "Authentication required: send an authorization token".into(),
            ));
        };
        let claims = self.tokens.verify(token).map_err(|e| {
            info!(log, "repository request refused"; "domain" => endpoint.domain,
                "reason" => e.to_string());
            Refused::Unauthorized(format!("The authorization token was refused: {e}"))
        })?;
        if claims.domain != endpoint.domain || claims.domain_owner != endpoint.owner {
            info!(log, "repository request refused"; "domain" => endpoint.domain,
                "reason" => "the token is for another domain", "principal" => &claims.principal);
            return Err(Refused::Unauthorized(
                "The authorization token is for another domain".into(),
            ));
        }
        let found =
            self.store.repository(endpoint.owner, endpoint.domain, endpoint.repository).await;
        let repository = match found {
            Ok(Some(repository)) => repository,
            Ok(None) => return Err(Refused::NotFound),
            Err(e) => {
                error!(log, "repository lookup failed"; "error" => e.to_string());
                return Err(Refused::Internal);
            }
        };
        info!(log, "repository request"; "principal" => &claims.principal,
            "repository" => endpoint.repository, "format" => endpoint.format.as_str());
        Ok(Admitted { principal: claims.principal, repository })
    }
}
