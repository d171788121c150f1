"""The order of the examples in the gallery: from first steps to the details."""

from pathlib import Path

ORDER = [
    "plot_quickstart.py",
    "plot_grid_search_learning_rate.py",
    "plot_lr_range_test.py",
    "plot_sse_vs_cross_entropy.py",
    "plot_gradient_check.py",
    "plot_backprop_by_hand.py",
    "plot_decision_boundaries.py",
    "plot_mlp_hidden_units.py",
    "plot_early_stopping.py",
    "plot_solver_comparison.py",
]


class ExampleOrder:
    """Sort key of sphinx-gallery: the files in ORDER first, then by name."""

    def __init__(self, src_dir):
        self.src_dir = src_dir

    def __call__(self, filename):
        name = Path(filename).name
        position = ORDER.index(name) if name in ORDER else len(ORDER)
        return position, name

    def __repr__(self):
        return "ExampleOrder"
