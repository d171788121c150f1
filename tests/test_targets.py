"""The fitted target encoders: what a fit's y becomes, from a summary of it."""

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.utils.class_weight import compute_class_weight, compute_sample_weight

from skbackprop import LogisticCEClassifier, SigmoidSSEClassifier
from skbackprop._targets import ClassEncoder, TargetScaler


@pytest.mark.parametrize("class_weight", [None, "balanced", {"a": 2.0, "c": 0.5}])
def test_a_class_encoder_fits_the_same_on_each_label_once_with_its_count(
    class_weight,
):
    """A cluster fits it on the blocks' labels and counts: it must be the same."""
    y = np.array(list("abcaab" * 7 + "cc"))
    by_rows = ClassEncoder(class_weight).fit(y)
    blocks = (y[:20], y[20:])
    labels, counts = zip(*(np.unique(b, return_counts=True) for b in blocks))
    by_counts = ClassEncoder(class_weight).fit(
        np.concatenate(labels), np.concatenate(counts)
    )

    np.testing.assert_array_equal(by_counts.classes_, by_rows.classes_)
    if class_weight is None:
        assert by_rows.class_weight_ is None and by_counts.class_weight_ is None
    else:
        np.testing.assert_array_equal(by_counts.class_weight_, by_rows.class_weight_)
        expected = compute_class_weight(class_weight, classes=by_rows.classes_, y=y)
        np.testing.assert_array_equal(by_rows.class_weight_, expected)


def test_balanced_class_weights_count_the_sample_weights_as_repeated_rows():
    y = np.array([0, 0, 0, 1, 1, 2])
    repeats = np.array([1, 3, 1, 2, 1, 4])
    weighted = ClassEncoder("balanced").fit(y, repeats.astype(float))
    repeated = ClassEncoder("balanced").fit(np.repeat(y, repeats))
    np.testing.assert_allclose(weighted.class_weight_, repeated.class_weight_)


@pytest.mark.parametrize("Classifier", [SigmoidSSEClassifier, LogisticCEClassifier])
def test_a_balanced_fit_with_integer_weights_is_the_fit_on_repeated_rows(Classifier):
    """As LogisticRegression from scikit-learn 1.7: weights count as rows."""
    X, y = make_classification(
        n_samples=60, n_features=4, weights=[0.7], random_state=0
    )
    repeats = np.random.default_rng(0).integers(1, 4, size=y.shape[0])
    weighted = Classifier(class_weight="balanced", tol=1e-10, max_iter=500)
    weighted.fit(X, y, sample_weight=repeats)
    repeated = Classifier(class_weight="balanced", tol=1e-10, max_iter=500)
    repeated.fit(np.repeat(X, repeats, axis=0), np.repeat(y, repeats))
    np.testing.assert_allclose(weighted.coef_, repeated.coef_, rtol=1e-5)


def test_a_class_encoder_encodes_two_classes_as_0_1_and_more_as_one_hot_rows():
    two = ClassEncoder().fit(np.array(["no", "yes"]))
    targets, weights = two.transform(np.array(["yes", "no"]), None, np.float32)
    np.testing.assert_array_equal(targets, [1.0, 0.0])
    assert targets.dtype == np.float32 and weights is None

    three = ClassEncoder({2: 3.0}).fit(np.array([0, 1, 2]))
    targets, weights = three.transform(np.array([2, 0]), np.array([0.5, 2.0]), float)
    np.testing.assert_array_equal(targets, [[0, 0, 1], [1, 0, 0]])
    np.testing.assert_array_equal(weights, [1.5, 2.0])


def test_a_class_encoder_refuses_one_class_and_labels_it_did_not_fit():
    with pytest.raises(ValueError, match="only one class: 'a'"):
        ClassEncoder().fit(np.array(["a", "a"]))
    encoder = ClassEncoder().fit(np.array(["a", "b"]))
    with pytest.raises(ValueError, match=r"not in classes_ \['a', 'b'\]: \['z'\]"):
        encoder.transform(np.array(["a", "z"]), None, np.float64)


def test_a_class_weight_that_gives_a_class_no_finite_weight_is_refused():
    with pytest.raises(ValueError, match="finite, non-negative"):
        ClassEncoder({0: -1.0}).fit(np.array([0, 1]))


def test_a_target_scaler_standardises_by_the_weighted_mean_and_spread():
    y = np.array([[1.0, 10.0], [3.0, 10.0], [5.0, 10.0]])
    weights = np.array([1.0, 2.0, 1.0])
    scaler = TargetScaler().fit(y, weights)
    repeated = TargetScaler().fit(np.repeat(y, [1, 2, 1], axis=0))

    np.testing.assert_allclose(scaler.mean_, [3.0, 10.0])
    np.testing.assert_allclose(scaler.scale_, [np.sqrt(2.0), 1.0])  # constant: 1
    np.testing.assert_allclose(scaler.scale_, repeated.scale_)
    targets, same = scaler.transform(y, weights, np.float64)
    np.testing.assert_allclose(targets[:, 0], [-np.sqrt(2.0), 0.0, np.sqrt(2.0)])
    np.testing.assert_array_equal(targets[:, 1], 0.0)
    assert same is weights


def test_a_target_scaler_without_an_intercept_only_scales():
    y = np.array([2.0, 4.0])
    scaler = TargetScaler(fit_intercept=False).fit(y)
    assert scaler.mean_ == 0
    np.testing.assert_allclose(scaler.scale_, np.sqrt(10.0))  # the RMS about 0
    assert scaler.n_outputs_ == 1


def test_an_estimators_class_weights_are_the_encoders_it_keeps():
    X, y = make_classification(n_samples=80, weights=[0.8], random_state=0)
    classifier = LogisticCEClassifier(class_weight="balanced").fit(X, y)
    encoder = classifier._target_encoder
    np.testing.assert_array_equal(encoder.classes_, classifier.classes_)
    _, weights = encoder.transform(y, None, np.float64)
    np.testing.assert_allclose(weights, compute_sample_weight("balanced", y))


def test_a_class_whose_rows_all_weigh_zero_gets_balanced_weight_zero_not_inf():
    y = np.array([0, 0, 1, 2])
    encoder = ClassEncoder("balanced").fit(y, np.array([1.0, 1.0, 0.0, 2.0]))
    np.testing.assert_allclose(encoder.class_weight_, [4 / 6, 0.0, 4 / 6])
    _, weights = encoder.transform(y, np.array([1.0, 1.0, 0.0, 2.0]), np.float64)
    assert np.all(np.isfinite(weights))
