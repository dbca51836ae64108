"""Durability: `kill -9` in the middle of a burst of CreateRepository calls.
After a restart on the same data directory every call that was answered 200
is there, nothing that was never asked for is, and SQLite finds the database
intact.

The server keeps domains and repositories in <data-dir>/codeartifact.db in WAL
mode with `synchronous = FULL`, and answers a write only once its transaction
is committed: an acknowledged write must survive the process dying at any
instant. SIGKILL gives the process no chance to flush or clean up, so this is
the crash a power cut or the OOM killer causes, short of the kernel's page
cache being lost. boto3 clients on eight threads keep calls in flight while
the test kills the server once fifty have been answered; calls cut off by the
kill have an unknown outcome (committed or not) and the test accepts either."""

import signal
import sqlite3
import threading

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from conftest import USER, Server, write_test_config

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
