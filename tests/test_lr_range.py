"""lr_range_test and LearningRateRangeDisplay: the range test and its figure."""

import warnings

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from conftest import (
    ESTIMATORS,
    assert_not_fitted,
    assert_same_state,
    fitted_state,
    ignore_convergence,
)
from sklearn.base import clone, is_classifier
from sklearn.datasets import make_classification, make_regression
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, ParameterGrid
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.class_weight import compute_sample_weight

from skbackprop import (
    LearningRateRangeDisplay,
    LearningRateRangeResult,
    LogisticCEClassifier,
    SigmoidSSEClassifier,
    TinyMLPRegressor,
    lr_range_test,
)

# Short fits beside the tests, for a fitted estimator or a quick search.
pytestmark = ignore_convergence


def data_for(estimator):
    if is_classifier(estimator):
        X, y = make_classification(n_samples=150, n_features=5, random_state=0)
    else:
        X, y = make_regression(n_samples=150, n_features=5, noise=1, random_state=0)
    return StandardScaler().fit_transform(X), y


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize("solver", ["gd", "sgd", "adam"])
def test_the_loss_is_recorded_at_rising_rates_up_to_divergence(Estimator, solver):
    estimator = Estimator(solver=solver, random_state=0)
    X, y = data_for(estimator)

    result = lr_range_test(estimator, X, y, min_lr=1e-3, max_lr=1e4, num=30)

    assert isinstance(result, LearningRateRangeResult)
    rates = result.learning_rates
    assert rates[0] == pytest.approx(1e-3)
    assert np.all(np.diff(np.log(rates)) == pytest.approx(np.log(10) * 7 / 29))
    assert result.losses.shape == result.smoothed_losses.shape == rates.shape
    assert np.isfinite(result.losses).all()
    assert rates[0] <= result.suggested_learning_rate <= rates[-1]
    assert result.estimator_name == Estimator.__name__


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_the_estimator_passed_in_is_never_changed(Estimator):
    estimator = Estimator(solver="sgd", random_state=0)
    X, y = data_for(estimator)
    params = estimator.get_params()

    lr_range_test(estimator, X, y, num=20)

    assert estimator.get_params() == params
    assert_not_fitted(estimator)

    fitted = clone(estimator).set_params(max_iter=5).fit(X, y)
    before = fitted_state(fitted)
    lr_range_test(fitted, X, y, num=20)
    assert_same_state(before, fitted_state(fitted))


def test_a_pipeline_is_left_unfitted_and_its_grid_has_the_step_prefix():
    X, y = make_classification(n_samples=150, n_features=5, random_state=0)
    model = make_pipeline(StandardScaler(), LogisticCEClassifier())

    result = lr_range_test(model, X, y, num=20)

    assert_not_fitted(model[0])
    assert_not_fitted(model[-1])
    assert result.param_name == "logisticceclassifier__learning_rate"
    assert list(result.suggested_grid(3)) == ["logisticceclassifier__learning_rate"]


def test_the_earlier_steps_are_fitted_once_on_all_the_rows():
    X, y = make_classification(n_samples=150, n_features=5, random_state=0)
    X = 1000 * X + 50  # unscaled: only the scaler makes them trainable
    estimator = SigmoidSSEClassifier(solver="gd")

    piped = lr_range_test(make_pipeline(StandardScaler(), estimator), X, y, num=20)
    bare = lr_range_test(estimator, StandardScaler().fit_transform(X), y, num=20)

    np.testing.assert_allclose(piped.losses, bare.losses)
    assert piped.suggested_learning_rate == bare.suggested_learning_rate


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_a_diverging_rate_ends_the_test_cleanly_without_warnings(Estimator):
    estimator = Estimator(solver="sgd", random_state=0)
    X, y = data_for(estimator)

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = lr_range_test(estimator, X, y, min_lr=1e-2, max_lr=1e8, num=40)

    assert result.diverged
    assert len(result.learning_rates) < 40
    assert result.learning_rates[-1] < 1e8
    assert np.isfinite(result.losses).all()


def test_the_suggestion_is_the_steepest_descent_of_the_smoothed_loss():
    estimator = LogisticCEClassifier(solver="sgd", random_state=0)
    X, y = data_for(estimator)

    result = lr_range_test(estimator, X, y, num=40)

    lowest = np.argmin(result.smoothed_losses)
    slopes = np.gradient(
        result.smoothed_losses[: lowest + 1],
        np.log10(result.learning_rates[: lowest + 1]),
    )
    assert result.suggested_learning_rate == result.learning_rates[np.argmin(slopes)]
    # Falling there, and below where the loss is lowest.
    assert slopes.min() < 0
    assert result.suggested_learning_rate < result.learning_rates[lowest]


@pytest.mark.parametrize(
    "estimator",
    [
        LogisticCEClassifier(solver="gd"),
        TinyMLPRegressor(solver="adam", random_state=0),
    ],
)
def test_for_a_rate_that_bounds_the_steps_the_suggestion_is_below_the_lowest_loss(
    estimator,
):
    X, y = data_for(estimator)

    result = lr_range_test(estimator, X, y, num=40)

    lowest = np.argmin(result.smoothed_losses)
    assert result.suggested_learning_rate == pytest.approx(
        result.learning_rates[lowest] / 10**0.5
    )


def test_gd_under_a_constant_schedule_takes_the_steepest_descent():
    estimator = LogisticCEClassifier(solver="gd", learning_rate_schedule="constant")
    X, y = data_for(estimator)

    result = lr_range_test(estimator, X, y, num=40)

    lowest = np.argmin(result.smoothed_losses)
    assert result.suggested_learning_rate < result.learning_rates[lowest]


@pytest.mark.parametrize("n", [1, 4, 5])
def test_the_grid_is_geometric_around_the_suggestion(n):
    result = LearningRateRangeResult(
        learning_rates=np.geomspace(1e-4, 1, 5),
        losses=np.ones(5),
        smoothed_losses=np.ones(5),
        suggested_learning_rate=0.01,
    )

    (rates,) = result.suggested_grid(n).values()

    assert len(rates) == n
    assert all(isinstance(rate, float) for rate in rates)
    np.testing.assert_allclose(np.diff(np.log10(rates)), 0.5)
    np.testing.assert_allclose(np.sqrt(rates[0] * rates[-1]), 0.01)


@pytest.mark.parametrize(
    "Estimator, solver", [(TinyMLPRegressor, "sgd"), (LogisticCEClassifier, "gd")]
)
def test_the_grid_never_exceeds_the_largest_rate_before_divergence(Estimator, solver):
    # The cases: the network's sgd on Friedman #1 (the grid ended at
    # 1.93 past a divergence at 0.52) and the classifier's gd (118 past 72).
    from sklearn.datasets import load_breast_cancer, make_friedman1

    if Estimator is TinyMLPRegressor:
        X, y = make_friedman1(n_samples=1000, noise=0.5, random_state=0)
    else:
        X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)

    result = lr_range_test(Estimator(solver=solver, random_state=0), X, y)

    assert result.diverged
    assert result.largest_stable_learning_rate < result.learning_rates[-1]
    for n in (1, 3, 5, 9):
        (rates,) = result.suggested_grid(n).values()
        assert len(rates) == n
        assert max(rates) <= result.largest_stable_learning_rate * (1 + 1e-12)
        np.testing.assert_allclose(np.diff(np.log10(rates)), 0.5)


def test_a_grid_that_would_pass_the_divergence_moves_down_to_end_at_it():
    result = LearningRateRangeResult(
        learning_rates=np.geomspace(1e-4, 1, 5),
        losses=np.array([1.0, 0.5, 0.3, 0.2, 9.0]),
        smoothed_losses=np.array([1.0, 0.7, 0.5, 0.4, 5.0]),
        suggested_learning_rate=0.01,
        diverged=True,
    )
    # The last rate, 1, diverged: the one before, 0.1, is the largest stable.
    assert result.largest_stable_learning_rate == pytest.approx(0.1)

    (rates,) = result.suggested_grid(5).values()

    np.testing.assert_allclose(rates, np.geomspace(1e-3, 1e-1, 5))


def test_the_grid_fits_straight_into_grid_search_cv():
    X, y = make_classification(n_samples=100, n_features=5, random_state=0)
    model = make_pipeline(StandardScaler(), LogisticCEClassifier(max_iter=50))
    grid = lr_range_test(model, X, y, num=20).suggested_grid(3)

    assert len(list(ParameterGrid(grid))) == 3
    search = GridSearchCV(model, grid, cv=3).fit(X, y)

    assert search.best_params_["logisticceclassifier__learning_rate"] in next(
        iter(grid.values())
    )


def test_an_estimator_not_of_skbackprop_is_refused():
    X, y = make_regression(n_samples=30, n_features=3, random_state=0)
    with pytest.raises(ValueError, match="one of skbackprop's estimators"):
        lr_range_test(LogisticRegression(), X, y)


@pytest.mark.parametrize("Classifier", [SigmoidSSEClassifier, LogisticCEClassifier])
def test_balanced_class_weights_weigh_the_rows_as_in_a_fit(Classifier, monkeypatch):
    """The classes and their weights are those of all of y, as fit's are."""
    X, y = make_classification(
        n_samples=150, n_features=5, weights=[0.8], random_state=0
    )
    seen = []
    loss_grad = Classifier._loss_grad

    def spy(self, X, targets, sample_weight, params, **kwargs):
        seen.append(sample_weight)
        return loss_grad(self, X, targets, sample_weight, params, **kwargs)

    monkeypatch.setattr(Classifier, "_loss_grad", spy)
    lr_range_test(Classifier(solver="gd", class_weight="balanced"), X, y, num=3)
    np.testing.assert_allclose(seen[0], compute_sample_weight("balanced", y))


def test_lbfgs_steps_without_backtracking_so_its_loss_can_diverge():
    # Its fit halves any step too long; the test must see the rates where a
    # multiple of the quasi-Newton step overshoots.
    X, y = make_regression(n_samples=200, n_features=5, noise=1, random_state=0)
    X = StandardScaler().fit_transform(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = lr_range_test(
            TinyMLPRegressor(random_state=0), X, y, min_lr=1e-2, max_lr=1e3
        )
    assert result.learning_rates[-1] < 1e3  # stopped by the divergence
    assert 1e-2 < result.suggested_learning_rate < result.learning_rates[-1]


@pytest.mark.parametrize(
    "kwargs",
    [{"min_lr": 0}, {"min_lr": 1.0, "max_lr": 0.1}, {"num": 1}, {"diverge_factor": 1}],
)
def test_invalid_ranges_are_refused(kwargs):
    X, y = make_regression(n_samples=30, n_features=3, random_state=0)
    with pytest.raises(ValueError):
        lr_range_test(TinyMLPRegressor(), X, y, **kwargs)


def test_the_display_draws_the_loss_on_a_log_axis_with_its_marks():
    X, y = make_classification(n_samples=150, n_features=5, random_state=0)
    model = make_pipeline(StandardScaler(), SigmoidSSEClassifier())

    display = LearningRateRangeDisplay.from_estimator(model, X, y, num=20, n_grid=3)

    result = display.result_
    assert sorted(display.lines_) == ["grid", "loss", "smoothed_loss", "suggested"]
    np.testing.assert_array_equal(
        display.lines_["loss"].get_xdata(), result.learning_rates
    )
    np.testing.assert_array_equal(display.lines_["loss"].get_ydata(), result.losses)
    (rates,) = result.suggested_grid(3).values()
    np.testing.assert_allclose(display.lines_["grid"].get_xdata(), rates)
    assert display.lines_["suggested"].get_xdata()[0] == pytest.approx(
        result.suggested_learning_rate
    )
    assert display.ax_.get_xscale() == "log"
    assert display.ax_.get_yscale() == "log"
    assert display.ax_.get_xlabel() == "Learning rate"
    assert display.ax_.get_title() == "SigmoidSSEClassifier"
    assert display.figure_ is display.ax_.figure


def test_the_display_plots_given_values_on_given_axes():
    _, ax = plt.subplots()
    display = LearningRateRangeDisplay(
        learning_rates=[1e-3, 1e-2, 1e-1], losses=[1.0, 0.5, 2.0]
    )

    display.plot(ax=ax, name="mine", loss_kw={"color": "k"})

    assert display.ax_ is ax
    assert list(display.lines_) == ["loss"]
    assert ax.get_title() == "mine"
    assert display.lines_["loss"].get_color() == "k"


def test_the_divergence_spike_is_clipped_on_a_log_loss_axis():
    # A spike a million times the lowest loss must not flatten the descent.
    losses = [1.0, 0.6, 0.3, 0.2, 0.25, 1e6]
    smoothed = [1.0, 0.8, 0.55, 0.4, 0.35, 1.5]
    display = LearningRateRangeDisplay(
        learning_rates=np.geomspace(1e-3, 1e2, 6),
        losses=losses,
        smoothed_losses=smoothed,
    ).plot()

    bottom, top = display.ax_.get_ylim()
    assert display.ax_.get_yscale() == "log"
    assert bottom <= min(losses) and top < 1e6
    assert top >= max(smoothed)


def test_the_display_lays_out_its_labels_inside_the_figure():
    X, y = make_classification(n_samples=150, n_features=5, random_state=0)
    display = LearningRateRangeDisplay.from_estimator(
        make_pipeline(StandardScaler(), LogisticCEClassifier()), X, y, num=20
    )
    figure = display.figure_
    figure.canvas.draw()
    inside = figure.bbox
    for label in (display.ax_.xaxis.label, display.ax_.yaxis.label):
        box = label.get_window_extent()
        assert inside.x0 <= box.x0 and box.x1 <= inside.x1
        assert inside.y0 <= box.y0 and box.y1 <= inside.y1
