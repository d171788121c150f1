"""Full-batch L-BFGS on a Dask cluster: per-iteration time against the same fit in
memory and against dask-ml's LogisticRegression(solver="lbfgs").

Run by hand, from the repository root, in an environment with dask-ml (which
brings numba, and is among no extra of skbackprop's)::

    python -m venv .venv-bench
    .venv-bench/bin/pip install -e ".[dask]" dask-ml
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \\
        .venv-bench/bin/python benchmarks/dask.py [--quick]

(``--quick``: smaller sizes, a smoke test.)

Without dask-ml the comparison with it is left out, and said so.

The cluster is a ``distributed.LocalCluster`` of two worker processes, one
thread each, on this machine; X is drawn on the workers and persisted there,
cut into blocks of rows. Three fits, each at the same objective:

* ``ours, dask``: LogisticCEClassifier(solver="lbfgs") on the dask arrays;
* ``ours, memory``: the same on the same rows gathered into numpy arrays,
  with the BLAS threads of the machine (the fit's default), and ``ours,
  memory, 1 thread`` with one, as each worker has;
* ``dask-ml``: dask_ml.linear_model.LogisticRegression(solver="lbfgs") on the
  dask arrays. Its objective, the sum of the log-losses plus
  (1 / (2 C)) ||beta||^2 with the intercept in beta, is n times ours, the mean
  log-loss plus (alpha / 2) ||w||^2, for alpha = 1 / (C n) and no intercept;
  all three fits have none (the features are centred).

A fit's time includes work done once (checks, the targets, the first
evaluation); an iteration's time is the difference of two fits that differ only
in max_iter, divided by the iterations between them, with tol=0 so that every
fit runs to its max_iter. Each pair of fits is timed side by side, A B A B, and
the table quotes the medians and their ratios. The objective each fit reached
is computed by one formula, in memory, to show they are at the same point. The
machine may be shared and noisy: the load average printed beside the numbers
says how far to trust them. No test asserts a time.

Our L-BFGS (skbackprop._optim) and dask-ml's (scipy's L-BFGS-B) take other
steps, so after as many iterations they stand at other objectives: the second
table fits each to the optimum (tol=TOL on the gradient of our objective, n
times that on dask-ml's) and compares the times and objectives there.

Goals: ours on the cluster no slower than dask-ml per iteration, and within 2x
of ours in memory per iteration.
"""

import argparse
import os
import sys
import time
import warnings
from statistics import median

# This file is dask.py: run as a script, its folder comes first on sys.path,
# where it would be imported for the dask package.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]

import dask.array as da  # noqa: E402
import distributed  # noqa: E402
import numpy as np  # noqa: E402
from scipy.special import log_expit  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from skbackprop import LogisticCEClassifier  # noqa: E402

try:
    from dask_ml.linear_model import LogisticRegression as DaskMLLogisticRegression
except ImportError:
    DaskMLLogisticRegression = None

C = 1.0
# The optimum: no entry of the gradient of our objective above this.
TOL = 1e-7


def objective(coef, X, y):
    """Mean log-loss plus (alpha / 2) ||w||^2, alpha = 1 / (C n), no intercept."""
    z = X @ coef
    log_loss = -np.mean(y * log_expit(z) + (1 - y) * log_expit(-z))
    return log_loss + 0.5 / (C * X.shape[0]) * float(coef @ coef)


def fit_ours(X, y, max_iter, tol=0.0):
    model = LogisticCEClassifier(
        solver="lbfgs",
        alpha=1 / (C * X.shape[0]),
        fit_intercept=False,
        max_iter=max_iter,
        tol=tol,
    )
    start = time.perf_counter()
    model.fit(X, y)
    return time.perf_counter() - start, model.coef_.ravel(), model.n_iter_


def fit_ours_on_one_thread(X, y, max_iter, tol=0.0):
    with threadpool_limits(limits=1, user_api="blas"):
        return fit_ours(X, y, max_iter, tol)


def fit_dask_ml(X, y, max_iter, tol=0.0):
    # Its tol bounds the gradient of its objective, n times ours.
    model = DaskMLLogisticRegression(
        solver="lbfgs",
        C=C,
        fit_intercept=False,
        max_iter=max_iter,
        tol=tol * X.shape[0],
    )
    start = time.perf_counter()
    model.fit(X, y)
    return time.perf_counter() - start, np.asarray(model.coef_).ravel(), None


def per_iteration(fit, X, y, few, many, repeats):
    """Seconds per iteration, from fits of ``few`` and ``many`` iterations."""
    times = {few: [], many: []}
    coefs = {}
    for _ in range(repeats):
        for max_iter in (few, many):
            seconds, coef, n_iter = fit(X, y, max_iter)
            # dask-ml does not say; with tol=0 scipy stops at max_iter.
            assert n_iter in (max_iter, None), (fit.__name__, n_iter, max_iter)
            times[max_iter].append(seconds)
            coefs[max_iter] = coef
    step = (median(times[many]) - median(times[few])) / (many - few)
    return step, median(times[many]), coefs[many]


def to_optimum(fit, X, y, repeats):
    """Seconds of a fit to the optimum (gradient below ``TOL``), its iterations
    (None where the fit does not say) and weights."""
    times = []
    for _ in range(repeats):
        seconds, coef, n_iter = fit(X, y, 1000, TOL)
        times.append(seconds)
    return median(times), n_iter, coef


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes")
    args = parser.parse_args()
    n_samples, n_features, n_blocks = (
        (50_000, 20, 4) if args.quick else (1_000_000, 50, 16)
    )
    few, many, repeats = (2, 6, 2) if args.quick else (2, 8, 3)

    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        rng = da.random.default_rng(0)
        chunks = (-(-n_samples // n_blocks), n_features)
        X = rng.standard_normal((n_samples, n_features), chunks=chunks)
        w = np.linspace(-1, 1, n_features)
        noise = rng.logistic(size=n_samples, chunks=chunks[0])
        y = (X @ w + noise > 0).astype(np.float64)
        X, y = client.persist([X, y])
        distributed.wait([X, y])
        X_memory, y_memory = client.compute([X, y], sync=True)

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            rows = {
                "ours, dask": per_iteration(fit_ours, X, y, few, many, repeats),
                "ours, memory": per_iteration(
                    fit_ours, X_memory, y_memory, few, many, repeats
                ),
                "ours, memory, 1 thread": per_iteration(
                    fit_ours_on_one_thread, X_memory, y_memory, few, many, repeats
                ),
            }
            if DaskMLLogisticRegression is not None:
                rows["dask-ml"] = per_iteration(fit_dask_ml, X, y, few, many, repeats)
            optima = {
                "ours, dask": to_optimum(fit_ours, X, y, repeats),
                "ours, memory": to_optimum(fit_ours, X_memory, y_memory, repeats),
            }
            if DaskMLLogisticRegression is not None:
                optima["dask-ml"] = to_optimum(fit_dask_ml, X, y, repeats)

    print(
        f"{n_samples} x {n_features} float64 ({X_memory.nbytes / 1e6:.0f} MB) in "
        f"{n_blocks} blocks; 2 local workers x 1 thread; iterations {few} and "
        f"{many}, {repeats} of each; load average "
        f"{', '.join(f'{x:.1f}' for x in os.getloadavg())}"
    )
    print(
        f"{'fit':<24}{'s / iteration':>15}{'fit of ' + str(many):>14}{'objective':>20}"
    )
    for name, (step, total, coef) in rows.items():
        value = objective(coef, X_memory, y_memory)
        print(f"{name:<24}{step:>15.4f}{total:>14.3f}{value:>20.12f}")
    step = rows["ours, dask"][0]
    memory = step / rows["ours, memory"][0]
    print(f"ours, dask / ours, memory, per iteration: {memory:.2f}  (goal: <= 2)")
    one = step / rows["ours, memory, 1 thread"][0]
    print(f"ours, dask / ours, memory, 1 thread:      {one:.2f}")
    if "dask-ml" in rows:
        dask_ml = step / rows["dask-ml"][0]
        print(f"ours, dask / dask-ml, per iteration:      {dask_ml:.2f}  (goal: <= 1)")
    else:
        print("dask-ml is not installed: pip install dask-ml to compare with it.")
    print(f"\nTo the optimum (tol={TOL:g} on our gradient, n times that on dask-ml's):")
    print(f"{'fit':<24}{'seconds':>15}{'iterations':>14}{'objective':>20}")
    for name, (seconds, n_iter, coef) in optima.items():
        value = objective(coef, X_memory, y_memory)
        print(f"{name:<24}{seconds:>15.3f}{str(n_iter or '-'):>14}{value:>20.12f}")
    if "dask-ml" in optima:
        ratio = optima["ours, dask"][0] / optima["dask-ml"][0]
        print(f"ours, dask / dask-ml, to the optimum:     {ratio:.2f}")


if __name__ == "__main__":
    main()
