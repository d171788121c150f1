"""Update rules: gradient descent, Adam and L-BFGS.

They know a list of parameter arrays and a matching list of gradients, never a
model, nor where the rows live. Every rule follows one protocol,
:class:`UpdateRule`, which the training loop calls, and comes in one of two
families: step rules (:class:`SGDOptimizer`, :class:`AdamOptimizer`) move from
wherever the last step left the parameters, on any batch; line searches
(:class:`MonotoneGDOptimizer`, :class:`LBFGSOptimizer`) judge each full-batch
evaluation and go back from a point that did not lower the loss enough. The
rules update the parameters in place; their state (momentum velocities,
Adam's moments) lives on the rule, so that a warm start can carry it over.
"""

from collections import deque
from itertools import accumulate

import numpy as np

from skbackprop import _namespace as ns


class UpdateRule:
    """The protocol of an update rule, with what a rule without more does.

    The training loop calls, per full-batch evaluation, ``accept`` then
    ``update_params``; per mini-batch, ``update_params``; after each epoch,
    ``iteration_ends``; when the loss stopped improving, ``trigger_stopping``;
    and when training ends, ``finish``. ``learning_rate`` is the step size
    now, ``learning_rate_init`` the one given.
    """

    # A constant step never shrinks below use; a line search's may.
    exhausted = False

    def accept(self, params, loss, grads):
        """Keep the point just evaluated: a step rule steps on from anywhere.

        Parameters
        ----------
        params : list of array
            The parameters just evaluated; a line search restores, in place,
            a point it keeps instead.
        loss : float
            The full-batch loss there.
        grads : list of array
            Its gradients.

        Returns
        -------
        loss, grads : float, list of array
            The loss and gradients of the point kept, to step from.
        """
        return loss, grads

    def finish(self, params):
        """End a fit where the last step left ``params``.

        Parameters
        ----------
        params : list of array
            The parameters; a line search sets them to the point it kept.
        """

    def iteration_ends(self, time_step):
        """Update the step size after an epoch that ends at sample ``time_step``.

        Parameters
        ----------
        time_step : int
            The number of samples seen so far.
        """

    def trigger_stopping(self):
        """Decide whether training stops now that the loss stopped improving.

        Returns
        -------
        stop : bool
            True: no schedule is left to lower the step size.
        """
        return True

    def resume_from(self, previous):
        """Carry over the state of the rule of an earlier fit, of the same class.

        Parameters
        ----------
        previous : UpdateRule
            The rule of the fit to continue.
        """

    def carried_state(self):
        """What a warm start or the next ``partial_fit`` continues from.

        Returns
        -------
        rule : UpdateRule or None
            This rule, whose state the next fit resumes; None where nothing
            carries over.
        """
        return self


class SGDOptimizer(UpdateRule):
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
        self.velocities = [ns.zeros_like(p) for p in params]

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
        self.velocities = [ns.copy(v) for v in previous.velocities]
        if self.schedule != "constant" and previous.schedule == self.schedule:
            self.learning_rate = previous.learning_rate


class AdamOptimizer(UpdateRule):
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
        self.ms = [ns.zeros_like(p) for p in params]
        self.vs = [ns.zeros_like(p) for p in params]

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
            param -= step * m / (ns.sqrt(v) + self.epsilon)

    def resume_from(self, previous):
        """Carry over the moments and step count of an earlier fit.

        Parameters
        ----------
        previous : AdamOptimizer
            The optimizer of the fit to continue.
        """
        self.t = previous.t
        self.ms = [ns.copy(m) for m in previous.ms]
        self.vs = [ns.copy(v) for v in previous.vs]


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

        The point is kept unless its loss is higher than the last one kept;
        the arguments and the return are those of :meth:`UpdateRule.accept`.
        """
        if self._kept is None or loss <= self._kept[1]:
            self._kept = ([ns.copy(p) for p in params], loss, grads)
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
        self.velocities = [ns.copy(v) for v in previous.velocities]
        self.learning_rate = previous.learning_rate
        self.steps_since_restart = previous.steps_since_restart


class LBFGSOptimizer(UpdateRule):
    r"""Limited-memory BFGS on the full batch, its steps found by backtracking.

    The direction is :math:`-H \nabla E`, with :math:`H` the inverse curvature
    that the last ``memory`` steps measured, by the two-loop recursion
    (Nocedal, "Updating quasi-Newton matrices with limited storage", 1980;
    Nocedal and Wright, *Numerical Optimization*, Algorithm 7.4). The step
    tried first is ``learning_rate`` times that direction, and it is
    halved, from the same point, until the loss falls by Armijo's sufficient
    decrease. ``learning_rate=1`` is the quasi-Newton step itself. The first
    step, before any curvature is known, goes along :math:`-\nabla E` for
    ``learning_rate * min(1, 1 / ||grad||_1)``, as PyTorch's ``LBFGS`` does.

    Parameters
    ----------
    params : list of ndarray
        The parameters, to size the curvature memory. Arrays of any
        namespace: the flat vectors of the steps live where they do, and only
        the dot products of the recursion cross to the host, as floats.
    learning_rate : float
        The step tried first, as a multiple of the quasi-Newton step.
    memory : int, default=10
        How many recent steps estimate the curvature (scipy's ``maxcor``).
    backtracking : bool, default=True
        Whether to halve a step that did not lower the loss enough. Without,
        every step is ``learning_rate`` times the quasi-Newton step, as for
        the learning rate range test, whose loss must be free to diverge.
    """

    # Armijo's sufficient decrease: the loss must fall by at least this share
    # of what the gradient promised for the step.
    SUFFICIENT_DECREASE = 1e-4
    # Where the loss differs from the last one kept by rounding only, a step is
    # also kept if the slope along it has flattened this much (Wolfe's
    # curvature condition): near the optimum, the loss no longer tells.
    CURVATURE = 0.9
    # A step measures curvature only if y.s exceeds this share of y.y: H then
    # stays positive definite and well scaled.
    MIN_CURVATURE = 1e-10
    SMALLEST_STEP = MonotoneGDOptimizer.SMALLEST_STEP

    def __init__(self, params, learning_rate, memory=10, backtracking=True):
        self.learning_rate_init = learning_rate
        self.learning_rate = learning_rate
        self.backtracking = backtracking
        sizes = [ns.size(p) for p in params]
        self._slices = [slice(end - n, end) for n, end in zip(sizes, accumulate(sizes))]
        self.steps = deque(maxlen=memory)  # (s, y, 1 / y.s) of recent steps
        self.step_size = None  # the multiple of the direction tried last
        self._kept = None  # (flat parameters, loss, flat gradient, grads)
        self._direction = None
        self._backtracking = False

    @property
    def exhausted(self):
        """Whether backtracking shrank the step below any use."""
        return (
            self.step_size is not None
            and self.step_size < self.SMALLEST_STEP * self.learning_rate_init
        )

    def _set(self, params, flat):
        for param, rows in zip(params, self._slices):
            param[...] = ns.reshape(flat[rows], param.shape)

    def accept(self, params, loss, grads):
        """Keep the point just evaluated if the loss fell enough, else go back.

        Enough is Armijo's sufficient decrease, or Wolfe's curvature condition
        where the loss changed by rounding only; the arguments and the return
        are those of :meth:`UpdateRule.accept`.
        """
        flat_grad = ns.flatten(grads)
        if self._kept is None:
            self._kept = (ns.flatten(params), loss, flat_grad, grads)
            return loss, grads
        kept_params, kept_loss, kept_grad, kept_grads = self._kept
        slope = float(kept_grad @ self._direction)
        if (
            not self.backtracking
            or loss <= kept_loss + self.SUFFICIENT_DECREASE * self.step_size * slope
            or (
                loss <= kept_loss
                and float(flat_grad @ self._direction) >= self.CURVATURE * slope
            )
        ):
            step = self.step_size * self._direction
            change = flat_grad - kept_grad
            curvature = float(change @ step)
            if curvature > self.MIN_CURVATURE * float(change @ change):
                self.steps.append((step, change, 1.0 / curvature))
            self._kept = (kept_params + step, loss, flat_grad, grads)
            self._backtracking = False
            return loss, grads
        self._set(params, kept_params)
        self.step_size /= 2
        self._backtracking = True
        return kept_loss, kept_grads

    def update_params(self, params, grads):
        """Step from the point kept: a new direction, or half the last step.

        Parameters
        ----------
        params : list of ndarray
            The parameters, set in place to the point to evaluate next.
        grads : list of ndarray
            The gradients of the point kept.
        """
        kept_params, _, kept_grad, _ = self._kept
        if not self._backtracking:
            self._direction = -self._inverse_hessian_times(kept_grad)
            if float(kept_grad @ self._direction) >= 0:  # not downhill: forget
                self.steps.clear()
                self._direction = -kept_grad
            self.step_size = self.learning_rate
            if not self.steps:
                self.step_size *= min(1.0, 1.0 / ns.total(abs(kept_grad)))
        self._set(params, kept_params + self.step_size * self._direction)

    def _inverse_hessian_times(self, grad):
        """The inverse curvature times ``grad``: the two-loop recursion.

        Its initial :math:`H_0` is :math:`(s^T y / y^T y) I` of the last step,
        and ``grad`` itself while no step has measured any curvature.
        """
        q = ns.copy(grad)
        alphas = []
        for s, y, rho in reversed(self.steps):
            alpha = rho * float(s @ q)
            q -= alpha * y
            alphas.append(alpha)
        if self.steps:
            _, y, rho = self.steps[-1]
            q *= 1.0 / (rho * float(y @ y))
        for (s, y, rho), alpha in zip(self.steps, reversed(alphas)):
            q += (alpha - rho * float(y @ q)) * s
        return q

    def carried_state(self):
        """Nothing: other rows may follow, and L-BFGS measures their curvature afresh.

        Returns
        -------
        rule : None
            No state carries over.
        """
        return None

    def finish(self, params):
        """End a fit at the point kept, not at a trial point never judged.

        Parameters
        ----------
        params : list of ndarray
            The parameters, set in place to the point kept.
        """
        if self._kept is not None:
            self._set(params, self._kept[0])
