import keras
import numpy as np
import pytest

import keras_ae
from keras_ae.losses import donsker_varadhan_mi
from keras_ae.losses import info_nce
from keras_ae.losses import jensen_shannon_mi

LOG2 = np.log(2.0)


# Float64 numpy references, written directly from the formulas; the
# log-sum-exp subtracts the maximum so they are exact for huge scores too.
def _logsumexp(x, axis=None):
    m = np.max(x, axis=axis, keepdims=True)
    out = m + np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True))
    return np.squeeze(out, axis=axis) if axis is not None else out.item()


def ref_info_nce(scores, labels=None):
    s = np.asarray(scores, "float64")
    labels = np.arange(s.shape[0]) if labels is None else np.ravel(labels)
    return _logsumexp(s, axis=1) - s[np.arange(s.shape[0]), labels]


def ref_jensen_shannon(scores, mask=None):
    s = np.asarray(scores, "float64")
    pos = np.eye(s.shape[0], dtype=bool) if mask is None else np.asarray(mask) != 0
    softplus = lambda x: np.logaddexp(0.0, x)  # noqa: E731
    return np.mean(-softplus(-s[pos])) - np.mean(softplus(s[~pos]))


def ref_donsker_varadhan(scores, mask=None):
    s = np.asarray(scores, "float64")
    pos = np.eye(s.shape[0], dtype=bool) if mask is None else np.asarray(mask) != 0
    return np.mean(s[pos]) - (_logsumexp(s[~pos]) - np.log(np.sum(~pos)))


MI_ESTIMATORS = [
    (jensen_shannon_mi, ref_jensen_shannon),
    (donsker_varadhan_mi, ref_donsker_varadhan),
]


def random_mask(rng, shape, dtype):
    mask = rng.random(shape) < 0.3
    mask.flat[0], mask.flat[-1] = True, False  # at least one of each
    return mask.astype(dtype)


def to_numpy(x):
    return keras.ops.convert_to_numpy(x)


@pytest.mark.parametrize("shape", [(1, 1), (4, 4), (3, 7), (8, 8)])
def test_info_nce_default_labels_matches_reference(shape):
    scores = np.random.default_rng(0).normal(size=shape).astype("float32") * 3
    out = to_numpy(info_nce(scores))
    assert out.shape == (shape[0],) and out.dtype == np.float32
    np.testing.assert_allclose(out, ref_info_nce(scores), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("shape", [(4, 4), (3, 7), (9, 2)])
@pytest.mark.parametrize("labels_rank", [1, 2])
def test_info_nce_explicit_labels_matches_reference(shape, labels_rank):
    rng = np.random.default_rng(1)
    scores = rng.normal(size=shape).astype("float32") * 3
    labels = rng.integers(0, shape[1], size=shape[0])
    given = labels if labels_rank == 1 else labels[:, None]
    out = to_numpy(info_nce(scores, keras.ops.convert_to_tensor(given)))
    np.testing.assert_allclose(out, ref_info_nce(scores, labels), rtol=1e-5, atol=1e-5)
    # Float labels, as Loss.__call__ passes y_true, select the same columns.
    out = to_numpy(info_nce(scores, given.astype("float32")))
    np.testing.assert_allclose(out, ref_info_nce(scores, labels), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("fn, ref", MI_ESTIMATORS)
@pytest.mark.parametrize("shape", [(2, 2), (5, 5)])
def test_mi_default_mask_matches_reference(fn, ref, shape):
    scores = np.random.default_rng(2).normal(size=shape).astype("float32") * 2
    out = to_numpy(fn(scores))
    assert out.shape == () and out.dtype == np.float32
    np.testing.assert_allclose(out, ref(scores), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("fn, ref", MI_ESTIMATORS)
@pytest.mark.parametrize("shape", [(4, 4), (3, 6), (6, 3)])
@pytest.mark.parametrize("mask_dtype", ["bool", "float32"])
@pytest.mark.parametrize("as_tensor", [False, True])
def test_mi_explicit_mask_matches_reference(fn, ref, shape, mask_dtype, as_tensor):
    rng = np.random.default_rng(3)
    scores = rng.normal(size=shape).astype("float32") * 2
    mask = random_mask(rng, shape, mask_dtype)
    given = keras.ops.convert_to_tensor(mask) if as_tensor else mask
    np.testing.assert_allclose(
        to_numpy(fn(scores, given)), ref(scores, mask), rtol=1e-5, atol=1e-5
    )


def test_huge_scores_are_finite_and_exact():
    rng = np.random.default_rng(4)
    scores = (rng.normal(size=(6, 6)) * 1e4).astype("float32")
    mask = random_mask(rng, (6, 6), "bool")
    cases = [
        (info_nce(scores), ref_info_nce(scores)),
        (jensen_shannon_mi(scores, mask), ref_jensen_shannon(scores, mask)),
        (donsker_varadhan_mi(scores, mask), ref_donsker_varadhan(scores, mask)),
    ]
    for out, expected in cases:
        out = to_numpy(out)
        assert np.all(np.isfinite(out))
        np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-2)


def test_perfect_and_constant_critics():
    n = 5
    perfect = np.where(np.eye(n, dtype=bool), 50.0, -50.0).astype("float32")
    # Positives are singled out: InfoNCE reaches 0, its bound reaches log(N).
    np.testing.assert_allclose(to_numpy(info_nce(perfect)), 0.0, atol=1e-6)
    # -softplus(-T) -> 0 and softplus(T') -> 0: the JS estimate tends to its
    # maximum 0 (from below), i.e. 2 JSD - log 4 with JSD = log 2.
    js = float(jensen_shannon_mi(perfect))
    assert -1e-6 < js <= 0.0
    # DV is E_P[T] - log E_N[exp T] = 50 - (-50).
    np.testing.assert_allclose(float(donsker_varadhan_mi(perfect)), 100.0, rtol=1e-6)

    constant = np.zeros((n, n), "float32")
    np.testing.assert_allclose(to_numpy(info_nce(constant)), np.log(n), rtol=1e-6)
    np.testing.assert_allclose(float(jensen_shannon_mi(constant)), -2 * LOG2, rtol=1e-6)
    np.testing.assert_allclose(float(donsker_varadhan_mi(constant)), 0.0, atol=1e-6)


@pytest.mark.parametrize("shape", [(4, 4), (4, 16)])
def test_info_nce_bound_never_exceeds_log_m(shape):
    scores = np.random.default_rng(5).normal(size=shape).astype("float32") * 10
    loss = to_numpy(info_nce(scores))
    assert np.all(loss >= 0.0)
    assert np.log(shape[1]) - loss.mean() <= np.log(shape[1])


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_low_precision_inputs_give_float32(dtype):
    rng = np.random.default_rng(6)
    # exp(1e4) overflows any dtype; only the float32 log-sum-exp keeps this finite.
    scores = keras.ops.cast((rng.normal(size=(4, 4)) * 1e4).astype("float32"), dtype)
    exact = to_numpy(keras.ops.cast(scores, "float32"))
    cases = [
        (info_nce(scores), ref_info_nce(exact)),
        (jensen_shannon_mi(scores), ref_jensen_shannon(exact)),
        (donsker_varadhan_mi(scores), ref_donsker_varadhan(exact)),
    ]
    for out, expected in cases:
        assert keras.backend.standardize_dtype(out.dtype) == "float32"
        out = to_numpy(out)
        assert np.all(np.isfinite(out))
        np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-2)


@pytest.mark.parametrize("fn", [info_nce, jensen_shannon_mi, donsker_varadhan_mi])
def test_scores_must_be_a_matrix(fn):
    with pytest.raises(ValueError, match=r"`scores`.*scores.shape=\(4,\)"):
        fn(np.zeros(4, "float32"))


def test_info_nce_argument_errors():
    with pytest.raises(ValueError, match=r"N <= M.*scores.shape=\(5, 3\)"):
        info_nce(np.zeros((5, 3), "float32"))
    with pytest.raises(ValueError, match=r"`labels`.*labels.shape=\(3,\)"):
        info_nce(np.zeros((4, 4), "float32"), np.zeros(3, "int32"))
    with pytest.raises(ValueError, match=r"`labels`.*\[0, 4\).*max=4"):
        info_nce(np.zeros((2, 4), "float32"), np.array([0, 4]))


@pytest.mark.parametrize("fn", [jensen_shannon_mi, donsker_varadhan_mi])
def test_mask_argument_errors(fn):
    scores = np.zeros((3, 4), "float32")
    with pytest.raises(ValueError, match=r"square.*scores.shape=\(3, 4\)"):
        fn(scores)
    with pytest.raises(ValueError, match=r"`positive_mask`.*shape=\(3, 3\)"):
        fn(scores, np.eye(3))
    with pytest.raises(ValueError, match=r"`positive_mask`.*with 12 positives"):
        fn(scores, np.ones((3, 4)))
    with pytest.raises(ValueError, match=r"`positive_mask`.*with 0 positives"):
        fn(scores, np.zeros((3, 4), bool))
    with pytest.raises(ValueError, match=r"`positive_mask`.*only 0/1"):
        fn(scores, np.full((3, 4), 0.5))
    with pytest.raises(ValueError, match=r"square.*scores.shape=\(1, 1\)"):
        fn(np.zeros((1, 1), "float32"))


def test_public_names_are_the_functions():
    # The submodule keras_ae/losses/info_nce.py must not shadow the function.
    assert keras_ae.losses.info_nce is info_nce and callable(info_nce)
