"""Starting what the benchmarks measure: app processes on loopback, nginx in front of several,
and what a process has used so far (from /proc).

One helper for every script that needs a running app (``bench_app``, ``bench_step``,
``bench_layout``, ``bench_load``): ``served`` for one app on a free port, ``start_app`` and
``stop`` when the caller keeps the process (its pid is what ``usage`` reads), ``nginx`` for
``deploy/nginx.conf`` in front of several. Everything listens on 127.0.0.1 only.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NGINX_CONF = ROOT / "deploy" / "nginx.conf"
STARTUP_SECONDS = 60


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


ONE_BLAS_THREAD = {"OPENBLAS_NUM_THREADS": "1"}
"""As the README's recipe and the Dockerfile run each app process: NumPy's BLAS with one thread.
With a process a core its own threads only compete (they wait for work spinning): the mix took
14.0–14.6 s of server CPU with one thread, 15.0–16.4 s with the default two, in two runs each."""


def start_app(
    script: Path = ROOT / "app.py", port: int | None = None
) -> tuple[subprocess.Popen, str]:
    """``streamlit run script`` on 127.0.0.1 (a free port unless given), once it answers its
    health check: the process and its URL. Raises ``RuntimeError`` if it does not start."""
    port = port or free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(script), "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1",
         "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, **ONE_BLAS_THREAD},
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, process)
    except BaseException:
        stop(process)
        raise
    return process, url


def wait_healthy(url: str, process: subprocess.Popen | None = None) -> None:
    """Until ``url/_stcore/health`` answers (``RuntimeError`` after a minute, or as soon as
    ``process`` has exited)."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{url}/_stcore/health", timeout=2)
            return
        except OSError as error:
            if process is not None and process.poll() is not None:
                status = process.returncode
                raise RuntimeError(f"{process.args[0]} exited with status {status}") from error
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer its health check within {STARTUP_SECONDS} s")


def stop(process: subprocess.Popen) -> None:
    """Terminate ``process`` and wait for it (killed if it has not gone after 10 s)."""
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:  # a server busy under load
        process.kill()
        process.wait(timeout=10)


@contextlib.contextmanager
def served(script: Path = ROOT / "app.py") -> Iterator[str]:
    """``streamlit run script`` on a free port, as its URL, for the duration."""
    process, url = start_app(script)
    try:
        yield url
    finally:
        stop(process)


@dataclass(frozen=True)
class Usage:
    """What a set of processes has used since it started: CPU seconds (user + system), the
    peak resident memory (VmHWM, summed) and the resident memory now (VmRSS, summed), in MB."""

    cpu_seconds: float
    peak_mb: float
    rss_mb: float


def usage(pids: Sequence[int]) -> Usage:
    """Read /proc for ``pids`` (Linux); a process that has gone counts as zero."""
    tick = os.sysconf("SC_CLK_TCK")
    cpu = peak = rss = 0.0
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        # The command name in parentheses may hold spaces: count fields after its ")".
        fields = stat.rsplit(")", 1)[1].split()
        cpu += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
        peak += _status_kb(status, "VmHWM") / 1024
        rss += _status_kb(status, "VmRSS") / 1024
    return Usage(cpu, peak, rss)


def _status_kb(status: str, field: str) -> float:
    match = re.search(rf"^{field}:\s+(\d+) kB", status, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


def nginx_site(upstreams: Sequence[str], port: int, conf: str | None = None) -> str:
    """``deploy/nginx.conf`` (its http-level part: the maps, the upstreams, the server) for
    these upstream addresses (``127.0.0.1:PORT``) and listening on 127.0.0.1:``port``: the
    upstreams' ``server`` lines, the process map's address lines and the ``listen`` line
    replaced, nothing else."""
    text = NGINX_CONF.read_text() if conf is None else conf
    for group in ("gdviz", "gdviz_files"):
        text = _listed(text, rf"upstream {group} \{{", r"\n\s*server \S+;", "server {};", upstreams)
    text = _listed(text, r"map \$cookie_gdviz_server \$gdviz_process \{",
                   r"\n\s*\d[\d.:]* +\S+;", "{0}  {0};", upstreams)  # fmt: skip
    text, listens = re.subn(r"\n(\s*)listen [^;]+;", rf"\n\1listen 127.0.0.1:{port};", text)
    if listens != 1:
        raise ValueError(f"deploy/nginx.conf has {listens} listen lines, expected 1")
    return text


def _listed(text: str, opening: str, line: str, template: str, upstreams: Sequence[str]) -> str:
    """``text`` with the block that starts with ``opening`` holding one ``template`` line per
    address instead of its lines that match ``line``."""
    block = re.search(rf"{opening}(.*?)\n\}}", text, re.DOTALL)
    if block is None:
        raise ValueError(f"deploy/nginx.conf has no block {opening!r}")
    body = re.sub(line, "", block.group(1))
    listed = "".join(f"\n    {template.format(address)}" for address in upstreams)
    return text[: block.start(1)] + body + listed + text[block.end(1) :]


# nginx's own settings for a foreground run as a child of a benchmark: every path it writes
# under a temporary folder, never the system's /etc/nginx, /var/log/nginx or /run.
_NGINX_MAIN = """\
daemon off;
master_process on;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    include {folder}/gdviz.conf;
}}
"""


def nginx_binary() -> str | None:
    """Debian's nginx (``apt-get install nginx``; in /usr/sbin, which a user's PATH may
    lack), or None."""
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")


@contextlib.contextmanager
def nginx(
    upstreams: Sequence[str], port: int | None = None
) -> Iterator[tuple[subprocess.Popen, str]]:
    """nginx in the foreground with ``deploy/nginx.conf`` in front of ``upstreams``, on
    127.0.0.1 (a free port unless given), its files in a temporary folder: (process, URL)."""
    binary = nginx_binary()
    if binary is None:
        raise RuntimeError("nginx is not installed (Debian: apt-get install nginx)")
    port = port or free_port()
    with tempfile.TemporaryDirectory(prefix="gdviz-nginx-") as folder:
        # nginx's workers run as nobody (we are root here) and buffer a large answer, such as
        # a script of the page, in the folder's proxy/: with the folder's own 0700 they could
        # not, and chromium got "ERR_CONTENT_LENGTH_MISMATCH" for the page's scripts.
        os.chmod(folder, 0o755)
        Path(folder, "gdviz.conf").write_text(nginx_site(upstreams, port))
        Path(folder, "nginx.conf").write_text(_NGINX_MAIN.format(folder=folder))
        with open(Path(folder, "stderr.log"), "w") as stderr:
            process = subprocess.Popen(
                [binary, "-p", folder, "-c", f"{folder}/nginx.conf"],
                stdout=subprocess.DEVNULL, stderr=stderr,
            )  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        try:
            try:
                wait_healthy(url, process)
            except RuntimeError as error:  # say why: nginx's own words
                said = [Path(folder, name) for name in ("stderr.log", "error.log")]
                text = " ".join(p.read_text().strip() for p in said if p.exists())
                raise RuntimeError(f"nginx did not serve: {error}; {text}") from error
            yield process, url
        finally:
            stop(process)


def worker_pids(master: int) -> list[int]:
    """The children of process ``master`` (nginx's workers), from /proc."""
    children = Path(f"/proc/{master}/task/{master}/children")
    try:
        return [int(pid) for pid in children.read_text().split()]
    except OSError:
        return []
