//! What the baseline servers share: their command line and the fixed answer
//! they send in place of a token.

use bytes::Bytes;

/// The value after `name` on the command line.
pub fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1).cloned())
}

/// `{"authorizationToken":"xxx...","expiration":1800000000}` of exactly `size` bytes.
pub fn token_body(size: usize) -> Bytes {
    let frame = r#"{"authorizationToken":"","expiration":1800000000}"#;
    let token = "x".repeat(size.saturating_sub(frame.len()));
    Bytes::from(format!(r#"{{"authorizationToken":"{token}","expiration":1800000000}}"#))
}
