"""A class at once: N sessions open links and change them, against one app process or several
behind nginx, timed from the server's replies (issue 17).

Run by hand: ``python benchmarks/bench_load.py`` (40 sessions on one link, one process, every
session making the same changes: a class following the teacher); ``--mix mix`` (each session
its own link, in turn a surface, a typed function, a data lesson and a guided lesson's step,
and its own changes: a class exploring); ``--servers 2`` (the same load against one process, then against two behind
nginx with ``deploy/nginx.conf``: both printed, and the throughput ratio); ``--memory 10``
(ten batches of distinct typed functions and rates, the server's memory after each);
``--repeat 5`` (the whole measurement five times on fresh processes, then how many runs met
each goal, the p95s and the ratios run by run); ``--alone`` (instead of the load, each session
on its own, one after another: the server CPU its open and changes take, the heaviest, and
each kind's share: how unequal the sessions are, which decides how evenly two processes behind
a balancer that counts sessions share a class).

Each session is one simulated browser tab (``load_client.Session``: Streamlit's websocket
protocol, no browser; it carries the size cookie of a browser that has visited before at
1600×1000, so the page is drawn at once). It opens its link and waits for the run to end, then
makes ``--changes`` changes, each sent as the frontend sends it (every widget's state) and
waited for: even ones the learning rates (typed in the rates box), odd ones a typed function
(or, on a data lesson, which has no function box, the batch size). Sessions start spread over
``--ramp`` seconds and wait ``--think`` seconds between changes.

Prints page-open latency (from the page's GET to the end of its first run) and rerun latency
(from the change sent to the end of its run), p50 / p95 / max; errors (exception elements,
error messages on the page, changes the page did not keep, runs that failed); throughput (runs
ended per second, over the whole load and while every session was still at work); the server
processes' CPU seconds during the load and peak memory (VmHWM, summed), from /proc; this
client's own CPU seconds; the machine's load average before. Bounded: at most 80 sessions, 20
changes each, 4 processes, 30 minutes a run, 20 runs; it stops by itself at ``--time-limit``
and reports what finished; it starts its app processes (and nginx) on 127.0.0.1 and stops them
when done, on errors and on Ctrl-C. ``--url`` measures a running app instead (loopback only; ``--pid`` for
its CPU and memory).
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import contextlib
import dataclasses
import ipaddress
import math
import os
import signal
import sys
import time
from collections.abc import Callable, Coroutine, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load_client import Session
from servers import ROOT, Usage, nginx, start_app, stop, usage, worker_pids
from timing import median_of

Result = TypeVar("Result")
MAX_SESSIONS, MAX_CHANGES, MAX_SECONDS, MAX_SERVERS, MAX_BATCHES = 80, 20, 1800, 4, 50
MAX_REPEATS = 20
SAME_LINK = "?lesson=learning_rate"
FUNCTIONS = (
    "x^2 + 10y^2", "x^2 + 3y^2", "(1-x)^2 + 100(y-x^2)^2", "x^4 - 2x^2 + y^2",
    "sin(x) + cos(y)", "0.5x^2 + 2y^2 + x*y", "abs(x) + y^2", "x^2 - y^2",
    "log(1 + x^2 + y^2)", "(x^2 + y - 11)^2 + (x + y^2 - 7)^2",
)  # fmt: skip
DATA_SETS = ("noisy_line", "two_classes", "unscaled_feature", "clean_line")
BATCHES = (8, 32, 100)
LESSONS = sorted(path.stem for path in (ROOT / "lessons").glob("*.toml"))
SURFACES = sorted(path.stem for path in (ROOT / "surfaces").glob("*.toml"))


def mixed_links(count: int) -> list[str]:
    """``count`` links, each kind in turn (a surface, a typed function, a data lesson, a
    guided lesson's step), every one different while the kinds last."""
    kinds = [
        [f"?surface={name}" for name in SURFACES],
        [f"?{urlencode({'f': function})}" for function in FUNCTIONS],
        [f"?data={name}&batch={batch}" for batch in BATCHES for name in DATA_SETS],
        [f"?lesson={name}&page={page}" for page in (1, 2) for name in LESSONS],
    ]
    return [kinds[i % 4][(i // 4) % len(kinds[i % 4])] for i in range(count)]


def rates_for(session: int, change: int, data: bool) -> str:
    """The rates a student types: one for a data lesson's three panels, else slow, good, fast."""
    base = 0.001 * (1 + (3 * session + change) % 9)
    return f"{10 * base:g}" if data else f"{base:g}, {10 * base:g}, {40 * base:g}"


@dataclass
class Tally:
    """What the sessions of one run measured."""

    opens: list[float] = field(default_factory=list)
    reruns: list[float] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    error_messages: list[str] = field(default_factory=list)
    not_kept: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    cut: int = 0  # sessions stopped by the time limit
    first: float = math.inf  # when the first session started
    ends: list[float] = field(default_factory=list)  # when each run ended
    done: list[float] = field(default_factory=list)  # when each session stopped

    @property
    def errors(self) -> int:
        return len(self.exceptions + self.error_messages + self.not_kept + self.failures)

    def ended(self, seconds: float, into: list[float]) -> None:
        into.append(seconds)
        self.ends.append(time.perf_counter())

    def throughput(self) -> tuple[float, float]:
        """Runs ended per second: over the whole load (from the first start to the last
        end: a long last session weighs), and while every session was still at work (until
        the first one stopped: what the server can do when it is never short of work)."""
        if not self.ends:
            return 0.0, 0.0
        whole = len(self.ends) / max(max(self.ends) - self.first, 1e-9)
        busy_until = min(self.done, default=max(self.ends))
        busy = sum(end <= busy_until for end in self.ends)
        return whole, busy / max(busy_until - self.first, 1e-9)


@dataclass(frozen=True)
class Plan:
    """``links``: each session's link; ``together``: every session makes the same changes (a
    class following the teacher), else each its own (a class exploring)."""

    sessions: int
    changes: int
    links: list[str]
    ramp: float
    think: float
    time_limit: float
    together: bool = False


async def timed(tally: Tally, into: list[float], action) -> None:
    """Await one page open or change, time it, and note what its run drew."""
    start = time.perf_counter()
    problems = await action
    tally.ended(time.perf_counter() - start, into)
    tally.exceptions += problems.exceptions
    tally.error_messages += problems.error_messages


async def student(index: int, url: str, plan: Plan, tally: Tally, deadline: float) -> None:
    """One session: open the link, then make the changes; stops at the deadline."""
    await asyncio.sleep(plan.ramp * index / max(plan.sessions, 1))
    session = Session(url, plan.links[index])
    tally.first = min(tally.first, time.perf_counter())
    try:
        await asyncio.wait_for(
            timed(tally, tally.opens, session.open()), deadline - time.monotonic()
        )
        for change in range(plan.changes):
            await asyncio.sleep(plan.think)
            key, value = next_change(session, 0 if plan.together else index, change)
            action = session.change(key, value)
            await asyncio.wait_for(timed(tally, tally.reruns, action), deadline - time.monotonic())
            kept = session.value(key)  # the server sets a widget it overrides
            if kept != value:
                tally.not_kept.append(
                    f"{key}={value!r} came back as {kept!r} ({plan.links[index]})"
                )
    except TimeoutError:
        tally.cut += 1
    except Exception as error:  # any way a session can break is a failure to report, not a crash
        tally.failures.append(
            f"session {index} ({plan.links[index]}): {type(error).__name__}: {error}"
        )
    finally:
        tally.done.append(time.perf_counter())
        with contextlib.suppress(Exception):
            await session.close()


def next_change(session: Session, index: int, change: int) -> tuple[str, str | int]:
    """The ``change``-th change of student ``index``: rates, then a function (or batch size)."""
    data = not session.has_widget("f")
    if change % 2 == 0:
        return "lr", rates_for(index, change, data)
    if data:
        return "batch", BATCHES[(index + change) % len(BATCHES)]
    return "f", FUNCTIONS[(index + change + 3) % len(FUNCTIONS)]


async def load(url: str, plan: Plan) -> Tally:
    """Every session of ``plan`` against ``url`` at once; what they measured."""
    tally = Tally()
    deadline = time.monotonic() + plan.time_limit
    tasks = [
        asyncio.create_task(student(i, url, plan, tally, deadline)) for i in range(plan.sessions)
    ]
    _, pending = await asyncio.wait(tasks, timeout=plan.time_limit + 10)
    for task in pending:  # a session stuck past its own deadline: stop it, count it as cut
        task.cancel()
        tally.cut += 1
    return tally


def run_async(make: Callable[[], Coroutine[Any, Any, Result]]) -> Result:
    """``asyncio.run(make())``, in a thread of its own when this thread already runs an event
    loop (in the test process, Playwright's sync API keeps one running for the browser tests)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make())
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(make())).result()


async def warm_up(url: str) -> None:
    """One page open that is not measured: the app's modules and first figure are ready."""
    session = Session(url, "")
    try:
        await session.open()
    finally:
        await session.close()


@dataclass
class Target:
    """Where the load goes and which processes serve it."""

    url: str
    label: str
    app_pids: list[int]
    nginx_pids: list[int] = field(default_factory=list)


@contextlib.contextmanager
def started(servers: int) -> Iterator[Target]:
    """``servers`` app processes on 127.0.0.1 (behind nginx if more than one), warmed up."""
    processes = []
    try:
        for _ in range(servers):
            processes.append(start_app())
        for _, url in processes:
            run_async(lambda url=url: warm_up(url))
        pids = [process.pid for process, _ in processes]
        if servers == 1:
            yield Target(processes[0][1], "one process", pids)
            return
        with nginx([urlsplit(url).netloc for _, url in processes]) as (proxy, url):
            label = f"{servers} processes behind nginx"
            yield Target(url, label, pids, [proxy.pid, *worker_pids(proxy.pid)])
    finally:
        for process, _ in processes:
            stop(process)


PACE_WORK = "the engine, 3 Adam runs × 1,000 steps on Rosenbrock, in this client, median of 5"


def machine_pace() -> float:
    """Milliseconds a fixed piece of the app's own work takes on this machine now
    (:data:`PACE_WORK`). This machine's speed swings by about a third within an hour, and the
    server CPU the same load takes swings with it: measured next to each run, it says how fast
    the machine was while the run's figures were taken."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from gdviz.engine import run
    from gdviz.expression import parse_function
    from gdviz.optimizers import make_optimizer

    rosenbrock, adam = parse_function("(1-x)^2 + 100(y-x^2)^2"), make_optimizer("adam")
    starts = [(-1.5, 2.0), (-1.0, 1.5), (0.5, -0.5)]
    # The median, not the best: a slow spell is what it is there to show.
    return 1e3 * median_of(5, lambda: run(rosenbrock, adam, starts, [1e-3] * 3, steps=1000))


def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile (``share`` in 0-1) of ``values``."""
    ordered = sorted(values)
    return ordered[max(math.ceil(share * len(ordered)) - 1, 0)]


def spread(values: Sequence[float]) -> str:
    if not values:
        return "none measured"
    return (
        f"p50 {percentile(values, 0.5):5.2f} s   p95 {percentile(values, 0.95):5.2f} s   "
        f"max {max(values):5.2f} s"
    )


@dataclass(frozen=True)
class Outcome:
    """One run's figures, for the report and for the comparison of two runs."""

    tally: Tally
    throughput: float  # runs per second over the whole load
    busy_throughput: float  # runs per second while every session was at work
    server: Usage | None
    proxy: Usage | None
    client_cpu: float
    per_process: tuple[float, ...] = ()  # each app process's CPU seconds: how evenly it shared
    pace: tuple[float, float] = (math.nan, math.nan)  # machine_pace() before and after, ms


def run_load(target: Target, plan: Plan) -> Outcome:
    """Measure ``plan`` against ``target``: the load, and what the processes used meanwhile."""
    before = usage(target.app_pids) if target.app_pids else None
    each_before = [usage([pid]).cpu_seconds for pid in target.app_pids]
    proxy_before = usage(target.nginx_pids) if target.nginx_pids else None
    pace_before = machine_pace()
    client_before = time.process_time()
    tally = run_async(lambda: load(target.url, plan))
    client_cpu = time.process_time() - client_before
    pace = (pace_before, machine_pace())
    server = proxy = None
    if before is not None:
        after = usage(target.app_pids)
        server = Usage(after.cpu_seconds - before.cpu_seconds, after.peak_mb, after.rss_mb)
    if proxy_before is not None:
        after = usage(target.nginx_pids)
        proxy = Usage(after.cpu_seconds - proxy_before.cpu_seconds, after.peak_mb, after.rss_mb)
    each = tuple(
        usage([pid]).cpu_seconds - b for pid, b in zip(target.app_pids, each_before, strict=True)
    )
    return Outcome(tally, *tally.throughput(), server, proxy, client_cpu, each, pace)


def report(target: Target, plan: Plan, outcome: Outcome) -> None:
    tally = outcome.tally
    print(f"\n{target.label} ({target.url}, app pids {target.app_pids or 'not given'})")
    print(f"  page open  {spread(tally.opens)}   ({len(tally.opens)} of {plan.sessions})")
    print(
        f"  rerun      {spread(tally.reruns)}   ({len(tally.reruns)} of {plan.sessions * plan.changes})"
    )
    print(
        f"  errors: {tally.errors} (exceptions on pages {len(tally.exceptions)}, error messages "
        f"{len(tally.error_messages)}, changes not kept {len(tally.not_kept)}, failed sessions "
        f"{len(tally.failures)}); sessions cut by the time limit: {tally.cut}"
    )
    for text in sorted(
        set(tally.exceptions + tally.error_messages + tally.not_kept + tally.failures)
    )[:6]:
        print(f"    {text[:160]}")
    runs = len(tally.opens) + len(tally.reruns)
    print(
        f"  throughput: {runs} runs ended, {outcome.throughput:.2f} runs/s over the whole load, "
        f"{outcome.busy_throughput:.2f} runs/s while every session was at work"
    )
    if outcome.server is not None:
        print(
            f"  server: {outcome.server.cpu_seconds:.1f} s of CPU during the load, peak memory "
            f"{outcome.server.peak_mb:.0f} MB (VmHWM, summed), {outcome.server.rss_mb:.0f} MB now"
        )
        if len(outcome.per_process) > 1:
            shares = ", ".join(f"{seconds:.1f}" for seconds in outcome.per_process)
            print(f"    CPU seconds by process: {shares}")
    if outcome.proxy is not None:
        print(
            f"  nginx: {outcome.proxy.cpu_seconds:.1f} s of CPU, peak memory {outcome.proxy.peak_mb:.0f} MB"
        )
    print(f"  this load client: {outcome.client_cpu:.1f} s of CPU")
    before, after = outcome.pace
    print(f"  machine pace: {before:.1f} ms before the load, {after:.1f} ms after ({PACE_WORK})")


def met(mix: str, outcome: Outcome) -> dict[str, bool]:
    """Issue 17's goals for one process (set for 40 sessions), each met or not."""
    tally = outcome.tally
    opens = percentile(tally.opens, 0.95) if tally.opens else math.inf
    reruns = percentile(tally.reruns, 0.95) if tally.reruns else math.inf
    if mix == "same":
        measured = {"p95 page open < 4 s": opens < 4, "reruns p95 < 2 s": reruns < 2}
    else:
        measured = {"p95 rerun < 3 s on one process": reruns < 3}
    return {**measured, "zero errors": tally.errors == 0 and tally.cut == 0}


def goals(plan: Plan, mix: str, outcome: Outcome) -> None:
    """Issue 17's goals for one process (set for 40 sessions)."""
    mark = lambda passed: "PASS" if passed else "FAIL"  # noqa: E731
    print(f"  goals (issue 17, for 40 sessions; this run {plan.sessions}):")
    for goal, passed in met(mix, outcome).items():
        print(f"    {goal}: {mark(passed)}")


def ratio(one: Outcome, several: Outcome, attribute: str = "throughput") -> float:
    before, after = getattr(one, attribute), getattr(several, attribute)
    return after / before if before > 0 else math.inf


def compare(servers: int, one: Outcome, several: Outcome) -> None:
    """The throughput of several processes against one's (issue 17's goal: at least 1.6×)."""
    print(f"\nthroughput, {servers} processes / one (goal ≥ 1.6×):")
    for what, attribute in (
        ("whole load", "throughput"),
        ("every session at work", "busy_throughput"),
    ):
        times = ratio(one, several, attribute)
        print(f"  {what}: {times:.2f}× ({'PASS' if times >= 1.6 else 'FAIL'})")
    steadied = equal_speed_ratio(one, several)
    if steadied is not None and one.server is not None and several.server is not None:
        print(
            f"  the same work took {one.server.cpu_seconds:.1f} s of server CPU on one process, "
            f"{several.server.cpu_seconds:.1f} s on {servers}: at equal CPU for it (the machine "
            f"as fast in both runs) the whole load would be about {steadied:.2f}× (an estimate, "
            "not the goal)"
        )


def equal_speed_ratio(one: Outcome, several: Outcome) -> float | None:
    """The whole-load ratio with the several processes' wall time scaled by the CPU seconds
    the same work took in each run: the machine's speed swings from minute to minute (a
    fifth and more), and the server's CPU for identical work shows how fast it was during
    each run, where the pace, timed before and after, does not."""
    if one.server is None or several.server is None or several.server.cpu_seconds <= 0:
        return None
    return ratio(one, several) * several.server.cpu_seconds / one.server.cpu_seconds


def summary(mix: str, runs: list[tuple[Outcome, Outcome | None]]) -> None:
    """Over repeated runs (``--repeat``): each goal's count of runs that met it, the p95s and
    the two-process ratios run by run (the machine's speed and where the heavy sessions land
    vary from run to run)."""
    print(f"\nover {len(runs)} runs:")
    for goal in met(mix, runs[0][0]):
        count = sum(met(mix, one)[goal] for one, _ in runs)
        print(f"  {goal}: met in {count} of {len(runs)}")
    p95 = [percentile(one.tally.reruns, 0.95) for one, _ in runs if one.tally.reruns]
    print(f"  one process, rerun p95: {', '.join(f'{v:.2f}' for v in p95)} s")
    cpu = [one.server.cpu_seconds for one, _ in runs if one.server is not None]
    if cpu:
        print(f"  one process, server CPU: {', '.join(f'{v:.1f}' for v in cpu)} s")
    paces = ", ".join(f"{one.pace[0]:.0f}/{one.pace[1]:.0f}" for one, _ in runs)
    print(f"  one process, machine pace before/after: {paces} ms")
    ratios = [ratio(one, several) for one, several in runs if several is not None]
    if ratios:
        count = sum(r >= 1.6 for r in ratios)
        print(
            f"  several processes / one, whole load: {', '.join(f'{r:.2f}' for r in ratios)}× "
            f"(≥ 1.6× in {count} of {len(ratios)}, mean {sum(ratios) / len(ratios):.2f}×)"
        )
    steadied = [
        value
        for one, several in runs
        if several is not None and (value := equal_speed_ratio(one, several)) is not None
    ]
    if steadied:
        print(
            "  the same at equal CPU for the same work (an estimate): "
            + ", ".join(f"{value:.2f}" for value in steadied)
            + "×"
        )


def memory_phase(target: Target, batches: int, per_batch: int = 20) -> None:
    """Batches of distinct typed functions and rates (4 sessions, each input new to the
    server); the server's memory after each batch."""
    print(f"\nmemory across distinct inputs ({per_batch} distinct functions and rates a batch)")

    async def batch(sessions: list[Session], start: int) -> None:
        async def one(session: Session, offset: int) -> None:
            for k in range(offset, per_batch, len(sessions)):
                n = start + k
                await session.change("f", f"x^2 + {2 + n / 1000:g}y^2")
                await session.change("lr", f"{0.001 + n * 1e-6:g}, 0.02, 0.2")

        await asyncio.gather(*(one(s, i) for i, s in enumerate(sessions)))

    async def phase() -> None:
        sessions = [Session(target.url, "") for _ in range(4)]
        try:
            await asyncio.gather(*(s.open() for s in sessions))
            for b in range(batches):
                start = time.perf_counter()
                await batch(sessions, b * per_batch)
                now = usage(target.app_pids) if target.app_pids else None
                held = (
                    f"{now.rss_mb:.0f} MB resident, peak {now.peak_mb:.0f} MB"
                    if now
                    else "not measured"
                )
                print(
                    f"  batch {b + 1:2d}: {(b + 1) * per_batch:4d} distinct inputs, "
                    f"{time.perf_counter() - start:5.1f} s, server {held}"
                )
        finally:
            await asyncio.gather(*(s.close() for s in sessions), return_exceptions=True)

    run_async(phase)


KINDS = {"?surface=": "a surface", "?f=": "a typed function", "?data=": "a data lesson",
         "?lesson=": "a guided lesson"}  # fmt: skip


def kind_of(link: str) -> str:
    return next((kind for prefix, kind in KINDS.items() if link.startswith(prefix)), "other")


@dataclass(frozen=True)
class Alone:
    """One session run on its own: its link, the server CPU its open and changes took, and
    the problems it met."""

    index: int
    link: str
    cpu_seconds: float
    errors: int


def alone_phase(target: Target, plan: Plan) -> list[Alone]:
    """Each session of ``plan`` on its own, one after another (its open and its changes, as in
    the load): the server CPU each took. How unequal the sessions are is what decides how
    evenly two processes share a class, whose balancer sees sessions, not their weight."""
    if not target.app_pids:
        raise SystemExit("--alone measures the server's CPU: give its process with --pid")
    quiet = dataclasses.replace(plan, ramp=0.0)
    measured = []
    for index, link in enumerate(plan.links):
        tally = Tally()
        before = usage(target.app_pids).cpu_seconds
        run_async(
            lambda index=index, tally=tally: student(
                index, target.url, quiet, tally, time.monotonic() + plan.time_limit
            )
        )
        cpu = usage(target.app_pids).cpu_seconds - before
        measured.append(Alone(index, link, cpu, tally.errors + tally.cut))
    return measured


def report_alone(measured: list[Alone], pace: tuple[float, float] | None = None) -> None:
    """The heaviest sessions, and each kind's mean, largest and share of the whole (and the
    machine's pace before and after, where measured)."""
    total = sum(one.cpu_seconds for one in measured)
    print(f"each session alone (open + changes): {total:.1f} s of server CPU in all")
    if pace is not None:
        print(f"  machine pace: {pace[0]:.1f} ms before, {pace[1]:.1f} ms after ({PACE_WORK})")
    for one in sorted(measured, key=lambda one: -one.cpu_seconds)[:8]:
        problems = f", {one.errors} errors" if one.errors else ""
        print(f"  {one.cpu_seconds:5.2f} s  session {one.index:2d}  {one.link}{problems}")
    for kind in dict.fromkeys(kind_of(one.link) for one in measured):
        cpu = [one.cpu_seconds for one in measured if kind_of(one.link) == kind]
        print(
            f"  {kind + ':':19s} {len(cpu):2d} sessions, mean {sum(cpu) / len(cpu):4.2f} s, "
            f"largest {max(cpu):4.2f} s, {100 * sum(cpu) / max(total, 1e-9):3.0f} % of the CPU"
        )
    errors = sum(one.errors for one in measured)
    print(f"  errors: {errors}")


def alone(target: Target, plan: Plan) -> None:
    """``--alone``: the sessions one by one, reported with the machine's pace around them."""
    before = machine_pace()
    measured = alone_phase(target, plan)
    report_alone(measured, (before, machine_pace()))


def loopback(url: str) -> str:
    """``url`` if it is an http URL on this machine, else a SystemExit naming the rule."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        local = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        local = False
    if parts.scheme != "http" or not local or parts.port is None:
        raise SystemExit(f"--url must be http://127.0.0.1:PORT (loopback only), not {url!r}")
    return f"http://{parts.netloc}"


def bounded(low: float, high: float, kind=int):
    def parse(text: str):
        value = kind(text)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is outside {low}-{high}")
        return value

    return parse


def arguments(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=bounded(1, MAX_SESSIONS), default=40)
    parser.add_argument("--changes", type=bounded(0, MAX_CHANGES), default=4, help="per session")
    parser.add_argument("--mix", choices=("same", "mix"), default="same")
    parser.add_argument("--link", default=SAME_LINK, help="the one link of --mix same")
    parser.add_argument("--ramp", type=bounded(0, 60, float), default=2.0, help="seconds")
    parser.add_argument("--think", type=bounded(0, 60, float), default=0.0, help="seconds")
    parser.add_argument("--time-limit", type=bounded(1, MAX_SECONDS, float), default=300.0)
    parser.add_argument("--servers", type=bounded(1, MAX_SERVERS), default=1,
                        help="more than 1: one process, then this many behind nginx")  # fmt: skip
    parser.add_argument("--url", type=loopback, help="a running app on loopback instead")
    parser.add_argument("--pid", type=int, action="append", default=[], help="its process")
    parser.add_argument("--memory", type=bounded(1, MAX_BATCHES), metavar="BATCHES",
                        help="instead of the load: batches of distinct inputs")  # fmt: skip
    parser.add_argument("--repeat", type=bounded(1, MAX_REPEATS), default=1,
                        help="runs of the whole measurement, then how many met each goal")  # fmt: skip
    parser.add_argument("--alone", action="store_true",
                        help="instead of the load: each session on its own, its server CPU")  # fmt: skip
    options = parser.parse_args(argv)
    if options.url and options.servers > 1:
        parser.error("--servers starts its own processes: not with --url")
    if options.alone and (options.servers > 1 or options.memory):
        parser.error("--alone measures one process, instead of the load or --memory")
    if options.repeat > 1 and (options.url or options.memory or options.alone):
        parser.error("--repeat repeats the load on processes it starts")
    return options


def measure(options: argparse.Namespace, plan: Plan) -> tuple[Outcome, Outcome | None]:
    """One run of the load against one process, then (``--servers``) against several behind
    nginx, each on fresh processes; both reported, the goals and the ratio printed."""
    outcomes = []
    for servers in sorted({1, options.servers}):
        with started(servers) as target:
            outcomes.append(outcome := run_load(target, plan))
            report(target, plan, outcome)
            if servers == 1:
                goals(plan, options.mix, outcome)
    if len(outcomes) == 2:
        compare(options.servers, *outcomes)
        return outcomes[0], outcomes[1]
    return outcomes[0], None


def main(argv: Sequence[str] | None = None) -> int:
    options = arguments(argv)
    # A polite stop on SIGTERM too: the finally blocks stop every process this script started.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    links = (
        [options.link] * options.sessions
        if options.mix == "same"
        else mixed_links(options.sessions)
    )
    plan = Plan(
        options.sessions, options.changes, links, options.ramp, options.think,
        options.time_limit, together=options.mix == "same",
    )  # fmt: skip
    one, five, fifteen = os.getloadavg()
    print(
        f"gdviz load test, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; load average before: "
        f"{one:.2f} {five:.2f} {fifteen:.2f} (1, 5, 15 min) on {os.cpu_count()} cores"
    )
    if options.memory is None:
        what = (
            f"one link and the same changes for all ({options.link})"
            if options.mix == "same"
            else "each its own link and changes"
        )
        print(
            f"{plan.sessions} sessions × (open + {plan.changes} changes), {what}; ramp "
            f"{plan.ramp:g} s, think {plan.think:g} s, time limit {plan.time_limit:g} s"
        )
    try:
        if options.url:
            target = Target(options.url, "the app at --url", options.pid)
            if options.memory:
                memory_phase(target, options.memory)
            elif options.alone:
                alone(target, plan)
            else:
                report(target, plan, outcome := run_load(target, plan))
                goals(plan, options.mix, outcome)
            return 0
        if options.memory or options.alone:
            with started(1) as target:
                if options.memory:
                    memory_phase(target, options.memory)
                else:
                    alone(target, plan)
            return 0
        runs = []
        for attempt in range(1, options.repeat + 1):
            if options.repeat > 1:
                print(f"\n--- run {attempt} of {options.repeat} ---")
            runs.append(measure(options, plan))
        if options.repeat > 1:
            summary(options.mix, runs)
    except KeyboardInterrupt:
        print("\ninterrupted: every process this script started is stopped")
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
