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
async fn each_store(check: impl AsyncFn(&dyn Store)) {
    check(&SqliteStore::in_memory().unwrap()).await;
    let dir = tempfile::tempdir().unwrap();
    check(&SqliteStore::open(dir.path()).unwrap()).await;
}

#[tokio::test]
async fn domains_are_created_once_and_read_back() {
    each_store(async |store| {
        let created = store.create_domain(&domain("d1"), 100).await.unwrap();
        assert_eq!(created, domain("d1"));
        assert!(matches!(
            store.create_domain(&domain("d1"), 100).await,
            Err(StoreError::AlreadyExists)
        ));
        assert_eq!(store.domain(OWNER, "d1").await.unwrap(), Some(domain("d1")));
        assert_eq!(store.domain("444455556666", "d1").await.unwrap(), None);
        assert!(store.domain_is_in(OWNER, "d1", "us-east-1").await.unwrap());
        assert!(!store.domain_is_in(OWNER, "d1", "eu-west-1").await.unwrap());
        assert!(!store.domain_is_in(OWNER, "d9", "us-east-1").await.unwrap());
    })
    .await;
}

#[tokio::test]
async fn listings_page_by_name() {
    each_store(async |store| {
        for name in ["d3", "d1", "d2"] {
            store.create_domain(&domain(name), 100).await.unwrap();
        }
        let names = async |page| -> Vec<String> {
            store
                .domains(OWNER, "us-east-1", page)
                .await
                .unwrap()
                .into_iter()
                .map(|d| d.name)
                .collect()
        };
        assert_eq!(names(Page { after: None, limit: 2 }).await, ["d1", "d2"]);
        assert_eq!(names(Page { after: Some("d2"), limit: 2 }).await, ["d3"]);
        let elsewhere = store.domains(OWNER, "eu-west-1", all_page()).await.unwrap();
        assert!(elsewhere.is_empty(), "domains live in one region");
        assert!(store.domains("444455556666", "us-east-1", all_page()).await.unwrap().is_empty());

        for name in ["npm-b", "npm-a", "pypi"] {
            store.create_repository(&repo("d1", name, &[]), 100).await.unwrap();
        }
        let repos = async |prefix, page| -> Vec<String> {
            store
                .repositories(OWNER, "d1", prefix, page)
                .await
                .unwrap()
                .into_iter()
                .map(|r| r.name)
                .collect()
        };
        assert_eq!(repos(None, all_page()).await, ["npm-a", "npm-b", "pypi"]);
        assert_eq!(repos(Some("npm"), all_page()).await, ["npm-a", "npm-b"]);
        assert_eq!(repos(Some("npm"), Page { after: Some("npm-a"), limit: 5 }).await, ["npm-b"]);
        assert_eq!(store.domain(OWNER, "d1").await.unwrap().unwrap().repository_count, 3);
    })
    .await;
}

#[tokio::test]
async fn a_domain_with_repositories_cannot_be_deleted() {
    each_store(async |store| {
        store.create_domain(&domain("d1"), 100).await.unwrap();
        store.create_repository(&repo("d1", "r1", &[]), 100).await.unwrap();
        assert!(matches!(
            store.delete_domain(OWNER, "d1").await,
            Err(StoreError::DomainHasRepositories(1))
        ));
        store.delete_repository(OWNER, "d1", "r1").await.unwrap();
        assert_eq!(store.delete_domain(OWNER, "d1").await.unwrap().name, "d1");
        assert!(matches!(store.delete_domain(OWNER, "d1").await, Err(StoreError::DomainNotFound)));
        assert_eq!(store.domain(OWNER, "d1").await.unwrap(), None);
    })
    .await;
}

#[tokio::test]
async fn repositories_need_their_domain_and_upstreams() {
    each_store(async |store| {
        assert!(matches!(
            store.create_repository(&repo("d1", "r1", &[]), 100).await,
            Err(StoreError::DomainNotFound)
        ));
        store.create_domain(&domain("d1"), 100).await.unwrap();
        assert!(matches!(
            store.create_repository(&repo("d1", "r2", &["r1"]), 100).await,
            Err(StoreError::UpstreamNotFound(name)) if name == "r1"
        ));
        store.create_repository(&repo("d1", "r1", &[]), 100).await.unwrap();
        store.create_repository(&repo("d1", "r0", &[]), 100).await.unwrap();
        let r2 = store.create_repository(&repo("d1", "r2", &["r1", "r0"]), 100).await.unwrap();
        assert!(matches!(
            store.create_repository(&repo("d1", "r2", &[]), 100).await,
            Err(StoreError::AlreadyExists)
        ));
        assert_eq!(store.repository(OWNER, "d1", "r2").await.unwrap(), Some(r2));
        assert_eq!(
            store.repository(OWNER, "d1", "r2").await.unwrap().unwrap().upstreams,
            ["r1", "r0"]
        );
        let listed = store.repositories(OWNER, "d1", Some("r2"), all_page()).await.unwrap();
        assert!(listed[0].upstreams.is_empty(), "listings leave upstreams out");
        assert!(matches!(
            store.delete_repository(OWNER, "d1", "r1").await,
            Err(StoreError::RepositoryIsUpstream(name)) if name == "r2"
        ));
        store.delete_repository(OWNER, "d1", "r2").await.unwrap();
        store.delete_repository(OWNER, "d1", "r1").await.unwrap();
        assert!(matches!(
            store.delete_repository(OWNER, "d1", "r1").await,
            Err(StoreError::RepositoryNotFound)
        ));
    })
    .await;
}

#[tokio::test]
async fn a_reopened_database_has_everything_and_migrates_once() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = SqliteStore::open(dir.path()).unwrap();
        store.create_domain(&domain("d1"), 100).await.unwrap();
        store.create_repository(&repo("d1", "r1", &[]), 100).await.unwrap();
    }
    let store = SqliteStore::open(dir.path()).unwrap();
    store.integrity_check().unwrap();
    assert_eq!(store.domain(OWNER, "d1").await.unwrap().unwrap().repository_count, 1);
    assert_eq!(store.repository(OWNER, "d1", "r1").await.unwrap(), Some(repo("d1", "r1", &[])));
}

#[tokio::test]
async fn a_file_that_is_not_a_database_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(sqlite::DATABASE_FILE), b"not a database, just text").unwrap();
    let err = SqliteStore::open(dir.path()).unwrap_err();
    assert!(format!("{err:#}").contains(sqlite::DATABASE_FILE), "{err:#}");
}

#[tokio::test]
async fn seeding_creates_each_configured_item_once() {
    each_store(async |store| {
        let mut made_by_api = domain("d1");
        made_by_api.created_time = 1;
        store.create_domain(&made_by_api, 100).await.unwrap();
        let repos = [repo("d1", "r1", &[]), repo("d2", "r2", &[])];
        store.seed(&[domain("d1"), domain("d2")], &repos).await.unwrap();
        assert_eq!(
            store.domain(OWNER, "d1").await.unwrap().unwrap().created_time,
            1,
            "left as it was"
        );
        assert!(store.domain(OWNER, "d2").await.unwrap().is_some());
        assert!(store.repository(OWNER, "d2", "r2").await.unwrap().is_some());

        // What the API deletes stays deleted at the next start.
        store.delete_repository(OWNER, "d2", "r2").await.unwrap();
        store.delete_domain(OWNER, "d2").await.unwrap();
        store.seed(&[domain("d1"), domain("d2")], &repos).await.unwrap();
        assert_eq!(store.domain(OWNER, "d2").await.unwrap(), None);
        assert_eq!(store.repository(OWNER, "d2", "r2").await.unwrap(), None);

        // What the configuration adds later is created; a repository of a
        // domain that is gone is skipped.
        let added = [repo("d1", "r3", &[]), repo("d2", "r4", &[])];
        store.seed(&[domain("d1"), domain("d3")], &added).await.unwrap();
        assert!(store.domain(OWNER, "d3").await.unwrap().is_some());
        assert!(store.repository(OWNER, "d1", "r3").await.unwrap().is_some());
        assert_eq!(store.repository(OWNER, "d2", "r4").await.unwrap(), None);
    })
    .await;
}

#[tokio::test]
async fn quotas_count_per_account_region_and_domain() {
    each_store(async |store| {
        store.create_domain(&domain("d1"), 2).await.unwrap();
        store.create_domain(&domain("d2"), 2).await.unwrap();
        assert!(matches!(
            store.create_domain(&domain("d3"), 2).await,
            Err(StoreError::QuotaExceeded(2))
        ));
        // An existing name is a conflict whatever the count.
        assert!(matches!(
            store.create_domain(&domain("d1"), 2).await,
            Err(StoreError::AlreadyExists)
        ));
        let elsewhere = DomainRecord { region: Some("eu-west-1".into()), ..domain("d3") };
        store.create_domain(&elsewhere, 2).await.unwrap();
        let other = DomainRecord { owner: "444455556666".into(), ..domain("d3") };
        store.create_domain(&other, 2).await.unwrap();

        store.create_repository(&repo("d1", "r1", &[]), 1).await.unwrap();
        let full = store.create_repository(&repo("d1", "r2", &[]), 1).await;
        assert!(matches!(full, Err(StoreError::QuotaExceeded(1))));
        store.create_repository(&repo("d2", "r2", &[]), 1).await.unwrap();
    })
    .await;
}
