"""The process's caches, shared by every session, and what they are keyed on.

Every cached function of the page is decorated once, at import, by :func:`per_process`:
``st.cache_resource`` in ``app.py`` itself would wrap the function anew on every rerun (the
script runs top to bottom each time), and Streamlit then reads and hashes its source again.

A cache's key is the hash of its arguments. Streamlit hashes a dataclass by copying it into a
dict (``dataclasses.asdict``) and hashing that, arrays and all: 0.7 ms for a function lesson's
:class:`~gdviz.lesson.Settings`, 1.2 ms for a data lesson's, on every call of every cached
function of every rerun. :func:`settings_key` gives Streamlit the same information as a flat
tuple (a data set by a digest of its contents, computed once per data set): 0.2 ms.
"""

from __future__ import annotations

import dataclasses
import hashlib
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
import streamlit as st

from gdviz.budget import BudgetExceeded, cpu_budget
from gdviz.datasets import Dataset
from gdviz.lesson import Lesson, Settings, build_lesson, cpu_seconds_allowed, raised_sizes

__all__ = ["cached_lesson", "per_process", "settings_key"]

Function = TypeVar("Function", bound=Callable[..., Any])

_DIGESTS: weakref.WeakKeyDictionary[Dataset, str] = weakref.WeakKeyDictionary()
"""Each data set's digest, computed once (data sets compare by identity, so hash by it)."""


def dataset_digest(dataset: Dataset) -> str:
    """A digest of everything a data set holds: two uploads of the same file share lessons."""
    digest = _DIGESTS.get(dataset)
    if digest is None:
        hasher = hashlib.blake2b(digest_size=20)
        for field in dataclasses.fields(dataset):
            value = getattr(dataset, field.name)
            if isinstance(value, np.ndarray):  # its shape, type and bytes
                hasher.update(repr((value.shape, value.dtype.str)).encode())
                hasher.update(value.tobytes())
            else:  # text, a flag, the feature names
                hasher.update(repr(value).encode())
            hasher.update(b"\x00")
        digest = _DIGESTS[dataset] = hasher.hexdigest()
    return digest


def settings_key(settings: Settings) -> tuple[Any, ...]:
    """Every field of ``settings`` in order, the data set (if any) by its digest."""
    return tuple(
        dataset_digest(value) if isinstance(value, Dataset) else value
        for value in (getattr(settings, field.name) for field in dataclasses.fields(settings))
    )


def per_process(max_entries: int) -> Callable[[Function], Function]:
    """``st.cache_resource`` bounded to ``max_entries``, without a spinner, hashing settings
    by :func:`settings_key`. Arguments named with a leading underscore are not hashed."""
    return st.cache_resource(  # type: ignore[return-value]
        max_entries=max_entries, show_spinner=False, hash_funcs={Settings: settings_key}
    )


@per_process(max_entries=64)
def cached_lesson(settings: Settings) -> Lesson | str:
    """The lesson ``settings`` build, computed once per distinct set within the CPU time the
    settings may take (gdviz.budget). Settings that cannot run give the reason, cached too: a
    class opening a link that cannot run costs the server one refusal, not forty."""
    try:
        with cpu_budget(cpu_seconds_allowed(settings)):
            return build_lesson(settings)
    except BudgetExceeded as error:
        return f"{error} {raised_sizes(settings)}"
    except ValueError as error:  # a bad hyperparameter or schedule
        return str(error)
