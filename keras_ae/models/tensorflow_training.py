"""The training loop shared by the models that compute their own loss on TensorFlow."""

import keras
from keras import ops

from keras_ae import backend


class TensorFlowTraining:
    """A mixin for a `keras.Model` with its own loss, metrics and TF `train_step`.

    The model defines:

    - `_training_loss(x, y, training)` → `(loss, parts)`: the scalar loss
      to minimise, without the layers' regularization losses, and anything
      its trackers need;
    - `_update_trackers(*parts)` → the logs dict;
    - `_trackers`, a dict of its `keras.metrics.Metric`s (its `metrics`).

    The mixin gives `compile` (one optimizer; `loss` and `metrics` refused,
    other backends refused with the reason), `train_step` (a GradientTape
    step whose loss is divided by the replica count, since optimizers sum
    the replicas' gradients), `test_step`, and the compile config that
    `.keras` files keep.
    """

    @property
    def metrics(self):
        return list(self._trackers.values())

    def compile(self, optimizer="adam", **kwargs):
        """Configures the model for training.

        Args:
            optimizer: the optimizer of all the model's weights.
            **kwargs: other `keras.Model.compile` arguments (`jit_compile`,
                `steps_per_execution`, ...). `loss` and `metrics` are not
                taken: the model computes its own.
        """
        name = type(self).__name__
        for key in ("loss", "metrics"):
            if kwargs.get(key) is not None:
                raise ValueError(
                    f"{name} computes its own loss and metrics; `{key}` is not taken. "
                    f"Received: {key}={kwargs[key]!r}")
        if keras.backend.backend() != "tensorflow":
            raise ValueError(
                f"{name} trains with the TensorFlow backend (its `train_step` uses "
                "tf.GradientTape and gathers the batch across tf.distribute replicas). "
                "`encode`, `predict`, saving and loading work on every backend. Received: "
                f"backend {keras.backend.backend()!r}; set KERAS_BACKEND=tensorflow to train.")
        keras.Model.compile(self, optimizer=optimizer, **kwargs)
        # Built now, so a `.keras` file restores the optimizer's state too.
        self.optimizer.build(self.trainable_variables)

    def get_compile_config(self):
        if not self.compiled:
            return None
        return {"optimizer": keras.saving.serialize_keras_object(self.optimizer)}

    def compile_from_config(self, config):
        self.compile(optimizer=keras.saving.deserialize_keras_object(config["optimizer"]))

    def train_step(self, data):
        import tensorflow as tf

        x, y, _ = keras.utils.unpack_x_y_sample_weight(data)
        variables = self.trainable_variables
        with tf.GradientTape() as tape:
            loss, parts = self._training_loss(x, y, training=True)
            total = _with_regularization(loss, self.losses)
            scaled = self.optimizer.scale_loss(total / backend.replica_count())
        gradients = tape.gradient(scaled, variables)
        self.optimizer.apply_gradients(zip(gradients, variables))
        return self._update_trackers(*parts)

    def test_step(self, data):
        x, y, _ = keras.utils.unpack_x_y_sample_weight(data)
        _, parts = self._training_loss(x, y, training=False)
        return self._update_trackers(*parts)


def _with_regularization(loss, losses):
    regularization = [ops.cast(v, "float32") for v in losses]
    return loss + (ops.sum(ops.stack(regularization)) if regularization else 0.0)
