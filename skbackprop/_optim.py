"""Update rules and the L-BFGS bridge.

They know a list of parameter arrays and a matching list of gradients, never a
model. The hand-written rules update the parameters in place; their state
(momentum velocities, Adam's moments) lives on the optimizer, so that a warm
start can carry it over.
"""

import numpy as np
from scipy.optimize import minimize

from skbackprop import _array_api as aa


class SGDOptimizer:
    r"""Gradient descent with momentum, the seed's update when ``momentum=0``.

    .. math::

        v \leftarrow \mu v - \eta \nabla E, \qquad W \leftarrow W + v

    and with Nesterov's momentum :math:`W \leftarrow W + \mu v - \eta\nabla E`.

    Parameters
    ----------
    params : list of ndarray
        The parameters, to size the velocities.
    learning_rate : float
        The initial step size :math:`\eta`.
    momentum : float, default=0.0
        The momentum :math:`\mu` in [0, 1).
    nesterov : bool, default=False
        Whether to use Nesterov's momentum.
    schedule : {"constant", "invscaling", "adaptive"}, default="constant"
        How the step size evolves, as ``MLPRegressor``'s ``learning_rate``:
        constant; ``learning_rate / (t + 1) ** power_t`` after ``t`` samples; or
        divided by 5 each time the loss stops improving, until below 1e-6.
    power_t : float, default=0.5
        The exponent of the inverse scaling schedule.
    """

    def __init__(
        self,
        params,
        learning_rate,
        momentum=0.0,
        nesterov=False,
        schedule="constant",
        power_t=0.5,
    ):
        self.learning_rate_init = learning_rate
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.nesterov = nesterov
        self.schedule = schedule
        self.power_t = power_t
        self.velocities = [aa.zeros_like(p) for p in params]

    # A constant step never shrinks below use; backtracking's may.
    exhausted = False

    def update_params(self, params, grads):
        """Take one step, updating ``params`` in place.

        Parameters
        ----------
        params : list of ndarray
            The parameters.
        grads : list of ndarray
            Their gradients, in the same order.
        """
        for param, grad, velocity in zip(params, grads, self.velocities):
            velocity *= self.momentum
            velocity -= self.learning_rate * grad
            if self.nesterov:
                param += self.momentum * velocity - self.learning_rate * grad
            else:
                param += velocity

    def accept(self, params, loss, grads):
        """Every point is kept: the rule steps on from wherever it is.

        Parameters
        ----------
        params : list of ndarray
            The parameters just evaluated.
        loss : float
            The full-batch loss there.
        grads : list of ndarray
            Its gradients.

        Returns
        -------
        loss, grads : float, list of ndarray
            ``loss`` and ``grads``, unchanged.
        """
        return loss, grads

    def finish(self, params):
        """End a fit where the last step left ``params``.

        Parameters
        ----------
        params : list of ndarray
            The parameters.
        """

    def iteration_ends(self, time_step):
        """Update the step size after an epoch that ends at sample ``time_step``.

        Parameters
        ----------
        time_step : int
            The number of samples seen so far.
        """
        if self.schedule == "invscaling":
            self.learning_rate = (
                self.learning_rate_init / (time_step + 1) ** self.power_t
            )

    def trigger_stopping(self):
        """Decide whether training stops now that the loss stopped improving.

        Returns
        -------
        stop : bool
            False when the adaptive schedule could still lower the step size.
        """
        if self.schedule != "adaptive" or self.learning_rate <= 1e-6:
            return True
        self.learning_rate /= 5.0
        return False

    def resume_from(self, previous):
        """Carry over the velocities (and the decayed rate) of an earlier fit.

        Parameters
        ----------
        previous : SGDOptimizer
            The optimizer of the fit to continue.
        """
        self.velocities = [aa.copy(v) for v in previous.velocities]
        if self.schedule != "constant" and previous.schedule == self.schedule:
            self.learning_rate = previous.learning_rate


class AdamOptimizer:
    r"""Adam (Kingma and Ba, 2015), with bias-corrected moment estimates.

    .. math::

        m \leftarrow \beta_1 m + (1 - \beta_1) g, \quad
        v \leftarrow \beta_2 v + (1 - \beta_2) g^2, \quad
        W \leftarrow W - \eta\,\frac{\sqrt{1 - \beta_2^t}}{1 - \beta_1^t}
        \frac{m}{\sqrt{v} + \epsilon}

    Parameters
    ----------
    params : list of ndarray
        The parameters, to size the moments.
    learning_rate : float
        The step size :math:`\eta`.
    beta_1, beta_2 : float, default=0.9, 0.999
        Decay rates of the first and second moment estimates, in [0, 1).
    epsilon : float, default=1e-8
        Added to the denominator for numerical stability.
    """

    def __init__(self, params, learning_rate, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
        self.learning_rate_init = learning_rate
        self.learning_rate = learning_rate
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.t = 0
        self.ms = [aa.zeros_like(p) for p in params]
        self.vs = [aa.zeros_like(p) for p in params]

    def update_params(self, params, grads):
        """Take one step, updating ``params`` in place.

        Parameters
        ----------
        params : list of ndarray
            The parameters.
        grads : list of ndarray
            Their gradients, in the same order.
        """
        self.t += 1
        # A Python float: a numpy scalar would turn some array types into numpy.
        step = float(
            self.learning_rate
            * np.sqrt(1 - self.beta_2**self.t)
            / (1 - self.beta_1**self.t)
        )
        for param, grad, m, v in zip(params, grads, self.ms, self.vs):
            m *= self.beta_1
            m += (1 - self.beta_1) * grad
            v *= self.beta_2
            v += (1 - self.beta_2) * grad * grad
            param -= step * m / (aa.sqrt(v) + self.epsilon)

    accept = SGDOptimizer.accept
    finish = SGDOptimizer.finish
    exhausted = SGDOptimizer.exhausted

    def iteration_ends(self, time_step):
        """Adam keeps its step size; present for a uniform optimizer interface.

        Parameters
        ----------
        time_step : int
            The number of samples seen so far.
        """

    def trigger_stopping(self):
        """Adam has no schedule to lower, so training stops.

        Returns
        -------
        stop : bool
            Always True.
        """
        return True

    def resume_from(self, previous):
        """Carry over the moments and step count of an earlier fit.

        Parameters
        ----------
        previous : AdamOptimizer
            The optimizer of the fit to continue.
        """
        self.t = previous.t
        self.ms = [aa.copy(m) for m in previous.ms]
        self.vs = [aa.copy(v) for v in previous.vs]


class MonotoneGDOptimizer(SGDOptimizer):
    r"""Full-batch descent with momentum that never keeps a step up the loss.

    Each step is the momentum step of :class:`SGDOptimizer`, from the point
    the last full-batch evaluation kept. A point whose loss is higher than the
    last kept one is rejected: the parameters go back, the momentum restarts
    from rest (O'Donoghue and Candès, "Adaptive restart for accelerated
    gradient schemes", 2015), and if the rejected step was itself taken from
    rest, a plain gradient step too long for the curvature there, the step
    size is halved (backtracking). ``learning_rate`` is thus the largest step
    size; the curvature of the loss decides how much of it is used.

    Parameters
    ----------
    params : list of ndarray
        The parameters, to size the velocities.
    learning_rate : float
        The initial and largest step size :math:`\eta`.
    momentum : float or None, default=None
        A constant momentum :math:`\mu`; None for Nesterov's sequence
        :math:`\mu_k = k / (k + 3)`, with :math:`k` the steps since the last
        restart, which accelerates gradient descent to the optimal rate of
        first-order methods.
    nesterov : bool, default=True
        Whether to use Nesterov's momentum.
    """

    # Below this fraction of learning_rate, the halved step no longer lowers
    # the loss by more than its rounding error: nothing is left to gain.
    SMALLEST_STEP = 2.0**-40

    def __init__(self, params, learning_rate, momentum=None, nesterov=True):
        super().__init__(params, learning_rate, nesterov=nesterov)
        self.constant_momentum = momentum
        self.steps_since_restart = 0
        self._kept = None

    @property
    def exhausted(self):
        """Whether backtracking shrank the step below any use."""
        return self.learning_rate < self.SMALLEST_STEP * self.learning_rate_init

    def accept(self, params, loss, grads):
        """Keep the point just evaluated, or go back to the last one kept.

        Parameters
        ----------
        params : list of ndarray
            The parameters just evaluated; restored in place if rejected.
        loss : float
            The full-batch loss there.
        grads : list of ndarray
            Its gradients.

        Returns
        -------
        loss, grads : float, list of ndarray
            The loss and gradients of the point kept, to step from.
        """
        if self._kept is None or loss <= self._kept[1]:
            self._kept = ([aa.copy(p) for p in params], loss, grads)
            return loss, grads
        kept_params, kept_loss, kept_grads = self._kept
        for param, kept in zip(params, kept_params):
            param[...] = kept
        if self.steps_since_restart == 1:  # a step from rest went up: too long
            self.learning_rate /= 2
        self.steps_since_restart = 0
        for velocity in self.velocities:
            velocity[...] = 0
        return kept_loss, kept_grads

    def finish(self, params):
        """End a fit at the point kept, not after a last step never evaluated.

        Parameters
        ----------
        params : list of ndarray
            The parameters, set in place to the point kept.
        """
        if self._kept is not None:
            for param, kept in zip(params, self._kept[0]):
                param[...] = kept

    def update_params(self, params, grads):
        """Take one momentum step from the point kept, in place.

        Parameters
        ----------
        params : list of ndarray
            The parameters.
        grads : list of ndarray
            Their gradients, in the same order.
        """
        k = self.steps_since_restart
        self.momentum = (
            k / (k + 3) if self.constant_momentum is None else self.constant_momentum
        )
        self.steps_since_restart += 1
        super().update_params(params, grads)

    def resume_from(self, previous):
        """Carry over the velocities, step size and momentum of an earlier fit.

        The point it kept is not carried: a warm start may bring other rows,
        whose loss is no bar for these.

        Parameters
        ----------
        previous : MonotoneGDOptimizer
            The optimizer of the fit to continue.
        """
        self.velocities = [aa.copy(v) for v in previous.velocities]
        self.learning_rate = previous.learning_rate
        self.steps_since_restart = previous.steps_since_restart


def minimize_lbfgs(loss_grad, params, *, max_iter, tol, callback=None):
    """Minimize with scipy's L-BFGS-B, fed the analytic gradient.

    Parameters
    ----------
    loss_grad : callable
        ``loss_grad(params) -> (loss, grads)`` for lists of arrays.
    params : list of ndarray
        The starting point; not modified. Arrays of any namespace: the loss
        and gradient are evaluated where they live, and only the flat vector
        of parameters crosses to scipy, in float64.
    max_iter : int
        The most L-BFGS iterations.
    tol : float
        The projected-gradient tolerance, scipy's ``gtol``.
    callback : callable, default=None
        Called as ``callback(loss, params)`` after each iteration.

    Returns
    -------
    params : list of ndarray
        The minimizer found, in the dtypes of the starting point.
    result : scipy.optimize.OptimizeResult
        scipy's result: ``nit``, ``status`` (1 when ``max_iter`` was reached).
    """
    unpack = aa.unflatten_like(params)

    def fun(theta):
        loss, grads = loss_grad(unpack(theta))
        return loss, aa.flatten_to_host(grads)

    def report(intermediate_result):
        callback(intermediate_result.fun, unpack(intermediate_result.x))

    theta0 = aa.flatten_to_host(params)
    result = minimize(
        fun,
        theta0,
        jac=True,
        method="L-BFGS-B",
        callback=report if callback is not None else None,
        # ftol as LogisticRegression sets it: stop on gtol, not on tiny progress.
        options={"maxiter": max_iter, "gtol": tol, "ftol": 64 * np.finfo(float).eps},
    )
    return unpack(result.x), result
