//! The schema, one migration per version (rusqlite_migration, tracked in
//! SQLite's `user_version`). Never edit a released migration; add the next.

use rusqlite_migration::M;

pub(super) const MIGRATIONS: &[M<'static>] = &[
    M::up(
        "CREATE TABLE domains (
        owner TEXT NOT NULL,
        name TEXT NOT NULL,
        region TEXT,
        created_time INTEGER NOT NULL,
        encryption_key TEXT,
        tags TEXT NOT NULL,
        PRIMARY KEY (owner, name)
    );
    CREATE TABLE repositories (
        domain_owner TEXT NOT NULL,
        domain_name TEXT NOT NULL,
        name TEXT NOT NULL,
        description TEXT,
        tags TEXT NOT NULL,
        created_time INTEGER NOT NULL,
        PRIMARY KEY (domain_owner, domain_name, name),
        FOREIGN KEY (domain_owner, domain_name) REFERENCES domains (owner, name)
    );
    CREATE TABLE upstreams (
        domain_owner TEXT NOT NULL,
        domain_name TEXT NOT NULL,
        repository TEXT NOT NULL,
        position INTEGER NOT NULL,
        upstream TEXT NOT NULL,
        PRIMARY KEY (domain_owner, domain_name, repository, position),
        FOREIGN KEY (domain_owner, domain_name, repository)
            REFERENCES repositories (domain_owner, domain_name, name) ON DELETE CASCADE,
        FOREIGN KEY (domain_owner, domain_name, upstream)
            REFERENCES repositories (domain_owner, domain_name, name)
    );
    CREATE INDEX upstreams_by_upstream ON upstreams (domain_owner, domain_name, upstream);",
    ),
    // What the configuration has created: each configured domain and
    // repository (`repository = ''` for the domain itself) is created once.
    M::up(
        "CREATE TABLE seeded (
        owner TEXT NOT NULL,
        domain TEXT NOT NULL,
        repository TEXT NOT NULL,
        PRIMARY KEY (owner, domain, repository)
    );",
    ),
    // Packages: one row per package in a repository, per version, per
    // asset (whose bytes the blob store keeps by SHA-256), per npm dist-tag.
    // `namespace` is '' for formats and packages without one.
    M::up(
        "CREATE TABLE packages (
        domain_owner TEXT NOT NULL,
        domain_name TEXT NOT NULL,
        repository TEXT NOT NULL,
        format TEXT NOT NULL,
        namespace TEXT NOT NULL,
        name TEXT NOT NULL,
        display_name TEXT NOT NULL,
        origin_publish TEXT NOT NULL,
        origin_upstream TEXT NOT NULL,
        created_time INTEGER NOT NULL,
        PRIMARY KEY (domain_owner, domain_name, repository, format, namespace, name),
        FOREIGN KEY (domain_owner, domain_name, repository)
            REFERENCES repositories (domain_owner, domain_name, name) ON DELETE CASCADE
    );
    CREATE TABLE package_versions (
        domain_owner TEXT NOT NULL,
        domain_name TEXT NOT NULL,
        repository TEXT NOT NULL,
        format TEXT NOT NULL,
        namespace TEXT NOT NULL,
        name TEXT NOT NULL,
        version TEXT NOT NULL,
        status TEXT NOT NULL,
        revision TEXT NOT NULL,
        published_time INTEGER NOT NULL,
        origin TEXT NOT NULL,
        metadata TEXT NOT NULL,
        PRIMARY KEY (domain_owner, domain_name, repository, format, namespace, name, version),
        FOREIGN KEY (domain_owner, domain_name, repository, format, namespace, name)
            REFERENCES packages (domain_owner, domain_name, repository, format, namespace, name)
            ON DELETE CASCADE
    );
    CREATE TABLE package_assets (
        domain_owner TEXT NOT NULL,
        domain_name TEXT NOT NULL,
        repository TEXT NOT NULL,
        format TEXT NOT NULL,
        namespace TEXT NOT NULL,
        name TEXT NOT NULL,
        version TEXT NOT NULL,
        asset TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        sha1 TEXT NOT NULL,
        integrity TEXT NOT NULL,
        size INTEGER NOT NULL,
        created_time INTEGER NOT NULL,
        PRIMARY KEY (domain_owner, domain_name, repository, format, namespace, name, version, asset),
        FOREIGN KEY (domain_owner, domain_name, repository, format, namespace, name, version)
            REFERENCES package_versions
                (domain_owner, domain_name, repository, format, namespace, name, version)
            ON DELETE CASCADE
    );
    CREATE INDEX package_assets_by_blob ON package_assets (sha256);
    CREATE TABLE dist_tags (
        domain_owner TEXT NOT NULL,
        domain_name TEXT NOT NULL,
        repository TEXT NOT NULL,
        format TEXT NOT NULL,
        namespace TEXT NOT NULL,
        name TEXT NOT NULL,
        tag TEXT NOT NULL,
        version TEXT NOT NULL,
        updated_time INTEGER NOT NULL,
        PRIMARY KEY (domain_owner, domain_name, repository, format, namespace, name, tag),
        FOREIGN KEY (domain_owner, domain_name, repository, format, namespace, name)
            REFERENCES packages (domain_owner, domain_name, repository, format, namespace, name)
            ON DELETE CASCADE
    );",
    ),
    // A repository's external connection (`public:npmjs`, ...): at most one.
    M::up("ALTER TABLE repositories ADD COLUMN external_connection TEXT;"),
    // Versions in publication order, for listings sorted by it and for a
    // package's newest version, without reading the whole package.
    M::up(
        "CREATE INDEX package_versions_by_time ON package_versions
         (domain_owner, domain_name, repository, format, namespace, name, published_time);",
    ),
    // Which domain a token was issued for, beyond its name: a random
    // identity given at creation, so a domain deleted and created again
    // under the same name is another domain, and the old tokens do not
    // open it. Existing domains get one each (randomblob runs per row).
    M::up(
        "ALTER TABLE domains ADD COLUMN instance TEXT NOT NULL DEFAULT '';
         UPDATE domains SET instance = lower(hex(randomblob(16)));",
    ),
];
