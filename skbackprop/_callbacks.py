"""scikit-learn's callback API (1.9+), reported to once per fit and per epoch.

Where scikit-learn has no ``sklearn.callback`` module (before 1.9, see
:mod:`skbackprop._fixes`), no estimator has callbacks, and
:class:`FitMonitor` does nothing.
"""

from skbackprop._namespace import copy

__all__ = ["NO_MONITOR", "FitMonitor"]


class FitMonitor:
    """Open the fit's callback context and one subcontext per epoch.

    Each hook gets the model as it stands then: the fitted attributes of the
    current parameters, copied when the hook is called, as LogisticRegression
    passes them, so that a callback keeping them sees each epoch's own model.

    Parameters
    ----------
    estimator : estimator instance
        The estimator being fitted.
    X, y : array-like
        The training data, passed on to the callbacks.
    max_iter : int
        The most epochs, the number of subtasks a progress bar expects.
    params_to_attributes : callable
        ``params_to_attributes(params)`` gives the fitted attributes of an
        estimator with these parameters, for callbacks that predict mid-fit.
    params : list of ndarray
        The parameters the fit starts from.
    """

    def __init__(self, estimator, X, y, max_iter, params_to_attributes, params):
        self._estimator = estimator
        self._data = {"X": X, "y": y}
        self._params_to_attributes = params_to_attributes
        self._context = None
        self._epoch = None
        # Without callbacks there is no one to tell: a context per epoch would
        # cost more than a small epoch itself.
        if getattr(estimator, "_skl_callbacks", None):
            self._context = estimator._init_callback_context(max_subtasks=max_iter)
            self._context.call_on_fit_task_begin(**self._arguments(params))

    def epoch_begins(self, params):
        """Open the subcontext of the next epoch, which starts from ``params``."""
        if self._context is not None:
            self._epoch = self._context.subcontext(task_name="epoch")
            self._epoch.call_on_fit_task_begin(**self._arguments(params))

    def epoch_ends(self, params):
        """Close the epoch's subcontext; return whether a callback asks to stop."""
        if self._epoch is None:
            return False
        return bool(self._epoch.call_on_fit_task_end(**self._arguments(params)))

    def fit_ends(self, params):
        """Close the fit's context."""
        if self._context is not None:
            self._context.call_on_fit_task_end(**self._arguments(params))

    def _arguments(self, params):
        # Computed now, from copies: the parameters change in place later.
        attributes = self._params_to_attributes([copy(p) for p in params])
        return dict(
            estimator=self._estimator,
            reconstruction_attributes=lambda: attributes,
            **self._data,
        )


class _NoMonitor:
    """The loop's monitor for training no callback hears of: it never stops it.

    The learning rate range test and the stages of ``alpha="auto"`` train
    outside the fit that callbacks follow.
    """

    def epoch_begins(self, params):
        pass

    def epoch_ends(self, params):
        return False


NO_MONITOR = _NoMonitor()
