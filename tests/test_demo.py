"""The demo prints its table, and every Python block of the README runs."""

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import skbackprop.__main__ as demo
from skbackprop.__main__ import COLUMNS, benchmarks, main, parse_args
from skbackprop._solvers import AUTO_LEARNING_RATES

README = Path(__file__).resolve().parents[1] / "README.md"

# The least mean CV score that shows a model learned: accuracy for the two
# classification datasets, R² for diabetes.
FLOOR = {"breast_cancer": 0.9, "wine": 0.9, "diabetes": 0.1}


def table_rows(output):
    """The header's cells, and the cells of each row keyed by (dataset, model)."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("dataset  "))
    rows = {}
    for line in lines[start + 2 :]:  # past the header and its rule
        if not line.strip():
            break
        cells = re.split(r" {2,}", line.strip())
        rows[cells[0], cells[1]] = cells
    return re.split(r" {2,}", lines[start]), rows


def readme_python_blocks():
    """Each ```python block of the README, padded to its line in the file.

    The padding makes a traceback name the README's own line numbers.
    """
    text = README.read_text("utf-8")
    return [
        "\n" * text.count("\n", 0, match.start(1)) + match.group(1)
        for match in re.finditer(r"^```python\n(.*?)^```", text, re.M | re.S)
    ]


BLOCKS = readme_python_blocks()


def test_demo_prints_every_dataset_and_model_with_sane_scores(capsys):
    table = main(n_splits=3)

    output = capsys.readouterr().out
    assert table in output
    header, rows = table_rows(output)
    assert header == COLUMNS
    expected = [
        (dataset, name, learning_rates)
        for dataset, _, _, models in benchmarks()
        for name, _, learning_rates in models
    ]
    assert sorted(rows) == sorted((dataset, name) for dataset, name, _ in expected)
    for dataset, name, learning_rates in expected:
        cells = rows[dataset, name]
        mean, std = map(float, cells[2].split(" ± "))
        assert FLOOR[dataset] < mean <= 1, (dataset, name, mean)
        assert 0 <= std < 0.3, (dataset, name, std)
        assert cells[3].endswith(" ms")
        if learning_rates is not None:
            # Each row names its own grid, and its best rate is one of them.
            assert [float(rate) for rate in cells[4].split(" / ")] == learning_rates
            # A learning rate whose fits raised shows as "diverged".
            grid_scores = [
                float("nan") if score == "diverged" else float(score)
                for score in cells[5].split(" / ")
            ]
            assert len(grid_scores) == len(learning_rates)
            assert np.nanmax(grid_scores) > FLOOR[dataset]
            assert float(cells[6]) in learning_rates
        else:
            assert len(cells) == 4
    assert "Done in" in output


# The update rule that learning_rate="auto" serves under each default solver.
AUTO_RULE = {"gd": "backtracking", "lbfgs": "lbfgs"}


def test_each_grid_is_a_decade_either_side_of_the_default_solvers_auto_rate():
    # "gd" backtracks from learning_rate, its largest step (10 for "auto");
    # "lbfgs" from learning_rate times the quasi-Newton step (1 for "auto").
    searched = {}
    for _, _, _, models in benchmarks():
        for name, estimator, learning_rates in models:
            if learning_rates is None:
                continue
            auto = AUTO_LEARNING_RATES[AUTO_RULE[estimator.solver]]
            assert learning_rates == pytest.approx([auto / 10, auto, auto * 10])
            searched[name] = learning_rates
    assert searched == {
        "SigmoidSSEClassifier": [0.1, 1, 10],
        "LogisticCEClassifier": [0.1, 1, 10],
        "TinyMLPRegressor": [0.1, 1, 10],
    }


def test_help_prints_the_options_and_runs_nothing():
    # As any argparse command line: --help answers at once, with exit status 0.
    result = subprocess.run(
        [sys.executable, "-m", "skbackprop", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: python -m skbackprop")
    for option in ["--dataset", "breast_cancer,wine,diabetes", "--n-splits"]:
        assert option in result.stdout
    assert "Cross-validating" not in result.stdout


def test_dataset_and_n_splits_options_run_only_those_datasets_in_demo_order(capsys):
    argv = ["--dataset", "wine", "--dataset", "breast_cancer", "--n-splits", "2"]
    kwargs = parse_args(argv)
    assert kwargs == {"datasets": ["wine", "breast_cancer"], "n_splits": 2}

    table = main(**kwargs)

    output = capsys.readouterr().out
    header, rows = table_rows(output)
    assert header == COLUMNS
    assert [dataset for dataset, _ in rows] == ["breast_cancer"] * 3 + ["wine"] * 3
    assert "from 2-fold" in output
    assert table in output


def test_first_line_says_what_runs_before_any_model_is_fitted(monkeypatch, capsys):
    class Stop(Exception):
        pass

    printed_before = []

    def first_evaluate(*args, **kwargs):
        printed_before.append(capsys.readouterr().out)
        raise Stop

    monkeypatch.setattr(demo, "evaluate", first_evaluate)

    with pytest.raises(Stop):
        main(**parse_args(["--dataset", "diabetes", "--n-splits", "3"]))

    assert printed_before[0].splitlines()[0] == (
        "Cross-validating 3 models on diabetes with 3 folds; the table comes at "
        "the end."
    )


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--dataset", "iris"], "invalid choice: 'iris'"),
        (["--n-splits", "1"], "at least 2, not '1'"),
        (["--n-splits", "five"], "at least 2, not 'five'"),
    ],
)
def test_command_line_refuses_unknown_datasets_and_fewer_than_two_folds(
    argv, message, capsys
):
    # As argparse does for any command line: usage and the error, exit status 2.
    with pytest.raises(SystemExit) as excinfo:
        parse_args(argv)

    assert excinfo.value.code == 2
    assert message in capsys.readouterr().err


def test_main_refuses_an_unknown_dataset_before_running_anything(capsys):
    with pytest.raises(ValueError, match=r"Unknown datasets \['iris'\]"):
        main(datasets=["iris"])

    assert capsys.readouterr().out == ""


def test_readme_has_python_blocks():
    assert len(BLOCKS) >= 3


@pytest.mark.parametrize(
    "block", BLOCKS, ids=[f"block{i}" for i in range(1, len(BLOCKS) + 1)]
)
def test_readme_python_block_runs(block):
    exec(compile(block, str(README), "exec"), {"__name__": "readme"})
