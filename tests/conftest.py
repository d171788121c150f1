"""What the test files share: the estimators, the solvers and fitted-state helpers.

Import the names from here (``from conftest import ESTIMATORS``); a module that
fits on a small shared machine asks for ``one_blas_thread``, one whose fits stop
short on purpose is marked ``ignore_convergence``. Figures a test draws are
closed after it.
"""

import copy
import math
import os
import sys
from collections import deque

# scipy reads this once, when first imported: its array-API support (for
# scipy.special on torch tensors, say) must be on before anything imports it.
# pytest loads this file before it collects a test, so `pytest` and `make test`
# both get it, provided pyproject's pytest settings import nothing that imports
# scipy (see pytest_configure).
os.environ.setdefault("SCIPY_ARRAY_API", "1")

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

from skbackprop import LogisticCEClassifier, SigmoidSSEClassifier, TinyMLPRegressor

CLASSIFIERS = [SigmoidSSEClassifier, LogisticCEClassifier]
ESTIMATORS = [*CLASSIFIERS, TinyMLPRegressor]
SOLVERS = ["gd", "sgd", "adam", "lbfgs"]
# The solvers with partial_fit: L-BFGS's curvature model needs the whole data.
ITERATIVE_SOLVERS = ["gd", "sgd", "adam"]


def pytest_configure(config):
    """Let scikit-learn's FitFailedWarning pass, though it is a RuntimeWarning.

    A grid search with a diverging learning rate raises it on purpose. It is
    added here, after pyproject's "error::RuntimeWarning" (the last match
    wins), and not in pyproject, whose filters pytest resolves, importing
    scikit-learn, before this file can set SCIPY_ARRAY_API.
    """
    config.addinivalue_line(
        "filterwarnings", "default::sklearn.exceptions.FitFailedWarning"
    )


def pytest_report_header(config):
    """The stack under test: `make test-stacks` runs the suite on several."""
    import scipy
    import sklearn
    import threadpoolctl
    from threadpoolctl import threadpool_info

    kernels = sorted({str(lib.get("architecture")) for lib in threadpool_info()})
    return (
        f"stack: scikit-learn {sklearn.__version__}, numpy {np.__version__}, "
        f"scipy {scipy.__version__}, threadpoolctl {threadpoolctl.__version__}; "
        f"BLAS kernels {', '.join(kernels)}"
    )


# For fits stopped short on purpose: where a test needs fitted parameters, not
# optimal ones, the ConvergenceWarning they raise is no fault.
ignore_convergence = pytest.mark.filterwarnings(
    "ignore::sklearn.exceptions.ConvergenceWarning"
)


@pytest.fixture(autouse=True)
def close_figures():
    """Close the figures a test drew, so that none outlives it."""
    yield
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")


@pytest.fixture(scope="module")
def one_blas_thread():
    """One BLAS thread: on a small shared machine, more make small fits crawl."""
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def classification(n_samples, n_classes):
    """make_classification's rows, seeded: six features, four of them informative."""
    return make_classification(
        n_samples=n_samples,
        n_features=6,
        n_informative=4,
        n_classes=n_classes,
        random_state=0,
    )


def fitted_arrays(estimator, *, intercepts=True):
    """The fitted weights of any of the three, as a list of arrays."""
    if isinstance(estimator, TinyMLPRegressor):
        coefs, biases = estimator.coefs_, estimator.intercepts_
    else:
        coefs, biases = [estimator.coef_], [estimator.intercept_]
    return [*coefs, *biases] if intercepts else list(coefs)


# Weights of two fits that stopped an epoch apart (see same_epochs) agree to
# this, relative to their largest entry: the extra epoch was taken where a fit
# judged itself converged, and moved the weights by little more than tol.
ONE_EPOCH_APART = 1e-3


def same_epochs(fit, reference, rtol):
    """Check that two fits whose arithmetic agrees to rounding ran the same epochs.

    A fit stops on a comparison (a gradient entry below tol, a loss or a
    validation score that stopped improving by tol) of numbers that the two
    compute alike only to rounding: where one lands within that rounding of the
    threshold, the other may stop an epoch sooner or later, on another CPU or
    BLAS kernel. So the counts may differ by one, and the loss curves agree, to
    ``rtol``, over the epochs both ran. Returns whether the counts are equal,
    for the caller to compare the weights at ``rtol`` or ``ONE_EPOCH_APART``.
    """
    assert abs(fit.n_iter_ - reference.n_iter_) <= 1, (fit.n_iter_, reference.n_iter_)
    n = min(len(fit.loss_curve_), len(reference.loss_curve_))
    np.testing.assert_allclose(
        fit.loss_curve_[:n], reference.loss_curve_[:n], rtol=rtol, atol=rtol
    )
    return fit.n_iter_ == reference.n_iter_


def outputs(estimator, X):
    """Everything the estimator says about X."""
    methods = ["predict", "predict_proba", "predict_log_proba", "decision_function"]
    return [getattr(estimator, m)(X) for m in methods if hasattr(estimator, m)]


def fitted_state(estimator):
    """Everything on the estimator but its hyperparameters, deep-copied."""
    params = estimator.get_params(deep=False)
    return copy.deepcopy({k: v for k, v in vars(estimator).items() if k not in params})


def assert_same_state(before, after, path="estimator"):
    """Equal values of the same types, recursively through objects' attributes.

    Arrays are compared bit for bit, with their dtypes, and NaN equals NaN.
    """
    assert type(before) is type(after), f"{path}: {type(before)} != {type(after)}"
    if isinstance(before, dict):
        assert before.keys() == after.keys(), f"{path}: {before.keys() ^ after.keys()}"
        for key in before:
            assert_same_state(before[key], after[key], f"{path}.{key}")
    elif isinstance(before, (list, tuple, deque)):
        assert len(before) == len(after), path
        for i, (b, a) in enumerate(zip(before, after)):
            assert_same_state(b, a, f"{path}[{i}]")
    elif isinstance(before, np.ndarray):
        assert before.dtype == after.dtype, path
        assert np.array_equal(before, after, equal_nan=before.dtype.kind in "fc"), path
    elif hasattr(before, "__dict__") and not callable(before):
        assert_same_state(vars(before), vars(after), path)
    elif isinstance(before, float) and math.isnan(before):
        assert math.isnan(after), path
    else:
        assert before == after, path


def assert_not_fitted(estimator):
    """``check_is_fitted`` says the estimator has not been fitted."""
    with pytest.raises(NotFittedError):
        check_is_fitted(estimator)
