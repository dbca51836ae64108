//! Every Rust integration test, in one binary: round trips through the
//! generated client (tokens, domains, repositories), the repository
//! endpoints and the npm and PyPI packages served there, AWS's own Rust
//! SDK, raw wire checks, SigV4 vectors and tampering, the server's
//! lifecycle, the served API reference with its Rust examples, and the
//! client as outside users build it.

mod access_log;
mod aws_sdk;
mod client;
mod conformance;
mod docs;
mod domains;
mod external_connections;
mod hostile_connections;
mod hostile_input;
mod hostile_package_api;
mod lifecycle;
mod package_api;
mod package_api_more;
mod packages_npm;
mod packages_pypi;
mod registry;
mod repositories;
mod repository_endpoints;
mod round_trip;
mod sigv4_tamper;
mod sigv4_vectors;
mod wire;
