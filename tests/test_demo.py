"""The demo prints its table, and every Python block of the README runs."""

import re
from pathlib import Path

import numpy as np
import pytest

from skbackprop.__main__ import COLUMNS, LEARNING_RATES, benchmarks, main

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
        (dataset, name, is_ours)
        for dataset, _, _, models in benchmarks()
        for name, _, is_ours in models
    ]
    assert sorted(rows) == sorted((dataset, name) for dataset, name, _ in expected)
    for dataset, name, is_ours in expected:
        cells = rows[dataset, name]
        mean, std = map(float, cells[2].split(" ± "))
        assert FLOOR[dataset] < mean <= 1, (dataset, name, mean)
        assert 0 <= std < 0.3, (dataset, name, std)
        assert cells[3].endswith(" ms")
        if is_ours:
            assert float(cells[4]) in LEARNING_RATES
            # A learning rate whose fits raised shows as "diverged".
            grid_scores = [
                float("nan") if score == "diverged" else float(score)
                for score in cells[5].split(" / ")
            ]
            assert len(grid_scores) == len(LEARNING_RATES)
            assert np.nanmax(grid_scores) > FLOOR[dataset]
        else:
            assert len(cells) == 4
    assert "Done in" in output


def test_readme_has_python_blocks():
    assert len(BLOCKS) >= 3


@pytest.mark.parametrize(
    "block", BLOCKS, ids=[f"block{i}" for i in range(1, len(BLOCKS) + 1)]
)
def test_readme_python_block_runs(block):
    exec(compile(block, str(README), "exec"), {"__name__": "readme"})
