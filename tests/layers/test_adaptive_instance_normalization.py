import keras
import numpy as np
import pytest
from keras import ops

from keras_ae.layers import AdaptiveInstanceNormalization
from keras_ae.testing import run_layer_test

EPS = 1e-5


def _mean_std(x, axes):
    mean = x.mean(axis=axes, keepdims=True)
    return mean, np.sqrt(x.var(axis=axes, keepdims=True) + EPS)


@pytest.mark.parametrize(
    "shapes, n_weights",
    [
        ([(4, 10, 3), (4, 5)], 4),  # vector mode on sequences
        ([(2, 6, 5, 3), (2, 7)], 4),  # vector mode on images
        ([(4, 10, 3), (4, 7, 3)], 0),  # statistics mode, style of another length
        ([(2, 6, 5, 3), (2, 4, 4, 3)], 0),  # statistics mode on images
    ],
)
def test_layer_checks(shapes, n_weights):
    run_layer_test(AdaptiveInstanceNormalization, {"epsilon": 1e-4}, shapes, shapes[0],
                   expected_num_trainable_weights=n_weights,
                   expected_num_non_trainable_weights=0)


def test_layer_checks_with_initializers():
    run_layer_test(
        AdaptiveInstanceNormalization,
        {"kernel_initializer": "he_normal", "gamma_bias_initializer": "zeros",
         "beta_bias_initializer": "ones", "kernel_regularizer": "l2"},
        [(4, 10, 3), (4, 5)], (4, 10, 3), expected_num_trainable_weights=4,
    )


@pytest.mark.parametrize("content_shape, style_shape",
                         [((3, 40, 4), (3, 25, 4)), ((2, 8, 9, 4), (2, 5, 6, 4))])
def test_statistics_mode_transfers_style_mean_and_std(content_shape, style_shape):
    rng = np.random.default_rng(0)
    content = rng.normal(2.0, 3.0, size=content_shape).astype("float32")
    scale = rng.uniform(0.5, 4.0, size=(style_shape[0],) + (1,) * (len(style_shape) - 2)
                        + (style_shape[-1],))
    style = (rng.normal(size=style_shape) * scale - 5.0).astype("float32")
    layer = AdaptiveInstanceNormalization()
    y = ops.convert_to_numpy(layer([content, style]))
    assert layer.mode == "statistics" and not layer.weights
    assert y.shape == content_shape
    axes = tuple(range(1, len(content_shape) - 1))
    style_mean, style_std = _mean_std(style.astype("float64"), axes)
    content_mean, content_std = _mean_std(content.astype("float64"), axes)
    np.testing.assert_allclose(y.mean(axis=axes, keepdims=True), style_mean, atol=1e-4)
    np.testing.assert_allclose(y.std(axis=axes, keepdims=True), style_std, rtol=1e-4)
    expected = style_std * (content - content_mean) / content_std + style_mean
    np.testing.assert_allclose(y, expected, rtol=1e-4, atol=1e-4)


def test_vector_mode_matches_the_formula():
    rng = np.random.default_rng(1)
    content = rng.normal(1.0, 2.0, size=(3, 20, 4)).astype("float32")
    style = rng.normal(size=(3, 6)).astype("float32")
    layer = AdaptiveInstanceNormalization()
    layer.build([content.shape, style.shape])
    assert layer.mode == "vector"
    w_gamma, w_beta = rng.normal(size=(2, 6, 4)).astype("float32")
    b_gamma, b_beta = rng.normal(size=(2, 4)).astype("float32")
    layer.gamma_kernel.assign(w_gamma)
    layer.gamma_bias.assign(b_gamma)
    layer.beta_kernel.assign(w_beta)
    layer.beta_bias.assign(b_beta)
    y = ops.convert_to_numpy(layer([content, style]))
    mean, std = _mean_std(content.astype("float64"), (1,))
    gamma = (style @ w_gamma + b_gamma)[:, None, :]
    beta = (style @ w_beta + b_beta)[:, None, :]
    expected = (content - mean) / std * gamma + beta
    np.testing.assert_allclose(y, expected, rtol=1e-4, atol=1e-4)


def test_vector_mode_starts_as_instance_norm_with_zero_style():
    rng = np.random.default_rng(2)
    content = rng.normal(3.0, 2.0, size=(2, 30, 5)).astype("float32")
    style = np.zeros((2, 8), "float32")
    y = ops.convert_to_numpy(AdaptiveInstanceNormalization()([content, style]))
    mean, std = _mean_std(content.astype("float64"), (1,))
    np.testing.assert_allclose(y, (content - mean) / std, atol=1e-4)


def test_masked_content_and_style_use_real_steps_only():
    rng = np.random.default_rng(3)
    content = rng.normal(2.0, 3.0, size=(2, 10, 3)).astype("float32")
    style = rng.normal(-1.0, 0.5, size=(2, 8, 3)).astype("float32")
    content_mask = np.arange(10)[None, :] < np.array([[10], [6]])
    style_mask = np.arange(8)[None, :] < np.array([[5], [8]])
    content[~content_mask] = 1e6
    style[~style_mask] = -1e6
    layer = AdaptiveInstanceNormalization()
    y = ops.convert_to_numpy(layer([content, style], mask=[content_mask, style_mask]))
    for i in range(2):
        c = content[i][content_mask[i]].astype("float64")
        s = style[i][style_mask[i]].astype("float64")
        c_mean, c_std = _mean_std(c, (0,))
        s_mean, s_std = _mean_std(s, (0,))
        expected = s_std * (c - c_mean) / c_std + s_mean
        real = y[i][content_mask[i]]
        np.testing.assert_allclose(real, expected, rtol=1e-4, atol=1e-4)
    masks = [content_mask, style_mask]
    assert layer.compute_mask([content, style], masks) is content_mask


def test_content_mask_propagates_in_a_model():
    rng = np.random.default_rng(4)
    content = rng.normal(size=(2, 7, 3)).astype("float32")
    content[1, 4:] = 0.0
    speaker = rng.normal(size=(2, 5)).astype("float32")
    content_in, speaker_in = keras.Input((7, 3)), keras.Input((5,))
    h = keras.layers.Masking(0.0)(content_in)
    h = AdaptiveInstanceNormalization(beta_bias_initializer="zeros",
                                      gamma_bias_initializer="ones",
                                      kernel_initializer="zeros")([h, speaker_in])
    pooled = keras.layers.GlobalAveragePooling1D()(h)
    model = keras.Model([content_in, speaker_in], pooled)
    # With zero kernels the layer is plain instance norm, so the masked
    # average over the real steps is 0.
    pooled = model.predict([content, speaker], verbose=0)
    np.testing.assert_allclose(pooled, 0.0, atol=1e-5)


@pytest.mark.parametrize("style_shape", [(2, 6), (2, 9, 3)])
def test_mixed_precision_large_inputs_stay_finite(style_shape):
    rng = np.random.default_rng(5)
    content = (3e4 + 1e4 * rng.normal(size=(2, 64, 3))).astype("float32")
    style = rng.normal(size=style_shape).astype("float32")
    layer = AdaptiveInstanceNormalization(dtype="mixed_float16")
    y = layer([content, style])
    assert keras.backend.standardize_dtype(y.dtype) == "float16"
    assert np.all(np.isfinite(ops.convert_to_numpy(ops.cast(y, "float32"))))
    # Float16 content of that size as well (e.g. from a float16 layer).
    y = layer([content.clip(-6e4, 6e4).astype("float16"), style.astype("float16")])
    assert np.all(np.isfinite(ops.convert_to_numpy(ops.cast(y, "float32"))))


@pytest.mark.parametrize(
    "shapes, match",
    [
        ([(2, 10, 3), (2, 4, 4, 3)],
         r"content.shape=\(2, 10, 3\), style.shape=\(2, 4, 4, 3\)"),
        ([(2, 10, 3), (2, 10, 5)],
         r"content.shape=\(2, 10, 3\), style.shape=\(2, 10, 5\)"),
        ([(2, 10), (2, 10)], r"content.shape=\(2, 10\)"),
        ([(2, 10, 3), (2, None)], r"style.shape=\(2, None\)"),
    ],
)
def test_bad_shapes_are_errors(shapes, match):
    with pytest.raises(ValueError, match=match):
        AdaptiveInstanceNormalization().build(shapes)


def test_single_input_is_an_error():
    with pytest.raises(ValueError, match=r"\[content, style\]"):
        AdaptiveInstanceNormalization()(np.zeros((2, 4, 3), "float32"))


@pytest.mark.parametrize("epsilon", [0, -1.0, float("inf"), "1e-5"])
def test_bad_epsilon(epsilon):
    with pytest.raises(ValueError, match="epsilon="):
        AdaptiveInstanceNormalization(epsilon=epsilon)
