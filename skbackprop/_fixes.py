"""What differs between the scikit-learn releases skbackprop supports (1.6 on).

Everything skbackprop takes from scikit-learn's private modules, or from a
release newer than 1.6, comes through here, as scikit-learn's own
``sklearn/utils/fixes.py`` gathers what differs between numpy and scipy
releases. Each shim names the release it serves, and is written out at module
level so that the tests check it on every release; once the oldest supported
release has the name, the shim goes and the import stays.

A feature that only newer releases have is absent on older ones, with a
message that says which release it needs when it is asked for, never an
``ImportError`` when skbackprop is imported.
"""

import functools

import numpy as np
import sklearn
from sklearn import get_config

# Private, and the same from scikit-learn 1.6 to 1.9.
from sklearn.utils._array_api import (
    _check_array_api_dispatch,
    _convert_to_numpy,
    get_namespace_and_device,
)
from sklearn.utils._array_api import _is_numpy_namespace as is_numpy_namespace

# Private, and the same from scikit-learn 1.6 to 1.9: the constraints that
# BaseEstimator._validate_params checks the parameters against, and that
# check_estimator's check_param_validation reads from _parameter_constraints.
from sklearn.utils._param_validation import Interval, Options, StrOptions

__all__ = [
    "CallbackSupportMixin",
    "NonBoolInterval",
    "Options",
    "StrOptions",
    "array_api_dispatch_available",
    "check_same_namespace",
    "get_config",
    "get_namespace_and_device",
    "is_numpy_namespace",
    "move_estimator_to",
    "move_to",
    "with_callbacks",
]


@functools.cache
def array_api_dispatch_available():
    """Whether scikit-learn can turn ``array_api_dispatch`` on here.

    Every release from 1.6 to 1.9 needs array-api-compat, scipy 1.14 or newer
    and ``SCIPY_ARRAY_API=1`` for it, and ``set_config`` says so where one is
    missing. Where it is, the estimators work on numpy alone, and their tags
    do not claim array-API support, so ``check_estimator`` leaves out the
    array-API checks.
    """
    try:
        _check_array_api_dispatch(True)
    except (ImportError, RuntimeError):
        return False
    return True


def _move_to(*arrays, xp, device):
    """Move ``arrays`` (None entries stay None) to namespace ``xp`` on ``device``.

    For scikit-learn < 1.8, which has no ``move_to``: through the host, with
    ``xp.asarray``. An array already in ``xp`` on ``device`` is returned as it
    is; one array comes back alone, several as a tuple, as 1.8's.
    """
    moved = []
    for array in arrays:
        if array is None:
            moved.append(None)
            continue
        array_xp, _, array_device = get_namespace_and_device(array)
        if array_xp == xp and array_device == device:
            moved.append(array)
            continue
        on_host = np.asarray(_convert_to_numpy(array, array_xp))
        moved.append(
            on_host if is_numpy_namespace(xp) else xp.asarray(on_host, device=device)
        )
    return moved[0] if len(moved) == 1 else tuple(moved)


def _check_same_namespace(X, estimator, *, attribute, method):
    """Refuse ``X`` unless it lives in the namespace and on the device of the fit.

    For scikit-learn < 1.9: 1.9's check of this name, with its message, less
    its advice to call ``move_estimator_to`` (1.9 on).
    """
    if not get_config()["array_api_dispatch"]:
        return
    fitted_xp, _, fitted_device = get_namespace_and_device(
        getattr(estimator, attribute)
    )
    X_xp, _, X_device = get_namespace_and_device(X)
    if (X_xp == fitted_xp and X_device == fitted_device) or (
        is_numpy_namespace(fitted_xp) and is_numpy_namespace(X_xp)
    ):
        return
    if X_xp != fitted_xp:
        what = (
            f"Array namespaces used during fit ({fitted_xp.__name__}) and "
            f"{method} ({X_xp.__name__}) differ."
        )
    else:
        what = (
            f"Devices used during fit ({fitted_device}) and {method} "
            f"({X_device}) differ."
        )
    raise ValueError(
        f"Inputs passed to {type(estimator).__name__}.{method}() must use the "
        f"same namespace and the same device as those passed to fit(). {what}"
    )


class NonBoolInterval(Interval):
    """scikit-learn's ``Interval``, which a bool does not satisfy.

    Python's ``True`` is an int (and a float), so ``Interval(Integral, ...)``
    takes ``n_hidden=True`` for one hidden unit; here it is the mistake it
    looks like, refused with ``Interval``'s own message. ``np.bool_`` is no
    number to numpy, and no ``Interval`` takes it.
    """

    def is_satisfied_by(self, val):
        """Whether ``val`` is a number of the interval's type in it, and no bool."""
        return not isinstance(val, bool) and super().is_satisfied_by(val)


class _NoCallbackSupportMixin:
    """For scikit-learn < 1.9, which has no callbacks.

    ``set_callbacks`` exists only to say which release it needs.
    """

    def set_callbacks(self, *callbacks):
        """Refuse: callbacks need scikit-learn 1.9 or newer.

        Parameters
        ----------
        *callbacks : object
            The callbacks asked for.

        Raises
        ------
        RuntimeError
            Always, naming the release installed.
        """
        raise RuntimeError(
            "Callbacks (set_callbacks, sklearn.callback.ProgressBar) need "
            f"scikit-learn 1.9 or newer; scikit-learn {sklearn.__version__} is "
            "installed. Upgrade it with `pip install -U scikit-learn`, or watch "
            "a fit with verbose=1."
        )


def _without_callbacks(method):
    """Return ``method`` unchanged: there are no callbacks to tear down."""
    return method


# scikit-learn 1.8 moves arrays between namespaces and devices with move_to.
try:
    from sklearn.utils._array_api import move_to
except ImportError:  # scikit-learn < 1.8
    move_to = _move_to

# scikit-learn 1.9 checks that predict's X lives where the fit's did.
try:
    from sklearn.utils._array_api import check_same_namespace
except ImportError:  # scikit-learn < 1.9
    check_same_namespace = _check_same_namespace

# scikit-learn 1.9 moves a fitted estimator's arrays to another namespace.
try:
    from sklearn.utils._array_api import move_estimator_to
except ImportError:  # scikit-learn < 1.9: the advice is to fit again on numpy
    move_estimator_to = None

# scikit-learn 1.9 has callbacks (sklearn.callback): ProgressBar, and the hooks
# that an estimator calls once per fit and per iteration.
try:
    from sklearn.callback import CallbackSupportMixin, with_callbacks
except ImportError:  # scikit-learn < 1.9
    CallbackSupportMixin = _NoCallbackSupportMixin
    with_callbacks = _without_callbacks
