"""`aws codeartifact login` and the real tools it sets up: npm, pip, twine.

login is the CLI's own glue and the way most users meet CodeArtifact: it calls
GetAuthorizationToken and GetRepositoryEndpoint, then writes the token where
the tool looks for it (~/.npmrc; pip.conf, by running `pip config set`;
~/.pypirc). Each test here runs login, checks what it wrote, and then runs the
real tool with nothing but that configuration: so our endpoint URL has to be
one the tool takes, the token has to survive the tool's config files and reach
us the way the tool sends it (npm: `Authorization: Bearer`; pip and twine:
HTTP Basic as user `aws`), and the server has to tell a good token from a bad
one. The server stores no packages yet, so a good token ends in "not found"
(npm's E404, pip's "No matching distribution", twine's HTTP 405 on upload) and
a tampered one in 401 (npm's E401, pip's "401 Client Error", twine's HTTPError
401): that difference is what each test asserts, with the server's log as the
witness of who was let in.

Every test runs in an empty HOME of its own, with the tools' user config,
caches and XDG directories under it and the machine's npm and pip settings
left out. The registries that login writes are the server's, on 127.0.0.1, so
nothing reaches the network. The tools: the machine's npm (written against
npm 11.19.1 on Node 20), and pip, twine and the aws CLI from requirements.txt.
The module has a server of its own, so the repositories it makes are not in
the listings of the shared one.
"""

import base64
import configparser
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

from conftest import ACCOUNT, USER, Server, write_test_config

REPOSITORY = "login-store"

# Settings of the machine's that would reach the tools: config locations,
# proxies, pip's find-links and friends. The env fixture sets its own.
FOREIGN = ("PIP_", "NPM_CONFIG_", "TWINE_", "XDG_")
PROXIES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")


@pytest.fixture(scope="module")
def login_server(session_expiry, tmp_path_factory):
    """The test configuration, with `login-store` in domains demo and team."""
    workdir = tmp_path_factory.mktemp("login-server")
    s = Server(["--config", str(write_test_config(workdir, session_expiry))], workdir)
    for domain in ("demo", "team"):
        client(s).create_repository(domain=domain, domainOwner=ACCOUNT, repository=REPOSITORY)
    yield s
    assert s.stop() == 0, s.log()


def client(server):
    return boto3.client(
        "codeartifact",
        endpoint_url=server.url,
        region_name="us-east-1",
        aws_access_key_id=USER.access_key_id,
        aws_secret_access_key=USER.secret_access_key,
        config=Config(retries={"total_max_attempts": 1}),
    )


def token_for(server, domain: str) -> str:
    return client(server).get_authorization_token(domain=domain, domainOwner=ACCOUNT)["authorizationToken"]


@pytest.fixture
def env(clean_env, tmp_path) -> dict:
    """clean_env with USER's keys, this venv's aws and pip first on PATH, and
    every npm, pip and twine setting in the temporary HOME (tmp_path)."""
    env = {k: v for k, v in clean_env.items()
           if not k.upper().startswith(FOREIGN) and k.lower() not in PROXIES}
    env.update(USER.env())
    env.update(
        PATH=os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", os.defpath)]),
        XDG_CONFIG_HOME=str(tmp_path / ".config"),
        XDG_CONFIG_DIRS=str(tmp_path / "xdg"),
        XDG_CACHE_HOME=str(tmp_path / ".cache"),
        # The aws CLI writes the token into NPM_CONFIG_USERCONFIG (or
        # ~/.npmrc); npm reads the same. No global npmrc: it is the machine's.
        NPM_CONFIG_USERCONFIG=str(tmp_path / ".npmrc"),
        NPM_CONFIG_GLOBALCONFIG=str(tmp_path / "npm-global-rc"),
        NPM_CONFIG_CACHE=str(tmp_path / ".npm"),
        NPM_CONFIG_UPDATE_NOTIFIER="false",
        PIP_NO_INPUT="1",
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        PIP_KEYRING_PROVIDER="disabled",
        PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
        NO_PROXY="127.0.0.1,localhost",
        no_proxy="127.0.0.1,localhost",
        # rich (twine's output) wraps at 80 columns when not on a terminal.
        COLUMNS="200",
    )
    (tmp_path / "work").mkdir()
    return env


def run(env, tmp_path, *argv) -> subprocess.CompletedProcess:
    # The working directory is not HOME: npm reads ./.npmrc as project config.
    return subprocess.run(list(argv), env=env, cwd=tmp_path / "work", stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=60)


def login(server, env, tmp_path, tool: str) -> str:
    """`aws codeartifact login --tool TOOL` for demo's repository; returns
    the repository endpoint that it says it configured."""
    fmt = "npm" if tool == "npm" else "pypi"
    endpoint = f"{server.url}/d/demo-{ACCOUNT}/{fmt}/{REPOSITORY}/"
    out = run(env, tmp_path, "aws", "--endpoint-url", server.url, "codeartifact", "login", "--tool", tool,
              "--domain", "demo", "--domain-owner", ACCOUNT, "--repository", REPOSITORY)
    assert out.returncode == 0, out.stdout + out.stderr
    lines = [line.rstrip() for line in out.stdout.splitlines()]
    assert lines[0] == f"Successfully configured {tool} to use AWS CodeArtifact repository {endpoint}"
    # Our default token lifetime, 12 hours, as the CLI reads our expiration.
    assert lines[1].startswith("Login expires in 12 hours at "), lines
    return endpoint


def tampered(token: str) -> str:
    """The token with one character in the middle of its payload changed."""
    i = len(token) // 2
    return token[:i] + ("B" if token[i] == "A" else "A") + token[i + 1:]


def log_after(server, mark: int, needle: str, count: int = 1, timeout: float = 5.0) -> str:
    """The server's log written since offset `mark`, once `needle` is in it
    `count` times (or `timeout` has passed: the caller's asserts then fail)."""
    deadline = time.monotonic() + timeout
    while True:
        text = server.log()[mark:]
        if text.count(needle) >= count or time.monotonic() > deadline:
            return text
        time.sleep(0.05)


def access_lines(log: str, method: str, uri: str) -> list:
    """The server's access lines (one a request) for `method` on `uri`."""
    return [line for line in log.splitlines()
            if "request completed" in line and f"method: {method}, uri: {uri}," in line]


def refused_lines(log: str) -> list:
    return [line for line in log.splitlines() if "decision: unauthenticated" in line]


# npm ------------------------------------------------------------------------

def npm_view(env, tmp_path, package: str = "lodash"):
    assert shutil.which("npm", path=env["PATH"]), "npm is not on PATH"
    # No --registry: the one login configured is used. No retries: 4xx are
    # not retried anyway, and a 5xx would fail at once.
    return run(env, tmp_path, "npm", "view", package, "--fetch-retries=0")


def test_npm(login_server, env, tmp_path):
    endpoint = login(login_server, env, tmp_path, "npm")
    path = endpoint[len(login_server.url):]

    # What login wrote: the registry, and the token for exactly that URL
    # (npm's "nerf dart": the URL without its scheme).
    npmrc = tmp_path / ".npmrc"
    config = dict(line.split("=", 1) for line in npmrc.read_text().splitlines() if line.strip())
    assert config["registry"] == endpoint
    auth_key = "//" + endpoint.split("://", 1)[1] + ":_authToken"
    token = config[auth_key]
    assert token.startswith("v4.local.")

    # Past authentication: npm sends the token with its first request, the
    # server takes it as user demo, and has no lodash: E404, not E401.
    mark = len(login_server.log())
    out = npm_view(env, tmp_path)
    assert out.returncode == 1, out.stdout + out.stderr
    assert "npm error code E404" in out.stderr, out.stderr
    assert f"404 Not Found - GET {endpoint}lodash - Package 'lodash' was not found" in out.stderr, out.stderr
    assert "E401" not in out.stderr
    log = log_after(login_server, mark, f"uri: {path}lodash")
    [line] = access_lines(log, "GET", f"{path}lodash")
    # The token let user demo in; the 404 is about the package, not access.
    assert f"principal: arn:aws:iam::{ACCOUNT}:user/demo" in line and "response_code: 404" in line, line
    assert not refused_lines(log), log

    # The same with a tampered token, and with a good token of another
    # domain: npm reports E401.
    for bad, reason in ((tampered(token), "The authorization token was refused: the token is malformed, "
                                          "forged, or was made with another key"),
                        (token_for(login_server, "team"), "The authorization token is for another domain")):
        npmrc.write_text(npmrc.read_text().replace(token, bad))
        token = bad
        mark = len(login_server.log())
        out = npm_view(env, tmp_path)
        assert out.returncode == 1, out.stdout + out.stderr
        assert "npm error code E401" in out.stderr, out.stderr
        assert "E404" not in out.stderr
        log = log_after(login_server, mark, "decision: unauthenticated")
        refused = refused_lines(log)
        assert len(refused) == 1 and f"message: {reason}" in refused[0], log
        assert refused == access_lines(log, "GET", f"{path}lodash"), log


# pip ------------------------------------------------------------------------

def pip_download(env, tmp_path, project: str = "requests"):
    """`pip download PROJECT` with a debug log: at its default verbosity, and
    with no input, pip says the same for a 401 as for a 404."""
    log = tmp_path / "pip.log"
    log.unlink(missing_ok=True)
    out = run(env, tmp_path, "pip", "download", project, "--no-deps", "-d", str(tmp_path / "downloads"),
              "--log", str(log))
    return out, out.stdout + out.stderr, log.read_text()


def test_pip(login_server, env, tmp_path):
    endpoint = login(login_server, env, tmp_path, "pip")
    path = endpoint[len(login_server.url):]
    host = login_server.url.split("://", 1)[1]

    # login ran `pip config set global.index-url`: with HOME and
    # XDG_CONFIG_HOME here, that is the user's pip.conf under .config.
    pip_conf = tmp_path / ".config" / "pip" / "pip.conf"
    config = configparser.RawConfigParser()
    assert config.read(pip_conf) == [str(pip_conf)]
    index_url = config["global"]["index-url"]
    prefix = "http://aws:"
    suffix = f"@{host}{path}simple/"
    assert index_url.startswith(prefix) and index_url.endswith(suffix), index_url
    token = index_url[len(prefix):-len(suffix)]
    assert token.startswith("v4.local.")
    # pip's only index is ours (it masks the password when it prints it).
    looking = f"Looking in indexes: http://aws:****@{host}{path}simple/\n"

    mark = len(login_server.log())
    out, text, log = pip_download(env, tmp_path)
    assert out.returncode == 1, text
    assert looking in text and "Looking in links" not in text, text
    assert "ERROR: No matching distribution found for requests" in text, text
    assert f"404 Client Error: Not Found for url: {login_server.url}{path}simple/requests/" in log, log
    assert "401 Client Error" not in log
    server_log = log_after(login_server, mark, f"uri: {path}simple/requests/")
    [line] = access_lines(server_log, "GET", f"{path}simple/requests/")
    # The token let user demo in; the 404 is about the package, not access.
    assert f"principal: arn:aws:iam::{ACCOUNT}:user/demo" in line and "response_code: 404" in line, line
    assert not refused_lines(server_log), server_log

    # A tampered token in the same pip.conf: refused with 401, which pip
    # (no input, so no prompt) logs and then reports as nothing found.
    pip_conf.write_text(pip_conf.read_text().replace(token, tampered(token)))
    mark = len(login_server.log())
    out, text, log = pip_download(env, tmp_path)
    assert out.returncode == 1, text
    assert looking in text, text
    assert "ERROR: No matching distribution found for requests" in text, text
    assert f"401 Client Error: Unauthorized for url: {login_server.url}{path}simple/requests/" in log, log
    assert "404 Client Error" not in log
    refused = refused_lines(log_after(login_server, mark, "decision: unauthenticated"))
    assert len(refused) == 1 and f"uri: {path}simple/requests/" in refused[0], refused


# twine ----------------------------------------------------------------------

def tiny_wheel(directory: Path) -> Path:
    """A minimal valid wheel, tiny_pkg 0.1.0, made with zipfile."""
    dist_info = "tiny_pkg-0.1.0.dist-info"
    files = {
        "tiny_pkg/__init__.py": b"",
        f"{dist_info}/METADATA": b"Metadata-Version: 2.1\nName: tiny-pkg\nVersion: 0.1.0\n",
        f"{dist_info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: test_login\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = []
    wheel = directory / "tiny_pkg-0.1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            record.append(f"{name},sha256={digest},{len(data)}")
        record.append(f"{dist_info}/RECORD,,")
        z.writestr(f"{dist_info}/RECORD", "\n".join(record) + "\n")
    return wheel


def twine_upload(env, tmp_path, wheel: Path):
    out = run(env, tmp_path, "twine", "--no-color", "upload", "--repository", "codeartifact",
              "--config-file", str(tmp_path / ".pypirc"), "--non-interactive", "--disable-progress-bar",
              "--verbose", str(wheel))
    return out, out.stdout + out.stderr


def test_twine(login_server, env, tmp_path):
    endpoint = login(login_server, env, tmp_path, "twine")
    path = endpoint[len(login_server.url):]

    pypirc_path = tmp_path / ".pypirc"
    pypirc = configparser.RawConfigParser()
    assert pypirc.read(pypirc_path) == [str(pypirc_path)]
    assert pypirc["distutils"]["index-servers"].split() == ["pypi", "codeartifact"]
    section = dict(pypirc["codeartifact"])
    token = section.pop("password")
    assert token.startswith("v4.local.")
    assert section == {"repository": endpoint, "username": "aws"}

    # twine sends the credentials with its first POST; the server takes them
    # and stores the wheel (test_packages.py follows it through pip).
    wheel = tiny_wheel(tmp_path)
    mark = len(login_server.log())
    out, text = twine_upload(env, tmp_path, wheel)
    assert out.returncode == 0, text
    assert "username set from config file" in text and "password set from config file" in text, text
    assert "Received" not in text, text  # no retries
    assert "401 Unauthorized" not in text and "403 Forbidden" not in text, text
    server_log = log_after(login_server, mark, f"method: POST, uri: {path},", count=1)
    [accepted] = access_lines(server_log, "POST", path)
    assert f"principal: arn:aws:iam::{ACCOUNT}:user/demo" in accepted and "decision: allowed" in accepted, accepted
    assert not refused_lines(server_log), server_log

    # A tampered password in the same .pypirc: 401, not retried.
    pypirc_path.write_text(pypirc_path.read_text().replace(token, tampered(token)))
    mark = len(login_server.log())
    out, text = twine_upload(env, tmp_path, wheel)
    assert out.returncode == 1, text
    assert f"HTTPError: 401 Unauthorized from {endpoint}" in text, text
    assert "The authorization token was refused" in text, text
    assert "Received" not in text, text
    refused = refused_lines(log_after(login_server, mark, "decision: unauthenticated"))
    assert len(refused) == 1 and refused == access_lines(refused[0], "POST", path), refused


# Another domain's token -----------------------------------------------------

def get(url: str, authorization: str):
    """GET with no proxy; (status, headers, body)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    request = urllib.request.Request(url, headers={"Authorization": authorization})
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode()


def test_a_token_is_good_for_its_own_domain_only(login_server):
    tokens = {domain: token_for(login_server, domain) for domain in ("demo", "team")}
    styles = {
        "bearer": lambda token: f"Bearer {token}",  # npm
        "basic": lambda token: "Basic " + base64.b64encode(f"aws:{token}".encode()).decode(),  # pip, twine
    }
    for fmt, page in (("npm", "-/ping"), ("pypi", "simple/")):
        for domain, other in (("demo", "team"), ("team", "demo")):
            endpoint = client(login_server).get_repository_endpoint(
                domain=domain, domainOwner=ACCOUNT, repository=REPOSITORY, format=fmt)["repositoryEndpoint"]
            assert endpoint == f"{login_server.url}/d/{domain}-{ACCOUNT}/{fmt}/{REPOSITORY}/"
            for style, header in styles.items():
                where = f"{fmt} {domain} {style}"
                status, _, body = get(endpoint + page, header(tokens[domain]))
                assert status == 200, (where, body)
                status, headers, body = get(endpoint + page, header(tokens[other]))
                assert status == 401, (where, body)
                assert headers.get_all("WWW-Authenticate") == [
                    'Bearer realm="codeartifact-local"', 'Basic realm="codeartifact-local"'], where
                # Each tool's error shape: npm prints a JSON body's `error`;
                # pip and twine print the status line and a text body.
                if fmt == "npm":
                    assert headers["Content-Type"] == "application/json", where
                    assert "another domain" in json.loads(body)["error"], (where, body)
                else:
                    assert headers["Content-Type"].startswith("text/plain"), where
                    assert "another domain" in body, (where, body)
