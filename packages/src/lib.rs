//! What npm and PyPI packages look like on the wire, with no state and no
//! I/O beyond the bytes handed in: names and their rules, npm's publish
//! document and tarballs, twine's upload form, and the documents and
//! indexes package managers read. The server's repository endpoints use it
//! to translate a package manager's protocol into service calls and back.

pub mod npm;
pub mod pypi;
mod time;
