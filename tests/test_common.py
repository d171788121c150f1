"""scikit-learn's estimator checks, for every estimator and solver."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from skbackprop import LogisticCEClassifier, SigmoidSSEClassifier, TinyMLPRegressor

ESTIMATORS = [SigmoidSSEClassifier, LogisticCEClassifier, TinyMLPRegressor]


def expected_failed_checks(estimator):
    """Nothing fails at the defaults; one pair of checks for the L-BFGS network."""
    if isinstance(estimator, TinyMLPRegressor) and estimator.solver == "lbfgs":
        # Weights and repeated rows give sums that differ in the last bit, and
        # L-BFGS stops within roundoff of the non-convex minimum: predictions
        # agree to about 5e-7, over the checks' rtol of 1e-7, even with
        # tol=1e-9. scikit-learn's MLPs need special settings for these checks
        # too.
        reason = "L-BFGS on a non-convex loss agrees to 5e-7, not 1e-7"
        return {
            "check_sample_weight_equivalence_on_dense_data": reason,
            "check_sample_weight_equivalence_on_sparse_data": reason,
        }
    return {}


@parametrize_with_checks(
    [Estimator() for Estimator in ESTIMATORS]
    + [Estimator(solver="lbfgs") for Estimator in ESTIMATORS],
    expected_failed_checks=expected_failed_checks,
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
