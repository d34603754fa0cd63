"""``python -m gdviz lessons [NAME] [--format text|json]``: the guided lessons and their steps."""

from __future__ import annotations

import argparse
import json
from typing import Any

from gdviz.lessons import GuidedLesson, load_lessons

__all__ = ["add_lessons_command", "lessons_text"]


def add_lessons_command(commands: Any) -> None:
    """The ``lessons`` subcommand on the parser's subcommands."""
    parser = commands.add_parser(
        "lessons",
        help="list the guided lessons, or print one lesson's steps and links",
        description="Without NAME: every lesson with its concepts. With NAME: its steps, each "
        "with its link (open it as http://HOST/?…), narration and expected outcomes.",
    )
    parser.add_argument("name", nargs="?", metavar="NAME", help="a lesson (see: lessons)")
    parser.add_argument("--format", choices=("text", "json"), default="text")


def lesson_record(lesson: GuidedLesson) -> dict[str, Any]:
    """A lesson as JSON: name, title, concepts and steps (link, narration, notice, question,
    expected outcome per panel, claims as sentences)."""
    return {
        "name": lesson.name,
        "title": lesson.title,
        "concepts": list(lesson.concepts),
        "steps": [
            {
                "link": step.link,
                "narration": step.narration,
                "notice": step.notice,
                "question": step.question,
                "expect": list(step.expect),
                "claims": [str(claim) for claim in step.claims],
            }
            for step in lesson.steps
        ],
    }


def lessons_text(args: argparse.Namespace) -> str:
    """What ``lessons`` prints. Raises ``ValueError`` for an unknown NAME."""
    library = load_lessons()
    if args.name is None:
        if args.format == "json":
            return json.dumps({"lessons": [lesson_record(x) for x in library.lessons.values()]})
        rows = [
            f"{name:<18} {lesson.title} ({len(lesson.steps)} steps): {', '.join(lesson.concepts)}"
            for name, lesson in library.lessons.items()
        ]
        return "\n".join(rows + [f"(skipped) {problem}" for problem in library.problems])
    lesson = library.lessons.get(args.name)
    if lesson is None:
        raise ValueError(f"no lesson {args.name!r} — use one of {', '.join(library.lessons)}")
    if args.format == "json":
        return json.dumps(lesson_record(lesson))
    lines = [lesson.title, "concepts: " + ", ".join(lesson.concepts)]
    for k, step in enumerate(lesson.steps, start=1):
        lines += ["", f"{k}. {step.link}", f"   {step.narration}", f"   notice: {step.notice}"]
        if step.question:
            lines.append(f"   question: {step.question}")
        lines.append("   expect: " + ", ".join(step.expect))
        lines += [f"   claim: {claim}" for claim in step.claims]
    return "\n".join(lines)
