"""The regression network of seed §3: h = σ(xW¹), ŷ = hW²."""

from numbers import Integral

import numpy as np
from sklearn.base import RegressorMixin

from skbackprop import _namespace as ns
from skbackprop._base import (
    SATURATED_Z,
    BaseBackprop,
    available_if_streaming,
    predicts_where_rows_live,
    set_hyperparameters,
    stack_intercept,
    warn_saturated,
)
from skbackprop._docs import fill_shared_entries
from skbackprop._fixes import NonBoolInterval, with_callbacks
from skbackprop._namespace import namespace_of, to_host, to_namespace
from skbackprop._targets import TargetScaler
from skbackprop.backprop import linear_forward, tiny_mlp_forward, tiny_mlp_grad


@fill_shared_entries()
class TinyMLPRegressor(RegressorMixin, BaseBackprop):
    """One sigmoid hidden layer, a linear output, squared error (seed §3).

    Read more in the derivation, §3: ``h = σ(xW¹)``, ``ŷ = hW²``,
    ``E = ½(y − ŷ)²``, and the gradients ``−(y − ŷ) h`` for W² (eq. (77)) and
    ``−(y − ŷ) W²ⱼ hⱼ(1 − hⱼ) x`` for W¹ (eq. (83)).

    Parameters
    ----------
    n_hidden : int, default=10
        The number of hidden units, the seed's m.
    %(learning_rate)s
    solver : {"gd", "sgd", "adam", "lbfgs"}, default="lbfgs"
        ``"gd"``: full-batch gradient descent with momentum, deterministic;
        ``"sgd"``: mini-batch gradient descent with momentum; ``"adam"``:
        mini-batch Adam; ``"lbfgs"``: limited-memory BFGS on the full batch,
        which reaches a network's optimum in a fraction of the epochs of the
        others.
    %(max_iter)s
    %(tol)s
    alpha : float or "auto", default="auto"
        Strength of the L2 penalty ``(alpha / 2)·(‖W¹‖² + ‖W²‖²)`` added to the
        mean loss (on standardised targets, see Notes). ``"auto"`` chooses it
        on the held-out ``validation_fraction`` of the rows: the network
        trains ``max_iter // 10`` epochs at each of five penalties from 1e-2
        down to 1e-4, each stage starting where the last ended, and the
        strongest whose stage scores an R² there within a quarter of a standard
        error of the best is kept, in ``alpha_``; training goes on from that
        stage. With fewer than 20 held-out rows, ``"auto"`` is 1e-2, which
        suits small data.
    fit_intercept : bool, default=True
        Whether both layers learn intercepts.
    %(batch_size)s
    %(learning_rate_schedule)s
    %(power_t)s
    %(momentum)s
    %(nesterovs_momentum)s
    %(beta_1, beta_2)s
    %(epsilon)s
    early_stopping : bool or "auto", default="auto"
        Whether to hold out ``validation_fraction`` of the rows, stop when their
        R² stops improving, and keep the best weights. ``"auto"`` holds them
        out when they would be 20 rows or more: fewer score too coarsely to
        choose an epoch by. ``alpha="auto"`` chooses on the same rows.
    %(validation_fraction)s
    %(n_iter_no_change)s
    %(shuffle)s
    random_state : int, RandomState instance or None, default=None
        Seeds the initial weights, the validation split and the shuffles.
    %(warm_start)s
    %(verbose)s

    Attributes
    ----------
    coefs_ : list of ndarray
        ``[W1, W2]``: W1 of shape (n_features, n_hidden), W2 of shape
        (n_hidden,) for 1-D ``y`` or (n_hidden, n_outputs) for 2-D ``y``.
    intercepts_ : list of ndarray
        The intercepts of the hidden layer (n_hidden,) and of the output
        (``()`` or (n_outputs,)); zeros when ``fit_intercept=False``.
    n_outputs_ : int
        The number of outputs.
    %(alpha_)s
    %(n_iter_)s
    %(t_)s
    %(loss_curve_)s
    %(best_loss_)s
    validation_scores_ : list of float or None
        R² on the held-out rows per epoch, with ``early_stopping``.
    %(validation_loss_curve_)s
    best_validation_score_ : float or None
        The best held-out R², whose weights were kept.
    %(n_features_in_)s
    %(feature_names_in_)s

    See Also
    --------
    sklearn.neural_network.MLPRegressor : scikit-learn's multi-layer perceptron.

    Notes
    -----
    The network is trained on standardised targets, ``(y - mean) / std``
    (weighted by ``sample_weight``), so that the defaults of ``learning_rate``
    and ``alpha`` suit ``y`` in any unit, as
    :class:`~sklearn.compose.TransformedTargetRegressor` with a
    :class:`~sklearn.preprocessing.StandardScaler` would; ``coefs_`` and
    ``intercepts_`` fold the mean and scale back in, so the forward pass with
    them predicts ``y`` itself, and ``loss_curve_`` is in standardised units.
    The weights start from Glorot's uniform initialisation for sigmoid units.

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skbackprop import TinyMLPRegressor
    >>> X, y = load_diabetes(return_X_y=True)
    >>> model = make_pipeline(StandardScaler(), TinyMLPRegressor(random_state=0))
    >>> model.fit(X, y).score(X, y) > 0.4
    True
    """

    _parameter_constraints: dict = {
        **BaseBackprop._parameter_constraints,
        "n_hidden": [NonBoolInterval(Integral, 1, None, closed="left")],
    }

    # coefs_ is a list: the hidden layer's weights tell where the fit was.
    _namespace_attribute = "_hidden_coef"

    @property
    def _hidden_coef(self):
        """The fitted weights of the hidden layer, ``coefs_[0]``."""
        return self.coefs_[0]

    def __init__(
        self,
        n_hidden=10,
        *,
        learning_rate="auto",
        solver="lbfgs",
        max_iter=1000,
        tol=1e-4,
        alpha="auto",
        fit_intercept=True,
        batch_size="auto",
        learning_rate_schedule="auto",
        power_t=0.5,
        momentum="auto",
        nesterovs_momentum=True,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        early_stopping="auto",
        validation_fraction=0.1,
        n_iter_no_change=50,
        shuffle=True,
        random_state=None,
        warm_start=False,
        verbose=0,
    ):
        set_hyperparameters(self, locals())

    @available_if_streaming
    @with_callbacks
    def partial_fit(self, X, y, sample_weight=None):
        """Update the model with one epoch over the given rows.

        Parameters
        ----------
        %(training X)s
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Target values.
        %(sample_weight)s

        Returns
        -------
        %(updated self)s
        """
        return self._fit(X, y, sample_weight, partial=True)

    @predicts_where_rows_live
    def predict(self, X):
        """Predict the targets of each row with the forward pass (eqs. (70)-(72)).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The rows to predict.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            The predictions, shaped as the ``y`` seen in fit.
        """
        X = self._validate_X_predict(X, "predict")
        W1, W2 = (
            stack_intercept(coef, intercept) if self.fit_intercept else coef
            for coef, intercept in zip(self.coefs_, self.intercepts_)
        )
        return tiny_mlp_forward(X, W1, W2, fit_intercept=self.fit_intercept)[1]

    @staticmethod
    def _score_standard_error(score, n_rows):
        """The standard error of an R² measured on ``n_rows`` rows.

        1 - R² is a mean of squared residuals over their variance; for normal
        residuals, such a mean of ``n_rows`` has a relative standard error of
        sqrt(2 / n_rows).
        """
        return float((1 - score) * np.sqrt(2 / n_rows))

    def _predict_params(self, X, params):
        return tiny_mlp_forward(X, *params, fit_intercept=self.fit_intercept)[1]

    @staticmethod
    def _score_predictions(targets, y_pred, sample_weight):
        # R² is the same on standardised targets as on the original ones.
        return _r2(targets, y_pred, sample_weight)

    def _loss_grad(self, X, y, sample_weight, params, *, alpha, weight_sum=None):
        loss, grads = tiny_mlp_grad(
            X,
            y,
            *params,
            fit_intercept=self.fit_intercept,
            sample_weight=sample_weight,
            weight_sum=weight_sum,
            alpha=alpha,
            check_input=False,
        )
        return loss, list(grads)

    # More of the hidden pre-activations than this share past SATURATED_Z mean
    # flat sigmoids. At the defaults: at most 9% (Friedman's third, whose sharp
    # ratio L-BFGS fits with large weights) and otherwise under 1% on 19
    # standardised datasets; 18% to 94% on 15 of them raw (benchmarks/datasets.py,
    # diabetes and Friedman's three).
    SATURATED_SHARE = 0.15

    def _warn_if_saturated(self, X, targets, params):
        """Warn when the hidden sigmoids are flat on most rows: eq. (83) vanishes.

        The gradient of W¹ carries each hidden unit's derivative h(1 − h), so a
        unit saturated on a row learns nothing from it.
        """
        z = linear_forward(X, params[0], fit_intercept=self.fit_intercept)
        saturated = float(np.mean(np.abs(z) > SATURATED_Z))
        if saturated > self.SATURATED_SHARE:
            warn_saturated(
                self,
                X,
                saturated,
                "the hidden units' pre-activations on the training rows",
                "the gradient of W1 carries their derivative h(1 - h) (eq. (83)) "
                "and vanishes there, so the hidden layer stops learning.",
            )

    def _fitted_target_encoder(
        self, y, sample_weight, dtype, *, continuing, partial, classes=None
    ):
        """The :class:`~skbackprop._targets.TargetScaler` of this fit.

        The network learns ``(y - mean) / scale``: the first fit (of
        ``partial_fit``, or ``fit``) fixes them, weighted by
        ``sample_weight``, and fits that continue keep them. The fitted
        ``coefs_`` and ``intercepts_`` fold them back in, so they predict
        ``y`` itself.
        """
        y = to_host(y).astype(dtype, copy=False)
        if continuing:
            n_outputs = 1 if y.ndim == 1 else y.shape[1]
            if n_outputs != self.n_outputs_:
                raise ValueError(
                    f"y has {n_outputs} outputs, but {type(self).__name__} was "
                    f"fitted with {self.n_outputs_}."
                )
            return self._target_encoder
        encoder = TargetScaler(self.fit_intercept).fit(y, sample_weight)
        self.n_outputs_ = encoder.n_outputs_
        self._target_encoder = encoder
        return encoder

    def _init_params(self, n_features, targets, rng, dtype):
        """Glorot-uniform weights for sigmoid units, zero intercepts."""
        out_shape = targets.shape[1:]
        n_outputs = out_shape[0] if out_shape else 1
        W1 = _glorot(rng, n_features, self.n_hidden, (n_features, self.n_hidden))
        W2 = _glorot(rng, self.n_hidden, n_outputs, (self.n_hidden,) + out_shape)
        if self.fit_intercept:
            W1 = stack_intercept(W1, np.zeros(self.n_hidden))
            W2 = stack_intercept(W2, np.zeros(out_shape))
        return [W1.astype(dtype), W2.astype(dtype)]

    def _params_to_attributes(self, params):
        W1, W2 = params
        scaling = self._target_encoder
        mean, scale = to_namespace(
            namespace_of(W2), np.asarray(scaling.mean_), np.asarray(scaling.scale_)
        )
        W2 = W2 * scale
        if not self.fit_intercept:
            intercepts = [ns.zeros_like(W1[0, ...]), ns.zeros_like(W2[0, ...])]
            return {"coefs_": [ns.copy(W1), W2], "intercepts_": intercepts}
        W2[-1, ...] += mean
        return {
            "coefs_": [ns.copy(W1[:-1, ...]), W2[:-1, ...]],
            "intercepts_": [ns.copy(W1[-1, ...]), W2[-1, ...]],
        }

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags


def _r2(y, y_pred, sample_weight):
    """R², averaged over the outputs, as :func:`sklearn.metrics.r2_score`.

    It is scored after every epoch of early stopping, where ``r2_score``'s
    checks of its arguments, and ``np.average``, cost more than the scoring:
    the weighted means here are products with the normalised weights. A
    constant output scores 1 if predicted exactly, else 0, as in ``r2_score``.
    Computed in the namespace and on the device of the arrays.
    """
    xp = ns.xp_of(y, y_pred)
    n_samples = y.shape[0]
    y, y_pred = ns.reshape(y, (n_samples, -1)), ns.reshape(y_pred, (n_samples, -1))
    if sample_weight is None:
        weights = ns.full(n_samples, 1 / n_samples, like=y)
    else:
        weights = sample_weight / ns.total(sample_weight)
    residual = weights @ (y - y_pred) ** 2
    spread = weights @ (y - weights @ y) ** 2
    constant = spread == 0
    explained = 1 - residual / xp.where(constant, 1, spread)
    # A constant output scores 1 if predicted exactly, else 0; its explained
    # is 1 - residual, which is exactly 1 where the residual is 0.
    return ns.mean(xp.where(constant & (residual != 0), 0, explained))


def _glorot(rng, fan_in, fan_out, shape):
    """Uniform weights of Glorot and Bengio (2010), scaled for sigmoid units."""
    bound = np.sqrt(2.0 / (fan_in + fan_out))
    return rng.uniform(-bound, bound, size=shape)
