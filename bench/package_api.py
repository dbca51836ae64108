#!/usr/bin/env python3
"""Package API benchmark (issue 11): ListPackageVersions and
GetPackageVersionAsset against the number of versions in a package, and
PublishPackageVersion of a large generic asset.

    python3 bench/package_api.py [--duration 10] [--connections 64]
                                 [--sizes 10,100,1000,10000] [--big-mib 100]

Builds the release binaries and installs oha (pinned) as bench/run.py does,
and reuses its helpers (server pinned to core 0, load generator to core 1).
One data directory in a temporary folder; one generic package
(`bench/pkg` in `demo-repo` of domain `demo`) grows to each size in turn by
PublishPackageVersion over raw signed HTTP (a small, distinct asset per
version, from a few keep-alive connections). At each size, and for each
setup (the development setup, whose log level is `info`, and a
configuration that is the same but for `log_level = "warn"`, on the same
data directory):

  * ListPackageVersions, first page (`max-results=100`, default order) and
    GetPackageVersionAsset (the one asset of the newest version, the
    listing's `defaultDisplayVersion`): requests/s and p50/p99 at peak with
    oha (one signed request replayed: a SigV4 signature stays valid for 15
    minutes), p50/p99 on one connection, and the server's CPU time per
    request (utime + stime of the process over the peak run).

Then, on the development setup, PublishPackageVersion of a generic asset of
`--big-mib` MiB (twice, two versions with different bytes), and one
GetPackageVersionAsset of it: the server's RSS before, its peak during
(VmRSS sampled every 50 ms, and VmHWM), and after; and the time (MiB/s).

Prints a Markdown report. Loopback only; every load run is bounded in time
or count.
"""

import argparse
import datetime
import hashlib
import hmac
import http.client
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run as base  # noqa: E402  (bench/run.py: build, Process, machine, ...)

REGION = "us-east-1"
SERVICE = "codeartifact"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
NAMESPACE, PACKAGE, ASSET = "bench", "pkg", "artifact.bin"
PACKAGE_QUERY = {"domain": "demo", "repository": "demo-repo", "format": "generic",
                 "namespace": NAMESPACE, "package": PACKAGE}
CLK_TCK = os.sysconf("SC_CLK_TCK")


# --- SigV4, as the server checks it (host and x-amz-date signed) ---------------

def encode(text: str) -> str:
    return urllib.parse.quote(text, safe="-_.~")


def query_string(params: dict) -> str:
    """Already canonical: encoded with the unreserved set, sorted."""
    return "&".join(f"{encode(k)}={encode(str(v))}" for k, v in sorted(params.items()))


def sign(method: str, url: str, payload_hash: str = EMPTY_SHA256, declare_hash: bool = False) -> dict:
    """The headers of a SigV4-signed request (host included). With
    `declare_hash`, `x-amz-content-sha256: payload_hash` is sent and signed,
    as PublishPackageVersion wants."""
    parts = urllib.parse.urlsplit(url)
    amz_date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    headers = {"host": parts.netloc, "x-amz-date": amz_date}
    if declare_hash:
        headers["x-amz-content-sha256"] = payload_hash
    names = sorted(headers)
    pairs = sorted(tuple(encode(urllib.parse.unquote(x)) for x in (p.split("=", 1) + [""])[:2])
                   for p in parts.query.split("&") if p)
    canonical = "\n".join([method, parts.path or "/", "&".join(f"{k}={v}" for k, v in pairs),
                           "".join(f"{n}:{headers[n]}\n" for n in names), ";".join(names), payload_hash])
    scope = f"{amz_date[:8]}/{REGION}/{SERVICE}/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = f"AWS4{base.SECRET}".encode()
    for part in (amz_date[:8], REGION, SERVICE, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    headers["authorization"] = (f"AWS4-HMAC-SHA256 Credential={base.KEY}/{scope}, "
                                f"SignedHeaders={';'.join(names)}, Signature={signature}")
    return headers


# --- raw HTTP ---------------------------------------------------------------------

class Client:
    """One keep-alive connection to the server."""

    def __init__(self, server_url: str, timeout: float = 60):
        self.server_url = server_url
        self.host = server_url.split("//")[1]
        self.timeout = timeout
        self.conn = None

    def request(self, method, path_and_query, body=b"", payload_hash=None, sink=False):
        url = f"{self.server_url}{path_and_query}"
        declared = payload_hash is not None
        headers = sign(method, url, payload_hash or EMPTY_SHA256, declare_hash=declared)
        headers.pop("host")
        if declared:
            headers["content-type"] = "application/octet-stream"
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, timeout=self.timeout)
            try:
                self.conn.request(method, path_and_query, body=body, headers=headers)
                response = self.conn.getresponse()
                if sink:  # read and drop, a chunk at a time
                    size = 0
                    while chunk := response.read(1 << 20):
                        size += len(chunk)
                    return response.status, size, response
                return response.status, response.read(), response
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise

    def publish(self, version: str, data: bytes, digest: str = None):
        params = {**PACKAGE_QUERY, "version": version, "asset": ASSET}
        digest = digest or hashlib.sha256(data).hexdigest()
        status, body, _ = self.request("POST", f"/v1/package/version/publish?{query_string(params)}",
                                       body=data, payload_hash=digest)
        if status != 200:
            raise RuntimeError(f"publish {version}: {status} {body[:300]!r}")
        return json.loads(body)


def version_name(i: int) -> str:
    return f"1.0.{i}"


def small_asset(i: int) -> bytes:
    return (f"generic build output of version {version_name(i)}\n" * 4).encode()


def populate(server_url: str, start: int, stop: int, threads: int) -> float:
    """Publishes versions start..stop-1 from `threads` keep-alive
    connections; returns the seconds it took."""
    lock, next_index, errors = threading.Lock(), [start], []

    def worker():
        client = Client(server_url)
        while not errors:
            with lock:
                i = next_index[0]
                if i >= stop:
                    return
                next_index[0] += 1
            try:
                client.publish(version_name(i), small_asset(i))
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(e)

    started = time.perf_counter()
    workers = [threading.Thread(target=worker) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    if errors:
        raise errors[0]
    return time.perf_counter() - started


# --- measuring --------------------------------------------------------------------

def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime


def status_kib(pid: int, name: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(name + ":"):
            return int(line.split()[1])
    return 0


def oha(oha_bin, method, url, connections, duration=None, count=None, fresh=False) -> dict:
    """One load run of one signed request replayed; `fresh`: a new
    connection for every request."""
    args = ["taskset", "-c", base.LOAD_CORE, str(oha_bin), "--no-tui", "--output-format", "json",
            "-m", method, "-c", str(connections)] + (["--disable-keepalive"] if fresh else [])
    args += ["-n", str(count)] if count else ["-z", f"{duration}s"]
    for name, value in sign(method, url).items():
        if name != "host":
            args += ["-H", f"{name}: {value}"]
    out = subprocess.run(args + [url], capture_output=True, text=True, check=True)
    result = json.loads(out.stdout)
    statuses = result.get("statusCodeDistribution", {})
    if set(statuses) != {"200"}:
        raise RuntimeError(f"{method} {url}: statuses {statuses}")
    p = result["latencyPercentiles"]
    return {"rps": result["summary"]["requestsPerSec"], "p50": p["p50"] * 1000, "p99": p["p99"] * 1000,
            "requests": sum(statuses.values())}


def peak(oha_bin, server, method, url, a, fresh=False) -> dict:
    """A peak run (a.connections, a.duration s), with the server's CPU time
    per request."""
    cpu0 = cpu_seconds(server.proc.pid)
    result = oha(oha_bin, method, url, a.connections, duration=a.duration, fresh=fresh)
    return {**result, "cpu_us": (cpu_seconds(server.proc.pid) - cpu0) / result["requests"] * 1e6}


def measure(oha_bin, server, method, url, a, fresh_too=False) -> dict:
    """Peak on keep-alive connections, then a.single requests on one
    connection; with `fresh_too`, also a peak with a new connection per
    request."""
    result = peak(oha_bin, server, method, url, a)
    single = oha(oha_bin, method, url, 1, count=a.single)
    result.update(p50_1=single["p50"], p99_1=single["p99"])
    if fresh_too:
        result["fresh"] = peak(oha_bin, server, method, url, a, fresh=True)
    return result


def warn_config(directory: Path) -> Path:
    """The development setup's domain, repository and user, with log_level warn."""
    policy = (base.REPO / "server" / "src" / "config" / "demo-access.json").read_text()
    lines = ['log_level = "warn"', "",
             "[[domains]]", 'name = "demo"', f'owner = "{base.ACCOUNT}"', 'repositories = ["demo-repo"]', "",
             "[[accounts]]", f'id = "{base.ACCOUNT}"', "",
             "[[accounts.users]]", 'name = "demo"',
             f'access_keys = [{{ access_key_id = "{base.KEY}", secret_access_key = "{base.SECRET}" }}]',
             f'policies = [{{ name = "demo-access", document = {json.dumps(policy)} }}]', ""]
    path = directory / "warn.toml"
    path.write_text("\n".join(lines))
    return path


def list_url(server_url: str) -> str:
    return f"{server_url}/v1/package/versions?{query_string({**PACKAGE_QUERY, 'max-results': 100})}"


def asset_url(server_url: str, version: str) -> str:
    params = {**PACKAGE_QUERY, "version": version, "asset": ASSET}
    return f"{server_url}/v1/package/version/asset?{query_string(params)}"


def check_listing(server_url: str, n: int) -> str:
    """One listing, checked; returns the newest version (defaultDisplayVersion)."""
    status, body, _ = Client(server_url).request("POST", list_url(server_url)[len(server_url):])
    assert status == 200, body
    listing = json.loads(body)
    assert len(listing["versions"]) == min(n, 100), len(listing["versions"])
    assert ("nextToken" in listing) == (n > 100), listing.get("nextToken")
    return listing["defaultDisplayVersion"]


class Sampler:
    """VmRSS of a process every `interval` s, in a thread."""

    def __init__(self, pid: int, interval: float = 0.05):
        self.pid, self.interval, self.samples = pid, interval, []
        self.running = True
        self.thread = threading.Thread(target=self.loop)
        self.thread.start()

    def loop(self):
        while self.running:
            self.samples.append(status_kib(self.pid, "VmRSS"))
            time.sleep(self.interval)

    def stop(self) -> int:
        self.running = False
        self.thread.join()
        return max(self.samples)


def big_asset(server, mib: int, rounds: int = 2) -> list:
    """PublishPackageVersion of `mib` MiB, `rounds` times (other bytes each
    time), then one GetPackageVersionAsset of the last; RSS around each."""
    pid, rows = server.proc.pid, []
    data = bytearray(os.urandom(mib << 20))
    client = Client(server.url, timeout=600)
    for r in range(rounds):
        data[:8] = r.to_bytes(8, "big")
        payload = bytes(data)
        digest = hashlib.sha256(payload).hexdigest()
        time.sleep(1)
        before, hwm_before = status_kib(pid, "VmRSS"), status_kib(pid, "VmHWM")
        sampler = Sampler(pid)
        started = time.perf_counter()
        answer = client.publish(f"big-{r + 1}", payload, digest)
        seconds = time.perf_counter() - started
        peak = sampler.stop()
        after = status_kib(pid, "VmRSS")
        time.sleep(2)
        settled = status_kib(pid, "VmRSS")
        assert answer["asset"]["size"] == len(payload), answer
        rows.append({"what": f"PublishPackageVersion, {mib} MiB (version big-{r + 1})", "before": before,
                     "peak": peak, "hwm": (hwm_before, status_kib(pid, "VmHWM")), "after": after,
                     "settled": settled, "seconds": seconds, "mib_s": mib / seconds})
    version = f"big-{rounds}"
    before, hwm_before = status_kib(pid, "VmRSS"), status_kib(pid, "VmHWM")
    sampler = Sampler(pid)
    started = time.perf_counter()
    path = asset_url(server.url, version)[len(server.url):]
    status, size, _ = client.request("GET", path, sink=True)
    seconds = time.perf_counter() - started
    peak = sampler.stop()
    after = status_kib(pid, "VmRSS")
    time.sleep(2)
    assert status == 200 and size == mib << 20, (status, size)
    rows.append({"what": f"GetPackageVersionAsset, {mib} MiB (version {version})", "before": before,
                 "peak": peak, "hwm": (hwm_before, status_kib(pid, "VmHWM")), "after": after,
                 "settled": status_kib(pid, "VmRSS"), "seconds": seconds, "mib_s": mib / seconds})
    return rows


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=10, help="seconds per peak run")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--single", type=int, default=300, help="requests of each one-connection run")
    parser.add_argument("--sizes", default="10,100,1000,10000", help="versions in the package")
    parser.add_argument("--threads", type=int, default=16, help="connections that populate")
    parser.add_argument("--big-mib", type=int, default=100, help="size of the large asset")
    parser.add_argument("--skip-build", action="store_true", help="use the binaries as built")
    a = parser.parse_args()
    oha_bin = base.TOOLS / "bin" / "oha" if a.skip_build else base.build()
    work = Path(tempfile.mkdtemp(prefix="codeartifact-package-bench-"))
    data, config = work / "data", warn_config(work)
    setups = {"development (info)": None, 'config, log_level "warn"': config}
    commit = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=base.REPO, capture_output=True,
                            text=True).stdout.strip() or f"unknown ({base.REPO} is not a git checkout)"
    load_before = loadavg()

    results, populated, filled = [], [], 0
    for n in [int(x) for x in a.sizes.split(",")]:
        for setup, cfg in setups.items():
            server = base.ours(cfg, data)
            try:
                if filled < n:
                    seconds = populate(server.url, filled, n, a.threads)
                    populated.append((filled, n, seconds))
                    filled = n
                newest = check_listing(server.url, n)
                listing = measure(oha_bin, server, "POST", list_url(server.url), a)
                asset = measure(oha_bin, server, "GET", asset_url(server.url, newest), a, fresh_too=True)
                results.append((n, setup, listing, asset, status_kib(server.proc.pid, "VmRSS")))
            finally:
                server.stop()
            print(f"{n} versions, {setup}: list {listing['rps']:,.0f}/s, asset {asset['rps']:,.0f}/s",
                  file=sys.stderr)

    server = base.ours(None, data)
    try:
        big = big_asset(server, a.big_mib)
    finally:
        server.stop()
    load_after = loadavg()

    report = [f"Machine: {base.machine()}; load average {load_before} before, {load_after} after.",
              f"Commit {commit}. Load: oha {base.OHA_VERSION}, {a.connections} connections, {a.duration} s per "
              f"peak run, {a.single:,} requests on one connection; server on core {base.SERVER_CORE}, load "
              f"on core {base.LOAD_CORE}.", ""]
    report += ["Populating (PublishPackageVersion, small assets, "
               f"{a.threads} keep-alive connections, development setup):", ""]
    report += [f"- versions {lo:,} to {hi - 1:,}: {hi - lo:,} in {s:.1f} s, {(hi - lo) / s:,.0f}/s"
               for lo, hi, s in populated]
    report.append("")
    for title, index in (("ListPackageVersions (first page, max-results=100)", 2),
                         ("GetPackageVersionAsset (newest version's asset)", 3)):
        fresh = "fresh" in results[0][index]
        report += [f"### {title}", "",
                   "| versions | setup | requests/s | vs the first size | p50 / p99 at peak (ms) "
                   "| p50 / p99, 1 connection (ms) | server CPU per request (µs) |"
                   + (" requests/s, new connection each | its CPU per request (µs) |" if fresh else ""),
                   "|---|---|---|---|---|---|---|" + ("---|---|" if fresh else "")]
        first = {row[1]: row[index]["rps"] for row in results if row[0] == results[0][0]}
        for row in results:
            n, setup, m = row[0], row[1], row[index]
            line = (f"| {n:,} | {setup} | {m['rps']:,.0f} | {m['rps'] / first[setup]:.0%} | "
                    f"{m['p50']:.2f} / {m['p99']:.2f} | {m['p50_1']:.3f} / {m['p99_1']:.3f} | "
                    f"{m['cpu_us']:.0f} |")
            if fresh:
                line += f" {m['fresh']['rps']:,.0f} | {m['fresh']['cpu_us']:.0f} |"
            report.append(line)
        report.append("")
    report += ["RSS after each size's runs (MiB): " + ", ".join(
        f"{n:,} {'info' if 'info' in setup else 'warn'}: {rss / 1024:.1f}" for n, setup, _, _, rss in results), ""]
    report += [f"### {a.big_mib} MiB generic asset (development setup)", "",
               "| operation | RSS before (MiB) | peak, 50 ms samples (MiB) | VmHWM before → after (MiB) "
               "| RSS right after / 2 s later (MiB) | time (s) | MiB/s |", "|---|---|---|---|---|---|---|"]
    for b in big:
        report.append(f"| {b['what']} | {b['before'] / 1024:.1f} | {b['peak'] / 1024:.1f} | "
                      f"{b['hwm'][0] / 1024:.1f} → {b['hwm'][1] / 1024:.1f} | {b['after'] / 1024:.1f} / "
                      f"{b['settled'] / 1024:.1f} | {b['seconds']:.2f} | {b['mib_s']:.0f} |")
    print("\n".join(report))
    subprocess.run(["rm", "-rf", str(work)], check=False)


if __name__ == "__main__":
    main()
