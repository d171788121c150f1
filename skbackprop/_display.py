"""The displays: what a fit recorded, and what a learning rate range test found.

:class:`LossCurveDisplay` draws a fit's loss epoch by epoch;
:class:`LearningRateRangeDisplay` the loss against the learning rate.
"""

import numpy as np
from sklearn.base import is_classifier, is_regressor
from sklearn.utils.validation import check_is_fitted

from skbackprop._lr_range import lr_range_test


class LossCurveDisplay:
    """Loss curve visualization: the training loss, and the validation run.

    It is recommended to use :meth:`LossCurveDisplay.from_estimator` to create
    a display from a fitted estimator. All parameters are stored as attributes.

    The training loss and, where early stopping held out rows, their loss share
    the left axis; the validation score (accuracy for a classifier, R² for a
    regressor) has an axis of its own on the right.

    Parameters
    ----------
    loss_curve : array-like of shape (n_epochs,)
        The training objective after each epoch, as ``loss_curve_``.
    validation_loss_curve : array-like of shape (n_epochs,), default=None
        The objective on the held-out rows after each epoch, as
        ``validation_loss_curve_``; None draws no validation loss.
    validation_scores : array-like of shape (n_epochs,), default=None
        The score on the held-out rows after each epoch, as
        ``validation_scores_``; None draws no validation score.
    estimator_name : str, default=None
        The name of the estimator, the title of the axes; None draws no title.
    score_name : str, default=None
        What ``validation_scores`` measures, the label of its axis; None means
        ``"Validation score"``.

    Attributes
    ----------
    ax_ : matplotlib Axes
        The axes with the loss curves.
    ax_score_ : matplotlib Axes or None
        The twin axes with the validation score, or None without one.
    figure_ : matplotlib Figure
        The figure of the axes.
    lines_ : dict of str to matplotlib Line2D
        The curves drawn, under the keys ``"loss"``, ``"validation_loss"`` and
        ``"validation_score"``, those that were given.

    See Also
    --------
    sklearn.model_selection.LearningCurveDisplay : Scores against the number
        of training samples.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skbackprop import LogisticCEClassifier, LossCurveDisplay
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> clf = LogisticCEClassifier(early_stopping=True, random_state=0)
    >>> model = make_pipeline(StandardScaler(), clf).fit(X, y)
    >>> display = LossCurveDisplay.from_estimator(model)
    >>> sorted(display.lines_)
    ['loss', 'validation_loss', 'validation_score']
    >>> display.ax_score_.get_ylabel()
    'Validation accuracy'
    """

    def __init__(
        self,
        *,
        loss_curve,
        validation_loss_curve=None,
        validation_scores=None,
        estimator_name=None,
        score_name=None,
    ):
        self.loss_curve = loss_curve
        self.validation_loss_curve = validation_loss_curve
        self.validation_scores = validation_scores
        self.estimator_name = estimator_name
        self.score_name = score_name

    def plot(
        self,
        ax=None,
        *,
        name=None,
        loss_kw=None,
        validation_loss_kw=None,
        validation_score_kw=None,
    ):
        """Plot the curves.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            The axes to draw on; None creates a figure and its axes.
        name : str, default=None
            The title of the axes; None uses ``estimator_name``.
        loss_kw : dict, default=None
            Keyword arguments of ``ax.plot`` for the training loss.
        validation_loss_kw : dict, default=None
            Keyword arguments of ``ax.plot`` for the validation loss.
        validation_score_kw : dict, default=None
            Keyword arguments of ``ax.plot`` for the validation score.

        Returns
        -------
        display : LossCurveDisplay
            The display, with the axes and lines drawn as attributes.
        """
        plt = _import_pyplot(f"{type(self).__name__}.plot")
        if ax is None:
            # Constrained layout keeps the labels (the twin axis's on the
            # right too) inside the figure.
            _, ax = plt.subplots(layout="constrained")
        curves = {
            "loss": (self.loss_curve, "Training loss", "C0", ax, loss_kw),
            "validation_loss": (
                self.validation_loss_curve,
                "Validation loss",
                "C1",
                ax,
                validation_loss_kw,
            ),
        }
        self.ax_score_ = None
        if self.validation_scores is not None:
            self.ax_score_ = ax.twinx()
            score_name = self.score_name or "Validation score"
            self.ax_score_.set_ylabel(score_name)
            curves["validation_score"] = (
                self.validation_scores,
                score_name,
                "C2",
                self.ax_score_,
                validation_score_kw,
            )

        self.lines_ = {}
        for key, (values, label, color, axes, kw) in curves.items():
            if values is None:
                continue
            values = np.asarray(values, dtype=float)
            epochs = np.arange(1, values.shape[0] + 1)
            style = {"label": label, "color": color, **(kw or {})}
            (self.lines_[key],) = axes.plot(epochs, values, **style)

        ax.set_xlabel("Epoch")
        ax.set_ylabel("Loss")
        name = self.estimator_name if name is None else name
        if name is not None:
            ax.set_title(name)
        # One legend for every line on the axes, its twin's included, on the
        # twin when there is one: it is drawn on top.
        handles, labels = ax.get_legend_handles_labels()
        top = ax
        if self.ax_score_ is not None:
            more_handles, more_labels = self.ax_score_.get_legend_handles_labels()
            handles, labels = handles + more_handles, labels + more_labels
            top = self.ax_score_
        top.legend(handles, labels)
        self.ax_ = ax
        self.figure_ = ax.figure
        return self

    @classmethod
    def from_estimator(cls, estimator, *, ax=None, name=None, **kwargs):
        """Plot the curves that a fitted estimator recorded.

        Parameters
        ----------
        estimator : estimator instance
            A fitted estimator with a ``loss_curve_``, such as the estimators
            of skbackprop, or a :class:`~sklearn.pipeline.Pipeline` whose last
            step is one. Its ``validation_loss_curve_`` and
            ``validation_scores_``, where early stopping set them, are drawn
            too.
        ax : matplotlib Axes, default=None
            The axes to draw on; None creates a figure and its axes.
        name : str, default=None
            The title of the axes; None uses the class name of the estimator.
        **kwargs : dict
            Keyword arguments of :meth:`plot`: ``loss_kw``,
            ``validation_loss_kw``, ``validation_score_kw``.

        Returns
        -------
        display : LossCurveDisplay
            The display, with the axes and lines drawn as attributes.
        """
        _import_pyplot(f"{cls.__name__}.from_estimator")
        if hasattr(estimator, "steps"):
            estimator = estimator.steps[-1][1]
        check_is_fitted(estimator)
        if not hasattr(estimator, "loss_curve_"):
            raise TypeError(
                f"{cls.__name__} needs an estimator that records a loss_curve_; "
                f"{type(estimator).__name__} does not."
            )
        if is_classifier(estimator):
            score_name = "Validation accuracy"
        elif is_regressor(estimator):
            score_name = "Validation R²"
        else:
            score_name = None
        display = cls(
            loss_curve=estimator.loss_curve_,
            validation_loss_curve=getattr(estimator, "validation_loss_curve_", None),
            validation_scores=getattr(estimator, "validation_scores_", None),
            estimator_name=type(estimator).__name__,
            score_name=score_name,
        )
        return display.plot(ax=ax, name=name, **kwargs)


class LearningRateRangeDisplay:
    """Learning rate range test visualization: the loss against the rate.

    It is recommended to use :meth:`LearningRateRangeDisplay.from_estimator`
    to run :func:`~skbackprop.lr_range_test` and draw its result. All
    parameters are stored as attributes.

    The training loss of each epoch of the test, and its smoothed curve, are
    drawn against the learning rate on a log axis; a vertical line marks the
    suggested rate, and dots on the smoothed curve the rates of the suggested
    grid.

    Parameters
    ----------
    learning_rates : array-like of shape (n_rates,)
        The rates tried, as the result's ``learning_rates``.
    losses : array-like of shape (n_rates,)
        The training loss at each rate.
    smoothed_losses : array-like of shape (n_rates,), default=None
        The smoothed loss at each rate; None draws no smoothed curve.
    suggested_learning_rate : float, default=None
        The suggested rate; None marks none.
    grid : array-like of shape (n_grid,), default=None
        The rates of the suggested grid; None marks none.
    estimator_name : str, default=None
        The name of the estimator, the title of the axes; None draws no title.

    Attributes
    ----------
    ax_ : matplotlib Axes
        The axes with the curves.
    figure_ : matplotlib Figure
        The figure of the axes.
    lines_ : dict of str to matplotlib Artist
        What was drawn, under the keys ``"loss"``, ``"smoothed_loss"``,
        ``"suggested"`` and ``"grid"``, those that were given.
    result_ : LearningRateRangeResult or None
        The range test's result, when made by :meth:`from_estimator`.

    See Also
    --------
    lr_range_test : The test itself, without a figure.
    LossCurveDisplay : The loss of one fit, epoch by epoch.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skbackprop import LearningRateRangeDisplay, LogisticCEClassifier
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> model = make_pipeline(StandardScaler(), LogisticCEClassifier())
    >>> display = LearningRateRangeDisplay.from_estimator(model, X, y)
    >>> sorted(display.lines_)
    ['grid', 'loss', 'smoothed_loss', 'suggested']
    >>> display.ax_.get_xscale()
    'log'
    """

    def __init__(
        self,
        *,
        learning_rates,
        losses,
        smoothed_losses=None,
        suggested_learning_rate=None,
        grid=None,
        estimator_name=None,
    ):
        self.learning_rates = learning_rates
        self.losses = losses
        self.smoothed_losses = smoothed_losses
        self.suggested_learning_rate = suggested_learning_rate
        self.grid = grid
        self.estimator_name = estimator_name
        self.result_ = None

    def plot(
        self,
        ax=None,
        *,
        name=None,
        loss_kw=None,
        smoothed_loss_kw=None,
        suggested_kw=None,
        grid_kw=None,
    ):
        """Plot the loss against the learning rate.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            The axes to draw on; None creates a figure and its axes.
        name : str, default=None
            The title of the axes; None uses ``estimator_name``.
        loss_kw : dict, default=None
            Keyword arguments of ``ax.plot`` for the loss.
        smoothed_loss_kw : dict, default=None
            Keyword arguments of ``ax.plot`` for the smoothed loss.
        suggested_kw : dict, default=None
            Keyword arguments of ``ax.axvline`` for the suggested rate.
        grid_kw : dict, default=None
            Keyword arguments of ``ax.plot`` for the grid's markers.

        Returns
        -------
        display : LearningRateRangeDisplay
            The display, with the axes and lines drawn as attributes.
        """
        plt = _import_pyplot(f"{type(self).__name__}.plot")
        if ax is None:
            # Constrained layout keeps the labels (the twin axis's on the
            # right too) inside the figure.
            _, ax = plt.subplots(layout="constrained")
        rates = np.asarray(self.learning_rates, dtype=float)
        self.lines_ = {}
        style = {"label": "Training loss", "color": "C0", "alpha": 0.5}
        (self.lines_["loss"],) = ax.plot(
            rates, np.asarray(self.losses, dtype=float), **{**style, **(loss_kw or {})}
        )
        if self.smoothed_losses is not None:
            smoothed = np.asarray(self.smoothed_losses, dtype=float)
            style = {"label": "Smoothed loss", "color": "C0"}
            (self.lines_["smoothed_loss"],) = ax.plot(
                rates, smoothed, **{**style, **(smoothed_loss_kw or {})}
            )
        if self.suggested_learning_rate is not None:
            style = {
                "label": f"Suggested: {self.suggested_learning_rate:.3g}",
                "color": "C3",
                "linestyle": "--",
            }
            self.lines_["suggested"] = ax.axvline(
                self.suggested_learning_rate, **{**style, **(suggested_kw or {})}
            )
        if self.grid is not None:
            grid = np.asarray(self.grid, dtype=float)
            # The grid's rates sit on the curve where it was measured; beyond
            # the rates tried, at its last value.
            curve = self.losses if self.smoothed_losses is None else smoothed
            heights = np.interp(np.log(grid), np.log(rates), np.asarray(curve))
            style = {
                "label": "Suggested grid",
                "color": "C3",
                "marker": "o",
                "linestyle": "none",
            }
            (self.lines_["grid"],) = ax.plot(
                grid, heights, **{**style, **(grid_kw or {})}
            )
        ax.set_xscale("log")
        _show_below_the_spike(ax, self.losses, self.smoothed_losses)
        ax.set_xlabel("Learning rate")
        ax.set_ylabel("Loss")
        name = self.estimator_name if name is None else name
        if name is not None:
            ax.set_title(name)
        ax.legend()
        self.ax_ = ax
        self.figure_ = ax.figure
        return self

    @classmethod
    def from_estimator(cls, estimator, X, y, *, n_grid=5, ax=None, name=None, **kwargs):
        """Run the learning rate range test on an estimator, and plot it.

        Parameters
        ----------
        estimator : estimator instance
            One of skbackprop's estimators, or a
            :class:`~sklearn.pipeline.Pipeline` whose last step is one; it is
            not changed (see :func:`~skbackprop.lr_range_test`).
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Target values.
        n_grid : int, default=5
            The rates of the suggested grid to mark.
        ax : matplotlib Axes, default=None
            The axes to draw on; None creates a figure and its axes.
        name : str, default=None
            The title of the axes; None uses the class name of the estimator.
        **kwargs : dict
            Keyword arguments of :func:`~skbackprop.lr_range_test`
            (``min_lr``, ``max_lr``, ``num``, ``diverge_factor``) and of
            :meth:`plot` (``loss_kw``, ``smoothed_loss_kw``, ``suggested_kw``,
            ``grid_kw``).

        Returns
        -------
        display : LearningRateRangeDisplay
            The display, with the axes and lines drawn as attributes, and
            the test's result as ``result_``.
        """
        _import_pyplot(f"{cls.__name__}.from_estimator")
        plot_names = ("loss_kw", "smoothed_loss_kw", "suggested_kw", "grid_kw")
        plot_kw = {key: kwargs.pop(key) for key in plot_names if key in kwargs}
        result = lr_range_test(estimator, X, y, **kwargs)
        display = cls(
            learning_rates=result.learning_rates,
            losses=result.losses,
            smoothed_losses=result.smoothed_losses,
            suggested_learning_rate=result.suggested_learning_rate,
            grid=next(iter(result.suggested_grid(n_grid).values())),
            estimator_name=result.estimator_name,
        )
        display.result_ = result
        return display.plot(ax=ax, name=name, **plot_kw)


def _show_below_the_spike(ax, losses, smoothed_losses):
    """A log loss axis that the divergence at the end does not flatten.

    The losses span decades, and the last epochs of a diverging test shoot up
    by orders of magnitude: on a log axis, cut above the smoothed curve (whose
    rise ended the test) with a margin, the descent and the turn stay
    readable; the raw spike runs off the top.
    """
    losses = np.asarray(losses, dtype=float)
    shown = losses[np.isfinite(losses) & (losses > 0)]
    if shown.size == 0:
        return
    ax.set_yscale("log")
    curve = shown if smoothed_losses is None else np.asarray(smoothed_losses, float)
    curve = curve[np.isfinite(curve) & (curve > 0)]
    top = SPIKE_MARGIN * (curve.max() if curve.size else shown.max())
    ax.set_ylim(shown.min() / SPIKE_MARGIN, min(top, SPIKE_MARGIN * shown.max()))


# How far beyond the curve the loss axis reaches, as a factor.
SPIKE_MARGIN = 1.5


def _import_pyplot(caller_name):
    """matplotlib.pyplot, imported only when something is drawn.

    The message is that of scikit-learn's ``check_matplotlib_support``, which
    scikit-learn keeps private.
    """
    try:
        import matplotlib.pyplot as plt
    except ImportError as e:
        raise ImportError(
            f"{caller_name} requires matplotlib. You can install matplotlib with "
            "`pip install matplotlib`"
        ) from e
    return plt
