//! Domain permissions policies: the resource policy of each configured
//! domain, and the region it answers in. The domains themselves, and their
//! repositories, live in the [store](crate::store); these are the parts
//! only the configuration sets.

use std::collections::HashMap;
use std::sync::Arc;

use super::policy::Policy;

/// A configured domain's policy and home.
#[derive(Debug, Clone, Default)]
pub struct DomainPolicy {
    pub policy: Option<Arc<Policy>>,
    /// The only region it answers in; `None`: every region.
    pub region: Option<String>,
}

/// Domain policies by owner account and name; a lookup is two hash probes,
/// whatever the number of domains.
#[derive(Debug, Default)]
pub struct DomainPolicies {
    by_owner: HashMap<String, HashMap<String, DomainPolicy>>,
}

impl DomainPolicies {
    pub fn insert(&mut self, owner: &str, name: &str, domain: DomainPolicy) {
        self.by_owner.entry(owner.to_string()).or_default().insert(name.to_string(), domain);
    }

    /// Every configured domain as (owner, name, policy), ordered.
    pub fn all(&self) -> Vec<(&str, &str, &DomainPolicy)> {
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

    /// The policy of the domain as seen from `region`: a domain that lives
    /// elsewhere has none here.
    pub fn policy(&self, owner: &str, name: &str, region: &str) -> Option<&Policy> {
        let domain = self.by_owner.get(owner).and_then(|names| names.get(name))?;
        crate::region::answers_in(domain.region.as_deref(), region)
            .then_some(domain.policy.as_deref())
            .flatten()
    }
}
