"""Speed of skbackprop against scikit-learn's peers and the bare numpy floor.

Run by hand, from the repository root::

    python benchmarks/run.py             # the sizes of the targets, a few minutes
    python benchmarks/run.py --quick     # smaller sizes, a smoke test
    python benchmarks/run.py --case sgd  # one case (repeat --case for more)

Each pair is measured side by side in one process on the same data, A B A B,
and the table quotes the medians and their ratio, ours / theirs (a ratio below
1 means skbackprop is faster), beside the quality each side reached. The
machine may be shared and noisy: the medians, and the load average printed
with them, say how far to trust a number. No test asserts a time.

The cases and their targets:

* ``lbfgs``: LogisticCEClassifier(solver="lbfgs", alpha=1 / (C n)) against
  LogisticRegression(C=1), the same objective (mean log-loss plus
  alpha / 2 ||w||^2, intercept unpenalised), compared with one formula, each
  at its default tol (1e-4 for both). Five consecutive runs, one row each:
  the target holds only if every one meets it.
* ``sgd``: 10 epochs of mini-batch SGD with momentum, TinyMLPRegressor against
  MLPRegressor with logistic units. scikit-learn's L2 term is alpha / (2 *
  batch_size) ||W||^2 per batch, ours alpha / 2 ||W||^2, so ours gets
  alpha / batch_size; ours standardises y inside fit, so MLPRegressor is given
  the standardised y (R^2 does not depend on the scale of y). Neither holds
  rows out (early_stopping=False): both train on every row, every epoch.
* ``gd step``: one full-batch gradient step of LogisticCEClassifier, from the
  difference of two fits that differ only in max_iter, against the floor of
  any such step: ``X @ w``, one ``exp`` per row, ``X.T @ r``.
* ``float32``: the same full-batch step in float32 against float64.
* ``defaults``: LogisticCEClassifier's default fit (gd) and its lbfgs fit
  against LogisticRegression's on the standardised digits and breast cancer
  data, with the machine's BLAS threads and with one thread.
* ``threads``: every solver's fit of LogisticCEClassifier on the same data,
  with the machine's BLAS threads against one thread: what the threads cost
  on problems this small (skbackprop runs small fits on one thread).
* ``epoch``: one epoch of the training loop (default gd), from fits of FEW and
  MANY epochs, against one bare call of ``logistic_ce_grad`` on the same rows,
  on iris and breast cancer: the loop's own overhead.
* ``memory``: the tracemalloc peak while fitting (X allocated before tracing
  starts), against X.nbytes: two gd epochs without held-out rows, and the
  network at its defaults, which holds rows out.
"""

import argparse
import gc
import os
import sys
import time
import tracemalloc
import warnings
from statistics import median

import numpy as np
from sklearn.datasets import (
    load_breast_cancer,
    load_digits,
    load_iris,
    make_classification,
    make_regression,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import r2_score
from sklearn.neural_network import MLPRegressor
from sklearn.preprocessing import StandardScaler
from threadpoolctl import ThreadpoolController, threadpool_info, threadpool_limits

from skbackprop import LogisticCEClassifier, SigmoidSSEClassifier, TinyMLPRegressor
from skbackprop.backprop import logistic_ce_grad

FULL = {
    "lbfgs": (100_000, 50),
    "sgd": (50_000, 20),
    "gd": (100_000, 50),
    "float32": (1_000_000, 50),
    "memory": (2_000_000, 50),
    "repeats": 11,
}
# --quick: a fifth of the rows of each problem, and fewer repeats.
QUICK = {
    name: 3 if name == "repeats" else (size[0] // 5, size[1])
    for name, size in FULL.items()
}


def alternate(a, b, repeats):
    """Run ``a`` and ``b`` in turn, A B A B; their times and last results."""
    (times_a, times_b), (result_a, result_b) = in_turn([a, b], repeats)
    return times_a, times_b, result_a, result_b


def in_turn(runs, repeats):
    """Run each of ``runs`` in turn, ``repeats`` times; their times, last results."""
    times = [[] for _ in runs]
    results = [None] * len(runs)
    for _ in range(repeats):
        for i, run in enumerate(runs):
            gc.collect()
            start = time.perf_counter()
            results[i] = run()
            times[i].append(time.perf_counter() - start)
    return times, results


def logistic_objective(X, y, coef, intercept, alpha):
    """Mean log-loss plus alpha / 2 ||coef||^2, in float64, for both sides."""
    z = X @ np.ravel(coef).astype(np.float64) + float(np.ravel(intercept)[0])
    coef = np.ravel(coef).astype(np.float64)
    # log(1 + e^z) - y z is the log-loss of a sigmoid output, finite for any z.
    return float(np.mean(np.logaddexp(0.0, z) - y * z) + alpha / 2 * coef @ coef)


LBFGS_RUNS = 5  # consecutive runs of the lbfgs case, each its own row


def bench_lbfgs(sizes, repeats):
    n, d = sizes["lbfgs"]
    X, y = make_classification(n, d, n_informative=d // 2, random_state=0)
    X = StandardScaler().fit_transform(X)
    C = 1.0
    alpha = 1.0 / (C * n)
    ours = LogisticCEClassifier(solver="lbfgs", alpha=alpha)
    theirs = LogisticRegression(C=C)
    rows = []
    for run in range(1, LBFGS_RUNS + 1):
        times_a, times_b, a, b = alternate(
            lambda: ours.fit(X, y), lambda: theirs.fit(X, y), repeats
        )
        obj_a = logistic_objective(X, y, a.coef_, a.intercept_, alpha)
        obj_b = logistic_objective(X, y, b.coef_, b.intercept_, alpha)
        excess = (obj_a - obj_b) / abs(obj_b)
        rows.append(
            {
                "case": f"lbfgs fit {n:,}x{d}, run {run}/{LBFGS_RUNS}",
                "ours": median(times_a),
                "theirs": median(times_b),
                "against": "LogisticRegression",
                "target": 0.5,
                "quality": (
                    f"objective {obj_a:.9f} vs {obj_b:.9f} (excess {excess:+.1e}); "
                    f"iterations {a.n_iter_} vs {b.n_iter_[0]}"
                ),
                # An equal or lower objective, to the rounding of its formula.
                "quality_ok": excess <= 1e-9,
            }
        )
    return rows


SGD_BATCH = 200  # rows per batch of the sgd case


def sgd_models(max_iter):
    """The sgd case's pair, each running exactly ``max_iter`` epochs."""
    sklearn_alpha = 1e-4
    ours = TinyMLPRegressor(
        solver="sgd",
        n_hidden=16,
        batch_size=SGD_BATCH,
        learning_rate=0.01,
        momentum=0.9,
        nesterovs_momentum=False,
        max_iter=max_iter,
        tol=0,
        alpha=sklearn_alpha / SGD_BATCH,
        shuffle=True,
        early_stopping=False,
        random_state=0,
    )
    theirs = MLPRegressor(
        hidden_layer_sizes=(16,),
        activation="logistic",
        solver="sgd",
        nesterovs_momentum=False,
        batch_size=SGD_BATCH,
        learning_rate_init=0.01,
        momentum=0.9,
        max_iter=max_iter,
        tol=0,
        n_iter_no_change=10**9,
        alpha=sklearn_alpha,
        random_state=0,
    )
    return ours, theirs


def bench_sgd(sizes, repeats):
    n, d = sizes["sgd"]
    X, y = make_regression(n + n // 5, d, noise=10.0, random_state=0)
    X_train, y_train, X_test, y_test = X[:n], y[:n], X[n:], y[n:]
    mean, scale = y_train.mean(), y_train.std()
    ours, theirs = sgd_models(max_iter=10)
    y_scaled = (y_train - mean) / scale
    times_a, times_b, a, b = alternate(
        lambda: ours.fit(X_train, y_train),
        lambda: theirs.fit(X_train, y_scaled),
        repeats,
    )
    r2_a = r2_score(y_test, a.predict(X_test))
    r2_b = r2_score((y_test - mean) / scale, b.predict(X_test))
    return {
        "case": f"sgd 10 epochs {n:,}x{d}, m=16",
        "ours": median(times_a),
        "theirs": median(times_b),
        "against": "MLPRegressor",
        "target": 0.3,
        "quality": f"held-out R^2 {r2_a:.4f} vs {r2_b:.4f}",
        "quality_ok": r2_a >= r2_b - 0.01,
    }


def _classification(n, d, dtype, seed=0):
    """Standard normal features and a noisy linear rule; fast at any size."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d), dtype=np.float32)
    score = X @ rng.standard_normal(d, dtype=np.float32)
    y = (score + rng.standard_normal(n, dtype=np.float32) > 0).astype(np.int64)
    return X.astype(dtype, copy=False), y


FEW, MANY = 2, 12  # the two max_iter whose fits' difference times MANY - FEW steps


def gd_fit(Estimator, X, y, max_iter):
    """A fit of full-batch gradient descent that runs exactly ``max_iter`` steps."""
    return lambda: Estimator(solver="gd", tol=0, max_iter=max_iter).fit(X, y)


def per_step(times_few, times_many):
    """Seconds per step from the medians of fits of FEW and MANY steps.

    The fixed cost of a fit (validation, encoding y) cancels in the difference.
    """
    return (median(times_many) - median(times_few)) / (MANY - FEW)


def bench_gd(sizes, repeats):
    n, d = sizes["gd"]
    X, y = _classification(n, d, np.float64)
    w = np.full(d, 0.01)

    def floor():
        for _ in range(MANY - FEW):
            r = np.exp(X @ w)  # one exponential per row
            X.T @ r

    (few, many, floor_times), (_, model, _) = in_turn(
        [
            gd_fit(LogisticCEClassifier, X, y, FEW),
            gd_fit(LogisticCEClassifier, X, y, MANY),
            floor,
        ],
        repeats,
    )
    return {
        "case": f"gd step {n:,}x{d}",
        "ours": per_step(few, many),
        "theirs": median(floor_times) / (MANY - FEW),
        "against": "X@w, exp, X.T@r",
        "target": 1.2,
        "quality": f"loss after {model.n_iter_} steps {model.loss_curve_[-1]:.6f}",
        "quality_ok": bool(np.isfinite(model.loss_curve_[-1])),
    }


def bench_float32(sizes, repeats):
    n, d = sizes["float32"]
    X32, y = _classification(n, d, np.float32)
    X64 = X32.astype(np.float64)
    (few32, many32, few64, many64), (_, model32, _, model64) = in_turn(
        [
            gd_fit(LogisticCEClassifier, X32, y, FEW),
            gd_fit(LogisticCEClassifier, X32, y, MANY),
            gd_fit(LogisticCEClassifier, X64, y, FEW),
            gd_fit(LogisticCEClassifier, X64, y, MANY),
        ],
        repeats,
    )
    kept = model32.coef_.dtype == np.float32
    gap = abs(model32.loss_curve_[-1] - model64.loss_curve_[-1])
    return {
        "case": f"gd step float32 {n:,}x{d}",
        "ours": per_step(few32, many32),
        "theirs": per_step(few64, many64),
        "against": "the same, float64",
        "target": 1 / 1.5,
        "quality": f"coef_ {model32.coef_.dtype}; loss gap to float64 {gap:.1e}",
        "quality_ok": kept,
    }


def peak_fraction(fit, X):
    """The tracemalloc peak during ``fit()``, as a fraction of X.nbytes."""
    gc.collect()
    tracemalloc.start()
    try:
        fit()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / X.nbytes


def bench_memory(sizes):
    n, d = sizes["memory"]
    X, y = _classification(n, d, np.float32)
    y_reg = (X[:, 0] + 0.5 * X[:, 1]).astype(np.float64)
    rows = []
    no_held_out = {"solver": "gd", "max_iter": 2, "tol": 0, "early_stopping": False}
    cases = [
        (SigmoidSSEClassifier, y, "gd", no_held_out, 0.1),
        (LogisticCEClassifier, y, "gd", no_held_out, 0.1),
        (
            TinyMLPRegressor,
            y_reg,
            "gd",
            {**no_held_out, "n_hidden": 8, "alpha": 1e-4},
            0.35,
        ),
        # The defaults hold out rows, for early stopping and alpha="auto": by
        # index, never a copy of the rows left to train on. max_iter=20 gives
        # the path's five stages two epochs each.
        (
            TinyMLPRegressor,
            y_reg,
            "defaults",
            {"max_iter": 20, "random_state": 0},
            0.35,
        ),
    ]
    for Estimator, target, name, params, limit in cases:
        model = Estimator(**params)
        fraction = peak_fraction(lambda m=model, t=target: m.fit(X, t), X)
        rows.append(
            {
                "case": f"memory {Estimator.__name__} {name}",
                "ours": fraction,
                "theirs": None,
                "against": f"X.nbytes = {X.nbytes / 2**20:.0f} MiB",
                "target": limit,
                "quality": f"peak {fraction * X.nbytes / 2**20:.1f} MiB",
                "quality_ok": True,
            }
        )
    return rows


SMALL_DATA = [("digits", load_digits), ("breast_cancer", load_breast_cancer)]


def _standardised(loader):
    X, y = loader(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def bench_defaults(sizes, repeats):
    """The classifier's default fit and its lbfgs fit against LogisticRegression.

    Once with the BLAS threads the machine gives, once with one thread, on
    small data, where threads cost more than they share.
    """
    rows = []
    for name, loader in SMALL_DATA:
        X, y = _standardised(loader)
        for solver in ("gd", "lbfgs"):
            for threads in (None, 1):
                with threadpool_limits(threads):
                    times_a, times_b, a, b = alternate(
                        lambda X=X, y=y, s=solver: LogisticCEClassifier(solver=s).fit(
                            X, y
                        ),
                        lambda X=X, y=y: LogisticRegression().fit(X, y),
                        repeats,
                    )
                label = "default threads" if threads is None else "one thread"
                score_a, score_b = a.score(X, y), b.score(X, y)
                rows.append(
                    {
                        "case": f"{solver} fit {name}, {label}",
                        "ours": median(times_a),
                        "theirs": median(times_b),
                        "against": f"LogisticRegression, {label}",
                        # Issue 12's: lbfgs on digits with the machine's threads.
                        "target": 0.3
                        if (solver, name, threads) == ("lbfgs", "digits", None)
                        else 3.0,
                        "quality": (
                            f"training accuracy {score_a:.4f} vs {score_b:.4f}"
                        ),
                        "quality_ok": score_a >= score_b - 0.01,
                    }
                )
    return rows


def bench_threads(sizes, repeats):
    """Each solver's fit with the machine's BLAS threads against one thread."""
    # Made once: threadpool_limits makes a controller each time, which costs
    # milliseconds, as much as a whole fit of breast_cancer.
    blas = ThreadpoolController().select(user_api="blas")
    rows = []
    for name, loader in SMALL_DATA:
        X, y = _standardised(loader)
        for solver in ("gd", "sgd", "adam", "lbfgs"):

            def fit(X=X, y=y, solver=solver):
                return LogisticCEClassifier(solver=solver, random_state=0).fit(X, y)

            def one_thread(fit=fit):
                with blas.limit(limits=1):
                    return fit()

            times_a, times_b, a, _ = alternate(fit, one_thread, repeats * 3)
            rows.append(
                {
                    "case": f"threads {solver} {name}",
                    "ours": median(times_a),
                    "theirs": median(times_b),
                    "against": "the same fit on one BLAS thread",
                    "target": 1.1,
                    "quality": f"{a.n_iter_} epochs",
                    "quality_ok": True,
                }
            )
    return rows


def bench_epoch(sizes, repeats):
    """One epoch of the training loop against one bare call of the gradient."""
    rows = []
    for name, loader in [("iris", load_iris), ("breast_cancer", load_breast_cancer)]:
        X, y = loader(return_X_y=True)
        X = StandardScaler().fit_transform(X)
        classes = np.unique(y)
        if len(classes) == 2:
            Y, W = (y == classes[1]).astype(float), np.zeros(X.shape[1] + 1)
        else:
            Y = np.eye(len(classes))[y]
            W = np.zeros((X.shape[1] + 1, len(classes)))

        def bare(X=X, Y=Y, W=W):
            for _ in range(MANY - FEW):
                logistic_ce_grad(
                    X, Y, W, fit_intercept=True, alpha=1e-3, check_input=False
                )

        (few, many, bare_times), _ = in_turn(
            [
                gd_fit(LogisticCEClassifier, X, y, FEW),
                gd_fit(LogisticCEClassifier, X, y, MANY),
                bare,
            ],
            repeats * 3,
        )
        rows.append(
            {
                "case": f"epoch overhead {name}",
                "ours": per_step(few, many),
                "theirs": median(bare_times) / (MANY - FEW),
                "against": "one logistic_ce_grad call",
                "target": 1.2,
                "quality": f"{X.shape[0]} rows, {len(classes)} classes",
                "quality_ok": True,
            }
        )
    return rows


CASES = {
    "lbfgs": bench_lbfgs,
    "sgd": lambda sizes, repeats: [bench_sgd(sizes, repeats)],
    "gd": lambda sizes, repeats: [bench_gd(sizes, repeats)],
    "float32": lambda sizes, repeats: [bench_float32(sizes, repeats)],
    "memory": lambda sizes, repeats: bench_memory(sizes),
    "defaults": bench_defaults,
    "threads": bench_threads,
    "epoch": bench_epoch,
}


def describe_machine():
    """Which BLAS runs, with how many threads, and how busy the machine is."""
    lines = [f"python {sys.version.split()[0]}, numpy {np.__version__}"]
    for pool in threadpool_info():
        lines.append(
            f"{pool['user_api']}: {pool['internal_api']} {pool.get('version')} "
            f"({pool.get('architecture', '-')}), {pool['num_threads']} threads"
        )
    env = {k: v for k, v in os.environ.items() if k.startswith(("OPENBLAS", "OMP"))}
    lines.append(f"environment: {env or 'no OPENBLAS_* or OMP_* variables'}")
    lines.append(f"cpus: {os.cpu_count()}, load average: {os.getloadavg()}")
    return lines


def _seconds(value):
    """A time in s, or in µs below a millisecond."""
    return f"{value:.4f}s" if value >= 1e-3 else f"{value * 1e6:.1f}µs"


def print_table(rows):
    header = (
        f"{'case':<44} {'ours':>10} {'theirs':>10} {'ratio':>7} {'target':>7}  "
        f"{'met':<4} against; quality"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        if row["theirs"] is None:  # a memory row: ours is already the ratio
            ratio, ours, theirs = row["ours"], "", ""
        else:
            ratio = row["ours"] / row["theirs"]
            ours, theirs = _seconds(row["ours"]), _seconds(row["theirs"])
        met = ratio <= row["target"] and row["quality_ok"]
        print(
            f"{row['case']:<44} {ours:>10} {theirs:>10} {ratio:>7.3f} "
            f"{row['target']:>7.3f}  {'yes' if met else 'NO':<4} "
            f"{row['against']}; {row['quality']}"
        )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes")
    parser.add_argument(
        "--case",
        action="append",
        choices=CASES,
        help="run only this case (may be repeated); all of them by default",
    )
    args = parser.parse_args(argv)
    cases = args.case or list(CASES)
    sizes = QUICK if args.quick else FULL
    repeats = sizes["repeats"]
    for line in describe_machine():
        print(line)
    print(f"medians of {repeats} runs each, A B A B; ratio = ours / theirs\n")
    start = time.perf_counter()
    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for case in cases:
            rows.extend(CASES[case](sizes, repeats))
    print_table(rows)
    print(f"\n{time.perf_counter() - start:.0f} s; load average now {os.getloadavg()}")


if __name__ == "__main__":
    main()
