//! The optional per-principal rate limit (GCRA, from the `governor` crate).
//!
//! Over the limit, a caller gets AWS's ThrottlingException with an integer
//! `Retry-After`: the whole seconds until its next request would be allowed.

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::num::NonZeroU32;

use codeartifact_api::AwsError;

#[derive(Debug, Default)]
pub struct Throttle {
    limiter: Option<DefaultKeyedRateLimiter<String>>,
}

impl Throttle {
    /// No limit.
    pub fn off() -> Self {
        Self { limiter: None }
    }

    /// `requests_per_second` sustained per principal, and `burst` at once
    /// after a pause.
    pub fn new(requests_per_second: NonZeroU32, burst: NonZeroU32) -> Self {
        let quota = Quota::per_second(requests_per_second).allow_burst(burst);
        Self { limiter: Some(RateLimiter::keyed(quota)) }
    }

    /// Counts one request of `principal` against its limit.
    pub fn check(&self, principal: &str) -> Result<(), AwsError> {
        let Some(limiter) = &self.limiter else { return Ok(()) };
        limiter.check_key(&principal.to_string()).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            AwsError::throttling(wait.as_secs_f64().ceil().max(1.0) as u64)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn off_by_default() {
        let t = Throttle::off();
        assert!((0..10_000).all(|_| t.check("p").is_ok()));
    }

    #[test]
    fn limits_each_principal_separately() {
        let one = NonZeroU32::new(1).unwrap();
        let t = Throttle::new(one, one);
        assert!(t.check("a").is_ok());
        let err = t.check("a").unwrap_err();
        assert_eq!(err.code, codeartifact_api::ErrorCode::ThrottlingException);
        assert_eq!(err.retry_after_seconds, Some(1));
        assert!(t.check("b").is_ok(), "another principal has its own budget");
    }
}
