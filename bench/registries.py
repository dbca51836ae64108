#!/usr/bin/env python3
"""Packages benchmark (issue 14, part 2): codeartifact-local's npm and PyPI
repository endpoints against Verdaccio 6.8.0 and pypiserver 2.4.2, in one run.

    python3 bench/registries.py [--quick] [--only npm,pypi,install,publish,big]
                                [--duration 10] [--connections 32] [--perf]

Installs what it needs, pinned, under target/bench-tools: oha (the version
bench/run.py pins), Verdaccio 6.8.0 (npm, on the machine's Node 20), a venv
with pypiserver 2.4.2 (bench/registries/pypiserver-requirements.txt) and one
with twine and pip (bench/registries/clients-requirements.txt). Builds the
release binaries only if they are missing (`--build` to build anyway).

Starts each server pinned to core 0 (taskset), on 127.0.0.1, with its data
in a fresh temporary directory:

  * ours: `codeartifact-local serve` without `--config` (the development
    setup, log level info), a token from a SigV4-signed GetAuthorizationToken
    and the endpoints from GetRepositoryEndpoint; every request carries the
    token (npm: `Authorization: Bearer`, PyPI: HTTP Basic `aws:<token>`);
  * Verdaccio: bench/registries/verdaccio.yaml (its default config without
    uplinks), a user made with `PUT /-/user/org.couchdb.user:bench`, whose
    token every npm request carries, as npm sends it;
  * pypiserver: `pypi-server run -a . -P . --disable-fallback` (no auth),
    as `pip install pypiserver` runs it (wsgiref, the directory re-read on
    every request) and, for the read rows, also with its `[cache]` extra and
    waitress (`--backend cached-dir --server waitress`) on the same directory.

The load generator (oha, GET, keep-alive connections) and every client
(npm, pip, twine, this script) run on core 1. Packages, wheels and tarballs
are generated in the temporary directory, byte for byte the same on every
run; they reach every server the same way: npm's publish document (the
tarball base64 in `_attachments`) PUT directly, twine's upload form POSTed
directly, from --threads connections in parallel.

Measures, side by side (sections selectable with --only):

  npm      package document GET, full (Accept: application/json) and
           abbreviated (npm's install Accept), of a package with 1 and with
           --versions versions: requests/s, p50/p99, server CPU per request;
           tarball GET of a 1 MiB tarball (MB/s) and the same number of
           bytes from the bare hyper baseline (POST, its only route);
  pypi     simple page GET (pip's Accept) of a project with 1 and --files
           files: the same figures;
  publish  `npm publish` of --publish small packages one after another, and
           one `twine upload` of as many wheels: packages/s;
  install  wall time of `npm install` of a project depending on --npm-deps
           packages, and `pip install` of --pip-deps wheels, with a fresh
           cache each time (two runs);
  big      RSS (VmRSS every 50 ms, VmHWM) while --big-mib MiB are uploaded:
           an npm tarball (PUT) and a wheel (twine), to ours and to the peer.

and each server's RSS idle after population. Prints a Markdown report on
stdout (progress on stderr). Loopback only; every load run and every tool
run is bounded in time.
"""

import argparse
import base64
import concurrent.futures
import gzip
import hashlib
import http.client
import io
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import urllib.parse
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run as base  # noqa: E402  (bench/run.py: OHA_VERSION, cores, paths, machine)
import package_api as papi  # noqa: E402  (SigV4 signing, /proc readers, Sampler)

HERE = Path(__file__).resolve().parent / "registries"
TOOLS = base.TOOLS
RELEASE = base.RELEASE
SERVER_CORE, LOAD_CORE = base.SERVER_CORE, base.LOAD_CORE
VERDACCIO_VERSION = "6.8.0"
PYPISERVER_VERSION = "2.4.2"
DOMAIN, OWNER, REPOSITORY = "demo", base.ACCOUNT, "demo-repo"
NPM_ABBREVIATED = "application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*"
PIP_ACCEPT = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01"
TOOL_TIMEOUT = 300  # seconds, any one npm/pip/twine run
SECTIONS = ("npm", "pypi", "publish", "install", "big")


def say(*parts):
    print(f"[{time.strftime('%H:%M:%S')}]", *parts, file=sys.stderr, flush=True)


def mib(kib: int) -> str:
    return f"{kib / 1024:.1f}"


# --- tools ----------------------------------------------------------------------

def sh(*args, **kw):
    return subprocess.run([str(a) for a in args], check=True, **kw)


def ensure_tools(a) -> dict:
    """The release binaries, oha, Verdaccio and the two venvs; returns their paths."""
    ours, baseline = RELEASE / "codeartifact-local", RELEASE / "baseline"
    if a.build or not (ours.exists() and baseline.exists()):
        say("building the release binaries")
        sh("cargo", "build", "--release", "-p", "codeartifact-server", "-p", "codeartifact-bench", cwd=base.REPO)
    oha = TOOLS / "bin" / "oha"
    if not oha.exists():
        say(f"installing oha {base.OHA_VERSION}")
        sh("cargo", "install", "oha", "--version", base.OHA_VERSION, "--locked", "--root", TOOLS)
    verdaccio_dir = TOOLS / "verdaccio"
    installed = verdaccio_dir / "node_modules" / "verdaccio" / "package.json"
    if not installed.exists() or json.loads(installed.read_text())["version"] != VERDACCIO_VERSION:
        say(f"installing verdaccio {VERDACCIO_VERSION}")
        verdaccio_dir.mkdir(parents=True, exist_ok=True)
        (verdaccio_dir / "package.json").write_text('{"private": true}\n')
        sh("npm", "install", "--no-audit", "--no-fund", "--save-exact", f"verdaccio@{VERDACCIO_VERSION}",
           cwd=verdaccio_dir, timeout=600)
    node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    if not node.startswith("v20."):
        say(f"warning: Node {node}; Verdaccio {VERDACCIO_VERSION} is measured on Node 20 here")
    commit = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=base.REPO, capture_output=True,
                            text=True).stdout.strip()
    built = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ours.stat().st_mtime))
    return {"ours": ours, "baseline": baseline, "oha": oha, "commit": commit, "built": built,
            "verdaccio": verdaccio_dir / "node_modules" / "verdaccio" / "bin" / "verdaccio",
            "pypiserver": ensure_venv("pypiserver-venv", HERE / "pypiserver-requirements.txt") / "bin" / "pypi-server",
            "clients": ensure_venv("clients-venv", HERE / "clients-requirements.txt") / "bin", "node": node}


def ensure_venv(name: str, requirements: Path) -> Path:
    """A venv under target/bench-tools with exactly `requirements`, made
    again when the file changes (as tests/run.sh does)."""
    venv = TOOLS / name
    stamp = venv / "installed-requirements.txt"
    if not stamp.exists() or stamp.read_text() != requirements.read_text():
        say(f"creating {venv}")
        shutil.rmtree(venv, ignore_errors=True)
        sh(sys.executable, "-m", "venv", venv)
        sh(venv / "bin" / "pip", "install", "--quiet", "--disable-pip-version-check", "-r", requirements,
           timeout=600)
        shutil.copy(requirements, stamp)
    return venv


def tool_version(*argv) -> str:
    out = subprocess.run([str(a) for a in argv], capture_output=True, text=True, timeout=60)
    return (out.stdout or out.stderr).strip().splitlines()[0] if (out.stdout or out.stderr).strip() else "?"


# --- servers --------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A server process pinned to the server core, its output in a log file."""

    def __init__(self, name: str, args, log: Path, ready, env=None, timeout: float = 60):
        self.name, self.log_path = name, log
        self.log_file = open(log, "wb")
        self.proc = subprocess.Popen(["taskset", "-c", SERVER_CORE, *[str(x) for x in args]],
                                     stdout=self.log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     env=env)
        self.pid = self.proc.pid
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{name} exited {self.proc.returncode} at start:\n{self.log_tail()}")
            try:
                self.url = ready(self)
                if self.url:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"{name} not ready after {timeout} s:\n{self.log_tail()}")
            time.sleep(0.1)

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def log_tail(self, n: int = 30) -> str:
        return "\n".join(self.log_text().splitlines()[-n:])

    def rss(self) -> int:
        return papi.status_kib(self.pid, "VmRSS")

    def hwm(self) -> int:
        return papi.status_kib(self.pid, "VmHWM")

    def cpu(self) -> float:
        return papi.cpu_seconds(self.pid)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.log_file.close()


def http_ok(url: str, headers=None) -> bool:
    status, _, _ = Conn(url, timeout=2).request("GET", urllib.parse.urlsplit(url).path, headers=headers or {})
    return status == 200


def start_ours(binary: Path, work: Path) -> Server:
    def ready(s):
        m = re.search(r"listening on (http://\S+)", s.log_text())
        return m.group(1).rstrip("/") if m else None
    return Server("codeartifact-local", [binary, "serve", "--bind", "127.0.0.1:0", "--data-dir", work / "ours-data"],
                  work / "ours.log", ready)


def start_verdaccio(bin_path: Path, work: Path) -> Server:
    storage = work / "verdaccio-storage"
    storage.mkdir()
    config = work / "verdaccio.yaml"
    config.write_text((HERE / "verdaccio.yaml").read_text().replace("@STORAGE@", str(storage))
                      .replace("@HTPASSWD@", str(work / "verdaccio-htpasswd")))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    return Server("verdaccio", ["node", bin_path, "--config", config, "--listen", f"127.0.0.1:{port}"],
                  work / "verdaccio.log", lambda s: url if http_ok(f"{url}/-/ping") else None)


def start_pypiserver(bin_path: Path, work: Path, packages: Path, tuned: bool) -> Server:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    # `auto` runs waitress when it can import it (pypiserver's own order), as it can in this venv.
    setup = ["--server", "auto", "--backend", "cached-dir"] if tuned else \
        ["--server", "wsgiref", "--backend", "simple-dir"]
    name = "pypiserver-cached" if tuned else "pypiserver"
    return Server(name, [bin_path, "run", "-p", port, "-i", "127.0.0.1", "-a", ".", "-P", ".",
                         "--disable-fallback", *setup, packages],
                  work / f"{name}.log", lambda s: url if http_ok(f"{url}/health") else None)


def pypiserver_runs(bin_path: Path, server: Server) -> str:
    """The WSGI server pypiserver runs (for `auto`, the one it expects bottle to pick)."""
    m = re.search(r"using (\w+)", server.log_text())
    name = m.group(1) if m else "?"
    if name == "AutoServer":
        out = subprocess.run([bin_path.parent / "python", "-c", "from pypiserver.__main__ import guess_auto_server; "
                              "print(guess_auto_server().name)"], capture_output=True, text=True, timeout=60)
        name = out.stdout.strip() or "?"
    return {"WSGIRefServer": "wsgiref"}.get(name, name.lower())


# --- HTTP -----------------------------------------------------------------------

class Conn:
    """One keep-alive HTTP/1.1 connection to a server."""

    def __init__(self, url: str, timeout: float = 120):
        parts = urllib.parse.urlsplit(url)
        self.host, self.timeout, self.conn = parts.netloc, timeout, None

    def request(self, method, path, body=None, headers=None):
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, timeout=self.timeout)
            try:
                self.conn.request(method, path, body=body, headers=headers or {})
                response = self.conn.getresponse()
                return response.status, dict(response.getheaders()), response.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise


def signed(method: str, url: str):
    """A SigV4-signed request to our API (package_api's signer)."""
    headers = papi.sign(method, url)
    headers.pop("host")
    parts = urllib.parse.urlsplit(url)
    status, _, body = Conn(url, timeout=30).request(method, f"{parts.path}?{parts.query}", headers=headers)
    if status != 200:
        raise RuntimeError(f"{method} {url}: {status} {body[:300]!r}")
    return json.loads(body)


class Registry:
    """Where a client reaches one registry, and how it authenticates."""

    def __init__(self, name, server, npm=None, pypi=None, headers=None, npm_auth_line=None, twine_user=None,
                 twine_password=None, pip_index=None):
        self.name, self.server = name, server
        self.npm, self.pypi = npm, pypi  # endpoint URLs, ending in /
        self.headers = headers or {}  # sent with every npm (PyPI: pypi_headers) request
        self.pypi_headers = {}
        self.npm_auth_line, self.twine_user, self.twine_password = npm_auth_line, twine_user, twine_password
        self.pip_index = pip_index

    def path(self, url: str) -> str:
        parts = urllib.parse.urlsplit(url)
        return parts.path + (f"?{parts.query}" if parts.query else "")


def ours_registry(server: Server) -> Registry:
    query = papi.query_string({"domain": DOMAIN, "domain-owner": OWNER, "duration": 43200})
    token = signed("POST", f"{server.url}/v1/authorization-token?{query}")["authorizationToken"]
    endpoints = {}
    for fmt in ("npm", "pypi"):
        q = papi.query_string({"domain": DOMAIN, "domain-owner": OWNER, "repository": REPOSITORY, "format": fmt})
        endpoints[fmt] = signed("GET", f"{server.url}/v1/repository/endpoint?{q}")["repositoryEndpoint"]
    npm, pypi = endpoints["npm"], endpoints["pypi"]
    r = Registry("codeartifact-local", server, npm=npm, pypi=pypi, headers={"Authorization": f"Bearer {token}"},
                 npm_auth_line=f"//{npm.split('//', 1)[1]}:_authToken={token}", twine_user="aws",
                 twine_password=token)
    basic = base64.b64encode(f"aws:{token}".encode()).decode()
    r.pypi_headers = {"Authorization": f"Basic {basic}"}
    host = urllib.parse.urlsplit(pypi)
    r.pip_index = f"{host.scheme}://aws:{token}@{host.netloc}{host.path}simple/"
    return r


def verdaccio_registry(server: Server) -> Registry:
    body = json.dumps({"name": "bench", "password": "bench-password-1"}).encode()
    status, _, answer = Conn(server.url).request("PUT", "/-/user/org.couchdb.user:bench", body=body,
                                                 headers={"Content-Type": "application/json"})
    if status not in (200, 201):
        raise RuntimeError(f"verdaccio adduser: {status} {answer[:300]!r}")
    token = json.loads(answer)["token"]
    return Registry("Verdaccio", server, npm=f"{server.url}/", headers={"Authorization": f"Bearer {token}"},
                    npm_auth_line=f"//{server.url.split('//', 1)[1]}/:_authToken={token}")


def pypiserver_registry(server: Server) -> Registry:
    return Registry(server.name, server, pypi=f"{server.url}/", twine_user="bench", twine_password="unused",
                    pip_index=f"{server.url}/simple/")


# --- deterministic packages -------------------------------------------------------

NPM_MTIME = 499162500  # 1985-10-26T08:15:00Z, the date npm packs every file with


def payload(seed: str, size: int) -> bytes:
    return random.Random(seed).randbytes(size)


def npm_package_json(name: str, version: str) -> dict:
    return {"name": name, "version": version, "description": f"Benchmark package {name}, version {version}",
            "main": "index.js", "scripts": {"test": "node test.js"}, "keywords": ["benchmark", "registry"],
            "author": "Bench <bench@example.com>", "license": "MIT",
            "repository": {"type": "git", "url": "git+https://example.com/bench/packages.git"},
            "engines": {"node": ">=18"}}


def npm_tarball(name: str, version: str, data: bytes = b"", level: int = 9) -> bytes:
    """package/package.json, package/index.js (and package/data.bin), packed
    as npm does (fixed mtime), gzipped with no timestamp."""
    files = {"package.json": json.dumps(npm_package_json(name, version), indent=2).encode(),
             "index.js": f"module.exports = {json.dumps({'name': name, 'version': version})};\n".encode()}
    if data:
        files["data.bin"] = data
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for path, content in files.items():
            info = tarfile.TarInfo(f"package/{path}")
            info.size, info.mtime, info.mode = len(content), NPM_MTIME, 0o644
            tar.addfile(info, io.BytesIO(content))
    return gzip.compress(raw.getvalue(), compresslevel=level, mtime=0)


def npm_tarball_of_size(name: str, version: str, size: int) -> bytes:
    """A tarball of exactly `size` bytes (stored, not compressed: random
    data does not compress anyway), for the throughput rows."""
    data_len = size - 4096
    for _ in range(50):
        tgz = npm_tarball(name, version, payload(f"{name}@{version}", data_len), level=0)
        if len(tgz) == size:
            return tgz
        data_len += size - len(tgz)
    return tgz


def npm_publish_body(name: str, version: str, tarball: bytes, registry_url: str) -> bytes:
    """npm publish's document: the version's manifest and the tarball in
    base64 under _attachments, as npm 11 sends it."""
    filename = f"{name}-{version}.tgz"
    manifest = {**npm_package_json(name, version), "_id": f"{name}@{version}", "_nodeVersion": "20.20.2",
                "_npmVersion": "11.19.1", "readme": f"# {name}\n\nBenchmark package.\n",
                "dist": {"integrity": "sha512-" + base64.b64encode(hashlib.sha512(tarball).digest()).decode(),
                         "shasum": hashlib.sha1(tarball).hexdigest(),
                         "tarball": f"{registry_url}{name}/-/{filename}"}}
    head = {"_id": name, "name": name, "description": manifest["description"], "dist-tags": {"latest": version},
            "versions": {version: manifest}, "access": None}
    prefix = json.dumps(head)[:-1] + f', "_attachments": {{"{filename}": {{"content_type": ' \
                                     f'"application/octet-stream", "data": "'
    suffix = f'", "length": {len(tarball)}}}}}}}'
    return prefix.encode() + base64.b64encode(tarball) + suffix.encode()


def npm_version(i: int) -> str:
    return f"1.{i // 100}.{i % 100}"


def wheel(name: str, version: str, data: bytes = b"") -> tuple:
    """A pure-Python wheel (file name, bytes): a module, its dist-info with a
    right RECORD; `data` stored uncompressed beside the module."""
    dist = re.sub(r"[-_.]+", "_", name)
    info = f"{dist}-{version}.dist-info"
    files = {f"{dist}/__init__.py": f"__version__ = {version!r}\n".encode()}
    if data:
        files[f"{dist}/data.bin"] = data
    files[f"{info}/METADATA"] = (f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
                                 f"Summary: Benchmark project {name}\nLicense: MIT\n"
                                 f"Requires-Python: >=3.8\n").encode()
    files[f"{info}/WHEEL"] = b"Wheel-Version: 1.0\nGenerator: bench-registries\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    record = [f"{p},sha256={base64.urlsafe_b64encode(hashlib.sha256(c).digest()).rstrip(b'=').decode()},{len(c)}"
              for p, c in files.items()] + [f"{info}/RECORD,,"]
    files[f"{info}/RECORD"] = ("\n".join(record) + "\n").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for path, content in files.items():
            zi = zipfile.ZipInfo(path, date_time=(1980, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_STORED if path.endswith("data.bin") else zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            z.writestr(zi, content)
    return f"{dist}-{version}-py3-none-any.whl", out.getvalue()


def upload_form(name: str, version: str, filename: str, content: bytes) -> tuple:
    """twine's upload form (multipart/form-data): (content type, body)."""
    boundary = "bench" + hashlib.sha256(filename.encode()).hexdigest()[:24]
    fields = [(":action", "file_upload"), ("protocol_version", "1"), ("metadata_version", "2.1"),
              ("name", name), ("version", version), ("filetype", "bdist_wheel"), ("pyversion", "py3"),
              ("summary", f"Benchmark project {name}"), ("requires_python", ">=3.8"),
              ("md5_digest", hashlib.md5(content).hexdigest()),
              ("sha256_digest", hashlib.sha256(content).hexdigest())]
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
             for k, v in fields]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="content"; filename="{filename}"\r\n'
                 f"Content-Type: application/octet-stream\r\n\r\n".encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return f"multipart/form-data; boundary={boundary}", b"".join(parts)


# --- population (HTTP, parallel, alike for every server) ----------------------------

def parallel_requests(url: str, jobs: list, threads: int) -> dict:
    """Sends `jobs` (method, path, headers, body) from `threads` keep-alive
    connections; a refused request is retried (up to 5 times, after a short
    pause). Returns seconds, retries and any failures."""
    local, lock = threading.local(), threading.Lock()
    stats = {"retries": 0, "failures": []}

    def send(job):
        method, path, headers, body = job
        if not hasattr(local, "conn"):
            local.conn = Conn(url, timeout=300)
        for attempt in range(6):
            try:
                status, _, answer = local.conn.request(method, path, body=body, headers=headers)
            except OSError as e:
                status, answer = 0, str(e).encode()
                local.conn = Conn(url, timeout=300)
            if 200 <= status < 300:
                return
            if attempt < 5:
                with lock:
                    stats["retries"] += 1
                time.sleep(0.2 * (attempt + 1))
        with lock:
            stats["failures"].append(f"{method} {path}: {status} {answer[:200]!r}")

    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        list(pool.map(send, jobs))
    stats["seconds"] = time.perf_counter() - started
    return stats


def npm_jobs(reg: Registry, packages: list) -> list:
    """PUT jobs for (name, version, tarball) tuples."""
    headers = {**reg.headers, "Content-Type": "application/json", "npm-command": "publish"}
    return [("PUT", reg.path(reg.npm) + name, headers, npm_publish_body(name, version, tgz, reg.npm))
            for name, version, tgz in packages]


def pypi_jobs(reg: Registry, files: list) -> list:
    """POST jobs for (name, version, filename, bytes) tuples."""
    jobs = []
    for name, version, filename, content in files:
        content_type, body = upload_form(name, version, filename, content)
        jobs.append(("POST", reg.path(reg.pypi), {**reg.pypi_headers, "Content-Type": content_type}, body))
    return jobs


# --- load -----------------------------------------------------------------------

def probe(reg: Registry, url: str, headers: dict, method="GET") -> dict:
    status, h, body = Conn(url, timeout=60).request(method, reg.path(url), headers=headers)
    return {"status": status, "type": h.get("Content-Type", h.get("content-type", "")), "bytes": len(body),
            "body": body}


def oha(oha_bin: Path, url: str, headers: dict, a, server: Server = None, method="GET") -> dict:
    """One oha run of `a.duration` s on `a.connections` connections; with the
    server's CPU time per request."""
    args = ["taskset", "-c", LOAD_CORE, str(oha_bin), "--no-tui", "--output-format", "json", "-m", method,
            "-c", str(a.connections), "-z", f"{a.duration}s"]
    for k, v in headers.items():
        args += ["-H", f"{k}: {v}"]
    cpu0 = cpu_split(server.pid) if server else (0.0, 0.0)
    out = subprocess.run(args + [url], capture_output=True, text=True, timeout=a.duration + 120)
    cpu1 = cpu_split(server.pid) if server else (0.0, 0.0)
    user, system = cpu1[0] - cpu0[0], cpu1[1] - cpu0[1]
    if out.returncode != 0:
        raise RuntimeError(f"oha failed ({out.returncode}): {out.stderr[-500:]}")
    result = json.loads(out.stdout)
    statuses = result.get("statusCodeDistribution", {}) or {}
    errors = result.get("errorDistribution", {}) or {}
    p = result.get("latencyPercentiles", {}) or {}
    requests = sum(statuses.values())
    summary = result["summary"]
    ok = statuses.get("200", 0)
    rps_all = summary.get("requestsPerSec") or 0.0
    return {"rps": rps_all * ok / requests if requests else 0.0, "rps_all": rps_all,
            "p50": (p.get("p50") or 0) * 1000, "p99": (p.get("p99") or 0) * 1000, "statuses": statuses,
            "errors": errors, "requests": requests, "bytes_per_s": summary.get("sizePerSec") or 0.0,
            "cpu_us": (user + system) / requests * 1e6 if requests and server else None,
            "sys_share": system / (user + system) if user + system else 0.0}


def cpu_split(pid: int) -> tuple:
    """(user, system) CPU seconds of a process."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) / papi.CLK_TCK, int(fields[12]) / papi.CLK_TCK


def cpu_cell(r: dict) -> str:
    if r["cpu_us"] is None:
        return ""
    return f"{r['cpu_us']:,.0f} ({r['sys_share']:.0%} sys)"


def ratios(ours: dict, peer: dict) -> str:
    """ours ÷ peer by requests/s, and (in brackets) by server CPU per request."""
    text = f"{ours['rps'] / peer['rps']:.1f}x" if peer["rps"] else "∞"
    if ours.get("cpu_us") and peer.get("cpu_us"):
        text += f" ({peer['cpu_us'] / ours['cpu_us']:.1f}x)"
    return text


def anomalies(r: dict) -> str:
    odd = {k: v for k, v in r["statuses"].items() if k != "200"}
    errors = {k: v for k, v in r["errors"].items() if "deadline" not in k.lower()}
    text = []
    if odd:
        text.append("statuses " + ", ".join(f"{k}: {v}" for k, v in odd.items()))
    if errors:
        text.append("errors " + ", ".join(f"{k}: {v}" for k, v in errors.items()))
    return "; ".join(text)


def perf_profile(pid: int, seconds: int, out: Path) -> str:
    """perf's top symbols of the process over `seconds` (empty if perf fails)."""
    data = out.with_suffix(".data")
    rec = subprocess.run(["perf", "record", "-F", "499", "-p", str(pid), "-o", str(data), "--", "sleep",
                          str(seconds)], capture_output=True, text=True, timeout=seconds + 60)
    if rec.returncode != 0:
        return f"(perf record failed: {rec.stderr.strip()[-300:]})"
    rep = subprocess.run(["perf", "report", "--stdio", "--percent-limit", "1.5",
                          "-i", str(data)], capture_output=True, text=True, timeout=120)
    lines = [l for l in rep.stdout.splitlines() if l.strip() and not l.startswith("#")]
    dso = subprocess.run(["perf", "report", "--stdio", "--sort", "dso", "--percent-limit", "1", "-i", str(data)],
                         capture_output=True, text=True, timeout=120)
    by_dso = [l.strip() for l in dso.stdout.splitlines() if l.strip() and not l.startswith("#")]
    return "by object: " + "; ".join(" ".join(l.split()) for l in by_dso[:6]) + "\n" + "\n".join(lines[:30])


# --- the tools: npm, twine, pip ------------------------------------------------------

def clean_env(home: Path) -> dict:
    """The machine's environment less any npm/pip/twine setting, with HOME,
    caches and configs under `home`."""
    env = {k: v for k, v in os.environ.items()
           if not k.upper().startswith(("PIP_", "NPM_CONFIG_", "TWINE_", "XDG_"))
           and k.lower() not in ("http_proxy", "https_proxy", "all_proxy", "no_proxy")}
    home.mkdir(parents=True, exist_ok=True)
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), XDG_CACHE_HOME=str(home / ".cache"),
               NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost",
               NPM_CONFIG_UPDATE_NOTIFIER="false", NPM_CONFIG_AUDIT="false", NPM_CONFIG_FUND="false",
               PIP_CONFIG_FILE=os.devnull, PIP_NO_INPUT="1", PIP_DISABLE_PIP_VERSION_CHECK="1",
               PIP_KEYRING_PROVIDER="disabled", PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring")
    return env


def npm_env(reg: Registry, home: Path) -> dict:
    env = clean_env(home)
    (home / ".npmrc").write_text(f"registry={reg.npm}\n{reg.npm_auth_line}\n")
    (home / "global-npmrc").write_text("")
    env.update(NPM_CONFIG_USERCONFIG=str(home / ".npmrc"), NPM_CONFIG_GLOBALCONFIG=str(home / "global-npmrc"),
               NPM_CONFIG_CACHE=str(home / "npm-cache"))
    return env


def run_tool(argv, env, cwd: Path, timeout=TOOL_TIMEOUT) -> tuple:
    """(seconds, CompletedProcess) of one tool run on the load core."""
    cwd.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    try:
        out = subprocess.run(["taskset", "-c", LOAD_CORE, *[str(x) for x in argv]], env=env, cwd=cwd,
                             stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        out = subprocess.CompletedProcess(e.cmd, -1, str(e.stdout or ""), f"timed out after {timeout} s")
    return time.perf_counter() - started, out


def tool_failure(out) -> str:
    text = (out.stdout + "\n" + out.stderr).strip().splitlines()
    return f"exit {out.returncode}: " + " | ".join(text[-6:])


def npm_source_dir(root: Path, name: str) -> Path:
    d = root / name
    d.mkdir(parents=True, exist_ok=True)
    (d / "package.json").write_text(json.dumps(npm_package_json(name, "1.0.0"), indent=2))
    (d / "index.js").write_text(f"module.exports = {json.dumps({'name': name})};\n")
    (d / "README.md").write_text(f"# {name}\n\nBenchmark package.\n")
    return d


def npm_publish_all(reg: Registry, names: list, work: Path) -> dict:
    """`npm publish` of each package in turn (one npm process each)."""
    env = npm_env(reg, work / f"npm-publish-home-{reg.name}")
    src = work / "npm-src"
    dirs = [npm_source_dir(src, n) for n in names]
    failures, started = [], time.perf_counter()
    for d in dirs:
        _, out = run_tool(["npm", "publish", "--ignore-scripts"], env, d, timeout=120)
        if out.returncode != 0:
            failures.append(f"{d.name}: {tool_failure(out)}")
    return {"count": len(names), "seconds": time.perf_counter() - started, "failures": failures}


def twine_upload(reg: Registry, clients: Path, files: list, work: Path, tag: str) -> dict:
    env = clean_env(work / f"twine-home-{tag}")
    seconds, out = run_tool([clients / "twine", "upload", "--non-interactive", "--disable-progress-bar",
                             "--repository-url", reg.pypi, "-u", reg.twine_user, "-p", reg.twine_password,
                             *files], env, work, timeout=TOOL_TIMEOUT)
    return {"count": len(files), "seconds": seconds,
            "failures": [] if out.returncode == 0 else [tool_failure(out)], "output": out.stdout + out.stderr}


def npm_install(reg: Registry, names: list, work: Path, tag: str) -> dict:
    """`npm install` of a new project depending on `names` (^1.0.0), cache cold."""
    home = work / f"npm-install-{tag}"
    shutil.rmtree(home, ignore_errors=True)
    env = npm_env(reg, home / "home")
    project = home / "app"
    project.mkdir(parents=True)
    (project / "package.json").write_text(json.dumps(
        {"name": "bench-app", "version": "1.0.0", "private": True,
         "dependencies": {n: "^1.0.0" for n in names}}, indent=2))
    seconds, out = run_tool(["npm", "install", "--no-audit", "--no-fund", "--ignore-scripts",
                             "--cache", home / "cache"], env, project)
    installed = sum(1 for n in names if (project / "node_modules" / n / "package.json").exists())
    return {"seconds": seconds, "installed": installed, "ok": out.returncode == 0 and installed == len(names),
            "failure": "" if out.returncode == 0 else tool_failure(out), "output": out.stdout + out.stderr}


def pip_install(reg: Registry, clients: Path, names: list, work: Path, tag: str) -> dict:
    home = work / f"pip-install-{tag}"
    shutil.rmtree(home, ignore_errors=True)
    env = clean_env(home / "home")
    seconds, out = run_tool([clients / "pip", "install", "--cache-dir", home / "cache", "--target", home / "site",
                             "--index-url", reg.pip_index, *names], env, home)
    site = home / "site"
    installed = sum(1 for n in names if (site / re.sub(r"[-.]+", "_", n) / "__init__.py").exists())
    return {"seconds": seconds, "installed": installed, "ok": out.returncode == 0 and installed == len(names),
            "failure": "" if out.returncode == 0 else tool_failure(out), "output": out.stdout + out.stderr}


# --- the run ----------------------------------------------------------------------

class Run:
    def __init__(self, a, tools, work: Path):
        self.a, self.tools, self.work = a, tools, work
        self.servers: dict = {}
        self.regs: dict = {}
        self.problems: list = []
        self.report: list = []
        self.population: list = []  # (server, what, count, seconds, retries)
        self.idle: dict = {}
        self.dead: set = set()
        self.perf: dict = {}

    def problem(self, text: str):
        say("PROBLEM:", text)
        self.problems.append(text)

    # servers
    def start(self):
        a, t, w = self.a, self.tools, self.work
        need_npm = bool({"npm", "publish", "install", "big"} & a.only)
        need_pypi = bool({"pypi", "publish", "install", "big"} & a.only)
        ours = start_ours(t["ours"], w)
        self.servers["ours"] = ours
        self.regs["ours"] = ours_registry(ours)
        say(f"ours at {ours.url}: npm {self.regs['ours'].npm}, pypi {self.regs['ours'].pypi}")
        if need_npm:
            v = start_verdaccio(t["verdaccio"], w)
            self.servers["verdaccio"] = v
            self.regs["verdaccio"] = verdaccio_registry(v)
            say(f"verdaccio at {v.url}")
        if need_pypi:
            self.pypi_dir = w / "pypiserver-packages"
            self.pypi_dir.mkdir()
            p = start_pypiserver(t["pypiserver"], w, self.pypi_dir, tuned=False)
            self.servers["pypiserver"] = p
            self.regs["pypiserver"] = pypiserver_registry(p)
            p.name = self.regs["pypiserver"].name = f"pypiserver ({pypiserver_runs(t['pypiserver'], p)}, rescans)"
            say(f"pypiserver at {p.url}")

    def stop(self):
        for s in self.servers.values():
            try:
                s.stop()
            except Exception as e:  # noqa: BLE001
                say(f"stopping {s.name}: {e}")

    def npm_servers(self):
        return [k for k in ("ours", "verdaccio") if k in self.regs]

    def pypi_servers(self):
        return [k for k in ("ours", "pypiserver") if k in self.regs]

    # population
    def populate(self, key: str, what: str, jobs: list):
        reg = self.regs[key]
        if not jobs:
            return
        stats = parallel_requests(reg.server.url, jobs, self.a.threads)
        self.population.append((reg.name, what, len(jobs), stats["seconds"], stats["retries"]))
        say(f"{reg.name}: {what}: {len(jobs)} in {stats['seconds']:.1f} s ({stats['retries']} retries)")
        for f in stats["failures"][:5]:
            self.problem(f"{reg.name} populating {what}: {f}")
        if len(stats["failures"]) > 5:
            self.problem(f"{reg.name} populating {what}: {len(stats['failures'])} failures in all")

    def populate_all(self):
        a = self.a
        if "npm" in a.only:
            one = [("bench-one", "1.0.0", npm_tarball("bench-one", "1.0.0"))]
            many = [("bench-many", npm_version(i), npm_tarball("bench-many", npm_version(i)))
                    for i in range(a.versions)]
            self.tarball = npm_tarball_of_size("bench-tarball", "1.0.0", 1 << 20)
            for key in self.npm_servers():
                reg = self.regs[key]
                self.populate(key, "npm bench-one (1 version)", npm_jobs(reg, one))
                # The first version alone, so that no request races to create the package.
                jobs = npm_jobs(reg, many)
                self.populate(key, "npm bench-many, first version", jobs[:1])
                self.populate(key, f"npm bench-many, {len(jobs) - 1:,} more versions (PUT)", jobs[1:])
                self.populate(key, "npm bench-tarball (1 MiB)", npm_jobs(reg, [("bench-tarball", "1.0.0",
                                                                                  self.tarball)]))
        if "pypi" in a.only:
            one = [("bench-one", "1.0.0", *wheel("bench-one", "1.0.0"))]
            many = [("bench-many", npm_version(i), *wheel("bench-many", npm_version(i))) for i in range(a.files)]
            for key in self.pypi_servers():
                reg = self.regs[key]
                self.populate(key, "PyPI bench-one (1 file)", pypi_jobs(reg, one))
                self.populate(key, f"PyPI bench-many ({len(many):,} files, POST)", pypi_jobs(reg, many))
        if "install" in a.only and "publish" not in a.only:
            self.populate_deps()

    def dep_names(self, n):
        return [f"bench-dep-{i:02d}" for i in range(n)]

    def populate_deps(self):
        """The install rows' packages, when `publish` did not publish them."""
        a = self.a
        n = max(a.npm_deps, a.pip_deps)
        npm_pkgs = [(name, "1.0.0", npm_tarball(name, "1.0.0")) for name in self.dep_names(n)]
        wheels = [(name, "1.0.0", *wheel(name, "1.0.0")) for name in self.dep_names(n)]
        for key in self.npm_servers():
            self.populate(key, f"npm bench-dep-* ({n}, PUT)", npm_jobs(self.regs[key], npm_pkgs))
        for key in self.pypi_servers():
            self.populate(key, f"PyPI bench-dep-* ({n}, POST)", pypi_jobs(self.regs[key], wheels))

    def measure_idle(self, when: str):
        time.sleep(2)
        for key, s in self.servers.items():
            self.idle.setdefault(key, {})[when] = s.rss()

    # npm
    def npm_reads(self):
        a, oha_bin = self.a, self.tools["oha"]
        rows = self.npm_rows = []
        for pkg, label in (("bench-one", "1 version"), ("bench-many", f"{a.versions:,} versions")):
            for doc, accept in (("full", "application/json"), ("abbreviated", NPM_ABBREVIATED)):
                for key in self.npm_servers():
                    reg = self.regs[key]
                    url = reg.npm + pkg
                    headers = {**reg.headers, "Accept": accept}
                    p = probe(reg, url, headers)
                    if p["status"] != 200:
                        self.problem(f"{reg.name} GET {pkg} ({doc}): {p['status']} {p['body'][:200]!r}")
                        continue
                    count = len(json.loads(p["body"]).get("versions", {}))
                    expected = 1 if pkg == "bench-one" else a.versions
                    if count != expected:
                        self.problem(f"{reg.name} GET {pkg} ({doc}): {count} versions, expected {expected}")
                    say(f"load: {reg.name} {pkg} {doc}")
                    r = oha(oha_bin, url, headers, a, reg.server)
                    if anomalies(r):
                        self.problem(f"{reg.name} GET {pkg} ({doc}) under load: {anomalies(r)}")
                    rows.append({"pkg": label, "doc": doc, "key": key, "server": reg.name, "r": r,
                                 "bytes": p["bytes"], "type": p["type"].split(";")[0]})
                    if a.perf and key == "ours" and doc == "full":
                        self.profile_during(f"the full document of {pkg}", url, headers, reg.server)

    def profile_during(self, label, url, headers, server):
        """perf of our server during a second load run of the same request."""
        say(f"perf: ours, {label}")
        result = {}
        t = threading.Thread(target=lambda: result.update(r=oha(self.tools["oha"], url, headers, self.a)))
        t.start()
        time.sleep(1)
        self.perf[label] = perf_profile(server.pid, max(2, self.a.duration - 3), self.work / "perf")
        t.join()

    def tarball_reads(self):
        a, oha_bin = self.a, self.tools["oha"]
        size = len(self.tarball)
        rows = self.tarball_rows = []
        for key in self.npm_servers():
            reg = self.regs[key]
            url = f"{reg.npm}bench-tarball/-/bench-tarball-1.0.0.tgz"
            p = probe(reg, url, reg.headers)
            if p["status"] != 200 or p["body"] != self.tarball:
                self.problem(f"{reg.name} GET tarball: {p['status']}, {p['bytes']} bytes, "
                             f"same bytes: {p['body'] == self.tarball}")
                continue
            say(f"load: {reg.name} tarball")
            r = oha(oha_bin, url, reg.headers, a, reg.server)
            if anomalies(r):
                self.problem(f"{reg.name} GET tarball under load: {anomalies(r)}")
            rows.append({"server": reg.name, "key": key, "r": r})
            if a.perf and key == "ours":
                self.profile_during("the 1 MiB tarball", url, reg.headers, reg.server)
        baseline = Server("baseline", [self.tools["baseline"], "--bind", "127.0.0.1:0", "--body-bytes", size],
                          self.work / "baseline.log",
                          lambda s: (m.group(1) if (m := re.search(r"listening on (http://\S+)", s.log_text()))
                                     else None))
        try:
            url = f"{baseline.url}/v1/authorization-token"
            status, _, body = Conn(url).request("POST", "/v1/authorization-token")
            assert status == 200 and len(body) == size, (status, len(body))
            say("load: baseline, same size")
            r = oha(oha_bin, url, {}, a, baseline, method="POST")
            rows.append({"server": "bare hyper baseline (POST, same number of bytes)", "key": "baseline", "r": r})
        finally:
            baseline.stop()

    # pypi
    def pypi_reads(self):
        a, oha_bin = self.a, self.tools["oha"]
        tuned = self.tuned_pypiserver()
        rows = self.pypi_rows = []
        try:
            for pkg, label, expected in (("bench-one", "1 file", 1), ("bench-many", f"{a.files:,} files", a.files)):
                for key in ("ours", "pypiserver", "pypiserver-cached"):
                    reg = self.regs[key]
                    url = f"{reg.pypi}simple/{pkg}/"
                    headers = {**reg.pypi_headers, "Accept": PIP_ACCEPT}
                    p = probe(reg, url, headers)
                    if p["status"] != 200:
                        self.problem(f"{reg.name} GET simple/{pkg}/: {p['status']} {p['body'][:200]!r}")
                        continue
                    found = p["body"].count(b".whl")
                    if "json" in p["type"]:
                        found = len(json.loads(p["body"]).get("files", []))
                    elif found:
                        found = len(re.findall(rb"<a ", p["body"]))
                    if found != expected:
                        self.problem(f"{reg.name} simple/{pkg}/ lists {found} files, expected {expected}")
                    say(f"load: {reg.name} simple/{pkg}/")
                    r = oha(oha_bin, url, headers, a, reg.server)
                    if anomalies(r):
                        self.problem(f"{reg.name} GET simple/{pkg}/ under load: {anomalies(r)}")
                    rows.append({"pkg": label, "key": key, "server": reg.name, "r": r, "bytes": p["bytes"],
                                 "type": p["type"].split(";")[0]})
        finally:
            self.idle.setdefault("pypiserver-cached", {})["after population"] = tuned.rss()

    def tuned_pypiserver(self) -> Server:
        """pypiserver with its cache and waitress, on the same directory (started once)."""
        if "pypiserver-cached" not in self.servers:
            tuned = start_pypiserver(self.tools["pypiserver"], self.work, self.pypi_dir, tuned=True)
            self.servers["pypiserver-cached"] = tuned
            self.regs["pypiserver-cached"] = pypiserver_registry(tuned)
            self.regs["pypiserver-cached"].name = f"pypiserver [cache] + {pypiserver_runs(self.tools['pypiserver'], tuned)}"
        return self.servers["pypiserver-cached"]

    # publish
    def publish(self):
        a, work = self.a, self.work
        names = self.dep_names(a.publish)
        rows = self.publish_rows = []
        for key in self.npm_servers():
            reg = self.regs[key]
            say(f"npm publish x{len(names)} to {reg.name}")
            r = npm_publish_all(reg, names, work)
            rows.append(("npm publish", reg.name, r))
            for f in r["failures"][:3]:
                self.problem(f"npm publish to {reg.name}: {f}")
        wheel_dir = work / "publish-wheels"
        wheel_dir.mkdir(exist_ok=True)
        files = []
        for n in names:
            filename, content = wheel(n, "1.0.0")
            (wheel_dir / filename).write_bytes(content)
            files.append(wheel_dir / filename)
        for key in self.pypi_servers():
            reg = self.regs[key]
            say(f"twine upload x{len(files)} to {reg.name}")
            r = twine_upload(reg, self.tools["clients"], files, work, f"publish-{key}")
            rows.append(("twine upload (one run, all files)", reg.name, r))
            for f in r["failures"]:
                self.problem(f"twine upload to {reg.name}: {f}")

    # install
    def install(self):
        a, work = self.a, self.work
        rows = self.install_rows = []
        for key in self.npm_servers():
            reg = self.regs[key]
            runs = []
            for i in range(a.install_runs):
                say(f"npm install ({a.npm_deps} deps) from {reg.name}, run {i + 1}")
                r = npm_install(reg, self.dep_names(a.npm_deps), work, f"{key}-{i}")
                runs.append(r)
                if not r["ok"]:
                    self.problem(f"npm install from {reg.name}: {r['installed']}/{a.npm_deps} installed; "
                                 f"{r['failure']}")
            rows.append((f"npm install, {a.npm_deps} packages", reg.name, runs))
        if "pypiserver" in self.regs:
            self.tuned_pypiserver()
        for key in [k for k in ("ours", "pypiserver", "pypiserver-cached") if k in self.regs]:
            reg = self.regs[key]
            runs = []
            for i in range(a.install_runs):
                say(f"pip install ({a.pip_deps} wheels) from {reg.name}, run {i + 1}")
                r = pip_install(reg, self.tools["clients"], self.dep_names(a.pip_deps), work, f"{key}-{i}")
                runs.append(r)
                if not r["ok"]:
                    self.problem(f"pip install from {reg.name}: {r['installed']}/{a.pip_deps} installed; "
                                 f"{r['failure']}")
            rows.append((f"pip install, {a.pip_deps} wheels", reg.name, runs))

    # big uploads
    def big(self):
        a, work = self.a, self.work
        size = a.big_mib << 20
        say(f"generating the {a.big_mib} MiB tarball and wheel")
        data = payload("big", size - 8192)
        tgz = npm_tarball("bench-big", "1.0.0", data, level=0)
        filename, whl = wheel("bench-big", "1.0.0", data)
        del data
        whl_path = work / "big" / filename
        whl_path.parent.mkdir(exist_ok=True)
        whl_path.write_bytes(whl)
        rows = self.big_rows = []

        def measure(key, what, action):
            s = self.servers[key]
            time.sleep(1)
            before, hwm0 = s.rss(), s.hwm()
            sampler = papi.Sampler(s.pid)
            started = time.perf_counter()
            try:
                ok, detail = action()
            except Exception as e:  # noqa: BLE001
                ok, detail = False, repr(e)
            seconds = time.perf_counter() - started
            peak = sampler.stop() if s.alive() else 0
            after = s.rss() if s.alive() else 0
            hwm1 = s.hwm() if s.alive() else 0
            time.sleep(2)
            settled = s.rss() if s.alive() else 0
            if not ok:
                self.problem(f"{what} to {self.regs[key].name}: {detail}")
            rows.append({"server": self.regs[key].name, "what": what, "before": before, "peak": peak,
                         "hwm": (hwm0, hwm1), "after": after, "settled": settled, "seconds": seconds, "ok": ok})

        for key in self.npm_servers():
            reg = self.regs[key]
            body = npm_publish_body("bench-big", "1.0.0", tgz, reg.npm)

            def put(reg=reg, body=body):
                headers = {**reg.headers, "Content-Type": "application/json", "npm-command": "publish"}
                status, _, answer = Conn(reg.server.url, timeout=600).request(
                    "PUT", reg.path(reg.npm) + "bench-big", body=body, headers=headers)
                return 200 <= status < 300, f"{status} {answer[:300]!r}"
            say(f"{a.big_mib} MiB npm publish document to {reg.name}")
            measure(key, f"npm tarball {a.big_mib} MiB (PUT, {len(body) / (1 << 20):.0f} MiB of JSON)", put)
            del body
        for key in self.pypi_servers():
            reg = self.regs[key]

            def upload(reg=reg, key=key):
                r = twine_upload(reg, self.tools["clients"], [whl_path], work, f"big-{key}")
                return not r["failures"], "; ".join(r["failures"])
            say(f"{a.big_mib} MiB wheel (twine) to {reg.name}")
            measure(key, f"wheel {a.big_mib} MiB (twine upload)", upload)
        self.big_bytes = size

    # the report
    def write_report(self, started: float, load_before: str):
        a, t = self.a, self.tools
        commit, built = t["commit"], t["built"]
        R = self.report
        R += ["## Packages: codeartifact-local against Verdaccio and pypiserver", "",
              f"Machine: {base.machine()}; load average {load_before} before, "
              f"{' '.join(Path('/proc/loadavg').read_text().split()[:3])} after.",
              f"Work tree at start: {commit}; target/release/codeartifact-local as it was at start, built {built}. "
              f"Node {t['node']}, Verdaccio {VERDACCIO_VERSION}, pypiserver {PYPISERVER_VERSION}, "
              f"{tool_version(t['clients'] / 'twine', '--version').split(' (')[0]}, "
              f"{tool_version(t['clients'] / 'pip', '--version').split(' from')[0]}, "
              f"npm {tool_version('npm', '--version')}.",
              f"Load: oha {base.OHA_VERSION}, {a.connections} connections, {a.duration} s per run (GET, keep-alive, "
              f"no compression asked); each server on core {SERVER_CORE}, oha and every client on core {LOAD_CORE}. "
              f"Sections: {', '.join(s for s in SECTIONS if s in a.only)}{' (--quick)' if a.quick else ''}. "
              "Requests/s depends on whatever else runs on core 0 of this shared machine; the server's CPU "
              "time per request (its utime + stime over the run, divided by the requests) is steadier, so "
              "ratios are also given by it, in brackets.", "",
              "Setups: **ours** is `codeartifact-local serve` with no `--config` (development setup, log level "
              "info, its log to a file), every request carrying a token from GetAuthorizationToken (npm: Bearer; "
              "PyPI: Basic `aws:<token>`), so the token is checked and the permission decided on each. "
              "**Verdaccio** runs bench/registries/verdaccio.yaml (its default config, no uplinks; log level "
              "http to a file) and gets npm's `Authorization: Bearer` with its JWT token on every request, as npm sends "
              "it (with Verdaccio's default legacy tokens each such request would check the password with "
              "bcrypt, about 0.3 s here: see the config's comment). **pypiserver** runs with `-a . -P . --disable-fallback` (no auth, none "
              "sent) as `pip install pypiserver` gives it (wsgiref, single-threaded, re-reads the package "
              "directory on each request) and, for reads and pip, also with its `[cache]` extra and waitress "
              "(`--backend cached-dir --server waitress`) on the same directory.", ""]
        if self.population:
            R += [f"### Population (HTTP, {a.threads} connections; npm: PUT of the publish document, PyPI: POST "
                  "of twine's form)", "", "| server | what | count | seconds | per second | retries |",
                  "|---|---|---|---|---|---|"]
            R += [f"| {s} | {w} | {n:,} | {sec:.1f} | {n / sec:,.1f} | {r} |" for s, w, n, sec, r in self.population]
            R.append("")
        if self.idle:
            whens = []
            for d in self.idle.values():
                whens += [w for w in d if w not in whens]
            R += ["### Idle RSS (MiB)", "", "| server | " + " | ".join(whens) + " |",
                  "|---|" + "---|" * len(whens)]
            for key, d in self.idle.items():
                name = self.regs[key].name if key in self.regs else key
                R.append(f"| {name} | " + " | ".join(mib(d[w]) if w in d else "" for w in whens) + " |")
            R.append("")
        if getattr(self, "npm_rows", None):
            R += ["### npm package document GET", "",
                  "| package | document | server | requests/s | p50 / p99 (ms) | server CPU per request (µs) "
                  "| response | ours ÷ Verdaccio: requests/s (CPU per request) |", "|---|---|---|---|---|---|---|---|"]
            by = {(r["pkg"], r["doc"], r["key"]): r for r in self.npm_rows}
            for r in self.npm_rows:
                x = r["r"]
                peer = by.get((r["pkg"], r["doc"], "verdaccio"))
                ratio = ratios(x, peer["r"]) if r["key"] == "ours" and peer else ""
                R.append(f"| {r['pkg']} | {r['doc']} | {r['server']} | {x['rps']:,.0f} | {x['p50']:.2f} / "
                         f"{x['p99']:.2f} | {cpu_cell(x)} | {r['bytes']:,} B {r['type']} | {ratio} |")
            R.append("")
            lines = []
            for key in self.npm_servers():
                for doc in ("full", "abbreviated"):
                    rs = [r for r in self.npm_rows if r["key"] == key and r["doc"] == doc]
                    if len(rs) == 2 and rs[1]["r"]["rps"] and rs[0]["r"]["cpu_us"]:
                        lines.append(f"- {self.regs[key].name}, {doc}: the {rs[1]['pkg']} document costs "
                                     f"{rs[0]['r']['rps'] / rs[1]['r']['rps']:.1f}x the 1-version one by requests/s, "
                                     f"{rs[1]['r']['cpu_us'] / rs[0]['r']['cpu_us']:.1f}x by server CPU per request.")
            R += lines + [""]
        if getattr(self, "tarball_rows", None):
            size = len(self.tarball)
            R += [f"### Tarball GET, {size:,} bytes (1 MiB)", "",
                  "| server | requests/s | MB/s | p50 / p99 (ms) | server CPU per request (µs) | of the baseline |",
                  "|---|---|---|---|---|---|"]
            base_rps = next((r["r"]["rps"] for r in self.tarball_rows if r["key"] == "baseline"), 0)
            for r in self.tarball_rows:
                x = r["r"]
                share = f"{x['rps'] / base_rps:.0%}" if base_rps else ""
                R.append(f"| {r['server']} | {x['rps']:,.0f} | {x['rps'] * size / 1e6:,.0f} | {x['p50']:.2f} / "
                         f"{x['p99']:.2f} | {cpu_cell(x)} | {share} |")
            R += ["", "The baseline (bench/src/bin/baseline.rs) answers only `POST /v1/authorization-token`, with "
                  "a JSON body of `--body-bytes` bytes: the same number of bytes, not the tarball's. Serving the "
                  "very bytes on a GET would need a `--body-file PATH` option (read the file into `Bytes` at "
                  "start) and the route to answer `GET` on any path.", ""]
        if getattr(self, "pypi_rows", None):
            R += ["### PyPI simple page GET (pip's Accept header)", "",
                  "| project | server | requests/s | p50 / p99 (ms) | server CPU per request (µs) | response "
                  "| ours ÷ this: requests/s (CPU per request) |", "|---|---|---|---|---|---|---|"]
            by = {(r["pkg"], r["key"]): r for r in self.pypi_rows}
            for r in self.pypi_rows:
                x = r["r"]
                o = by.get((r["pkg"], "ours"))
                ratio = ratios(o["r"], x) if r["key"] != "ours" and o else ""
                R.append(f"| {r['pkg']} | {r['server']} | {x['rps']:,.1f} | {x['p50']:.2f} / {x['p99']:.2f} | "
                         f"{cpu_cell(x)} | {r['bytes']:,} B {r['type']} | {ratio} |")
            R.append("")
        if getattr(self, "publish_rows", None):
            R += ["### Publish rate (the real tools, one after another, from core 1)", "",
                  "| tool | server | packages | seconds | packages/s | failures |", "|---|---|---|---|---|---|"]
            for tool, name, r in self.publish_rows:
                R.append(f"| {tool} | {name} | {r['count']} | {r['seconds']:.1f} | {r['count'] / r['seconds']:.2f} "
                         f"| {len(r['failures'])} |")
            R.append("")
        if getattr(self, "install_rows", None):
            R += ["### Install wall time (fresh cache and project each run; the client on core 1)", "",
                  "| what | server | runs (s) | installed |", "|---|---|---|---|"]
            for what, name, runs in self.install_rows:
                times = " / ".join(f"{r['seconds']:.2f}" for r in runs)
                counts = " / ".join(str(r["installed"]) for r in runs)
                R.append(f"| {what} | {name} | {times} | {counts} |")
            R.append("")
        if getattr(self, "big_rows", None):
            R += [f"### RSS while uploading {a.big_mib} MiB", "",
                  "| server | upload | RSS before (MiB) | peak, 50 ms samples (MiB) | growth (MiB) | VmHWM before → "
                  "after (MiB) | RSS right after / 2 s later (MiB) | seconds | ok |", "|---|---|---|---|---|---|---|---|---|"]
            for r in self.big_rows:
                R.append(f"| {r['server']} | {r['what']} | {mib(r['before'])} | {mib(r['peak'])} | "
                         f"{mib(r['peak'] - r['before'])} | {mib(r['hwm'][0])} → {mib(r['hwm'][1])} | "
                         f"{mib(r['after'])} / {mib(r['settled'])} | {r['seconds']:.1f} | {'yes' if r['ok'] else 'NO'} |")
            R.append("")
        R += self.targets()
        for label, text in self.perf.items():
            R += [f"### perf: ours serving {label} (top symbols by self time, {a.connections} connections)", "",
                  "```", text, "```", ""]
        ours = self.servers.get("ours")
        if ours:
            levels, samples, cancelled = {}, [], 0
            for line in ours.log_text().splitlines():
                m = re.search(r"\b(WARN|ERRO|ERROR|CRIT)\b", line)
                if not m:
                    continue
                if "client disconnected" in line:  # oha dropping its connections at the deadline
                    cancelled += 1
                    continue
                levels[m.group(1)] = levels.get(m.group(1), 0) + 1
                samples.append(line)
            if levels:
                self.problems.append("our log has " + ", ".join(f"{v} {k}" for k, v in levels.items())
                                     + " lines; the first: " + " || ".join(s[:300] for s in samples[:5]))
            R.append(f"Our log: {cancelled} warnings of requests cancelled because the client disconnected "
                     "(oha closing its connections at the end of each timed run), "
                     f"{sum(levels.values())} other warnings or errors.")
            R.append("")
        R += ["### Problems", ""] + ([f"- {p}" for p in self.problems] or ["- none"]) + [""]
        R.append(f"Total run time: {time.perf_counter() - started:.0f} s.")

    def targets(self) -> list:
        """Issue 14's targets, against what this run measured."""
        rows = []

        def row(target, measured, met):
            rows.append(f"| {target} | {measured} | {'yes' if met else '**no**'} |")
        if getattr(self, "npm_rows", None):
            by = {(r["pkg"], r["doc"], r["key"]): r["r"] for r in self.npm_rows}
            for (pkg, doc, key), r in by.items():
                peer = by.get((pkg, doc, "verdaccio"))
                if key == "ours" and peer and peer["rps"]:
                    x = r["rps"] / peer["rps"]
                    row(f"npm document ({pkg}, {doc}): ≥ 20x Verdaccio", ratios(r, peer), x >= 20)
            for doc in ("full", "abbreviated"):
                rs = [r for r in self.npm_rows if r["key"] == "ours" and r["doc"] == doc]
                if len(rs) == 2 and rs[1]["r"]["rps"]:
                    x = rs[0]["r"]["rps"] / rs[1]["r"]["rps"]
                    row(f"{rs[1]['pkg']} document ({doc}) ≤ 3x the cost of 1 version",
                        f"{x:.1f}x (requests/s), {rs[1]['r']['cpu_us'] / rs[0]['r']['cpu_us']:.1f}x (CPU)", x <= 3)
        if getattr(self, "tarball_rows", None):
            by = {r["key"]: r["r"] for r in self.tarball_rows}
            if "ours" in by and "baseline" in by and by["baseline"]["rps"]:
                x = by["ours"]["rps"] / by["baseline"]["rps"]
                cpu = by["baseline"]["cpu_us"] / by["ours"]["cpu_us"] if by["ours"]["cpu_us"] else 0
                row("tarball throughput ≥ 70 % of bare hyper", f"{x:.0%} ({cpu:.0%} by CPU per request)", x >= 0.7)
        if getattr(self, "pypi_rows", None):
            by = {(r["pkg"], r["key"]): r["r"] for r in self.pypi_rows}
            for (pkg, key), r in by.items():
                if key != "ours" and by.get((pkg, "ours")) and r["rps"]:
                    x = by[(pkg, "ours")]["rps"] / r["rps"]
                    row(f"simple page ({pkg}): ≥ 100x {self.regs[key].name}", ratios(by[(pkg, "ours")], r), x >= 100)
        if "ours" in self.idle and "after population" in self.idle["ours"]:
            v = self.idle["ours"]["after population"]
            row("idle RSS < 20 MiB with packages stored", f"{mib(v)} MiB", v < 20 * 1024)
        for r in getattr(self, "big_rows", None) or []:
            if r["server"] == "codeartifact-local":
                g = r["peak"] - r["before"]
                row(f"RSS growth < 8 MiB during the upload ({r['what']})", f"{mib(g)} MiB", r["ok"] and g < 8 * 1024)
        if not rows:
            return []
        return ["### Against the targets of issue 14", "", "| target | measured | met |", "|---|---|---|"] + rows + [""]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default=",".join(SECTIONS), help=f"comma-separated sections of {SECTIONS}")
    parser.add_argument("--quick", action="store_true", help="short runs and small sizes, for development")
    parser.add_argument("--duration", type=int, help="seconds per load run (10; --quick 3)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--versions", type=int, help="versions of the big npm package (1000; --quick 100)")
    parser.add_argument("--files", type=int, help="files of the big PyPI project (500; --quick 50)")
    parser.add_argument("--publish", type=int, help="packages published with npm and twine (50; --quick 10)")
    parser.add_argument("--npm-deps", type=int, help="dependencies of the npm install project (50; --quick 10)")
    parser.add_argument("--pip-deps", type=int, help="wheels pip installs (20; --quick 5)")
    parser.add_argument("--install-runs", type=int, help="runs of each install (2; --quick 1)")
    parser.add_argument("--big-mib", type=int, help="size of the large upload (200; --quick 20)")
    parser.add_argument("--threads", type=int, default=8, help="connections that populate")
    parser.add_argument("--perf", action="store_true", help="perf profile of ours on the big npm document")
    parser.add_argument("--build", action="store_true", help="run cargo build --release even if the binaries exist")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (logs, data)")
    a = parser.parse_args()
    a.only = {s.strip() for s in a.only.split(",") if s.strip()}
    unknown = a.only - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections {sorted(unknown)}; choose from {SECTIONS}")
    defaults = {"duration": (10, 3), "versions": (1000, 100), "files": (500, 50), "publish": (50, 10),
                "npm_deps": (50, 10), "pip_deps": (20, 5), "install_runs": (2, 1), "big_mib": (200, 20)}
    for k, (full, quick) in defaults.items():
        if getattr(a, k) is None:
            setattr(a, k, quick if a.quick else full)
    if "publish" in a.only and "install" in a.only:
        a.publish = max(a.publish, a.npm_deps, a.pip_deps)

    started = time.perf_counter()
    load_before = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    tools = ensure_tools(a)
    os.sched_setaffinity(0, {int(LOAD_CORE)})  # this script and the tools it runs: the load core
    work = Path(tempfile.mkdtemp(prefix="codeartifact-registries-"))
    say(f"working in {work}")
    r = Run(a, tools, work)
    steps = [("start", r.start, None), ("populate", r.populate_all, None),
             ("idle", lambda: r.measure_idle("after population"), None),
             ("npm documents", r.npm_reads, "npm"), ("tarballs", r.tarball_reads, "npm"),
             ("simple pages", r.pypi_reads, "pypi"), ("publish", r.publish, "publish"),
             ("install", r.install, "install"), ("idle again", lambda: r.measure_idle("after the runs"), None),
             ("big uploads", r.big, "big")]
    try:
        for name, step, section in steps:
            if section and section not in a.only:
                continue
            try:
                step()
            except Exception as e:  # noqa: BLE001 - reported, and the run goes on
                import traceback
                traceback.print_exc()
                r.problem(f"step {name} failed: {str(e)[-800:]!r}")
                if name == "start":
                    break
            for key, s in r.servers.items():
                if not s.alive() and key not in r.dead:
                    r.dead.add(key)
                    r.problem(f"{s.name} exited ({s.proc.returncode}) during {name}: {s.log_tail(10)}")
    finally:
        r.stop()
    r.write_report(started, load_before)
    print("\n".join(r.report))
    if a.keep:
        say(f"kept {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
