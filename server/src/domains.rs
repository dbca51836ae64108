//! What the configuration says about domains: their permissions policies
//! and regions. The domains themselves, and their repositories, live in the
//! [store](crate::store); these are the parts only the configuration sets.

use std::collections::HashMap;
use std::sync::Arc;

use crate::config::Config;
use crate::policy::Policy;

/// A domain and its permissions policy.
#[derive(Debug, Clone, Default)]
pub struct Domain {
    pub policy: Option<Arc<Policy>>,
    /// The only region it answers in; `None`: every region.
    pub region: Option<String>,
}

impl Domain {
    pub fn is_in(&self, region: &str) -> bool {
        self.region.as_deref().is_none_or(|r| r == region)
    }
}

/// Domains by owner account and name; a lookup is two hash probes, whatever
/// the number of domains.
#[derive(Debug, Default)]
pub struct Domains {
    by_owner: HashMap<String, HashMap<String, Domain>>,
}

impl Domains {
    pub fn from_config(config: &Config) -> Self {
        let mut by_owner: HashMap<String, HashMap<String, Domain>> = HashMap::new();
        for d in &config.domains {
            let domain = Domain {
                policy: d.policy.as_ref().and_then(|p| p.policy().cloned()),
                region: d.region_in(config),
            };
            by_owner.entry(d.owner.clone()).or_default().insert(d.name.clone(), domain);
        }
        Self { by_owner }
    }

    /// Every domain as (owner, name, domain), ordered.
    pub fn all(&self) -> Vec<(&str, &str, &Domain)> {
        let mut out: Vec<_> = self
            .by_owner
            .iter()
            .flat_map(|(owner, names)| {
                names.iter().map(move |(n, d)| (owner.as_str(), n.as_str(), d))
            })
            .collect();
        out.sort_by_key(|(owner, name, _)| (*owner, *name));
        out
    }

    pub fn get(&self, owner: &str, name: &str) -> Option<&Domain> {
        self.by_owner.get(owner).and_then(|names| names.get(name))
    }
}

/// The ARN of a domain, as IAM policies and error messages name it.
pub fn domain_arn(region: &str, owner: &str, name: &str) -> String {
    format!("arn:aws:codeartifact:{region}:{owner}:domain/{name}")
}

/// The ARN of a repository, as IAM policies and error messages name it.
pub fn repository_arn(region: &str, owner: &str, domain: &str, name: &str) -> String {
    format!("arn:aws:codeartifact:{region}:{owner}:repository/{domain}/{name}")
}
