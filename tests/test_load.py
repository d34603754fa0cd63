"""The class-sized load test (``benchmarks/bench_load.py``, issue 17) kept from rotting: its
client, which speaks Streamlit's websocket protocol, opens links and changes them on the
app the browser tests use, and what it counts and refuses.

The full load is run by hand (the README's benchmark table); here two sessions, one change
each of the two kinds, a few seconds."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from gdviz import parse_function

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

import bench_load


def test_two_sessions_open_links_and_change_their_rates_without_errors(app_process):
    """Two sessions, each a link and a rate change: every run ends, none draws an exception
    or an error, every change is kept, latencies and the server's CPU are measured."""
    url, pid = app_process
    links = ["?surface=booth", "?f=x%5E2+%2B+10y%5E2"]
    plan = bench_load.Plan(sessions=2, changes=1, links=links, ramp=0, think=0, time_limit=60)
    outcome = bench_load.run_load(bench_load.Target(url, "test", [pid]), plan)
    tally = outcome.tally
    assert (tally.errors, tally.cut) == (0, 0), (tally.failures, tally.not_kept, tally.exceptions)
    assert len(tally.opens) == 2
    assert len(tally.reruns) == 2
    assert all(seconds > 0 for seconds in tally.opens + tally.reruns)
    assert outcome.throughput > 0
    assert outcome.busy_throughput > 0
    assert outcome.server is not None
    assert outcome.server.cpu_seconds > 0
    assert outcome.server.peak_mb > 50
    assert all(0 < milliseconds < 10_000 for milliseconds in outcome.pace)  # the machine's pace


def test_each_session_alone_is_measured_by_the_server_cpu_it_takes(app_process, capsys):
    """``--alone``: each session on its own, its server CPU, the report by kind."""
    url, pid = app_process
    links = ["?surface=booth", "?data=noisy_line&batch=8"]
    plan = bench_load.Plan(sessions=2, changes=1, links=links, ramp=5, think=0, time_limit=60)
    measured = bench_load.alone_phase(bench_load.Target(url, "test", [pid]), plan)
    assert [one.link for one in measured] == links
    assert all(one.cpu_seconds > 0 and one.errors == 0 for one in measured)
    bench_load.report_alone(measured, (27.5, 28.25))
    printed = capsys.readouterr().out
    assert "machine pace: 27.5 ms before, 28.2 ms after" in printed
    assert "a surface:" in printed
    assert "a data lesson:" in printed
    with pytest.raises(SystemExit, match="--pid"):
        bench_load.alone_phase(bench_load.Target(url, "test", []), plan)


def test_a_function_the_page_refuses_is_counted(app_process, monkeypatch):
    """A typed function the page refuses is an error message, not a silent success; the
    change went through the function box (the page says why it cannot use it)."""
    url, pid = app_process
    monkeypatch.setattr(bench_load, "next_change", lambda session, index, change: ("f", "x^^2"))
    plan = bench_load.Plan(sessions=1, changes=1, links=[""], ramp=0, think=0, time_limit=60)
    tally = bench_load.run_load(bench_load.Target(url, "test", [pid]), plan).tally
    assert len(tally.reruns) == 1
    assert tally.error_messages, tally


@pytest.mark.parametrize(
    "url",
    ["http://10.0.0.1:8501", "http://example.com:80", "https://127.0.0.1:8501", "http://127.0.0.1"],
)
def test_only_a_loopback_app_is_measured(url):
    with pytest.raises(SystemExit, match="loopback only"):
        bench_load.loopback(url)


def test_loopback_urls_are_taken():
    assert bench_load.loopback("http://127.0.0.1:8741/") == "http://127.0.0.1:8741"
    assert bench_load.loopback("http://localhost:8741") == "http://localhost:8741"


@pytest.mark.parametrize(
    "flags",
    [
        ["--sessions", "81"],
        ["--changes", "21"],
        ["--time-limit", "1801"],
        ["--servers", "5"],
        ["--repeat", "21"],
    ],
)
def test_every_size_is_bounded(flags, capsys):
    with pytest.raises(SystemExit):
        bench_load.arguments(flags)
    assert "outside" in capsys.readouterr().err


def test_alone_measures_one_process_instead_of_the_load(capsys):
    with pytest.raises(SystemExit):
        bench_load.arguments(["--alone", "--servers", "2"])
    assert "--alone" in capsys.readouterr().err


def test_forty_mixed_sessions_have_forty_links_of_every_kind():
    links = bench_load.mixed_links(40)
    assert len(set(links)) == 40
    for kind in ("surface=", "f=", "data=", "lesson="):
        assert sum(link.startswith(f"?{kind}") for link in links) == 10


@pytest.mark.parametrize("text", bench_load.FUNCTIONS)
def test_every_function_the_students_type_parses(text):
    parse_function(text)


def test_repeated_runs_are_summed_up_goal_by_goal(capsys):
    """``--repeat``: how many runs met each goal, the p95s, the CPU and the ratios, run by
    run, from what each run measured."""
    from servers import Usage

    def outcome(reruns: list[float], throughput: float, cpu: float) -> bench_load.Outcome:
        tally = bench_load.Tally(opens=[1.0], reruns=reruns)
        return bench_load.Outcome(tally, throughput, throughput, Usage(cpu, 300, 290), None, 0.5)

    runs = [
        (outcome([1.0] * 19 + [2.5], 10.0, 14.0), outcome([1.0] * 20, 17.0, 14.0)),
        (outcome([1.0] * 18 + [3.5, 3.6], 10.0, 18.0), outcome([1.0] * 20, 15.0, 15.0)),
    ]
    assert bench_load.met("mix", runs[0][0]) == {
        "p95 rerun < 3 s on one process": True,
        "zero errors": True,
    }
    assert bench_load.ratio(*runs[1]) == 1.5
    bench_load.summary("mix", runs)
    printed = capsys.readouterr().out
    assert "p95 rerun < 3 s on one process: met in 1 of 2" in printed
    assert "rerun p95: 1.00, 3.50 s" in printed
    assert "server CPU: 14.0, 18.0 s" in printed
    assert "1.70, 1.50× (≥ 1.6× in 1 of 2, mean 1.60×)" in printed
    # The second pair: 18 s of CPU on one process, 15 s on two for the same work.
    assert bench_load.equal_speed_ratio(*runs[1]) == pytest.approx(1.5 * 15 / 18)
    assert "at equal CPU for the same work (an estimate): 1.70, 1.25×" in printed
    bench_load.compare(2, *runs[1])
    printed = capsys.readouterr().out
    assert "whole load: 1.50× (FAIL)" in printed
    assert "18.0 s of server CPU on one process, 15.0 s on 2" in printed
    assert "about 1.25× (an estimate, not the goal)" in printed
    with pytest.raises(SystemExit):
        bench_load.arguments(["--repeat", "2", "--alone"])
