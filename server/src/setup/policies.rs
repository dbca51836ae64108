//! Policy documents from the configuration, parsed once: read inline or
//! from a file beside the configuration, then compiled; principals holding
//! the same document share one copy.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use anyhow::{bail, Context as _};

use crate::config::PolicyConfig;
use crate::iam::policy::{Policy, PolicyKind};

/// Policies already parsed, by kind, name and document.
#[derive(Debug, Default)]
pub struct Compiler {
    parsed: HashMap<(PolicyKind, String, String), Arc<Policy>>,
}

impl Compiler {
    /// Reads (from `base_dir` for a file) and parses one document;
    /// `default_name` names it in logs when the configuration does not.
    pub fn compile(
        &mut self,
        config: &PolicyConfig,
        base_dir: &Path,
        kind: PolicyKind,
        default_name: &str,
    ) -> anyhow::Result<Arc<Policy>> {
        let name = config.name.clone().unwrap_or_else(|| default_name.to_string());
        let document: serde_json::Value = match (&config.document, &config.file) {
            (Some(toml::Value::String(text)), None) => serde_json::from_str(text)
                .with_context(|| format!("policy '{name}': the document is not JSON"))?,
            (Some(table), None) => serde_json::to_value(table)
                .with_context(|| format!("policy '{name}': the document is not JSON"))?,
            (None, Some(file)) => {
                let path = base_dir.join(file);
                let text = std::fs::read_to_string(&path).with_context(|| {
                    format!("policy '{name}': failed to read {}", path.display())
                })?;
                serde_json::from_str(&text)
                    .with_context(|| format!("policy '{name}': {} is not JSON", path.display()))?
            }
            _ => bail!("policy '{name}': give exactly one of `document` and `file`"),
        };
        let key = (kind, name, document.to_string());
        if let Some(policy) = self.parsed.get(&key) {
            return Ok(policy.clone());
        }
        let policy = Arc::new(Policy::parse(&key.1, kind, &document)?);
        self.parsed.insert(key, policy.clone());
        Ok(policy)
    }

    /// A principal's identity policies, named `<owner> policy <i>` when
    /// the configuration gives no name.
    pub fn identity_policies(
        &mut self,
        configs: &[PolicyConfig],
        base_dir: &Path,
        owner: &str,
    ) -> anyhow::Result<Arc<[Arc<Policy>]>> {
        configs
            .iter()
            .enumerate()
            .map(|(i, p)| {
                self.compile(p, base_dir, PolicyKind::Identity, &format!("{owner} policy {i}"))
            })
            .collect()
    }
}
