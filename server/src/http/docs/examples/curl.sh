# The curl examples of the served API reference (/docs), one per operation,
# signed by curl itself (--aws-sigv4), in the order a new user runs them
# against the development setup (`codeartifact-local serve`). Each
# `# example: <operationId>` starts one; the page shows it as written, and
# tests/real-clients/test_docs.py runs the setup and then each example, in
# this order, with the endpoint replaced by the test server's. Query
# parameters are in sorted order: curl before 8.x signs them as written
# rather than sorted, as SigV4's canonical request wants them.
# setup
export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE
export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
# example: GetAuthorizationToken
curl -sS --fail-with-body -X POST \
  'http://127.0.0.1:8787/v1/authorization-token?domain=demo&domain-owner=111122223333&duration=900' \
  --aws-sigv4 aws:amz:us-east-1:codeartifact --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY"
# example: CreateDomain
curl -sS --fail-with-body -X POST 'http://127.0.0.1:8787/v1/domain?domain=my-domain' \
  -H 'Content-Type: application/json' -d '{"tags": [{"key": "team", "value": "platform"}]}' \
  --aws-sigv4 aws:amz:us-east-1:codeartifact --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY"
# example: DescribeDomain
curl -sS --fail-with-body 'http://127.0.0.1:8787/v1/domain?domain=my-domain' \
  --aws-sigv4 aws:amz:us-east-1:codeartifact --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY"
# example: ListDomains
curl -sS --fail-with-body -X POST 'http://127.0.0.1:8787/v1/domains' \
  -H 'Content-Type: application/json' -d '{"maxResults": 10}' \
  --aws-sigv4 aws:amz:us-east-1:codeartifact --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY"
# example: CreateRepository
curl -sS --fail-with-body -X POST 'http://127.0.0.1:8787/v1/repository?domain=demo&repository=my-repo' \
  -H 'Content-Type: application/json' -d '{"description": "Team packages"}' \
  --aws-sigv4 aws:amz:us-east-1:codeartifact --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY"
# example: DescribeRepository
curl -sS --fail-with-body 'http://127.0.0.1:8787/v1/repository?domain=demo&repository=my-repo' \
  --aws-sigv4 aws:amz:us-east-1:codeartifact --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY"
# example: ListRepositoriesInDomain
curl -sS --fail-with-body -X POST \
  'http://127.0.0.1:8787/v1/domain/repositories?domain=demo&repository-prefix=my-' \
  --aws-sigv4 aws:amz:us-east-1:codeartifact --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY"
# example: ListRepositories
curl -sS --fail-with-body -X POST 'http://127.0.0.1:8787/v1/repositories?max-results=10' \
  --aws-sigv4 aws:amz:us-east-1:codeartifact --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY"
# example: UpdateRepository
curl -sS --fail-with-body -X PUT 'http://127.0.0.1:8787/v1/repository?domain=demo&repository=my-repo' \
  -H 'Content-Type: application/json' -d '{"description": "Packages of the platform team"}' \
  --aws-sigv4 aws:amz:us-east-1:codeartifact --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY"
# example: GetRepositoryEndpoint
curl -sS --fail-with-body \
  'http://127.0.0.1:8787/v1/repository/endpoint?domain=demo&format=npm&repository=my-repo' \
  --aws-sigv4 aws:amz:us-east-1:codeartifact --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY"
# example: AssociateExternalConnection
curl -sS --fail-with-body -X POST \
  'http://127.0.0.1:8787/v1/repository/external-connection?domain=demo&external-connection=public%3Anpmjs&repository=my-repo' \
  --aws-sigv4 aws:amz:us-east-1:codeartifact --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY"
# example: DisassociateExternalConnection
curl -sS --fail-with-body -X DELETE \
  'http://127.0.0.1:8787/v1/repository/external-connection?domain=demo&external-connection=public%3Anpmjs&repository=my-repo' \
  --aws-sigv4 aws:amz:us-east-1:codeartifact --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY"
# example: PublishPackageVersion
echo 'my-tool 1.0' > my-tool.txt
curl -sS --fail-with-body -X POST \
  'http://127.0.0.1:8787/v1/package/version/publish?asset=my-tool.txt&domain=demo&format=generic&namespace=tools&package=my-tool&repository=demo-repo&version=1.0' \
  -H "x-amz-content-sha256: $(sha256sum my-tool.txt | cut -d' ' -f1)" \
  -H 'Content-Type: application/octet-stream' --data-binary @my-tool.txt \
  --aws-sigv4 aws:amz:us-east-1:codeartifact --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY"
# example: ListPackages
curl -sS --fail-with-body -X POST \
  'http://127.0.0.1:8787/v1/packages?domain=demo&format=generic&repository=demo-repo' \
  --aws-sigv4 aws:amz:us-east-1:codeartifact --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY"
# example: DescribePackage
curl -sS --fail-with-body \
  'http://127.0.0.1:8787/v1/package?domain=demo&format=generic&namespace=tools&package=my-tool&repository=demo-repo' \
  --aws-sigv4 aws:amz:us-east-1:codeartifact --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY"
# example: PutPackageOriginConfiguration
curl -sS --fail-with-body -X POST \
  'http://127.0.0.1:8787/v1/package?domain=demo&format=generic&namespace=tools&package=my-tool&repository=demo-repo' \
  -H 'Content-Type: application/json' -d '{"restrictions": {"publish": "ALLOW", "upstream": "BLOCK"}}' \
  --aws-sigv4 aws:amz:us-east-1:codeartifact --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY"
# example: ListPackageVersions
curl -sS --fail-with-body -X POST \
  'http://127.0.0.1:8787/v1/package/versions?domain=demo&format=generic&namespace=tools&package=my-tool&repository=demo-repo&status=Published' \
  --aws-sigv4 aws:amz:us-east-1:codeartifact --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY"
# example: DescribePackageVersion
curl -sS --fail-with-body \
  'http://127.0.0.1:8787/v1/package/version?domain=demo&format=generic&namespace=tools&package=my-tool&repository=demo-repo&version=1.0' \
  --aws-sigv4 aws:amz:us-east-1:codeartifact --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY"
# example: ListPackageVersionAssets
curl -sS --fail-with-body -X POST \
  'http://127.0.0.1:8787/v1/package/version/assets?domain=demo&format=generic&namespace=tools&package=my-tool&repository=demo-repo&version=1.0' \
  --aws-sigv4 aws:amz:us-east-1:codeartifact --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY"
# example: GetPackageVersionAsset
curl -sS --fail-with-body -o downloaded-my-tool.txt \
  'http://127.0.0.1:8787/v1/package/version/asset?asset=my-tool.txt&domain=demo&format=generic&namespace=tools&package=my-tool&repository=demo-repo&version=1.0' \
  --aws-sigv4 aws:amz:us-east-1:codeartifact --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY"
# example: GetPackageVersionReadme
curl -sS --fail-with-body \
  'http://127.0.0.1:8787/v1/package/version/readme?domain=demo&format=generic&namespace=tools&package=my-tool&repository=demo-repo&version=1.0' \
  --aws-sigv4 aws:amz:us-east-1:codeartifact --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY"
# example: ListPackageVersionDependencies
curl -sS --fail-with-body -X POST \
  'http://127.0.0.1:8787/v1/package/version/dependencies?domain=demo&format=generic&namespace=tools&package=my-tool&repository=demo-repo&version=1.0' \
  --aws-sigv4 aws:amz:us-east-1:codeartifact --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY"
# example: CopyPackageVersions
curl -sS --fail-with-body -X POST \
  'http://127.0.0.1:8787/v1/package/versions/copy?destination-repository=my-repo&domain=demo&format=generic&namespace=tools&package=my-tool&source-repository=demo-repo' \
  -H 'Content-Type: application/json' -d '{"versions": ["1.0"]}' \
  --aws-sigv4 aws:amz:us-east-1:codeartifact --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY"
# example: UpdatePackageVersionsStatus
curl -sS --fail-with-body -X POST \
  'http://127.0.0.1:8787/v1/package/versions/update_status?domain=demo&format=generic&namespace=tools&package=my-tool&repository=my-repo' \
  -H 'Content-Type: application/json' -d '{"versions": ["1.0"], "targetStatus": "Archived"}' \
  --aws-sigv4 aws:amz:us-east-1:codeartifact --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY"
# example: DisposePackageVersions
curl -sS --fail-with-body -X POST \
  'http://127.0.0.1:8787/v1/package/versions/dispose?domain=demo&format=generic&namespace=tools&package=my-tool&repository=my-repo' \
  -H 'Content-Type: application/json' -d '{"versions": ["1.0"], "expectedStatus": "Archived"}' \
  --aws-sigv4 aws:amz:us-east-1:codeartifact --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY"
# example: DeletePackageVersions
curl -sS --fail-with-body -X POST \
  'http://127.0.0.1:8787/v1/package/versions/delete?domain=demo&format=generic&namespace=tools&package=my-tool&repository=demo-repo' \
  -H 'Content-Type: application/json' -d '{"versions": ["1.0"]}' \
  --aws-sigv4 aws:amz:us-east-1:codeartifact --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY"
# example: DeletePackage
curl -sS --fail-with-body -X DELETE \
  'http://127.0.0.1:8787/v1/package?domain=demo&format=generic&namespace=tools&package=my-tool&repository=demo-repo' \
  --aws-sigv4 aws:amz:us-east-1:codeartifact --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY"
# example: DeleteRepository
curl -sS --fail-with-body -X DELETE 'http://127.0.0.1:8787/v1/repository?domain=demo&repository=my-repo' \
  --aws-sigv4 aws:amz:us-east-1:codeartifact --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY"
# example: DeleteDomain
curl -sS --fail-with-body -X DELETE 'http://127.0.0.1:8787/v1/domain?domain=my-domain' \
  --aws-sigv4 aws:amz:us-east-1:codeartifact --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY"
