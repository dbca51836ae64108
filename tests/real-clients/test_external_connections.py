"""External connections with the real tools: npm and pip install, through a
repository's external connection, packages that only the "public" registry
has; then the registry is stopped, and a fresh install (a cold cache, a
fresh venv) still works, from what the server kept.

The "public" registry is a second `codeartifact-local` (B), with packages
published to its repository `registry` by npm and twine. The server under
test (A) is started with `external_connections` pointing at B's npm
endpoint and B's simple index, a token for B in the URLs (`aws:<token>@`);
its repositories get their connections from `aws codeartifact
associate-external-connection`. A's log (its stderr, server.log, at trace)
must never hold B's token, nor a password in a connection URL it refuses.

Every test has its own servers and empty HOMEs; the tools reach only the
servers on 127.0.0.1 (see test_packages: anything login does not set goes to
a closed loopback port).
"""

import base64
import datetime
import json
import subprocess
import sys
from pathlib import Path

import boto3
from botocore.config import Config

from conftest import ACCOUNT, BINARY, USER, Server, write_test_config
from test_packages import (DOMAIN, TIMEOUT, build_sdist, build_wheel, fails, imported, index_versions,
                           log_lines_after, login, npm_install, npm_loaded, npm_pack, npm_package, npm_publish,
                           npm_view, ok, pip_install, run, sha256, tool_env, twine_upload)

REGISTRY = "registry"  # B's repository


def api(server):
    return boto3.client("codeartifact", endpoint_url=server.url, region_name="us-east-1",
                        aws_access_key_id=USER.access_key_id, aws_secret_access_key=USER.secret_access_key,
                        config=Config(retries={"total_max_attempts": 1}))


def start(workdir: Path, session_expiry: datetime.datetime, extra: str = "") -> Server:
    workdir.mkdir(parents=True, exist_ok=True)
    return Server(["--config", str(write_test_config(workdir, session_expiry, extra))], workdir)


def start_public(tmp_path: Path, session_expiry) -> tuple:
    """B, with repository `registry`, and a token for its domain."""
    b = start(tmp_path / "server-b", session_expiry)
    api(b).create_repository(domain=DOMAIN, domainOwner=ACCOUNT, repository=REGISTRY)
    token = api(b).get_authorization_token(domain=DOMAIN, domainOwner=ACCOUNT)["authorizationToken"]
    return b, token


def start_reading_through(tmp_path: Path, session_expiry, b: Server, token: str) -> Server:
    """A, its connections reading through to B with `token` in the URLs."""
    endpoint = f"{b.url}/d/{DOMAIN}-{ACCOUNT}".replace("http://", f"http://aws:{token}@", 1)
    extra = (f'external_connections = {{ "public:npmjs" = "{endpoint}/npm/{REGISTRY}/", '
             f'"public:pypi" = "{endpoint}/pypi/{REGISTRY}/simple/" }}')
    return start(tmp_path / "server-a", session_expiry, extra)


def aws(env, server, *args) -> dict:
    out = ok(run(env, Path(env["HOME"]) / "work", "aws", "--endpoint-url", server.url, "codeartifact", *args))
    return json.loads(out.stdout) if out.stdout.strip() else {}


def connect(env, server, repository: str, connection: str, fmt: str):
    """Repository `repository` in A, with `connection`, by the aws CLI."""
    aws(env, server, "create-repository", "--domain", DOMAIN, "--domain-owner", ACCOUNT, "--repository", repository)
    out = aws(env, server, "associate-external-connection", "--domain", DOMAIN, "--domain-owner", ACCOUNT,
              "--repository", repository, "--external-connection", connection)
    assert out["repository"]["externalConnections"] == [
        {"externalConnectionName": connection, "packageFormat": fmt, "status": "Available"}], out
    described = aws(env, server, "describe-repository", "--domain", DOMAIN, "--domain-owner", ACCOUNT,
                    "--repository", repository)
    assert described["repository"]["externalConnections"] == out["repository"]["externalConnections"]


def versions_kept(env, server, repository: str, fmt: str, package: str, namespace: str = "") -> list:
    """(version, originType, externalConnectionName) of each version A keeps."""
    args = ["list-package-versions", "--domain", DOMAIN, "--domain-owner", ACCOUNT, "--repository", repository,
            "--format", fmt, "--package", package]
    if namespace:
        args += ["--namespace", namespace]
    out = aws(env, server, *args)
    entries = ((v["version"], v["origin"]["originType"], v["origin"]["domainEntryPoint"]) for v in out["versions"])
    return sorted((version, origin, entry.get("externalConnectionName")) for version, origin, entry in entries)


def stopped_log(server: Server) -> str:
    assert server.stop() == 0, server.log()
    return server.log_path.read_text(errors="replace")


def assert_token_not_logged(log: str, token: str):
    assert "kept a version from an external connection" in log, "A's log shows no read through the connection"
    for what, secret in (("B's token", token), ("its payload", token.removeprefix("v4.local.")),
                         ("the Authorization A sends", base64.b64encode(f"aws:{token}".encode()).decode())):
        assert secret not in log, f"{what} is in A's log"


def fresh_venv(directory: Path) -> Path:
    out = subprocess.run([sys.executable, "-m", "venv", str(directory)], timeout=TIMEOUT, stdin=subprocess.DEVNULL,
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    return directory / "bin" / "python"


# npm ------------------------------------------------------------------------

def test_npm_installs_through_the_connection_and_after_the_registry_is_gone(session_expiry, clean_env, tmp_path):
    b, token = start_public(tmp_path, session_expiry)
    a = None
    try:
        publisher = tool_env(clean_env, tmp_path / "home-b", USER)
        login(b, publisher, "npm", REGISTRY)
        packed = {}
        for version in ("1.0.0", "1.1.0", "2.0.0"):
            directory = npm_package(tmp_path / "src", "ext-npm-pkg", version, marker="public")
            packed[version] = npm_pack(publisher, directory)
            ok(npm_publish(publisher, directory))
        scoped = npm_package(tmp_path / "src", "@pubscope/ext-widget", "1.0.0", marker="public")
        packed_scoped = npm_pack(publisher, scoped)
        ok(npm_publish(publisher, scoped))

        a = start_reading_through(tmp_path, session_expiry, b, token)
        env = tool_env(clean_env, tmp_path / "home-a", USER)
        connect(env, a, "npm-ext", "public:npmjs", "npm")
        endpoint = login(a, env, "npm", "npm-ext")
        work = tmp_path / "work"
        assert npm_view(env, work, "ext-npm-pkg", "versions") == ["1.0.0", "1.1.0", "2.0.0"]
        assert npm_view(env, work, "ext-npm-pkg", "dist-tags") == {"latest": "2.0.0"}

        ok(npm_install(env, tmp_path, "first", "ext-npm-pkg@^1.0.0", "@pubscope/ext-widget"))
        assert npm_loaded(env, tmp_path, "first", "ext-npm-pkg") == {
            "name": "ext-npm-pkg", "version": "1.1.0", "marker": "public"}
        assert npm_loaded(env, tmp_path, "first", "@pubscope/ext-widget")["version"] == "1.0.0"
        lock = json.loads((tmp_path / "first" / "app" / "package-lock.json").read_text())["packages"]
        for key, integrity in (("node_modules/ext-npm-pkg", packed["1.1.0"]["integrity"]),
                               ("node_modules/@pubscope/ext-widget", packed_scoped["integrity"])):
            assert lock[key]["resolved"].startswith(endpoint), lock[key]  # from A, not B
            assert lock[key]["integrity"] == integrity, lock[key]  # B's bytes
        assert versions_kept(env, a, "npm-ext", "npm", "ext-npm-pkg") == [("1.1.0", "EXTERNAL", "public:npmjs")]
        assert versions_kept(env, a, "npm-ext", "npm", "ext-widget", "pubscope") == [
            ("1.0.0", "EXTERNAL", "public:npmjs")]

        # B is gone. A fresh project with a cold cache still installs what A
        # kept; what it never fetched is not there.
        assert b.stop() == 0, b.log()
        ok(npm_install(env, tmp_path, "second", "ext-npm-pkg@^1.0.0", "@pubscope/ext-widget"))
        assert npm_loaded(env, tmp_path, "second", "ext-npm-pkg") == {
            "name": "ext-npm-pkg", "version": "1.1.0", "marker": "public"}
        assert npm_loaded(env, tmp_path, "second", "@pubscope/ext-widget")["version"] == "1.0.0"
        ci_app = tmp_path / "ci" / "app"
        ci_app.mkdir(parents=True)
        for name in ("package.json", "package-lock.json"):
            (ci_app / name).write_bytes((tmp_path / "first" / "app" / name).read_bytes())
        ok(npm_install(env, tmp_path, "ci", command="ci"))
        assert npm_loaded(env, tmp_path, "ci", "ext-npm-pkg")["version"] == "1.1.0"
        assert npm_view(env, work, "ext-npm-pkg", "versions") == ["1.1.0"]
        text = fails(npm_install(env, tmp_path, "gone", "ext-npm-pkg@2.0.0"))
        assert "npm error code ETARGET" in text, text

        assert_token_not_logged(stopped_log(a), token)
        a = None
    finally:
        for server in (a, b):
            if server is not None and server.process.poll() is None:
                server.stop()


# PyPI -----------------------------------------------------------------------

def test_pip_installs_through_the_connection_and_after_the_registry_is_gone(session_expiry, clean_env, tmp_path):
    b, token = start_public(tmp_path, session_expiry)
    a = None
    try:
        publisher = tool_env(clean_env, tmp_path / "home-b", USER)
        login(b, publisher, "twine", REGISTRY)
        dists = tmp_path / "dist"
        files = [build_wheel(dists, "ext-py-pkg", "1.0.0", "ext_py_pkg", marker="public"),
                 build_sdist(dists, "ext-py-pkg", "1.0.0", "ext_py_pkg", marker="public"),
                 build_wheel(dists, "ext-py-pkg", "1.1.0", "ext_py_pkg", marker="public")]
        ok(twine_upload(publisher, *files))

        a = start_reading_through(tmp_path, session_expiry, b, token)
        env = tool_env(clean_env, tmp_path / "home-a", USER)
        connect(env, a, "pypi-ext", "public:pypi", "pypi")
        login(a, env, "pip", "pypi-ext")
        venv = fresh_venv(tmp_path / "venv-1")
        assert index_versions(env, venv, "ext-py-pkg") == ["1.1.0", "1.0.0"]
        out = ok(pip_install(env, venv, tmp_path / "site-1", "ext-py-pkg"))
        assert "Successfully installed ext-py-pkg-1.1.0" in out.stdout, out.stdout
        assert imported(env, venv, tmp_path / "site-1", "ext_py_pkg") == "1.1.0 public"
        assert versions_kept(env, a, "pypi-ext", "pypi", "ext-py-pkg") == [("1.1.0", "EXTERNAL", "public:pypi")]

        # B is gone. A fresh venv and a cold pip cache (another HOME) still
        # install what A kept; what it never fetched is not there.
        assert b.stop() == 0, b.log()
        cold = tool_env(clean_env, tmp_path / "home-a-cold", USER)
        login(a, cold, "pip", "pypi-ext")
        venv = fresh_venv(tmp_path / "venv-2")
        out = ok(pip_install(cold, venv, tmp_path / "site-2", "ext-py-pkg"))
        assert "Successfully installed ext-py-pkg-1.1.0" in out.stdout, out.stdout
        assert imported(cold, venv, tmp_path / "site-2", "ext_py_pkg") == "1.1.0 public"
        downloaded = tmp_path / "download"
        ok(run(cold, tmp_path, venv, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:",
               "-d", downloaded, "ext-py-pkg==1.1.0"))
        assert [sha256(f) for f in downloaded.iterdir()] == [sha256(files[2])]
        assert index_versions(cold, venv, "ext-py-pkg") == ["1.1.0"]
        text = fails(pip_install(cold, venv, tmp_path / "site-3", "ext-py-pkg==1.0.0"))
        assert "No matching distribution found for ext-py-pkg==1.0.0" in text, text

        assert log_lines_after(a, 0, "kept a version from an external connection")
        assert_token_not_logged(stopped_log(a), token)
        a = None
    finally:
        for server in (a, b):
            if server is not None and server.process.poll() is None:
                server.stop()


# A refused configuration ----------------------------------------------------

def test_a_refused_connection_url_does_not_log_its_password(session_expiry, tmp_path):
    """The binary's error for a connection URL it does not take (https://)
    names the connection, not the password in the URL."""
    secret = "hunter2-SECRET-in-the-url"
    extra = f'external_connections = {{ "public:npmjs" = "https://aws:{secret}@127.0.0.1:9/" }}'
    config = write_test_config(tmp_path, session_expiry, extra)
    for args in (["serve", "--bind", "127.0.0.1:0", "--data-dir", str(tmp_path / "data"), "--config", str(config)],
                 ["check-config", str(config)]):
        out = subprocess.run([str(BINARY), *args], stdin=subprocess.DEVNULL, capture_output=True, text=True,
                             timeout=30)
        text = out.stdout + out.stderr
        assert out.returncode != 0, f"{args[0]} accepted an https:// connection URL\n{text}"
        assert "public:npmjs" in text, text
        assert secret not in text, f"{args[0]} shows the password:\n{text}"
