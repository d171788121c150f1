"""LossCurveDisplay: what a fit recorded, epoch by epoch, in one figure."""

import numpy as np
from sklearn.base import is_classifier, is_regressor
from sklearn.utils.validation import check_is_fitted


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
            _, ax = plt.subplots()
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
