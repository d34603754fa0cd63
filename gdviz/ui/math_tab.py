"""The math tab: the function (or a data lesson's loss), its gradient and Hessian, the
stability bound of plain gradient descent, and one update of one panel's run in numbers."""

from __future__ import annotations

import streamlit as st

from gdviz.expression import Objective
from gdviz.figures import Style, rate_text
from gdviz.lesson import Lesson
from gdviz.ui.screen import Screen
from gdviz.ui.step_control import link_step
from gdviz.ui.traced import traced_lesson
from gdviz.update_numbers import update_lines

__all__ = ["math_tab"]


def _stability_text(lesson: Lesson) -> str:
    note = lesson.stability
    if note is None or note.bound is None:
        return "No positive curvature where the run heads, so plain gradient descent has no stability bound there."
    return (
        f"Stability bound for plain gradient descent near {note.where}: 2/λ_max = 2/{note.largest_eigenvalue:.4g} "
        f"= **{note.bound:.4g}**. Rates above it make the error along the steepest direction grow each step."
    )


def _data_math(lesson: Lesson) -> None:
    """The loss over the data, its gradient per example, and why scaling helps."""
    note = lesson.data
    assert note is not None
    model = note.model
    st.latex(model.formula)
    if model.kind == "linear":
        st.latex(r"\nabla \ell_i = 2\,(w x_i + b - y_i)\begin{pmatrix} x_i \\ 1 \end{pmatrix},"
                 r"\qquad H = \frac{2}{m}\sum_i \begin{pmatrix} x_i^2 & x_i \\ x_i & 1 \end{pmatrix}")  # fmt: skip
    else:
        st.latex(r"\nabla \ell_i = (\sigma(z_i) - y_i)\, x_i,\qquad "
                 r"H = \frac{1}{m}\sum_i \sigma(z_i)(1 - \sigma(z_i))\, x_i x_i^\top")  # fmt: skip
    sizes = note.batch_sizes
    st.markdown("Each update averages ∇ℓᵢ over a batch B:")
    st.latex(
        r"\theta \leftarrow \theta - \mathrm{lr}\cdot\frac{1}{|B|}\sum_{i \in B} \nabla \ell_i(\theta)"
    )
    st.markdown(
        f"Batch "
        f"descent uses all m = {sizes[0]} examples (the exact gradient ∇L); mini-batch descent {sizes[1]} "
        "drawn without replacement, a fresh order every epoch; stochastic descent one. The smaller the "
        "batch, the cheaper and noisier each step: its average is ∇L, but it scatters around it, so at "
        "a constant rate the path keeps jittering near the minimum instead of settling."
    )
    if note.minimum is not None:
        st.markdown(
            f"Minimum θ* = ({note.minimum[0]:.5g}, {note.minimum[1]:.5g})"
            + (" — the closed-form least-squares solution." if model.kind == "linear" and not (model.l1 or model.l2)
               else " — solved exactly (closed form for the line, Newton or proximal steps for the classes).")
        )  # fmt: skip
    st.markdown(
        f"Condition number of the Hessian κ = λ_max/λ_min: **{note.condition_raw:.3g}** with raw features, "
        f"**{note.condition_scaled:.3g}** standardized. At a stable rate gradient descent needs about κ "
        "steps to cross a ravine's floor. "
        + (
            "Standardizing makes E[x] = 0 and E[x²] = 1, so the line's Hessian becomes 2I and its "
            "contours circles."
            if model.kind == "linear"
            else "For the classes the Hessian also depends on the weights through σ(z)(1 − σ(z)); "
            "standardizing evens out the features' scales, which is what matters when they differ."
        )
    )


def math_tab(lesson: Lesson, style: Style, screen: Screen) -> None:
    if lesson.data is not None:
        _data_math(lesson)
        st.markdown(_stability_text(lesson))
        _update_in_numbers(lesson)
        return
    objective = lesson.objective
    assert isinstance(objective, Objective)  # a function lesson (data lessons returned above)
    st.latex(f"f(x, y) = {objective.latex}")
    st.latex(rf"\nabla f = {objective.gradient_latex} \qquad H = {objective.hessian_latex}")
    note = lesson.stability
    if note is not None:
        condition = (
            f" (condition number {note.largest_eigenvalue / note.smallest_eigenvalue:.3g})"
            if note.smallest_eigenvalue > 0
            else ""
        )
        st.markdown(
            f"At {note.where} the Hessian's eigenvalues are λ_min = {note.smallest_eigenvalue:.4g} and "
            f"λ_max = {note.largest_eigenvalue:.4g}{condition}."
        )
    st.markdown(
        "Near a minimum x*, f ≈ f(x*) + ½ (x − x*)ᵀ H (x − x*), so one step of gradient descent "
        "multiplies the error along each eigenvector of H by **(1 − lr·λ)**. The run shrinks towards "
        "the minimum only if |1 − lr·λ| < 1 for every λ, that is **lr < 2/λ_max**. Just below the bound "
        "the steep direction flips sign every step (oscillation); above it the flips grow (divergence); "
        "far below it the flat direction, shrinking by (1 − lr·λ_min), crawls."
    )
    st.markdown(_stability_text(lesson))
    _update_in_numbers(lesson)


def _update_in_numbers(lesson: Lesson) -> None:
    """One update of one panel's run in its optimizer's torch box, with the numbers the engine
    used and recorded (:mod:`gdviz.update_numbers`)."""
    traced = traced_lesson(lesson)
    runs = [(result, r) for result in traced.results for r in result]
    names = [
        traced.labels[i] if traced.labels else f"lr = {rate_text(r.lr)}"
        for i, (_, r) in enumerate(runs)
    ]
    st.subheader("One update, in numbers")
    left, right = st.columns(2)
    i = left.selectbox("Panel", range(len(runs)), format_func=names.__getitem__, key="update_panel")
    result, r = runs[i]
    if r.nit == 0:
        st.caption("This run took no step.")
        return
    k = link_step()
    if st.session_state.get("stepping") and k and st.session_state.get("_synced_k") != k:
        st.session_state["_synced_k"] = k  # a new step in step mode: show its update here
        st.session_state["update_step"] = k
    if st.session_state.get("update_step", 1) > r.nit:  # another panel's run may be shorter
        st.session_state["update_step"] = r.nit
    t = int(right.number_input(f"Update t (1 … {r.nit:,})", 1, r.nit, key="update_step"))
    lines = update_lines(result.optimizer, result.hyperparameters, r, t)
    body = r" \\ ".join(line.latex().replace(" = ", " &= ", 1) for line in lines)
    st.latex(r"\begin{aligned}" + body + r"\end{aligned}")
    st.caption(
        f"{result.optimizer} at update t = {t}: g_t is the gradient the optimizer received "
        "(after any noise and clipping), the state is what the engine kept after the update "
        "(torch's names), and θₜ is the path's own point: θₜ₋₁ + Δθₜ."
    )
