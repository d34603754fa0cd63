"""Typed functions: what people type is accepted, anything hostile or broken is refused."""

import builtins
import math

import numpy as np
import pytest
import sympy

from gdviz.expression import MAX_LENGTH, ExpressionError, parse_function

E, PI = math.e, math.pi

# text, point, f, ∇f — every number worked out by hand.
ACCEPTED = [
    ("x^2 + 10y^2", (1, 2), 41, (2, 40)),
    ("(1-x)^2 + 100(y-x^2)^2", (-1, 2), 104, (396, 200)),  # −2(1−x) − 400x(y−x²)
    ("(1-x)^2 + 100(y-x^2)^2", (1, 1), 0, (0, 0)),
    ("sin(x)cos(y)", (0, 0), 0, (1, 0)),
    ("2x", (3, 5), 6, (2, 0)),
    ("3x y^2", (2, 1), 6, (3, 12)),
    ("100(y-x^2)", (1, 3), 200, (-200, 100)),
    ("xy", (2, 3), 6, (3, 2)),
    ("x²+y²", (1, 2), 5, (2, 4)),
    ("x**2", (3, 0), 9, (6, 0)),
    ("2pi x", (1, 0), 2 * PI, (2 * PI, 0)),
    ("e^x", (0, 0), 1, (1, 0)),
    ("exp(-x^2-y^2)", (0, 0), 1, (0, 0)),
    ("ln(x^2+1)", (1, 0), math.log(2), (1, 0)),
    ("log(1+x^2)", (0, 0), 0, (0, 0)),
    ("sqrt(x^2+y^2+1)", (2, 2), 3, (2 / 3, 2 / 3)),
    ("abs(x)+abs(y)", (-2, 3), 5, (-1, 1)),
    ("tan(x)", (0, 0), 0, (1, 0)),
    ("atan(x)", (1, 0), PI / 4, (0.5, 0)),
    ("sinh(x)", (0, 0), 0, (1, 0)),
    ("cosh(x) + y", (0, 1), 2, (0, 1)),
    ("tanh(x)", (0, 0), 0, (1, 0)),
    ("min(x, y)", (1, 2), 1, (1, 0)),
    ("max(x^2, y)", (3, 1), 9, (6, 0)),
    ("-x^2", (3, 0), -9, (-6, 0)),
    ("2^-1 x", (4, 0), 2, (0.5, 0)),
    ("x^-2", (2, 0), 0.25, (-0.25, 0)),
    ("1.5e-3x", (1000, 0), 1.5, (0.0015, 0)),
    (".5x", (4, 0), 2, (0.5, 0)),
    ("+x - -y", (1, 2), 3, (1, 1)),
    ("((x + (y)))", (1, 2), 3, (1, 1)),
    ("  x  ^  2  +  y  ", (3, 1), 10, (6, 1)),
    ("x(y+1)", (2, 3), 8, (4, 2)),
    ("(x+1)(y-1)", (1, 3), 4, (2, 2)),
    ("x/2 + y/4", (2, 4), 2, (0.5, 0.25)),
    ("2^3^2", (0, 0), 512, (0, 0)),
    ("x^2^1", (3, 0), 9, (6, 0)),
    ("sin(pi x)", (0.5, 0), 1, (0, 0)),
    ("e", (0, 0), E, (0, 0)),
    ("5", (1, 1), 5, (0, 0)),
    ("x^0.5 + y", (4, 1), 3, (0.25, 1)),
    ("asin(x) + acos(y)", (0, 0), PI / 2, (1, -1)),
    ("x2y", (3, 2), 12, (4, 6)),
]


@pytest.mark.parametrize(
    ("text", "point", "value", "gradient"), ACCEPTED, ids=[a[0] for a in ACCEPTED]
)
def test_accepted_forms_give_the_right_value_and_gradient(text, point, value, gradient):
    objective = parse_function(text)
    assert float(objective.value(*point)) == pytest.approx(value, rel=1e-12, abs=1e-12)
    np.testing.assert_allclose(objective.gradient(*point), gradient, rtol=1e-12, atol=1e-12)


CODE_INJECTION = [
    "x.real",
    "().__class__",
    "x.__class__.__bases__",
    "__import__('os').system('echo hacked')",
    "__import__",
    "__builtins__",
    "lambda: 1",
    "(lambda x: x)(2)",
    "[x for x in (1, 2)]",
    "{x for x in y}",
    "{x: y}",
    "(x for x in y)",
    "'abc'",
    '"x"',
    "f'{x}'",
    "b'x'",
    "import os",
    "eval('1')",
    "exec('x=1')",
    "open('/etc/passwd')",
    "getattr(x, 'real')",
    "factorial(5)",
    "Symbol('x')",
    "sympify('x')",
    "Integral(x, x)",
    "x = 1",
    "x; y",
    "(z := 2)",
    "x if y else 1",
    "@x",
    "`x`",
    "x # comment",
    "min(x, y=1)",
    "x[0]",
    "*x",
    "z",
    "t + x",
    "X",
    "sinx",
    "globals()",
    "os.system",
]

RESOURCE_EXHAUSTION = [
    "9**9**9",
    "9^9^9",
    "10^10^10",
    "factorial(10**9)",
    "x^1000",
    "2^1000000",
    "(" * 500 + "x" + ")" * 500,
    "-" * 500 + "x",
    "^".join(["x"] * 100),
    "x + " * 2500 + "x",
    "1" * 50,
    "1e400",
    "(x+1)^99^99",
    "+".join(["x"] * 199),
    "sin(" * 60 + "x" + ")" * 60,
    "x^(10^10)",
]

MALFORMED = [
    "",
    "   ",
    "x+",
    "(x+1",
    "x)",
    "()",
    "x**",
    "2 3",
    "sin x",
    "min(x)",
    "sin(x, y)",
    "+*x",
    "x//2",
    "x%2",
    "1/0",
    "log(0)",
    "sqrt(-1)",
    "x/(y-y)",
    "(-8)^(1/3)",
    "log(-x^2-1)",
    "0^-1",
    "x,y",
    "x..2",
    "2.3.4",
    "x^",
    "sin()",
    "&x",
]


def _expect_refusal(text: str) -> ExpressionError:
    with pytest.raises(ExpressionError) as error:
        parse_function(text)
    message = str(error.value)
    assert message, "every refusal explains itself"
    assert len(message) < 300, "a student reads the message"
    return error.value


@pytest.fixture
def no_code_runs(monkeypatch):
    """Record every call of eval/exec/sympify/parse_expr and fail if the user's text reaches one."""
    seen: list[str] = []

    def recorder(real):
        def record(*args, **kwargs):
            seen.extend(str(a) for a in args)
            return real(*args, **kwargs)

        return record

    monkeypatch.setattr(builtins, "eval", recorder(builtins.eval))
    monkeypatch.setattr(sympy, "sympify", recorder(sympy.sympify))
    monkeypatch.setattr(
        sympy.parsing.sympy_parser, "parse_expr", recorder(sympy.parsing.sympy_parser.parse_expr)
    )
    return seen


@pytest.mark.parametrize("text", CODE_INJECTION)
def test_code_injection_is_refused_and_nothing_runs(text, no_code_runs):
    _expect_refusal(text)
    assert not any(text in call for call in no_code_runs)


@pytest.mark.parametrize("text", RESOURCE_EXHAUSTION, ids=lambda t: t[:30])
def test_resource_exhaustion_is_refused(text, no_code_runs):
    error = _expect_refusal(text)
    assert any(word in str(error) for word in ("too", "unknown name", "exponent", "large"))
    assert not any(text in call for call in no_code_runs)


@pytest.mark.parametrize("text", MALFORMED)
def test_malformed_text_is_refused_with_a_reason(text, no_code_runs):
    _expect_refusal(text)


def test_the_refuse_lists_are_long_enough():
    assert len(CODE_INJECTION) + len(RESOURCE_EXHAUSTION) + len(MALFORMED) >= 50
    assert len(ACCEPTED) >= 30


@pytest.mark.parametrize(
    ("text", "message", "column"),
    [
        ("x + (y", "missing ')' at column 7 to close the '(' at column 5", 7),
        ("x)", "unmatched ')' at column 2", 2),
        ("2 * z", "unknown name 'z' at column 5 — use x and y", 5),
        ("x + 1 +", "the formula ends too soon at column 8", 8),
        ("sinx", "did you mean sin(x)?", 1),
        ("x = 1", "unexpected character '=' at column 3", 3),
        ("x^1000", "an exponent is too large", None),
        ("x" * (MAX_LENGTH + 1), "the formula is too long", None),
    ],
)
def test_messages_say_what_and_where(text, message, column):
    error = _expect_refusal(text)
    assert message in str(error)
    assert error.column == column


def test_errors_are_value_errors():
    assert issubclass(ExpressionError, ValueError)


def test_constant_derivatives_broadcast_to_the_input_shape():
    objective = parse_function("x^2 + 3y")
    x, y = np.meshgrid(np.linspace(-1, 1, 4), np.linspace(-1, 1, 3))
    gradient = objective.gradient(x, y)
    assert gradient.shape == (3, 4, 2)
    np.testing.assert_array_equal(gradient[..., 1], 3.0)
    hessian = objective.hessian(x, y)
    assert hessian.shape == (3, 4, 2, 2)
    np.testing.assert_array_equal(hessian[..., 0, 0], 2.0)
    np.testing.assert_array_equal(hessian[..., 1, 1], 0.0)
    assert objective.gradient(1.0, 2.0).shape == (2,)
    assert objective.hessian(1.0, 2.0).shape == (2, 2)
    constant = parse_function("5")
    assert constant.value(np.zeros(7), 0.0).shape == (7,)
    np.testing.assert_array_equal(constant.gradient(np.zeros(7), 0.0), 0.0)


@pytest.mark.parametrize(
    ("x", "y", "shape"),
    [
        (1.0, 2.0, ()),
        (np.ones(5), np.ones(5), (5,)),
        (np.ones((3, 4)), 2.0, (3, 4)),
        (np.ones((3, 1)), np.ones((1, 4)), (3, 4)),
    ],
)
def test_any_shape_works_in_float64(x, y, shape):
    objective = parse_function("x^2 y + sin(y)")
    assert objective.value(x, y).shape == shape
    assert objective.value(x, y).dtype == np.float64
    assert objective.gradient(x, y).shape == (*shape, 2)


def test_outside_the_domain_gives_nan_or_inf_without_warnings():
    assert np.isnan(parse_function("sqrt(x)").value(-1.0, 0.0))
    assert np.isinf(parse_function("log(x) + y").value(0.0, 0.0))
    assert np.isinf(parse_function("exp(x)").value(1000.0, 0.0))


@pytest.mark.parametrize(
    "text",
    [
        "x^2 y - sin(x y)",
        "exp(-x^2) cos(y) + x y^3",
        "log(1 + x^2 + y^2)",
        "sqrt(1 + x^2) + atan(y)",
        "tanh(x - y) x",
    ],
)
def test_gradient_and_hessian_match_finite_differences(text):
    objective = parse_function(text)
    rng = np.random.default_rng(1)
    for x, y in rng.uniform(-2, 2, size=(10, 2)):
        h = 1e-6
        numeric = [
            (objective.value(x + h, y) - objective.value(x - h, y)) / (2 * h),
            (objective.value(x, y + h) - objective.value(x, y - h)) / (2 * h),
        ]
        np.testing.assert_allclose(objective.gradient(x, y), numeric, rtol=1e-6, atol=1e-8)
        h = 1e-4
        numeric_hessian = np.stack(
            [
                (objective.gradient(x + h, y) - objective.gradient(x - h, y)) / (2 * h),
                (objective.gradient(x, y + h) - objective.gradient(x, y - h)) / (2 * h),
            ],
            axis=1,
        )
        np.testing.assert_allclose(objective.hessian(x, y), numeric_hessian, rtol=1e-5, atol=1e-6)


def test_compilation_is_shared_by_the_normalized_text():
    a = parse_function("x^2+10y^2")
    b = parse_function("x^2 + 10 y^2")
    assert a.normalized == b.normalized
    assert a._value is b._value
    assert (a.text, b.text) == ("x^2+10y^2", "x^2 + 10 y^2")


def test_latex_of_f_gradient_and_hessian():
    objective = parse_function("x^2 + 10y^2")
    assert objective.latex == "x^{2} + 10 y^{2}"
    assert "2 x" in objective.gradient_latex
    assert "20 y" in objective.gradient_latex
    assert "20" in objective.hessian_latex


def test_kinks_have_subgradients_and_zero_curvature():
    objective = parse_function("abs(x) + max(x, y)")
    # d|x|/dx = sign(0) = 0 at the kink; max(x, y) with x > y has gradient (1, 0).
    np.testing.assert_array_equal(objective.gradient(0.0, -1.0), [1.0, 0.0])
    np.testing.assert_array_equal(objective.hessian(0.5, -1.0), 0.0)
    assert np.isfinite(objective.gradient(np.linspace(-1, 1, 9), 0.0)).all()
