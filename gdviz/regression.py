"""Loss landscapes over data: linear and logistic regression with two parameters.

The two models, with m examples, an L2 strength λ₂ and an L1 strength λ₁ (penalizing the
weights, never the intercept):

* **linear** (one feature x, parameters θ = (w, b)):
  ``L(w, b) = (1/m) Σᵢ (w xᵢ + b − yᵢ)² + λ₂ w² + λ₁ |w|``
* **logistic** (two features, labels yᵢ ∈ {0, 1}, parameters θ = (w₁, w₂), no intercept):
  ``L(w) = (1/m) Σᵢ [log(1 + e^{zᵢ}) − yᵢ zᵢ] + λ₂ ‖w‖² + λ₁ ‖w‖₁`` with ``zᵢ = w₁x₁ᵢ + w₂x₂ᵢ``
  (the cross-entropy of σ(zᵢ) against yᵢ).

A model is a ``Differentiable`` for the engine (``value_and_gradient`` over the full data,
``hessian``), so every optimizer runs on it as on a typed function; the derivative of |w| at
0 is taken as 0, as PyTorch does. Each model also gives the gradient of a batch of its
examples (``batch_gradient``), which :mod:`gdviz.batches` draws for batch, mini-batch and
stochastic descent.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from typing import Any, ClassVar

import numpy as np

from gdviz.datasets import Dataset

__all__ = [
    "MODELS",
    "LinearRegression",
    "LogisticRegression",
    "make_model",
    "suggested_rate",
    "suggested_view",
]

MODELS = ("linear", "logistic")

_CHUNK = 1 << 20  # elements of a (parameters × examples) block evaluated at once


def _same_shape(p: Any, q: Any) -> tuple[np.ndarray, np.ndarray]:
    """p and q as float64 arrays broadcast to one shape; as they are when they have one already
    (the engine's case, once an update: ``np.broadcast_arrays`` was a tenth of a data lesson's
    full-data gradient)."""
    p, q = np.asarray(p, np.float64), np.asarray(q, np.float64)
    if p.shape == q.shape:
        return p, q
    broadcast_p, broadcast_q = np.broadcast_arrays(p, q)
    return broadcast_p, broadcast_q


def _columns(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """The points (p, q) as rows of an (n, 2) array: ``np.stack([p.ravel(), q.ravel()], -1)``
    at a fifth of its cost (once an update in a data lesson)."""
    theta = np.empty((p.size, 2))
    theta[:, 0], theta[:, 1] = p.ravel(), q.ravel()
    return theta


def _softplus(z: np.ndarray) -> np.ndarray:
    """log(1 + e^z) without overflow: max(z, 0) + log1p(e^−|z|)."""
    return np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))


def _sigmoid(z: np.ndarray) -> np.ndarray:
    """σ(z) = 1 / (1 + e^−z), written with tanh so that no z overflows."""
    return 0.5 + 0.5 * np.tanh(0.5 * z)


@dataclass(frozen=True, eq=False)
class _Model:
    """What both models share: the data, the penalties and the engine's interface."""

    dataset: Dataset
    l1: float = 0.0
    l2: float = 0.0

    kind: ClassVar[str] = ""
    parameter_names: ClassVar[tuple[str, str]] = ("", "")
    penalized: ClassVar[tuple[bool, bool]] = (True, True)  # the intercept is never penalized
    task: ClassVar[str] = ""  # the data set's task this model fits
    needs: ClassVar[str] = ""  # what to upload instead, for the message

    def __post_init__(self) -> None:
        for name, value in (("l1", self.l1), ("l2", self.l2)):
            if not (math.isfinite(value) and value >= 0):
                raise ValueError(f"{name} must be a number ≥ 0, got {value}")
        if self.dataset.task != self.task:
            raise ValueError(self.needs)

    # --- the data term: each model defines these -------------------------------------------
    def _data_value(self, p: np.ndarray, q: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _data_value_and_gradient(
        self, p: np.ndarray, q: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def _data_hessian(self, p: np.ndarray, q: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def per_example_gradients(self, theta: Any) -> np.ndarray:
        """∇ℓᵢ(θ) of the data term for every example, shape (m, 2)."""
        raise NotImplementedError

    def batch_gradient(self, theta: np.ndarray, indices: np.ndarray) -> np.ndarray:
        """(1/b) Σ_{i in batch} ∇ℓᵢ(θ) + ∇penalty, for runs θ (R, 2) and batches indices (R, b)."""
        data = self.dataset
        return self.examples_gradient(theta, data.features[indices], data.targets[indices])

    def examples_gradient(
        self, theta: np.ndarray, features: np.ndarray, targets: np.ndarray
    ) -> np.ndarray:
        """:meth:`batch_gradient` of the batches' examples themselves: features (R, b, k) and
        targets (R, b), run r's batch in row r (gathered once an epoch by
        :class:`~gdviz.batches.MiniBatches`, so an update slices them instead of indexing)."""
        return self._plus_penalty_gradient(
            theta, self._data_examples_gradient(theta, features, targets)
        )

    def _data_examples_gradient(
        self, theta: np.ndarray, features: np.ndarray, targets: np.ndarray
    ) -> np.ndarray:
        raise NotImplementedError

    def errors_gradient(
        self, theta: np.ndarray, errors: np.ndarray, features: np.ndarray
    ) -> np.ndarray:
        """:meth:`examples_gradient` from the batches' errors as a full pass gave them
        (:meth:`value_gradient_and_errors_rows`): (1/b) Σᵢ eᵣᵢ·xᵢ + ∇penalty, for errors (R, b)
        and features (R, b, k), or for one run: θ (2,), errors (b,) and features (b, k) (the
        same numbers as its row among many). The per-example work of the pass is reused: a
        logistic mini-batch's σ(zᵢ) is not computed again."""
        if errors.ndim == 1:
            gradient = errors @ features / len(errors)
        else:
            gradient = (errors[:, None, :] @ features)[:, 0, :] / errors.shape[1]
        return self._plus_penalty_gradient(theta, gradient)

    # --- penalties ---------------------------------------------------------------------------
    def _penalty(self, p: np.ndarray, q: np.ndarray) -> np.ndarray | float:
        if not (self.l1 or self.l2):
            return 0.0
        total: np.ndarray | float = 0.0
        for value, penalized in ((p, self.penalized[0]), (q, self.penalized[1])):
            if penalized:
                total = total + self.l2 * value * value + self.l1 * np.abs(value)
        return total

    def _plus_penalty_gradient(self, theta: np.ndarray, gradient: np.ndarray) -> np.ndarray:
        """``gradient`` (the data term's, at the rows of θ) with the penalty's added, where
        there is one (without: the same array, no addition)."""
        return gradient + self._penalty_gradient(theta) if self.l1 or self.l2 else gradient

    def _penalty_gradient(self, theta: np.ndarray) -> np.ndarray | float:
        if not (self.l1 or self.l2):
            return 0.0
        mask = np.array(self.penalized, dtype=np.float64)
        return mask * (2.0 * self.l2 * theta + self.l1 * np.sign(theta))

    # --- the engine's interface (Differentiable) ---------------------------------------------
    def value(self, p: Any, q: Any) -> np.ndarray:
        """L(p, q), broadcast over the shapes of p and q (the full data)."""
        p, q = np.asarray(p, np.float64), np.asarray(q, np.float64)
        return np.broadcast_to(
            self._data_value(p, q) + self._penalty(p, q), np.broadcast_shapes(p.shape, q.shape)
        )

    def value_and_gradient(self, p: Any, q: Any) -> tuple[np.ndarray, np.ndarray]:
        """(L, ∇L) over the full data; ∇L has shape (..., 2)."""
        p, q = _same_shape(p, q)
        loss, gradient = self._data_value_and_gradient(p, q)
        if self.l1 or self.l2:
            loss = loss + self._penalty(p, q)
            gradient = gradient + self._penalty_gradient(np.stack([p, q], axis=-1))
        return loss, gradient

    def value_and_gradient_rows(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`value_and_gradient` at each row of θ, an (R, 2) float64 array (the engine's
        points, once an update): the same numbers, without splitting θ into two columns."""
        return self._penalized_rows(theta, *self._data_rows(theta))

    def value_gradient_and_errors_rows(
        self, theta: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """:meth:`value_and_gradient_rows`, and each example's error at each row where the pass
        computes them: eᵣᵢ with ∇ℓᵢ(θᵣ) = eᵣᵢ·xᵢ, shape (R, m) (logistic: σ(zᵣᵢ) − yᵢ). None
        where the pass has none: the linear model's closed form never visits the examples, and
        a logistic pass over more examples than one block keeps none. The same L and ∇L, bit
        for bit."""
        loss, gradient, errors = self._data_rows_and_errors(theta)
        return (*self._penalized_rows(theta, loss, gradient), errors)

    def _penalized_rows(
        self, theta: np.ndarray, loss: np.ndarray, gradient: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """The data term's L and ∇L at the rows of θ with the penalty's added."""
        if self.l1 or self.l2:
            loss = loss + self._penalty(theta[:, 0], theta[:, 1])
        return loss, self._plus_penalty_gradient(theta, gradient)

    def _data_rows(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The data term's (L, ∇L) at each row of θ."""
        return self._data_value_and_gradient(theta[:, 0], theta[:, 1])

    def _data_rows_and_errors(
        self, theta: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """:meth:`_data_rows` and the examples' errors, where the pass has them."""
        return (*self._data_rows(theta), None)

    def gradient(self, p: Any, q: Any) -> np.ndarray:
        """∇L with shape (..., 2)."""
        return self.value_and_gradient(p, q)[1]

    def hessian(self, p: Any, q: Any) -> np.ndarray:
        """The Hessian of L (the L1 term adds no curvature), shape (..., 2, 2)."""
        p, q = np.broadcast_arrays(np.asarray(p, np.float64), np.asarray(q, np.float64))
        hessian = self._data_hessian(p, q)
        if self.l2:
            hessian = hessian + np.diag(2.0 * self.l2 * np.array(self.penalized, np.float64))
        return hessian

    # --- what the lesson reports ---------------------------------------------------------------
    @cached_property
    def minimum(self) -> tuple[float, float] | None:
        """θ* minimizing L, or None where none exists (separable classes, no penalty)."""
        return self._minimum()

    def _minimum(self) -> tuple[float, float] | None:
        raise NotImplementedError

    def condition_number(self, theta: Any = None) -> float:
        """κ = λ_max / λ_min of the Hessian at θ (default: the minimum, or the origin)."""
        point = theta if theta is not None else (self.minimum or (0.0, 0.0))
        eigenvalues = np.linalg.eigvalsh(self.hessian(*point))
        return float(eigenvalues[-1] / eigenvalues[0]) if eigenvalues[0] > 0 else math.inf

    @property
    def formula(self) -> str:
        """The loss as LaTeX."""
        raise NotImplementedError


@dataclass(frozen=True, eq=False)
class LinearRegression(_Model):
    """Mean squared error of y ≈ w·x + b (see the module docstring).

    The data term is a quadratic in θ = (w, b), so it is kept as its closed form around the
    least-squares solution θ_ls: ``L_data(θ) = L_ls + var(x)·Δw² + (mean(x)·Δw + Δb)²`` with
    Δ = θ − θ_ls. That is exact, costs O(1) per point however large m is, and does not lose
    digits to cancellation near the minimum.
    """

    kind = "linear"
    parameter_names = ("w", "b")
    penalized = (True, False)
    task = "regression"
    needs = "linear regression needs a regression data set (columns x, y)"

    @cached_property
    def _moments(self) -> tuple[float, float, float, float, float]:
        """(mean x, var x, w_ls, b_ls, L_ls)."""
        x, y = self.dataset.features[:, 0], self.dataset.targets
        mean_x = float(x.mean())
        centred = x - mean_x
        variance = float(np.mean(centred * centred))
        if variance == 0:
            raise ValueError("the feature is constant: the line's slope is undetermined")
        w_ls = float(np.mean(centred * (y - y.mean())) / variance)
        b_ls = float(y.mean() - w_ls * mean_x)
        residual = w_ls * x + b_ls - y
        return mean_x, variance, w_ls, b_ls, float(np.mean(residual * residual))

    @property
    def least_squares(self) -> tuple[float, float]:
        """The closed-form fit without penalties: w = cov(x, y)/var(x), b = ȳ − w x̄."""
        _, _, w_ls, b_ls, _ = self._moments
        return (w_ls, b_ls)

    def _data_value(self, p: np.ndarray, q: np.ndarray) -> np.ndarray:
        mean_x, variance, w_ls, b_ls, loss_ls = self._moments
        dw, db = p - w_ls, q - b_ls
        across = mean_x * dw + db
        return loss_ls + variance * dw * dw + across * across

    def _data_value_and_gradient(
        self, p: np.ndarray, q: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        mean_x, variance, w_ls, b_ls, loss_ls = self._moments
        dw, db = p - w_ls, q - b_ls
        across = mean_x * dw + db
        loss = loss_ls + variance * dw * dw + across * across
        gradient = np.stack([2.0 * (variance * dw + mean_x * across), 2.0 * across], axis=-1)
        return loss, gradient

    def _data_hessian(self, p: np.ndarray, q: np.ndarray) -> np.ndarray:
        mean_x, variance, *_ = self._moments
        second = variance + mean_x * mean_x
        hessian = 2.0 * np.array([[second, mean_x], [mean_x, 1.0]])
        return np.broadcast_to(hessian, (*p.shape, 2, 2)).copy()

    def per_example_gradients(self, theta: Any) -> np.ndarray:
        """∇ℓᵢ = 2 (w xᵢ + b − yᵢ) · (xᵢ, 1)."""
        w, b = np.asarray(theta, dtype=np.float64)
        x, y = self.dataset.features[:, 0], self.dataset.targets
        residual = w * x + b - y
        return np.stack([2.0 * residual * x, 2.0 * residual], axis=-1)

    def _data_examples_gradient(
        self, theta: np.ndarray, features: np.ndarray, targets: np.ndarray
    ) -> np.ndarray:
        x = features[..., 0]
        residual = theta[:, :1] * x + theta[:, 1:] - targets
        # The means as sums over b (what np.mean computes, without its Python wrapper: a hot
        # path, once an update of every mini-batch run), written into their columns.
        size = targets.shape[1]
        gradient = np.empty((len(theta), 2))
        gradient[:, 0] = 2.0 * ((residual * x).sum(axis=1) / size)
        gradient[:, 1] = 2.0 * (residual.sum(axis=1) / size)
        return gradient

    def _minimum(self) -> tuple[float, float]:
        """Closed form. For each w the best b is b_ls − x̄ (w − w_ls); what is left of L in w is
        (var + λ₂) w² − 2 var w_ls w + λ₁|w| + const, minimized by soft-thresholding."""
        mean_x, variance, w_ls, b_ls, _ = self._moments
        pull = variance * w_ls
        w = math.copysign(max(abs(pull) - self.l1 / 2, 0.0), pull) / (variance + self.l2)
        return (w, b_ls - mean_x * (w - w_ls))

    @property
    def formula(self) -> str:
        penalty = _penalty_latex(self.l1, self.l2, "w^2", "|w|")
        return r"L(w, b) = \frac{1}{m}\sum_{i=1}^{m} \left(w x_i + b - y_i\right)^2" + penalty

    def predict_line(self, theta: Any, x: np.ndarray) -> np.ndarray:
        """The fitted line's y at x."""
        return theta[0] * x + theta[1]


@dataclass(frozen=True, eq=False)
class LogisticRegression(_Model):
    """Mean cross-entropy of P(y = 1 | x) = σ(w₁x₁ + w₂x₂) (see the module docstring)."""

    kind = "logistic"
    parameter_names = ("w₁", "w₂")
    penalized = (True, True)
    task = "classification"
    needs = "logistic regression needs a classification data set (columns x1, x2, class)"

    @cached_property
    def _label_pull(self) -> np.ndarray:
        """(1/m) Σ yᵢ xᵢ: the −yᵢzᵢ part of the loss is linear in w."""
        return self.dataset.targets @ self.dataset.features / self.dataset.size

    def _softplus_means(self, p: np.ndarray, q: np.ndarray) -> np.ndarray:
        """(1/m) Σᵢ log(1 + e^{p x₁ᵢ + q x₂ᵢ}) at every (p, q), in blocks."""
        if p.ndim == 2 and q.ndim == 2 and p.shape[0] == 1 and q.shape[1] == 1:
            outer = _softplus_sums_on_grid(p[0], q[:, 0], self.dataset.features)
            if outer is not None:
                return outer / self.dataset.size
        p, q = np.broadcast_arrays(p, q)
        flat = np.stack([p.ravel(), q.ravel()], axis=-1)
        total = np.empty(len(flat))
        block = max(1, _CHUNK // self.dataset.size)
        for start in range(0, len(flat), block):
            z = flat[start : start + block] @ self.dataset.features.T
            total[start : start + block] = _softplus(z).mean(axis=1)
        return total.reshape(p.shape)

    def _data_value(self, p: np.ndarray, q: np.ndarray) -> np.ndarray:
        pull = self._label_pull
        return self._softplus_means(p, q) - (pull[0] * p + pull[1] * q)

    def _data_value_and_gradient(
        self, p: np.ndarray, q: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        loss, gradient = self._data_rows(_columns(p, q))
        return loss.reshape(p.shape), gradient.reshape((*p.shape, 2))

    def _data_rows(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        loss, gradient, _ = self._pass(theta, keep_errors=False)
        return loss, gradient

    def _data_rows_and_errors(
        self, theta: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        return self._pass(theta, keep_errors=True)

    def _pass(
        self, theta: np.ndarray, *, keep_errors: bool
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """(L, ∇L) of the data term at each row of θ, and with ``keep_errors`` the examples'
        errors σ(zᵣᵢ) − yᵢ when the pass is one block."""
        # Blocks of examples keep the temporaries in cache (one 100 000-example pass made
        # fresh multi-megabyte arrays each update and ran at half the speed).
        block = max(1024, (1 << 15) // max(len(theta), 1))
        features, m = self.dataset.features, self.dataset.size
        errors = None
        if m <= block:  # one block (the engine's case, once an update): no sums to add into
            z = theta @ features.T
            sigmoid = _sigmoid(z)
            loss, gradient = _softplus(z).sum(axis=1), sigmoid @ features
            if keep_errors:
                errors = sigmoid - self.dataset.targets
        else:
            loss, gradient = np.zeros(len(theta)), np.zeros((len(theta), 2))
            for start in range(0, m, block):
                part = features[start : start + block]
                z = theta @ part.T
                loss += _softplus(z).sum(axis=1)
                gradient += _sigmoid(z) @ part
        return loss / m - theta @ self._label_pull, gradient / m - self._label_pull, errors

    def _data_hessian(self, p: np.ndarray, q: np.ndarray) -> np.ndarray:
        theta = np.stack([p.ravel(), q.ravel()], axis=-1)
        s = _sigmoid(theta @ self.dataset.features.T)
        weights = s * (1.0 - s) / self.dataset.size  # (R, m)
        features = self.dataset.features
        hessian = np.einsum("rm,mi,mj->rij", weights, features, features)
        return hessian.reshape((*p.shape, 2, 2))

    def per_example_gradients(self, theta: Any) -> np.ndarray:
        """∇ℓᵢ = (σ(zᵢ) − yᵢ) · xᵢ."""
        z = self.dataset.features @ np.asarray(theta, dtype=np.float64)
        return (_sigmoid(z) - self.dataset.targets)[:, None] * self.dataset.features

    def _data_examples_gradient(
        self, theta: np.ndarray, features: np.ndarray, targets: np.ndarray
    ) -> np.ndarray:
        z = np.einsum("rbi,ri->rb", features, theta)
        error = _sigmoid(z) - targets
        return np.einsum("rb,rbi->ri", error, features) / targets.shape[1]

    @cached_property
    def separable(self) -> bool:
        """Whether a line through the origin splits the classes cleanly.

        Then some w has yᵢ = 1 exactly where zᵢ > 0, and scaling that w up drives the
        cross-entropy to 0 without reaching it: without a penalty there is no minimum. In the
        plane that happens when the points vᵢ = ±xᵢ (+ for class 1) all lie in an open
        half-plane: when the widest angular gap between them exceeds π.
        """
        signed = np.where(self.dataset.targets[:, None] == 1.0, 1.0, -1.0) * self.dataset.features
        signed = signed[np.any(signed != 0.0, axis=1)]
        if len(signed) == 0:
            return False
        angles = np.sort(np.arctan2(signed[:, 1], signed[:, 0]))
        gaps = np.diff(np.append(angles, angles[0] + 2 * math.pi))
        return bool(gaps.max() > math.pi)

    def _minimum(self) -> tuple[float, float] | None:
        """Newton's method with backtracking (proximal gradient when λ₁ > 0). None when there
        is no single minimum: separable classes without a penalty, or a flat direction."""
        if not (self.l1 or self.l2) and self.separable:
            return None
        if self.l1:
            return self._proximal_minimum()
        theta = np.zeros(2)
        for _ in range(100):
            loss, gradient = self.value_and_gradient(*theta)
            if np.linalg.norm(gradient) < 1e-13:
                break
            try:
                step = np.linalg.solve(self.hessian(*theta), gradient)
            except np.linalg.LinAlgError:
                return None
            t = 1.0
            while t > 1e-10 and self.value(*(theta - t * step)) > loss - 1e-4 * t * (
                gradient @ step
            ):
                t /= 2
            theta = theta - t * step
        converged = np.isfinite(theta).all() and np.linalg.norm(self.gradient(*theta)) < 1e-9
        return (float(theta[0]), float(theta[1])) if converged else None

    def _proximal_minimum(self) -> tuple[float, float] | None:
        """FISTA: gradient steps on the smooth part, then soft-thresholding for λ₁‖w‖₁."""
        smooth = LogisticRegression(self.dataset, 0.0, self.l2)
        features = self.dataset.features
        lipschitz = 0.25 * np.linalg.eigvalsh(features.T @ features / self.dataset.size)[
            -1
        ] + 2.0 * (self.l2)
        step = 1.0 / lipschitz
        theta = momentum = np.zeros(2)
        t = 1.0
        for _ in range(50_000):
            moved = momentum - step * smooth.gradient(*momentum)
            new = np.sign(moved) * np.maximum(np.abs(moved) - step * self.l1, 0.0)
            t_next = (1 + math.sqrt(1 + 4 * t * t)) / 2
            momentum = new + (t - 1) / t_next * (new - theta)
            if np.abs(new - theta).max() < 1e-13:
                return (float(new[0]), float(new[1]))
            theta, t = new, t_next
        return (float(theta[0]), float(theta[1]))

    @property
    def formula(self) -> str:
        penalty = _penalty_latex(self.l1, self.l2, r"\|w\|^2", r"\|w\|_1")
        return (
            r"L(w_1, w_2) = \frac{1}{m}\sum_{i=1}^{m} \left[\log\left(1 + e^{z_i}\right)"
            r" - y_i z_i\right],\quad z_i = w_1 x_{1i} + w_2 x_{2i}" + penalty
        )


def _penalty_latex(l1: float, l2: float, square: str, absolute: str) -> str:
    terms = []
    if l2:
        terms.append(f"{l2:g}\\,{square}")
    if l1:
        terms.append(f"{l1:g}\\,{absolute}")
    return "".join(f" + {term}" for term in terms)


def _softplus_sums_on_grid(p: np.ndarray, q: np.ndarray, features: np.ndarray) -> np.ndarray | None:
    """Σᵢ log(1 + e^{pⱼ x₁ᵢ + q_k x₂ᵢ}) for every grid point (q_k, pⱼ), shape (len(q), len(p)).

    The exponential of a sum is a product, e^{p x₁ + q x₂} = e^{p x₁} · e^{q x₂}, so the
    exponentials are taken on the two axes only (len(p) + len(q) per example, not their
    product); and a sum of logs is the log of a product, so one log serves a block of
    examples. What is left per grid point and example is a multiply, an add and a multiply.
    The block is as long as keeps the product of (1 + e^z) ≤ (1 + e^{z_max})^block finite;
    None when |z| can exceed 700 (the caller then evaluates directly).
    """
    a = np.abs(features)
    reach = float(np.abs(p).max() * a[:, 0].max() + np.abs(q).max() * a[:, 1].max())
    if not reach < 700:
        return None
    block = int(max(1, min(64, 700 // (reach + math.log(2)))))
    across = np.exp(np.multiply.outer(features[:, 0], p))  # (m, len(p))
    down = np.exp(np.multiply.outer(features[:, 1], q))  # (m, len(q))
    total = np.zeros((len(q), len(p)))
    product = np.empty((block, len(q), len(p)))
    for start in range(0, len(features), block):
        stop = min(start + block, len(features))
        part = product[: stop - start]
        np.multiply(down[start:stop, :, None], across[start:stop, None, :], out=part)
        part += 1.0
        total += np.log(np.multiply.reduce(part, axis=0))
    return total


def make_model(kind: str, dataset: Dataset, *, l1: float = 0.0, l2: float = 0.0) -> _Model:
    """``"linear"`` or ``"logistic"`` over ``dataset``."""
    if kind == "linear":
        return LinearRegression(dataset, l1, l2)
    if kind == "logistic":
        return LogisticRegression(dataset, l1, l2)
    raise ValueError(f"unknown model {kind!r}; choose linear or logistic")


def suggested_rate(model: _Model) -> float:
    """A rate all three variants (batch, mini-batch, stochastic) can take.

    Batch descent is stable below 2/λ_max of the Hessian at the minimum; a stochastic step on
    example i only below 2/λᵢ, λᵢ the largest curvature of that example's loss: 2(xᵢ² + 1) for
    the squared error, at most ‖xᵢ‖²/4 for the cross-entropy (plus 2λ₂ from a ridge penalty).
    The rate is min(1/λ_max, 1.5/max λᵢ), rounded down to two significant digits: batch descent
    converges there within the default budget on the built-in data (but crawls along the
    ravine of an unscaled feature), and SGD hovers near the minimum without being thrown out.
    """
    features = model.dataset.features
    if model.kind == "linear":
        example = 2.0 * float(np.max(features[:, 0] ** 2 + 1.0))
    else:
        example = 0.25 * float(np.max(np.einsum("ij,ij->i", features, features)))
    point = model.minimum or (0.0, 0.0)
    largest = float(np.linalg.eigvalsh(model.hessian(*point))[-1])
    rate = min(1.0 / largest, 1.5 / (example + 2.0 * model.l2))
    exponent = math.floor(math.log10(rate)) - 1
    return round(math.floor(rate / 10.0**exponent) * 10.0**exponent, -exponent)


def suggested_view(
    model: _Model, start: tuple[float, float]
) -> tuple[tuple[float, float], tuple[float, float]]:
    """A square window (equal scales, so a ravine looks like one) holding the start and the
    minimum with a margin; around the start when there is no minimum."""
    start_point = np.asarray(start, dtype=np.float64)
    target = np.asarray(model.minimum, dtype=np.float64) if model.minimum else start_point
    centre = (start_point + target) / 2
    half = max(0.9 * float(np.abs(target - start_point).max()), 1.0)  # room for SGD to wander
    return (
        (float(centre[0] - half), float(centre[0] + half)),
        (float(centre[1] - half), float(centre[1] + half)),
    )
