"""Built-in data sets and CSV uploads: every bad upload gets its own message."""

from __future__ import annotations

import numpy as np
import pytest

from gdviz.datasets import (
    BUILTIN_DATASETS,
    MAX_UPLOAD_BYTES,
    MAX_UPLOAD_ROWS,
    DataError,
    get_dataset,
    read_csv,
    standardize,
)


@pytest.mark.parametrize("name", BUILTIN_DATASETS)
def test_builtin_data_sets_are_reproducible_from_their_seed(name):
    """Same seed, same numbers; another seed, other numbers; shapes fit the task."""
    a, b, c = get_dataset(name, seed=1), get_dataset(name, seed=1), get_dataset(name, seed=2)
    assert np.array_equal(a.features, b.features)
    assert np.array_equal(a.targets, b.targets)
    assert not np.array_equal(a.features, c.features)
    width = 1 if a.task == "regression" else 2
    assert a.features.shape == (200, width)
    assert a.targets.shape == (200,)
    assert a.description
    if a.task == "classification":
        assert set(np.unique(a.targets)) == {0.0, 1.0}


def test_clean_line_lies_on_its_line_and_noisy_line_does_not():
    clean, noisy = get_dataset("clean_line"), get_dataset("noisy_line")
    assert np.allclose(clean.targets, 0.8 * clean.features[:, 0] + 1.5)
    assert np.std(noisy.targets - (0.8 * noisy.features[:, 0] + 1.5)) > 0.4


def test_unscaled_feature_has_a_large_mean_and_spread():
    x = get_dataset("unscaled_feature").features[:, 0]
    assert 40 < x.mean() < 60
    assert 10 < x.std() < 20


def test_standardize_gives_mean_zero_and_unit_spread():
    scaled = standardize(get_dataset("unscaled_feature"))
    assert scaled.scaled
    assert "standardized" in scaled.feature_names[0]
    assert scaled.features.mean() == pytest.approx(0.0, abs=1e-12)
    assert scaled.features.std() == pytest.approx(1.0, rel=1e-12)
    assert standardize(scaled) is scaled


def test_unknown_builtin_is_refused_with_the_choices():
    with pytest.raises(DataError, match="noisy_line"):
        get_dataset("iris")


def test_a_two_column_csv_with_header_is_a_regression_data_set():
    data = read_csv(b"size,price\n1,2\n2,4.5\n3,5.9\n4,8\n", "houses.csv")
    assert data.task == "regression"
    assert data.model == "linear"
    assert data.feature_names == ("size",)
    assert data.target_name == "price"
    assert np.array_equal(data.features[:, 0], [1, 2, 3, 4])
    assert np.array_equal(data.targets, [2, 4.5, 5.9, 8])


def test_a_three_column_csv_is_classification_with_labels_mapped_to_0_and_1():
    data = read_csv("0.5;1;-1\n-1;2;1\n2;-0.5;-1\n0;0;1\n")  # semicolons, no header
    assert data.task == "classification"
    assert data.model == "logistic"
    assert data.features.shape == (4, 2)
    assert np.array_equal(data.targets, [0, 1, 0, 1])


def test_tab_separated_and_bom_are_read():
    data = read_csv("\ufeffx\ty\n1\t1\n2\t3\n3\t2\n".encode())
    assert data.size == 3


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"\n\n", "empty"),
        (b"a,b,c,d\n1,2,3,4\n", "expected 2 columns"),
        (b"x\n1\n2\n3\n", "expected 2 columns"),
        (b"x,y\n1,2\n2,\n3,4\n", r"row 3, column 2: the value is missing"),
        (b"x,y\n1,2\n2,NA\n3,4\n", "row 3, column 2: the value is missing"),
        (b"x,y\n1,2\ntwo,3\n3,4\n", "row 3, column 1: 'two' is not a number"),
        (b"x,y\n1,2\n2,inf\n3,4\n", "not a finite number"),
        (b"x,y\n1,2\n2,1e300\n3,4\n", "too large"),
        (b"x,y\n1,2\n2,3,4\n3,4\n", "row 3 has 3 columns"),
        (b"x,y\n5,2\n5,3\n5,4\n", r"column 1 \(x\) is constant"),
        (b"x,y\n1,7\n2,7\n3,7\n", r"column 2 \(y\) is constant"),
        (b"x,y\n1,2\n2,3\n", "too few rows"),
        (b"a,b,c\n1,2,0\n2,3,1\n3,1,2\n", "two classes"),
        (b"a,b,c\n1,2,1\n2,3,1\n3,1,1\n", "constant"),
        (b"x,y\n1,2\n\xff\xfe,3\n", "not UTF-8"),
        (b"x,y\n1,2\x00\n2,3\n3,4\n", "NUL"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_each_bad_upload_gets_its_message(content, message):
    with pytest.raises(DataError, match=message):
        read_csv(content)


def test_a_file_over_the_size_limit_is_refused_before_it_is_read():
    with pytest.raises(DataError, match="too large"):
        read_csv(b"1,2\n" * (MAX_UPLOAD_BYTES // 4 + 1))


def test_too_many_rows_are_refused():
    with pytest.raises(DataError, match="too many rows"):
        read_csv("".join(f"{i},{i % 7}\n" for i in range(MAX_UPLOAD_ROWS + 1)))


def test_hostile_text_is_only_ever_data():
    """Formulas, code and spreadsheet injections are just cells that are not numbers."""
    for cell in ("__import__('os').system('ls')", "=cmd|' /C calc'!A0", "1+1", "0x10"):
        with pytest.raises(DataError, match="is not a number"):
            read_csv(f"x,y\n1,2\n{cell},3\n3,4\n")


def test_cr_only_line_endings_are_read():
    """Excel's "CSV (Macintosh)" ends lines with CR alone."""
    data = read_csv(b"x,y\r1,2\r2,3\r3,5\r4,4\r")
    assert data.size == 4
    np.testing.assert_array_equal(data.features[:, 0], [1, 2, 3, 4])


def test_a_cell_too_long_for_the_csv_module_is_the_readers_own_error():
    """Over csv's 131,072-character field limit: a DataError, not _csv.Error."""
    with pytest.raises(DataError, match="not a readable CSV"):
        read_csv(b'x,y\n1,2\n2,"' + b"9" * 140_000 + b'"\n3,4\n')
