"""Data-backed landscapes: the models' losses and gradients, and batch/mini-batch/SGD runs."""

from __future__ import annotations

import numpy as np
import pytest

from gdviz.batches import MiniBatches
from gdviz.datasets import Dataset, get_dataset, standardize
from gdviz.engine import run
from gdviz.optimizers import OPTIMIZERS, make_optimizer
from gdviz.regression import LinearRegression, LogisticRegression, make_model

LINEAR_DATA = ("clean_line", "noisy_line", "unscaled_feature")


def _naive_linear_loss(dataset: Dataset, w: float, b: float, l1: float = 0, l2: float = 0):
    x, y = dataset.features[:, 0], dataset.targets
    return np.mean((w * x + b - y) ** 2) + l2 * w * w + l1 * abs(w)


def _naive_logistic_loss(dataset: Dataset, w1: float, w2: float, l1: float = 0, l2: float = 0):
    z = dataset.features @ np.array([w1, w2])
    log_p, log_not_p = -np.logaddexp(0, -z), -np.logaddexp(0, z)  # log σ(z), log(1 − σ(z))
    y = dataset.targets
    cross_entropy = -np.mean(y * log_p + (1 - y) * log_not_p)
    return cross_entropy + l2 * (w1 * w1 + w2 * w2) + l1 * (abs(w1) + abs(w2))


def _finite_difference(f, theta, h=1e-6):
    theta = np.asarray(theta, dtype=np.float64)
    return np.array([(f(*(theta + h * e)) - f(*(theta - h * e))) / (2 * h) for e in np.eye(2)])


POINTS = [(0.0, 0.0), (0.3, -1.2), (-2.0, 2.5), (1.1, 0.7)]


@pytest.mark.parametrize("name", LINEAR_DATA)
@pytest.mark.parametrize("penalties", [(0.0, 0.0), (0.0, 0.3), (0.2, 0.0), (0.1, 0.5)])
def test_linear_loss_matches_the_mean_squared_error_written_out(name, penalties):
    """The closed form around θ_ls equals (1/m)Σ(w x + b − y)² + λ₂w² + λ₁|w| at any θ."""
    dataset = get_dataset(name)
    l1, l2 = penalties
    model = LinearRegression(dataset, l1, l2)
    for w, b in POINTS:
        expected = _naive_linear_loss(dataset, w, b, l1, l2)
        assert model.value(w, b) == pytest.approx(expected, rel=1e-12, abs=1e-12)
        loss, _ = model.value_and_gradient(np.array([w]), np.array([b]))
        assert loss[0] == pytest.approx(expected, rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("penalties", [(0.0, 0.0), (0.0, 0.3), (0.2, 0.0), (0.1, 0.5)])
def test_logistic_loss_matches_the_cross_entropy_written_out(penalties):
    """log(1 + e^z) − y z is the cross-entropy of σ(z) against y, plus the penalties."""
    dataset = get_dataset("two_classes")
    l1, l2 = penalties
    model = LogisticRegression(dataset, l1, l2)
    for w1, w2 in POINTS:
        expected = _naive_logistic_loss(dataset, w1, w2, l1, l2)
        assert model.value(w1, w2) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    "model",
    [
        LinearRegression(get_dataset("noisy_line"), 0.0, 0.2),
        LinearRegression(get_dataset("unscaled_feature")),
        LogisticRegression(get_dataset("two_classes"), 0.0, 0.1),
    ],
    ids=["linear-l2", "linear-unscaled", "logistic-l2"],
)
def test_gradient_and_hessian_match_finite_differences(model):
    """∇L and H agree with central differences of L and ∇L."""
    for theta in [(0.3, -1.2), (-0.9, 2.5), (1.1, 0.7)]:
        gradient = model.gradient(*theta)
        assert np.allclose(gradient, _finite_difference(model.value, theta), rtol=1e-6, atol=1e-6)
        hessian = model.hessian(*theta)
        numeric = np.stack(
            [_finite_difference(lambda p, q, i=i: model.gradient(p, q)[i], theta) for i in (0, 1)]
        )
        assert np.allclose(hessian, numeric, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(("kind", "name"), [("linear", "noisy_line"), ("logistic", "two_classes")])
def test_per_example_gradients_match_finite_differences_of_each_example_loss(kind, name):
    """∇ℓᵢ for each example i equals the central difference of that example's own loss."""
    dataset = get_dataset(name, size=12)
    model = make_model(kind, dataset)
    theta = np.array([0.4, -0.7])
    gradients = model.per_example_gradients(theta)
    assert gradients.shape == (12, 2)
    for i in range(12):
        single = Dataset(
            "one", dataset.task, dataset.features[i : i + 1], dataset.targets[i : i + 1]
        )
        one = make_model(kind, single) if kind == "logistic" else None
        if kind == "linear":
            loss = lambda w, b, i=i: (w * dataset.features[i, 0] + b - dataset.targets[i]) ** 2  # noqa: E731
        else:
            loss = one.value
        assert np.allclose(gradients[i], _finite_difference(loss, theta), rtol=1e-6, atol=1e-8)
    # and their mean is the full-data gradient
    assert np.allclose(gradients.mean(axis=0), model.gradient(*theta), rtol=1e-12, atol=1e-14)


def test_the_minimum_is_the_closed_form_least_squares_solution():
    """θ* = np.linalg.lstsq of [x 1] against y, and ∇L(θ*) = 0."""
    for name in LINEAR_DATA:
        dataset = get_dataset(name)
        design = np.column_stack([dataset.features[:, 0], np.ones(dataset.size)])
        expected, *_ = np.linalg.lstsq(design, dataset.targets, rcond=None)
        model = LinearRegression(dataset)
        assert np.allclose(model.minimum, expected, rtol=1e-10, atol=1e-12)
        assert np.allclose(model.gradient(*model.minimum), 0.0, atol=1e-10)


@pytest.mark.parametrize(("l1", "l2"), [(0.0, 0.5), (0.3, 0.0), (0.3, 0.5), (5.0, 0.0)])
def test_penalized_linear_minimum_is_where_the_subgradient_contains_zero(l1, l2):
    """Ridge and lasso minima: ∂L/∂b = 0, and 0 ∈ ∂L/∂w (|smooth part| ≤ λ₁ at w = 0)."""
    model = LinearRegression(get_dataset("noisy_line"), l1, l2)
    w, b = model.minimum
    smooth = LinearRegression(model.dataset, 0.0, l2).gradient(w, b)
    assert smooth[1] == pytest.approx(0.0, abs=1e-10)
    if w == 0.0:
        assert abs(smooth[0]) <= l1 + 1e-10
    else:
        assert smooth[0] + l1 * np.sign(w) == pytest.approx(0.0, abs=1e-10)
    neighbours = [model.value(w + dw, b + db) for dw in (-1e-4, 0, 1e-4) for db in (-1e-4, 0, 1e-4)]
    assert model.value(w, b) <= min(neighbours) + 1e-15
    if l1 == 5.0:
        assert w == 0.0  # a strong lasso penalty switches the feature off


@pytest.mark.parametrize(("l1", "l2"), [(0.0, 0.0), (0.0, 0.1), (0.05, 0.0)])
def test_logistic_minimum_is_stationary_and_lowest(l1, l2):
    """Newton (or FISTA with λ₁) finds the point no neighbour improves on."""
    model = LogisticRegression(get_dataset("two_classes"), l1, l2)
    w1, w2 = model.minimum
    best = model.value(w1, w2)
    for d1 in (-1e-4, 0, 1e-4):
        for d2 in (-1e-4, 0, 1e-4):
            assert best <= model.value(w1 + d1, w2 + d2) + 1e-14
    if l1 == 0:
        assert np.linalg.norm(model.gradient(w1, w2)) < 1e-10


def test_separable_classes_without_a_penalty_have_no_minimum_but_l2_gives_one():
    """Cleanly separated classes: the loss falls forever as |w| grows, unless penalized."""
    features = np.array([[1.0, 2.0], [2.0, 1.0], [-1.0, -2.0], [-2.0, -0.5]])
    data = Dataset("separable", "classification", features, np.array([1.0, 1.0, 0.0, 0.0]))
    assert LogisticRegression(data).minimum is None
    assert LogisticRegression(data, 0.0, 0.1).minimum is not None


def test_logistic_grid_equals_pointwise_evaluation():
    """The contour grid (exp of a sum as a product, a log per block) matches L point by point."""
    rng = np.random.default_rng(3)
    features = rng.normal(0, 2, (500, 2))
    data = Dataset("g", "classification", features, (rng.random(500) < 0.5).astype(float))
    model = LogisticRegression(data, 0.1, 0.2)
    w1 = np.linspace(-6, 6, 41)
    w2 = np.linspace(-5, 7, 37)
    grid = model.value(w1[None, :], w2[:, None])
    assert grid.shape == (37, 41)
    direct = np.array([[_naive_logistic_loss(data, a, b, 0.1, 0.2) for a in w1] for b in w2])
    assert np.allclose(grid, direct, rtol=1e-11)
    # a grid reaching |z| > 700 falls back to direct evaluation, still without overflow
    far = model.value(np.array([[-400.0, 0.0, 400.0]]), np.array([[300.0]]))
    assert np.isfinite(far).all()
    assert far[0, 1] == pytest.approx(_naive_logistic_loss(data, 0.0, 300.0, 0.1, 0.2), rel=1e-9)


def test_scaling_changes_the_condition_number_as_computed_by_hand():
    """Linear MSE: H = 2[[E x², E x], [E x, 1]]; standardized x has E x = 0, E x² = 1, so H = 2I."""
    x = np.array([10.0, 20.0, 30.0, 40.0])
    data = Dataset("by hand", "regression", x[:, None], 0.5 * x + 1.0)
    model = LinearRegression(data)
    # E x = 25, E x² = 750: H = 2[[750, 25], [25, 1]]; eigenvalues of [[750, 25], [25, 1]]:
    # λ = (751 ± sqrt(749² + 4·625)) / 2
    root = np.sqrt(749.0**2 + 4 * 625.0)
    expected = (751 + root) / (751 - root)
    assert np.allclose(model.hessian(0.0, 0.0), 2 * np.array([[750.0, 25.0], [25.0, 1.0]]))
    assert model.condition_number() == pytest.approx(expected, rel=1e-9)
    assert expected > 3000
    scaled = LinearRegression(standardize(data))
    assert np.allclose(scaled.hessian(0.0, 0.0), 2 * np.eye(2))
    assert scaled.condition_number() == pytest.approx(1.0, rel=1e-12)


def _plain_gd_on_full_data(dataset: Dataset, theta, lr: float, steps: int) -> np.ndarray:
    """The seed documents' loop: θ ← θ − α (2/m) Xᵀ(Xθ − y), written out."""
    design = np.column_stack([dataset.features[:, 0], np.ones(dataset.size)])
    theta = np.array(theta, dtype=np.float64)
    path = [theta.copy()]
    for _ in range(steps):
        gradient = (2 / dataset.size) * design.T @ (design @ theta - dataset.targets)
        theta = theta - lr * gradient
        path.append(theta.copy())
    return np.array(path)


def test_full_batch_variant_equals_plain_gd_on_the_full_data_loss():
    """Batch (b = m) steps are the textbook full-data GD steps, to 1e-12."""
    dataset = get_dataset("noisy_line")
    model = LinearRegression(dataset)
    result = run(
        model, make_optimizer("gd"), [(-1.0, 4.0)], [0.05], steps=200, gtol=0, xtol=0,
        batches=MiniBatches(model, dataset.size),
    )  # fmt: skip
    expected = _plain_gd_on_full_data(dataset, (-1.0, 4.0), 0.05, 200)
    assert np.allclose(result.paths[0], expected, rtol=1e-12, atol=1e-12)


def test_minibatch_with_b_equal_to_m_equals_batch():
    """b = m (or larger) is batch descent: identical paths."""
    model = LinearRegression(get_dataset("noisy_line"))
    common = {"steps": 150, "gtol": 0, "xtol": 0}
    batch = run(model, make_optimizer("gd"), [(0, 0)], [0.05], **common)
    for b in (model.dataset.size, 10 * model.dataset.size):
        same = run(
            model, make_optimizer("gd"), [(0, 0)], [0.05], batches=MiniBatches(model, b), **common
        )
        assert np.array_equal(same.paths, batch.paths)


def test_minibatch_with_every_batch_a_permutation_of_the_data_has_the_full_mean():
    """Summing the batches of one epoch visits every example exactly once."""
    model = LinearRegression(get_dataset("noisy_line", size=10))
    assert len(set(model.dataset.features[:, 0].tolist())) == 10  # examples told apart by x
    seen: list[np.ndarray] = []

    class Recording(LinearRegression):
        def examples_gradient(self, theta, features, targets):
            seen.append(features[0, :, 0].copy())
            return super().examples_gradient(theta, features, targets)

    recording = Recording(model.dataset)
    batches = MiniBatches(recording, 4, seed=7)
    assert batches.steps_per_epoch == 3
    gradient = batches.start(1)
    for k in range(1, 7):
        gradient(np.zeros((1, 2)), k, np.array([0]))
    sizes = [len(batch) for batch in seen]
    assert sizes == [4, 4, 2, 4, 4, 2]  # the last batch of an epoch is shorter
    every_x = sorted(model.dataset.features[:, 0].tolist())
    for epoch in (seen[:3], seen[3:]):
        assert sorted(np.concatenate(epoch).tolist()) == every_x
    assert not np.array_equal(np.concatenate(seen[:3]), np.concatenate(seen[3:]))


def test_a_batch_s_gradient_from_its_indices_and_from_its_examples_is_the_same():
    """``batch_gradient`` (indices) and ``examples_gradient`` (the examples, as MiniBatches
    gathers them once an epoch) agree bit for bit, penalties included, for both models."""
    rng = np.random.default_rng(3)
    for model in (
        LinearRegression(get_dataset("noisy_line"), l1=0.1, l2=0.2),
        LogisticRegression(get_dataset("two_classes"), l2=0.3),
        LogisticRegression(get_dataset("two_classes")),
    ):
        indices = rng.integers(0, model.dataset.size, (3, 7))
        theta = rng.normal(size=(3, 2))
        data = model.dataset
        examples = model.examples_gradient(theta, data.features[indices], data.targets[indices])
        assert np.array_equal(model.batch_gradient(theta, indices), examples)
        each = [model.per_example_gradients(t)[row] for t, row in zip(theta, indices, strict=True)]
        by_hand = np.mean(each, axis=1) + model._penalty_gradient(theta)
        assert np.allclose(examples, by_hand, rtol=1e-12, atol=1e-12)


def test_the_engine_evaluates_a_data_model_at_its_rows_with_the_same_numbers(monkeypatch):
    """``value_and_gradient_rows`` (the engine's points as they are) gives what
    ``value_and_gradient`` of the two columns gives, bit for bit, penalties included; the engine
    calls it, once a step."""
    rng = np.random.default_rng(5)
    theta = rng.normal(size=(4, 2))
    for model in (
        LinearRegression(get_dataset("noisy_line"), l1=0.1, l2=0.2),
        LogisticRegression(get_dataset("two_classes"), l1=0.05, l2=0.3),
        LogisticRegression(get_dataset("two_classes")),
    ):
        rows = model.value_and_gradient_rows(theta)
        columns = model.value_and_gradient(theta[:, 0], theta[:, 1])
        assert np.array_equal(rows[0], columns[0])
        assert np.array_equal(rows[1], columns[1])
    model = LogisticRegression(get_dataset("two_classes"))
    calls = []
    at_rows = LogisticRegression.value_and_gradient_rows

    def counted(self, points):
        calls.append(points.shape)
        return at_rows(self, points)

    monkeypatch.setattr(LogisticRegression, "value_and_gradient_rows", counted)
    run(model, make_optimizer("gd"), [(0, 0)], [0.1, 0.2], steps=5, gtol=0, xtol=0)
    assert calls == [(2, 2)] * 6  # the start, then once an update


def test_the_full_pass_gives_each_examples_error_where_it_visits_the_examples():
    """``value_gradient_and_errors_rows``: the same L and ∇L as ``value_and_gradient_rows``,
    bit for bit, and for the logistic model each example's error σ(zᵣᵢ) − yᵢ (so that
    eᵣᵢ·xᵢ is ∇ℓᵢ at row r); none for the linear model's closed form, nor for a logistic pass
    over more examples than one block."""
    rng = np.random.default_rng(8)
    theta = rng.normal(size=(3, 2))
    for model in (
        LogisticRegression(get_dataset("two_classes"), l1=0.05, l2=0.3),
        LogisticRegression(get_dataset("two_classes")),
        LinearRegression(get_dataset("noisy_line"), l2=0.2),
        LogisticRegression(get_dataset("two_classes", size=20_000)),
    ):
        loss, gradient, errors = model.value_gradient_and_errors_rows(theta)
        plain = model.value_and_gradient_rows(theta)
        assert np.array_equal(loss, plain[0])
        assert np.array_equal(gradient, plain[1])
        if isinstance(model, LinearRegression) or model.dataset.size > 10_000:
            assert errors is None
            continue
        assert errors is not None
        assert errors.shape == (3, model.dataset.size)
        for row, t in enumerate(theta):
            each = errors[row][:, None] * model.dataset.features
            assert np.allclose(each, model.per_example_gradients(t), rtol=0, atol=1e-15)


def test_a_batch_s_gradient_from_the_pass_s_errors_is_its_examples_gradient():
    """``errors_gradient`` (the batch's errors, from the full pass) gives what
    ``examples_gradient`` gives, to the last bits, penalties included."""
    rng = np.random.default_rng(9)
    for model in (
        LogisticRegression(get_dataset("two_classes"), l1=0.05, l2=0.3),
        LogisticRegression(get_dataset("two_classes")),
    ):
        theta = rng.normal(size=(3, 2))
        indices = rng.integers(0, model.dataset.size, (3, 7))
        errors = model.value_gradient_and_errors_rows(theta)[2]
        assert errors is not None
        chosen = np.take_along_axis(errors, indices, axis=1)
        features = model.dataset.features[indices]
        from_errors = model.errors_gradient(theta, chosen, features)
        examples = model.examples_gradient(theta, features, model.dataset.targets[indices])
        assert np.allclose(from_errors, examples, rtol=1e-13, atol=1e-15)


def test_one_run_s_batch_gradients_are_its_row_s_among_many_bit_for_bit():
    """A panel's sampler in BatchesPerRun (one run's, ``_run_sampler``) gives the numbers
    the general sampler gives for that run: from the pass's errors (a logistic model, with
    and without penalties; ``errors_gradient`` of one run's 1-D arrays) and from the
    examples (the linear model), over several epochs, for b = 1, 7 and 32."""
    rng = np.random.default_rng(10)
    for model in (
        LogisticRegression(get_dataset("two_classes"), l1=0.05, l2=0.3),
        LogisticRegression(get_dataset("two_classes")),
        LinearRegression(get_dataset("noisy_line"), l2=0.2),
    ):
        for size in (1, 7, 32):
            batches = MiniBatches(model, size, seed=5)
            general, one = batches._sampler(1), batches._run_sampler()
            for k in range(1, 3 * batches.steps_per_epoch + 2):
                theta = rng.normal(size=(1, 2))
                errors = model.value_gradient_and_errors_rows(theta)[2]
                expected = general(theta, k, np.zeros(1, dtype=np.intp), errors)
                got = one(theta, k, None if errors is None else errors[0])
                assert got.shape == (2,)
                assert np.array_equal(got, expected[0])


@pytest.mark.parametrize("optimizer", ["gd", "adam"])
def test_mini_batches_take_their_gradients_from_the_engine_s_full_pass(monkeypatch, optimizer):
    """On a logistic model the engine's full pass keeps each example's error, and every update
    takes its batches' gradients from them (no σ computed again): the same
    runs, to the last bits, as batches computed from their examples (the earlier protocol,
    which has no ``start_with_pass``), for one sampler and for the panels' BatchesPerRun."""
    from gdviz.batches import BatchesPerRun, FullPass

    model = LogisticRegression(get_dataset("two_classes"), l2=0.01)
    used = []
    errors_at = FullPass.errors_at

    def counted(self, theta):
        errors = errors_at(self, theta)
        used.append(errors is not None)
        return errors

    monkeypatch.setattr(FullPass, "errors_at", counted)

    class FromExamples:  # the same batches, without the pass's errors
        def __init__(self, batches):
            self.batches = batches

        def full_runs(self, n_runs):
            return self.batches.full_runs(n_runs)

        def start(self, n_runs):
            return self.batches.start(n_runs)

        def run_epochs(self, nit):
            return self.batches.run_epochs(nit)

    options = {"steps": 400, "view": ((-6, 6), (-6, 6))}
    for batches, rates in (
        (MiniBatches(model, 8, seed=4), [0.05, 0.5]),
        (BatchesPerRun(tuple(MiniBatches(model, b) for b in (200, 16, 1))), [0.1] * 3),
    ):
        used.clear()
        reused = run(model, make_optimizer(optimizer), [(1.0, -1.0)], rates, batches=batches,
                     **options)  # fmt: skip
        # Every update (the first from the start's pass), but one after an ended run's row was
        # dropped: the rows left are a new array, whose batches are computed from examples.
        assert len(used) == 400
        assert used.count(False) <= 1
        computed = run(model, make_optimizer(optimizer), [(1.0, -1.0)], rates,
                       batches=FromExamples(batches), **options)  # fmt: skip
        assert np.allclose(reused.paths, computed.paths, rtol=1e-12, atol=1e-12)
        assert list(reused.messages) == list(computed.messages)


def test_the_full_pass_keeps_no_errors_for_another_objective_or_other_points():
    """Errors are given only for the very points the pass evaluated last, and only when the
    engine's objective is the batches' model (another objective's pass is plain)."""
    from gdviz.batches import FullPass

    model = LogisticRegression(get_dataset("two_classes"))
    points = np.array([[0.5, -0.5], [1.0, 1.0]])
    full_pass = FullPass(model, model)
    full_pass.evaluate(points)
    assert full_pass.errors_at(points) is not None
    assert full_pass.errors_at(points.copy()) is None
    other = FullPass(model, LogisticRegression(get_dataset("two_classes")))
    other.evaluate(points)
    assert other.errors_at(points) is None


@pytest.mark.parametrize("b", [1, 32])
def test_a_fixed_seed_reproduces_sgd_exactly_and_another_seed_differs(b):
    """Same seed → the same path bit for bit; another seed → another path."""
    model = LinearRegression(get_dataset("noisy_line"))
    kwargs = {"steps": 300}

    def once(seed):
        return run(
            model,
            make_optimizer("gd"),
            [(0, 0)],
            [0.02, 0.05],
            batches=MiniBatches(model, b, seed),
            **kwargs,
        ).paths

    assert np.array_equal(once(4), once(4))
    assert not np.allclose(once(4), once(5))


def test_a_runs_batches_do_not_depend_on_the_other_runs():
    """Run r's batches come from its own stream: alone or among others, the same path."""
    model = LinearRegression(get_dataset("noisy_line"))
    batches = MiniBatches(model, 8, seed=2)
    together = run(
        model, make_optimizer("gd"), [(0, 0)], [0.01, 0.05, 40.0], steps=200, batches=batches
    )
    assert together.status[2] == "diverged"  # it stops early; the others go on
    alone = run(model, make_optimizer("gd"), [(0, 0)], [0.01], steps=200, batches=batches)
    assert np.array_equal(alone.paths[0], together.paths[0][: alone.paths.shape[1]])


def test_batch_descent_converges_to_the_least_squares_solution():
    """Full-batch GD at a stable rate ends at the closed-form solution."""
    model = LinearRegression(get_dataset("noisy_line"))
    result = run(model, make_optimizer("gd"), [(0, 0)], [0.1], steps=5000, gtol=1e-10)
    assert result.status[0] == "converged"
    assert np.allclose(result.x[0], model.least_squares, atol=1e-9)


def test_sgd_on_noisy_data_bounces_and_is_diagnosed_noisy_not_converged():
    """Constant-rate SGD never settles on data no line fits: 'noisy', near the minimum."""
    model = LinearRegression(get_dataset("noisy_line"))
    result = run(
        model, make_optimizer("gd"), [(0, 0)], [0.03], steps=600, batches=MiniBatches(model, 1)
    )
    assert result.status[0] == "max_steps"
    assert result.diagnosis[0] == "noisy"
    assert "mini-batch" in result.message(0)
    assert np.linalg.norm(result.x[0] - np.array(model.minimum)) < 0.5


def test_sgd_on_a_clean_line_converges_by_the_full_gradient():
    """When one line fits every point, every example's gradient vanishes there: SGD converges."""
    model = LinearRegression(standardize(get_dataset("clean_line")))
    result = run(
        model, make_optimizer("gd"), [(0, 0)], [0.1], steps=3000, batches=MiniBatches(model, 1)
    )
    assert result.status[0] == "converged"
    assert result.rule[0] == "gtol"


def test_a_tiny_minibatch_step_is_not_taken_for_convergence():
    """xtol and ftol need the full picture: stochastic runs stop by gtol only."""
    model = LogisticRegression(get_dataset("two_classes"))
    result = run(
        model, make_optimizer("gd"), [(0, 0)], [8.0], steps=300, xtol=1e-3, ftol=1e-3,
        batches=MiniBatches(model, 1),
    )  # fmt: skip
    assert result.rule[0] in ("max_steps", "gtol")


def test_unscaled_feature_diverges_where_the_scaled_one_converges():
    """The same rate: the ravine of the raw feature throws it out; the round bowl takes it in."""
    raw = get_dataset("unscaled_feature")
    results = [
        run(LinearRegression(data), make_optimizer("gd"), [(0, 0)], [0.1], steps=500)
        for data in (raw, standardize(raw))
    ]
    assert results[0].status[0] == "diverged"
    assert results[1].status[0] == "converged"


def test_a_model_that_flies_off_is_said_to_move_its_parameters_not_x():
    """Issue 12, item 8: "x flew more than 10 half-widths" was said of (w, b)."""
    model = make_model("linear", get_dataset("noisy_line"))
    result = run(model, make_optimizer("gd"), [(0, 0)], [5.0], steps=100,
                 batches=MiniBatches(model, model.dataset.size))  # fmt: skip
    assert result.rule[0] == "left_view"
    assert "the parameters flew more than 10 half-widths" in result.message(0)
    assert "x flew" not in result.message(0)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
@pytest.mark.parametrize(("kind", "data"), [("linear", "noisy_line"), ("logistic", "two_classes")])
def test_every_optimizer_runs_on_data_landscapes(name, kind, data):
    """All of the engine's optimizers, batch and mini-batch, give finite paths and a verdict."""
    model = make_model(kind, standardize(get_dataset(data)))
    for b in (model.dataset.size, 16):
        result = run(model, make_optimizer(name), [(0.5, -0.5)], [0.01, 0.1], steps=200,
                     batches=MiniBatches(model, b))  # fmt: skip
        assert np.isfinite(result.paths).all()
        assert set(result.status) <= {"converged", "max_steps", "diverged"}


def test_bad_model_settings_are_refused_with_a_message():
    """Negative penalties, the wrong data for a model, a batch size of 0."""
    line, classes = get_dataset("noisy_line"), get_dataset("two_classes")
    with pytest.raises(ValueError, match="l2"):
        LinearRegression(line, 0.0, -1.0)
    with pytest.raises(ValueError, match="regression data"):
        LinearRegression(classes)
    with pytest.raises(ValueError, match="classification data"):
        LogisticRegression(line)
    with pytest.raises(ValueError, match="batch size"):
        MiniBatches(LinearRegression(line), 0)
    with pytest.raises(ValueError, match="unknown model"):
        make_model("cubic", line)


def _counting_engine_calls(monkeypatch):
    """The engine calls ``gdviz.data_lesson`` makes from now on (each call's ``batches``), with its
    cached parts emptied."""
    import gdviz.data_lesson as data_lesson

    calls = []
    engine_run = data_lesson.run

    def counted(*args, **kwargs):
        calls.append(kwargs.get("batches"))
        return engine_run(*args, **kwargs)

    monkeypatch.setattr(data_lesson, "run", counted)
    for cached_part in (
        data_lesson._data_setup,
        data_lesson._panels_together,
        data_lesson._variant_run,
        data_lesson._scaling_contrast,
        data_lesson._models,
    ):
        cached_part.cache_clear()  # nothing from another test
    return calls


def test_a_data_lessons_three_panels_are_one_engine_call(monkeypatch):
    """Batch, mini-batch and stochastic descent step together (BatchesPerRun); the scaling
    contrast, which does not depend on the batch size, is kept when only that changes."""
    from gdviz.batches import BatchesPerRun
    from gdviz.lesson import Settings, build_lesson

    calls = _counting_engine_calls(monkeypatch)
    data = get_dataset("two_classes")
    first = build_lesson(Settings(dataset=data, batch_size=32, rates=(0.05,), steps=300))
    assert len(calls) == 2  # the panels, and the contrast
    assert [sampler.size for sampler in calls[0].samplers] == [data.size, 32, 1]
    calls.clear()
    second = build_lesson(Settings(dataset=data, batch_size=8, rates=(0.05,), steps=300))
    assert len(calls) == 1
    assert isinstance(calls[0], BatchesPerRun)
    assert [sampler.size for sampler in calls[0].samplers] == [data.size, 8, 1]
    assert second.notes == first.notes
    assert [len(result) for result in second.results] == [1, 1, 1]
    # With an epoch budget each panel has its own number of updates: a call each.
    calls.clear()
    build_lesson(Settings(dataset=data, batch_size=8, rates=(0.05,), epochs=3))
    assert sorted(sampler.size for sampler in calls[:3]) == [1, 8, data.size]
    assert len(calls) == 4


def test_a_data_lesson_keeps_its_models_across_rates_starts_and_batch_sizes(monkeypatch):
    """The model (and the scaling contrast's) is the same object for settings that differ only
    in rate, start or batch size, so what is cached by it (the landscape's grid, its minimum)
    holds; another penalty or scaling is another model."""
    from gdviz.figures.grid import landscape_grid
    from gdviz.lesson import Settings, build_lesson

    _counting_engine_calls(monkeypatch)
    data = get_dataset("two_classes")
    first = build_lesson(Settings(dataset=data, batch_size=32, rates=(0.05,), steps=300))
    moved = build_lesson(
        Settings(dataset=data, batch_size=8, rates=(0.2,), start=(1.0, -1.0), steps=300)
    )
    assert moved.objective is first.objective
    assert moved.data.other is first.data.other
    slower = build_lesson(Settings(dataset=data, batch_size=32, rates=(0.04,), steps=300))
    assert slower.landscape.view == first.landscape.view
    assert landscape_grid(slower.landscape) is landscape_grid(first.landscape)
    penalized = build_lesson(Settings(dataset=data, batch_size=32, rates=(0.05,), l2=0.1))
    scaled = build_lesson(Settings(dataset=data, batch_size=32, rates=(0.05,), scale=True))
    assert penalized.objective is not first.objective
    assert scaled.objective is not first.objective
    assert scaled.objective.dataset.scaled


@pytest.mark.parametrize(
    ("name", "batch", "rates", "optimizer", "extra"),
    [
        ("two_classes", 32, (0.05,), "gd", {}),
        ("two_classes", 8, (3.0,), "momentum", {"scale": True}),  # the stochastic run diverges
        ("noisy_line", 16, (), "adam", {"trace": True}),
        ("clean_line", 1000, (0.05,), "gd", {"l2": 0.1}),  # b ≥ m: two batch panels
        ("unscaled_feature", 4, (0.003,), "gd", {}),
    ],
)
def test_each_panel_of_the_one_call_is_the_run_a_call_of_its_own_gives(
    name, batch, rates, optimizer, extra
):
    """Each run of the shared call draws its own batches and keeps its own rules: the verdicts
    are those of a call of its own, and the paths agree to the last bits of the full-data sums
    (864 panels compared when this was written: every data set, batch size, optimizer and
    scaling at four rates; at most 5e-15 apart)."""
    import gdviz.data_lesson as data_lesson
    from gdviz.lesson import Settings

    data = get_dataset(name)
    settings = Settings(dataset=data, batch_size=batch, rates=rates, optimizer=optimizer, **extra)
    base = data_lesson._without_batch_size(settings)
    sizes = (data.size, min(batch, data.size), 1)
    together = data_lesson._panels_together(base, sizes)
    for size, shared in zip(sizes, together, strict=True):
        alone = data_lesson._variant_run(base, size)
        assert shared.messages == alone.messages
        for field in ("status", "rule", "diagnosis", "nit", "diverged_at", "stop", "epochs"):
            assert np.array_equal(getattr(shared, field), getattr(alone, field)), field
        assert shared.paths.shape == alone.paths.shape
        np.testing.assert_allclose(shared.paths, alone.paths, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(shared.losses, alone.losses, rtol=1e-12, atol=1e-12)
        if extra.get("trace"):
            assert shared.trace.grad.shape == alone.trace.grad.shape
            np.testing.assert_allclose(shared.trace.grad, alone.trace.grad, rtol=1e-9, atol=1e-12)
