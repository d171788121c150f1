"""``alpha="auto"``: the penalty chosen on held-out rows along a path."""

import numpy as np
import pytest
from conftest import ESTIMATORS, ignore_convergence
from sklearn.datasets import make_friedman1
from sklearn.preprocessing import StandardScaler

from skbackprop import TinyMLPRegressor
from skbackprop._alpha import ALPHAS, LEAN, choose_alpha
from skbackprop._base import SMALL_DATA_ALPHA


def _path(scores, standard_error=0.1):
    """choose_alpha over stages that score ``scores``, strongest first."""
    trained = []

    def train(params, alpha):
        params[0][...] = alpha
        trained.append(alpha)

    stage_scores = iter(scores)
    alpha, params = choose_alpha(
        train,
        lambda params: next(stage_scores),
        lambda score: standard_error,
        [np.zeros(1)],
        alphas=[1.0, 0.1, 0.01, 0.001],
    )
    return alpha, params, trained


def test_choose_alpha_trains_every_stage_warm_from_the_last():
    _, _, trained = _path([0.1, 0.2, 0.3, 0.4])
    assert trained == [1.0, 0.1, 0.01, 0.001]


def test_choose_alpha_keeps_the_best_stage_and_its_weights():
    alpha, params, _ = _path([0.1, 0.5, 0.2, 0.3])
    assert alpha == 0.1
    assert params[0][0] == 0.1  # that stage's weights, not the last one's


def test_choose_alpha_leans_to_a_stronger_penalty_within_its_share_of_noise():
    # The weaker 0.01 scores best by less than LEAN standard errors: the
    # stronger 0.1 is as good within the noise of the held-out rows.
    margin = 0.9 * LEAN * 0.1
    alpha, _, _ = _path([0.1, 0.5 - margin, 0.5, 0.2])
    assert alpha == 0.1
    alpha, _, _ = _path([0.1, 0.5 - 2 * LEAN * 0.1, 0.5, 0.2])
    assert alpha == 0.01


def _friedman(n_samples=400):
    X, y = make_friedman1(n_samples=n_samples, noise=0.5, random_state=0)
    return StandardScaler().fit_transform(X), y


def test_the_networks_default_chooses_alpha_on_the_path():
    X, y = _friedman()
    model = TinyMLPRegressor(random_state=0).fit(X, y)
    assert model.alpha_ in ALPHAS
    # A smooth function with little noise wants a weak penalty.
    assert model.alpha_ <= 1e-3
    assert model.score(X, y) > 0.95


def test_too_few_rows_to_hold_out_take_the_small_data_alpha():
    X, y = _friedman(n_samples=150)  # 15 held-out rows: too few to choose by
    model = TinyMLPRegressor(random_state=0).fit(X, y)
    assert model.alpha_ == SMALL_DATA_ALPHA
    assert model.validation_scores_ is None


@ignore_convergence
@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_a_number_is_the_fitted_alpha(Estimator):
    X, y = _friedman()
    if Estimator is not TinyMLPRegressor:
        y = (y > np.median(y)).astype(int)
    assert Estimator(alpha=0.05, max_iter=20).fit(X, y).alpha_ == 0.05


def test_a_warm_start_keeps_the_alpha_chosen():
    X, y = _friedman()
    model = TinyMLPRegressor(warm_start=True, random_state=0).fit(X, y)
    chosen = model.alpha_
    model.fit(X[::-1], y[::-1])
    assert model.alpha_ == chosen


def test_learning_rate_changes_the_default_networks_fit():
    # GridSearchCV over learning rates is the library's main use: its default
    # solver must not ignore the rate.
    X, y = _friedman()
    slow = TinyMLPRegressor(learning_rate=0.05, random_state=0).fit(X, y)
    natural = TinyMLPRegressor(random_state=0).fit(X, y)
    assert not np.allclose(slow.coefs_[0], natural.coefs_[0])
