"""Where a gd step and an sgd batch spend their time: BLAS products or the rest.

Run by hand, from the repository root::

    python benchmarks/breakdown.py          # run.py's sizes, about a minute
    python benchmarks/breakdown.py --quick  # smaller sizes, a smoke test

``benchmarks/run.py`` compares whole steps with their targets; this splits
them, to show what is left to gain and where. Each part is timed in turn with
the others in one process, and the table quotes medians:

* **gd step** (the sizes of run.py's ``gd`` case): the floor (``X @ w``, one
  ``exp`` per row, ``X.T @ r``); the same products over the blocks of rows the
  training loop takes (``skbackprop._rows.BLOCK_BYTES``); and the exact
  loss and gradient over those blocks, as a fit computes them. The blocked
  products against the floor are what blocking costs; the gradient less the
  products is the elementwise work of the cross-entropy (its logarithms, the
  sigmoid, the delta), done by numpy one array operation at a time.
* **sgd batch** (run.py's ``sgd`` case and its two models, ``sgd_models``:
  200 rows, 16 hidden units): the four products of one backprop step
  (``X @ W1``, ``h @ W2``, ``h.T @ d2``, ``X.T @ d1``); one call of
  :func:`~skbackprop.backprop.tiny_mlp_grad`; one batch of our fit (rows
  gathered, gradient, momentum step), from the difference of two fits that
  differ only in max_iter; and one batch of MLPRegressor's, timed alike. The
  gradient less its products is the cost of its other numpy calls, each on a
  few thousand numbers.
"""

import argparse
import warnings
from statistics import median

import numpy as np
from run import (
    FEW,
    FULL,
    MANY,
    QUICK,
    SGD_BATCH,
    _classification,
    describe_machine,
    in_turn,
    per_step,
    sgd_models,
)
from sklearn.datasets import make_regression
from sklearn.exceptions import ConvergenceWarning

from skbackprop._rows import BLOCK_BYTES, InMemoryRows
from skbackprop.backprop import logistic_ce_grad, tiny_mlp_grad

STEPS = MANY - FEW  # gd steps per timed run


def gd_parts(sizes, repeats):
    """The gd step's parts, in seconds per step."""
    n, d = sizes["gd"]
    X, y = _classification(n, d, np.float64)
    y = y.astype(np.float64)
    W = np.full(d + 1, 0.01)
    w = W[:-1]
    block = max(1, BLOCK_BYTES // (d * X.itemsize))

    def loss_grad(X, y, sample_weight, params):
        loss, grad = logistic_ce_grad(
            X, y, params[0], fit_intercept=True, check_input=False
        )
        return loss, [grad]

    def floor():
        for _ in range(STEPS):
            X.T @ np.exp(X @ w)

    def blocked_products():
        for _ in range(STEPS):
            for start in range(0, n, block):
                rows = X[start : start + block]
                rows.T @ np.exp(rows @ w)

    rows = InMemoryRows(X, y)

    def gradient():
        for _ in range(STEPS):
            rows.loss_grad(loss_grad, [W])

    times, _ = in_turn([floor, blocked_products, gradient], repeats)
    floor_s, products_s, gradient_s = (median(t) / STEPS for t in times)
    return (
        f"gd step {n:,}x{d}",
        floor_s,
        [
            ("floor: X @ w, exp, X.T @ r", floor_s),
            (f"the same over blocks of {block:,} rows", products_s),
            ("exact loss and gradient over the blocks", gradient_s),
            ("  of which elementwise (gradient - blocks)", gradient_s - products_s),
        ],
    )


def sgd_parts(sizes, repeats):
    """The sgd batch's parts, in seconds per batch."""
    n, d = sizes["sgd"]
    X, y = make_regression(n, d, noise=10.0, random_state=0)
    y = (y - y.mean()) / y.std()
    rng = np.random.default_rng(0)
    W1 = rng.normal(scale=0.1, size=(d + 1, 16))
    W2 = rng.normal(scale=0.1, size=17)
    starts = range(0, n - SGD_BATCH + 1, SGD_BATCH)

    def fit(model):
        return lambda: model.fit(X, y)

    def products():
        for start in starts:
            rows = X[start : start + SGD_BATCH]
            h = rows @ W1[:-1]
            d2 = h @ W2[:-1]
            h.T @ d2
            rows.T @ h  # X.T @ d1: d1 has the shape of h

    def gradient():
        for start in starts:
            tiny_mlp_grad(
                X[start : start + SGD_BATCH],
                y[start : start + SGD_BATCH],
                W1,
                W2,
                fit_intercept=True,
                alpha=1e-4 / SGD_BATCH,
                check_input=False,
            )

    times, _ = in_turn(
        [products, gradient, *map(fit, sgd_models(FEW) + sgd_models(MANY))],
        repeats,
    )
    batches = len(starts)
    products_s, gradient_s = (median(t) / batches for t in times[:2])
    # ours and theirs at FEW epochs, then at MANY: per epoch, then per batch.
    fit_s = per_step(times[2], times[4]) / batches
    theirs_s = per_step(times[3], times[5]) / batches
    return (
        f"sgd batch {SGD_BATCH}x{d}, m=16",
        fit_s,
        [
            ("four products: X@W1, h@W2, h.T@d2, X.T@d1", products_s),
            ("tiny_mlp_grad", gradient_s),
            ("  of which other numpy calls (grad - products)", gradient_s - products_s),
            ("a batch of TinyMLPRegressor's fit", fit_s),
            ("a batch of MLPRegressor's fit", theirs_s),
        ],
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes")
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    repeats = 3 * sizes["repeats"]
    for line in describe_machine():
        print(line)
    print(f"medians of {repeats} runs each, in turn\n")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for case, whole, parts in (gd_parts(sizes, repeats), sgd_parts(sizes, repeats)):
            print(f"{case:<48} {'µs':>9} {'share':>7}")
            for name, seconds in parts:
                print(f"  {name:<46} {seconds * 1e6:>9.1f} {seconds / whole:>7.2f}")
            print()
    print("share: of the floor (gd) or of a batch of our fit (sgd)")


if __name__ == "__main__":
    main()
