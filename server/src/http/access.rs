//! The access log: one line at info per request.
//!
//! dropshot already writes a line when each request completes, with its
//! method, URI, status, request id and latency. Two things it cannot know
//! are added to that line, so that a request costs one line rather than
//! one from dropshot and more from us:
//!
//! - what the handler decided: the principal, the decision (`allowed`,
//!   `denied` or `unauthenticated`), and the AWS error code and message of
//!   a refusal. Handlers [`record`](AccessLog::record) it under the
//!   request's id, and the line takes it back (the handler's end and the
//!   line are in the same poll of the same task, so the entry lives for
//!   microseconds);
//! - the client's address: dropshot sees only the gate's hop
//!   ([`super::gate`]), which [`connected`](AccessLog::connected) ties to
//!   the client for as long as the connection lasts.
//!
//! The line is assembled on the request's thread (its values as text, with
//! these added); it is formatted and written on the logging thread
//! (slog-async). When info is not logged, nothing is recorded.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Mutex, MutexGuard};

use codeartifact_api::ErrorCode;

/// What the handler learned about a request.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outcome {
    pub principal: Option<String>,
    pub decision: Option<Decision>,
    /// The error code sent (AWS's, on the API).
    pub error: Option<&'static str>,
    pub message: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allowed,
    Denied,
    Unauthenticated,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Allowed => "allowed",
            Decision::Denied => "denied",
            Decision::Unauthenticated => "unauthenticated",
        }
    }

    /// What an API error says was decided: a denial, a caller not
    /// authenticated, or (any other error) nothing about access.
    pub fn of_error(code: ErrorCode) -> Option<Decision> {
        use ErrorCode::*;
        match code {
            AccessDeniedException => Some(Decision::Denied),
            MissingAuthenticationTokenException
            | IncompleteSignatureException
            | InvalidSignatureException
            | UnrecognizedClientException
            | ExpiredTokenException => Some(Decision::Unauthenticated),
            _ => None,
        }
    }
}

/// Outcomes waiting for their line, and the clients behind the gate's hops.
#[derive(Debug)]
pub struct AccessLog {
    /// Whether access lines are written at all (info is logged).
    enabled: bool,
    outcomes: Mutex<HashMap<String, Outcome>>,
    clients: Mutex<HashMap<SocketAddr, SocketAddr>>,
}

/// More outcomes than this waiting means lines are not being written (a
/// logger that drops them): the waiting ones are forgotten.
const WAITING_AT_MOST: usize = 4096;

impl AccessLog {
    /// An access log for a logger that writes info (`enabled`) or not.
    pub fn new(enabled: bool) -> Self {
        Self { enabled, outcomes: Mutex::default(), clients: Mutex::default() }
    }

    /// Notes what the handler of request `id` learned; merged with what
    /// was noted before (the principal stays when an error follows).
    pub fn record(&self, id: &str, outcome: Outcome) {
        if !self.enabled {
            return;
        }
        let mut outcomes = lock(&self.outcomes);
        if outcomes.len() >= WAITING_AT_MOST {
            outcomes.clear();
        }
        let entry = outcomes.entry(id.to_string()).or_default();
        entry.principal = outcome.principal.or(entry.principal.take());
        entry.decision = outcome.decision.or(entry.decision);
        entry.error = outcome.error.or(entry.error);
        entry.message = outcome.message.or(entry.message.take());
    }

    /// The outcome noted for request `id`, taken.
    pub fn take(&self, id: &str) -> Option<Outcome> {
        if !self.enabled {
            return None;
        }
        lock(&self.outcomes).remove(id)
    }

    /// Ties the gate's hop address to the client's until `disconnected`.
    pub fn connected(&self, hop: SocketAddr, client: SocketAddr) {
        lock(&self.clients).insert(hop, client);
    }

    /// Unties the hop from `client` (not from a client that took the hop's
    /// address since).
    pub fn disconnected(&self, hop: SocketAddr, client: SocketAddr) {
        let mut clients = lock(&self.clients);
        if clients.get(&hop) == Some(&client) {
            clients.remove(&hop);
        }
    }

    /// The client behind a hop address.
    pub fn client(&self, hop: SocketAddr) -> Option<SocketAddr> {
        lock(&self.clients).get(&hop).copied()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_outcome_is_taken_once_and_an_error_keeps_the_principal() {
        let log = AccessLog::new(true);
        let principal = Some("arn:aws:iam::111122223333:user/demo".to_string());
        log.record("r1", Outcome { principal: principal.clone(), ..Outcome::default() });
        log.record(
            "r1",
            Outcome {
                decision: Some(Decision::Denied),
                error: Some("AccessDeniedException"),
                ..Outcome::default()
            },
        );
        let taken = log.take("r1").expect("recorded");
        assert_eq!(taken.principal, principal);
        assert_eq!(taken.decision, Some(Decision::Denied));
        assert_eq!(log.take("r1"), None);
    }

    #[test]
    fn nothing_is_kept_when_info_is_not_logged_and_waiting_is_bounded() {
        let quiet = AccessLog::new(false);
        quiet.record("r1", Outcome::default());
        assert_eq!(quiet.take("r1"), None);
        let log = AccessLog::new(true);
        for i in 0..WAITING_AT_MOST + 10 {
            log.record(&i.to_string(), Outcome::default());
        }
        assert!(lock(&log.outcomes).len() <= WAITING_AT_MOST);
    }
}
