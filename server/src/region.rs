//! Where a domain lives. A domain has one region, or none: a configured
//! domain on a server with no pinned region answers in every region. This
//! is the one statement of that rule (the store's SQL says it once too).

/// The region shown where any region would do (in `check-config`'s ARNs
/// for a server that pins none).
pub const EXAMPLE: &str = "us-east-1";

/// Whether `region` has the shape of a region name such as `us-east-1`.
pub fn is_name(region: &str) -> bool {
    !region.is_empty()
        && region.len() <= 32
        && region.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Whether something whose home is `home` (`None`: every region) is seen
/// by a request signed for `region`.
pub fn answers_in(home: Option<&str>, region: &str) -> bool {
    home.is_none_or(|h| h == region)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_region_means_every_region() {
        assert!(answers_in(None, "eu-west-1"));
        assert!(answers_in(Some("eu-west-1"), "eu-west-1"));
        assert!(!answers_in(Some("eu-west-1"), "us-east-1"));
    }
}
