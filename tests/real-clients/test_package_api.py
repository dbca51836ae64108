"""The package API with the real aws CLI and boto3, on packages npm and twine
published: list-packages, list-package-versions, describe-package-version,
list-package-version-assets, get-package-version-asset (the file's SHA-256
against the listed one), update-package-versions-status,
dispose-package-versions and delete-package-versions, each followed by what
npm and pip see; boto3's paginators walking every page; boto3's modelled
errors.

What a status means to the package managers is CodeArtifact's documented
one ("Package version status" in the user guide): an Unlisted version's
assets "are available for download from the repository, but the package
version is not included in the list of versions returned to package
managers", so "npm's dependency resolution logic won't select the package
version", while "if the Unlisted package version is already referenced in
an npm package-lock.json file, it can still be downloaded and installed,
for example, when running npm ci". The same holds for pip: the simple
index is the list of versions pip sees, so `pip index versions` and
`pip install NAME==VERSION` do not find an Unlisted version, while its file
still installs from its URL. A Disposed version's assets are deleted; a
deleted version can be published again.

Each test uses a repository of its own on the module's server (the test
configuration plus a user who may only read), an empty HOME, and only
127.0.0.1; every tool run and request has a timeout.
"""

import base64
import gzip
import hashlib
import io
import json
import math
import re
import tarfile
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import ACCOUNT, USER, Cred, Server, write_test_config
from test_packages import (DOMAIN, READER, READER_TOML, build_wheel, fails, imported, index_versions, login,
                           npm_install, npm_loaded, npm_pack, npm_package, npm_publish, npm_view, ok, pip,
                           pip_install, run, sha256, tool_env, twine_upload, venv_python)  # noqa: F401 (a fixture)

HTTP_TIMEOUT = 30  # seconds, for any one request


@pytest.fixture(scope="module")
def api_server(session_expiry, tmp_path_factory):
    """The test configuration plus READER (tokens and reads, nothing else)."""
    workdir = tmp_path_factory.mktemp("package-api-server")
    config = write_test_config(workdir, session_expiry)
    text, anchor = config.read_text(), "\n[[accounts.roles]]\n"
    assert text.count(anchor) == 1, "test-config.toml changed: find another place for READER"
    config.write_text(text.replace(anchor, "\n" + READER_TOML + anchor))
    s = Server(["--config", str(config)], workdir)
    yield s
    assert s.stop() == 0, s.log()


def client(server, cred: Cred = USER):
    return boto3.client(
        "codeartifact", endpoint_url=server.url, region_name="us-east-1",
        aws_access_key_id=cred.access_key_id, aws_secret_access_key=cred.secret_access_key,
        aws_session_token=cred.session_token,
        config=Config(retries={"total_max_attempts": 1}, connect_timeout=HTTP_TIMEOUT, read_timeout=HTTP_TIMEOUT),
    )


def new_repository(server, name: str) -> str:
    client(server).create_repository(domain=DOMAIN, domainOwner=ACCOUNT, repository=name)
    return name


@pytest.fixture
def env(clean_env, tmp_path) -> dict:
    return tool_env(clean_env, tmp_path / "home", USER)


def aws(env, *args) -> dict:
    """`aws codeartifact ARGS` against the server, which must succeed; its JSON."""
    out = ok(run(env, Path(env["HOME"]) / "work", "aws", "--endpoint-url", env["CA_ENDPOINT"], "codeartifact",
                 *args))
    return json.loads(out.stdout) if out.stdout.strip() else {}


def package_args(repository: str, fmt: str, package: str, namespace: str = None) -> list:
    args = ["--domain", DOMAIN, "--domain-owner", ACCOUNT, "--repository", repository, "--format", fmt,
            "--package", package]
    return args + (["--namespace", namespace] if namespace else [])


def opener():
    return urllib.request.build_opener(urllib.request.ProxyHandler({}))


def http_status(url: str, auth: str) -> int:
    try:
        with opener().open(urllib.request.Request(url, headers={"Authorization": auth}), timeout=HTTP_TIMEOUT) as r:
            r.read()
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def http_bytes(url: str, auth: str) -> bytes:
    with opener().open(urllib.request.Request(url, headers={"Authorization": auth}), timeout=HTTP_TIMEOUT) as r:
        return r.read()


def sha512_integrity(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


# The aws CLI and npm -----------------------------------------------------------

def test_cli_flow_with_npm(api_server, env, tmp_path):
    repository = new_repository(api_server, "cli-npm")
    env["CA_ENDPOINT"] = api_server.url
    endpoint = login(api_server, env, "npm", repository)
    name = "cli-flow"
    packed = {}
    for version in ("1.0.0", "1.1.0", "1.2.0"):
        directory = npm_package(tmp_path, name, version)
        packed[version] = npm_pack(env, directory)
        ok(npm_publish(env, directory))
    # Projects locked to 1.1.0 and 1.2.0, while they are Published; each
    # `npm ci` below runs in a copy, with a cold cache of its own.
    for version in ("1.1.0", "1.2.0"):
        ok(npm_install(env, tmp_path, f"locked-{version}", f"{name}@{version}"))
        ci_app = tmp_path / f"ci-{version}" / "app"
        ci_app.mkdir(parents=True)
        for file in ("package.json", "package-lock.json"):
            (ci_app / file).write_bytes((tmp_path / f"locked-{version}" / "app" / file).read_bytes())
    pkg = package_args(repository, "npm", name)

    listed = aws(env, "list-packages", "--domain", DOMAIN, "--domain-owner", ACCOUNT, "--repository", repository)
    assert [p["package"] for p in listed["packages"]] == [name], listed
    assert listed["packages"][0]["format"] == "npm" and "namespace" not in listed["packages"][0], listed
    assert listed["packages"][0]["originConfiguration"] == {"restrictions": {"publish": "ALLOW", "upstream": "BLOCK"}}

    versions = aws(env, "list-package-versions", *pkg)
    assert sorted(v["version"] for v in versions["versions"]) == ["1.0.0", "1.1.0", "1.2.0"], versions
    assert {v["status"] for v in versions["versions"]} == {"Published"}, versions
    assert versions["defaultDisplayVersion"] == "1.2.0", versions

    described = aws(env, "describe-package-version", *pkg, "--package-version", "1.1.0")["packageVersion"]
    assert (described["packageName"], described["version"], described["status"]) == (name, "1.1.0", "Published")
    assert described["displayName"] == name and described["summary"] == "test package", described
    revision = described["revision"]

    assets = aws(env, "list-package-version-assets", *pkg, "--package-version", "1.1.0")
    assert assets["versionRevision"] == revision, assets
    [asset] = assets["assets"]
    assert asset["name"] == f"{name}-1.1.0.tgz", asset
    outfile = tmp_path / "downloaded.tgz"
    got = aws(env, "get-package-version-asset", *pkg, "--package-version", "1.1.0", "--asset", asset["name"],
              str(outfile))
    assert got == {"assetName": asset["name"], "packageVersion": "1.1.0", "packageVersionRevision": revision}, got
    data = outfile.read_bytes()
    assert hashlib.sha256(data).hexdigest() == asset["hashes"]["SHA-256"], asset
    assert len(data) == asset["size"]
    assert sha512_integrity(data) == packed["1.1.0"]["integrity"], "the tarball npm packed and published"

    # Unlisted: npm no longer sees the version, so it cannot resolve it...
    changed = aws(env, "update-package-versions-status", *pkg, "--versions", "1.1.0", "--target-status", "Unlisted")
    assert changed["failedVersions"] == {}, changed
    assert changed["successfulVersions"]["1.1.0"]["status"] == "Unlisted", changed
    assert changed["successfulVersions"]["1.1.0"]["revision"] != revision, "a change makes a new revision"
    work = tmp_path / "work"
    assert npm_view(env, work, name, "versions") == ["1.0.0", "1.2.0"]
    text = fails(npm_install(env, tmp_path, "fresh-1.1.0", f"{name}@1.1.0"))
    assert "npm error code ETARGET" in text, text
    # ...but a lockfile that names it still installs it (npm ci), byte for byte.
    ok(npm_install(env, tmp_path, "ci-1.1.0", command="ci"))
    assert npm_loaded(env, tmp_path, "ci-1.1.0", name)["version"] == "1.1.0"

    # Disposed: its tarball is gone; npm ci with a lockfile naming it fails.
    disposed = aws(env, "dispose-package-versions", *pkg, "--versions", "1.2.0")
    assert disposed["successfulVersions"]["1.2.0"]["status"] == "Disposed", disposed
    assert aws(env, "list-package-version-assets", *pkg, "--package-version", "1.2.0")["assets"] == []
    assert aws(env, "describe-package-version", *pkg, "--package-version", "1.2.0")["packageVersion"][
        "status"] == "Disposed"
    assert npm_view(env, work, name, "versions") == ["1.0.0"]
    text = fails(npm_install(env, tmp_path, "fresh-1.2.0", f"{name}@1.2.0"))
    assert "npm error code ETARGET" in text, text
    text = fails(npm_install(env, tmp_path, "ci-1.2.0", command="ci"))
    assert "E404" in text, text

    # Deleted: gone, and npm publishes the version again.
    deleted = aws(env, "delete-package-versions", *pkg, "--versions", "1.0.0")
    assert deleted["successfulVersions"]["1.0.0"]["status"] == "Deleted", deleted
    text = fails(run(env, work, "npm", "view", name, "versions", "--json"))
    assert "E404" in text, "no listed version is left"
    again = npm_package(tmp_path, name, "1.0.0", marker="second")
    ok(npm_publish(env, again))
    ok(npm_install(env, tmp_path, "republished", f"{name}@1.0.0"))
    assert npm_loaded(env, tmp_path, "republished", name) == {"name": name, "version": "1.0.0", "marker": "second"}
    final = {v["version"]: v["status"] for v in aws(env, "list-package-versions", *pkg)["versions"]}
    assert final == {"1.0.0": "Published", "1.1.0": "Unlisted", "1.2.0": "Disposed"}, final
    assert endpoint.startswith(api_server.url)


def test_cli_flow_with_scoped_npm_packages(api_server, env, tmp_path):
    repository = new_repository(api_server, "cli-scoped")
    env["CA_ENDPOINT"] = api_server.url
    login(api_server, env, "npm", repository, "--namespace", "flow")
    for version in ("1.0.0", "2.0.0"):
        ok(npm_publish(env, npm_package(tmp_path, "@flow/kit", version)))
    pkg = package_args(repository, "npm", "kit", namespace="flow")
    listed = aws(env, "list-packages", "--domain", DOMAIN, "--repository", repository, "--namespace", "fl")
    assert [(p["namespace"], p["package"]) for p in listed["packages"]] == [("flow", "kit")], listed
    described = aws(env, "describe-package-version", *pkg, "--package-version", "2.0.0")["packageVersion"]
    assert (described["namespace"], described["packageName"], described["displayName"]) == ("flow", "kit", "@flow/kit")
    outfile = tmp_path / "kit.tgz"
    got = aws(env, "get-package-version-asset", *pkg, "--package-version", "2.0.0", "--asset", "kit-2.0.0.tgz",
              str(outfile))
    assert got["assetName"] == "kit-2.0.0.tgz" and got["packageVersionRevision"] == described["revision"], got
    [asset] = aws(env, "list-package-version-assets", *pkg, "--package-version", "2.0.0")["assets"]
    assert hashlib.sha256(outfile.read_bytes()).hexdigest() == asset["hashes"]["SHA-256"]
    aws(env, "update-package-versions-status", *pkg, "--versions", "2.0.0", "--target-status", "Unlisted")
    assert npm_view(env, tmp_path / "work", "@flow/kit", "versions") == ["1.0.0"]
    deleted = aws(env, "delete-package", *pkg)
    assert deleted["deletedPackage"]["package"] == "kit", deleted
    text = fails(run(env, tmp_path / "work", "npm", "view", "@flow/kit", "--json"))
    assert "E404" in text, text


# The aws CLI, twine and pip ----------------------------------------------------

def test_cli_flow_with_pip(api_server, env, tmp_path, venv_python):
    repository = new_repository(api_server, "cli-pypi")
    env["CA_ENDPOINT"] = api_server.url
    login(api_server, env, "twine", repository)
    endpoint = login(api_server, env, "pip", repository)
    project, normalized, module = "Cli_Flow.Py", "cli-flow-py", "cli_flow_py"
    wheels = {v: build_wheel(tmp_path / "dist" / v, project, v, module) for v in ("1.0.0", "1.1.0", "1.2.0")}
    ok(twine_upload(env, *wheels.values()))
    # The files' URLs, from the project's page while every version is listed.
    token = client(api_server).get_authorization_token(domain=DOMAIN)["authorizationToken"]
    auth = "Basic " + base64.b64encode(f"aws:{token}".encode()).decode()
    page_url = f"{endpoint}simple/{normalized}/"
    page = http_bytes(page_url, auth).decode()
    urls = {}
    for version, wheel in wheels.items():
        [href] = re.findall(r'href="([^"#]*' + re.escape(wheel.name) + r')#', page)
        urls[version] = urllib.parse.urljoin(page_url, href)

    listed = aws(env, "list-packages", "--domain", DOMAIN, "--repository", repository, "--format", "pypi")
    assert [p["package"] for p in listed["packages"]] == [normalized], listed
    # The name as published names the package too.
    pkg = package_args(repository, "pypi", project)
    versions = aws(env, "list-package-versions", *pkg)
    assert versions["package"] == normalized, versions
    assert sorted(v["version"] for v in versions["versions"]) == ["1.0.0", "1.1.0", "1.2.0"], versions
    described = aws(env, "describe-package-version", *pkg, "--package-version", "1.1.0")["packageVersion"]
    # The name as twine sent it (its "safe name", Cli-Flow.Py): the author's
    # spelling, which normalizes to the package's name.
    assert described["packageName"] == normalized, described
    display = described["displayName"]
    assert display != normalized and re.sub(r"[-_.]+", "-", display).lower() == normalized, described
    [asset] = aws(env, "list-package-version-assets", *pkg, "--package-version", "1.1.0")["assets"]
    assert asset["name"] == wheels["1.1.0"].name, asset
    outfile = tmp_path / "downloaded.whl"
    got = aws(env, "get-package-version-asset", *pkg, "--package-version", "1.1.0", "--asset", asset["name"],
              str(outfile))
    assert got["packageVersionRevision"] == described["revision"], got
    assert hashlib.sha256(outfile.read_bytes()).hexdigest() == asset["hashes"]["SHA-256"] == sha256(wheels["1.1.0"])

    # Unlisted: off the index pip reads, so pip neither lists nor resolves
    # it; its file still installs from its URL.
    changed = aws(env, "update-package-versions-status", *pkg, "--versions", "1.1.0", "--target-status", "Unlisted")
    assert changed["successfulVersions"]["1.1.0"]["status"] == "Unlisted", changed
    assert index_versions(env, venv_python, normalized) == ["1.2.0", "1.0.0"]
    text = fails(pip_install(env, venv_python, tmp_path / "by-name", f"{normalized}==1.1.0"))
    assert "No matching distribution found" in text, text
    with_credentials = urls["1.1.0"].replace("://", f"://aws:{token}@", 1)
    ok(pip(env, venv_python, "install", "--no-deps", "--target", tmp_path / "by-url", with_credentials))
    assert imported(env, venv_python, tmp_path / "by-url", module) == "1.1.0 original"

    # Disposed: the file is gone.
    disposed = aws(env, "dispose-package-versions", *pkg, "--versions", "1.2.0")
    assert disposed["successfulVersions"]["1.2.0"]["status"] == "Disposed", disposed
    assert index_versions(env, venv_python, normalized) == ["1.0.0"]
    text = fails(pip_install(env, venv_python, tmp_path / "disposed", f"{normalized}==1.2.0"))
    assert "No matching distribution found" in text, text
    assert http_status(urls["1.2.0"], auth) == 404
    assert aws(env, "list-package-version-assets", *pkg, "--package-version", "1.2.0")["assets"] == []

    # Deleted: twine uploads the version again, and pip installs the new file.
    deleted = aws(env, "delete-package-versions", *pkg, "--versions", "1.0.0")
    assert deleted["successfulVersions"]["1.0.0"]["status"] == "Deleted", deleted
    again = build_wheel(tmp_path / "again", project, "1.0.0", module, marker="second")
    assert sha256(again) != sha256(wheels["1.0.0"])
    ok(twine_upload(env, again))
    ok(pip_install(env, venv_python, tmp_path / "again-site", f"{normalized}==1.0.0"))
    assert imported(env, venv_python, tmp_path / "again-site", module) == "1.0.0 second"


# boto3 ---------------------------------------------------------------------------

def npm_tarball(name: str, version: str) -> bytes:
    data = json.dumps({"name": name, "version": version}).encode()
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        info = tarfile.TarInfo("package/package.json")
        info.size, info.mtime, info.mode = len(data), 499162500, 0o644
        tar.addfile(info, io.BytesIO(data))
    return gzip.compress(raw.getvalue(), mtime=0)


def npm_put(endpoint: str, token: str, name: str, version: str) -> bytes:
    """Publishes name@version as `npm publish` sends it; returns the tarball."""
    tarball = npm_tarball(name, version)
    filename = f"{name.split('/')[-1]}-{version}.tgz"
    document = {
        "_id": name, "name": name, "dist-tags": {"latest": version},
        "versions": {version: {"name": name, "version": version, "_id": f"{name}@{version}", "dist": {
            "integrity": sha512_integrity(tarball), "shasum": hashlib.sha1(tarball).hexdigest(),
            "tarball": f"http://registry.invalid/{name}/-/{filename}"}}},
        "_attachments": {filename: {"content_type": "application/octet-stream",
                                    "data": base64.b64encode(tarball).decode(), "length": len(tarball)}},
    }
    request = urllib.request.Request(endpoint + name.replace("/", "%2f"), data=json.dumps(document).encode(),
                                     method="PUT", headers={"Authorization": f"Bearer {token}",
                                                            "Content-Type": "application/json"})
    with opener().open(request, timeout=HTTP_TIMEOUT) as r:
        assert r.status == 201, r.status
    return tarball


def npm_repository(server, name: str):
    """A new repository, a token for it, and its npm endpoint."""
    c = client(server)
    new_repository(server, name)
    token = c.get_authorization_token(domain=DOMAIN)["authorizationToken"]
    endpoint = c.get_repository_endpoint(domain=DOMAIN, repository=name, format="npm")["repositoryEndpoint"]
    return c, token, endpoint


def error_of(call) -> tuple:
    with pytest.raises(ClientError) as info:
        call()
    err = info.value.response
    return err["ResponseMetadata"]["HTTPStatusCode"], err["Error"]["Code"], err["Error"]["Message"]


def test_boto3_paginators_walk_every_page(api_server):
    c, token, endpoint = npm_repository(api_server, "paged")
    names = ["alpha", "beta", "gamma", "@one/delta", "@two/epsilon", "zeta", "eta"]
    for name in names:
        npm_put(endpoint, token, name, "1.0.0")
    versions = [f"1.{i}.0" for i in range(9)]
    for version in versions:
        npm_put(endpoint, token, "many", version)
    everything = c.list_packages(domain=DOMAIN, repository="paged")["packages"]
    assert "nextToken" not in c.list_packages(domain=DOMAIN, repository="paged")
    assert len(everything) == len(names) + 1

    for size in (1, 2, 3, 8, 9):
        pages = list(c.get_paginator("list_packages").paginate(
            domain=DOMAIN, repository="paged", PaginationConfig={"PageSize": size}))
        assert len(pages) == math.ceil(len(everything) / size), size
        assert all(len(p["packages"]) <= size for p in pages)
        walked = [p for page in pages for p in page["packages"]]
        assert walked == everything, size

        pages = list(c.get_paginator("list_package_versions").paginate(
            domain=DOMAIN, repository="paged", format="npm", package="many", PaginationConfig={"PageSize": size}))
        assert len(pages) == math.ceil(len(versions) / size), size
        walked = [v["version"] for page in pages for v in page["versions"]]
        assert sorted(walked) == sorted(versions) and len(set(walked)) == len(walked), (size, walked)
        assert {page["package"] for page in pages} == {"many"}

    # build_full_result, as `aws` uses it, merges the pages.
    result = c.get_paginator("list_packages").paginate(
        domain=DOMAIN, repository="paged", format="npm", namespace="t", PaginationConfig={"PageSize": 1}
    ).build_full_result()
    assert [(p["namespace"], p["package"]) for p in result["packages"]] == [("two", "epsilon")], result


def test_boto3_round_trip_and_modelled_errors(api_server):
    c, token, endpoint = npm_repository(api_server, "boto")
    tarballs = {v: npm_put(endpoint, token, "@b3/thing", v) for v in ("1.0.0", "1.1.0", "1.2.0")}
    pkg = dict(domain=DOMAIN, domainOwner=ACCOUNT, repository="boto", format="npm", namespace="b3", package="thing")

    described = c.describe_package(**pkg)["package"]
    assert (described["name"], described["namespace"], described["format"]) == ("thing", "b3", "npm")
    version = c.describe_package_version(**pkg, packageVersion="1.0.0")["packageVersion"]
    assert version["status"] == "Published" and version["displayName"] == "@b3/thing", version
    assert version["publishedTime"].year >= 2024, "botocore parsed the timestamp"
    got = c.get_package_version_asset(**pkg, packageVersion="1.0.0", asset="thing-1.0.0.tgz")
    assert got["asset"].read() == tarballs["1.0.0"]
    assert (got["assetName"], got["packageVersion"], got["packageVersionRevision"]) == (
        "thing-1.0.0.tgz", "1.0.0", version["revision"])

    # Per-version outcomes of a batch.
    changed = c.update_package_versions_status(
        **pkg, versions=["1.0.0", "1.1.0", "9.9.9"], versionRevisions={"1.1.0": "stale"},
        expectedStatus="Published", targetStatus="Archived")
    assert set(changed["successfulVersions"]) == {"1.0.0"}, changed
    assert changed["successfulVersions"]["1.0.0"]["status"] == "Archived"
    assert {v: e["errorCode"] for v, e in changed["failedVersions"].items()} == {
        "1.1.0": "MISMATCHED_REVISION", "9.9.9": "NOT_FOUND"}, changed
    disposed = c.dispose_package_versions(**pkg, versions=["1.0.0", "1.1.0"], expectedStatus="Archived")
    assert set(disposed["successfulVersions"]) == {"1.0.0"}, disposed
    assert disposed["failedVersions"]["1.1.0"]["errorCode"] == "MISMATCHED_STATUS", disposed
    again = c.update_package_versions_status(**pkg, versions=["1.0.0"], targetStatus="Published")
    assert again["failedVersions"]["1.0.0"]["errorCode"] == "NOT_ALLOWED", again

    # The modelled exceptions.
    archived = c.update_package_versions_status(**pkg, versions=["1.2.0"], targetStatus="Archived")
    assert archived["successfulVersions"]["1.2.0"]["status"] == "Archived"
    with pytest.raises(c.exceptions.ConflictException):
        c.get_package_version_asset(**pkg, packageVersion="1.2.0", asset="thing-1.2.0.tgz")
    with pytest.raises(c.exceptions.ConflictException):
        c.get_package_version_asset(**pkg, packageVersion="1.1.0", asset="thing-1.1.0.tgz",
                                    packageVersionRevision="not-the-revision")
    with pytest.raises(c.exceptions.ResourceNotFoundException):
        c.get_package_version_asset(**pkg, packageVersion="1.1.0", asset="nothing.tgz")
    with pytest.raises(c.exceptions.ResourceNotFoundException):
        c.describe_package_version(**pkg, packageVersion="7.7.7")
    with pytest.raises(c.exceptions.ResourceNotFoundException):
        c.list_package_versions(**{**pkg, "package": "nothing"})
    with pytest.raises(c.exceptions.ResourceNotFoundException):
        c.list_packages(domain=DOMAIN, repository="no-such-repository")
    status, code, message = error_of(lambda: c.list_package_versions(**{**pkg, "format": "rpm"}))
    assert (status, code) == (400, "ValidationException") and "'format'" in message, message
    with pytest.raises(c.exceptions.ValidationException):
        c.update_package_versions_status(**pkg, versions=["1.1.0"], targetStatus="Disposed")

    # READER may read through the npm and PyPI endpoints
    # (ReadFromRepository), which is not one of the package API's actions:
    # as on AWS, downloading through the API needs GetPackageVersionAsset.
    reader = client(api_server, READER)
    for action, call in (
            ("GetPackageVersionAsset",
             lambda: reader.get_package_version_asset(**pkg, packageVersion="1.1.0", asset="thing-1.1.0.tgz")),
            ("ListPackages", lambda: reader.list_packages(domain=DOMAIN, repository="boto")),
            ("DescribePackageVersion", lambda: reader.describe_package_version(**pkg, packageVersion="1.1.0")),
            ("DeletePackageVersions", lambda: reader.delete_package_versions(**pkg, versions=["1.1.0"])),
            ("DeletePackage", lambda: reader.delete_package(**{**pkg, "package": "not-even-there"}))):
        status, code, message = error_of(call)
        assert (status, code) == (403, "AccessDeniedException"), message
        assert "user/reader" in message and f"codeartifact:{action} " in message, message

    deleted = c.delete_package(**pkg)["deletedPackage"]
    assert (deleted["namespace"], deleted["package"]) == ("b3", "thing"), deleted
    with pytest.raises(c.exceptions.ResourceNotFoundException):
        c.describe_package(**pkg)
    assert c.list_packages(domain=DOMAIN, repository="boto")["packages"] == []
