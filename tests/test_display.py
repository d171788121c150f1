"""LossCurveDisplay draws what a fit recorded, as scikit-learn's displays do."""

import sys

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from conftest import ignore_convergence
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skbackprop import (
    LogisticCEClassifier,
    LossCurveDisplay,
    SigmoidSSEClassifier,
    TinyMLPRegressor,
)

# Short fits, to draw short curves.
pytestmark = ignore_convergence


@pytest.fixture(scope="module")
def classification():
    return make_classification(n_samples=200, n_features=5, random_state=0)


@pytest.fixture(scope="module")
def regression():
    return make_regression(n_samples=200, n_features=5, noise=1, random_state=0)


def test_from_estimator_draws_the_loss_curve_by_epoch(classification):
    clf = SigmoidSSEClassifier(max_iter=50, tol=0).fit(*classification)

    display = LossCurveDisplay.from_estimator(clf)

    assert list(display.lines_) == ["loss"]
    line = display.lines_["loss"]
    np.testing.assert_array_equal(line.get_xdata(), np.arange(1, 51))
    np.testing.assert_array_equal(line.get_ydata(), clf.loss_curve_)
    assert display.ax_score_ is None
    assert display.ax_.get_xlabel() == "Epoch"
    assert display.ax_.get_title() == "SigmoidSSEClassifier"
    assert display.figure_ is display.ax_.figure


@pytest.mark.parametrize(
    "estimator, data, score_name",
    [
        (LogisticCEClassifier, "classification", "Validation accuracy"),
        (TinyMLPRegressor, "regression", "Validation R²"),
    ],
)
def test_early_stopping_adds_validation_loss_and_score_on_a_twin_axis(
    estimator, data, score_name, request
):
    fitted = estimator(early_stopping=True, random_state=0)
    fitted.fit(*request.getfixturevalue(data))

    display = LossCurveDisplay.from_estimator(fitted)

    assert list(display.lines_) == ["loss", "validation_loss", "validation_score"]
    assert display.lines_["validation_loss"].axes is display.ax_
    np.testing.assert_array_equal(
        display.lines_["validation_loss"].get_ydata(), fitted.validation_loss_curve_
    )
    score_line = display.lines_["validation_score"]
    assert score_line.axes is display.ax_score_
    assert display.ax_score_.get_shared_x_axes().joined(display.ax_, display.ax_score_)
    np.testing.assert_array_equal(score_line.get_ydata(), fitted.validation_scores_)
    assert display.ax_score_.get_ylabel() == score_name
    legend = [text.get_text() for text in display.ax_score_.get_legend().get_texts()]
    assert legend == ["Training loss", "Validation loss", score_name]


def test_a_pipeline_is_drawn_from_its_last_step(regression):
    model = make_pipeline(StandardScaler(), TinyMLPRegressor(max_iter=30, tol=0))
    model.fit(*regression)

    display = LossCurveDisplay.from_estimator(model)

    np.testing.assert_array_equal(
        display.lines_["loss"].get_ydata(), model[-1].loss_curve_
    )
    assert display.ax_.get_title() == "TinyMLPRegressor"


def test_plot_draws_on_the_given_axes_and_returns_the_display():
    display = LossCurveDisplay(loss_curve=[3.0, 2.0, 1.5], estimator_name="model")
    _, ax = plt.subplots()

    returned = display.plot(ax=ax, name="mine", loss_kw={"color": "k", "ls": "--"})

    assert returned is display
    assert display.ax_ is ax
    assert display.ax_.get_title() == "mine"
    assert display.lines_["loss"].get_color() == "k"
    assert display.lines_["loss"].get_linestyle() == "--"


def test_several_estimators_share_one_axes(classification):
    _, ax = plt.subplots()
    for solver in ("gd", "adam"):
        clf = LogisticCEClassifier(solver=solver, max_iter=20, random_state=0)
        clf.fit(*classification)
        LossCurveDisplay.from_estimator(clf, ax=ax, loss_kw={"label": solver})

    assert [line.get_label() for line in ax.get_lines()] == ["gd", "adam"]
    legend = [text.get_text() for text in ax.get_legend().get_texts()]
    assert legend == ["gd", "adam"]


def test_validation_scores_without_loss_curve_get_the_default_axis_label():
    display = LossCurveDisplay(loss_curve=[1.0, 0.5], validation_scores=[0.6, 0.7])

    display.plot()

    assert display.ax_score_.get_ylabel() == "Validation score"
    assert list(display.lines_) == ["loss", "validation_score"]


def test_from_estimator_needs_a_fitted_estimator_with_a_loss_curve(classification):
    with pytest.raises(NotFittedError):
        LossCurveDisplay.from_estimator(LogisticCEClassifier())
    with pytest.raises(TypeError, match="loss_curve_"):
        LossCurveDisplay.from_estimator(LogisticRegression().fit(*classification))


def test_plotting_without_matplotlib_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    display = LossCurveDisplay(loss_curve=[1.0])

    with pytest.raises(ImportError, match="LossCurveDisplay.plot requires matplotlib"):
        display.plot()


def test_every_label_and_tick_stays_inside_the_figure_with_a_twin_axis():
    # The case: without a layout engine, wide tick labels and the
    # twin axis's label on the right ran past the figure's edges.
    display = LossCurveDisplay(
        loss_curve=[1e5, 2e4, 1e4],
        validation_scores=[0.123451, 0.123452, 0.123453],
        score_name="Validation balanced accuracy",
    ).plot()
    figure = display.figure_
    figure.canvas.draw()

    drawn = figure.get_tightbbox(figure.canvas.get_renderer())
    width, height = figure.get_size_inches()
    assert 0 <= drawn.x0 and drawn.x1 <= width
    assert 0 <= drawn.y0 and drawn.y1 <= height
