//! The domains this server knows, from its configuration.

use std::collections::{HashMap, HashSet};

use crate::config::Config;

/// Domain names by owner account; a lookup is two hash probes, whatever the
/// number of domains.
#[derive(Debug, Default)]
pub struct Domains {
    by_owner: HashMap<String, HashSet<String>>,
}

impl Domains {
    pub fn from_config(config: &Config) -> Self {
        let mut by_owner: HashMap<String, HashSet<String>> = HashMap::new();
        for d in &config.domains {
            by_owner.entry(d.owner.clone()).or_default().insert(d.name.clone());
        }
        Self { by_owner }
    }

    pub fn contains(&self, owner: &str, name: &str) -> bool {
        self.by_owner.get(owner).is_some_and(|names| names.contains(name))
    }
}

/// The ARN of a domain, as IAM policies and error messages name it.
pub fn domain_arn(region: &str, owner: &str, name: &str) -> String {
    format!("arn:aws:codeartifact:{region}:{owner}:domain/{name}")
}
