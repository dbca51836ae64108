//! PyPI: see the crate docs.
