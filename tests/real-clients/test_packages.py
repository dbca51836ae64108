"""Publishing and installing packages with the real tools: npm, twine, pip.

Each test logs in with `aws codeartifact login`, as users do, and then runs
nothing but the tools: npm publish, install, ci, view and dist-tag for npm
packages (plain and scoped); wheels and sdists built here, checked and
uploaded by twine, and installed, downloaded and listed by pip in a venv of
this module's own. Then what must fail: publishing over an existing version
or file (409), publishing as a user who may only read (403, and the server's
log names the action), and publishing to a repository a version its upstream
has (409), while installing through the upstream works.

Every test has its own empty HOME (tool settings, caches: cold), uses
packages no other test uses, and reaches only the module's server on
127.0.0.1: the registries that login does not set point at a closed loopback
port, never at the public ones. The tools: the machine's npm (written against
npm 11.19.1 on Node 20), pip, twine and the aws CLI from requirements.txt.
"""

import base64
import configparser
import gzip
import hashlib
import io
import json
import os
import re
import subprocess
import sys
import tarfile
import time
import tomllib
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

from conftest import ACCOUNT, USER, Cred, Server, write_test_config

DOMAIN = "demo"
REPOSITORY = "packages"
TIMEOUT = 120  # seconds, for any one tool run
# Where the tools go for anything login did not configure: a closed port.
NOWHERE = "http://127.0.0.1:9/"
FOREIGN = ("PIP_", "NPM_CONFIG_", "TWINE_", "XDG_")
PROXIES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")

# A user of 111122223333 who may get tokens and read, but not publish.
READER_TOML = """
# reader: tokens, endpoints and reading; no codeartifact:PublishPackageVersion.
[[accounts.users]]
name = "reader"
access_keys = [{ access_key_id = "AKIAREADER0EXAMPLE01", secret_access_key = "readerSecretKey/EXAMPLE" }]
[[accounts.users.policies]]
name = "read-only"
document = '''
{"Version": "2012-10-17", "Statement": [
  {"Effect": "Allow", "Resource": "*", "Action": ["codeartifact:GetAuthorizationToken",
    "codeartifact:GetRepositoryEndpoint", "codeartifact:ReadFromRepository"]},
  {"Effect": "Allow", "Action": "sts:GetServiceBearerToken", "Resource": "*",
   "Condition": {"StringEquals": {"sts:AWSServiceName": "codeartifact.amazonaws.com"}}}]}
'''
"""
READER = Cred(**tomllib.loads(READER_TOML)["accounts"]["users"][0]["access_keys"][0])


@pytest.fixture(scope="module")
def pkg_server(session_expiry, tmp_path_factory):
    """The test configuration plus READER, with repository `packages` in demo."""
    workdir = tmp_path_factory.mktemp("packages-server")
    config = write_test_config(workdir, session_expiry)
    # @EXTRA@ is at top level, before any account: the user goes in by hand,
    # as the last user of 111122223333 (the account whose roles follow).
    text, anchor = config.read_text(), "\n[[accounts.roles]]\n"
    assert text.count(anchor) == 1, "test-config.toml changed: find another place for READER"
    config.write_text(text.replace(anchor, "\n" + READER_TOML + anchor))
    s = Server(["--config", str(config)], workdir)
    boto3.client("codeartifact", endpoint_url=s.url, region_name="us-east-1",
                 aws_access_key_id=USER.access_key_id, aws_secret_access_key=USER.secret_access_key,
                 config=Config(retries={"total_max_attempts": 1})
                 ).create_repository(domain=DOMAIN, domainOwner=ACCOUNT, repository=REPOSITORY)
    yield s
    assert s.stop() == 0, s.log()


@pytest.fixture(scope="module")
def venv_python(tmp_path_factory) -> Path:
    """A fresh venv (with pip) whose pip installs what the tests publish."""
    venv = tmp_path_factory.mktemp("client-venv")
    out = subprocess.run([sys.executable, "-m", "venv", str(venv)], timeout=TIMEOUT, stdin=subprocess.DEVNULL,
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    return venv / "bin" / "python"


def tool_env(clean_env: dict, home: Path, cred: Cred) -> dict:
    """clean_env with HOME at `home`, `cred`'s keys, this venv's aws, pip and
    twine first on PATH, and every npm, pip and twine setting under `home`."""
    env = {k: v for k, v in clean_env.items()
           if not k.upper().startswith(FOREIGN) and k.lower() not in PROXIES}
    env.update(cred.env())
    home.mkdir(parents=True, exist_ok=True)
    # The lowest-ranking configs (npm's global, pip's site) send anything
    # login does not set up to a closed loopback port.
    (home / "npm-global-rc").write_text(f"registry={NOWHERE}\n")
    (home / "xdg" / "pip").mkdir(parents=True, exist_ok=True)
    (home / "xdg" / "pip" / "pip.conf").write_text(f"[global]\nindex-url = {NOWHERE}simple/\n")
    env.update(
        HOME=str(home), AWS_CONFIG_FILE=str(home / "aws-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(home / "aws-credentials"),
        PATH=os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", os.defpath)]),
        XDG_CONFIG_HOME=str(home / ".config"), XDG_CONFIG_DIRS=str(home / "xdg"),
        XDG_CACHE_HOME=str(home / ".cache"),
        NPM_CONFIG_USERCONFIG=str(home / ".npmrc"), NPM_CONFIG_GLOBALCONFIG=str(home / "npm-global-rc"),
        NPM_CONFIG_CACHE=str(home / ".npm"), NPM_CONFIG_UPDATE_NOTIFIER="false",
        NPM_CONFIG_AUDIT="false", NPM_CONFIG_FUND="false", NPM_CONFIG_FETCH_RETRIES="0",
        PIP_NO_INPUT="1", PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_KEYRING_PROVIDER="disabled",
        PIP_RETRIES="0", PIP_TIMEOUT="60", PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
        NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost", COLUMNS="200",
    )
    return env


@pytest.fixture
def env(clean_env, tmp_path) -> dict:
    """The tools' environment for USER (user demo, who may publish)."""
    return tool_env(clean_env, tmp_path / "home", USER)


def run(env, cwd: Path, *argv) -> subprocess.CompletedProcess:
    cwd.mkdir(parents=True, exist_ok=True)
    return subprocess.run([str(a) for a in argv], env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=TIMEOUT)


def ok(out: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert out.returncode == 0, f"{' '.join(out.args)} exited {out.returncode}\n{out.stdout}\n{out.stderr}"
    return out


def fails(out: subprocess.CompletedProcess) -> str:
    """The output of a run that must have failed."""
    text = out.stdout + out.stderr
    assert out.returncode != 0, f"{' '.join(out.args)} succeeded but must fail\n{text}"
    return text


def login(server, env, tool: str, repository: str = REPOSITORY, *extra) -> str:
    """`aws codeartifact login --tool TOOL`; returns the endpoint it set up."""
    fmt = "npm" if tool == "npm" else "pypi"
    endpoint = f"{server.url}/d/{DOMAIN}-{ACCOUNT}/{fmt}/{repository}/"
    out = ok(run(env, Path(env["HOME"]) / "work", "aws", "--endpoint-url", server.url, "codeartifact", "login",
                 "--tool", tool, "--domain", DOMAIN, "--domain-owner", ACCOUNT, "--repository", repository, *extra))
    first = out.stdout.splitlines()[0].rstrip()
    assert first == f"Successfully configured {tool} to use AWS CodeArtifact repository {endpoint}", out.stdout
    return endpoint


def log_lines_after(server, mark: int, pattern: str, timeout: float = 5.0) -> list:
    """The server's log lines written since offset `mark` that match
    `pattern`, waiting up to `timeout` for the first."""
    deadline = time.monotonic() + timeout
    while True:
        lines = [line for line in server.log()[mark:].splitlines() if re.search(pattern, line)]
        if lines or time.monotonic() > deadline:
            return lines
        time.sleep(0.05)


def assert_publish_denied_logged(server, mark: int):
    lines = log_lines_after(server, mark, "codeartifact:PublishPackageVersion")
    assert any(re.search("denied|refused|not authorized", line, re.I) and "user/reader" in line for line in lines), \
        f"no log line says reader's publish was denied (codeartifact:PublishPackageVersion):\n{server.log()[mark:]}"


# npm ------------------------------------------------------------------------

def npm_package(root: Path, name: str, version: str, marker: str = "original") -> Path:
    """A package directory: package.json, and index.js exporting its identity."""
    directory = root / f"src-{name.replace('/', '+')}-{version}-{marker}"
    directory.mkdir(parents=True)
    (directory / "package.json").write_text(json.dumps(
        {"name": name, "version": version, "description": "test package", "main": "index.js", "license": "MIT"}))
    (directory / "index.js").write_text(
        f"module.exports = {json.dumps({'name': name, 'version': version, 'marker': marker})};\n")
    return directory


def npm_pack(env, directory: Path) -> dict:
    """What `npm pack --json` computed for the package: integrity, shasum."""
    out = ok(run(env, directory, "npm", "pack", "--json", "--pack-destination", directory.parent))
    return json.loads(out.stdout)[0]


def npm_publish(env, directory: Path, *extra) -> subprocess.CompletedProcess:
    return run(env, directory, "npm", "publish", *extra)


def npm_install(env, root: Path, label: str, *specs, command: str = "install") -> subprocess.CompletedProcess:
    """`npm install SPECS` in a fresh project root/label/app, with a cold
    cache of its own (root/label/cache)."""
    app = root / label / "app"
    app.mkdir(parents=True, exist_ok=True)
    if not (app / "package.json").exists():
        (app / "package.json").write_text(json.dumps({"name": "app", "version": "0.0.0", "private": True}))
    return run(env, app, "npm", command, *specs, "--cache", root / label / "cache")


def npm_loaded(env, root: Path, label: str, name: str) -> dict:
    """What `require(name)` exports in the project root/label/app."""
    script = f"process.stdout.write(JSON.stringify(require({json.dumps(name)})))"
    return json.loads(ok(run(env, root / label / "app", "node", "-e", script)).stdout)


def npm_view(env, cwd: Path, *args):
    return json.loads(ok(run(env, cwd, "npm", "view", *args, "--json")).stdout)


def test_npm_publish_then_install_ranges(pkg_server, env, tmp_path):
    endpoint = login(pkg_server, env, "npm")
    # What login wrote: the registry, and the token for exactly its URL.
    npmrc = (tmp_path / "home" / ".npmrc").read_text()
    assert f"registry={endpoint}\n" in npmrc, npmrc
    assert f"//{endpoint.split('://', 1)[1]}:_authToken=v4.local." in npmrc, npmrc

    packed = {}
    for version in ("1.0.0", "1.0.1", "1.1.0", "2.0.0"):  # ascending: npm 11 requires --tag otherwise
        directory = npm_package(tmp_path, "ranges-pkg", version)
        packed[version] = npm_pack(env, directory)
        out = ok(npm_publish(env, directory))
        assert f"+ ranges-pkg@{version}" in out.stdout, out.stdout + out.stderr

    work = tmp_path / "work"
    assert npm_view(env, work, "ranges-pkg", "versions") == ["1.0.0", "1.0.1", "1.1.0", "2.0.0"]
    assert npm_view(env, work, "ranges-pkg", "dist-tags") == {"latest": "2.0.0"}
    for version in ("1.0.0", "2.0.0"):
        dist = npm_view(env, work, f"ranges-pkg@{version}", "dist")
        assert dist["integrity"] == packed[version]["integrity"], dist
        assert dist["shasum"] == packed[version]["shasum"], dist
        assert dist["tarball"].startswith(endpoint), dist  # where the token goes

    for i, (spec, expected) in enumerate((("^1.0.0", "1.1.0"), ("~1.0.0", "1.0.1"), ("1.0.0", "1.0.0"),
                                          (">=1.0.1 <2", "1.1.0"), ("latest", "2.0.0"))):
        label = f"install-{i}"
        ok(npm_install(env, tmp_path, label, f"ranges-pkg@{spec}"))
        loaded = npm_loaded(env, tmp_path, label, "ranges-pkg")
        assert loaded == {"name": "ranges-pkg", "version": expected, "marker": "original"}, (spec, loaded)
        lock = json.loads((tmp_path / label / "app" / "package-lock.json").read_text())
        entry = lock["packages"]["node_modules/ranges-pkg"]
        assert entry["resolved"].startswith(endpoint) and entry["integrity"] == packed[expected]["integrity"], entry


def test_npm_scoped_package(pkg_server, env, tmp_path):
    # `--namespace` makes login set `@acme:registry` (and no default registry:
    # that stays NOWHERE, so only the scope's mapping can reach the server).
    endpoint = login(pkg_server, env, "npm", REPOSITORY, "--namespace", "acme")
    npmrc = (tmp_path / "home" / ".npmrc").read_text()
    assert f"@acme:registry={endpoint}\n" in npmrc and "\nregistry=" not in f"\n{npmrc}", npmrc

    for version in ("1.0.0", "1.2.0"):
        directory = npm_package(tmp_path, "@acme/widget", version)
        out = ok(npm_publish(env, directory))
        assert f"+ @acme/widget@{version}" in out.stdout, out.stdout + out.stderr
    assert npm_view(env, tmp_path / "work", "@acme/widget", "versions") == ["1.0.0", "1.2.0"]

    for spec, expected in (("^1.0.0", "1.2.0"), ("1.0.0", "1.0.0")):
        label = f"install-{expected}"
        ok(npm_install(env, tmp_path, label, f"@acme/widget@{spec}"))
        assert npm_loaded(env, tmp_path, label, "@acme/widget")["version"] == expected, spec
        lock = json.loads((tmp_path / label / "app" / "package-lock.json").read_text())
        assert lock["packages"]["node_modules/@acme/widget"]["resolved"].startswith(endpoint), lock


def test_npm_dist_tags(pkg_server, env, tmp_path):
    login(pkg_server, env, "npm")
    for version in ("1.0.0", "1.1.0"):
        ok(npm_publish(env, npm_package(tmp_path, "tagged-pkg", version)))
    work = tmp_path / "work"

    out = ok(run(env, work, "npm", "dist-tag", "add", "tagged-pkg@1.0.0", "beta"))
    assert out.stdout.strip() == "+beta: tagged-pkg@1.0.0", out.stdout
    out = ok(run(env, work, "npm", "dist-tag", "ls", "tagged-pkg"))
    assert out.stdout.splitlines() == ["beta: 1.0.0", "latest: 1.1.0"], out.stdout
    assert npm_view(env, work, "tagged-pkg", "dist-tags") == {"beta": "1.0.0", "latest": "1.1.0"}
    ok(npm_install(env, tmp_path, "beta", "tagged-pkg@beta"))
    assert npm_loaded(env, tmp_path, "beta", "tagged-pkg")["version"] == "1.0.0"
    ok(npm_install(env, tmp_path, "plain", "tagged-pkg"))
    assert npm_loaded(env, tmp_path, "plain", "tagged-pkg")["version"] == "1.1.0"

    # Moving latest back is allowed too; then remove beta.
    ok(run(env, work, "npm", "dist-tag", "add", "tagged-pkg@1.0.0", "latest"))
    out = ok(run(env, work, "npm", "dist-tag", "rm", "tagged-pkg", "beta"))
    assert out.stdout.strip() == "-beta: tagged-pkg@1.0.0", out.stdout
    out = ok(run(env, work, "npm", "dist-tag", "ls", "tagged-pkg"))
    assert out.stdout.splitlines() == ["latest: 1.0.0"], out.stdout
    ok(npm_install(env, tmp_path, "latest", "tagged-pkg"))
    assert npm_loaded(env, tmp_path, "latest", "tagged-pkg")["version"] == "1.0.0"
    text = fails(npm_install(env, tmp_path, "gone", "tagged-pkg@beta"))
    assert "npm error code ETARGET" in text and "No matching version found for tagged-pkg@beta" in text, text


def test_npm_ci_installs_the_locked_version(pkg_server, env, tmp_path):
    endpoint = login(pkg_server, env, "npm")
    first = npm_package(tmp_path, "locked-pkg", "1.0.0")
    packed = npm_pack(env, first)
    ok(npm_publish(env, first))
    ok(npm_install(env, tmp_path, "original", "locked-pkg@^1.0.0"))
    # A newer match appears; ci still installs what the lockfile says.
    ok(npm_publish(env, npm_package(tmp_path, "locked-pkg", "1.0.1")))
    ci_app = tmp_path / "ci" / "app"
    ci_app.mkdir(parents=True)
    for name in ("package.json", "package-lock.json"):
        (ci_app / name).write_bytes((tmp_path / "original" / "app" / name).read_bytes())
    lock = json.loads((ci_app / "package-lock.json").read_text())["packages"]["node_modules/locked-pkg"]
    assert lock["version"] == "1.0.0" and lock["integrity"] == packed["integrity"], lock
    assert lock["resolved"].startswith(endpoint), lock
    ok(npm_install(env, tmp_path, "ci", command="ci"))
    assert npm_loaded(env, tmp_path, "ci", "locked-pkg")["version"] == "1.0.0"
    ok(npm_install(env, tmp_path, "fresh", "locked-pkg@^1.0.0"))
    assert npm_loaded(env, tmp_path, "fresh", "locked-pkg")["version"] == "1.0.1"


def test_npm_cannot_publish_over_a_version(pkg_server, env, tmp_path):
    login(pkg_server, env, "npm")
    original = npm_package(tmp_path, "fixed-pkg", "1.0.0")
    packed = npm_pack(env, original)
    ok(npm_publish(env, original))
    impostor = npm_package(tmp_path, "fixed-pkg", "1.0.0", marker="impostor")
    assert npm_pack(env, impostor)["integrity"] != packed["integrity"]

    # npm 11 reads the versions first and refuses by itself...
    text = fails(npm_publish(env, impostor))
    assert "You cannot publish over the previously published versions: 1.0.0." in text, text
    # ...and with --force sends the PUT, which the server refuses.
    text = fails(npm_publish(env, impostor, "--force"))
    assert "npm error code E409" in text, text

    assert npm_view(env, tmp_path / "work", "fixed-pkg@1.0.0", "dist.integrity") == packed["integrity"]
    ok(npm_install(env, tmp_path, "after", "fixed-pkg@1.0.0"))
    assert npm_loaded(env, tmp_path, "after", "fixed-pkg")["marker"] == "original"


def test_npm_reader_installs_but_cannot_publish(pkg_server, clean_env, env, tmp_path):
    login(pkg_server, env, "npm")
    ok(npm_publish(env, npm_package(tmp_path, "guarded-pkg", "1.0.0")))

    reader = tool_env(clean_env, tmp_path / "reader-home", READER)
    login(pkg_server, reader, "npm")
    ok(npm_install(reader, tmp_path, "reader", "guarded-pkg@^1.0.0"))
    assert npm_loaded(reader, tmp_path, "reader", "guarded-pkg")["version"] == "1.0.0"

    for name, version in (("guarded-pkg", "1.1.0"), ("reader-own-pkg", "1.0.0")):
        mark = len(pkg_server.log())
        text = fails(npm_publish(reader, npm_package(tmp_path, name, version)))
        assert "npm error code E403" in text, text
        assert_publish_denied_logged(pkg_server, mark)
    assert npm_view(reader, tmp_path / "work", "guarded-pkg", "versions") == ["1.0.0"]
    text = fails(run(reader, tmp_path / "work", "npm", "view", "reader-own-pkg"))
    assert "npm error code E404" in text, text


# PyPI -----------------------------------------------------------------------

def dist_name(name: str) -> str:
    """The name as wheel and sdist file names spell it."""
    return re.sub(r"[-_.]+", "_", name)


def metadata(name: str, version: str, marker: str) -> bytes:
    return (f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nSummary: A test package\n"
            f"Requires-Python: >=3.8\nDescription-Content-Type: text/markdown\n\n"
            f"# {name} {version}\n\nBuilt by test_packages ({marker}).\n").encode()


def module_source(version: str, marker: str) -> bytes:
    return f'VERSION = "{version}"\nMARKER = "{marker}"\n'.encode()


def build_wheel(directory: Path, name: str, version: str, module: str, marker: str = "original") -> Path:
    """A pure-Python wheel of `module`, byte for byte the same for the same input."""
    dist_info = f"{dist_name(name)}-{version}.dist-info"
    files = {
        f"{module}/__init__.py": module_source(version, marker),
        f"{dist_info}/METADATA": metadata(name, version, marker),
        f"{dist_info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: test_packages\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = [f"{path},sha256={base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b'=').decode()},"
              f"{len(data)}" for path, data in files.items()]
    files[f"{dist_info}/RECORD"] = ("\n".join(record + [f"{dist_info}/RECORD,,"]) + "\n").encode()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{dist_name(name)}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for member, data in files.items():
            z.writestr(zipfile.ZipInfo(member, date_time=(2020, 1, 1, 0, 0, 0)), data)
    return path


def build_sdist(directory: Path, name: str, version: str, module: str, marker: str = "original") -> Path:
    """An sdist: <name>-<version>/PKG-INFO and the module, in a .tar.gz."""
    top = f"{dist_name(name)}-{version}"
    files = {"PKG-INFO": metadata(name, version, marker), f"{module}/__init__.py": module_source(version, marker)}
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for member, data in files.items():
            info = tarfile.TarInfo(f"{top}/{member}")
            info.size, info.mtime, info.mode = len(data), 1577836800, 0o644
            tar.addfile(info, io.BytesIO(data))
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{top}.tar.gz"
    path.write_bytes(gzip.compress(raw.getvalue(), mtime=0))
    return path


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def twine_check(env, *files) -> subprocess.CompletedProcess:
    return run(env, Path(env["HOME"]) / "work", "twine", "--no-color", "check", "--strict", *files)


def twine_upload(env, *files) -> subprocess.CompletedProcess:
    """`twine upload` to the repository login wrote into ~/.pypirc."""
    home = Path(env["HOME"])
    return run(env, home / "work", "twine", "--no-color", "upload", "--repository", "codeartifact",
               "--config-file", home / ".pypirc", "--non-interactive", "--disable-progress-bar", "--verbose", *files)


def pip(env, python: Path, *args) -> subprocess.CompletedProcess:
    """The client venv's pip, with the index login configured."""
    return run(env, Path(env["HOME"]) / "work", python, "-m", "pip", *args)


def pip_install(env, python: Path, target: Path, spec: str) -> subprocess.CompletedProcess:
    """`pip install SPEC` into `target` alone (fresh per call): wheels only."""
    return pip(env, python, "install", "--no-deps", "--only-binary", ":all:", "--target", target, spec)


def imported(env, python: Path, target: Path, module: str) -> str:
    """`VERSION MARKER` of `module` as installed in `target`."""
    out = ok(run({**env, "PYTHONPATH": str(target)}, target, python, "-c",
                 f"import {module}; print({module}.VERSION, {module}.MARKER)"))
    return out.stdout.strip()


def index_versions(env, python: Path, project: str) -> list:
    out = ok(pip(env, python, "index", "versions", project))
    lines = [line for line in out.stdout.splitlines() if line.startswith("Available versions: ")]
    assert len(lines) == 1, out.stdout
    return lines[0][len("Available versions: "):].split(", ")


def pip_download(env, python: Path, directory: Path, spec: str) -> Path:
    ok(pip(env, python, "download", "--no-deps", "--only-binary", ":all:", "-d", directory, spec))
    files = list(directory.iterdir())
    assert len(files) == 1, files
    return files[0]


def test_twine_upload_then_pip_install(pkg_server, env, venv_python, tmp_path):
    login(pkg_server, env, "twine")
    endpoint = login(pkg_server, env, "pip")
    dists = tmp_path / "dist"
    files = [build_wheel(dists, "pyalpha", "1.0.0", "pyalpha"), build_sdist(dists, "pyalpha", "1.0.0", "pyalpha"),
             build_wheel(dists, "pyalpha", "1.1.0", "pyalpha")]
    out = ok(twine_check(env, *files))
    assert out.stdout.count("PASSED") == 3, out.stdout
    out = ok(twine_upload(env, *files))
    assert "Uploading pyalpha-1.1.0-py3-none-any.whl" in out.stdout, out.stdout

    assert index_versions(env, venv_python, "pyalpha") == ["1.1.0", "1.0.0"]
    ok(pip_install(env, venv_python, tmp_path / "exact", "pyalpha==1.0.0"))
    assert imported(env, venv_python, tmp_path / "exact", "pyalpha") == "1.0.0 original"
    out = ok(pip_install(env, venv_python, tmp_path / "newest", "pyalpha"))
    assert "Successfully installed pyalpha-1.1.0" in out.stdout, out.stdout
    assert imported(env, venv_python, tmp_path / "newest", "pyalpha") == "1.1.0 original"
    downloaded = pip_download(env, venv_python, tmp_path / "download", "pyalpha==1.0.0")
    assert downloaded.name == files[0].name and sha256(downloaded) == sha256(files[0])

    # The sdist is on the project's page too, with its hash, and serves its bytes.
    token = configparser.RawConfigParser()
    token.read(tmp_path / "home" / ".pypirc")
    auth = "Basic " + base64.b64encode(f"aws:{token['codeartifact']['password']}".encode()).decode()
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    page_url = f"{endpoint}simple/pyalpha/"
    with opener.open(urllib.request.Request(page_url, headers={"Authorization": auth}), timeout=30) as r:
        page = r.read().decode()
    hrefs = re.findall(r'href="([^"]*pyalpha-1\.0\.0\.tar\.gz[^"]*)"', page)
    assert len(hrefs) == 1 and hrefs[0].endswith(f"#sha256={sha256(files[1])}"), page
    sdist_url = urllib.parse.urljoin(page_url, hrefs[0].split("#")[0])
    with opener.open(urllib.request.Request(sdist_url, headers={"Authorization": auth}), timeout=30) as r:
        assert r.read() == files[1].read_bytes()


def test_pip_normalizes_project_names(pkg_server, env, venv_python, tmp_path):
    login(pkg_server, env, "twine")
    login(pkg_server, env, "pip")
    wheel = build_wheel(tmp_path / "dist", "My_Package", "2.0.0", "my_package_mod")
    assert wheel.name == "My_Package-2.0.0-py3-none-any.whl"
    ok(twine_check(env, wheel))
    ok(twine_upload(env, wheel))

    for spelling in ("my-package", "My_Package", "MY.PACKAGE"):
        assert index_versions(env, venv_python, spelling) == ["2.0.0"], spelling
    out = ok(pip_install(env, venv_python, tmp_path / "site", "my-package==2.0.0"))
    assert re.search(r"Successfully installed (?i:my[-_]package)-2\.0\.0", out.stdout), out.stdout
    assert imported(env, venv_python, tmp_path / "site", "my_package_mod") == "2.0.0 original"
    downloaded = pip_download(env, venv_python, tmp_path / "download", "my.package")
    assert sha256(downloaded) == sha256(wheel)


def test_pypi_files_are_immutable(pkg_server, env, venv_python, tmp_path):
    login(pkg_server, env, "twine")
    login(pkg_server, env, "pip")
    original = build_wheel(tmp_path / "original", "pyfixed", "1.0.0", "pyfixed")
    ok(twine_upload(env, original))
    # The same bytes again: accepted, as AWS does.
    ok(twine_upload(env, original))
    impostor = build_wheel(tmp_path / "impostor", "pyfixed", "1.0.0", "pyfixed", marker="impostor")
    assert impostor.name == original.name and sha256(impostor) != sha256(original)
    text = fails(twine_upload(env, impostor))
    assert "HTTPError: 409 Conflict" in text, text

    downloaded = pip_download(env, venv_python, tmp_path / "download", "pyfixed==1.0.0")
    assert sha256(downloaded) == sha256(original)
    ok(pip_install(env, venv_python, tmp_path / "site", "pyfixed"))
    assert imported(env, venv_python, tmp_path / "site", "pyfixed") == "1.0.0 original"


def test_pip_reader_installs_but_cannot_upload(pkg_server, clean_env, env, venv_python, tmp_path):
    login(pkg_server, env, "twine")
    ok(twine_upload(env, build_wheel(tmp_path / "dist", "pyguarded", "1.0.0", "pyguarded")))

    reader = tool_env(clean_env, tmp_path / "reader-home", READER)
    login(pkg_server, reader, "pip")
    login(pkg_server, reader, "twine")
    ok(pip_install(reader, venv_python, tmp_path / "site", "pyguarded"))
    assert imported(reader, venv_python, tmp_path / "site", "pyguarded") == "1.0.0 original"

    for name in ("pyguarded", "pyreaderown"):
        mark = len(pkg_server.log())
        text = fails(twine_upload(reader, build_wheel(tmp_path / "reader-dist", name, "1.1.0", name)))
        assert "HTTPError: 403 Forbidden" in text, text
        assert_publish_denied_logged(pkg_server, mark)
    assert index_versions(reader, venv_python, "pyguarded") == ["1.0.0"]


# Upstreams ------------------------------------------------------------------

def create_upstream_pair(server, env, prefix: str) -> tuple:
    """Repositories PREFIX-up and PREFIX-down (whose upstream is PREFIX-up),
    made with the aws CLI."""
    up, down = f"{prefix}-up", f"{prefix}-down"
    for repository, extra in ((up, []), (down, ["--upstreams", f"repositoryName={up}"])):
        out = ok(run(env, Path(env["HOME"]) / "work", "aws", "--endpoint-url", server.url, "codeartifact",
                     "create-repository", "--domain", DOMAIN, "--domain-owner", ACCOUNT,
                     "--repository", repository, *extra))
        created = json.loads(out.stdout)["repository"]
        expected = [{"repositoryName": up}] if repository == down else []
        assert created["name"] == repository and created.get("upstreams", []) == expected, created
    return up, down


def test_npm_install_through_an_upstream(pkg_server, env, tmp_path):
    up, down = create_upstream_pair(pkg_server, env, "npm")
    login(pkg_server, env, "npm", up)
    original = npm_package(tmp_path, "upstream-pkg", "1.0.0")
    packed = npm_pack(env, original)
    ok(npm_publish(env, original))

    # Before anything was installed through down: up's version is down's too.
    down_endpoint = login(pkg_server, env, "npm", down)
    impostor = npm_package(tmp_path, "upstream-pkg", "1.0.0", marker="impostor")
    text = fails(npm_publish(env, impostor))  # npm sees 1.0.0 through the upstream
    assert "You cannot publish over the previously published versions: 1.0.0." in text, text
    text = fails(npm_publish(env, impostor, "--force"))
    assert "npm error code E409" in text, text

    ok(npm_install(env, tmp_path, "down", "upstream-pkg@^1.0.0"))
    assert npm_loaded(env, tmp_path, "down", "upstream-pkg") == {
        "name": "upstream-pkg", "version": "1.0.0", "marker": "original"}
    lock = json.loads((tmp_path / "down" / "app" / "package-lock.json").read_text())
    entry = lock["packages"]["node_modules/upstream-pkg"]
    assert entry["resolved"].startswith(down_endpoint) and entry["integrity"] == packed["integrity"], entry


def test_pip_install_through_an_upstream(pkg_server, env, venv_python, tmp_path):
    up, down = create_upstream_pair(pkg_server, env, "pypi")
    login(pkg_server, env, "twine", up)
    original = build_wheel(tmp_path / "dist", "pyupstream", "1.0.0", "pyupstream")
    ok(twine_upload(env, original))

    # Before anything was installed through down, the same version into
    # down, even as another file (an sdist), is a conflict.
    login(pkg_server, env, "twine", down)
    for dist in (build_wheel(tmp_path / "impostor", "pyupstream", "1.0.0", "pyupstream", marker="impostor"),
                 build_sdist(tmp_path / "impostor", "pyupstream", "1.0.0", "pyupstream", marker="impostor")):
        text = fails(twine_upload(env, dist))
        assert "HTTPError: 409 Conflict" in text, (dist.name, text)

    login(pkg_server, env, "pip", down)
    assert index_versions(env, venv_python, "pyupstream") == ["1.0.0"]
    ok(pip_install(env, venv_python, tmp_path / "site", "pyupstream==1.0.0"))
    assert imported(env, venv_python, tmp_path / "site", "pyupstream") == "1.0.0 original"
    downloaded = pip_download(env, venv_python, tmp_path / "download", "pyupstream==1.0.0")
    assert sha256(downloaded) == sha256(original)
