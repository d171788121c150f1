"""The demo prints its table, and every Python block of the README runs."""

import re
from pathlib import Path

import numpy as np
import pytest

from skbackprop.__main__ import COLUMNS, benchmarks, main
from skbackprop._base import AUTO_LEARNING_RATES

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
AUTO_RULE = {"gd": "backtracking", "adam": "adam"}


def test_each_grid_is_a_decade_either_side_of_the_default_solvers_auto_rate():
    # "gd" backtracks from learning_rate, its largest step (10 for "auto"); "adam"
    # takes steps of about learning_rate (0.01 for "auto").
    searched = {}
    for _, _, _, models in benchmarks():
        for name, estimator, learning_rates in models:
            if learning_rates is None:
                continue
            auto = AUTO_LEARNING_RATES[AUTO_RULE[estimator.solver]]
            assert learning_rates == pytest.approx([auto / 10, auto, auto * 10])
            searched[name] = learning_rates
    assert searched == {
        "SigmoidSSEClassifier": [1, 10, 100],
        "LogisticCEClassifier": [1, 10, 100],
        "TinyMLPRegressor": [0.001, 0.01, 0.1],
    }


def test_readme_has_python_blocks():
    assert len(BLOCKS) >= 3


@pytest.mark.parametrize(
    "block", BLOCKS, ids=[f"block{i}" for i in range(1, len(BLOCKS) + 1)]
)
def test_readme_python_block_runs(block):
    exec(compile(block, str(README), "exec"), {"__name__": "readme"})
