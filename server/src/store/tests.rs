//! The store's contract, checked against SQLite in memory and on disk.

use super::*;
use codeartifact_api::PackageFormat;

const OWNER: &str = "111122223333";

fn domain(name: &str) -> DomainRecord {
    DomainRecord {
        owner: OWNER.into(),
        name: name.into(),
        region: Some("us-east-1".into()),
        created_time: 1_700_000_000,
        encryption_key: Some("alias/key".into()),
        tags: vec![("team".into(), "build".into())],
        instance: format!("instance-of-{name}"),
        repository_count: 0,
        asset_size_bytes: 0,
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
        external_connection: None,
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
        assert!(store.domain_instance(OWNER, "d1", "us-east-1").await.unwrap().is_some());
        assert!(store.domain_instance(OWNER, "d1", "eu-west-1").await.unwrap().is_none());
        assert!(store.domain_instance(OWNER, "d9", "us-east-1").await.unwrap().is_none());
        let instance = store.domain_instance(OWNER, "d1", "us-east-1").await.unwrap();
        assert_eq!(instance.as_deref(), Some("instance-of-d1"));
        assert_eq!(store.domain_instance(OWNER, "d1", "eu-west-1").await.unwrap(), None);
        assert_eq!(store.domain_instance(OWNER, "d9", "us-east-1").await.unwrap(), None);
    })
    .await;
}

/// A domain deleted and created again under its name is another instance:
/// the old one's identity is gone with it.
#[tokio::test]
async fn a_domain_created_again_is_another_instance() {
    each_store(async |store| {
        let first = DomainRecord { instance: new_domain_instance(), ..domain("d1") };
        store.create_domain(&first, 100).await.unwrap();
        store.delete_domain(OWNER, "d1").await.unwrap();
        assert_eq!(store.domain_instance(OWNER, "d1", "us-east-1").await.unwrap(), None);
        let second = DomainRecord { instance: new_domain_instance(), ..domain("d1") };
        store.create_domain(&second, 100).await.unwrap();
        let now = store.domain_instance(OWNER, "d1", "us-east-1").await.unwrap().unwrap();
        assert_eq!(now, second.instance);
        assert_ne!(now, first.instance);
        assert!(now.len() == 32 && now.bytes().all(|b| b.is_ascii_hexdigit()), "{now}");
    })
    .await;
}

/// A database from before domains had instances gives each existing domain
/// its own random one.
#[test]
fn the_migration_gives_existing_domains_distinct_instances() {
    let all = sqlite::schema_migrations();
    let mut c = rusqlite::Connection::open_in_memory().unwrap();
    let before = rusqlite_migration::Migrations::from_slice(&all[..all.len() - 1]);
    before.to_latest(&mut c).unwrap();
    for name in ["d1", "d2", "d3"] {
        c.execute(
            "INSERT INTO domains (owner, name, region, created_time, tags)
             VALUES (?1, ?2, NULL, 0, '[]')",
            [OWNER, name],
        )
        .unwrap();
    }
    rusqlite_migration::Migrations::from_slice(all).to_latest(&mut c).unwrap();
    let mut select = c.prepare("SELECT instance FROM domains").unwrap();
    let instances: Vec<String> =
        select.query_map([], |row| row.get(0)).unwrap().map(Result::unwrap).collect();
    assert_eq!(instances.len(), 3);
    for i in &instances {
        assert!(i.len() == 32 && i.bytes().all(|b| b.is_ascii_hexdigit()), "{i}");
    }
    assert!(
        instances[0] != instances[1]
            && instances[1] != instances[2]
            && instances[0] != instances[2]
    );
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
    let err = format!("{:#}", SqliteStore::open(dir.path()).unwrap_err());
    assert!(err.contains(sqlite::DATABASE_FILE), "{err}");
    assert!(err.contains("is damaged") && err.contains("restore it from a backup"), "{err}");
}

/// Overwrites page `page` (from 1) of the database in `dir` with bytes that
/// look random and are the same at every run.
fn scramble_page(dir: &std::path::Path, page: u64) {
    let path = dir.join(sqlite::DATABASE_FILE);
    let mut bytes = std::fs::read(&path).unwrap();
    let page_size = u64::from(u16::from_be_bytes([bytes[16], bytes[17]]));
    assert!(page_size >= 512, "page size {page_size}");
    let start = ((page - 1) * page_size) as usize;
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    for b in &mut bytes[start..start + page_size as usize] {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        *b = x as u8;
    }
    std::fs::write(&path, bytes).unwrap();
}

/// A database with one domain and one repository, closed (so that its
/// write-ahead log is folded into the file), and the root page of
/// `domains`.
async fn closed_database(dir: &std::path::Path) -> u64 {
    let store = SqliteStore::open(dir).unwrap();
    store.create_domain(&domain("d1"), 100).await.unwrap();
    store.create_repository(&repo("d1", "r1", &[]), 100).await.unwrap();
    drop(store);
    let c = rusqlite::Connection::open(dir.join(sqlite::DATABASE_FILE)).unwrap();
    let root: i64 = c
        .query_row("SELECT rootpage FROM sqlite_schema WHERE name = 'domains'", [], |r| r.get(0))
        .unwrap();
    drop(c);
    let wal = dir.join(format!("{}-wal", sqlite::DATABASE_FILE));
    assert!(!wal.exists(), "the log is folded into the file at close");
    root as u64
}

#[tokio::test]
async fn a_damaged_page_is_found_at_open_naming_the_file_and_the_way_out() {
    let dir = tempfile::tempdir().unwrap();
    let root = closed_database(dir.path()).await;
    scramble_page(dir.path(), root);
    let err = format!("{:#}", SqliteStore::open(dir.path()).unwrap_err());
    let path = dir.path().join(sqlite::DATABASE_FILE);
    assert!(err.contains(&format!("the database {} is damaged", path.display())), "{err}");
    assert!(err.contains("quick_check"), "what SQLite found: {err}");
    assert!(err.contains("restore it from a backup"), "{err}");
    assert!(err.contains(sqlite::DATABASE_MARKER), "how to start afresh: {err}");
}

#[tokio::test]
async fn a_lost_or_emptied_database_is_refused_where_there_was_one() {
    let dir = tempfile::tempdir().unwrap();
    closed_database(dir.path()).await;
    assert!(dir.path().join(sqlite::DATABASE_MARKER).exists());
    let path = dir.path().join(sqlite::DATABASE_FILE);
    std::fs::File::create(&path).unwrap(); // truncated to 0 bytes
    let err = format!("{:#}", SqliteStore::open(dir.path()).unwrap_err());
    assert!(err.contains(&format!("{} is empty (0 bytes)", path.display())), "{err}");
    assert_eq!(std::fs::metadata(&path).unwrap().len(), 0, "nothing was created in its place");

    std::fs::remove_file(&path).unwrap();
    let err = format!("{:#}", SqliteStore::open(dir.path()).unwrap_err());
    assert!(err.contains(&format!("{} is missing", path.display())), "{err}");
    assert!(err.contains("restore it from a backup"), "{err}");
    assert!(!path.exists(), "nothing was created in its place");

    // Removing the marker, as the message says, starts afresh.
    std::fs::remove_file(dir.path().join(sqlite::DATABASE_MARKER)).unwrap();
    let store = SqliteStore::open(dir.path()).unwrap();
    assert_eq!(store.domain(OWNER, "d1").await.unwrap(), None);
}

#[tokio::test]
async fn a_fresh_directory_and_a_database_from_before_the_marker_get_one() {
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join(sqlite::DATABASE_MARKER);
    // A database made before the marker existed, with data.
    closed_database(dir.path()).await;
    std::fs::remove_file(&marker).unwrap();
    let store = SqliteStore::open(dir.path()).unwrap();
    assert!(marker.exists(), "an intact database is adopted");
    assert!(store.domain(OWNER, "d1").await.unwrap().is_some());

    let fresh = tempfile::tempdir().unwrap();
    let marker = fresh.path().join(sqlite::DATABASE_MARKER);
    // A zero-byte file with no marker beside it is a database SQLite had
    // only begun to create: fresh, like no file at all.
    std::fs::File::create(fresh.path().join(sqlite::DATABASE_FILE)).unwrap();
    SqliteStore::open(fresh.path()).unwrap();
    let text = std::fs::read_to_string(&marker).unwrap();
    assert!(text.contains("Remove this file only to start afresh"), "{text}");
}

#[tokio::test]
async fn seeding_creates_each_configured_item_once() {
    each_store(async |store| {
        let mut made_by_api = domain("d1");
        made_by_api.created_time = 1;
        made_by_api.instance = "made-by-the-api".into();
        store.create_domain(&made_by_api, 100).await.unwrap();
        let repos = [repo("d1", "r1", &[]), repo("d2", "r2", &[])];
        store.seed(&[domain("d1"), domain("d2")], &repos).await.unwrap();
        assert_eq!(
            store.domain(OWNER, "d1").await.unwrap().unwrap().created_time,
            1,
            "left as it was"
        );
        let instance = store.domain_instance(OWNER, "d1", "us-east-1").await.unwrap();
        assert_eq!(instance.as_deref(), Some("made-by-the-api"), "its identity too");
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

fn package_key(repository: &str, name: &str) -> PackageKey {
    PackageKey {
        owner: OWNER.into(),
        domain: "d1".into(),
        repository: repository.into(),
        format: PackageFormat::Npm,
        namespace: "scope".into(),
        name: name.into(),
    }
}

fn asset(name: &str, sha256: &str) -> AssetRecord {
    AssetRecord {
        name: name.into(),
        sha256: sha256.into(),
        sha1: "sha1".into(),
        integrity: "sha512-x".into(),
        size: 3,
        created_time: 1_700_000_002,
    }
}

fn new_version(version: &str, assets: Vec<AssetRecord>, exclusive: bool) -> NewVersion {
    let mode = if exclusive { PutMode::New } else { PutMode::AddAssets };
    NewVersion {
        display_name: "@scope/pkg".into(),
        origin: Origin::PUBLISHED,
        version: VersionRecord {
            version: version.into(),
            status: "Published".into(),
            revision: format!("r-{version}"),
            published_time: 1_700_000_002,
            origin: ORIGIN_PUBLISHED.into(),
            metadata: "{}".into(),
            assets,
        },
        mode,
        dist_tags: vec!["latest".into()],
    }
}

#[tokio::test]
async fn versions_are_stored_with_their_assets_and_tags() {
    each_store(async |store| {
        store.create_domain(&domain("d1"), 100).await.unwrap();
        store.create_repository(&repo("d1", "r1", &[]), 100).await.unwrap();
        let key = package_key("r1", "pkg");
        assert_eq!(store.package(&key).await.unwrap(), None);
        let v1 = new_version("1.0.0", vec![asset("pkg-1.0.0.tgz", "aa")], true);
        assert_eq!(store.put_version(&key, &v1).await.unwrap(), Stored::Created);
        let v2 = new_version("2.0.0", vec![asset("pkg-2.0.0.tgz", "bb")], true);
        assert_eq!(store.put_version(&key, &v2).await.unwrap(), Stored::Created);
        let view = store.package(&key).await.unwrap().unwrap();
        assert_eq!(view.package.display_name, "@scope/pkg");
        assert_eq!(view.package.origin, Origin::PUBLISHED);
        let versions: Vec<&str> = view.versions.iter().map(|v| v.version.as_str()).collect();
        assert_eq!(versions, ["1.0.0", "2.0.0"], "in the order they were stored");
        assert_eq!(view.versions[1].assets, [asset("pkg-2.0.0.tgz", "bb")]);
        assert_eq!(view.dist_tags.len(), 1);
        assert_eq!(
            (view.dist_tags[0].0.as_str(), view.dist_tags[0].1.as_str()),
            ("latest", "2.0.0")
        );
        assert_eq!(store.version(&key, "1.0.0").await.unwrap().unwrap(), v1.version);
        assert_eq!(store.version(&key, "3.0.0").await.unwrap(), None);
        // Another repository, another namespace: other packages.
        store.create_repository(&repo("d1", "r2", &[]), 100).await.unwrap();
        assert_eq!(store.package(&key.in_repository("r2")).await.unwrap(), None);
        let unscoped = PackageKey { namespace: String::new(), ..key.clone() };
        assert_eq!(store.package(&unscoped).await.unwrap(), None);
        let mut hashes = store.blob_hashes().await.unwrap();
        hashes.sort();
        assert_eq!(hashes, ["aa", "bb"]);
        let names = store.package_names(OWNER, "d1", "r1", PackageFormat::Npm).await.unwrap();
        assert_eq!(names, ["@scope/pkg"]);
        assert!(store
            .package_names(OWNER, "d1", "r1", PackageFormat::Pypi)
            .await
            .unwrap()
            .is_empty());
    })
    .await;
}

#[tokio::test]
async fn stored_versions_and_files_are_never_replaced() {
    each_store(async |store| {
        store.create_domain(&domain("d1"), 100).await.unwrap();
        store.create_repository(&repo("d1", "r1", &[]), 100).await.unwrap();
        let key = package_key("r1", "pkg");
        let v1 = new_version("1.0.0", vec![asset("a.whl", "aa")], true);
        store.put_version(&key, &v1).await.unwrap();
        // npm: a version is published once.
        let again = new_version("1.0.0", vec![asset("a.whl", "cc")], true);
        assert!(matches!(store.put_version(&key, &again).await, Err(StoreError::VersionExists)));
        // PyPI: a version gains files; the same file again changes nothing;
        // other bytes under a stored name are refused, and nothing of that
        // write is kept.
        let same = new_version("1.0.0", vec![asset("a.whl", "aa")], false);
        assert_eq!(store.put_version(&key, &same).await.unwrap(), Stored::Unchanged);
        let more = new_version("1.0.0", vec![asset("a.whl", "aa"), asset("a.tar.gz", "dd")], false);
        assert_eq!(store.put_version(&key, &more).await.unwrap(), Stored::Extended);
        let other = new_version("1.0.0", vec![asset("b.whl", "ee"), asset("a.whl", "ff")], false);
        match store.put_version(&key, &other).await {
            Err(StoreError::AssetConflict(name)) => assert_eq!(name, "a.whl"),
            other => panic!("{other:?}"),
        }
        let assets = store.version(&key, "1.0.0").await.unwrap().unwrap().assets;
        let names: Vec<&str> = assets.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["a.whl", "a.tar.gz"], "the refused write left nothing");
        assert_eq!(assets[0].sha256, "aa");
    })
    .await;
}

#[tokio::test]
async fn dist_tags_point_at_stored_versions() {
    each_store(async |store| {
        store.create_domain(&domain("d1"), 100).await.unwrap();
        store.create_repository(&repo("d1", "r1", &[]), 100).await.unwrap();
        let key = package_key("r1", "pkg");
        let missing = store.set_dist_tag(&key, "beta", "1.0.0", 5).await;
        assert!(matches!(missing, Err(StoreError::VersionNotFound)));
        store
            .put_version(&key, &new_version("1.0.0", vec![asset("p.tgz", "aa")], true))
            .await
            .unwrap();
        store.set_dist_tag(&key, "beta", "1.0.0", 5).await.unwrap();
        assert!(matches!(
            store.set_dist_tag(&key, "beta", "9.9.9", 6).await,
            Err(StoreError::VersionNotFound)
        ));
        let tags = store.package(&key).await.unwrap().unwrap().dist_tags;
        assert!(tags.contains(&("beta".into(), "1.0.0".into(), 5)), "{tags:?}");
        assert!(store.remove_dist_tag(&key, "beta").await.unwrap());
        assert!(!store.remove_dist_tag(&key, "beta").await.unwrap());
    })
    .await;
}

#[tokio::test]
async fn packages_need_their_repository_and_go_with_it() {
    each_store(async |store| {
        store.create_domain(&domain("d1"), 100).await.unwrap();
        let key = package_key("r1", "pkg");
        let v1 = new_version("1.0.0", vec![asset("p.tgz", "aa")], true);
        assert!(matches!(store.put_version(&key, &v1).await, Err(StoreError::RepositoryNotFound)));
        store.create_repository(&repo("d1", "r1", &[]), 100).await.unwrap();
        store.put_version(&key, &v1).await.unwrap();
        store.delete_repository(OWNER, "d1", "r1").await.unwrap();
        store.create_repository(&repo("d1", "r1", &[]), 100).await.unwrap();
        assert_eq!(store.package(&key).await.unwrap(), None, "a new repository starts empty");
        assert!(store.blob_hashes().await.unwrap().is_empty());
    })
    .await;
}

#[tokio::test]
async fn listings_filter_and_page_packages_and_versions() {
    each_store(async |store| {
        store.create_domain(&domain("d1"), 100).await.unwrap();
        store.create_repository(&repo("d1", "r1", &[]), 100).await.unwrap();
        for (namespace, name) in [("scope", "b"), ("", "a"), ("scope", "a"), ("other", "a")] {
            let key = PackageKey { namespace: namespace.into(), ..package_key("r1", name) };
            for version in ["2.0.0", "1.0.0"] {
                let v = new_version(version, vec![asset(&format!("{name}-{version}"), "aa")], true);
                store.put_version(&key, &v).await.unwrap();
            }
        }
        let list = async |filter: PackageFilter, after: Option<&str>, limit| -> Vec<String> {
            let page = Page { after, limit };
            let found = store.packages(OWNER, "d1", "r1", &filter, page).await.unwrap();
            found.iter().map(|p| p.position()).collect()
        };
        let all = list(PackageFilter::default(), None, 10).await;
        assert_eq!(all, ["npm//a", "npm/other/a", "npm/scope/a", "npm/scope/b"]);
        assert_eq!(list(PackageFilter::default(), Some("npm/other/a"), 1).await, ["npm/scope/a"]);
        let scoped = PackageFilter { namespace: Some("scope".into()), ..Default::default() };
        assert_eq!(list(scoped, None, 10).await, ["npm/scope/a", "npm/scope/b"]);
        let prefixed = PackageFilter { package_prefix: Some("b".into()), ..Default::default() };
        assert_eq!(list(prefixed, None, 10).await, ["npm/scope/b"]);
        let pypi = PackageFilter { format: Some(PackageFormat::Pypi), ..Default::default() };
        assert!(list(pypi, None, 10).await.is_empty());
        let blocked = PackageFilter { publish: Some(false), ..Default::default() };
        assert!(list(blocked, None, 10).await.is_empty());

        let key = package_key("r1", "a");
        let page = Page { after: None, limit: 10 };
        let by_version = VersionFilter::default();
        let names = async |filter: &VersionFilter, page| -> Vec<(String, String)> {
            let found = store.versions(&key, filter, page).await.unwrap();
            found.into_iter().map(|(position, v)| (position, v.version)).collect()
        };
        let all = names(&by_version, page).await;
        assert_eq!(all, [("1.0.0".into(), "1.0.0".into()), ("2.0.0".into(), "2.0.0".into())]);
        let later = Page { after: Some("1.0.0"), limit: 10 };
        assert_eq!(names(&by_version, later).await.len(), 1);
        let archived = VersionFilter { status: Some("Archived".into()), ..Default::default() };
        assert!(names(&archived, page).await.is_empty());
        let retained = VersionFilter { internal: Some(false), ..Default::default() };
        assert!(names(&retained, page).await.is_empty());
        // By publication: 2.0.0 was stored first; positions page the same way.
        let by_time = VersionFilter { by_publication: true, ..Default::default() };
        let timed = names(&by_time, page).await;
        let order: Vec<&str> = timed.iter().map(|(_, v)| v.as_str()).collect();
        assert_eq!(order, ["2.0.0", "1.0.0"]);
        let rest = names(&by_time, Page { after: Some(&timed[0].0), limit: 10 }).await;
        assert_eq!(rest.len(), 1);
        assert_eq!(rest[0].1, "1.0.0");
    })
    .await;
}

#[tokio::test]
async fn batches_check_each_version_and_report_it() {
    each_store(async |store| {
        store.create_domain(&domain("d1"), 100).await.unwrap();
        store.create_repository(&repo("d1", "r1", &[]), 100).await.unwrap();
        let key = package_key("r1", "pkg");
        let missing = VersionSelection { versions: vec!["1.0.0".into()], ..Default::default() };
        let archive = VersionChange::Status { target: "Archived".into() };
        assert!(matches!(
            store.change_versions(&key, &missing, &archive).await,
            Err(StoreError::PackageNotFound)
        ));
        for (version, sha) in [("1.0.0", "aa"), ("2.0.0", "bb"), ("3.0.0", "aa")] {
            let v = new_version(version, vec![asset(&format!("p-{version}.tgz"), sha)], true);
            store.put_version(&key, &v).await.unwrap();
        }
        let selection = VersionSelection {
            versions: vec!["1.0.0".into(), "2.0.0".into(), "9.9.9".into()],
            revisions: [("2.0.0".to_string(), "stale".to_string())].into(),
            expected_status: Some("Published".into()),
        };
        let outcome = store.change_versions(&key, &selection, &archive).await.unwrap();
        let VersionOutcome::Changed { status, revision } = &outcome.versions[0].1 else {
            panic!("{outcome:?}")
        };
        let before = store.version(&key, "2.0.0").await.unwrap().unwrap().revision;
        assert_eq!(status, "Archived");
        assert!(revision != "r-1.0.0" && revision != &before, "a new revision");
        assert_eq!(store.version(&key, "1.0.0").await.unwrap().unwrap().revision, *revision);
        assert_eq!(outcome.versions[1], ("2.0.0".into(), VersionOutcome::MismatchedRevision));
        assert_eq!(outcome.versions[2], ("9.9.9".into(), VersionOutcome::NotFound));
        let again = store.change_versions(&key, &selection, &archive).await.unwrap();
        assert_eq!(again.versions[0].1, VersionOutcome::MismatchedStatus("Archived".into()));

        // Disposing drops the assets; a blob another version still names is kept.
        let one = VersionSelection { versions: vec!["1.0.0".into()], ..Default::default() };
        let dispose = VersionChange::Dispose;
        let outcome = store.change_versions(&key, &one, &dispose).await.unwrap();
        assert!(outcome.unreferenced_blobs.is_empty(), "3.0.0 still names aa");
        let disposed = store.version(&key, "1.0.0").await.unwrap().unwrap();
        assert_eq!((disposed.status.as_str(), disposed.assets.len()), ("Disposed", 0));
        let publish = VersionChange::Status { target: "Published".into() };
        let refused = store.change_versions(&key, &one, &publish).await.unwrap();
        assert_eq!(refused.versions[0].1, VersionOutcome::NotAllowed("Disposed".into()));

        // Deleting removes the version; its bytes go once nothing names them.
        let three = VersionSelection { versions: vec!["3.0.0".into()], ..Default::default() };
        let outcome = store.change_versions(&key, &three, &VersionChange::Delete).await.unwrap();
        assert_eq!(outcome.unreferenced_blobs, ["aa"]);
        assert_eq!(store.version(&key, "3.0.0").await.unwrap(), None);
        let v3 = new_version("3.0.0", vec![asset("p-3.0.0.tgz", "cc")], true);
        assert_eq!(store.put_version(&key, &v3).await.unwrap(), Stored::Created, "published again");

        let (view, blobs) = store.delete_package(&key).await.unwrap();
        assert_eq!(view.versions.len(), 3);
        let mut blobs = blobs;
        blobs.sort();
        assert_eq!(blobs, ["bb", "cc"]);
        assert_eq!(store.package(&key).await.unwrap(), None);
        assert!(matches!(store.delete_package(&key).await, Err(StoreError::PackageNotFound)));
    })
    .await;
}

#[tokio::test]
async fn origin_controls_are_decided_in_the_write() {
    each_store(async |store| {
        store.create_domain(&domain("d1"), 100).await.unwrap();
        store.create_repository(&repo("d1", "r1", &[]), 100).await.unwrap();
        let key = package_key("r1", "pkg");
        // Retained from upstream first: published versions are refused.
        let mut retained = new_version("1.0.0", vec![asset("p-1.tgz", "aa")], false);
        retained.origin = Origin::FROM_UPSTREAM;
        retained.version.origin = "up".into();
        store.put_version(&key, &retained).await.unwrap();
        let published = new_version("2.0.0", vec![asset("p-2.tgz", "bb")], true);
        assert!(matches!(
            store.put_version(&key, &published).await,
            Err(StoreError::OriginBlocked)
        ));
        let record = store.package_record(&key).await.unwrap().unwrap();
        assert_eq!(record.origin, Origin::FROM_UPSTREAM);
        // Published first: versions from upstream are refused.
        let other = package_key("r1", "other");
        store.put_version(&other, &published).await.unwrap();
        let mut late = retained.clone();
        late.version.version = "3.0.0".into();
        assert!(matches!(store.put_version(&other, &late).await, Err(StoreError::OriginBlocked)));
        assert_eq!(store.version(&other, "3.0.0").await.unwrap(), None);
    })
    .await;
}

#[tokio::test]
async fn generic_versions_take_assets_until_finished_and_copies_can_replace() {
    each_store(async |store| {
        store.create_domain(&domain("d1"), 100).await.unwrap();
        store.create_repository(&repo("d1", "r1", &[]), 100).await.unwrap();
        let key = package_key("r1", "tool");
        let mut part = new_version("1.0", vec![asset("a.bin", "aa")], false);
        part.mode = PutMode::Unfinished;
        part.version.status = "Unfinished".into();
        assert_eq!(store.put_version(&key, &part).await.unwrap(), Stored::Created);
        let mut last = new_version("1.0", vec![asset("b.bin", "bb")], false);
        last.mode = PutMode::Unfinished;
        last.version.revision = "r-final".into();
        assert_eq!(store.put_version(&key, &last).await.unwrap(), Stored::Extended);
        let done = store.version(&key, "1.0").await.unwrap().unwrap();
        assert_eq!(
            (done.status.as_str(), done.revision.as_str(), done.assets.len()),
            ("Published", "r-final", 2)
        );
        let mut late = new_version("1.0", vec![asset("c.bin", "cc")], false);
        late.mode = PutMode::Unfinished;
        assert!(matches!(store.put_version(&key, &late).await, Err(StoreError::VersionExists)));

        let mut copy = new_version("1.0", vec![asset("z.bin", "zz")], false);
        copy.mode = PutMode::Replace;
        assert_eq!(store.put_version(&key, &copy).await.unwrap(), Stored::Created);
        let replaced = store.version(&key, "1.0").await.unwrap().unwrap();
        let names: Vec<&str> = replaced.assets.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["z.bin"]);
    })
    .await;
}

#[tokio::test]
async fn origins_repositories_and_listings_across_domains() {
    each_store(async |store| {
        store.create_domain(&domain("d1"), 100).await.unwrap();
        store.create_domain(&domain("d2"), 100).await.unwrap();
        for (d, r) in [("d1", "b"), ("d1", "a"), ("d2", "a")] {
            store.create_repository(&repo(d, r, &[]), 100).await.unwrap();
        }
        let key = package_key("a", "pkg");
        let blocked = Origin { publish: false, upstream: true };
        let record = store.set_origin(&key, "@scope/pkg", blocked, 5).await.unwrap();
        assert_eq!(record.origin, blocked);
        assert!(store.package(&key).await.unwrap().unwrap().versions.is_empty());
        let v = new_version("1.0.0", vec![asset("p.tgz", "aa")], true);
        assert!(matches!(store.put_version(&key, &v).await, Err(StoreError::OriginBlocked)));
        let missing = package_key("nowhere", "pkg");
        assert!(matches!(
            store.set_origin(&missing, "x", blocked, 5).await,
            Err(StoreError::RepositoryNotFound)
        ));

        let updated = store
            .update_repository(OWNER, "d1", "b", Some(Some("new".into())), Some(vec!["a".into()]))
            .await
            .unwrap();
        assert_eq!(
            (updated.description.as_deref(), updated.upstreams.as_slice()),
            (Some("new"), &["a".to_string()][..])
        );
        let kept = store.update_repository(OWNER, "d1", "b", None, None).await.unwrap();
        assert_eq!(kept, updated, "absent members change nothing");
        assert!(matches!(
            store.update_repository(OWNER, "d1", "b", None, Some(vec!["b".into()])).await,
            Err(StoreError::UpstreamIsSelf)
        ));
        assert!(matches!(
            store.update_repository(OWNER, "d1", "b", None, Some(vec!["zz".into()])).await,
            Err(StoreError::UpstreamNotFound(_))
        ));
        assert_eq!(store.repository(OWNER, "d1", "b").await.unwrap().unwrap().upstreams, ["a"]);

        let list = async |prefix, after, limit| -> Vec<String> {
            let page = Page { after, limit };
            let found = store.owned_repositories(OWNER, "us-east-1", prefix, page).await.unwrap();
            found.iter().map(|r| format!("{}/{}", r.name, r.domain_name)).collect()
        };
        assert_eq!(list(None, None, 10).await, ["a/d1", "a/d2", "b/d1"]);
        assert_eq!(list(None, Some("a/d1"), 1).await, ["a/d2"]);
        assert_eq!(list(Some("b"), None, 10).await, ["b/d1"]);
        let all = Page { after: None, limit: 10 };
        let other = store.owned_repositories("444455556666", "us-east-1", None, all);
        assert!(other.await.unwrap().is_empty());
        let elsewhere = store.owned_repositories(OWNER, "eu-west-1", None, all);
        assert!(elsewhere.await.unwrap().is_empty(), "d1 and d2 live in us-east-1");
    })
    .await;
}
