"""The update rules of ``skbackprop._optim``, on their own.

They know lists of parameter arrays and gradients, not models, so each rule is
checked against its formula written out by hand.
"""

import numpy as np
import pytest

from skbackprop._optim import (
    AdamOptimizer,
    LBFGSOptimizer,
    MonotoneGDOptimizer,
    SGDOptimizer,
)


def _params_and_grads():
    """Two parameter arrays of different shapes, and gradients to match."""
    rng = np.random.RandomState(0)
    params = [rng.normal(size=(3, 2)), rng.normal(size=4)]
    grads = [rng.normal(size=(3, 2)), rng.normal(size=4)]
    return params, grads


def _copies(arrays):
    return [a.copy() for a in arrays]


def _two_sgd_steps(eta, mu, nesterov, second_grads):
    """Two SGD steps from ``_params_and_grads``, the second's gradients made by
    ``second_grads`` from the first's.

    Returns
    -------
    rows : list of tuple
        For each parameter: its value after the two steps, its value before,
        the first gradient and the second.
    """
    params, grads = _params_and_grads()
    grads_2 = second_grads(grads)
    start = _copies(params)
    optimizer = SGDOptimizer(params, eta, momentum=mu, nesterov=nesterov)

    optimizer.update_params(params, grads)
    optimizer.update_params(params, grads_2)
    return list(zip(params, start, grads, grads_2))


@pytest.mark.parametrize("nesterov", [False, True])
def test_sgd_without_momentum_is_exactly_the_plain_gradient_step(nesterov):
    params, grads = _params_and_grads()
    start = _copies(params)
    optimizer = SGDOptimizer(params, 0.3, momentum=0.0, nesterov=nesterov)

    optimizer.update_params(params, grads)

    for param, w, g in zip(params, start, grads):
        np.testing.assert_array_equal(param, w - 0.3 * g)


def test_sgd_updates_the_parameters_in_place():
    params, grads = _params_and_grads()
    arrays = list(params)
    SGDOptimizer(params, 0.1, momentum=0.5).update_params(params, grads)
    assert all(a is p for a, p in zip(arrays, params))


def test_classical_momentum_adds_the_decayed_velocity_to_each_step():
    eta, mu = 0.1, 0.9
    steps = _two_sgd_steps(eta, mu, False, lambda grads: [2 * g + 1 for g in grads])

    for param, w, g1, g2 in steps:
        v1 = -eta * g1
        v2 = mu * v1 - eta * g2
        np.testing.assert_allclose(param, w + v1 + v2, rtol=1e-12)


def test_nesterov_momentum_steps_by_mu_times_the_new_velocity_minus_eta_grad():
    # v <- mu v - eta g;  W <- W + mu v - eta g
    eta, mu = 0.05, 0.8
    steps = _two_sgd_steps(eta, mu, True, lambda grads: [3 * g - 0.5 for g in grads])

    for param, w, g1, g2 in steps:
        v1 = -eta * g1
        w1 = w + mu * v1 - eta * g1
        v2 = mu * v1 - eta * g2
        w2 = w1 + mu * v2 - eta * g2
        np.testing.assert_allclose(param, w2, rtol=1e-12)


def test_adam_first_step_is_about_minus_eta_times_the_sign_of_the_gradient():
    params, grads = _params_and_grads()
    start = _copies(params)
    optimizer = AdamOptimizer(params, 0.01)

    optimizer.update_params(params, grads)

    for param, w, g in zip(params, start, grads):
        np.testing.assert_allclose(param - w, -0.01 * np.sign(g), rtol=1e-5)


def test_adam_follows_the_bias_corrected_moment_formula_over_several_steps():
    params, grads = _params_and_grads()
    start = _copies(params)
    eta, b1, b2, eps = 0.02, 0.7, 0.95, 1e-3
    optimizer = AdamOptimizer(params, eta, beta_1=b1, beta_2=b2, epsilon=eps)
    steps = [grads, [2 * g for g in grads], [g - 1 for g in grads]]

    expected = _copies(start)
    ms = [np.zeros_like(p) for p in start]
    vs = [np.zeros_like(p) for p in start]
    for t, step_grads in enumerate(steps, start=1):
        optimizer.update_params(params, step_grads)
        for i, g in enumerate(step_grads):
            ms[i] = b1 * ms[i] + (1 - b1) * g
            vs[i] = b2 * vs[i] + (1 - b2) * g**2
            rate = eta * np.sqrt(1 - b2**t) / (1 - b1**t)
            expected[i] = expected[i] - rate * ms[i] / (np.sqrt(vs[i]) + eps)

    assert optimizer.t == 3
    for param, want in zip(params, expected):
        np.testing.assert_allclose(param, want, rtol=1e-12)


def test_adam_epsilon_shrinks_the_step_when_it_dominates_the_gradient_scale():
    params, grads = _params_and_grads()
    start = _copies(params)
    AdamOptimizer(params, 0.01, epsilon=1e3).update_params(params, grads)
    for param, w in zip(params, start):
        assert np.abs(param - w).max() < 1e-5


def test_invscaling_sets_the_rate_to_eta_over_t_plus_one_to_the_power_t():
    params, _ = _params_and_grads()
    optimizer = SGDOptimizer(params, 0.5, schedule="invscaling", power_t=0.25)
    for time_step in (10, 300, 4567):
        optimizer.iteration_ends(time_step)
        assert optimizer.learning_rate == pytest.approx(0.5 / (time_step + 1) ** 0.25)


@pytest.mark.parametrize("schedule", ["constant", "adaptive"])
def test_only_invscaling_changes_the_rate_at_the_end_of_an_iteration(schedule):
    params, _ = _params_and_grads()
    optimizer = SGDOptimizer(params, 0.5, schedule=schedule)
    optimizer.iteration_ends(1000)
    assert optimizer.learning_rate == 0.5


def test_adaptive_divides_the_rate_by_five_per_stall_and_stops_below_1e_6():
    params, _ = _params_and_grads()
    optimizer = SGDOptimizer(params, 0.1, schedule="adaptive")

    rates = []
    while not optimizer.trigger_stopping():
        rates.append(optimizer.learning_rate)
        assert len(rates) < 100

    # 0.1 / 5**7 = 1.28e-6 is still above 1e-6, so it is divided once more.
    np.testing.assert_allclose(rates, [0.1 / 5**k for k in range(1, 9)])
    assert optimizer.learning_rate <= 1e-6
    assert optimizer.trigger_stopping()


@pytest.mark.parametrize("schedule", ["constant", "invscaling"])
def test_non_adaptive_schedules_stop_at_the_first_stall(schedule):
    params, _ = _params_and_grads()
    optimizer = SGDOptimizer(params, 0.1, schedule=schedule)
    assert optimizer.trigger_stopping()
    assert optimizer.learning_rate == 0.1


def test_adam_stops_at_the_first_stall():
    params, _ = _params_and_grads()
    assert AdamOptimizer(params, 0.1).trigger_stopping()


def test_sgd_resume_from_copies_the_velocities_without_sharing_them():
    params, grads = _params_and_grads()
    previous = SGDOptimizer(params, 0.1, momentum=0.9)
    previous.update_params(_copies(params), grads)

    resumed = SGDOptimizer(params, 0.1, momentum=0.9)
    resumed.resume_from(previous)

    for mine, theirs in zip(resumed.velocities, previous.velocities):
        np.testing.assert_array_equal(mine, theirs)
        assert not np.shares_memory(mine, theirs)


def test_resumed_sgd_takes_the_same_step_as_the_optimizer_it_continues():
    params, grads = _params_and_grads()
    one = _copies(params)
    previous = SGDOptimizer(one, 0.1, momentum=0.9)
    previous.update_params(one, grads)
    two = _copies(one)
    resumed = SGDOptimizer(two, 0.1, momentum=0.9)
    resumed.resume_from(previous)

    previous.update_params(one, grads)
    resumed.update_params(two, grads)

    for a, b in zip(one, two):
        np.testing.assert_array_equal(a, b)


def test_sgd_resume_from_keeps_the_decayed_rate_of_the_same_schedule():
    params, _ = _params_and_grads()
    previous = SGDOptimizer(params, 0.1, schedule="adaptive")
    previous.trigger_stopping()

    resumed = SGDOptimizer(params, 0.1, schedule="adaptive")
    resumed.resume_from(previous)

    assert resumed.learning_rate == pytest.approx(0.02)


def test_sgd_resume_from_keeps_its_own_rate_with_a_constant_schedule():
    # A warm start after set_params(learning_rate=...) must use the new rate.
    params, _ = _params_and_grads()
    previous = SGDOptimizer(params, 0.1)
    resumed = SGDOptimizer(params, 0.5)
    resumed.resume_from(previous)
    assert resumed.learning_rate == 0.5


def test_adam_resume_from_copies_the_moments_and_step_count():
    params, grads = _params_and_grads()
    previous = AdamOptimizer(params, 0.01)
    previous.update_params(_copies(params), grads)
    previous.update_params(_copies(params), grads)

    resumed = AdamOptimizer(params, 0.01)
    resumed.resume_from(previous)

    assert resumed.t == 2
    for mine, theirs in zip(resumed.ms + resumed.vs, previous.ms + previous.vs):
        np.testing.assert_array_equal(mine, theirs)
        assert not np.shares_memory(mine, theirs)


def _quadratic(centres, scales):
    """Loss ½ Σ scale·(p − centre)² over a list of arrays, and its gradient."""

    def loss_grad(params):
        diffs = [p - c for p, c in zip(params, centres)]
        loss = 0.5 * sum(float(np.sum(s * d**2)) for s, d in zip(scales, diffs))
        return loss, [s * d for s, d in zip(scales, diffs)]

    return loss_grad


# MonotoneGDOptimizer: gd's "auto" schedule ----------------------------------------


def _bowl(curvature):
    """``E(w) = curvature / 2 * ||w||^2``, as (loss, [grad]) of a parameter list."""
    return lambda params: (
        0.5 * curvature * float(params[0] @ params[0]),
        [curvature * params[0]],
    )


def _descend(optimizer, loss_grad, params, epochs):
    """Evaluate, accept and step ``epochs`` times; the kept losses."""
    kept = []
    for _ in range(epochs):
        loss, grads = optimizer.accept(params, *loss_grad(params))
        kept.append(loss)
        optimizer.update_params(params, grads)
    return kept


def test_monotone_gd_keeps_a_point_that_lowers_the_loss():
    params = [np.ones(3)]
    optimizer = MonotoneGDOptimizer(params, 0.1)
    loss_grad = _bowl(1.0)
    loss, grads = optimizer.accept(params, *loss_grad(params))
    optimizer.update_params(params, grads)
    stepped = params[0].copy()

    lower, _ = optimizer.accept(params, *loss_grad(params))

    assert lower < loss
    np.testing.assert_array_equal(params[0], stepped)


def test_monotone_gd_rejects_a_point_up_the_loss_and_goes_back():
    params = [np.ones(3)]
    optimizer = MonotoneGDOptimizer(params, 0.1)
    loss_grad = _bowl(1.0)
    start = params[0].copy()
    loss, grads = optimizer.accept(params, *loss_grad(params))

    params[0] *= 10  # a point far up the loss
    kept_loss, kept_grads = optimizer.accept(params, *loss_grad(params))

    np.testing.assert_array_equal(params[0], start)
    assert kept_loss == loss
    np.testing.assert_array_equal(kept_grads[0], grads[0])
    assert all(not v.any() for v in optimizer.velocities)


def test_monotone_gd_halves_a_step_from_rest_that_went_up():
    # On E = w^2 / 2 * 30, a step of 1 multiplies w by 1 - 30 = -29: up.
    params = [np.ones(2)]
    optimizer = MonotoneGDOptimizer(params, 1.0)
    losses = _descend(optimizer, _bowl(30.0), params, 6)

    assert optimizer.learning_rate < 1.0
    assert optimizer.learning_rate_init == 1.0
    assert losses == sorted(losses, reverse=True)


def test_monotone_gd_keeps_its_step_when_every_step_goes_down():
    params = [np.ones(2)]
    optimizer = MonotoneGDOptimizer(params, 0.5, momentum=0.0)
    _descend(optimizer, _bowl(1.0), params, 10)
    assert optimizer.learning_rate == 0.5


def test_monotone_gd_momentum_follows_nesterovs_sequence_since_the_restart():
    params = [np.ones(2)]
    optimizer = MonotoneGDOptimizer(params, 0.01)
    seen = []
    for _ in range(4):
        loss, grads = optimizer.accept(params, *_bowl(1.0)(params))
        optimizer.update_params(params, grads)
        seen.append(optimizer.momentum)
    assert seen == [0.0, 1 / 4, 2 / 5, 3 / 6]


def test_monotone_gd_with_a_constant_momentum_uses_it_after_a_restart_too():
    params = [np.ones(2)]
    optimizer = MonotoneGDOptimizer(params, 0.01, momentum=0.7)
    _descend(optimizer, _bowl(1.0), params, 3)
    assert optimizer.momentum == 0.7


def test_monotone_gd_reaches_the_minimum_of_an_ill_conditioned_bowl():
    curvatures = np.array([1.0, 1e-3])

    def loss_grad(params):
        w = params[0]
        return 0.5 * float(curvatures @ w**2), [curvatures * w]

    params = [np.ones(2)]
    optimizer = MonotoneGDOptimizer(params, 10.0)
    losses = _descend(optimizer, loss_grad, params, 2000)

    assert losses[-1] < 1e-12
    assert losses == sorted(losses, reverse=True)


def test_monotone_gd_finish_returns_to_the_point_kept():
    params = [np.ones(2)]
    optimizer = MonotoneGDOptimizer(params, 0.1)
    _descend(optimizer, _bowl(1.0), params, 3)
    kept = optimizer._kept[0][0].copy()
    assert not np.array_equal(params[0], kept)  # one step past it

    optimizer.finish(params)

    np.testing.assert_array_equal(params[0], kept)


def test_monotone_gd_resume_from_carries_the_step_and_velocities_not_the_point():
    params = [np.ones(2)]
    first = MonotoneGDOptimizer(params, 1.0)
    _descend(first, _bowl(30.0), params, 6)
    second = MonotoneGDOptimizer(params, 1.0)

    second.resume_from(first)

    assert second.learning_rate == first.learning_rate
    assert second.steps_since_restart == first.steps_since_restart
    np.testing.assert_array_equal(second.velocities[0], first.velocities[0])
    assert second.velocities[0] is not first.velocities[0]
    assert second._kept is None


def test_monotone_gd_is_exhausted_once_backtracking_leaves_no_step():
    optimizer = MonotoneGDOptimizer([np.ones(1)], 1.0)
    assert not optimizer.exhausted
    optimizer.learning_rate = 2.0**-41
    assert optimizer.exhausted


# LBFGSOptimizer -------------------------------------------------------------------


def _run(optimizer, loss_grad, params, n_evaluations, tol=0.0):
    """The loop of a full-batch fit: evaluate, accept, stop on tol, step."""
    losses = []
    for _ in range(n_evaluations):
        loss, grads = optimizer.accept(params, *loss_grad(params))
        losses.append(loss)
        if max(float(np.max(np.abs(g))) for g in grads) <= tol:
            break
        optimizer.update_params(params, grads)
    optimizer.finish(params)
    return losses


def test_lbfgs_finds_the_minimum_of_an_ill_conditioned_quadratic():
    rng = np.random.RandomState(1)
    centres = [rng.normal(size=(3, 2)), rng.normal(size=5)]
    scales = [rng.uniform(0.5, 4, size=(3, 2)), np.logspace(0, 3, 5)]
    params = [np.zeros((3, 2)), np.zeros(5)]

    losses = _run(
        LBFGSOptimizer(params, 1.0), _quadratic(centres, scales), params, 500, 1e-8
    )

    # As many evaluations as scipy's L-BFGS-B takes (146); gradient descent
    # would need tens of thousands on this conditioning.
    assert len(losses) < 200
    for param, centre in zip(params, centres):
        np.testing.assert_allclose(param, centre, atol=1e-8)


def test_lbfgs_direction_is_the_dense_bfgs_update_of_its_steps():
    # H from H0 = (s.y / y.y) I through the BFGS update of each step, oldest
    # first (Nocedal and Wright, eq. 6.17): what the two-loop recursion computes.
    rng = np.random.RandomState(3)
    n = 7
    optimizer = LBFGSOptimizer([np.zeros(n)], 1.0, memory=4)
    steps = [rng.normal(size=n) for _ in range(6)]
    for s in steps:
        y = s + 0.3 * rng.normal(size=n)
        optimizer.steps.append((s, y, 1 / (y @ s)))
    grad = rng.normal(size=n)

    kept = list(optimizer.steps)  # the last 4
    _, y_last, rho_last = kept[-1]
    H = np.eye(n) / (rho_last * (y_last @ y_last))
    for s, y, rho in kept:
        V = np.eye(n) - rho * np.outer(y, s)
        H = V.T @ H @ V + rho * np.outer(s, s)

    np.testing.assert_allclose(optimizer._inverse_hessian_times(grad), H @ grad)


def test_lbfgs_never_keeps_a_point_up_the_loss():
    scales = [np.logspace(0, 4, 20)]
    params = [np.zeros(20)]
    # A first step 1000 times the quasi-Newton step: backtracking must catch it.
    losses = _run(
        LBFGSOptimizer(params, 1000.0), _quadratic([np.ones(20)], scales), params, 500
    )
    assert all(b <= a for a, b in zip(losses, losses[1:]))
    assert losses[-1] < 1e-3 * losses[0]


def test_lbfgs_rejects_a_step_up_the_loss_and_halves_it():
    params = [np.array([1.0])]
    optimizer = LBFGSOptimizer(params, 10.0)
    loss_grad = _bowl(1.0)
    optimizer.accept(params, *loss_grad(params))
    optimizer.update_params(params, [np.array([1.0])])
    tried = optimizer.step_size
    np.testing.assert_allclose(params[0], 1.0 - tried)  # -9: up the bowl

    loss, grads = optimizer.accept(params, *loss_grad(params))

    assert loss == 0.5
    np.testing.assert_array_equal(params[0], 1.0)  # back at the point kept
    assert optimizer.step_size == tried / 2


def test_lbfgs_learning_rate_scales_the_quasi_newton_step():
    # On a bowl, the direction after one gradient step is the Newton step to
    # the minimum: a learning_rate of 1 goes all the way, 0.5 half way.
    loss_grad = _bowl(3.0)
    for learning_rate, share_left in ((1.0, 0.0), (0.5, 0.5)):
        params = [np.array([4.0, -2.0])]
        optimizer = LBFGSOptimizer(params, learning_rate)
        _, grads = optimizer.accept(params, *loss_grad(params))
        optimizer.update_params(params, grads)  # along the gradient
        _, grads = optimizer.accept(params, *loss_grad(params))  # kept
        start = params[0].copy()

        optimizer.update_params(params, grads)

        np.testing.assert_allclose(params[0], share_left * start, atol=1e-12)


def test_lbfgs_works_in_the_dtype_of_the_parameters():
    params = [np.zeros((2, 2), np.float32), np.zeros(3, np.float32)]
    centres = [np.ones((2, 2), np.float32), np.full(3, -1.0, np.float32)]
    scales = [np.ones((2, 2), np.float32), np.ones(3, np.float32)]
    _run(LBFGSOptimizer(params, 1.0), _quadratic(centres, scales), params, 50, 1e-6)
    assert [p.dtype for p in params] == [np.float32, np.float32]
    np.testing.assert_allclose(params[1], -1.0, atol=1e-5)


def test_lbfgs_finish_returns_to_the_point_kept():
    params = [np.array([1.0])]
    optimizer = LBFGSOptimizer(params, 1.0)
    optimizer.accept(params, *_bowl(1.0)(params))
    optimizer.update_params(params, [np.array([1.0])])
    assert params[0][0] != 1.0
    optimizer.finish(params)
    np.testing.assert_array_equal(params[0], 1.0)


def test_lbfgs_is_exhausted_once_backtracking_leaves_no_step():
    optimizer = LBFGSOptimizer([np.ones(1)], 1.0)
    assert not optimizer.exhausted
    optimizer.step_size = 2.0**-41
    assert optimizer.exhausted
