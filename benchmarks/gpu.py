"""skbackprop's estimators on a torch device against the CPU, and against scikit-learn.

Run by hand, from the repository root::

    python benchmarks/gpu.py                       # CUDA, 1M x 100 float32
    python benchmarks/gpu.py --device cpu          # torch on the CPU
    python benchmarks/gpu.py --device cpu --quick  # a smoke test, seconds

Two cases, on the same 1M x 100 float32 logistic problem (``--n-samples``,
``--n-features``), each fitted on numpy arrays and on torch tensors on
``--device`` with ``array_api_dispatch=True``:

* ``gd epoch``: one epoch of ``LogisticCEClassifier(solver="gd")`` at a
  constant step without momentum (the seed's update), from the difference of
  two fits of FEW and MANY epochs; beside it the bare step, one call of
  ``logistic_ce_grad`` and ``W -= lr * grad``.
* ``lbfgs fit``: ``LogisticCEClassifier(solver="lbfgs", alpha=1 / (C n))``,
  our own L-BFGS, every step of it taken where X lives (its iterations are the
  steps tried, backtracking included); beside it
  ``LogisticRegression(C=C, solver="lbfgs")`` (scipy's L-BFGS-B) on the same
  arrays, the same objective (mean log-loss + alpha / 2 ||w||^2), each to its
  own default tol.

Medians of ``--repeat`` runs; CUDA is synchronised before each clock read.
"""

import argparse
import os
import time
import warnings
from functools import partial
from statistics import median

# scipy reads this once, when first imported: LogisticRegression's array-API
# path and scipy.special on tensors need it.
os.environ.setdefault("SCIPY_ARRAY_API", "1")

import numpy as np  # noqa: E402
import sklearn  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

from skbackprop import LogisticCEClassifier  # noqa: E402
from skbackprop.backprop import logistic_ce_grad  # noqa: E402

LEARNING_RATE = 1.0
C = 1.0


def _sync(device):
    import torch

    if str(device).startswith("cuda"):
        torch.cuda.synchronize()


def _timed(func, device, repeat):
    """Median seconds of ``repeat`` calls, and the last call's result."""
    times, result = [], None
    for _ in range(repeat):
        _sync(device)
        start = time.perf_counter()
        result = func()
        _sync(device)
        times.append(time.perf_counter() - start)
    return median(times), result


def _problem(n_samples, n_features, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, n_features), dtype=np.float32)
    w = rng.standard_normal(n_features).astype(np.float32) / np.sqrt(n_features)
    y = (X @ w + 0.5 * rng.standard_normal(n_samples, dtype=np.float32) > 0).astype(
        np.float32
    )
    return X, y


FEW, MANY = 2, 12  # epochs of the two gd fits whose difference is timed


def _gd_step(X, y, W):
    loss, grad = logistic_ce_grad(X, y, W, fit_intercept=True, check_input=False)
    W -= LEARNING_RATE * grad
    return loss


def _gd_fit(X, y, max_iter):
    model = LogisticCEClassifier(
        solver="gd",
        learning_rate=LEARNING_RATE,
        learning_rate_schedule="constant",
        momentum=0.0,
        tol=0.0,
        max_iter=max_iter,
    )
    with sklearn.config_context(array_api_dispatch=not isinstance(X, np.ndarray)):
        return model.fit(X, y)


def _lbfgs_fit(Estimator, X, y, **params):
    with sklearn.config_context(array_api_dispatch=not isinstance(X, np.ndarray)):
        return Estimator(solver="lbfgs", max_iter=1000, **params).fit(X, y)


def _objective(X, y, model, alpha):
    """Our objective at a fitted model's weights, on numpy in float64."""
    coef, intercept = (
        np.asarray(_to_numpy(a), dtype=np.float64).ravel()
        for a in (model.coef_, model.intercept_)
    )
    W = np.concatenate([coef, intercept])
    X64, y64 = X.astype(np.float64), y.astype(np.float64)
    return logistic_ce_grad(X64, y64, W, fit_intercept=True, alpha=alpha)[0]


def _to_numpy(array):
    return array.cpu().numpy() if hasattr(array, "cpu") else np.asarray(array)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda", help="torch device (cuda, cpu)")
    parser.add_argument("--n-samples", type=int, default=1_000_000)
    parser.add_argument("--n-features", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--quick", action="store_true", help="20,000 x 20 rows, 2 repeats"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.n_samples, args.n_features, args.repeat = 20_000, 20, 2

    import torch

    device = torch.device(args.device)
    X, y = _problem(args.n_samples, args.n_features)
    Xt, yt = torch.asarray(X, device=device), torch.asarray(y, device=device)
    alpha = 1.0 / (C * X.shape[0])
    print(
        f"numpy {np.__version__}, torch {torch.__version__}, scikit-learn "
        f"{sklearn.__version__}; device {device}"
        + (f" ({torch.cuda.get_device_name(device)})" if device.type == "cuda" else "")
    )
    print(f"X: {X.shape[0]} x {X.shape[1]} float32; medians of {args.repeat} runs\n")
    where = f"torch/{device.type}"

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for name, X_, y_, sync in (("numpy", X, y, "cpu"), (where, Xt, yt, device)):
            few, _ = _timed(partial(_gd_fit, X_, y_, FEW), sync, args.repeat)
            many, model = _timed(partial(_gd_fit, X_, y_, MANY), sync, args.repeat)
            W = torch.zeros(X.shape[1] + 1, dtype=torch.float32, device=device)
            W = W.cpu().numpy() if name == "numpy" else W
            bare, _ = _timed(partial(_gd_step, X_, y_, W), sync, args.repeat)
            assert model.n_iter_ == MANY
            print(
                f"gd epoch    {name:12s} {(many - few) / (MANY - FEW) * 1e3:9.2f} ms"
                f"   (bare step {bare * 1e3:9.2f} ms)"
            )
        rows = []
        for X_, y_, sync, name in ((X, y, "cpu", "numpy"), (Xt, yt, device, where)):
            rows.append(
                (
                    "LogisticCEClassifier",
                    name,
                    *_timed(
                        partial(_lbfgs_fit, LogisticCEClassifier, X_, y_, alpha=alpha),
                        sync,
                        args.repeat,
                    ),
                )
            )
            rows.append(
                (
                    "LogisticRegression",
                    name,
                    *_timed(
                        partial(_lbfgs_fit, LogisticRegression, X_, y_, C=C),
                        sync,
                        args.repeat,
                    ),
                )
            )
    print()
    for who, name, seconds, model in rows:
        n_iter = int(np.max(_to_numpy(model.n_iter_)))
        print(
            f"lbfgs fit   {who:20s} {name:12s} {seconds:8.3f} s  {n_iter:4d} "
            f"iterations  objective {_objective(X, y, model, alpha):.8f}"
        )


if __name__ == "__main__":
    main()
