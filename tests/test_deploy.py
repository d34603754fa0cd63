"""The deployment files hold together (issue 17, item 3): the Dockerfile (no Docker engine
runs here, so its steps are checked against the repository), deploy/nginx.conf (checked by
nginx itself where it is installed) and deploy/kubernetes.yaml."""

from __future__ import annotations

import contextlib
import fnmatch
import http.client
import http.server
import json
import re
import shlex
import subprocess
import sys
import tempfile
import threading
import tomllib
from collections.abc import Iterator
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import servers  # noqa: E402

DOCKERFILE = (ROOT / "Dockerfile").read_text()
IGNORED = [
    line.strip()
    for line in (ROOT / ".dockerignore").read_text().splitlines()
    if line.strip() and not line.startswith("#")
]
NGINX = (ROOT / "deploy" / "nginx.conf").read_text()
KUBERNETES = (ROOT / "deploy" / "kubernetes.yaml").read_text()


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE)
    lines = [line.strip() for line in text.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1])
        for line in lines
        if line and not line.startswith("#")
    ]


def _all(kind: str) -> list[str]:
    return [arguments for instruction, arguments in _instructions() if instruction == kind]


def _copies() -> list[tuple[list[str], str]]:
    """Each COPY's sources and destination."""
    return [(words[:-1], words[-1]) for words in map(shlex.split, _all("COPY"))]


def _copied() -> dict[Path, str]:
    """Where each copied file or folder lands in the image -> its path in the repository."""
    return {
        Path(dest) / Path(source).name if dest.endswith("/") else Path(dest): source
        for sources, dest in _copies()
        for source in sources
    }


def _cmd() -> list[str]:
    (cmd,) = _all("CMD")
    return json.loads(cmd)


def _exposed() -> int:
    (port,) = _all("EXPOSE")
    return int(port)


def test_the_image_starts_from_python_311_slim():
    assert _instructions()[0] == ("FROM", "python:3.11-slim")


def test_every_copied_file_exists_and_is_in_the_build_context():
    for sources, _ in _copies():
        for source in sources:
            assert (ROOT / source).exists(), f"COPY {source}: no such file in the repository"
            ignored = [p for p in IGNORED if fnmatch.fnmatch(source, p.lstrip("/"))]
            assert not ignored, f"COPY {source} is excluded by .dockerignore {ignored}"


def test_the_package_is_installed_with_the_apps_pins_as_constraints():
    """pip installs the folder holding pyproject.toml, every folder its packages come from,
    with requirements.txt as constraints."""
    copied = _copied()
    (install,) = [run for run in _all("RUN") if "pip install" in run]
    words = shlex.split(install.split("&&")[0])
    constraint = Path(words[words.index("--constraint") + 1])
    assert copied[constraint] == "requirements.txt"
    target = Path(words[-1])
    assert copied[target / "pyproject.toml"] == "pyproject.toml"
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    for folder in {"gdviz", *setuptools["package-dir"].values()}:
        assert copied.get(target / folder) == folder, f"{folder} is not copied next to pyproject"


def test_the_command_runs_the_copied_app_headless_on_the_exposed_port():
    (workdir,) = _all("WORKDIR")
    cmd = _cmd()
    assert cmd[:3] == ["streamlit", "run", "app.py"]
    copied = _copied()
    assert copied.get(Path(workdir) / "app.py") == "app.py"
    assert copied.get(Path(workdir) / ".streamlit") == ".streamlit"  # its config beside it
    options = dict(option.split("=", 1) for option in cmd[3:])
    assert options == {
        "--server.headless": "true",
        "--server.address": "0.0.0.0",
        "--server.port": str(_exposed()),
    }


def test_the_health_check_asks_streamlit_on_the_exposed_port():
    (check,) = _all("HEALTHCHECK")
    assert f"http://127.0.0.1:{_exposed()}/_stcore/health" in check


def test_the_app_runs_as_a_user_the_image_creates():
    (user,) = _all("USER")
    assert user not in ("root", "0")
    assert any("useradd" in run and run.split()[-1] == user for run in _all("RUN"))


def test_the_build_context_leaves_out_the_history_and_the_tests():
    for pattern in (".git", "tests", "**/__pycache__"):
        assert pattern in IGNORED


def test_nginx_keeps_a_browser_on_one_process_by_a_cookie_and_passes_the_websocket():
    code = re.sub(r"#.*", "", NGINX)
    assert "ip_hash" not in code
    assert "proxy_pass http://$gdviz_process;" in code
    assert "proxy_http_version 1.1;" in code
    assert "proxy_set_header Upgrade $http_upgrade;" in code
    assert "proxy_set_header Connection $gdviz_connection;" in code
    assert "proxy_set_header Host $http_host;" in code  # Streamlit checks the origin
    assert int(re.search(r"proxy_read_timeout (\d+)s;", code).group(1)) >= 3600
    assert "add_header Set-Cookie $gdviz_cookie always;" in code
    assert '"gdviz_server=$gdviz_answered;' in code
    assert re.search(r"upstream gdviz \{[^}]*random two least_conn;", code)


def test_the_process_map_and_both_upstreams_list_the_same_processes():
    listed = re.search(r"map \$cookie_gdviz_server \$gdviz_process \{(.*?)\}", NGINX, re.DOTALL)
    pairs = re.findall(r"^\s*(\d\S+)\s+(\S+);", listed.group(1), re.MULTILINE)
    assert all(a == b for a, b in pairs)
    for group in ("gdviz", "gdviz_files"):
        upstream = re.search(rf"upstream {group} \{{(.*?)\}}", NGINX, re.DOTALL).group(1)
        assert [a for a, _ in pairs] == re.findall(r"server (\S+);", upstream)


def test_the_benchmarks_copy_of_the_nginx_site_names_only_its_own_processes():
    site = servers.nginx_site(["127.0.0.1:9001", "127.0.0.1:9002", "127.0.0.1:9003"], 9000)
    addresses = [f"127.0.0.1:900{i}" for i in (1, 2, 3)]
    for group in ("gdviz", "gdviz_files"):
        upstream = re.search(rf"upstream {group} \{{(.*?)\}}", site, re.DOTALL).group(1)
        assert re.findall(r"server (\S+);", upstream) == addresses
    listed = re.search(r"\$gdviz_process \{(.*?)\}", site, re.DOTALL).group(1)
    assert re.findall(r"^\s*(\d\S+)\s+(\S+);", listed, re.MULTILINE) == [(a, a) for a in addresses]
    assert re.findall(r"listen ([^;]+);", site) == ["127.0.0.1:9000"]
    unchanged = lambda text: re.sub(  # noqa: E731
        r"\n\s*(server \S+|listen [^;]+|\d[\d.:]* +\S+);", "", text
    )
    assert unchanged(site) == unchanged(NGINX)


@pytest.mark.skipif(servers.nginx_binary() is None, reason="nginx is not installed")
def test_nginx_accepts_the_configuration():
    upstreams = ["127.0.0.1:9001", "127.0.0.1:9002"]
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "gdviz.conf").write_text(servers.nginx_site(upstreams, 9000))
        Path(folder, "nginx.conf").write_text(servers._NGINX_MAIN.format(folder=folder))
        checked = subprocess.run(
            [servers.nginx_binary(), "-t", "-p", folder, "-c", f"{folder}/nginx.conf"],
            capture_output=True, text=True, timeout=30,
        )  # fmt: skip
    assert checked.returncode == 0, checked.stderr


STREAM = "/_stcore/stream"
"""Streamlit's websocket: a browser's session, open as long as its page."""
SLOW = "/static/js/plotly.js"
"""A script of the page that takes long to download (a stand-in holds it if told to)."""


class _Named(http.server.BaseHTTPRequestHandler):
    """Stands for an app process: answers every GET with its own address, and holds a request
    for the websocket's path open (as a websocket stays open) until the test lets it go; also
    one for :data:`SLOW` if its server is ``slow``."""

    def do_GET(self) -> None:
        address = f"127.0.0.1:{self.server.server_address[1]}".encode()
        held = self.path == STREAM or (self.path == SLOW and self.server.slow)  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("Content-Length", str(len(address) + held))
        self.send_header("X-Accel-Buffering", "no")  # nginx passes the address on at once
        self.end_headers()
        self.wfile.write(address)
        self.wfile.flush()
        if held:
            self.server.closing.wait(30)  # type: ignore[attr-defined]
            self.wfile.write(b".")

    def log_message(self, *args: object) -> None:
        pass


@contextlib.contextmanager
def _stand_ins(count: int) -> Iterator[list[http.server.ThreadingHTTPServer]]:
    started = [http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Named) for _ in range(count)]
    for server in started:
        server.closing = threading.Event()  # type: ignore[attr-defined]
        server.slow = False  # type: ignore[attr-defined]
        threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield started
    finally:
        for server in started:
            _stop(server)


def _stop(server: http.server.ThreadingHTTPServer) -> None:
    server.closing.set()  # type: ignore[attr-defined]
    server.shutdown()
    server.server_close()


def _address(server: http.server.ThreadingHTTPServer) -> str:
    return f"127.0.0.1:{server.server_address[1]}"


class _Browser:
    """The requests of one browser through nginx: its cookie, and its websockets kept open."""

    def __init__(self, url: str, cookie: str | None = None) -> None:
        self.address = urlsplit(url).netloc
        self.cookie = cookie
        self.open: list[http.client.HTTPConnection] = []

    def get(self, path: str, websocket: bool = False) -> str:
        """Who answered ``path`` (with ``websocket``, a websocket's upgrade, and a request a
        stand-in holds: kept open)."""
        connection = http.client.HTTPConnection(self.address, timeout=10)
        headers = {"Upgrade": "websocket", "Connection": "Upgrade"} if websocket else {}
        if self.cookie is not None:
            headers["Cookie"] = f"gdviz_server={self.cookie}"
        connection.request("GET", path, headers=headers)
        answer = connection.getresponse()
        given = SimpleCookie(answer.headers.get("Set-Cookie", ""))
        if "gdviz_server" in given:
            self.cookie = given["gdviz_server"].value
        length = int(answer.headers["Content-Length"])
        body = answer.read(min(length, len("127.0.0.1:65535"))).decode()
        if len(body) < length:  # held
            self.open.append(connection)
            return body
        connection.close()
        return body

    def close(self) -> None:
        for connection in self.open:
            connection.close()


# What a page asks for besides its websocket (load_client.Session, a browser's upload).
PAGE_REQUESTS = (
    "/", "/_stcore/health", "/_stcore/host-config", "/static/js/index.js",
    "/_stcore/upload_file/session/file", "/media/download.csv",
)  # fmt: skip


@pytest.mark.skipif(servers.nginx_binary() is None, reason="nginx is not installed")
def test_nginx_gives_each_websocket_the_process_with_fewest_and_keeps_the_browser_there():
    with _stand_ins(2) as (one, two), servers.nginx([_address(one), _address(two)]) as (_, url):
        browsers = [_Browser(url) for _ in range(6)]
        try:
            # The page and its scripts, before the websocket: any process, and no cookie.
            assert browsers[0].get("/") in (_address(one), _address(two))
            assert browsers[0].cookie is None
            # Each websocket to the process with fewer open, and the cookie names it.
            chosen = [browser.get(STREAM, websocket=True) for browser in browsers]
            assert [browser.cookie for browser in browsers] == chosen
            for pair in range(0, 6, 2):  # at every second one the two had as many open
                assert set(chosen[pair : pair + 2]) == {_address(one), _address(two)}
            for browser in browsers:  # the page's other requests: the websocket's process
                for path in PAGE_REQUESTS:
                    assert browser.get(path) == browser.cookie
        finally:
            for browser in browsers:
                browser.close()
        # A page still downloading its scripts when its websocket opens: the downloads are
        # not sessions (held on the second process, they would have sent every websocket
        # to the first).
        two.slow = True  # type: ignore[attr-defined]
        for _ in range(4):
            first, second = _Browser(url), _Browser(url)
            try:
                before = first.get(STREAM, websocket=True)
                held = 0
                while held < 3:
                    held += second.get(SLOW) == _address(two)
                assert second.get(STREAM, websocket=True) != before
            finally:
                first.close()
                second.close()
        two.slow = False  # type: ignore[attr-defined]
        # A cookie naming no process of the upstream: the upstream chooses, the cookie follows.
        forged = _Browser(url, "10.0.0.1:80")
        assert forged.get(STREAM, websocket=True) == forged.cookie
        assert forged.cookie in (_address(one), _address(two))
        forged.close()
        # A process that stopped: its browsers move to the other, their cookie with them.
        gone = _Browser(url, _address(two))
        _stop(two)
        assert gone.get("/") == _address(one)
        assert gone.get(STREAM, websocket=True) == _address(one)
        assert gone.cookie == _address(one)
        gone.close()


def test_kubernetes_runs_the_image_as_the_dockerfile_says_behind_cookie_affinity():
    assert f"containerPort: {_exposed()}" in KUBERNETES
    assert KUBERNETES.count("path: /_stcore/health") == 2  # readiness and liveness
    uid = re.search(r"useradd .*--uid (\d+)", DOCKERFILE).group(1)
    assert f"runAsUser: {uid}" in KUBERNETES
    assert 'nginx.ingress.kubernetes.io/affinity: "cookie"' in KUBERNETES
    timeout = re.search(r'proxy-read-timeout: "(\d+)"', KUBERNETES).group(1)
    assert int(timeout) >= 3600
    for kind in ("Deployment", "Service", "Ingress"):
        assert f"kind: {kind}" in KUBERNETES


def test_every_app_process_runs_numpy_with_one_blas_thread():
    """A process uses one core (the interpreter lock); NumPy's BLAS threads beside it only
    compete for the CPU: the image, the README's nginx recipe and the load test's servers
    all set OPENBLAS_NUM_THREADS=1."""
    assert "OPENBLAS_NUM_THREADS=1" in " ".join(_all("ENV")).split()
    readme = (ROOT / "README.md").read_text()
    recipe = readme[readme.index("for port in 8501 8502") :].split("done", 1)[0]
    assert "OPENBLAS_NUM_THREADS=1" in recipe
    assert servers.ONE_BLAS_THREAD == {"OPENBLAS_NUM_THREADS": "1"}
