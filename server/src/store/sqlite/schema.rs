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
];
