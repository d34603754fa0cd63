"""Guided lessons: ordered steps, each a shareable link with narration and expected outcomes.

A lesson is a file ``lessons/NAME.toml``::

    title = "Learning rate: too small, good, too large"
    order = 2
    concepts = ["learning rate", "stability bound 2/λ_max"]

    [[steps]]
    link = "?surface=ravine&lr=0.002,0.035,0.041"
    narration = "Two to four sentences the teacher reads out."
    notice = "What to look at."
    question = "An optional question for the class."
    expect = ["too slow", "global minimum", "diverged"]
    claims = [{ kind = "rate_above_bound", panel = 3 }]

``link`` holds the app's public link parameters (:mod:`gdviz.links`) and is turned into the
app's :class:`~gdviz.lesson.Settings` by :func:`gdviz.link_settings.settings_from_link`.
``expect`` names each panel's outcome in the words of :data:`gdviz.maps.OUTCOMES`; ``claims``
compare panels or bound a number, each kind a small pure function of :data:`CLAIMS`. Nothing
here runs the engine: :func:`check_step` reads a :class:`~gdviz.lesson.Lesson` built elsewhere
(the app's cache, or the test of every step).

A malformed file is reported by file name and field; the other files still load.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gdviz.engine import Run
from gdviz.lesson import Lesson, Settings
from gdviz.link_settings import link_parameters, settings_from_link
from gdviz.maps import OUTCOMES, outcome
from gdviz.memo import shared_cache
from gdviz.surfaces import data_directory

__all__ = [
    "CLAIMS",
    "LESSONS_DIR",
    "Claim",
    "GuidedLesson",
    "LessonError",
    "LessonLibrary",
    "LessonStep",
    "check_step",
    "load_lessons",
    "panels",
    "parse_lesson",
]

LESSONS_DIR = data_directory("lessons", "lesson_files")

MAX_FILE_BYTES = 64_000
MAX_STEPS = 12
"""Most steps in one lesson: a class period's worth."""
MAX_CONCEPTS = 12
MAX_CLAIMS = 6
MAX_PANELS = 4
TEXT_LIMITS = {"title": 80, "concept": 60, "narration": 700, "notice": 300, "question": 300}
"""Longest text of each kind, in characters (narration: about four sentences)."""


class LessonError(ValueError):
    """A malformed lesson file: the message names the file and the field."""


# --- claims ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    """One checkable sentence about a step's panels (numbered from 1, as on the page)."""

    kind: str
    panel: int = 1
    than: int | None = None
    value: float | str | None = None

    def __str__(self) -> str:
        value = f"{self.value:g}" if isinstance(self.value, float) else self.value
        return CLAIM_TEXTS[self.kind].format(panel=self.panel, than=self.than, value=value)


def panels(lesson: Lesson) -> list[Run]:
    """Every panel's run, in the page's order (a rate comparison is one result of several
    runs; a race and a data lesson, one result per panel)."""
    return [run for result in lesson.results for run in result]


def _fewer_steps(lesson: Lesson, claim: Claim) -> tuple[bool, str]:
    """Panel ``panel`` reaches a minimum in fewer steps than panel ``than``, or ``than`` does
    not reach one at all (a run that spent its budget took more)."""
    runs = panels(lesson)
    a, b = runs[claim.panel - 1], runs[_than(claim) - 1]
    holds = a.success and (not b.success or a.nit < b.nit)
    return (
        holds,
        f"panel {claim.panel}: {outcome(a)} after {a.nit}; panel {claim.than}: {outcome(b)} after {b.nit}",
    )


def _lower_loss(lesson: Lesson, claim: Claim) -> tuple[bool, str]:
    """Panel ``panel`` ends with a lower f than panel ``than``."""
    runs = panels(lesson)
    a, b = runs[claim.panel - 1], runs[_than(claim) - 1]
    return a.fun < b.fun, f"final f {a.fun:.6g} vs {b.fun:.6g}"


def _loss_below(lesson: Lesson, claim: Claim) -> tuple[bool, str]:
    """Panel ``panel`` ends with f below ``value``."""
    run = panels(lesson)[claim.panel - 1]
    return run.fun < _number(claim), f"final f = {run.fun:.6g}"


def _loss_above(lesson: Lesson, claim: Claim) -> tuple[bool, str]:
    """Panel ``panel`` ends with f above ``value`` (it stopped short of the minimum)."""
    run = panels(lesson)[claim.panel - 1]
    return run.fun > _number(claim), f"final f = {run.fun:.6g}"


def _rate_above_bound(lesson: Lesson, claim: Claim) -> tuple[bool, str]:
    """Panel ``panel``'s rate is above plain GD's stability bound 2/λ_max at the minimum the
    lesson heads for (:class:`~gdviz.lesson.StabilityNote`)."""
    bound = lesson.stability.bound if lesson.stability else None
    rate = panels(lesson)[claim.panel - 1].lr
    return bound is not None and rate > bound, f"lr = {rate:g}, 2/λ_max = {bound}"


def _rate_below_bound(lesson: Lesson, claim: Claim) -> tuple[bool, str]:
    """Panel ``panel``'s rate is below the stability bound 2/λ_max."""
    bound = lesson.stability.bound if lesson.stability else None
    rate = panels(lesson)[claim.panel - 1].lr
    return bound is not None and rate < bound, f"lr = {rate:g}, 2/λ_max = {bound}"


def condition_number(lesson: Lesson) -> float:
    """κ = λ_max/λ_min of the Hessian: a data lesson's model's, else at the point of the
    lesson's stability note (the minimum the good run heads for); inf where λ_min ≤ 0."""
    if lesson.data is not None:
        return float(lesson.data.model.condition_number())
    note = lesson.stability
    if note is None or note.smallest_eigenvalue <= 0:
        return float("inf")
    return note.largest_eigenvalue / note.smallest_eigenvalue


def _condition_below(lesson: Lesson, claim: Claim) -> tuple[bool, str]:
    """The Hessian's condition number κ is below ``value``."""
    kappa = condition_number(lesson)
    return kappa < _number(claim), f"κ = {kappa:.4g}"


def _condition_above(lesson: Lesson, claim: Claim) -> tuple[bool, str]:
    """The Hessian's condition number κ is above ``value``."""
    kappa = condition_number(lesson)
    return kappa > _number(claim), f"κ = {kappa:.4g}"


def _stopped_by(lesson: Lesson, claim: Claim) -> tuple[bool, str]:
    """Panel ``panel``'s run ended by the rule ``value`` (gtol, xtol, ftol, max_steps,
    loss_growth, left_view, nonfinite: the engine's ``rule``)."""
    run = panels(lesson)[claim.panel - 1]
    return run.rule == claim.value, f"ended by {run.rule}"


def _steps_at_most(lesson: Lesson, claim: Claim) -> tuple[bool, str]:
    """Panel ``panel``'s run took at most ``value`` steps (updates)."""
    run = panels(lesson)[claim.panel - 1]
    return run.nit <= _number(claim), f"{run.nit} steps"


def _x_below(lesson: Lesson, claim: Claim) -> tuple[bool, str]:
    """Panel ``panel``'s run ends with its first coordinate below ``value`` (x; in a data
    lesson the weight w, which a penalty shrinks)."""
    run = panels(lesson)[claim.panel - 1]
    return run.x[0] < _number(claim), f"ends at x = {run.x[0]:.6g}"


def _x_above(lesson: Lesson, claim: Claim) -> tuple[bool, str]:
    """Panel ``panel``'s run ends with its first coordinate above ``value``."""
    run = panels(lesson)[claim.panel - 1]
    return run.x[0] > _number(claim), f"ends at x = {run.x[0]:.6g}"


CLAIMS: dict[str, Callable[[Lesson, Claim], tuple[bool, str]]] = {
    "fewer_steps": _fewer_steps,
    "lower_loss": _lower_loss,
    "loss_below": _loss_below,
    "loss_above": _loss_above,
    "rate_above_bound": _rate_above_bound,
    "rate_below_bound": _rate_below_bound,
    "condition_below": _condition_below,
    "condition_above": _condition_above,
    "stopped_by": _stopped_by,
    "steps_at_most": _steps_at_most,
    "x_below": _x_below,
    "x_above": _x_above,
}
"""Every kind of claim, by the name a lesson file uses: each returns (holds, what it saw)."""

CLAIM_TEXTS = {
    "fewer_steps": "panel {panel} reaches a minimum in fewer steps than panel {than}",
    "lower_loss": "panel {panel} ends lower than panel {than}",
    "loss_below": "panel {panel} ends with f below {value}",
    "loss_above": "panel {panel} ends with f above {value}",
    "rate_above_bound": "panel {panel}'s rate is above 2/λ_max",
    "rate_below_bound": "panel {panel}'s rate is below 2/λ_max",
    "condition_below": "the condition number κ is below {value}",
    "condition_above": "the condition number κ is above {value}",
    "stopped_by": "panel {panel} stops by the rule {value}",
    "steps_at_most": "panel {panel} takes at most {value} steps",
    "x_below": "panel {panel} ends with x (a model's w) below {value}",
    "x_above": "panel {panel} ends with x (a model's w) above {value}",
}
_NEEDS_THAN = {"fewer_steps", "lower_loss"}
_NEEDS_NUMBER = {
    "loss_below", "loss_above", "condition_below", "condition_above", "steps_at_most", "x_below",
    "x_above",
}  # fmt: skip
_RULES = ("gtol", "xtol", "ftol", "max_steps", "loss_growth", "left_view", "nonfinite")


def _than(claim: Claim) -> int:
    assert claim.than is not None  # checked when the file was read
    return claim.than


def _number(claim: Claim) -> float:
    assert isinstance(claim.value, float)  # checked when the file was read
    return claim.value


# --- lessons --------------------------------------------------------------------------------


@dataclass(frozen=True)
class LessonStep:
    """One step: the link's parameters and the settings they open, what the teacher says, and
    what each panel is expected to show."""

    link: str
    params: tuple[tuple[str, str], ...]
    settings: Settings
    narration: str
    notice: str
    question: str | None
    expect: tuple[str, ...]
    claims: tuple[Claim, ...]


@dataclass(frozen=True)
class GuidedLesson:
    """A lesson file, read: its key (the file name), title, concepts and steps."""

    name: str
    title: str
    concepts: tuple[str, ...]
    steps: tuple[LessonStep, ...]
    order: int = 1000  # where the lesson sits in the list (lower first; then by name)


def check_step(step: LessonStep, lesson: Lesson) -> list[str]:
    """What does not hold of ``step``'s expectations on the page ``lesson`` built from its
    settings: one line per failed expectation or claim (empty: the narration holds)."""
    runs = panels(lesson)
    failures = []
    if len(runs) != len(step.expect):
        failures.append(f"expects {len(step.expect)} panels, the page shows {len(runs)}")
    for i, (run, expected) in enumerate(zip(runs, step.expect, strict=False), start=1):
        if outcome(run) != expected:
            failures.append(
                f"panel {i}: expected {expected!r}, got {outcome(run)!r} ({run.message})"
            )
    for claim in step.claims:
        if max(claim.panel, claim.than or 0) > len(runs):
            failures.append(f"{claim}: there is no such panel")
            continue
        holds, seen = CLAIMS[claim.kind](lesson, claim)
        if not holds:
            failures.append(f"{claim}: does not hold ({seen})")
    return failures


def _text(table: dict[str, Any], key: str, where: str, limit: str, required: bool = True) -> str:
    value = table.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise LessonError(f"{where}{key}: must be a non-empty text")
    value = " ".join(value.split())
    if len(value) > TEXT_LIMITS[limit]:
        raise LessonError(f"{where}{key}: {len(value)} characters, at most {TEXT_LIMITS[limit]}")
    return value


def _claim(raw: Any, where: str) -> Claim:
    if not isinstance(raw, dict) or raw.get("kind") not in CLAIMS:
        raise LessonError(f"{where}kind: must be one of {', '.join(CLAIMS)}")
    unknown = set(raw) - {"kind", "panel", "than", "value"}
    if unknown:
        raise LessonError(f"{where}{sorted(unknown)[0]}: not a field of a claim")
    kind = raw["kind"]
    for key in ("panel", "than"):
        value = raw.get(key, 1 if key == "panel" else None)
        if value is not None and not (isinstance(value, int) and 1 <= value <= MAX_PANELS):
            raise LessonError(f"{where}{key}: must be a panel number from 1 to {MAX_PANELS}")
    if kind in _NEEDS_THAN and raw.get("than") is None:
        raise LessonError(f"{where}than: {kind} compares two panels")
    value = raw.get("value")
    if kind in _NEEDS_NUMBER:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise LessonError(f"{where}value: {kind} needs a number")
        value = float(value)
    elif kind == "stopped_by":
        if value not in _RULES:
            raise LessonError(f"{where}value: must be one of {', '.join(_RULES)}")
    elif value is not None:
        raise LessonError(f"{where}value: {kind} takes no value")
    return Claim(kind, raw.get("panel", 1), raw.get("than"), value)


def _step(raw: Any, where: str) -> LessonStep:
    if not isinstance(raw, dict):
        raise LessonError(f"{where.rstrip('.')}: must be a table")
    unknown = set(raw) - {"link", "narration", "notice", "question", "expect", "claims"}
    if unknown:
        raise LessonError(f"{where}{sorted(unknown)[0]}: not a field of a step")
    link = raw.get("link")
    if not isinstance(link, str):
        raise LessonError(f"{where}link: must be a text of link parameters")
    try:
        params = link_parameters(link.strip())
        settings = settings_from_link(params)
    except ValueError as error:
        raise LessonError(f"{where}link: {error}") from None
    expect = raw.get("expect")
    if not (
        isinstance(expect, list)
        and 1 <= len(expect) <= MAX_PANELS
        and all(word in OUTCOMES for word in expect)
    ):
        raise LessonError(
            f"{where}expect: must list 1 to {MAX_PANELS} panel outcomes, each one of "
            f"{', '.join(OUTCOMES)}"
        )
    claims = raw.get("claims", [])
    if not isinstance(claims, list) or len(claims) > MAX_CLAIMS:
        raise LessonError(f"{where}claims: must be a list of at most {MAX_CLAIMS} claims")
    return LessonStep(
        link=link.strip(),
        params=tuple(params.items()),
        settings=settings,
        narration=_text(raw, "narration", where, "narration"),
        notice=_text(raw, "notice", where, "notice"),
        question=_text(raw, "question", where, "question", required=False) or None,
        expect=tuple(expect),
        claims=tuple(_claim(c, f"{where}claims[{i}].") for i, c in enumerate(claims)),
    )


def parse_lesson(name: str, text: str) -> GuidedLesson:
    """Read one lesson file's text. Raises :class:`LessonError` naming the file and the field:
    ``two_basins.toml: steps[2].expect: …``."""
    where = f"{name}.toml: "
    try:
        if len(text.encode()) > MAX_FILE_BYTES:
            raise LessonError(f"longer than {MAX_FILE_BYTES} bytes")
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise LessonError(f"not valid TOML ({error})") from None
        unknown = set(data) - {"title", "order", "concepts", "steps"}
        if unknown:
            raise LessonError(f"{sorted(unknown)[0]}: not a field of a lesson")
        title = _text(data, "title", "", "title")
        order = data.get("order", 1000)
        if isinstance(order, bool) or not isinstance(order, int):
            raise LessonError("order: must be a whole number (lower comes first)")
        concepts = data.get("concepts")
        if not (isinstance(concepts, list) and 1 <= len(concepts) <= MAX_CONCEPTS):
            raise LessonError(f"concepts: must list 1 to {MAX_CONCEPTS} concepts")
        concept_texts = tuple(
            _text({"concept": c}, "concept", f"concepts[{i}].", "concept")
            for i, c in enumerate(concepts)
        )
        steps = data.get("steps")
        if not (isinstance(steps, list) and 1 <= len(steps) <= MAX_STEPS):
            raise LessonError(f"steps: must hold 1 to {MAX_STEPS} steps ([[steps]] tables)")
        parsed = tuple(_step(raw, f"steps[{i + 1}].") for i, raw in enumerate(steps))
    except LessonError as error:
        raise LessonError(f"{where}{error}") from None
    return GuidedLesson(name, title, concept_texts, parsed, order)


@dataclass(frozen=True)
class LessonLibrary:
    """Every lesson that loaded, by name (in the files' ``order``, then by name), and a line per
    file that did not."""

    lessons: dict[str, GuidedLesson]
    problems: tuple[str, ...]


def load_lessons(directory: Path | None = None) -> LessonLibrary:
    """Read every ``*.toml`` in ``directory`` (default :data:`LESSONS_DIR`, read once)."""
    if directory is None:
        return _default_library()
    lessons: dict[str, GuidedLesson] = {}
    problems: list[str] = []
    for path in sorted(directory.glob("*.toml")):
        try:
            lessons[path.stem] = parse_lesson(path.stem, path.read_text(encoding="utf-8"))
        except LessonError as error:
            problems.append(str(error))
        except UnicodeDecodeError:
            problems.append(f"{path.name}: not UTF-8 text")
    ordered = sorted(lessons.values(), key=lambda lesson: (lesson.order, lesson.name))
    return LessonLibrary({lesson.name: lesson for lesson in ordered}, tuple(problems))


@shared_cache(maxsize=1)
def _default_library() -> LessonLibrary:
    return load_lessons(LESSONS_DIR)
