"""The shims for older scikit-learn releases do what the newer releases' names do.

Each shim of ``skbackprop._fixes`` is tested on every release, including those
that have the real thing, against which it is then compared.
"""

import importlib.util
from numbers import Integral, Real

import numpy as np
import pytest
from sklearn import config_context

from skbackprop import LogisticCEClassifier
from skbackprop._fixes import (
    Interval,
    NonBoolInterval,
    _check_same_namespace,
    _move_to,
    _NoCallbackSupportMixin,
    array_api_dispatch_available,
)

needs_dispatch = pytest.mark.skipif(
    not array_api_dispatch_available(),
    reason="scikit-learn cannot turn array_api_dispatch on here (scipy < 1.14)",
)
HAS_CALLBACKS = importlib.util.find_spec("sklearn.callback") is not None


def test_dispatch_is_available_exactly_where_scikit_learn_turns_it_on():
    try:
        with config_context(array_api_dispatch=True):
            pass
    except (ImportError, RuntimeError):
        assert not array_api_dispatch_available()
    else:
        assert array_api_dispatch_available()


def test_the_estimators_claim_array_api_support_only_where_dispatch_works():
    tags = LogisticCEClassifier().__sklearn_tags__()
    assert tags.array_api_support is array_api_dispatch_available()


@needs_dispatch
def test_move_to_takes_arrays_to_a_namespace_and_back():
    xp = pytest.importorskip("array_api_strict")
    array = np.arange(6.0).reshape(2, 3)
    with config_context(array_api_dispatch=True):
        moved = _move_to(array, xp=xp, device=xp.Device("CPU_DEVICE"))
        assert type(moved) is type(xp.asarray(array))
        back, none = _move_to(moved, None, xp=np, device="cpu")
    assert isinstance(back, np.ndarray)
    np.testing.assert_array_equal(back, array)
    assert none is None


@needs_dispatch
def test_move_to_returns_an_array_already_in_place_as_it_is():
    array = np.arange(3.0)
    with config_context(array_api_dispatch=True):
        assert _move_to(array, xp=np, device="cpu") is array


@needs_dispatch
def test_predict_on_another_namespace_than_the_fit_is_refused_by_name():
    xp = pytest.importorskip("array_api_strict")
    model = LogisticCEClassifier().fit([[0.0], [1.0], [2.0], [3.0]], [0, 0, 1, 1])
    with config_context(array_api_dispatch=True):
        _check_same_namespace(
            np.ones((2, 1)), model, attribute="coef_", method="predict"
        )
        with pytest.raises(
            ValueError, match=r"LogisticCEClassifier\.predict\(\).*differ"
        ):
            _check_same_namespace(
                xp.ones((2, 1)), model, attribute="coef_", method="predict"
            )


def test_set_callbacks_before_scikit_learn_1_9_names_the_release_it_needs():
    with pytest.raises(RuntimeError, match="need scikit-learn 1.9 or newer"):
        _NoCallbackSupportMixin().set_callbacks(object())


@pytest.mark.skipif(HAS_CALLBACKS, reason="this scikit-learn has callbacks")
def test_an_estimator_asked_for_callbacks_says_which_release_has_them():
    with pytest.raises(RuntimeError, match="verbose=1"):
        LogisticCEClassifier().set_callbacks(object())


@pytest.mark.parametrize("value", [True, False])
def test_non_bool_interval_refuses_the_bools_that_scikit_learns_interval_takes(value):
    # Python's True is an int and a float: Interval alone would take it.
    integers = Interval(Integral, 0, None, closed="left")
    reals = Interval(Real, 0, 1, closed="both")
    assert integers.is_satisfied_by(value) and reals.is_satisfied_by(value)
    assert not NonBoolInterval(Integral, 0, None, closed="left").is_satisfied_by(value)
    assert not NonBoolInterval(Real, 0, 1, closed="both").is_satisfied_by(value)


@pytest.mark.parametrize(
    "value, inside",
    [(1, True), (np.int64(5), True), (0, False), (1.5, False), (None, False)],
)
def test_non_bool_interval_otherwise_judges_and_reads_as_scikit_learns(value, inside):
    ours = NonBoolInterval(Integral, 1, None, closed="left")
    theirs = Interval(Integral, 1, None, closed="left")
    assert ours.is_satisfied_by(value) is theirs.is_satisfied_by(value) is inside
    assert str(ours) == str(theirs) == "an int in the range [1, inf)"
