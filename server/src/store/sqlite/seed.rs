//! The configured domains and repositories, each created the first time
//! this database sees it (the `seeded` table remembers which it has seen).

use rusqlite::{params, Connection};

use super::{domains, repositories};
use crate::store::{DomainRecord, RepositoryRecord, StoreError};

pub(super) fn seed(
    c: &Connection,
    domain_records: &[DomainRecord],
    repository_records: &[RepositoryRecord],
) -> Result<(), StoreError> {
    let mut first_time = c.prepare(
        "INSERT INTO seeded (owner, domain, repository) VALUES (?1, ?2, ?3)
         ON CONFLICT DO NOTHING",
    )?;
    for d in domain_records {
        if first_time.execute(params![d.owner, d.name, ""])? == 1 {
            domains::insert(c, d)?;
        }
    }
    for r in repository_records {
        debug_assert!(r.upstreams.is_empty(), "seeded repositories have no upstreams");
        if first_time.execute(params![r.domain_owner, r.domain_name, r.name])? == 0 {
            continue;
        }
        // A repository is created only while its domain exists: a
        // configured domain that the API deleted stays deleted.
        if domains::exists(c, &r.domain_owner, &r.domain_name)? {
            repositories::insert(c, r)?;
        }
    }
    Ok(())
}
