"""The estimators as citizens of scikit-learn's toolbox.

Pipelines, cross-validation and grid searches run them as they run scikit-learn's
own estimators, and they score like scikit-learn's peers on the same folds of the
datasets that ship with scikit-learn.
"""

import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import (
    CLASSIFIERS,
    ESTIMATORS,
    ONE_EPOCH_APART,
    SOLVERS,
    fitted_arrays,
    same_epochs,
)
from sklearn.base import clone, is_classifier, is_regressor
from sklearn.compose import TransformedTargetRegressor
from sklearn.datasets import load_breast_cancer, load_diabetes, load_wine
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import (
    GridSearchCV,
    KFold,
    StratifiedKFold,
    cross_validate,
)
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from skbackprop import LogisticCEClassifier, TinyMLPRegressor


def _data(Estimator):
    """Breast cancer for the classifiers, diabetes for the regressor."""
    loader = load_diabetes if Estimator is TinyMLPRegressor else load_breast_cancer
    return loader(return_X_y=True)


def _sane_score(Estimator):
    """Accuracy on breast cancer or R² on diabetes that a working model reaches."""
    return 0.4 if Estimator is TinyMLPRegressor else 0.95


def _scaled(X):
    return StandardScaler().fit_transform(X)


def _named_pipeline(estimator):
    return Pipeline([("scale", StandardScaler()), ("est", estimator)])


def _cv_scores(estimator, X, y, cv):
    """Test scores and fold indices of a scaled pipeline around ``estimator``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        result = cross_validate(
            make_pipeline(StandardScaler(), estimator),
            X,
            y,
            cv=cv,
            return_indices=True,
        )
    return result["test_score"], result["indices"]


# Cross-validation against scikit-learn's peers on the same folds ---------------


@pytest.mark.parametrize("Classifier", CLASSIFIERS)
@pytest.mark.parametrize("loader", [load_breast_cancer, load_wine])
def test_cross_validated_accuracy_matches_logistic_regression_on_same_folds(
    Classifier, loader
):
    X, y = loader(return_X_y=True)
    cv = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)

    ours, our_folds = _cv_scores(Classifier(), X, y, cv)
    theirs, their_folds = _cv_scores(LogisticRegression(), X, y, cv)

    for ours_idx, theirs_idx in zip(our_folds["test"], their_folds["test"]):
        np.testing.assert_array_equal(ours_idx, theirs_idx)
    assert ours.shape == (5,)
    assert ours.mean() >= 0.95
    assert abs(ours.mean() - theirs.mean()) <= 0.02


def test_cross_validated_r2_of_tiny_mlp_matches_or_beats_mlp_regressor():
    X, y = load_diabetes(return_X_y=True)
    cv = KFold(n_splits=5, shuffle=True, random_state=0)
    mlp = MLPRegressor(
        hidden_layer_sizes=(10,), activation="logistic", max_iter=2000, random_state=0
    )

    ours, our_folds = _cv_scores(TinyMLPRegressor(random_state=0), X, y, cv)
    theirs, their_folds = _cv_scores(mlp, X, y, cv)
    # TinyMLPRegressor standardises y itself; MLPRegressor needs it done for it.
    theirs_scaled_y, _ = _cv_scores(
        TransformedTargetRegressor(clone(mlp), transformer=StandardScaler()),
        X,
        y,
        cv,
    )

    for ours_idx, theirs_idx in zip(our_folds["test"], their_folds["test"]):
        np.testing.assert_array_equal(ours_idx, theirs_idx)
    assert ours.mean() >= 0.4
    assert ours.mean() >= theirs.mean() - 0.02
    assert ours.mean() >= theirs_scaled_y.mean() - 0.02


# Grid search through a pipeline ------------------------------------------------


@pytest.mark.parametrize(
    "param_grid",
    [{"est__learning_rate": [0.01, 0.1, 1.0]}, {"est__solver": ["gd", "lbfgs"]}],
    ids=["learning_rate", "solver"],
)
@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_grid_search_through_pipeline_picks_a_grid_value_with_a_sane_score(
    Estimator, param_grid
):
    X, y = _data(Estimator)
    ((name, grid),) = param_grid.items()
    search = GridSearchCV(_named_pipeline(Estimator(random_state=0)), param_grid, cv=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X, y)

    assert search.best_params_[name] in grid
    assert search.cv_results_["mean_test_score"].shape == (len(grid),)
    assert np.isfinite(search.best_score_)
    assert search.best_score_ >= _sane_score(Estimator)
    # A rate that diverges fails its fits: NaN scores, ranked last.
    assert search.best_score_ == np.nanmax(search.cv_results_["mean_test_score"])
    assert search.best_estimator_.get_params()[name] == search.best_params_[name]
    assert search.score(X, y) >= _sane_score(Estimator)


# Every solver ------------------------------------------------------------------


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_every_solver_reaches_a_sane_cross_validated_score(Estimator, solver):
    X, y = _data(Estimator)
    cv = (KFold if Estimator is TinyMLPRegressor else StratifiedKFold)(
        n_splits=3, shuffle=True, random_state=0
    )

    estimator = Estimator(solver=solver, random_state=0)
    if solver == "lbfgs" and Estimator is TinyMLPRegressor:
        # L-BFGS has no early stopping: on 442 noisy rows it needs the stronger
        # penalty that early stopping stands in for with the other solvers.
        estimator.set_params(alpha=1e-2)
    scores, _ = _cv_scores(estimator, X, y, cv)

    assert scores.mean() >= _sane_score(Estimator)


# Shapes of the fitted model ----------------------------------------------------


@pytest.mark.parametrize("Classifier", CLASSIFIERS)
def test_multiclass_probabilities_follow_classes_and_sum_to_one(Classifier):
    X, y = load_wine(return_X_y=True)
    X = _scaled(X)

    model = Classifier().fit(X, y)
    proba = model.predict_proba(X)

    np.testing.assert_array_equal(model.classes_, [0, 1, 2])
    assert proba.shape == (X.shape[0], 3)
    assert (proba >= 0).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(
        model.predict(X), model.classes_[proba.argmax(axis=1)]
    )
    np.testing.assert_allclose(np.exp(model.predict_log_proba(X)), proba)
    assert model.decision_function(X).shape == (X.shape[0], 3)
    assert model.score(X, y) >= 0.95


@pytest.mark.parametrize("Classifier", CLASSIFIERS)
@pytest.mark.parametrize("loader, n_classes", [(load_breast_cancer, 2), (load_wine, 3)])
def test_coef_has_one_row_for_two_classes_and_one_per_class_for_more(
    Classifier, loader, n_classes
):
    X, y = loader(return_X_y=True)
    n_rows = 1 if n_classes == 2 else n_classes

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = Classifier(max_iter=20).fit(_scaled(X), y)

    assert model.coef_.shape == (n_rows, X.shape[1])
    assert model.intercept_.shape == (n_rows,)
    assert model.classes_.shape == (n_classes,)
    assert model.predict_proba(_scaled(X)).shape == (X.shape[0], n_classes)


def test_binary_probabilities_give_the_second_class_the_sigmoid_of_the_score():
    X, y = load_breast_cancer(return_X_y=True)
    X = _scaled(X)

    model = LogisticCEClassifier().fit(X, y)
    scores = model.decision_function(X)
    proba = model.predict_proba(X)

    assert scores.shape == (X.shape[0],)
    np.testing.assert_allclose(proba[:, 1], 1 / (1 + np.exp(-scores)))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(model.predict(X), model.classes_[proba.argmax(1)])


@pytest.mark.parametrize("solver", ["gd", "lbfgs"])
def test_two_output_regression_predicts_two_columns(solver):
    X, y = load_diabetes(return_X_y=True)
    X = _scaled(X)
    Y = np.column_stack([y, 0.01 * y - 3.0 * X[:, 2]])

    model = TinyMLPRegressor(n_hidden=7, solver=solver, random_state=0).fit(X, Y)
    prediction = model.predict(X)

    assert prediction.shape == (X.shape[0], 2)
    assert model.n_outputs_ == 2
    assert [c.shape for c in model.coefs_] == [(X.shape[1], 7), (7, 2)]
    assert [b.shape for b in model.intercepts_] == [(7,), (2,)]
    assert model.score(X, Y) >= 0.4


# Labels and frames -------------------------------------------------------------


@pytest.mark.parametrize("Classifier", CLASSIFIERS)
def test_string_labels_are_learned_and_predicted_as_given(Classifier):
    X, y = load_breast_cancer(return_X_y=True)
    names = np.array(["malignant", "benign"])  # sorted, "benign" comes first
    y_str = names[y]

    pipe = make_pipeline(StandardScaler(), Classifier())
    predicted_str = pipe.fit(X, y_str).predict(X)
    predicted_int = clone(pipe).fit(X, y).predict(X)

    np.testing.assert_array_equal(pipe[-1].classes_, ["benign", "malignant"])
    assert set(predicted_str) <= set(names)
    assert np.mean(predicted_str == y_str) >= 0.95
    assert np.mean(predicted_str == names[predicted_int]) >= 0.99


@pytest.mark.parametrize("Classifier", CLASSIFIERS)
def test_multiclass_string_labels_order_probability_columns_by_classes(Classifier):
    X, y = load_wine(return_X_y=True)
    names = np.array(["zinfandel", "merlot", "chardonnay"])
    y_str = names[y]

    pipe = make_pipeline(StandardScaler(), Classifier()).fit(X, y_str)
    proba = pipe.predict_proba(X)

    np.testing.assert_array_equal(pipe.classes_, ["chardonnay", "merlot", "zinfandel"])
    # The column of each row's true class holds its largest probability.
    column = np.searchsorted(pipe.classes_, y_str)
    assert np.mean(proba.argmax(axis=1) == column) >= 0.95
    np.testing.assert_array_equal(pipe.predict(X), pipe.classes_[proba.argmax(1)])


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_dataframe_input_records_feature_names(Estimator):
    loader = load_diabetes if Estimator is TinyMLPRegressor else load_breast_cancer
    X, y = loader(return_X_y=True, as_frame=True)
    X = (X - X.mean()) / X.std()
    assert isinstance(X, pd.DataFrame)

    model = Estimator(max_iter=50, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)

    np.testing.assert_array_equal(model.feature_names_in_, X.columns)
    assert model.n_features_in_ == X.shape[1]
    with pytest.warns(UserWarning, match="valid feature names"):
        from_array = model.predict(X.to_numpy())
    np.testing.assert_array_equal(model.predict(X), from_array)
    with pytest.raises(ValueError, match="feature names"):
        model.predict(X[X.columns[::-1]])


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_pandas_output_of_a_pipeline_step_carries_feature_names_through(Estimator):
    loader = load_diabetes if Estimator is TinyMLPRegressor else load_breast_cancer
    X, y = loader(return_X_y=True, as_frame=True)

    pipe = make_pipeline(
        StandardScaler().set_output(transform="pandas"),
        Estimator(max_iter=50, random_state=0),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        pipe.fit(X, y)

    np.testing.assert_array_equal(pipe[-1].feature_names_in_, X.columns)
    np.testing.assert_array_equal(pipe.feature_names_in_, X.columns)
    assert pipe.predict(X).shape == (X.shape[0],)


def test_string_labels_in_a_pandas_series_with_a_dataframe():
    X, y = load_wine(return_X_y=True, as_frame=True)
    y = pd.Series(pd.Categorical.from_codes(y, ["red", "rose", "white"]))

    pipe = make_pipeline(
        StandardScaler().set_output(transform="pandas"), LogisticCEClassifier()
    ).fit(X, y)

    np.testing.assert_array_equal(pipe.classes_, ["red", "rose", "white"])
    assert pipe.score(X, y) >= 0.95


# clone and parameters ----------------------------------------------------------


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_clone_copies_parameters_and_drops_the_fit(Estimator):
    X, y = _data(Estimator)
    model = Estimator(learning_rate=0.05, max_iter=5, random_state=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(_scaled(X), y)

    copy = clone(model)

    assert copy is not model
    assert copy.get_params() == model.get_params()
    assert not hasattr(copy, "n_iter_")
    with pytest.raises(NotFittedError):
        copy.predict(X)
    assert is_classifier(copy) == (Estimator in CLASSIFIERS)
    assert is_regressor(copy) == (Estimator is TinyMLPRegressor)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_set_params_of_get_params_is_a_round_trip(Estimator):
    changed = {"learning_rate": 0.5, "solver": "adam", "max_iter": 7, "alpha": 0.1}
    model = Estimator().set_params(**changed)
    params = model.get_params()

    assert {k: params[k] for k in changed} == changed
    assert Estimator().set_params(**params).get_params() == params
    assert Estimator(**params).get_params() == params


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_set_params_through_a_pipeline_reaches_the_estimator(Estimator):
    pipe = _named_pipeline(Estimator())

    pipe.set_params(est__learning_rate=0.3, est__solver="lbfgs")

    assert pipe.named_steps["est"].learning_rate == 0.3
    assert pipe.named_steps["est"].solver == "lbfgs"
    assert pipe.get_params()["est__learning_rate"] == 0.3
    assert clone(pipe).get_params()["est__solver"] == "lbfgs"


# sample_weight -----------------------------------------------------------------


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_integer_sample_weights_equal_repeated_rows_with_gd(Estimator):
    X, y = _data(Estimator)
    X = _scaled(X)
    rng = np.random.RandomState(0)
    weights = rng.randint(0, 4, size=X.shape[0])
    # Held-out rows would differ between the two: none are held out, neither
    # for early stopping nor to choose the network's alpha.
    params = dict(
        solver="gd", max_iter=200, early_stopping=False, alpha=1e-3, random_state=0
    )

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        weighted = Estimator(**params).fit(X, y, sample_weight=weights)
        repeated = Estimator(**params).fit(
            np.repeat(X, weights, axis=0), np.repeat(y, weights)
        )

    # The two sums agree only to rounding (see same_epochs).
    rtol = 1e-6 if same_epochs(weighted, repeated, 1e-6) else ONE_EPOCH_APART
    np.testing.assert_allclose(weighted.predict(X), repeated.predict(X), rtol=rtol)
    if Estimator in CLASSIFIERS:
        np.testing.assert_allclose(
            weighted.predict_proba(X), repeated.predict_proba(X), rtol=rtol
        )
        np.testing.assert_allclose(weighted.coef_, repeated.coef_, rtol=rtol)
    # Weights are not a no-op: unit weights train another model.
    unweighted = Estimator(**params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        unweighted.fit(X, y)
    assert not np.allclose(_coefs(unweighted), _coefs(weighted), rtol=1e-3)


def _coefs(model):
    return np.concatenate([c.ravel() for c in fitted_arrays(model, intercepts=False)])


def test_sample_weight_is_routed_to_the_estimator_through_a_pipeline():
    X, y = load_breast_cancer(return_X_y=True)
    weights = np.random.RandomState(0).randint(0, 4, size=X.shape[0])

    pipe = _named_pipeline(LogisticCEClassifier(max_iter=100))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        pipe.fit(X, y, est__sample_weight=weights)
        direct = LogisticCEClassifier(max_iter=100).fit(
            pipe[0].transform(X), y, sample_weight=weights
        )

    np.testing.assert_allclose(pipe[-1].coef_, direct.coef_)
