"""Guided lessons (gdviz.lessons): the files load, malformed ones are named, every claim kind
checks what the engine did, and every step of every lesson says only what the engine does."""

import dataclasses
import json
from functools import cache
from pathlib import Path

import pytest
from same_runs import assert_same_runs

from gdviz.__main__ import main
from gdviz.engine import final_states, run
from gdviz.lesson import Lesson, Settings, build_lesson
from gdviz.lessons import (
    CLAIMS,
    MAX_STEPS,
    Claim,
    LessonError,
    check_step,
    condition_number,
    load_lessons,
    panels,
    parse_lesson,
)
from gdviz.link_settings import link_parameters, settings_from_link
from gdviz.maps import outcome, outcomes
from gdviz.optimizers import make_optimizer
from gdviz.surfaces import get_surface

LIBRARY = load_lessons()


@cache
def built(settings: Settings) -> Lesson:
    """One build per distinct settings for the whole module (steps share a few)."""
    return build_lesson(settings)


def page(link: str) -> Lesson:
    return built(settings_from_link(link_parameters(link)))


STEP = """
[[steps]]
link = "?surface=round_bowl&lr=0.05,0.2"
narration = "Two rates on the bowl."
notice = "Both converge."
expect = ["global minimum", "global minimum"]
"""


def lesson_text(step: str = STEP, head: str = 'title = "T"\nconcepts = ["c"]\n') -> str:
    return head + step


# --- the files --------------------------------------------------------------------------------


def test_every_lesson_file_loads():
    """The shipped lessons all load: at least eight, none reported."""
    assert LIBRARY.problems == ()
    assert len(LIBRARY.lessons) >= 8
    assert next(iter(LIBRARY.lessons)) == "update_rule"  # the files' order, not the alphabet


def test_the_readme_lists_every_lesson_with_its_title():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    for name, lesson in LIBRARY.lessons.items():
        assert f"| `{name}` | {lesson.title} | {len(lesson.steps)} |" in readme, name


COURSE = {
    "update rule": "update rule",
    "steepest ascent": "steepest ascent",
    "rate too small / good / too large": "too small / good / too large",
    "2/λ_max": "2/λ_max",
    "gradient norm": "gradient norm",
    "step size": "step size",
    "change in loss": "change in loss",
    "maximum iterations": "maximum iterations",
    "local vs global minima": "local vs global",
    "start point": "start point",
    "saddle points": "saddle",
    "plateaus": "plateau",
    "vanishing gradients": "vanishing",
    "exploding gradients": "exploding",
    "clipping": "clipping",
    "schedules": "schedule",
    "momentum": "momentum",
    "RMSprop": "rmsprop",
    "Adam": "adam",
    "batch": "batch gradient descent",
    "mini-batch": "mini-batch",
    "stochastic": "stochastic",
    "batch size": "batch size",
    "feature scaling": "feature scaling",
    "linear regression": "linear regression",
    "L1": "l1",
    "L2": "l2",
}
"""Every idea of the course (issue 16) and the words a lesson's concepts name it by."""


@pytest.mark.parametrize("idea", COURSE)
def test_the_lessons_cover_every_idea_of_the_course(idea):
    """Some lesson lists each idea among its concepts."""
    concepts = [c.lower() for lesson in LIBRARY.lessons.values() for c in lesson.concepts]
    assert any(COURSE[idea].lower() in concept for concept in concepts), idea


def test_a_malformed_file_is_named_by_file_and_field_and_the_rest_load(tmp_path):
    (tmp_path / "good.toml").write_text(lesson_text(), encoding="utf-8")
    bad = lesson_text(STEP + STEP.replace('"global minimum"]', '"converged"]'))
    (tmp_path / "bad.toml").write_text(bad, encoding="utf-8")
    (tmp_path / "binary.toml").write_bytes(b"\xff\xfe")
    library = load_lessons(tmp_path)
    assert list(library.lessons) == ["good"]
    assert library.problems[0].startswith("bad.toml: steps[2].expect: must list")
    assert library.problems[1] == "binary.toml: not UTF-8 text"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (
            ("?surface=round_bowl", "?surface=nowhere"),
            "steps[1].link: The link's surface='nowhere'",
        ),
        (("lr=0.05,0.2", "lr=0.05,0.2&lrr=1"), "steps[1].link: has an unknown parameter 'lrr'"),
        (("lr=0.05,0.2", "lr=0.05,0.2&lr=1"), "steps[1].link: gives 'lr' twice"),
        (("lr=0.05,0.2", "lr=-1"), "steps[1].link: The link's lr='-1'"),
        (('notice = "Both converge."\n', ""), "steps[1].notice: must be a non-empty text"),
        (('"Two rates on the bowl."', '"' + "a" * 800 + '"'), "steps[1].narration: 800 characters"),
        (("expect", "claims = [{ kind = 'guess' }]\nexpect"), "steps[1].claims[0].kind: must be"),
        (("expect", "claims = [{ kind = 'fewer_steps' }]\nexpect"), "steps[1].claims[0].than:"),
        (("expect", "claims = [{ kind = 'loss_below' }]\nexpect"), "steps[1].claims[0].value:"),
        (
            ("expect", "claims = [{ kind = 'x_below', panel = 9, value = 1 }]\nexpect"),
            "steps[1].claims[0].panel:",
        ),
        (
            ("expect", "claims = [{ kind = 'stopped_by', value = 'luck' }]\nexpect"),
            "steps[1].claims[0].value:",
        ),
        (("expect", "colour = 'red'\nexpect"), "steps[1].colour: not a field of a step"),
    ],
)
def test_each_malformed_field_is_named(change, field):
    """A bad field gets a message naming the file and the field."""
    old, new = change
    assert old in STEP
    with pytest.raises(LessonError) as error:
        parse_lesson("bad", lesson_text(STEP.replace(old, new)))
    assert str(error.value).startswith(f"bad.toml: {field}"), str(error.value)


def test_sizes_are_bounded():
    """Too many steps, a huge file or broken TOML are refused by name."""
    with pytest.raises(LessonError, match=r"^big\.toml: steps: must hold 1 to 12"):
        parse_lesson("big", lesson_text(STEP * (MAX_STEPS + 1)))
    with pytest.raises(LessonError, match=r"^huge\.toml: longer than"):
        parse_lesson("huge", lesson_text() + "#" * 70_000)
    with pytest.raises(LessonError, match=r"^broken\.toml: not valid TOML"):
        parse_lesson("broken", "title = ")
    with pytest.raises(LessonError, match=r"^nosteps\.toml: steps: must hold"):
        parse_lesson("nosteps", 'title = "T"\nconcepts = ["c"]\n')


# --- links → settings -------------------------------------------------------------------------


def test_a_link_gives_the_settings_it_names():
    settings = settings_from_link(
        link_parameters(
            "?surface=plateau&x0=3.5&y0=3.5&mode=race&shared=true&lr=0.1&opt=adam&betas=0.8,0.99"
        )
    )
    assert settings == Settings(
        surface="plateau", start=(3.5, 3.5), mode="race", shared_rate=True, rates=(0.1,),
        optimizer="adam", hyperparameters=(("betas", (0.8, 0.99)),),
        race=("gd", "momentum", "rmsprop", "adam"),
    )  # fmt: skip
    data = settings_from_link(link_parameters("?data=noisy_line&l1=2&batch=8&epochs=5&scale=true"))
    assert (data.dataset.name, data.l1, data.batch_size, data.epochs, data.scale) == (
        "noisy_line", 2.0, 8, 5.0, True,
    )  # fmt: skip
    assert settings_from_link({}) == Settings(race=("gd",))  # as the sidebar gives it


def test_a_link_with_a_value_the_app_would_replace_is_refused():
    """A lesson never relies on the app's fallback for a bad value."""
    with pytest.raises(ValueError, match="steps='0'"):
        settings_from_link(link_parameters("?steps=0"))
    with pytest.raises(ValueError, match="momentum"):
        settings_from_link(link_parameters("?opt=gd&momentum=0.9"))


# --- outcomes and claims ----------------------------------------------------------------------


def test_one_runs_outcome_is_the_maps_outcome():
    """outcome(run) reads a recorded run as outcomes() reads final states."""
    surface = get_surface("two_basins")
    rates = [0.0005, 0.05, 0.2, 0.05]
    starts = [(2.2, 1.5), (2.2, 1.5), (2.2, 1.5), (-2.2, 1.0)]
    kwargs = {"steps": 500, "view": surface.view, "minima": surface.minima}
    runs = [
        run(surface.objective, make_optimizer("gd"), [s], [r], **kwargs).run(0)
        for s, r in zip(starts, rates, strict=True)
    ]
    ends = [
        outcomes(final_states(surface.objective, make_optimizer("gd"), [s], [r], **kwargs))[0]
        for s, r in zip(starts, rates, strict=True)
    ]
    assert [outcome(r) for r in runs] == ends == [
        "too slow", "local minimum", "diverged", "global minimum",
    ]  # fmt: skip


CLAIM_CASES = [
    # (link, claim that holds, the same kind that does not)
    ("?surface=round_bowl&lr=0.05,0.2", Claim("fewer_steps", 2, 1), Claim("fewer_steps", 1, 2)),
    ("?surface=round_bowl&lr=0.002,0.2", Claim("lower_loss", 2, 1), Claim("lower_loss", 1, 2)),
    ("?surface=two_basins&lr=0.05", Claim("loss_below", 1, None, -2.0), Claim("loss_below", 1, None, -3.0)),
    ("?surface=two_basins&lr=0.05", Claim("loss_above", 1, None, -3.0), Claim("loss_above", 1, None, -2.0)),
    ("?surface=ravine&lr=0.035,0.041", Claim("rate_above_bound", 2), Claim("rate_above_bound", 1)),
    ("?surface=ravine&lr=0.035,0.041", Claim("rate_below_bound", 1), Claim("rate_below_bound", 2)),
    ("?surface=ravine&lr=0.035", Claim("condition_below", 1, None, 26.0), Claim("condition_below", 1, None, 24.0)),
    ("?surface=ravine&lr=0.035", Claim("condition_above", 1, None, 24.0), Claim("condition_above", 1, None, 26.0)),
    ("?surface=ravine&lr=0.035&steps=50", Claim("stopped_by", 1, None, "max_steps"), Claim("stopped_by", 1, None, "gtol")),
    ("?surface=round_bowl&lr=0.5", Claim("steps_at_most", 1, None, 1.0), Claim("steps_at_most", 1, None, 0.0)),
    ("?surface=two_basins&lr=0.05", Claim("x_above", 1, None, 1.0), Claim("x_above", 1, None, 1.5)),
    ("?surface=two_basins&lr=0.05", Claim("x_below", 1, None, 1.5), Claim("x_below", 1, None, 1.0)),
]  # fmt: skip


def test_every_claim_kind_is_tested():
    assert {case[1].kind for case in CLAIM_CASES} == set(CLAIMS)


@pytest.mark.parametrize(("link", "holds", "fails"), CLAIM_CASES, ids=lambda c: str(c))
def test_each_claim_kind_holds_and_fails_on_what_the_engine_did(link, holds, fails):
    lesson = page(link)
    assert CLAIMS[holds.kind](lesson, holds)[0], CLAIMS[holds.kind](lesson, holds)[1]
    assert not CLAIMS[fails.kind](lesson, fails)[0]


def test_a_data_lessons_condition_number_is_its_models():
    lesson = page("?data=unscaled_feature&scale=true")
    assert condition_number(lesson) == pytest.approx(1.0, abs=1e-6)
    assert condition_number(page("?data=unscaled_feature")) > 1e4


def test_a_step_that_says_what_did_not_happen_fails_naming_the_panel_and_claim():
    """check_step can fail: a wrong outcome, a wrong panel count, a claim that does not hold."""
    step = parse_lesson(
        "wrong",
        lesson_text(
            STEP.replace(
                '"global minimum", "global minimum"]', '"diverged", "global minimum", "too slow"]'
            )
            + "claims = [{ kind = 'fewer_steps', panel = 1, than = 2 }, { kind = 'x_below', panel = 4, value = 0 }]\n"
        ),
    ).steps[0]
    failures = check_step(step, built(step.settings))
    assert failures[0] == "expects 3 panels, the page shows 2"
    assert failures[1].startswith("panel 1: expected 'diverged', got 'global minimum'")
    assert failures[2].startswith(
        "panel 1 reaches a minimum in fewer steps than panel 2: does not hold"
    )
    assert failures[3] == "panel 4 ends with x (a model's w) below 0: there is no such panel"


# --- the command line ------------------------------------------------------------------------


def test_the_command_line_lists_the_lessons_and_prints_one(capsys):
    """`python -m gdviz lessons [NAME] [--format json]` (issue 16, item 5)."""
    assert main(["lessons"]) == 0
    listing = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in listing] == list(LIBRARY.lessons)
    assert main(["lessons", "--format", "json"]) == 0
    records = json.loads(capsys.readouterr().out)["lessons"]
    assert [r["name"] for r in records] == list(LIBRARY.lessons)
    assert main(["lessons", "stopping", "--format", "json"]) == 0
    record = json.loads(capsys.readouterr().out)
    stopping = LIBRARY.lessons["stopping"]
    assert record["title"] == stopping.title
    assert record["concepts"] == list(stopping.concepts)
    assert record["steps"][2]["link"] == "?surface=plateau&lr=0.05&ftol=0.0001"
    assert record["steps"][2]["expect"] == ["slope"]
    assert record["steps"][2]["claims"][0] == "panel 1 stops by the rule ftol"
    assert main(["lessons", "stopping"]) == 0
    text = capsys.readouterr().out
    assert "3. ?surface=plateau&lr=0.05&ftol=0.0001" in text
    assert "   expect: slope" in text


def test_the_command_line_refuses_an_unknown_lesson(capsys):
    assert main(["lessons", "nope"]) == 2
    assert capsys.readouterr().err.startswith("gdviz: error: no lesson 'nope' — use one of")


# --- narration never lies ---------------------------------------------------------------------

STEPS = [
    (name, k, step)
    for name, lesson in LIBRARY.lessons.items()
    for k, step in enumerate(lesson.steps, start=1)
]


@pytest.mark.parametrize(("name", "k", "step"), STEPS, ids=[f"{n}-step{k}" for n, k, _ in STEPS])
def test_every_step_of_every_lesson_holds(name, k, step):
    """The page the step's link opens (build_lesson on its settings, as the app computes it)
    shows each expected outcome, and each claim holds."""
    lesson = built(step.settings)
    failures = check_step(step, lesson)
    assert not failures, f"lesson {name}, step {k} ({step.link}): " + "; ".join(failures)
    assert len(panels(lesson)) == len(step.expect)


def test_a_racer_whose_rate_was_timed_by_a_run_is_not_run_again(monkeypatch):
    """Rosenbrock's race: plain GD races at the surface's own rate, which a run of the race's
    budget timed; that run is the panel's (it ran 16,112 updates twice), the same result as
    a run of its own."""
    import gdviz.lesson as lesson_module

    calls = []

    def counted(objective, optimizer, starts, lrs, **options):
        calls.append((optimizer.name, tuple(lrs), options["steps"], options.get("trace", False)))
        return run(objective, optimizer, starts, lrs, **options)

    monkeypatch.setattr(lesson_module, "run", counted)
    settings = Settings(surface="rosenbrock", mode="race")
    lesson = build_lesson(settings)
    gd_runs = [call for call in calls if call[0] == "gd"]
    assert len(gd_runs) == 1
    assert len(calls) == len(lesson.results)  # one run a racer
    on_its_own = run(
        lesson.objective, make_optimizer("gd"), [lesson.start], [lesson.results[0].lrs[0]],
        **{**lesson.results[0].settings, "view": lesson.landscape.view,
           "minima": lesson.landscape.minima},
    )  # fmt: skip
    assert lesson.results[0].nit[0] == on_its_own.nit[0] == 16112
    assert (lesson.results[0].paths == on_its_own.paths).all()
    # With the trace asked for, the panel's run is a traced run of its own.
    traced = build_lesson(dataclasses.replace(settings, trace=True))
    assert all(result.trace is not None for result in traced.results)


def test_a_page_of_proposed_rates_shows_the_sweeps_own_runs(monkeypatch):
    """Rosenbrock with Adagrad: the sweep already ran the three rates it proposes (the page ran
    them again: 20,000 updates, a third of its time); the page shows those runs, equal to a run
    of its own. With the trace asked for, the page's run is a traced run of its own."""
    import gdviz.lesson as lesson_module

    calls = []

    def counted(objective, optimizer, starts, lrs, **options):
        calls.append((optimizer.name, tuple(lrs), options.get("trace", False)))
        return run(objective, optimizer, starts, lrs, **options)

    monkeypatch.setattr(lesson_module, "run", counted)
    settings = Settings(surface="rosenbrock", optimizer="adagrad")
    lesson = build_lesson(settings)
    assert calls == []
    assert lesson.rates_source == "proposed by a sweep"
    assert lesson.steps == 20_000  # the sweep grew its budget past the surface's 18,000
    direct = run(
        lesson.objective, make_optimizer("adagrad"), [lesson.start], list(lesson.rates),
        **{**lesson.results[0].settings, "view": lesson.landscape.view,
           "minima": lesson.landscape.minima},
    )  # fmt: skip
    assert_same_runs(lesson.results[0], direct)
    traced = build_lesson(dataclasses.replace(settings, trace=True))
    assert calls == [("adagrad", lesson.rates, True)]
    assert traced.results[0].trace is not None
