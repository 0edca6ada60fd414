import math

import keras


class TemperatureSchedule(keras.callbacks.Callback):
    """Anneals the temperature of `GumbelSoftmax` layers during `fit`.

    Before every training batch, sets τ = max(τ_min, τ0·exp(−r·step)), the
    schedule of the Gumbel-softmax paper, on every `GumbelSoftmax` layer of
    the model (or on the given layers). `step` is the optimizer's iteration
    count, which is saved with the model, so a resumed run continues the
    schedule where it stopped instead of starting again from τ0. The current
    τ is written to the logs as `temperature` at the end of each epoch.

    Args:
        initial_temperature: float > 0, τ0. Defaults to 1.0.
        min_temperature: float in (0, τ0], τ_min. Defaults to 0.5, the
            paper's value.
        anneal_rate: float >= 0, r per training step. Defaults to 1e-4.
        layers: None (every `GumbelSoftmax` in the model, found at the start
            of training) or a list of layers with a `temperature` variable.

    Example:

    >>> import keras, keras_ae
    >>> schedule = keras_ae.callbacks.TemperatureSchedule(
    ...     initial_temperature=1.0, min_temperature=0.5, anneal_rate=3e-5)
    >>> round(schedule.temperature_at(10_000), 4)
    0.7408

    Reference:
        Jang, Gu & Poole 2017, arXiv 1611.01144, section 4.
    """

    def __init__(self, initial_temperature=1.0, min_temperature=0.5,
                 anneal_rate=1e-4, layers=None):
        super().__init__()
        for name, value in (("initial_temperature", initial_temperature),
                            ("min_temperature", min_temperature)):
            if not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
                raise ValueError(
                    f"`{name}` must be a positive, finite number. Received: {name}={value}"
                )
        if min_temperature > initial_temperature:
            raise ValueError(
                "`min_temperature` must not exceed `initial_temperature`. Received: "
                f"min_temperature={min_temperature}, initial_temperature={initial_temperature}"
            )
        if (not isinstance(anneal_rate, (int, float)) or not math.isfinite(anneal_rate)
                or anneal_rate < 0):
            raise ValueError(
                f"`anneal_rate` must be a finite number >= 0. Received: anneal_rate={anneal_rate}"
            )
        self.initial_temperature = float(initial_temperature)
        self.min_temperature = float(min_temperature)
        self.anneal_rate = float(anneal_rate)
        self.layers = layers
        self._targets = None

    def temperature_at(self, step):
        """τ after `step` optimizer steps."""
        return max(self.min_temperature,
                   self.initial_temperature * math.exp(-self.anneal_rate * float(step)))

    def on_train_begin(self, logs=None):
        from keras_ae.layers import GumbelSoftmax

        if self.layers is not None:
            targets = list(self.layers)
        else:
            targets = [
                layer for layer in _all_layers(self.model)
                if isinstance(layer, GumbelSoftmax)
            ]
        if not targets:
            raise ValueError(
                "TemperatureSchedule found no GumbelSoftmax layer in the model "
                f"{self.model.name!r}; pass `layers=` explicitly."
            )
        for layer in targets:
            if not layer.built or not hasattr(layer, "temperature"):
                raise ValueError(
                    f"TemperatureSchedule: layer {layer.name!r} has no built "
                    "`temperature` variable. Build the model before fit."
                )
        self._targets = targets

    def on_train_batch_begin(self, batch, logs=None):
        # Under JAX, fit keeps the state outside the variables during an
        # epoch; syncing first makes the assignment reach the next step.
        if hasattr(self.model, "jax_state_sync"):
            self.model.jax_state_sync()
        step = int(keras.ops.convert_to_numpy(self.model.optimizer.iterations))
        value = self.temperature_at(step)
        for layer in self._targets:
            layer.temperature.assign(value)

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None and self._targets:
            logs["temperature"] = float(
                keras.ops.convert_to_numpy(self._targets[0].temperature)
            )


def _all_layers(model):
    seen, stack, out = set(), [model], []
    while stack:
        layer = stack.pop()
        if id(layer) in seen:
            continue
        seen.add(id(layer))
        if layer is not model:
            out.append(layer)
        stack.extend(getattr(layer, "_layers", []) or [])
    return out
