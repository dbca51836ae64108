"""The six operations added with PublishPackageVersion, with the real aws CLI,
boto3, npm and twine: publish-package-version of generic packages (a file
from disk, its SHA-256 in --asset-sha256; unfinished versions; what is
refused), copy-package-versions followed by `npm install` from the
destination, put-package-origin-configuration against `npm publish`,
list-package-version-dependencies of what npm and twine published,
update-repository followed by installs through the new upstream, and
list-repositories walked by boto3's paginator.

botocore signs the `x-amz-content-sha256` header's value as the payload's
hash when the request carries one, as PublishPackageVersion's does: so a
file whose bytes are not the declared ones reaches the server's own check.

Each test uses repositories of its own on the module's server (the test
configuration plus a user who may only read), an empty HOME, and only
127.0.0.1; every tool run and request has a timeout.
"""

import base64
import hashlib
import json
import math
import zipfile
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import ACCOUNT, USER, Cred, Server, write_test_config
from test_packages import (DOMAIN, READER, READER_TOML, fails, login, npm_install, npm_loaded, npm_pack,
                           npm_package, npm_publish, npm_view, ok, run, tool_env, twine_upload)

HTTP_TIMEOUT = 30  # seconds, for any one request
NAMESPACE = "tools"


@pytest.fixture(scope="module")
def more_server(session_expiry, tmp_path_factory):
    """The test configuration plus READER (tokens and reads, nothing else)."""
    workdir = tmp_path_factory.mktemp("package-api-more-server")
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


def new_repository(server, name: str, domain: str = DOMAIN, upstreams=()) -> str:
    client(server).create_repository(domain=domain, domainOwner=ACCOUNT, repository=name,
                                     upstreams=[{"repositoryName": u} for u in upstreams])
    return name


@pytest.fixture
def env(clean_env, tmp_path) -> dict:
    return tool_env(clean_env, tmp_path / "home", USER)


def aws_run(server, env, *args):
    """`aws codeartifact ARGS` against the server: the finished run."""
    return run(env, Path(env["HOME"]) / "work", "aws", "--endpoint-url", server.url, "codeartifact", *args)


def aws(server, env, *args) -> dict:
    """`aws codeartifact ARGS`, which must succeed: its JSON."""
    out = ok(aws_run(server, env, *args))
    return json.loads(out.stdout) if out.stdout.strip() else {}


def error_of(call) -> tuple:
    with pytest.raises(ClientError) as info:
        call()
    err = info.value.response
    return err["ResponseMetadata"]["HTTPStatusCode"], err["Error"]["Code"], err["Error"]["Message"]


def generic_args(repository: str, package: str, namespace: str = NAMESPACE) -> list:
    args = ["--domain", DOMAIN, "--domain-owner", ACCOUNT, "--repository", repository, "--format", "generic",
            "--package", package]
    return args + (["--namespace", namespace] if namespace else [])


def generic_pkg(repository: str, package: str) -> dict:
    return dict(domain=DOMAIN, domainOwner=ACCOUNT, repository=repository, format="generic", namespace=NAMESPACE,
                package=package)


def data(seed: int, size: int) -> bytes:
    """`size` bytes that differ by `seed`."""
    out, block = bytearray(), hashlib.sha256(str(seed).encode()).digest()
    while len(out) < size:
        block = hashlib.sha256(block).digest()
        out += block
    return bytes(out[:size])


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def hashes_of(content: bytes) -> dict:
    return {"SHA-1": hashlib.sha1(content).hexdigest(), "SHA-256": sha256(content),
            "SHA-512": hashlib.sha512(content).hexdigest()}


def assert_hashes(hashes: dict, content: bytes):
    for algorithm, value in hashes_of(content).items():
        assert hashes.get(algorithm) == value, (algorithm, hashes)


# publish-package-version -------------------------------------------------------

def test_cli_publishes_generic_assets_from_files(more_server, clean_env, env, tmp_path):
    repository = new_repository(more_server, "cli-generic")
    pkg = generic_args(repository, "cli-tool")
    files = {}
    for i, name in enumerate(("tool-linux.tar.gz", "tool-mac.tar.gz", "checksums.txt")):
        path = tmp_path / name
        path.write_bytes(data(i, 300_000 if i < 2 else 1_000))
        files[name] = path

    revisions = []
    for i, (name, path) in enumerate(files.items()):
        last = i == len(files) - 1
        out = aws(more_server, env, "publish-package-version", *pkg, "--package-version", "1.0.0",
                  "--asset-content", str(path), "--asset-name", name, "--asset-sha256", sha256(path.read_bytes()),
                  *([] if last else ["--unfinished"]))
        assert out["status"] == ("Published" if last else "Unfinished"), out
        assert (out["format"], out["namespace"], out["package"], out["version"]) == (
            "generic", NAMESPACE, "cli-tool", "1.0.0"), out
        assert out["asset"]["name"] == name and out["asset"]["size"] == path.stat().st_size, out
        assert_hashes(out["asset"]["hashes"], path.read_bytes())
        revisions.append(out["versionRevision"])
        described = aws(more_server, env, "describe-package-version", *pkg, "--package-version", "1.0.0")
        assert described["packageVersion"]["status"] == out["status"], described
        assert described["packageVersion"]["revision"] == out["versionRevision"], described
    assert len(set(revisions)) == 3, revisions

    listed = aws(more_server, env, "list-package-version-assets", *pkg, "--package-version", "1.0.0")
    assert listed["versionRevision"] == revisions[-1], listed
    assert sorted(a["name"] for a in listed["assets"]) == sorted(files), listed
    for asset in listed["assets"]:
        content = files[asset["name"]].read_bytes()
        assert asset["size"] == len(content), asset
        assert_hashes(asset["hashes"], content)
        outfile = tmp_path / "downloads" / asset["name"]
        outfile.parent.mkdir(exist_ok=True)
        got = aws(more_server, env, "get-package-version-asset", *pkg, "--package-version", "1.0.0",
                  "--asset", asset["name"], str(outfile))
        assert got["packageVersionRevision"] == revisions[-1], got
        assert outfile.read_bytes() == content, asset["name"]

    # A Published version takes no more assets.
    extra = tmp_path / "extra.bin"
    extra.write_bytes(b"one more")
    for unfinished in ([], ["--unfinished"]):
        text = fails(aws_run(more_server, env, "publish-package-version", *pkg, "--package-version", "1.0.0",
                             "--asset-content", str(extra), "--asset-name", "extra.bin",
                             "--asset-sha256", sha256(b"one more"), *unfinished))
        assert "(ConflictException)" in text, text

    # A file that is not what --asset-sha256 says: refused, nothing kept.
    text = fails(aws_run(more_server, env, "publish-package-version", *pkg, "--package-version", "2.0.0",
                         "--asset-content", str(extra), "--asset-name", "extra.bin",
                         "--asset-sha256", sha256(b"something else")))
    assert "(ValidationException)" in text, text
    versions = aws(more_server, env, "list-package-versions", *pkg)
    assert [(v["version"], v["status"]) for v in versions["versions"]] == [("1.0.0", "Published")], versions
    listed = aws(more_server, env, "list-package-version-assets", *pkg, "--package-version", "1.0.0")
    assert sorted(a["name"] for a in listed["assets"]) == sorted(files), listed

    # Only generic packages, and only with a namespace.
    text = fails(aws_run(more_server, env, "publish-package-version", "--domain", DOMAIN, "--repository", repository,
                         "--format", "npm", "--package", "cli-tool", "--package-version", "3.0.0",
                         "--asset-content", str(extra), "--asset-name", "extra.bin",
                         "--asset-sha256", sha256(b"one more")))
    assert "(ValidationException)" in text and "'format'" in text, text
    text = fails(aws_run(more_server, env, "publish-package-version", *generic_args(repository, "cli-tool", None),
                         "--package-version", "3.0.0", "--asset-content", str(extra), "--asset-name", "extra.bin",
                         "--asset-sha256", sha256(b"one more")))
    assert "(ValidationException)" in text, text

    # A user without codeartifact:PublishPackageVersion.
    reader = tool_env(clean_env, tmp_path / "reader-home", READER)
    text = fails(aws_run(more_server, reader, "publish-package-version", *pkg, "--package-version", "4.0.0",
                         "--asset-content", str(extra), "--asset-name", "extra.bin",
                         "--asset-sha256", sha256(b"one more")))
    assert "(AccessDeniedException)" in text and "codeartifact:PublishPackageVersion" in text, text
    versions = aws(more_server, env, "list-package-versions", *pkg)
    assert [v["version"] for v in versions["versions"]] == ["1.0.0"], versions


def test_boto3_publishes_generic_assets(more_server, tmp_path):
    c = client(more_server)
    repository = new_repository(more_server, "boto-generic")
    pkg = generic_pkg(repository, "boto-tool")
    in_memory = data(10, 200_000)
    out = c.publish_package_version(**pkg, packageVersion="1.0.0", assetName="memory.bin", assetContent=in_memory,
                                    assetSHA256=sha256(in_memory))
    assert out["status"] == "Published" and out["asset"]["size"] == len(in_memory), out
    assert_hashes(out["asset"]["hashes"], in_memory)
    # A file object, as boto3 users stream large assets.
    path = tmp_path / "file.bin"
    path.write_bytes(data(11, 1_500_000))
    with open(path, "rb") as f:
        out = c.publish_package_version(**pkg, packageVersion="2.0.0", assetName="file.bin", assetContent=f,
                                        assetSHA256=sha256(path.read_bytes()), unfinished=True)
    assert out["status"] == "Unfinished", out
    second = data(12, 10)
    out = c.publish_package_version(**pkg, packageVersion="2.0.0", assetName="second.bin", assetContent=second,
                                    assetSHA256=sha256(second))
    assert out["status"] == "Published", out
    for version, name, content in (("1.0.0", "memory.bin", in_memory), ("2.0.0", "file.bin", path.read_bytes()),
                                   ("2.0.0", "second.bin", second)):
        got = c.get_package_version_asset(**pkg, packageVersion=version, asset=name)
        assert got["asset"].read() == content, (version, name)
    assets = c.list_package_version_assets(**pkg, packageVersion="2.0.0")["assets"]
    assert sorted(a["name"] for a in assets) == ["file.bin", "second.bin"], assets

    # The modelled errors. Each refused publish goes on a client of its own:
    # whether the connection survives a refusal is the next test's question.
    fresh = lambda: client(more_server)  # noqa: E731
    with pytest.raises(c.exceptions.ConflictException):
        fresh().publish_package_version(**pkg, packageVersion="2.0.0", assetName="third.bin", assetContent=b"3",
                                  assetSHA256=sha256(b"3"))
    status, code, message = error_of(lambda: fresh().publish_package_version(
        **pkg, packageVersion="3.0.0", assetName="liar.bin", assetContent=b"sent", assetSHA256=sha256(b"declared")))
    assert (status, code) == (400, "ValidationException"), message
    versions = c.list_package_versions(**pkg)["versions"]
    assert sorted(v["version"] for v in versions) == ["1.0.0", "2.0.0"], versions
    for changed in ({"format": "pypi", "namespace": None}, {"namespace": None}):
        args = {k: v for k, v in {**pkg, **changed}.items() if v is not None}
        with pytest.raises(c.exceptions.ValidationException):
            fresh().publish_package_version(**args, packageVersion="4.0.0", assetName="a", assetContent=b"a",
                                      assetSHA256=sha256(b"a"))
    with pytest.raises(c.exceptions.ResourceNotFoundException):
        fresh().publish_package_version(**{**pkg, "repository": "no-such-repository"}, packageVersion="1.0.0",
                                  assetName="a", assetContent=b"a", assetSHA256=sha256(b"a"))

    # A version an upstream already has.
    down = new_repository(more_server, "boto-generic-down", upstreams=[repository])
    with pytest.raises(c.exceptions.ConflictException):
        fresh().publish_package_version(**{**pkg, "repository": down}, packageVersion="1.0.0", assetName="memory.bin",
                                  assetContent=b"other", assetSHA256=sha256(b"other"))
    fresh().publish_package_version(**{**pkg, "repository": down}, packageVersion="5.0.0", assetName="a",
                              assetContent=b"a", assetSHA256=sha256(b"a"))

    reader = client(more_server, READER)
    status, code, message = error_of(lambda: reader.publish_package_version(
        **pkg, packageVersion="6.0.0", assetName="a", assetContent=b"a", assetSHA256=sha256(b"a")))
    assert (status, code) == (403, "AccessDeniedException") and "user/reader" in message, message


def test_a_refused_publish_leaves_boto3s_connection_usable(more_server):
    """boto3 keeps its connection alive; a publish the server refuses before
    reading the body (the version is Published already) must not break the
    next call on it (retries are off, as in every test here)."""
    c = client(more_server)
    repository = new_repository(more_server, "keep-alive")
    pkg = generic_pkg(repository, "kept")
    c.publish_package_version(**pkg, packageVersion="1.0.0", assetName="a", assetContent=b"a",
                              assetSHA256=sha256(b"a"))
    # A broken connection shows on the next call only when the server closes
    # it after urllib3 looked: a race, so it is run a few times.
    for size in (10, 200_000, 2_000_000) * 5:
        body = data(size, size)
        with pytest.raises(c.exceptions.ConflictException):
            c.publish_package_version(**pkg, packageVersion="1.0.0", assetName="b", assetContent=body,
                                      assetSHA256=sha256(body))
        described = c.describe_package_version(**pkg, packageVersion="1.0.0")["packageVersion"]
        assert described["status"] == "Published", (size, described)


# copy-package-versions ---------------------------------------------------------

def test_copied_npm_versions_install_from_the_destination(more_server, env, tmp_path):
    src, dst = new_repository(more_server, "copy-src"), new_repository(more_server, "copy-dst")
    login(more_server, env, "npm", src)
    packed = {}
    for version in ("1.0.0", "1.1.0", "2.0.0"):
        directory = npm_package(tmp_path, "copied-pkg", version)
        packed[version] = npm_pack(env, directory)
        ok(npm_publish(env, directory))

    c = client(more_server)
    pkg = dict(domain=DOMAIN, domainOwner=ACCOUNT, sourceRepository=src, destinationRepository=dst, format="npm",
               package="copied-pkg")
    copied = c.copy_package_versions(**pkg, versions=["1.0.0", "1.1.0", "9.9.9"])
    assert sorted(copied["successfulVersions"]) == ["1.0.0", "1.1.0"], copied
    assert {v["status"] for v in copied["successfulVersions"].values()} == {"Published"}, copied
    assert {v: e["errorCode"] for v, e in copied["failedVersions"].items()} == {"9.9.9": "NOT_FOUND"}, copied
    again = aws(more_server, env, "copy-package-versions", "--domain", DOMAIN, "--source-repository", src,
                "--destination-repository", dst, "--format", "npm", "--package", "copied-pkg", "--versions", "1.1.0")
    assert again["failedVersions"]["1.1.0"]["errorCode"] == "ALREADY_EXISTS", again
    revision = c.describe_package_version(domain=DOMAIN, repository=src, format="npm", package="copied-pkg",
                                          packageVersion="2.0.0")["packageVersion"]["revision"]
    stale = c.copy_package_versions(**pkg, versionRevisions={"2.0.0": "not-the-revision"})
    assert stale["failedVersions"]["2.0.0"]["errorCode"] == "MISMATCHED_REVISION", stale

    endpoint = login(more_server, env, "npm", dst)
    work = tmp_path / "work"
    assert npm_view(env, work, "copied-pkg", "versions") == ["1.0.0", "1.1.0"]
    for spec, expected in (("copied-pkg@1.0.0", "1.0.0"), ("copied-pkg@^1.0.0", "1.1.0")):
        label = f"install-{expected}"
        ok(npm_install(env, tmp_path, label, spec))
        loaded = npm_loaded(env, tmp_path, label, "copied-pkg")
        assert loaded == {"name": "copied-pkg", "version": expected, "marker": "original"}, (spec, loaded)
        lock = json.loads((tmp_path / label / "app" / "package-lock.json").read_text())
        entry = lock["packages"]["node_modules/copied-pkg"]
        assert entry["resolved"].startswith(endpoint), entry
        assert entry["integrity"] == packed[expected]["integrity"], entry

    # By revision, 2.0.0 follows; then npm sees it there too.
    moved = c.copy_package_versions(**pkg, versionRevisions={"2.0.0": revision})
    assert list(moved["successfulVersions"]) == ["2.0.0"], moved
    assert npm_view(env, work, "copied-pkg", "versions") == ["1.0.0", "1.1.0", "2.0.0"]
    ok(npm_install(env, tmp_path, "install-2.0.0", "copied-pkg@2.0.0"))
    assert npm_loaded(env, tmp_path, "install-2.0.0", "copied-pkg")["version"] == "2.0.0"

    with pytest.raises(c.exceptions.ValidationException):
        c.copy_package_versions(**{**pkg, "destinationRepository": src}, versions=["1.0.0"])


# put-package-origin-configuration ---------------------------------------------

def test_origin_configuration_blocks_npm_publish(more_server, env, tmp_path):
    repository = new_repository(more_server, "origins")
    login(more_server, env, "npm", repository)
    ok(npm_publish(env, npm_package(tmp_path, "origin-pkg", "1.0.0")))
    pkg = ["--domain", DOMAIN, "--repository", repository, "--format", "npm", "--package", "origin-pkg"]

    out = aws(more_server, env, "put-package-origin-configuration", *pkg,
              "--restrictions", "publish=BLOCK,upstream=ALLOW")
    assert out["originConfiguration"] == {"restrictions": {"publish": "BLOCK", "upstream": "ALLOW"}}, out
    described = aws(more_server, env, "describe-package", *pkg)["package"]
    assert described["originConfiguration"]["restrictions"] == {"publish": "BLOCK", "upstream": "ALLOW"}
    text = fails(npm_publish(env, npm_package(tmp_path, "origin-pkg", "1.1.0")))
    assert "npm error code E409" in text, text
    assert npm_view(env, tmp_path / "work", "origin-pkg", "versions") == ["1.0.0"]

    aws(more_server, env, "put-package-origin-configuration", *pkg, "--restrictions", "publish=ALLOW,upstream=BLOCK")
    ok(npm_publish(env, npm_package(tmp_path, "origin-pkg", "1.1.0", marker="second")))
    assert npm_view(env, tmp_path / "work", "origin-pkg", "versions") == ["1.0.0", "1.1.0"]

    # A package that does not exist yet: created, with no versions, and
    # blocked before it first arrives.
    c = client(more_server)
    c.put_package_origin_configuration(domain=DOMAIN, repository=repository, format="npm", namespace="early",
                                       package="bird", restrictions={"publish": "BLOCK", "upstream": "BLOCK"})
    listed = c.list_packages(domain=DOMAIN, repository=repository, publish="BLOCK")["packages"]
    assert [(p.get("namespace"), p["package"]) for p in listed] == [("early", "bird")], listed
    assert c.list_package_versions(domain=DOMAIN, repository=repository, format="npm", namespace="early",
                                   package="bird")["versions"] == []
    login(more_server, env, "npm", repository, "--namespace", "early")
    text = fails(npm_publish(env, npm_package(tmp_path, "@early/bird", "1.0.0")))
    assert "npm error code E409" in text, text


# list-package-version-dependencies ----------------------------------------------

def test_dependencies_of_what_npm_published(more_server, env, tmp_path):
    repository = new_repository(more_server, "deps-npm")
    login(more_server, env, "npm", repository)
    directory = npm_package(tmp_path, "@deps/app", "1.0.0")
    manifest = json.loads((directory / "package.json").read_text())
    manifest.update(
        dependencies={"left-pad": "^1.3.0", "@types/node": "~20.1.0"},
        devDependencies={"@babel/core": "7.x"},
        peerDependencies={"react": ">=17 <19"},
        optionalDependencies={"fsevents": "*"},
    )
    (directory / "package.json").write_text(json.dumps(manifest))
    ok(npm_publish(env, directory))
    out = aws(more_server, env, "list-package-version-dependencies", "--domain", DOMAIN, "--repository", repository,
              "--format", "npm", "--namespace", "deps", "--package", "app", "--package-version", "1.0.0")
    got = sorted((d.get("namespace", ""), d["package"], d.get("dependencyType"), d.get("versionRequirement"))
                 for d in out["dependencies"])
    assert got == sorted([
        ("", "left-pad", "regular", "^1.3.0"), ("types", "node", "regular", "~20.1.0"),
        ("babel", "core", "dev", "7.x"), ("", "react", "peer", ">=17 <19"), ("", "fsevents", "optional", "*"),
    ]), out
    assert (out["namespace"], out["package"], out["version"]) == ("deps", "app", "1.0.0"), out


def build_wheel_requiring(directory: Path, name: str, version: str, requires: list) -> Path:
    """A pure-Python wheel whose METADATA has `Requires-Dist` lines, which
    twine sends as `requires_dist` fields."""
    module = name.replace("-", "_")
    dist_info = f"{module}-{version}.dist-info"
    metadata = (f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nSummary: needs things\n"
                + "".join(f"Requires-Dist: {r}\n" for r in requires)).encode()
    files = {
        f"{module}/__init__.py": b"",
        f"{dist_info}/METADATA": metadata,
        f"{dist_info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = [f"{path},sha256={base64.urlsafe_b64encode(hashlib.sha256(content).digest()).rstrip(b'=').decode()},"
              f"{len(content)}" for path, content in files.items()]
    files[f"{dist_info}/RECORD"] = ("\n".join(record + [f"{dist_info}/RECORD,,"]) + "\n").encode()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{module}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for member, content in files.items():
            z.writestr(zipfile.ZipInfo(member, date_time=(2020, 1, 1, 0, 0, 0)), content)
    return path


def test_dependencies_of_what_twine_uploaded(more_server, env, tmp_path):
    repository = new_repository(more_server, "deps-pypi")
    login(more_server, env, "twine", repository)
    wheel = build_wheel_requiring(tmp_path / "dist", "needs-things", "1.0", ["requests>=2.31", "idna<4,>=2.5"])
    ok(twine_upload(env, wheel))
    out = client(more_server).list_package_version_dependencies(
        domain=DOMAIN, repository=repository, format="pypi", package="needs-things", packageVersion="1.0")
    got = sorted((d["package"], d.get("dependencyType"), d.get("versionRequirement")) for d in out["dependencies"])
    # AWS documents pypi's dependencyType as `Requires-Dist`.
    assert got == [("idna", "Requires-Dist", "<4,>=2.5"), ("requests", "Requires-Dist", ">=2.31")], out


# update-repository, list-repositories --------------------------------------------

def test_update_repository_then_npm_installs_through_the_new_upstream(more_server, env, tmp_path):
    up, down = new_repository(more_server, "upd-up"), new_repository(more_server, "upd-down")
    login(more_server, env, "npm", up)
    directory = npm_package(tmp_path, "via-upstream", "1.0.0")
    packed = npm_pack(env, directory)
    ok(npm_publish(env, directory))

    updated = aws(more_server, env, "update-repository", "--domain", DOMAIN, "--repository", down,
                  "--description", "reads upd-up", "--upstreams", f"repositoryName={up}")["repository"]
    assert updated["upstreams"] == [{"repositoryName": up}] and updated["description"] == "reads upd-up", updated
    endpoint = login(more_server, env, "npm", down)
    ok(npm_install(env, tmp_path, "through", "via-upstream@^1.0.0"))
    assert npm_loaded(env, tmp_path, "through", "via-upstream")["version"] == "1.0.0"
    lock = json.loads((tmp_path / "through" / "app" / "package-lock.json").read_text())
    entry = lock["packages"]["node_modules/via-upstream"]
    assert entry["resolved"].startswith(endpoint) and entry["integrity"] == packed["integrity"], entry

    c = client(more_server)
    kept = c.update_repository(domain=DOMAIN, repository=down, description="still reads upd-up")["repository"]
    assert kept["upstreams"] == [{"repositoryName": up}] and kept["description"] == "still reads upd-up", kept
    for upstreams, expected in (([down], "ValidationException"), ([up, up], "ValidationException"),
                                (["no-such-repository"], "ResourceNotFoundException")):
        status, code, message = error_of(lambda: c.update_repository(
            domain=DOMAIN, repository=down, upstreams=[{"repositoryName": u} for u in upstreams]))
        assert code == expected, (upstreams, code, message)
    # up reading down while down reads up would be a cycle.
    status, code, message = error_of(lambda: c.update_repository(
        domain=DOMAIN, repository=up, upstreams=[{"repositoryName": down}]))
    assert code == "ValidationException", (code, message)
    assert c.describe_repository(domain=DOMAIN, repository=up)["repository"].get("upstreams", []) == []
    assert c.describe_repository(domain=DOMAIN, repository=down)["repository"]["upstreams"] == [
        {"repositoryName": up}]
    removed = c.update_repository(domain=DOMAIN, repository=down, upstreams=[])["repository"]
    assert removed.get("upstreams", []) == [] and removed["description"] == "still reads upd-up", removed


def test_list_repositories_pages_with_boto3_and_the_cli(more_server, env):
    c = client(more_server)
    names = ("lst", "lst-staging", "lst.x")
    for domain in (DOMAIN, "team"):
        for name in names:
            new_repository(more_server, name, domain=domain)
    everything = c.list_repositories(repositoryPrefix="lst")
    assert "nextToken" not in everything, everything
    listed = [(r["domainName"], r["name"]) for r in everything["repositories"]]
    assert sorted(listed) == sorted((d, n) for d in (DOMAIN, "team") for n in names), listed
    for r in everything["repositories"]:
        assert r["domainOwner"] == ACCOUNT and r["administratorAccount"] == ACCOUNT, r
        assert r["arn"] == f"arn:aws:codeartifact:us-east-1:{ACCOUNT}:repository/{r['domainName']}/{r['name']}", r

    for size in range(1, len(listed) + 2):
        pages = list(c.get_paginator("list_repositories").paginate(
            repositoryPrefix="lst", PaginationConfig={"PageSize": size}))
        assert len(pages) == math.ceil(len(listed) / size), size
        walked = [(r["domainName"], r["name"]) for page in pages for r in page["repositories"]]
        assert walked == listed, size
    prefixed = c.list_repositories(repositoryPrefix="lst-")["repositories"]
    assert sorted((r["domainName"], r["name"]) for r in prefixed) == [(DOMAIN, "lst-staging"), ("team", "lst-staging")]

    # The CLI, a page of one at a time.
    out = aws(more_server, env, "list-repositories", "--repository-prefix", "lst", "--page-size", "1")
    assert [(r["domainName"], r["name"]) for r in out["repositories"]] == listed, out

    # Another account's user sees none of these.
    other = Cred.user("444455556666", "bob")
    theirs = client(more_server, other).list_repositories(repositoryPrefix="lst")["repositories"]
    assert theirs == [], theirs
