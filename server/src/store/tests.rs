//! The store's contract, checked against SQLite in memory and on disk.

use super::*;

const OWNER: &str = "111122223333";

fn domain(name: &str) -> DomainRecord {
    DomainRecord {
        owner: OWNER.into(),
        name: name.into(),
        region: Some("us-east-1".into()),
        created_time: 1_700_000_000,
        encryption_key: Some("alias/key".into()),
        tags: vec![("team".into(), "build".into())],
        repository_count: 0,
    }
}

fn repo(domain: &str, name: &str, upstreams: &[&str]) -> RepositoryRecord {
    RepositoryRecord {
        domain_owner: OWNER.into(),
        domain_name: domain.into(),
        name: name.into(),
        description: Some(format!("{name} repository")),
        upstreams: upstreams.iter().map(|u| u.to_string()).collect(),
        tags: Vec::new(),
        created_time: 1_700_000_001,
    }
}

fn all_page() -> Page<'static> {
    Page { after: None, limit: 1000 }
}

/// Runs `check` on a fresh in-memory store and a fresh on-disk one.
fn each_store(check: impl Fn(&dyn Store)) {
    check(&SqliteStore::in_memory().unwrap());
    let dir = tempfile::tempdir().unwrap();
    check(&SqliteStore::open(dir.path()).unwrap());
}

#[test]
fn domains_are_created_once_and_read_back() {
    each_store(|store| {
        let created = store.create_domain(&domain("d1"), 100).unwrap();
        assert_eq!(created, domain("d1"));
        assert!(matches!(store.create_domain(&domain("d1"), 100), Err(StoreError::AlreadyExists)));
        assert_eq!(store.domain(OWNER, "d1").unwrap(), Some(domain("d1")));
        assert_eq!(store.domain("444455556666", "d1").unwrap(), None);
        assert!(store.domain_is_in(OWNER, "d1", "us-east-1").unwrap());
        assert!(!store.domain_is_in(OWNER, "d1", "eu-west-1").unwrap());
        assert!(!store.domain_is_in(OWNER, "d9", "us-east-1").unwrap());
    });
}

#[test]
fn listings_page_by_name() {
    each_store(|store| {
        for name in ["d3", "d1", "d2"] {
            store.create_domain(&domain(name), 100).unwrap();
        }
        let names = |page| -> Vec<String> {
            store.domains(OWNER, "us-east-1", page).unwrap().into_iter().map(|d| d.name).collect()
        };
        assert_eq!(names(Page { after: None, limit: 2 }), ["d1", "d2"]);
        assert_eq!(names(Page { after: Some("d2"), limit: 2 }), ["d3"]);
        let elsewhere = store.domains(OWNER, "eu-west-1", all_page()).unwrap();
        assert!(elsewhere.is_empty(), "domains live in one region");
        assert!(store.domains("444455556666", "us-east-1", all_page()).unwrap().is_empty());

        for name in ["npm-b", "npm-a", "pypi"] {
            store.create_repository(&repo("d1", name, &[]), 100).unwrap();
        }
        let repos = |prefix, page| -> Vec<String> {
            store
                .repositories(OWNER, "d1", prefix, page)
                .unwrap()
                .into_iter()
                .map(|r| r.name)
                .collect()
        };
        assert_eq!(repos(None, all_page()), ["npm-a", "npm-b", "pypi"]);
        assert_eq!(repos(Some("npm"), all_page()), ["npm-a", "npm-b"]);
        assert_eq!(repos(Some("npm"), Page { after: Some("npm-a"), limit: 5 }), ["npm-b"]);
        assert_eq!(store.domain(OWNER, "d1").unwrap().unwrap().repository_count, 3);
    });
}

#[test]
fn a_domain_with_repositories_cannot_be_deleted() {
    each_store(|store| {
        store.create_domain(&domain("d1"), 100).unwrap();
        store.create_repository(&repo("d1", "r1", &[]), 100).unwrap();
        assert!(matches!(
            store.delete_domain(OWNER, "d1"),
            Err(StoreError::DomainHasRepositories(1))
        ));
        store.delete_repository(OWNER, "d1", "r1").unwrap();
        assert_eq!(store.delete_domain(OWNER, "d1").unwrap().name, "d1");
        assert!(matches!(store.delete_domain(OWNER, "d1"), Err(StoreError::DomainNotFound)));
        assert_eq!(store.domain(OWNER, "d1").unwrap(), None);
    });
}

#[test]
fn repositories_need_their_domain_and_upstreams() {
    each_store(|store| {
        assert!(matches!(
            store.create_repository(&repo("d1", "r1", &[]), 100),
            Err(StoreError::DomainNotFound)
        ));
        store.create_domain(&domain("d1"), 100).unwrap();
        assert!(matches!(
            store.create_repository(&repo("d1", "r2", &["r1"]), 100),
            Err(StoreError::UpstreamNotFound(name)) if name == "r1"
        ));
        store.create_repository(&repo("d1", "r1", &[]), 100).unwrap();
        store.create_repository(&repo("d1", "r0", &[]), 100).unwrap();
        let r2 = store.create_repository(&repo("d1", "r2", &["r1", "r0"]), 100).unwrap();
        assert!(matches!(
            store.create_repository(&repo("d1", "r2", &[]), 100),
            Err(StoreError::AlreadyExists)
        ));
        assert_eq!(store.repository(OWNER, "d1", "r2").unwrap(), Some(r2));
        assert_eq!(store.repository(OWNER, "d1", "r2").unwrap().unwrap().upstreams, ["r1", "r0"]);
        let listed = store.repositories(OWNER, "d1", Some("r2"), all_page()).unwrap();
        assert!(listed[0].upstreams.is_empty(), "listings leave upstreams out");
        assert!(matches!(
            store.delete_repository(OWNER, "d1", "r1"),
            Err(StoreError::RepositoryIsUpstream(name)) if name == "r2"
        ));
        store.delete_repository(OWNER, "d1", "r2").unwrap();
        store.delete_repository(OWNER, "d1", "r1").unwrap();
        assert!(matches!(
            store.delete_repository(OWNER, "d1", "r1"),
            Err(StoreError::RepositoryNotFound)
        ));
    });
}

#[test]
fn a_reopened_database_has_everything_and_migrates_once() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = SqliteStore::open(dir.path()).unwrap();
        store.create_domain(&domain("d1"), 100).unwrap();
        store.create_repository(&repo("d1", "r1", &[]), 100).unwrap();
    }
    let store = SqliteStore::open(dir.path()).unwrap();
    store.integrity_check().unwrap();
    assert_eq!(store.domain(OWNER, "d1").unwrap().unwrap().repository_count, 1);
    assert_eq!(store.repository(OWNER, "d1", "r1").unwrap(), Some(repo("d1", "r1", &[])));
}

#[test]
fn a_file_that_is_not_a_database_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(sqlite::DATABASE_FILE), b"not a database, just text").unwrap();
    let err = SqliteStore::open(dir.path()).unwrap_err();
    assert!(format!("{err:#}").contains(sqlite::DATABASE_FILE), "{err:#}");
}

#[test]
fn seeding_creates_each_configured_item_once() {
    each_store(|store| {
        let mut made_by_api = domain("d1");
        made_by_api.created_time = 1;
        store.create_domain(&made_by_api, 100).unwrap();
        let repos = [repo("d1", "r1", &[]), repo("d2", "r2", &[])];
        store.seed(&[domain("d1"), domain("d2")], &repos).unwrap();
        assert_eq!(store.domain(OWNER, "d1").unwrap().unwrap().created_time, 1, "left as it was");
        assert!(store.domain(OWNER, "d2").unwrap().is_some());
        assert!(store.repository(OWNER, "d2", "r2").unwrap().is_some());

        // What the API deletes stays deleted at the next start.
        store.delete_repository(OWNER, "d2", "r2").unwrap();
        store.delete_domain(OWNER, "d2").unwrap();
        store.seed(&[domain("d1"), domain("d2")], &repos).unwrap();
        assert_eq!(store.domain(OWNER, "d2").unwrap(), None);
        assert_eq!(store.repository(OWNER, "d2", "r2").unwrap(), None);

        // What the configuration adds later is created; a repository of a
        // domain that is gone is skipped.
        let added = [repo("d1", "r3", &[]), repo("d2", "r4", &[])];
        store.seed(&[domain("d1"), domain("d3")], &added).unwrap();
        assert!(store.domain(OWNER, "d3").unwrap().is_some());
        assert!(store.repository(OWNER, "d1", "r3").unwrap().is_some());
        assert_eq!(store.repository(OWNER, "d2", "r4").unwrap(), None);
    });
}

#[test]
fn quotas_count_per_account_region_and_domain() {
    each_store(|store| {
        store.create_domain(&domain("d1"), 2).unwrap();
        store.create_domain(&domain("d2"), 2).unwrap();
        assert!(matches!(store.create_domain(&domain("d3"), 2), Err(StoreError::QuotaExceeded(2))));
        // An existing name is a conflict whatever the count.
        assert!(matches!(store.create_domain(&domain("d1"), 2), Err(StoreError::AlreadyExists)));
        let elsewhere = DomainRecord { region: Some("eu-west-1".into()), ..domain("d3") };
        store.create_domain(&elsewhere, 2).unwrap();
        let other = DomainRecord { owner: "444455556666".into(), ..domain("d3") };
        store.create_domain(&other, 2).unwrap();

        store.create_repository(&repo("d1", "r1", &[]), 1).unwrap();
        let full = store.create_repository(&repo("d1", "r2", &[]), 1);
        assert!(matches!(full, Err(StoreError::QuotaExceeded(1))));
        store.create_repository(&repo("d2", "r2", &[]), 1).unwrap();
    });
}
