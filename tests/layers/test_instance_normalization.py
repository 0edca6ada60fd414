import keras
import numpy as np
import pytest
from keras import ops

from keras_ae.layers import InstanceNormalization
from keras_ae.testing import run_layer_test


def _normalize(x, axes, eps=1e-5):
    mean = x.mean(axis=axes, keepdims=True)
    var = x.var(axis=axes, keepdims=True)
    return (x - mean) / np.sqrt(var + eps)


@pytest.mark.parametrize(
    "init_kwargs, shape, n_weights",
    [
        ({}, (4, 10, 3), 2),
        ({}, (2, 5, 6, 3), 2),
        ({"axis": 1}, (2, 3, 4, 5, 2), 2),
        ({"center": False, "scale": False, "epsilon": 1e-3}, (4, 10, 3), 0),
        ({"center": False, "gamma_initializer": "random_normal"}, (4, 10, 3), 1),
    ],
)
def test_layer_checks(init_kwargs, shape, n_weights):
    run_layer_test(InstanceNormalization, init_kwargs, shape, shape,
                   expected_num_trainable_weights=n_weights,
                   expected_num_non_trainable_weights=0)


@pytest.mark.parametrize("shape", [(3, 50, 4), (2, 9, 11, 4)])
def test_zero_mean_unit_variance_per_example_and_channel(shape):
    rng = np.random.default_rng(0)
    # Each example and channel with its own offset and spread.
    per_channel = (shape[0],) + (1,) * (len(shape) - 2) + (shape[-1],)
    x = (rng.normal(size=shape) * rng.uniform(0.5, 5.0, size=per_channel)
         + rng.normal(0, 10, size=per_channel))
    y = ops.convert_to_numpy(InstanceNormalization()(x.astype("float32")))
    axes = tuple(range(1, len(shape) - 1))
    np.testing.assert_allclose(y.mean(axis=axes), 0.0, atol=1e-5)
    np.testing.assert_allclose(y.var(axis=axes), 1.0, atol=1e-3)
    np.testing.assert_allclose(y, _normalize(x, axes), atol=1e-4)


def test_channels_first_axis():
    x = np.random.default_rng(1).normal(2.0, 3.0, size=(2, 3, 20)).astype("float32")
    y = ops.convert_to_numpy(InstanceNormalization(axis=1)(x))
    np.testing.assert_allclose(y, _normalize(x, (2,)), atol=1e-4)


def test_matches_group_normalization_with_one_group_per_channel():
    # Without a mask the layer is GroupNormalization(groups=-1); with learned
    # gamma and beta too.
    rng = np.random.default_rng(2)
    x = rng.normal(1.0, 2.0, size=(3, 7, 5, 6)).astype("float32")
    ours = InstanceNormalization()
    ours.build(x.shape)
    gamma = rng.normal(size=6).astype("float32")
    beta = rng.normal(size=6).astype("float32")
    ours.set_weights([gamma, beta])
    reference = keras.layers.GroupNormalization(groups=-1, epsilon=1e-5)
    reference.build(x.shape)
    reference.set_weights([gamma, beta])
    np.testing.assert_allclose(ops.convert_to_numpy(ours(x)),
                               ops.convert_to_numpy(reference(x)), atol=1e-4)


def _padded_batch(rng, lengths, steps, channels, pad_value):
    x = np.full((len(lengths), steps, channels), pad_value, "float32")
    mask = np.zeros((len(lengths), steps), bool)
    for i, n in enumerate(lengths):
        x[i, :n] = rng.normal(3.0, 2.0, size=(n, channels))
        mask[i, :n] = True
    return x, mask


def test_masked_statistics_use_real_steps_only():
    rng = np.random.default_rng(3)
    lengths = [12, 7, 3]
    x, mask = _padded_batch(rng, lengths, 12, 4, pad_value=1e6)
    layer = InstanceNormalization()
    y = ops.convert_to_numpy(layer(x, mask=mask))
    for i, n in enumerate(lengths):
        np.testing.assert_allclose(y[i, :n], _normalize(x[i, :n], (0,)), atol=1e-4)
    # Other padding values leave the real steps unchanged.
    x2 = np.where(mask[..., None], x, -7.0).astype("float32")
    y2 = ops.convert_to_numpy(layer(x2, mask=mask))
    np.testing.assert_allclose(y2[mask], y[mask], atol=1e-6)


def test_non_finite_padding_does_not_leak():
    rng = np.random.default_rng(4)
    x, mask = _padded_batch(rng, [5, 2], 6, 3, pad_value=np.nan)
    y = ops.convert_to_numpy(InstanceNormalization()(x, mask=mask))
    assert np.all(np.isfinite(y[mask]))
    np.testing.assert_allclose(y[1, :2], _normalize(x[1, :2], (0,)), atol=1e-4)


def test_mask_propagates_to_the_next_layer():
    # Masking -> InstanceNormalization -> masked average: the average uses the
    # real steps only, so it is 0 when the mask was passed on.
    rng = np.random.default_rng(5)
    x, _ = _padded_batch(rng, [8, 5], 8, 3, pad_value=0.0)
    inputs = keras.Input((8, 3))
    h = keras.layers.Masking(mask_value=0.0)(inputs)
    h = InstanceNormalization()(h)
    outputs = keras.layers.GlobalAveragePooling1D()(h)
    model = keras.Model(inputs, outputs)
    np.testing.assert_allclose(model.predict(x, verbose=0), 0.0, atol=1e-5)  # compiled


def test_all_masked_example_is_normalised_over_all_steps():
    x = np.random.default_rng(6).normal(size=(2, 6, 3)).astype("float32") * 100
    mask = np.array([[True] * 6, [False] * 6])
    y = ops.convert_to_numpy(InstanceNormalization()(x, mask=mask))
    np.testing.assert_allclose(y, _normalize(x, (1,)), atol=1e-4)


def test_image_with_mask_over_leading_axes():
    # A (batch, time) mask on (batch, time, freq, channels) spectrogram-like inputs.
    rng = np.random.default_rng(7)
    x = rng.normal(size=(2, 6, 5, 3)).astype("float32")
    mask = np.array([[True] * 6, [True] * 4 + [False] * 2])
    y = ops.convert_to_numpy(InstanceNormalization()(x, mask=mask))
    np.testing.assert_allclose(y[1, :4], _normalize(x[1, :4], (0, 1)), atol=1e-4)
    np.testing.assert_allclose(y[0], _normalize(x[0], (0, 1)), atol=1e-4)


@pytest.mark.parametrize("input_dtype", ["float32", "float16"])
def test_mixed_precision_large_inputs_stay_finite(input_dtype):
    rng = np.random.default_rng(8)
    x = (3e4 + 1e4 * rng.normal(size=(2, 64, 4))).clip(-6e4, 6e4).astype(input_dtype)
    layer = InstanceNormalization(dtype="mixed_float16")
    y = layer(x)
    assert keras.backend.standardize_dtype(y.dtype) == "float16"
    y = ops.convert_to_numpy(ops.cast(y, "float32"))
    assert np.all(np.isfinite(y))
    np.testing.assert_allclose(y, _normalize(x.astype("float64"), (1,)), atol=1e-2)
    mask = np.ones((2, 64), bool)
    mask[1, 40:] = False
    y = ops.convert_to_numpy(ops.cast(layer(x, mask=mask), "float32"))
    assert np.all(np.isfinite(y))


def test_rank_two_inputs_are_an_error():
    with pytest.raises(ValueError, match=r"rank >= 3.*input_shape=\(4, 3\)"):
        InstanceNormalization()(np.zeros((4, 3), "float32"))


@pytest.mark.parametrize("axis", [0, -3, 3])
def test_batch_or_missing_axis_is_an_error(axis):
    with pytest.raises(ValueError, match=f"axis={axis}"):
        InstanceNormalization(axis=axis)(np.zeros((2, 4, 3), "float32"))


def test_bad_mask_shape_is_an_error():
    with pytest.raises(ValueError, match=r"mask.shape=\(2, 5\)"):
        InstanceNormalization()(np.zeros((2, 4, 3), "float32"),
                                mask=np.ones((2, 5), bool))


@pytest.mark.parametrize(
    "kwargs, name",
    [({"epsilon": 0.0}, "epsilon="), ({"epsilon": -1e-5}, "epsilon="),
     ({"epsilon": float("nan")}, "epsilon="), ({"axis": 1.5}, "axis="),
     ({"center": 1}, "center="), ({"scale": None}, "scale=")],
)
def test_bad_arguments(kwargs, name):
    with pytest.raises(ValueError, match=name):
        InstanceNormalization(**kwargs)
