//! The optional per-principal rate limit (GCRA, from the `governor` crate).
//!
//! Over the limit, a caller gets AWS's ThrottlingException with an integer
//! `Retry-After`: the whole seconds until its next request would be allowed.

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use codeartifact_api::AwsError;

use crate::config::RateLimit;

#[derive(Debug, Default)]
pub struct Throttle {
    limiter: Option<DefaultKeyedRateLimiter<String>>,
}

impl Throttle {
    /// No limit when `config` is `None`.
    pub fn new(config: Option<&RateLimit>) -> Self {
        let limiter = config.map(|c| {
            let quota = Quota::per_second(c.requests_per_second)
                .allow_burst(c.burst.unwrap_or(c.requests_per_second));
            RateLimiter::keyed(quota)
        });
        Self { limiter }
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
    use std::num::NonZeroU32;

    #[test]
    fn off_by_default() {
        let t = Throttle::new(None);
        assert!((0..10_000).all(|_| t.check("p").is_ok()));
    }

    #[test]
    fn limits_each_principal_separately() {
        let one = NonZeroU32::new(1).unwrap();
        let t = Throttle::new(Some(&RateLimit { requests_per_second: one, burst: None }));
        assert!(t.check("a").is_ok());
        let err = t.check("a").unwrap_err();
        assert_eq!(err.code, codeartifact_api::ErrorCode::ThrottlingException);
        assert_eq!(err.retry_after_seconds, Some(1));
        assert!(t.check("b").is_ok(), "another principal has its own budget");
    }
}
