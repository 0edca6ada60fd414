"""Resume without loss: a run interrupted mid-epoch and resumed with
`keras.callbacks.BackupAndRestore` ends where an uninterrupted run ends.

Weights, every optimizer's state, EMA codebooks, temperatures, step
counters and seed generators all live in the model's variables, so the
backup of the last finished epoch holds them; the resumed run redoes the
interrupted epoch from there, on the same batches (`shuffle=False`).
"""

import keras
import numpy as np
import pytest
import tiny_models

pytestmark = pytest.mark.skipif(keras.backend.backend() == "torch",
                                reason="checked on TensorFlow and JAX")

EPOCHS, INTERRUPT = 3, (1, 2)  # stop at batch 2 of epoch 1 (from 0)


class _Interrupt(keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_begin(self, batch, logs=None):
        if (self.epoch, batch) == INTERRUPT:
            raise RuntimeError("interrupted")


def _data(kind):
    parts = [tiny_models.batch(kind, seed) for seed in range(4)]  # 4 batches an epoch
    x = np.concatenate([p[0] for p in parts])
    y = None if parts[0][1] is None else np.concatenate([p[1] for p in parts])
    return x, y


def _fresh(kind):
    keras.utils.set_random_seed(0)
    model = tiny_models.build(kind)
    model.compile(optimizer=tiny_models.optimizer(kind))
    return model


def _fit(model, kind, callbacks):
    x, y = _data(kind)
    model.fit(x, y, batch_size=tiny_models.BATCH, epochs=EPOCHS, shuffle=False, verbose=0,
              callbacks=callbacks)


def _state(model):
    # By position: each new model's layers get new automatic names.
    return ([(v.name, np.array(keras.ops.convert_to_numpy(v))) for v in model.weights],
            [np.array(keras.ops.convert_to_numpy(v)) for v in model.optimizer.variables])


@pytest.mark.parametrize("kind", ["vqvae", "gumbel", "deep_info_max"])
def test_an_interrupted_run_resumes_to_the_same_state(kind, tmp_path):
    straight = _fresh(kind)
    _fit(straight, kind, [])

    backup = keras.callbacks.BackupAndRestore(str(tmp_path / "backup"))
    interrupted = _fresh(kind)
    with pytest.raises(RuntimeError, match="interrupted"):
        _fit(interrupted, kind, [backup, _Interrupt()])
    resumed = _fresh(kind)  # as a new process would
    _fit(resumed, kind, [keras.callbacks.BackupAndRestore(str(tmp_path / "backup"))])

    weights, optimizer = _state(straight)
    got_weights, got_optimizer = _state(resumed)
    assert [name for name, _ in got_weights] == [name for name, _ in weights]
    for (name, got), (_, value) in zip(got_weights, weights):
        np.testing.assert_allclose(got, value, rtol=1e-6, atol=1e-7, err_msg=name)
    assert len(got_optimizer) == len(optimizer)
    for i, (got, value) in enumerate(zip(got_optimizer, optimizer)):
        np.testing.assert_allclose(got, value, rtol=1e-6, atol=1e-7,
                                   err_msg=f"optimizer variable {i}")
    steps = EPOCHS * 4
    assert int(keras.ops.convert_to_numpy(resumed.optimizer.iterations)) == steps
    if kind == "gumbel":
        assert float(keras.ops.convert_to_numpy(resumed.step)) == steps
    if kind == "deep_info_max":
        for name in resumed.optimizer.names:
            assert int(keras.ops.convert_to_numpy(
                resumed.optimizer[name].iterations)) == steps, name
