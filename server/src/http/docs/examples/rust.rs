// The Rust client's examples of the served API reference (/docs), one per
// operation, in the order a new user runs them against the development
// setup (`codeartifact-local serve`). Each `// example: <operationId>`
// starts one and the page shows it as written, as it shows `// setup`; the
// integration test `docs` `include!`s this file and runs `examples` against
// a development setup of its own. `endpoint` is where the server listens,
// "http://127.0.0.1:8787" for `serve`.
async fn examples(endpoint: &str) -> Result<(), Box<dyn std::error::Error>> {
    // setup
    // In an async fn returning Result<(), Box<dyn std::error::Error>>, with
    // codeartifact-client, futures, sha2 and hex as dependencies, and
    // endpoint = "http://127.0.0.1:8787" (where `codeartifact-local serve` listens).
    use codeartifact_client::{types, Client, Signer};
    use futures::TryStreamExt as _;
    use sha2::{Digest as _, Sha256};

    let signer = Signer::new(
        "AKIAIOSFODNN7EXAMPLE",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        None,
        "us-east-1",
    );
    let client = Client::new(endpoint, signer);
    // example: GetAuthorizationToken
    let token = client
        .get_authorization_token()
        .domain("demo")
        .domain_owner("111122223333")
        .duration(900u64)
        .send()
        .await?;
    println!("token expires at {}", token.expiration);
    // example: CreateDomain
    let body = types::CreateDomainBody {
        tags: vec![types::Tag { key: "team".parse()?, value: "platform".parse()? }],
        ..Default::default()
    };
    let created = client.create_domain().domain("my-domain").body(body).send().await?;
    println!("{:#?}", created.into_inner());
    // example: DescribeDomain
    let domain = client.describe_domain().domain("my-domain").send().await?;
    println!("{:#?}", domain.into_inner());
    // example: ListDomains
    let domains = client.list_domains().body(types::ListDomainsRequest::default()).send().await?;
    for domain in &domains.domains {
        println!("{} (owner {})", domain.name.as_str(), domain.owner.as_str());
    }
    // example: CreateRepository
    let body = types::CreateRepositoryBody {
        description: Some("Team packages".parse()?),
        ..Default::default()
    };
    let created =
        client.create_repository().domain("demo").repository("my-repo").body(body).send().await?;
    println!("{:#?}", created.into_inner());
    // example: DescribeRepository
    let repository = client.describe_repository().domain("demo").repository("my-repo").send().await?;
    println!("{:#?}", repository.into_inner());
    // example: ListRepositoriesInDomain
    let repositories = client
        .list_repositories_in_domain()
        .domain("demo")
        .repository_prefix("my-")
        .send()
        .await?;
    println!("{:#?}", repositories.into_inner());
    // example: ListRepositories
    let repositories = client.list_repositories().send().await?;
    println!("{:#?}", repositories.into_inner());
    // example: UpdateRepository
    let body = types::UpdateRepositoryBody {
        description: Some("Packages of the platform team".parse()?),
        ..Default::default()
    };
    let updated =
        client.update_repository().domain("demo").repository("my-repo").body(body).send().await?;
    println!("{:#?}", updated.into_inner());
    // example: GetRepositoryEndpoint
    let endpoint = client
        .get_repository_endpoint()
        .domain("demo")
        .repository("my-repo")
        .format(types::PackageFormat::Npm)
        .send()
        .await?;
    println!("{}", endpoint.repository_endpoint);
    // example: AssociateExternalConnection
    let associated = client
        .associate_external_connection()
        .domain("demo")
        .repository("my-repo")
        .external_connection("public:npmjs")
        .send()
        .await?;
    println!("{:#?}", associated.into_inner());
    // example: DisassociateExternalConnection
    let disassociated = client
        .disassociate_external_connection()
        .domain("demo")
        .repository("my-repo")
        .external_connection("public:npmjs")
        .send()
        .await?;
    println!("{:#?}", disassociated.into_inner());
    // example: PublishPackageVersion
    let content = b"my-tool 1.0\n".to_vec();
    let published = client
        .publish_package_version()
        .domain("demo")
        .repository("demo-repo")
        .format(types::PublishPackageVersionFormat::Generic)
        .namespace("tools")
        .package("my-tool")
        .version("1.0")
        .asset("my-tool.txt")
        .x_amz_content_sha256(hex::encode(Sha256::digest(&content)))
        .body(content)
        .send()
        .await?;
    println!("{:#?}", published.into_inner());
    // example: ListPackages
    let packages = client
        .list_packages()
        .domain("demo")
        .repository("demo-repo")
        .format(types::PackageFormat::Generic)
        .send()
        .await?;
    println!("{:#?}", packages.into_inner());
    // example: DescribePackage
    let package = client
        .describe_package()
        .domain("demo")
        .repository("demo-repo")
        .format(types::PackageFormat::Generic)
        .namespace("tools")
        .package("my-tool")
        .send()
        .await?;
    println!("{:#?}", package.into_inner());
    // example: PutPackageOriginConfiguration
    let body = types::PutPackageOriginConfigurationBody {
        restrictions: types::PackageOriginRestrictions {
            publish: types::AllowPublish::Allow,
            upstream: types::AllowUpstream::Block,
        },
    };
    let configured = client
        .put_package_origin_configuration()
        .domain("demo")
        .repository("demo-repo")
        .format(types::PackageFormat::Generic)
        .namespace("tools")
        .package("my-tool")
        .body(body)
        .send()
        .await?;
    println!("{:#?}", configured.into_inner());
    // example: ListPackageVersions
    let versions = client
        .list_package_versions()
        .domain("demo")
        .repository("demo-repo")
        .format(types::PackageFormat::Generic)
        .namespace("tools")
        .package("my-tool")
        .status(types::PackageVersionStatus::Published)
        .send()
        .await?;
    println!("{:#?}", versions.into_inner());
    // example: DescribePackageVersion
    let version = client
        .describe_package_version()
        .domain("demo")
        .repository("demo-repo")
        .format(types::PackageFormat::Generic)
        .namespace("tools")
        .package("my-tool")
        .version("1.0")
        .send()
        .await?;
    println!("{:#?}", version.into_inner());
    // example: ListPackageVersionAssets
    let assets = client
        .list_package_version_assets()
        .domain("demo")
        .repository("demo-repo")
        .format(types::PackageFormat::Generic)
        .namespace("tools")
        .package("my-tool")
        .version("1.0")
        .send()
        .await?;
    println!("{:#?}", assets.into_inner());
    // example: GetPackageVersionAsset
    let asset = client
        .get_package_version_asset()
        .domain("demo")
        .repository("demo-repo")
        .format(types::PackageFormat::Generic)
        .namespace("tools")
        .package("my-tool")
        .version("1.0")
        .asset("my-tool.txt")
        .send()
        .await?;
    let bytes: Vec<u8> = asset.into_inner_stream().map_ok(|chunk| chunk.to_vec()).try_concat().await?;
    assert_eq!(bytes, b"my-tool 1.0\n");
    // example: GetPackageVersionReadme
    let readme = client
        .get_package_version_readme()
        .domain("demo")
        .repository("demo-repo")
        .format(types::PackageFormat::Generic)
        .namespace("tools")
        .package("my-tool")
        .version("1.0")
        .send()
        .await?;
    println!("{:#?}", readme.into_inner());
    // example: ListPackageVersionDependencies
    let dependencies = client
        .list_package_version_dependencies()
        .domain("demo")
        .repository("demo-repo")
        .format(types::PackageFormat::Generic)
        .namespace("tools")
        .package("my-tool")
        .version("1.0")
        .send()
        .await?;
    println!("{:#?}", dependencies.into_inner());
    // example: CopyPackageVersions
    let body = types::CopyPackageVersionsBody {
        versions: Some(vec!["1.0".parse()?]),
        ..Default::default()
    };
    let copied = client
        .copy_package_versions()
        .domain("demo")
        .source_repository("demo-repo")
        .destination_repository("my-repo")
        .format(types::PackageFormat::Generic)
        .namespace("tools")
        .package("my-tool")
        .body(body)
        .send()
        .await?;
    println!("{:#?}", copied.into_inner());
    // example: UpdatePackageVersionsStatus
    let body = types::UpdatePackageVersionsStatusBody {
        versions: vec!["1.0".parse()?],
        target_status: types::PackageVersionTargetStatus::Archived,
        expected_status: None,
        version_revisions: None,
    };
    let updated = client
        .update_package_versions_status()
        .domain("demo")
        .repository("my-repo")
        .format(types::PackageFormat::Generic)
        .namespace("tools")
        .package("my-tool")
        .body(body)
        .send()
        .await?;
    println!("{:#?}", updated.into_inner());
    // example: DisposePackageVersions
    let body = types::DisposePackageVersionsBody {
        versions: vec!["1.0".parse()?],
        expected_status: Some(types::PackageVersionStatus::Archived),
        version_revisions: None,
    };
    let disposed = client
        .dispose_package_versions()
        .domain("demo")
        .repository("my-repo")
        .format(types::PackageFormat::Generic)
        .namespace("tools")
        .package("my-tool")
        .body(body)
        .send()
        .await?;
    println!("{:#?}", disposed.into_inner());
    // example: DeletePackageVersions
    let body =
        types::DeletePackageVersionsBody { versions: vec!["1.0".parse()?], expected_status: None };
    let deleted = client
        .delete_package_versions()
        .domain("demo")
        .repository("demo-repo")
        .format(types::PackageFormat::Generic)
        .namespace("tools")
        .package("my-tool")
        .body(body)
        .send()
        .await?;
    println!("{:#?}", deleted.into_inner());
    // example: DeletePackage
    let deleted = client
        .delete_package()
        .domain("demo")
        .repository("demo-repo")
        .format(types::PackageFormat::Generic)
        .namespace("tools")
        .package("my-tool")
        .send()
        .await?;
    println!("{:#?}", deleted.into_inner());
    // example: DeleteRepository
    let deleted = client.delete_repository().domain("demo").repository("my-repo").send().await?;
    println!("{:#?}", deleted.into_inner());
    // example: DeleteDomain
    let deleted = client.delete_domain().domain("my-domain").send().await?;
    println!("{:#?}", deleted.into_inner());
    // end
    Ok(())
}
