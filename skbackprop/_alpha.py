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

A few dozen held-out rows score noisily, so the choice leans to the stronger
penalty, as glmnet's ``lambda.1se`` does: the strongest whose score is within
a share of its standard error of the best.
"""

import numpy as np

from skbackprop._namespace import copy

# The penalties tried, strongest first. From 1e-1, the first stage could shrink
# the weights to the symmetric point where every hidden unit is the same and
# the gradient vanishes, and the weaker stages never left it: on Friedman's
# first function with its raw features in [0, 1], R² 0. From 1e-2, CV R² over
# random_state 0-4 spread at most 0.010 on diabetes and Friedman's three
# (0.043 from 1e-1), and the raw features fit (benchmarks/defaults.py).
ALPHAS = np.logspace(-2, -4, 5)
# Each stage trains for this share of max_iter.
STAGE_SHARE = 10
# How many standard errors of the best held-out score a stronger penalty may
# fall short by and still be chosen. With 0.25, on a path from 1e-1, the
# network's CV R² on diabetes over random_state 0-4 spread 0.009 instead of
# 0.047 (36 rows held out).
LEAN = 0.25


def choose_alpha(train, score, standard_error, params, alphas=ALPHAS):
    """Train ``params`` along ``alphas``; the alpha chosen and its weights.

    Parameters
    ----------
    train : callable
        ``train(params, alpha)`` trains ``params`` in place for one stage.
    score : callable
        ``score(params)``: the held-out score, a float, higher is better.
    standard_error : callable
        ``standard_error(score)``: the standard error of a held-out score.
    params : list of ndarray
        The starting point, trained in place through every stage; arrays of
        any namespace, copied where they live.
    alphas : sequence of float, default=ALPHAS
        The penalties, strongest first.

    Returns
    -------
    alpha : float
        The strongest penalty whose stage scored within ``LEAN`` standard
        errors of the best stage.
    params : list of ndarray
        The weights at the end of that stage.
    """
    stages = []
    for alpha in alphas:
        train(params, float(alpha))
        stages.append((score(params), float(alpha), [copy(p) for p in params]))
    best = max(stage_score for stage_score, _, _ in stages)
    bar = best - LEAN * standard_error(best)
    return next((alpha, weights) for s, alpha, weights in stages if s >= bar)


def alpha_path(problem, train_rows, held_out):
    """``alpha="auto"``: train ``problem.params`` along the path; the alpha chosen.

    Each stage trains ``max_iter // STAGE_SHARE`` epochs on ``train_rows``,
    unchecked as ``partial_fit``'s are, with a fresh update rule, and
    ``held_out`` picks the penalty by the estimator's score. The parameters
    are left at the stage picked (the list's entries replaced by them), from
    which the fit goes on.

    Parameters
    ----------
    problem : TrainingProblem
        The fit's problem (:mod:`skbackprop._problem`).
    train_rows, held_out : rows
        The rows to train the stages on, and those that score them.

    Returns
    -------
    alpha : float
        The penalty chosen.
    """
    estimator = problem.estimator
    settings = problem.settings(
        rows=train_rows,
        max_iter=max(1, estimator.max_iter // STAGE_SHARE),
        check_convergence=False,
        verbose=0,
    )

    def train(params, alpha):
        problem.train(problem.update_rule(), settings, rows=train_rows, alpha=alpha)

    alpha, params = choose_alpha(
        train,
        lambda params: held_out.score(estimator, params),
        lambda score: estimator._score_standard_error(score, held_out.shape[0]),
        problem.params,
    )
    problem.params[:] = params
    return alpha
