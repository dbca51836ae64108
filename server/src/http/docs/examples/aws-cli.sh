# The aws CLI examples of the served API reference (/docs), one per
# operation, in the order a new user runs them against the development
# setup (`codeartifact-local serve`). Each `# example: <operationId>` starts
# one; the page shows it as written, and tests/real-clients/test_docs.py runs
# the setup and then each example, in this order, with the endpoint replaced
# by the test server's. Shared with curl.sh: what they create they delete.
# setup
export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE
export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
export AWS_DEFAULT_REGION=us-east-1
# example: GetAuthorizationToken
aws codeartifact get-authorization-token --domain demo --domain-owner 111122223333 \
  --duration-seconds 900 --endpoint-url http://127.0.0.1:8787
# example: CreateDomain
aws codeartifact create-domain --domain my-domain \
  --tags key=team,value=platform --endpoint-url http://127.0.0.1:8787
# example: DescribeDomain
aws codeartifact describe-domain --domain my-domain --endpoint-url http://127.0.0.1:8787
# example: ListDomains
aws codeartifact list-domains --endpoint-url http://127.0.0.1:8787
# example: CreateRepository
aws codeartifact create-repository --domain demo --repository my-repo \
  --description 'Team packages' --endpoint-url http://127.0.0.1:8787
# example: DescribeRepository
aws codeartifact describe-repository --domain demo --repository my-repo \
  --endpoint-url http://127.0.0.1:8787
# example: ListRepositoriesInDomain
aws codeartifact list-repositories-in-domain --domain demo --repository-prefix my- \
  --endpoint-url http://127.0.0.1:8787
# example: ListRepositories
aws codeartifact list-repositories --endpoint-url http://127.0.0.1:8787
# example: UpdateRepository
aws codeartifact update-repository --domain demo --repository my-repo \
  --description 'Packages of the platform team' --endpoint-url http://127.0.0.1:8787
# example: GetRepositoryEndpoint
aws codeartifact get-repository-endpoint --domain demo --repository my-repo --format npm \
  --endpoint-url http://127.0.0.1:8787
# example: AssociateExternalConnection
aws codeartifact associate-external-connection --domain demo --repository my-repo \
  --external-connection public:npmjs --endpoint-url http://127.0.0.1:8787
# example: DisassociateExternalConnection
aws codeartifact disassociate-external-connection --domain demo --repository my-repo \
  --external-connection public:npmjs --endpoint-url http://127.0.0.1:8787
# example: PublishPackageVersion
echo 'my-tool 1.0' > my-tool.txt
aws codeartifact publish-package-version --domain demo --repository demo-repo \
  --format generic --namespace tools --package my-tool --package-version 1.0 \
  --asset-content my-tool.txt --asset-name my-tool.txt \
  --asset-sha256 "$(sha256sum my-tool.txt | cut -d' ' -f1)" \
  --endpoint-url http://127.0.0.1:8787
# example: ListPackages
aws codeartifact list-packages --domain demo --repository demo-repo --format generic \
  --endpoint-url http://127.0.0.1:8787
# example: DescribePackage
aws codeartifact describe-package --domain demo --repository demo-repo \
  --format generic --namespace tools --package my-tool --endpoint-url http://127.0.0.1:8787
# example: PutPackageOriginConfiguration
aws codeartifact put-package-origin-configuration --domain demo --repository demo-repo \
  --format generic --namespace tools --package my-tool \
  --restrictions publish=ALLOW,upstream=BLOCK --endpoint-url http://127.0.0.1:8787
# example: ListPackageVersions
aws codeartifact list-package-versions --domain demo --repository demo-repo \
  --format generic --namespace tools --package my-tool --status Published \
  --endpoint-url http://127.0.0.1:8787
# example: DescribePackageVersion
aws codeartifact describe-package-version --domain demo --repository demo-repo \
  --format generic --namespace tools --package my-tool --package-version 1.0 \
  --endpoint-url http://127.0.0.1:8787
# example: ListPackageVersionAssets
aws codeartifact list-package-version-assets --domain demo --repository demo-repo \
  --format generic --namespace tools --package my-tool --package-version 1.0 \
  --endpoint-url http://127.0.0.1:8787
# example: GetPackageVersionAsset
aws codeartifact get-package-version-asset --domain demo --repository demo-repo \
  --format generic --namespace tools --package my-tool --package-version 1.0 \
  --asset my-tool.txt downloaded-my-tool.txt --endpoint-url http://127.0.0.1:8787
# example: GetPackageVersionReadme
aws codeartifact get-package-version-readme --domain demo --repository demo-repo \
  --format generic --namespace tools --package my-tool --package-version 1.0 \
  --endpoint-url http://127.0.0.1:8787
# example: ListPackageVersionDependencies
aws codeartifact list-package-version-dependencies --domain demo --repository demo-repo \
  --format generic --namespace tools --package my-tool --package-version 1.0 \
  --endpoint-url http://127.0.0.1:8787
# example: CopyPackageVersions
aws codeartifact copy-package-versions --domain demo --source-repository demo-repo \
  --destination-repository my-repo --format generic --namespace tools --package my-tool \
  --versions 1.0 --endpoint-url http://127.0.0.1:8787
# example: UpdatePackageVersionsStatus
aws codeartifact update-package-versions-status --domain demo --repository my-repo \
  --format generic --namespace tools --package my-tool --versions 1.0 \
  --target-status Archived --endpoint-url http://127.0.0.1:8787
# example: DisposePackageVersions
aws codeartifact dispose-package-versions --domain demo --repository my-repo \
  --format generic --namespace tools --package my-tool --versions 1.0 \
  --expected-status Archived --endpoint-url http://127.0.0.1:8787
# example: DeletePackageVersions
aws codeartifact delete-package-versions --domain demo --repository demo-repo \
  --format generic --namespace tools --package my-tool --versions 1.0 \
  --endpoint-url http://127.0.0.1:8787
# example: DeletePackage
aws codeartifact delete-package --domain demo --repository demo-repo \
  --format generic --namespace tools --package my-tool --endpoint-url http://127.0.0.1:8787
# example: DeleteRepository
aws codeartifact delete-repository --domain demo --repository my-repo \
  --endpoint-url http://127.0.0.1:8787
# example: DeleteDomain
aws codeartifact delete-domain --domain my-domain --endpoint-url http://127.0.0.1:8787
