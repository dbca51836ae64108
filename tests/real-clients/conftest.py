"""Fixtures for the real-client tests: the built `codeartifact-local` binary,
started on 127.0.0.1:0 with a known configuration, and the credentials it
knows. The binary comes from CODEARTIFACT_LOCAL_BIN, or target/debug."""

import datetime
import os
import select
import shutil
import signal
import subprocess
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import pytest

REPO = Path(__file__).resolve().parents[2]
BINARY = Path(os.environ.get("CODEARTIFACT_LOCAL_BIN", REPO / "target" / "debug" / "codeartifact-local"))

ACCOUNT = "111122223333"

FIXTURES = REPO / "tests" / "fixtures"


def rfc3339(t: datetime.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def config_text(session_expiry: datetime.datetime, extra: str = "") -> str:
    """The shared test configuration (tests/fixtures/test-config.toml, which
    the Rust tests read too) with `extra` TOML at top level, its session
    expiring at `session_expiry` and its expired session two hours before."""
    text = (FIXTURES / "test-config.toml").read_text()
    return (text.replace("@EXTRA@", extra)
                .replace("@SESSION_EXPIRY@", rfc3339(session_expiry))
                .replace("@EXPIRED@", rfc3339(session_expiry - datetime.timedelta(hours=2))))


def write_test_config(workdir: Path, session_expiry: datetime.datetime, extra: str = "") -> Path:
    """The test configuration, with its policy files, written into `workdir`."""
    shutil.copytree(FIXTURES / "policies", workdir / "policies", dirs_exist_ok=True)
    config = workdir / "config.toml"
    config.write_text(config_text(session_expiry, extra))
    return config


# The test configuration as data, for the keys: it is the one place they are
# written (the Rust tests read them from it too).
_FIXTURE = tomllib.loads(config_text(datetime.datetime.now(datetime.timezone.utc)))


def _named(items: list, key: str, value: str) -> dict:
    for item in items:
        if item[key] == value:
            return item
    raise KeyError(f"no {key} {value!r} in the test configuration")


@dataclass(frozen=True)
class Cred:
    access_key_id: str
    secret_access_key: str
    session_token: Optional[str] = None

    @classmethod
    def user(cls, account: str, name: str) -> "Cred":
        """The first access key of user `name` of `account`."""
        user = _named(_named(_FIXTURE["accounts"], "id", account)["users"], "name", name)
        key = user["access_keys"][0]
        return cls(key["access_key_id"], key["secret_access_key"])

    @classmethod
    def session(cls, account: str, role: str, name: str) -> "Cred":
        """Session `name` of role `role` of `account`."""
        found = _named(_named(_FIXTURE["accounts"], "id", account)["roles"], "name", role)
        session = _named(found["sessions"], "name", name)
        return cls(session["access_key_id"], session["secret_access_key"], session["session_token"])

    def env(self) -> dict:
        env = {"AWS_ACCESS_KEY_ID": self.access_key_id, "AWS_SECRET_ACCESS_KEY": self.secret_access_key}
        if self.session_token:
            env["AWS_SESSION_TOKEN"] = self.session_token
        return env


# The development setup's user: AWS's documented example keys.
USER = Cred.user(ACCOUNT, "demo")
# A session of role ci that expires with the session_expiry fixture, and one
# that expired before it.
SESSION = Cred.session(ACCOUNT, "ci", "build-1")
EXPIRED = Cred.session(ACCOUNT, "ci", "build-0")


# A user whose policy allows CodeArtifact but not sts:GetServiceBearerToken.
FRANK = Cred.user(ACCOUNT, "frank")


class Server:
    """A running `codeartifact-local serve`; its log is in `log_path`."""

    def __init__(self, args: list, workdir: Path):
        self.log_path = workdir / "server.log"
        self._log = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            [str(BINARY), "serve", "--bind", "127.0.0.1:0", "--data-dir", str(workdir / "data"), *args],
            stdout=subprocess.PIPE,
            stderr=self._log,
        )
        self.url = self._read_address()

    def _read_address(self) -> str:
        ready, _, _ = select.select([self.process.stdout], [], [], 30)
        if not ready:
            self.stop()
            raise RuntimeError("the server printed no address within 30 s")
        line = self.process.stdout.readline().decode()
        prefix = "codeartifact-local listening on "
        if not line.startswith(prefix):
            self.stop()
            raise RuntimeError(f"unexpected first line {line!r}; log: {self.log()}")
        return line[len(prefix):].strip()

    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()
        return self.process.returncode


@pytest.fixture(scope="session")
def session_expiry() -> datetime.datetime:
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    return now + datetime.timedelta(hours=1)


@pytest.fixture(scope="session")
def server(session_expiry, tmp_path_factory):
    """The server with the test configuration (users, sessions, trace logs)."""
    workdir = tmp_path_factory.mktemp("server")
    s = Server(["--config", str(write_test_config(workdir, session_expiry))], workdir)
    yield s
    assert s.stop() == 0, s.log()


@pytest.fixture(scope="session")
def dev_server(tmp_path_factory):
    """The server with no --config: the development setup."""
    s = Server([], tmp_path_factory.mktemp("dev-server"))
    yield s
    assert s.stop() == 0, s.log()


@pytest.fixture
def clean_env(tmp_path) -> dict:
    """An environment with no AWS settings of the machine's: an empty HOME,
    no config files, and the region set. Retries stay at the CLI's default:
    none of the errors these tests cause is retryable, so the message is the
    plain one users see."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        HOME=str(tmp_path),
        AWS_CONFIG_FILE=str(tmp_path / "aws-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "aws-credentials"),
        AWS_DEFAULT_REGION="us-east-1",
    )
    return env
