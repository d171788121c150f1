"""``alpha="auto"``: the L2 penalty chosen on held-out rows, along a path.

A network's best penalty depends on how noisy its data are: a strong one
serves small noisy data, a weak one lets a network fit a smooth nonlinear
function closely. No single default serves both (see the user guide), so
``alpha="auto"`` measures it. The model trains at each penalty of
:data:`ALPHAS` in turn, from the strongest to the weakest, each stage starting
where the last one ended; the penalty whose weights score best on the held-out
rows is kept. Starting strong keeps the early stages near the nearly linear
solutions that noisy data want, and each weaker stage refines its
predecessor's fit, as a regularisation path does for the lasso (Friedman,
Hastie and Tibshirani, "Regularization paths for generalized linear models via
coordinate descent", 2010).
"""

import numpy as np

# The penalties tried, strongest first: the range over which the best alpha of
# 33 real and 4 synthetic datasets lies (benchmarks/defaults.py --real).
ALPHAS = np.logspace(-1, -4, 7)
# Each stage trains for this share of max_iter.
STAGE_SHARE = 10


def choose_alpha(train, score, params, alphas=ALPHAS):
    """Train ``params`` along ``alphas``; the best-scoring alpha and its weights.

    Parameters
    ----------
    train : callable
        ``train(params, alpha)`` trains ``params`` in place for one stage.
    score : callable
        ``score(params)``: the held-out score, higher is better.
    params : list of ndarray
        The starting point, trained in place through every stage.
    alphas : sequence of float, default=ALPHAS
        The penalties, in the order they are tried.

    Returns
    -------
    alpha : float
        The penalty whose stage scored best; on a tie, the stronger one.
    best_params : list of ndarray
        The weights at the end of that stage.
    """
    best_score, best_alpha, best_params = -np.inf, None, None
    for alpha in alphas:
        train(params, float(alpha))
        stage_score = score(params)
        if best_params is None or stage_score > best_score:
            best_score, best_alpha = stage_score, float(alpha)
            best_params = [p.copy() for p in params]
    return best_alpha, best_params
