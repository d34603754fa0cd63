"""The data lesson's part of the sidebar: data set (built-in or uploaded), scaling, penalties,
the mini-batch size and an epoch budget."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from gdviz.datasets import (
    BUILTIN_DATASETS,
    MAX_UPLOAD_ROWS,
    DataError,
    Dataset,
    get_dataset,
    read_csv,
    standardize,
)
from gdviz.engine import View
from gdviz.lesson import DEFAULT_BATCH_SIZE, DEFAULT_DATASET
from gdviz.regression import make_model, suggested_view
from gdviz.ui.state import choice_from_url, forget_start_and_rates, link_param
from gdviz.ui.text import plain

__all__ = ["DataChoice", "data_controls"]


@dataclass(frozen=True)
class DataChoice:
    """The data lesson's inputs from the sidebar."""

    dataset: Dataset
    scale: bool
    l1: float
    l2: float
    batch_size: int
    epochs: float | None

    def view(self) -> View:
        """The window a random start is drawn from: the lesson's, for a start at the origin.
        Built only when the button is pressed (the lesson builds its own)."""
        data = standardize(self.dataset) if self.scale else self.dataset
        model = make_model(data.model, data, l1=self.l1, l2=self.l2)
        return suggested_view(model, (0.0, 0.0))


def _read_upload() -> None:
    """on_change of the uploader: a good file becomes the data set; a bad one leaves the last."""
    file = st.session_state.get("upload_file")
    if file is None:
        return
    try:
        st.session_state["_upload"] = read_csv(file.getvalue(), file.name)
    except DataError as error:
        st.session_state["_upload_error"] = f"Cannot use {file.name}: {error}"
    else:
        st.session_state.pop("_upload_error", None)
        st.session_state["data"] = "upload"
        forget_start_and_rates()


def data_controls() -> DataChoice:
    """Data set (built-in or uploaded), scaling, penalties and the mini-batch size."""
    upload: Dataset | None = st.session_state.get("_upload")
    options = list(BUILTIN_DATASETS) + (["upload"] if upload is not None else [])
    choice_from_url("data", options, DEFAULT_DATASET)
    name = st.selectbox(
        "Data set", options, key="data",
        format_func=lambda k: f"uploaded: {upload.name}" if k == "upload" and upload else k.replace("_", " "),
        on_change=forget_start_and_rates,
    )  # fmt: skip
    if name != "upload":
        link_param("data", name)  # its presence opens a link in data mode
    else:
        st.caption(
            "A link cannot carry an upload: this page's link opens "
            f"{st.query_params.get('data', DEFAULT_DATASET)} instead."
        )
    st.file_uploader(
        "…or upload a CSV: x,y (linear) or x1,x2,class (logistic)", type=["csv"],
        key="upload_file", on_change=_read_upload,
    )  # fmt: skip
    if "_upload_error" in st.session_state:
        st.error(plain(st.session_state["_upload_error"]), icon="⚠️")
    dataset = upload if name == "upload" and upload is not None else get_dataset(name)
    model_text = (
        "linear regression, y ≈ w·x + b, mean squared error"
        if dataset.model == "linear"
        else "logistic regression, P(class 1) = σ(w₁x₁ + w₂x₂), cross-entropy"
    )
    st.caption(f"{dataset.size} examples. Model: {model_text}.")
    scale = st.toggle(
        "Standardize the features", key="scale", bind="query-params",
        help="x' = (x − mean) / std per feature: turns a ravine into a round bowl.",
    )  # fmt: skip
    l2 = st.slider(
        "L2 (ridge) strength λ₂", 0.0, 2.0, 0.0, 0.01, key="l2", bind="query-params",
        help="Adds λ₂·w² to the loss (the intercept b is not penalized).",
    )  # fmt: skip
    l1 = st.slider(
        "L1 (lasso) strength λ₁", 0.0, 2.0, 0.0, 0.01, key="l1", bind="query-params",
        help="Adds λ₁·|w| to the loss: a kink along w = 0 that can switch a weight off.",
    )  # fmt: skip
    batch_size = st.number_input(
        "Mini-batch size b (middle panel)", min_value=1, max_value=MAX_UPLOAD_ROWS,
        value=DEFAULT_BATCH_SIZE, step=1, key="batch", bind="query-params",
    )  # fmt: skip
    epochs = st.number_input(
        "Budget in epochs (each variant)", min_value=0.1, max_value=1000.0, value=None,
        step=1.0, format="%g", key="epochs", bind="query-params", placeholder="off: the step budget",
        help="The same number of passes over the data for each variant: batch descent then makes "
        "one update per epoch, SGD m of them.",
    )  # fmt: skip
    return DataChoice(dataset, bool(scale), float(l1), float(l2), int(batch_size),
                      float(epochs) if epochs else None)  # fmt: skip
