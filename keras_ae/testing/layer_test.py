"""The checks Keras runs on its own layers, as a public helper.

`run_layer_test` does for a layer what the `run_layer_test` of Keras' own
(private) test case does for Keras' layers:
config round trip, JSON serialization, build from a shape, symbolic and eager
calls, one `fit` step, mixed precision, and a user's Functional model holding
the layer saved to `.keras` and loaded back without `custom_objects`.
"""

import json
import os
import tempfile

import keras
import numpy as np
from keras import ops


def run_layer_test(
    layer_cls,
    init_kwargs,
    input_shape,
    expected_output_shape,
    expected_output_dtype="float32",
    input_dtype="float32",
    call_kwargs=None,
    expected_num_trainable_weights=None,
    expected_num_non_trainable_weights=None,
    expected_num_losses=None,
    run_training_check=True,
    run_mixed_precision_check=True,
    run_saving_check=True,
    seed=0,
):
    """Runs Keras' standard layer checks on `layer_cls(**init_kwargs)`.

    Args:
        layer_cls: the layer class.
        init_kwargs: dict of constructor arguments.
        input_shape: the full input shape including the batch size, or a list
            of shapes for a layer called on a list of inputs.
        expected_output_shape: the full output shape for `input_shape`.
        expected_output_dtype: the output dtype under the float32 policy.
        input_dtype: dtype of the random inputs (a list for several inputs).
        call_kwargs: extra keyword arguments for `call`.
        expected_num_trainable_weights: checked after building, if given.
        expected_num_non_trainable_weights: checked after building, if given.
        expected_num_losses: number of `layer.losses` after a training call.
        run_training_check: run one `fit` step of a model that puts a `Dense`
            before the layer and checks that the gradient reaches it.
        run_mixed_precision_check: call the layer under `mixed_float16` and
            `mixed_bfloat16`: finite outputs in the compute dtype, variables
            kept in float32.
        run_saving_check: save a Functional model holding the layer to
            `.keras`, load it back without `custom_objects`, compare outputs.
        seed: seed of the random inputs.

    Raises:
        AssertionError: naming the first check that failed.

    Example:

    >>> import keras
    >>> from keras_ae.testing import run_layer_test
    >>> run_layer_test(keras.layers.Dense, {"units": 3}, (2, 4), (2, 3))
    """
    call_kwargs = dict(call_kwargs or {})
    multi = isinstance(input_shape, list)
    shapes = input_shape if multi else [input_shape]
    dtypes = input_dtype if isinstance(input_dtype, list) else [input_dtype] * len(shapes)
    rng = np.random.default_rng(seed)
    data = [_random_input(rng, s, d) for s, d in zip(shapes, dtypes)]
    inputs = data if multi else data[0]

    _check_config(layer_cls, init_kwargs)
    layer = _check_build(
        layer_cls,
        init_kwargs,
        input_shape,
        expected_num_trainable_weights,
        expected_num_non_trainable_weights,
    )
    _check_symbolic_call(layer_cls, init_kwargs, shapes, dtypes, multi,
                         expected_output_shape, call_kwargs)
    _check_eager_call(layer_cls, init_kwargs, inputs, expected_output_shape,
                      expected_output_dtype, call_kwargs, expected_num_losses)
    if run_training_check:
        _check_fit(layer_cls, init_kwargs, shapes, dtypes, data, multi, call_kwargs)
    if run_mixed_precision_check:
        for policy in ("mixed_float16", "mixed_bfloat16"):
            _check_mixed_precision(layer_cls, init_kwargs, inputs, call_kwargs, policy)
    if run_saving_check:
        _check_saving(layer_cls, init_kwargs, shapes, dtypes, data, multi, call_kwargs)
    del layer


def _random_input(rng, shape, dtype):
    if "int" in str(dtype):
        return rng.integers(0, 4, size=shape).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


def _check_config(layer_cls, init_kwargs):
    layer = layer_cls(**init_kwargs)
    config = layer.get_config()
    for key in init_kwargs:
        if key not in config:
            raise AssertionError(
                f"{layer_cls.__name__}.get_config() lacks the argument {key!r}: "
                f"every constructor argument must be stored. Config: {config}"
            )
    revived = layer_cls.from_config(config)
    if revived.get_config() != config:
        raise AssertionError(
            f"{layer_cls.__name__} config round trip changed the config: "
            f"{config} != {revived.get_config()}"
        )
    serialized = keras.saving.serialize_keras_object(layer)
    text = json.dumps(serialized)
    revived = keras.saving.deserialize_keras_object(json.loads(text))
    if type(revived) is not layer_cls or revived.get_config() != config:
        raise AssertionError(
            f"{layer_cls.__name__} does not survive JSON serialization; is it "
            "registered with keras.saving.register_keras_serializable?"
        )


def _check_build(layer_cls, init_kwargs, input_shape, n_trainable, n_non_trainable):
    layer = layer_cls(**init_kwargs)
    layer.build(input_shape)
    if not layer.built:
        raise AssertionError(f"{layer_cls.__name__}.build() did not set built=True")
    if n_trainable is not None and len(layer.trainable_weights) != n_trainable:
        raise AssertionError(
            f"{layer_cls.__name__}: expected {n_trainable} trainable weights, "
            f"found {len(layer.trainable_weights)}"
        )
    if n_non_trainable is not None and len(layer.non_trainable_weights) != n_non_trainable:
        raise AssertionError(
            f"{layer_cls.__name__}: expected {n_non_trainable} non-trainable "
            f"weights, found {len(layer.non_trainable_weights)}"
        )
    for w in layer.weights:
        if keras.backend.standardize_dtype(w.dtype) != "float32" and "float" in str(w.dtype):
            raise AssertionError(f"weight {w.path} is {w.dtype}, expected float32")
    return layer


def _symbolic_inputs(shapes, dtypes, multi):
    xs = [keras.Input(batch_shape=(None,) + tuple(s[1:]), dtype=d) for s, d in zip(shapes, dtypes)]
    return xs if multi else xs[0]


def _check_symbolic_call(layer_cls, init_kwargs, shapes, dtypes, multi,
                         expected_output_shape, call_kwargs):
    layer = layer_cls(**init_kwargs)
    out = layer(_symbolic_inputs(shapes, dtypes, multi), **call_kwargs)
    expected = (None,) + tuple(expected_output_shape[1:])
    if tuple(out.shape) != expected:
        raise AssertionError(
            f"{layer_cls.__name__} symbolic output shape {tuple(out.shape)}, "
            f"expected {expected}"
        )


def _check_eager_call(layer_cls, init_kwargs, inputs, expected_output_shape,
                      expected_output_dtype, call_kwargs, expected_num_losses):
    for training in (False, True):
        layer = layer_cls(**init_kwargs)
        out = layer(inputs, training=training, **call_kwargs)
        if tuple(out.shape) != tuple(expected_output_shape):
            raise AssertionError(
                f"{layer_cls.__name__} eager output shape {tuple(out.shape)} "
                f"(training={training}), expected {tuple(expected_output_shape)}"
            )
        dtype = keras.backend.standardize_dtype(out.dtype)
        if dtype != expected_output_dtype:
            raise AssertionError(
                f"{layer_cls.__name__} output dtype {dtype}, expected "
                f"{expected_output_dtype}"
            )
        if not np.all(np.isfinite(ops.convert_to_numpy(out))):
            raise AssertionError(f"{layer_cls.__name__} output is not finite")
        if training and expected_num_losses is not None:
            if len(layer.losses) != expected_num_losses:
                raise AssertionError(
                    f"{layer_cls.__name__}: expected {expected_num_losses} "
                    f"losses after a training call, found {len(layer.losses)}"
                )


def _functional_model(layer, shapes, dtypes, multi, call_kwargs, with_dense):
    xs = _symbolic_inputs(shapes, dtypes, multi)
    xs_list = xs if multi else [xs]
    hs = [
        keras.layers.Dense(s[-1], name=f"pre_dense_{i}")(x) if with_dense else x
        for i, (x, s) in enumerate(zip(xs_list, shapes))
    ]
    y = layer(hs if multi else hs[0], **call_kwargs)
    return keras.Model(xs, y)


def _check_fit(layer_cls, init_kwargs, shapes, dtypes, data, multi, call_kwargs):
    if any("float" not in str(d) for d in dtypes):
        return
    layer = layer_cls(**init_kwargs)
    model = _functional_model(layer, shapes, dtypes, multi, call_kwargs, True)
    out_shape = tuple(model.output.shape[1:])
    rng = np.random.default_rng(1)
    y = rng.standard_normal((shapes[0][0],) + out_shape).astype("float32")
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    before = [ops.convert_to_numpy(v).copy() for v in model.trainable_variables]
    history = model.fit(data if multi else data[0], y, batch_size=shapes[0][0],
                        epochs=1, verbose=0)
    loss = history.history["loss"][0]
    if not np.isfinite(loss):
        raise AssertionError(f"{layer_cls.__name__}: fit step loss is {loss}")
    after = [ops.convert_to_numpy(v) for v in model.trainable_variables]
    dense_moved = [
        not np.allclose(b, a)
        for v, b, a in zip(model.trainable_variables, before, after)
        if "pre_dense" in v.path
    ]
    if not any(dense_moved):
        raise AssertionError(
            f"{layer_cls.__name__}: one fit step did not change the Dense layer "
            "before it; no gradient flows through the layer"
        )


def _check_mixed_precision(layer_cls, init_kwargs, inputs, call_kwargs, policy):
    layer = layer_cls(**{**init_kwargs, "dtype": policy})
    for training in (True, False):
        out = layer(inputs, training=training, **call_kwargs)
        compute = keras.DTypePolicy(policy).compute_dtype
        dtype = keras.backend.standardize_dtype(out.dtype)
        if dtype != compute:
            raise AssertionError(
                f"{layer_cls.__name__} under {policy}: output dtype {dtype}, "
                f"expected {compute}"
            )
        if not np.all(np.isfinite(ops.convert_to_numpy(ops.cast(out, "float32")))):
            raise AssertionError(f"{layer_cls.__name__} under {policy}: non-finite output")
    for w in layer.weights:
        if "float" in str(w.dtype) and keras.backend.standardize_dtype(w.dtype) != "float32":
            raise AssertionError(
                f"{layer_cls.__name__} under {policy}: variable {w.path} is "
                f"{w.dtype}, expected float32"
            )


def _check_saving(layer_cls, init_kwargs, shapes, dtypes, data, multi, call_kwargs):
    layer = layer_cls(**init_kwargs)
    model = _functional_model(layer, shapes, dtypes, multi, call_kwargs, False)
    x = data if multi else data[0]
    expected = ops.convert_to_numpy(model(x, training=False))
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.keras")
        model.save(path)
        revived = keras.saving.load_model(path)
    got = ops.convert_to_numpy(revived(x, training=False))
    if not np.allclose(expected, got, atol=1e-6):
        raise AssertionError(
            f"{layer_cls.__name__}: a Functional model loaded from .keras gives "
            f"other outputs (max abs diff {np.max(np.abs(expected - got))})"
        )
    found = [lyr for lyr in revived.layers if type(lyr) is layer_cls]
    if not found:
        raise AssertionError(f"{layer_cls.__name__} missing from the loaded model")
