"""What one fit trains: its rows, its parameters, its objective and its solver.

An estimator's ``fit``, the stages of ``alpha="auto"`` and the learning rate
range test all train through a :class:`TrainingProblem`, which the estimator
builds from its data (``BaseBackprop._training_problem``, the one seam the
range test uses). The problem knows where its rows live only through the rows
protocol of :mod:`skbackprop._rows`, and passes the penalty to the loss as an
argument.
"""

from dataclasses import dataclass, replace

from skbackprop import _solvers
from skbackprop._callbacks import NO_MONITOR
from skbackprop._training import TrainingHistory, Validation, train_epochs


@dataclass(frozen=True)
class Objective:
    """A model's loss and gradient at a penalty: what rows sum and batches step on.

    ``objective(X, targets, sample_weight, params, weight_sum=None) -> (loss,
    grads)`` calls ``model._loss_grad`` with ``alpha``, the L2 penalty passed
    explicitly to the loss. Rows on a cluster send it to their workers with
    ``model`` replaced by a twin that has the estimator's hyperparameters and
    target encoding, not its callbacks and history (:meth:`on`).
    """

    model: object
    alpha: float

    def __call__(self, X, targets, sample_weight, params, weight_sum=None):
        return self.model._loss_grad(
            X, targets, sample_weight, params, alpha=self.alpha, weight_sum=weight_sum
        )

    def on(self, model):
        """The same objective of another estimator of the same hyperparameters."""
        return replace(self, model=model)


@dataclass
class TrainingProblem:
    """The rows, the parameters and the objective of one fit.

    Attributes
    ----------
    estimator : BaseBackprop
        The estimator fitted: its hyperparameters choose the update rule and
        the settings, its ``_loss_grad`` and ``_score_params`` are the
        objective and the score.
    rows : InMemoryRows or DaskRows
        The rows to train on, validated and encoded.
    params : list of array
        The parameters, trained in place, where the rows live.
    alpha : float
        The L2 penalty of the objective.
    random_state : numpy.random.RandomState
        Draws the held-out rows and the shuffles.
    history : TrainingHistory or None
        The history of the fit continued; None for a fresh start.
    """

    estimator: object
    rows: object
    params: list
    alpha: float
    random_state: object
    history: TrainingHistory | None = None

    def objective(self, alpha=None):
        """The :class:`Objective` at penalty ``alpha`` (the problem's by default)."""
        return Objective(self.estimator, self.alpha if alpha is None else alpha)

    def update_rule(self, *, partial=False):
        """A fresh update rule of the estimator's solver (``_solvers``)."""
        return _solvers.update_rule(self.estimator, self.params, partial=partial)

    def settings(self, *, partial=False, rows=None, **changes):
        """The settings of the epoch loop on ``rows`` (the problem's), changed."""
        n_rows = (self.rows if rows is None else rows).shape[0]
        settings = _solvers.training_settings(
            self.estimator, n_rows, self.random_state, partial=partial
        )
        return replace(settings, **changes)

    def threads(self):
        """A context with the BLAS threads that training these rows wants."""
        return _solvers.training_threads(
            self.estimator, self.rows.shape[0], self.params
        )

    def train(self, optimizer, settings, *, rows=None, alpha=None, **loop):
        """Train the parameters in place with ``optimizer``: ``train_epochs``.

        Parameters
        ----------
        optimizer : UpdateRule
            The update rule.
        settings : TrainingSettings
            How long to train and when to stop.
        rows : InMemoryRows or DaskRows, default=None
            Other rows to train on (the rows left after a split); the
            problem's by default.
        alpha : float, default=None
            Another penalty; the problem's by default.
        **loop : dict
            ``monitor``, ``validation`` and ``history`` of
            :func:`~skbackprop._training.train_epochs`.

        Returns
        -------
        history : TrainingHistory
            The history of the epochs trained (after ``history``'s).
        """
        loop.setdefault("monitor", NO_MONITOR)
        return train_epochs(
            self.objective(alpha),
            self.params,
            optimizer,
            self.rows if rows is None else rows,
            settings,
            **loop,
        )

    def validation(self, held_out, *, start_competes=False):
        """The held-out rows as the training loop scores them (``Validation``)."""
        objective = self.objective()
        estimator = self.estimator
        return Validation(
            score=lambda params: held_out.score(estimator, params),
            loss=lambda params: held_out.loss_grad(objective, params)[0],
            n_rows=held_out.shape[0],
            start_competes=start_competes,
        )
