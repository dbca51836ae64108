"""Durability: `kill -9` in the middle of a burst of CreateRepository calls
(and, below, of npm and PyPI publishes). After a restart on the same data
directory every call that was answered 200 is there, nothing that was never
asked for is, and SQLite finds the database intact.

The server keeps domains and repositories in <data-dir>/codeartifact.db in WAL
mode with `synchronous = FULL`, and answers a write only once its transaction
is committed: an acknowledged write must survive the process dying at any
instant. SIGKILL gives the process no chance to flush or clean up, so this is
the crash a power cut or the OOM killer causes, short of the kernel's page
cache being lost. boto3 clients on eight threads keep calls in flight while
the test kills the server once fifty have been answered; calls cut off by the
kill have an unknown outcome (committed or not) and the test accepts either."""

import base64
import gzip
import hashlib
import http.client
import io
import json
import random
import signal
import sqlite3
import tarfile
import threading
import time
import urllib.parse
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from conftest import ACCOUNT, USER, Server, write_test_config

THREADS = 8
KILL_AFTER = 50   # answered calls before the kill
LIMIT = 2000      # a bound on the burst, never reached: the kill ends it


def client(url: str):
    return boto3.session.Session().client(
        "codeartifact",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id=USER.access_key_id,
        aws_secret_access_key=USER.secret_access_key,
        # One attempt: a retry would blur which call the server answered.
        config=Config(retries={"total_max_attempts": 1, "mode": "standard"},
                      connect_timeout=2, read_timeout=5),
    )


class Burst:
    """CreateRepository burst-0000, burst-0001, ... from several threads,
    each call's outcome recorded: answered (200), cut off by the kill
    (unknown), or anything else (a failure of the test)."""

    def __init__(self, url: str):
        self.clients = [client(url) for _ in range(THREADS)]
        self.lock = threading.Lock()
        self.next = 0
        self.answered = set()
        self.unknown = set()
        self.in_flight_at_kill = set()   # unknown calls started before the kill
        self.unexpected = []
        self.enough = threading.Event()  # KILL_AFTER calls answered: kill now
        self.killing = threading.Event()  # set just before the SIGKILL

    def _take(self):
        with self.lock:
            if self.next >= LIMIT:
                return None
            self.next += 1
            return f"burst-{self.next - 1:04d}"

    def _run(self, c):
        while (name := self._take()) is not None:
            started_before_kill = not self.killing.is_set()
            try:
                response = c.create_repository(domain="demo", repository=name)
            except ClientError as e:
                with self.lock:
                    self.unexpected.append((name, e.response["Error"]))
                return
            except BotoCoreError as e:
                with self.lock:
                    if self.killing.is_set():
                        self.unknown.add(name)
                        if started_before_kill:
                            self.in_flight_at_kill.add(name)
                    else:
                        self.unexpected.append((name, repr(e)))
                return  # the server is gone (or broken): this thread is done
            with self.lock:
                status = response["ResponseMetadata"]["HTTPStatusCode"]
                if status != 200 or response["repository"]["name"] != name:
                    self.unexpected.append((name, status, response["repository"]))
                    return
                self.answered.add(name)
                if len(self.answered) >= KILL_AFTER:
                    self.enough.set()

    def start(self):
        self.threads = [threading.Thread(target=self._run, args=(c,), daemon=True) for c in self.clients]
        for t in self.threads:
            t.start()

    def join(self):
        for t in self.threads:
            t.join(timeout=20)
            assert not t.is_alive(), "a burst thread did not finish"


def test_kill_9_mid_burst_loses_no_answered_create_repository(tmp_path, session_expiry):
    args = ["--config", str(write_test_config(tmp_path, session_expiry))]
    database = tmp_path / "data" / "codeartifact.db"

    first = Server(args, tmp_path)
    burst = Burst(first.url)
    burst.start()
    try:
        assert burst.enough.wait(timeout=20), (burst.unexpected, first.log())
    finally:
        burst.killing.set()
        first.process.kill()
    burst.join()
    assert first.process.wait(timeout=10) == -signal.SIGKILL
    # Only closes the log: the process is gone already. Keep the log aside,
    # the restarted server writes its own at the same path.
    assert first.stop() == -signal.SIGKILL
    first.log_path.rename(tmp_path / "killed-server.log")

    assert burst.unexpected == []
    # Mid-burst, really: calls had been answered, and calls in flight were
    # cut off; the burst did not simply run out.
    assert len(burst.answered) >= KILL_AFTER
    assert burst.in_flight_at_kill, "no call was in flight at the kill"
    assert burst.next < LIMIT
    attempted = burst.answered | burst.unknown
    print(f"\nanswered before the kill: {len(burst.answered)}, "
          f"cut off: {len(burst.unknown)} ({len(burst.in_flight_at_kill)} in flight)")

    # The same data directory: the restarted server opens what the kill left.
    second = Server(args, tmp_path)
    try:
        c = client(second.url)
        listed = [r["name"]
                  for page in c.get_paginator("list_repositories_in_domain").paginate(domain="demo")
                  for r in page["repositories"]]
        print(f"present after the restart: {len(listed)} "
              f"({len(set(listed) & burst.unknown)} of the cut-off calls)")
        assert len(listed) == len(set(listed)), "a repository is listed twice"
        assert burst.answered - set(listed) == set(), "answered 200, lost by the kill"
        assert set(listed) - attempted == set(), "present, never asked for"

        last = max(burst.answered)
        repository = c.describe_repository(domain="demo", repository=last)["repository"]
        assert (repository["name"], repository["domainName"], repository["domainOwner"]) == (
            last, "demo", "111122223333")

        # Still writable after the crash: the cut-off names can be settled.
        for name in sorted(burst.unknown - set(listed))[:3]:
            c.create_repository(domain="demo", repository=name)
    finally:
        code = second.stop()
    assert code == 0, second.log()

    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        stored = {name for (name,) in connection.execute(
            "SELECT name FROM repositories WHERE domain_owner = '111122223333' AND domain_name = 'demo'")}
    finally:
        connection.close()
    assert burst.answered <= stored
    assert set(listed) <= stored


# Packages --------------------------------------------------------------------
#
# The same crash in the middle of a burst of package publishes, sent as the
# package managers send them (npm's PUT of a JSON document with the tarball
# in base64, twine's multipart POST) from several threads. A publish writes
# the bytes to a file under <data>/blobs/tmp, syncs it, renames it to
# blobs/sha256/<2 hex>/<sha256> and syncs the directories; then it commits
# the version in one SQLite transaction; only then does it answer. So after
# the kill and a restart: every answered publish is served, byte for byte;
# a publish cut off by the kill is either wholly there (listed, and its
# bytes download and match its digests) or not at all, never half-visible;
# the database is intact; and the start swept what the kill left in blobs/
# (staged files, blobs that no version names). Every request is on
# 127.0.0.1 with a timeout, and the burst is bounded in attempts and time.

DURABLE = "durable"        # the repository the package bursts publish to
REQUEST_TIMEOUT = 15       # seconds, for any one request
BURST_TIMEOUT = 60         # seconds, for the answers the kill waits for
PUBLISH_LIMIT = 1000       # a bound on a burst's attempts, never reached


@dataclass(frozen=True)
class Sent:
    """One publish of the burst: its package, version, and the bytes of its
    file (the npm tarball, the wheel). `key` identifies it in the listings."""
    package: str
    version: str
    filename: str
    data: bytes = field(repr=False)

    @property
    def key(self) -> tuple:
        return (self.package, self.version)


def http_call(url: str, method: str = "GET", headers: dict = None, body: bytes = None) -> tuple:
    """(status, body) of one request on a connection of its own, to
    127.0.0.1 only. Connection errors (the server killed) propagate."""
    parts = urllib.parse.urlsplit(url)
    assert parts.scheme == "http" and parts.hostname == "127.0.0.1", url
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=REQUEST_TIMEOUT)
    try:
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        connection.request(method, path, body=body, headers={**(headers or {}), "Connection": "close"})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def payload(seed: str, low: int, high: int) -> bytes:
    """Incompressible bytes, log-uniformly from 2**low to 2**high long, the
    same for the same seed: packed, the file is about as large."""
    rng = random.Random(seed)
    return rng.randbytes(int(2 ** rng.uniform(low, high)))


def sri_sha512(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


# npm: versions 1.0.<i> spread over a dozen packages, so that publishes to one
# package race each other, each tarball 2 KiB to 400 KiB.
NPM_PACKAGES = 12


def npm_item(i: int) -> Sent:
    name, version = f"durable-{i % NPM_PACKAGES:02d}", f"1.0.{i}"
    package_json = {"name": name, "version": version, "description": "durability", "main": "index.js",
                    "license": "MIT"}
    files = {
        "package/package.json": json.dumps(package_json).encode(),
        "package/index.js": f"module.exports = {json.dumps(version)};\n".encode(),
        "package/payload.bin": payload(f"npm-{i}", 11, 18.6),
    }
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for member, data in files.items():
            info = tarfile.TarInfo(member)
            info.size, info.mtime, info.mode = len(data), 1577836800, 0o644
            tar.addfile(info, io.BytesIO(data))
    return Sent(name, version, f"{name}-{version}.tgz", gzip.compress(raw.getvalue(), mtime=0))


def npm_publish(endpoint: str, token: str, sent: Sent) -> tuple:
    """`npm publish`'s request: the document with the tarball attached."""
    manifest = {"name": sent.package, "version": sent.version, "description": "durability",
                "main": "index.js", "license": "MIT", "_id": f"{sent.package}@{sent.version}",
                "dist": {"integrity": sri_sha512(sent.data), "shasum": hashlib.sha1(sent.data).hexdigest(),
                         "tarball": f"{endpoint}{sent.package}/-/{sent.filename}"}}
    document = {
        "_id": sent.package, "name": sent.package, "description": "durability",
        "dist-tags": {"latest": sent.version}, "versions": {sent.version: manifest}, "access": None,
        "_attachments": {sent.filename: {"content_type": "application/octet-stream",
                                         "data": base64.b64encode(sent.data).decode(),
                                         "length": len(sent.data)}},
    }
    return http_call(f"{endpoint}{sent.package}", "PUT",
                     {"Authorization": f"Bearer {token}", "Content-Type": "application/json",
                      "Accept": "application/json", "npm-command": "publish"},
                     json.dumps(document).encode())


def npm_served(endpoint: str, token: str, sent: dict, packages: set) -> set:
    """The keys of every version the package documents list, each checked:
    sent by the burst, its manifest and digests those of what was sent, and
    its tarball downloading those very bytes."""
    auth = {"Authorization": f"Bearer {token}"}
    listed = set()
    for package in sorted(packages):
        status, body = http_call(f"{endpoint}{package}", headers={**auth, "Accept": "application/json"})
        if status == 404:
            continue  # nothing of it committed; the caller checks the answered ones
        assert status == 200, (package, status, body[:500])
        document = json.loads(body)
        assert document["name"] == package, document["name"]
        assert document["dist-tags"]["latest"] in document["versions"], document["dist-tags"]
        for version, manifest in document["versions"].items():
            key = (package, version)
            published = key in sent  # (not in the assert: pytest would print every tarball)
            assert published, f"{package}@{version} is listed but was never published"
            data = sent[key].data
            assert (manifest["name"], manifest["version"]) == key, manifest
            dist = manifest["dist"]
            assert dist["integrity"] == sri_sha512(data), (key, dist)
            assert dist["shasum"] == hashlib.sha1(data).hexdigest(), (key, dist)
            assert dist["tarball"].startswith(endpoint), (key, dist["tarball"])
            status, tarball = http_call(dist["tarball"], headers=auth)
            assert status == 200, (key, status, tarball[:500])
            assert sri_sha512(tarball) == dist["integrity"], f"{package}@{version}: the tarball is not its integrity's"
            same = tarball == data
            assert same, f"{package}@{version}: the tarball is not the bytes published"
            listed.add(key)
    return listed


# PyPI: wheels of versions 1.0.<i> of six projects, 4 KiB to 1 MiB each: the
# server streams the file into blobs/tmp as it reads the form, so a kill
# can cut an upload off halfway through its staged file.
PYPI_PROJECTS = 6


def pypi_item(i: int) -> Sent:
    project, version = f"durable-py-{i % PYPI_PROJECTS}", f"1.0.{i}"
    module = project.replace("-", "_")
    dist_info = f"{module}-{version}.dist-info"
    files = {
        f"{module}/__init__.py": f'VERSION = "{version}"\n'.encode(),
        f"{module}/payload.bin": payload(f"pypi-{i}", 12, 20),
        f"{dist_info}/METADATA": f"Metadata-Version: 2.1\nName: {project}\nVersion: {version}\n".encode(),
        f"{dist_info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: test_durability\nRoot-Is-Purelib: true\n"
                              b"Tag: py3-none-any\n",
    }
    record = [f"{path},sha256={base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b'=').decode()},"
              f"{len(data)}" for path, data in files.items()]
    files[f"{dist_info}/RECORD"] = ("\n".join(record + [f"{dist_info}/RECORD,,"]) + "\n").encode()
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_STORED) as z:
        for member, data in files.items():
            z.writestr(zipfile.ZipInfo(member, date_time=(2020, 1, 1, 0, 0, 0)), data)
    return Sent(project, version, f"{module}-{version}-py3-none-any.whl", raw.getvalue())


def pypi_auth(token: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"aws:{token}".encode()).decode()}


def pypi_upload(endpoint: str, token: str, sent: Sent) -> tuple:
    """`twine upload`'s request: the form, its file last."""
    boundary = f"durability-{uuid.uuid4().hex}"
    fields = {":action": "file_upload", "protocol_version": "1", "name": sent.package,
              "version": sent.version, "filetype": "bdist_wheel", "pyversion": "py3",
              "metadata_version": "2.1", "sha256_digest": hashlib.sha256(sent.data).hexdigest()}
    body = b"".join(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
                    for name, value in fields.items())
    body += (f'--{boundary}\r\nContent-Disposition: form-data; name="content"; filename="{sent.filename}"\r\n'
             f"Content-Type: application/octet-stream\r\n\r\n").encode() + sent.data
    body += f"\r\n--{boundary}--\r\n".encode()
    return http_call(endpoint, "POST", {**pypi_auth(token),
                                        "Content-Type": f"multipart/form-data; boundary={boundary}"}, body)


def pypi_served(endpoint: str, token: str, sent: dict, projects: set) -> set:
    """The keys of every version the simple index lists, each checked as
    npm_served checks npm's, against its sha256."""
    by_filename = {s.filename: s for s in sent.values()}
    listed = set()
    for project in sorted(projects):
        status, body = http_call(f"{endpoint}simple/{project}/",
                                 headers={**pypi_auth(token), "Accept": "application/vnd.pypi.simple.v1+json"})
        if status == 404:
            continue
        assert status == 200, (project, status, body[:500])
        page = json.loads(body)
        versions = set()
        for file in page["files"]:
            uploaded = file["filename"] in by_filename
            assert uploaded, f"{file['filename']} is listed but was never uploaded"
            s = by_filename[file["filename"]]
            assert s.package == project, (project, file)
            digest = hashlib.sha256(s.data).hexdigest()
            assert (file["hashes"].get("sha256"), file["size"]) == (digest, len(s.data)), file
            assert file["url"].startswith(endpoint), file["url"]
            status, wheel = http_call(file["url"], headers=pypi_auth(token))
            assert status == 200, (file, status, wheel[:500])
            assert hashlib.sha256(wheel).hexdigest() == digest, f"{s.filename}: the file is not its sha256's"
            same = wheel == s.data
            assert same, f"{s.filename}: the file is not the bytes uploaded"
            versions.add(s.version)
            listed.add(s.key)
        assert set(page["versions"]) == versions, (project, page["versions"])
    return listed


class PublishBurst:
    """Publishes item(0), item(1), ... from several threads, each outcome
    recorded as Burst records CreateRepository's: answered 2xx, cut off by
    the kill (unknown), or anything else (a failure of the test)."""

    def __init__(self, item, publish, threads: int, kill_after: int):
        self.item, self.publish, self.kill_after = item, publish, kill_after
        self.threads = [threading.Thread(target=self._run, daemon=True) for _ in range(threads)]
        self.lock = threading.Lock()
        self.next = 0
        self.sent = {}                   # key -> Sent, for every attempt
        self.answered = set()
        self.unknown = set()
        self.in_flight_at_kill = set()
        self.unexpected = []
        self.enough = threading.Event()
        self.killing = threading.Event()

    def _take(self):
        with self.lock:
            if self.next >= PUBLISH_LIMIT or self.killing.is_set():
                return None
            self.next += 1
            return self.next - 1

    def _run(self):
        while (i := self._take()) is not None:
            sent = self.item(i)  # built on this thread: the others' requests go on meanwhile
            with self.lock:
                self.sent[sent.key] = sent
            started_before_kill = not self.killing.is_set()
            try:
                status, body = self.publish(sent)
            except (OSError, http.client.HTTPException) as e:
                with self.lock:
                    if self.killing.is_set():
                        self.unknown.add(sent.key)
                        if started_before_kill:
                            self.in_flight_at_kill.add(sent.key)
                    else:
                        self.unexpected.append((sent.key, repr(e)))
                return
            with self.lock:
                if not 200 <= status < 300:
                    self.unexpected.append((sent.key, status, body[:500]))
                    return
                self.answered.add(sent.key)
                if len(self.answered) >= self.kill_after:
                    self.enough.set()

    def start(self):
        for t in self.threads:
            t.start()

    def join(self):
        for t in self.threads:
            t.join(timeout=REQUEST_TIMEOUT + 5)
            assert not t.is_alive(), "a burst thread did not finish"


def files_under(directory: Path) -> list:
    return sorted(p for p in directory.rglob("*") if p.is_file()) if directory.exists() else []


def kill_mid_publish_burst(tmp_path, session_expiry, fmt: str, item, publish, served,
                           threads: int, kill_after: int):
    """The package tests' crash: a burst of `publish`es of `item`s to
    repository DURABLE, kill -9 once `kill_after` are answered, restart,
    check what `served` finds and what is on disk."""
    args = ["--config", str(write_test_config(tmp_path, session_expiry))]
    data = tmp_path / "data"
    blobs = data / "blobs"

    first = Server(args, tmp_path)
    c = client(first.url)
    c.create_repository(domain="demo", domainOwner=ACCOUNT, repository=DURABLE)
    # The token outlives the process: its key is in the data directory.
    token = c.get_authorization_token(domain="demo", domainOwner=ACCOUNT)["authorizationToken"]

    def endpoint(c) -> str:
        url = c.get_repository_endpoint(domain="demo", domainOwner=ACCOUNT, repository=DURABLE,
                                        format=fmt)["repositoryEndpoint"]
        assert url.startswith("http://127.0.0.1:"), url
        return url if url.endswith("/") else url + "/"

    first_endpoint = endpoint(c)
    burst = PublishBurst(item, lambda sent: publish(first_endpoint, token, sent), threads, kill_after)
    started = time.monotonic()
    burst.start()
    try:
        assert burst.enough.wait(timeout=BURST_TIMEOUT), (burst.unexpected, len(burst.answered), first.log()[-3000:])
    finally:
        burst.killing.set()
        first.process.kill()
    killed = time.monotonic()
    burst.join()
    assert first.process.wait(timeout=10) == -signal.SIGKILL
    assert first.stop() == -signal.SIGKILL
    first.log_path.rename(tmp_path / "killed-server.log")

    assert burst.unexpected == []
    assert len(burst.answered) >= kill_after
    assert burst.in_flight_at_kill, "no publish was in flight at the kill"
    assert burst.next < PUBLISH_LIMIT

    # What the kill left, and what a kill at another instant leaves, planted
    # so that the sweep is always tested: a staged file of an upload cut off
    # halfway, and a blob whose version was never committed.
    left_staged = len(files_under(blobs / "tmp"))
    left_blobs = len(files_under(blobs / "sha256"))
    (blobs / "tmp" / str(uuid.uuid4())).write_bytes(b"half an upload")
    unnamed_bytes = f"never committed {uuid.uuid4()}".encode()
    unnamed = hashlib.sha256(unnamed_bytes).hexdigest()
    (blobs / "sha256" / unnamed[:2]).mkdir(exist_ok=True)
    (blobs / "sha256" / unnamed[:2] / unnamed).write_bytes(unnamed_bytes)

    second = Server(args, tmp_path)
    restarted = time.monotonic()
    try:
        # The sweep ran before the server took requests, and nothing has
        # been uploaded since.
        assert files_under(blobs / "tmp") == [], "staged files outlived the restart"
        swept_blobs = {p.name for p in files_under(blobs / "sha256")}
        assert unnamed not in swept_blobs, "a blob no version names outlived the restart"

        c = client(second.url)
        second_endpoint = endpoint(c)
        packages = {package for package, _ in burst.sent}
        listed = served(second_endpoint, token, burst.sent, packages)
        checked = time.monotonic()
        assert burst.answered - listed == set(), "answered 2xx, lost by the kill"
        assert listed - set(burst.sent) == set(), "listed, never published"
        committed_unanswered = listed - burst.answered
        print(f"\n{fmt}: {len(burst.sent)} sent, {len(burst.answered)} answered before the kill, "
              f"{len(burst.unknown)} cut off ({len(burst.in_flight_at_kill)} in flight), of which "
              f"{len(committed_unanswered)} committed unanswered; the kill left {left_staged} staged files "
              f"and {left_blobs} blobs, of which {left_blobs - len(swept_blobs)} unnamed (the sweep "
              f"removed those, and one of each planted); "
              f"burst {killed - started:.2f} s, restart {restarted - killed:.2f} s, "
              f"checks {checked - restarted:.2f} s")

        # Still writable after the crash: cut-off publishes can be sent again.
        resent = sorted(burst.unknown - listed)[:3]
        for key in resent:
            status, body = publish(second_endpoint, token, burst.sent[key])
            assert 200 <= status < 300, (key, status, body)
        assert served(second_endpoint, token, burst.sent, {p for p, _ in resent}) >= set(resent)
        listed |= set(resent)
    finally:
        code = second.stop()
    assert code == 0, second.log()

    database = data / "codeartifact.db"
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        rows = connection.execute(
            "SELECT v.name, v.version, v.status, a.asset, a.sha256 FROM package_versions v "
            "JOIN package_assets a USING (domain_owner, domain_name, repository, format, namespace, name, version) "
            "WHERE v.domain_owner = ? AND v.domain_name = 'demo' AND v.repository = ? AND v.format = ?",
            (ACCOUNT, DURABLE, fmt)).fetchall()
        versions = connection.execute(
            "SELECT count(*) FROM package_versions WHERE domain_owner = ? AND domain_name = 'demo' "
            "AND repository = ? AND format = ?", (ACCOUNT, DURABLE, fmt)).fetchone()[0]
    finally:
        connection.close()
    # One row per version, each with its one file: what was listed, no more.
    assert versions == len(rows) == len({(name, version) for name, version, *_ in rows})
    assert {(name, version) for name, version, *_ in rows} == listed
    for name, version, status, asset, sha256 in rows:
        assert status == "Published" and asset == burst.sent[(name, version)].filename, (name, version, asset)
        assert sha256 == hashlib.sha256(burst.sent[(name, version)].data).hexdigest(), (name, version)
        blob = blobs / "sha256" / sha256[:2] / sha256
        assert hashlib.sha256(blob.read_bytes()).hexdigest() == sha256, f"{blob} is not its name's bytes"
    # Every blob that survived the sweep is named by a version.
    assert swept_blobs <= {sha256 for *_, sha256 in rows}


def test_kill_9_mid_burst_loses_no_answered_npm_publish(tmp_path, session_expiry):
    kill_mid_publish_burst(tmp_path, session_expiry, "npm", npm_item, npm_publish, npm_served,
                           threads=THREADS, kill_after=KILL_AFTER)


def test_kill_9_mid_burst_loses_no_answered_pypi_upload(tmp_path, session_expiry):
    kill_mid_publish_burst(tmp_path, session_expiry, "pypi", pypi_item, pypi_upload, pypi_served,
                           threads=THREADS, kill_after=20)
