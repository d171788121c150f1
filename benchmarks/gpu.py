"""The backprop gradient on a torch device against numpy, and against scikit-learn.

Run by hand, from the repository root::

    python benchmarks/gpu.py                      # CUDA, 1M x 100 float32
    python benchmarks/gpu.py --device cpu         # torch on the CPU
    python benchmarks/gpu.py --device cpu --n-samples 100000   # a smoke test

Two cases, on the same 1M x 100 float32 logistic problem (``--n-samples``,
``--n-features``):

* ``gd epoch``: one full-batch step of the seed's update, ``W -= lr * grad``
  with ``logistic_ce_grad``, on numpy and on torch on ``--device``.
* ``lbfgs fit``: scipy's L-BFGS-B through skbackprop's bridge
  (``skbackprop._optim.minimize_lbfgs``), the loss and gradient evaluated by
  ``logistic_ce_grad`` where the data lives and only the parameter vector
  crossing to scipy; beside it ``LogisticRegression(solver="lbfgs")`` on the
  same tensors with ``array_api_dispatch=True``, and both on numpy. Both
  minimise the same objective (mean log-loss + alpha / 2 ||w||^2, alpha =
  1 / (C n)) to their own default tol.

The estimators do not take torch tensors yet: what is timed is the gradient
they train with, driven by the update rule and the L-BFGS bridge they use.
Medians of ``--repeat`` runs; CUDA is synchronised before each clock read.
"""

import argparse
import os
import time
import warnings
from statistics import median

# scipy reads this once, when first imported: LogisticRegression's array-API
# path and scipy.special on tensors need it.
os.environ.setdefault("SCIPY_ARRAY_API", "1")

import numpy as np  # noqa: E402
import sklearn  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

from skbackprop._optim import minimize_lbfgs  # noqa: E402
from skbackprop.backprop import logistic_ce_grad  # noqa: E402

LEARNING_RATE = 1.0
LBFGS_TOL = 1e-5  # LogCEClassifier's default tol for L-BFGS
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


def _gd_epoch(X, y, W):
    loss, grad = logistic_ce_grad(X, y, W, fit_intercept=True, check_input=False)
    W -= LEARNING_RATE * grad
    return loss


def _lbfgs_fit(X, y, alpha, to_params, to_numpy):
    """Our L-BFGS fit: the gradient where X lives, the parameters in scipy."""

    def loss_grad(params):
        W = to_params(params[0])
        loss, grad = logistic_ce_grad(
            X, y, W, fit_intercept=True, alpha=alpha, check_input=False
        )
        return loss, [to_numpy(grad)]

    start = [np.zeros(X.shape[1] + 1, dtype=np.float32)]
    found, result = minimize_lbfgs(loss_grad, start, max_iter=1000, tol=LBFGS_TOL)
    return found[0], result.nit


def _objective(X, y, W, alpha):
    """Our objective at ``W``, on numpy, to compare the two fits' quality."""
    X64, y64 = X.astype(np.float64), y.astype(np.float64)
    return logistic_ce_grad(
        X64, y64, W.astype(np.float64), fit_intercept=True, alpha=alpha
    )[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda", help="torch device (cuda, cpu)")
    parser.add_argument("--n-samples", type=int, default=1_000_000)
    parser.add_argument("--n-features", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

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

    W_np = np.zeros(X.shape[1] + 1, dtype=np.float32)
    W_t = torch.zeros(X.shape[1] + 1, dtype=torch.float32, device=device)
    t_np, _ = _timed(lambda: _gd_epoch(X, y, W_np), "cpu", args.repeat)
    t_t, _ = _timed(lambda: _gd_epoch(Xt, yt, W_t), device, args.repeat)
    print(
        f"gd epoch    numpy {t_np * 1e3:9.2f} ms   torch/{device.type} "
        f"{t_t * 1e3:9.2f} ms   ratio torch/numpy {t_t / t_np:6.3f}"
    )

    def ours_numpy():
        return _lbfgs_fit(X, y, alpha, lambda p: p, lambda g: g)

    def ours_torch():
        return _lbfgs_fit(
            Xt,
            yt,
            alpha,
            lambda p: torch.asarray(p, device=device),
            lambda g: g.cpu().numpy(),
        )

    def theirs(X_, y_):
        with sklearn.config_context(array_api_dispatch=not isinstance(X_, np.ndarray)):
            model = LogisticRegression(C=C, solver="lbfgs", max_iter=1000)
            return model.fit(X_, y_)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        rows = [
            ("skbackprop", "numpy", *_timed(ours_numpy, "cpu", args.repeat)),
            (
                "skbackprop",
                f"torch/{device.type}",
                *_timed(ours_torch, device, args.repeat),
            ),
            (
                "LogisticRegression",
                "numpy",
                *_timed(lambda: theirs(X, y), "cpu", args.repeat),
            ),
            (
                "LogisticRegression",
                f"torch/{device.type}",
                *_timed(lambda: theirs(Xt, yt), device, args.repeat),
            ),
        ]
    print()
    for who, where, seconds, result in rows:
        if isinstance(result, LogisticRegression):
            coef, intercept, n_iter = (
                np.asarray(torch.asarray(a).cpu()).ravel()
                for a in (result.coef_, result.intercept_, result.n_iter_)
            )
            W, nit = np.concatenate([coef, intercept]), int(n_iter.max())
        else:
            W, nit = result
        print(
            f"lbfgs fit   {who:18s} {where:12s} {seconds:8.3f} s  {nit:4d} iterations"
            f"  objective {_objective(X, y, W, alpha):.8f}"
        )


if __name__ == "__main__":
    main()
