"""The command line: flags, output formats, and one-line errors with exit status 2."""

import csv
import io
import json
import subprocess
import sys

import pytest

from gdviz.__main__ import format_result, main
from gdviz.engine import run
from gdviz.optimizers import make_optimizer


def run_cli(capsys, *args):
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_json_has_every_run_with_its_path(capsys):
    code, out, _ = run_cli(
        capsys, "run", "--function", "x^2 + 10y^2", "--start=-1.5,2", "--start", "1,1",
        "--lr", "0.01", "--lr", "0.09", "--lr", "0.11", "--format", "json",
    )  # fmt: skip
    assert code == 0
    runs = json.loads(out)["runs"]
    assert [(r["start"], r["lr"]) for r in runs[:3]] == [
        ([-1.5, 2.0], 0.01),
        ([-1.5, 2.0], 0.09),
        ([-1.5, 2.0], 0.11),
    ]
    assert len(runs) == 6
    assert [r["status"] for r in runs[:3]] == ["max_steps", "converged", "diverged"]
    for r in runs:
        assert len(r["path"]) == len(r["loss"]) == r["nit"] + 1
        assert r["path"][0] == r["start"]
    assert runs[2]["message"].startswith("diverged at step")


def test_csv_has_one_row_per_run(capsys):
    code, out, _ = run_cli(capsys, "run", "--surface", "two_basins", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0
    assert list(rows[0]) == ["start_x", "start_y", "lr", "status", "nit", "x", "y", "f"]
    assert [row["status"] for row in rows] == ["max_steps", "converged", "diverged"]


def test_text_output_and_surface_defaults(capsys):
    code, out, _ = run_cli(capsys, "run", "--surface", "round_bowl")
    assert code == 0
    assert len(out.strip().splitlines()) == 3
    assert "converged in" in out


def test_hyperparameters_schedule_clipping_and_noise(capsys):
    code, out, _ = run_cli(
        capsys, "run", "--surface", "rosenbrock", "--optimizer", "adam", "--lr", "0.02",
        "--beta1", "0.8", "--amsgrad", "--schedule", "exp(gamma=0.999)", "--clip-norm", "10",
        "--noise", "0.1", "--seed", "3", "--steps", "300", "--format", "json",
    )  # fmt: skip
    assert code == 0
    first = json.loads(out)
    _, again, _ = run_cli(
        capsys, "run", "--surface", "rosenbrock", "--optimizer", "adam", "--lr", "0.02",
        "--beta1", "0.8", "--amsgrad", "--schedule", "exp(gamma=0.999)", "--clip-norm", "10",
        "--noise", "0.1", "--seed", "3", "--steps", "300", "--format", "json",
    )  # fmt: skip
    assert json.loads(again) == first


def test_nesterov_flag_and_stopping_rules(capsys):
    code, out, _ = run_cli(
        capsys, "run", "--function", "x^2+y^2", "--start", "1,1", "--lr", "0.1", "--momentum", "0.5",
        "--nesterov", "--optimizer", "momentum", "--gtol", "0", "--xtol", "0", "--ftol", "1e-3",
    )  # fmt: skip
    assert code == 0
    assert "loss changed by less than ftol" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "--function", "x^2 + z"], "unknown name 'z'"),
        (["run", "--function", "__import__('os')"], "unexpected character"),
        (["run", "--surface", "nope"], "no surface 'nope'"),
        (["run", "--function", "x", "--lr", "abc"], "not a number: 'abc'"),
        (["run", "--function", "x", "--lr", "-1"], "must be positive"),
        (["run", "--function", "x", "--start", "1"], "expected X,Y"),
        (["run", "--function", "x", "--steps", "1.5"], "not a whole number"),
        (["run", "--function", "x", "--bogus"], "unrecognized arguments: --bogus"),
        (["run", "--function", "x", "--optimizer", "sgd9"], "invalid choice"),
        (
            ["run", "--function", "x", "--optimizer", "adam", "--alpha", "0.9"],
            "--alpha does not apply to adam",
        ),
        (["run", "--function", "x", "--schedule", "warp(9)"], "unknown schedule"),
        (["run", "--function", "x", "--surface", "saddle"], "not allowed with argument"),
        (["run"], "one of the arguments --function --surface --dataset is required"),
        ([], "required"),
    ],
)
def test_bad_input_exits_2_with_one_line(capsys, args, message):
    code, out, err = run_cli(capsys, *args)
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert err.startswith("gdviz: error: ")
    assert message in err


def test_module_entry_point_runs_without_a_traceback():
    done = subprocess.run(
        [sys.executable, "-m", "gdviz", "run", "--function", "1/0"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("gdviz: error: the formula is undefined")


def test_surfaces_command_lists_the_library(capsys):
    code, out, _ = run_cli(capsys, "surfaces")
    assert code == 0
    assert "rosenbrock" in out
    assert len(out.splitlines()) >= 18


def test_dataset_runs_batch_minibatch_and_sgd_with_epochs(capsys):
    """--dataset with --batch-size and --epochs: the budget is epochs × ⌈m/b⌉ updates."""
    for batch_size, updates in ((None, 3), (32, 21), (1, 600)):
        args = [
            "run",
            "--dataset",
            "noisy_line",
            "--epochs",
            "3",
            "--lr",
            "0.01",
            "--format",
            "json",
        ]
        if batch_size:
            args += ["--batch-size", str(batch_size)]
        code, out, _ = run_cli(capsys, *args)
        assert code == 0
        record = json.loads(out)["runs"][0]
        assert record["nit"] == updates
        assert record["epochs"] == pytest.approx(3.0, rel=0.1)


def test_dataset_scale_and_penalties_change_the_result(capsys):
    """--scale turns the unscaled feature's divergence at lr 0.1 into convergence; --l2 moves θ*."""
    _, raw, _ = run_cli(capsys, "run", "--dataset", "unscaled_feature", "--lr", "0.1")
    _, scaled, _ = run_cli(capsys, "run", "--dataset", "unscaled_feature", "--lr", "0.1", "--scale")
    assert "diverged" in raw
    assert "converged" in scaled
    _, plain, _ = run_cli(capsys, "run", "--dataset", "noisy_line", "--format", "csv")
    _, ridge, _ = run_cli(capsys, "run", "--dataset", "noisy_line", "--l2", "1", "--format", "csv")
    w_plain = float(next(csv.DictReader(io.StringIO(plain)))["x"])
    w_ridge = float(next(csv.DictReader(io.StringIO(ridge)))["x"])
    assert 0 < w_ridge < w_plain  # ridge shrinks the slope


def test_dataset_from_a_csv_file_and_logistic_model(capsys, tmp_path):
    """A CSV path is read and validated; three columns fit a logistic model."""
    path = tmp_path / "classes.csv"
    path.write_text("a,b,label\n1,2,yes\n3,4,1\n5,6,0\n")
    code, _, err = run_cli(capsys, "run", "--dataset", str(path))
    assert code == 2
    assert "row 2, column 3: 'yes' is not a number" in err
    path.write_text("a,b,label\n1,2,1\n-1,-1,0\n2,0.5,1\n-2,1,0\n0.5,-1,1\n")
    code, out, _ = run_cli(
        capsys, "run", "--dataset", str(path), "--l2", "0.1", "--model", "logistic"
    )
    assert code == 0
    assert "converged" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--dataset", "iris"], "neither a built-in data set"),
        (["--dataset", "noisy_line", "--model", "logistic"], "classification data set"),
        (["--dataset", "noisy_line", "--batch-size", "0"], "--batch-size must be at least 1"),
        (["--dataset", "noisy_line", "--l1", "-1"], "must be ≥ 0"),
        (["--function", "x^2", "--batch-size", "4"], "--batch-size applies to --dataset only"),
        (["--surface", "ravine", "--scale", "--l2", "1"], "--scale, --l2 apply to --dataset only"),
    ],
)
def test_bad_dataset_input_exits_2_with_one_line(capsys, args, message):
    code, _, err = run_cli(capsys, "run", *args)
    assert code == 2
    assert message in err
    assert err.count("\n") == 1


def test_datasets_command_lists_the_builtin_data_sets(capsys):
    code, out, _ = run_cli(capsys, "datasets")
    assert code == 0
    for name in ("clean_line", "noisy_line", "unscaled_feature", "two_classes"):
        assert name in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--steps", "100000000000"], "at most 100,000 steps"),
        (["--steps", "99999999999999999999"], "at most 100,000 steps"),
    ],
)
def test_step_budgets_are_bounded_with_one_line(capsys, args, message):
    code, out, err = run_cli(capsys, "run", "--surface", "rosenbrock", *args)
    assert code == 2
    assert out == ""
    assert message in err
    assert len(err.strip().splitlines()) == 1


def test_an_epoch_budget_is_bounded_with_one_line(capsys):
    code, _, err = run_cli(capsys, "run", "--dataset", "noisy_line", "--epochs", "1e300")
    assert code == 2
    assert "means 1e+300 updates of 200 examples: at most 100,000 updates" in err
    assert len(err.strip().splitlines()) == 1


def test_json_is_strict_when_a_start_is_outside_the_domain(capsys):
    """log(x) from (1, 1) and (−1, 1): the good run survives, the undefined one has f = null."""
    code, out, _ = run_cli(
        capsys, "run", "--function", "log(x)", "--start=1,1", "--start=-1,1", "--lr", "0.1",
        "--format", "json",
    )  # fmt: skip
    assert code == 0
    runs = json.loads(out)["runs"]
    assert runs[0]["f"] is not None
    assert (runs[1]["rule"], runs[1]["f"], runs[1]["loss"]) == ("undefined", None, [None])


def test_data_lessons_share_the_app_budget_of_1000_updates(capsys):
    """noisy_line converges at update 702: within the app's budget, which the CLI now uses."""
    code, out, _ = run_cli(capsys, "run", "--dataset", "noisy_line")
    assert code == 0
    assert "converged  at global minimum" in out
    assert "converged in 702 updates" in out


def test_without_lr_every_optimizer_gets_the_app_s_proposed_rates(capsys):
    """Adam on the plateau: the same slow, good and diverging rates as the app's page."""
    from gdviz.lesson import Settings, build_lesson

    code, out, _ = run_cli(
        capsys, "run", "--surface", "plateau", "--optimizer", "adam", "--format", "json"
    )
    assert code == 0
    lesson = build_lesson(Settings(surface="plateau", optimizer="adam"))
    rates = [r["lr"] for r in json.loads(out)["runs"]]
    assert rates == list(lesson.rates)
    assert json.loads(out)["runs"][1]["stop"] == "global minimum"
    # The sweep's own runs of those rates, printed as a run of them prints.
    direct = run(
        lesson.objective, make_optimizer("adam"), [lesson.start], rates, steps=lesson.steps,
        view=lesson.landscape.view, minima=lesson.landscape.minima,
    )  # fmt: skip
    assert out.strip() == format_result(direct, "json")


def test_text_lines_say_where_each_converged_run_stopped(capsys):
    code, out, _ = run_cli(capsys, "run", "--function", "x^2 - y^2", "--start=1.5,0", "--lr", "0.1")
    assert code == 0
    assert "converged  at saddle" in out
    assert "— stopped at a saddle point" in out


# -- maps of many runs: sweep, phase, basins ------------------------------------------------------


def test_sweep_csv_has_one_row_per_rate_and_diverges_above_the_bound(capsys):
    code, out, _ = run_cli(
        capsys, "sweep", "--function", "x^2 + 10y^2", "--start", "1.5,1.5", "--from", "1e-3",
        "--to", "1", "--count", "25", "--steps", "1000", "--format", "csv",
    )  # fmt: skip
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0]) == ["lr", "status", "stopped_at", "nit", "x", "y", "f"]
    assert len(rows) == 25
    for row in rows:
        lr = float(row["lr"])
        assert (row["status"] == "diverged") == (lr > 0.1), row
        assert (row["stopped_at"] != "") == (row["status"] == "converged")


def test_sweep_text_names_the_narrowed_range_the_fastest_rate_and_the_bound(capsys):
    code, out, _ = run_cli(capsys, "sweep", "--function", "x^2 + 10y^2", "--steps", "1000")
    assert code == 0
    assert "narrowed from 1e-06 to 1000" in out
    assert "2/λ_max = 0.1" in out
    assert "fastest to a minimum: lr = " in out


def test_phase_csv_rows_and_theory_agreement(capsys):
    code, out, _ = run_cli(
        capsys, "phase", "--function", "x^2 + 10y^2", "--optimizer", "momentum", "--param",
        "momentum", "--values", "0,0.9,4", "--count", "6", "--format", "csv",
    )  # fmt: skip
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0]) == ["lr", "param", "status", "stopped_at", "nit", "f"]
    assert len(rows) == 24
    assert {float(row["param"]) for row in rows} == {0.0, 0.3, 0.6, 0.9}
    code, out, _ = run_cli(
        capsys, "phase", "--function", "x^2 + 10y^2", "--optimizer", "momentum", "--param",
        "momentum", "--values", "0,0.9,4", "--count", "6",
    )  # fmt: skip
    assert "theory (lr < 2(1 + μ)/λ_max) and measurement agree" in out


def test_nesterovs_phase_map_starts_its_momentum_above_zero(capsys):
    """torch refuses μ = 0 with Nesterov: the default values start at 0.01; a range the user
    gives from 0 is refused naming that value (not a run of the grid)."""
    code, out, _ = run_cli(
        capsys, "phase", "--function", "x^2 + 10y^2", "--optimizer", "nesterov", "--param",
        "momentum", "--count", "3", "--steps", "50", "--format", "csv",
    )  # fmt: skip
    assert code == 0
    values = sorted({float(row["param"]) for row in csv.DictReader(io.StringIO(out))})
    assert (values[0], values[-1], len(values)) == (0.01, 0.99, 40)
    code, _, err = run_cli(
        capsys, "phase", "--function", "x^2 + 10y^2", "--optimizer", "nesterov", "--param",
        "momentum", "--values", "0,0.9,4", "--count", "3",
    )  # fmt: skip
    assert code != 0
    assert "momentum must be in (0, 1) for Nesterov, got 0.0" in err
    assert "run" not in err


def test_basins_json_names_the_minimum_each_start_reached(capsys):
    code, out, _ = run_cli(
        capsys, "basins", "--surface", "himmelblau", "--lr", "0.01", "--grid", "12",
        "--steps", "300", "--format", "json",
    )  # fmt: skip
    assert code == 0
    data = json.loads(out)
    rows = data["rows"]
    assert len(rows) == 144
    assert set(rows[0]) == {"start_x", "start_y", "status", "stopped_at", "minimum", "nit", "x",
                            "y", "f"}  # fmt: skip
    reached = {row["minimum"] for row in rows}
    assert reached == {1, 2, 3, 4}
    corner = min(rows, key=lambda row: (row["start_x"] - 3) ** 2 + (row["start_y"] - 2) ** 2)
    assert corner["minimum"] == 1  # the first listed minimum, (3, 2)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["sweep", "--surface", "ravine", "--count", "1"], "between 2 and"),
        (["sweep", "--surface", "ravine", "--from", "-1"], "must be positive"),
        (["basins", "--surface", "ravine", "--grid", "100000"], "between 2 and 400"),
        (["phase", "--surface", "ravine", "--optimizer", "adam", "--param", "momentum"],
         "momentum is not a hyperparameter of adam"),
        (["phase", "--surface", "ravine", "--optimizer", "momentum", "--param", "momentum",
          "--momentum", "0.5"], "--param momentum is the axis"),
        (["phase", "--surface", "ravine", "--optimizer", "momentum", "--param", "momentum",
          "--values", "0,1"], "LOW,HIGH,N"),
    ],
)  # fmt: skip
def test_map_commands_refuse_bad_input_in_one_line(capsys, args, message):
    code, out, err = run_cli(capsys, *args)
    assert code == 2
    assert out == ""
    assert message in err
    assert len(err.strip().splitlines()) == 1
