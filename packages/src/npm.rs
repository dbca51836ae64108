//! npm: see the crate docs.
