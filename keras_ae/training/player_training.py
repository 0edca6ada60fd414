import importlib

import keras

from keras_ae.training.player_optimizer import PlayerOptimizer

_SEED_STATE = "seed_generator_state_"
_STEPS = {"tensorflow": "tensorflow_step", "jax": "jax_step", "torch": "torch_step"}
_REFUSED = ("loss", "metrics", "weighted_metrics", "loss_weights")


class PlayerTraining:
    """A mixin for a `keras.Model` trained by its players, on every backend.

    The model declares its players (`players()`: a list of
    `keras_ae.training.Player`, in the order they move within a step) and
    writes each player's loss once, with `keras.ops`. The mixin gives it:

    - `train_step` and `test_step` for TensorFlow (`tf.GradientTape`, the
      loss divided by the replica count under `tf.distribute`), JAX
      (`jax.grad` over the state tuple `fit` carries, under `jit` and
      `keras.distribution`) and PyTorch (`torch.autograd.grad`): the
      modules `keras_ae.training.tensorflow_step`, `jax_step` and
      `torch_step`, the only code of keras-ae's models that touches a
      backend. Each player's update is applied before the next player's
      loss is computed.
    - `compile` with one optimizer (one player) or a
      `keras_ae.training.PlayerOptimizer` (several): `loss` and `metrics`
      are refused, since the model computes its own. The optimizers are
      built at once, so a `.keras` file restores their state.
    - `metrics`: the model's own trackers and those of its layers (e.g. a
      `VectorQuantizer`'s perplexity), updated wherever the players' losses
      update them, which reaches the logs on every backend.
    - the compile config that `.keras` files keep.
    """

    def players(self):
        """The model's players, in the order they move within a training step."""
        raise NotImplementedError(f"{type(self).__name__} must define `players()`.")

    @property
    def metrics(self):
        # Keras' own loss tracker is not used: the players log their losses.
        tracker = getattr(self, "_loss_tracker", None)
        return [m for m in super().metrics if m is not tracker]

    def compile(self, optimizer="adam", **kwargs):
        """Configures the model for training.

        Args:
            optimizer: the optimizer of the model's weights (a name, config
                or instance), or a `keras_ae.training.PlayerOptimizer` with
                one optimizer per player.
            **kwargs: other `keras.Model.compile` arguments (`jit_compile`,
                `steps_per_execution`, ...). `loss` and `metrics` are not
                taken: the model computes its own.
        """
        name = type(self).__name__
        for key in _REFUSED:
            if kwargs.get(key) is not None:
                raise ValueError(
                    f"{name} computes its own loss and metrics; `{key}` is not taken. "
                    f"Received: {key}={kwargs[key]!r}")
            kwargs.pop(key, None)
        if keras.backend.backend() not in _STEPS:
            raise ValueError(
                f"{name} trains on the TensorFlow, JAX and PyTorch backends. Received: "
                f"backend {keras.backend.backend()!r}.")
        keras.Model.compile(self, optimizer=optimizer, **kwargs)
        inner = getattr(self.optimizer, "inner_optimizer", None)
        if isinstance(inner, PlayerOptimizer):
            # Under mixed_float16 Keras wraps the optimizer for loss scaling;
            # each player scales its own loss, so each optimizer is wrapped.
            inner.scale_losses()
            self.optimizer = inner
        self._build_player_optimizers()

    def _build_player_optimizers(self):
        players = self.players()
        names = [p.name for p in players]
        if isinstance(self.optimizer, PlayerOptimizer):
            self.optimizer.build_players({p.name: p.variables for p in players})
            return
        if len(players) != 1:
            raise ValueError(
                f"{type(self).__name__} has the players {names}: compile it with one "
                "optimizer each, in a keras_ae.training.PlayerOptimizer. Received: "
                f"optimizer={self.optimizer!r}")
        if self.built and not self.optimizer.built:
            self.optimizer.build(players[0].variables)

    def player_optimizer(self, name):
        """The optimizer of the player `name`."""
        if isinstance(self.optimizer, PlayerOptimizer):
            return self.optimizer[name]
        return self.optimizer

    def active_players(self, y):
        """The players that move on a batch (those needing labels only with labels)."""
        return [p for p in self.players() if y is not None or not p.needs_labels]

    def finish_train_step(self):
        """Runs after every player has moved: counts the step."""
        if isinstance(self.optimizer, PlayerOptimizer):
            self.optimizer.finish_step()

    def training_logs(self):
        """The logs of `fit` and `evaluate`: every metric's result."""
        logs = {}
        for metric in self.metrics:
            result = metric.result()
            if isinstance(result, dict):
                logs.update(result)
            else:
                logs[metric.name] = result
        return logs

    def fit(self, *args, **kwargs):
        with _step_module().state_kept_on_error(self):
            return super().fit(*args, **kwargs)

    def evaluate(self, *args, **kwargs):
        with _step_module().state_kept_on_error(self):
            return super().evaluate(*args, **kwargs)

    def train_step(self, *args):
        logs = _step_module().train_step(self, *args)
        # The players have called every network, so all weights exist.
        self.built = True
        return logs

    def test_step(self, *args):
        return _step_module().test_step(self, *args)

    # Keras saves no seed generator's state, so a run resumed from a backup
    # (BackupAndRestore) or a saved model would draw its random numbers
    # (Gumbel noise, prior samples, negatives) from the start again. The
    # model saves them with its own variables; files without them still load.
    def _seed_states(self):
        weights = {id(v) for v in self.weights}
        return [v for v in self.variables if id(v) not in weights]

    def save_own_variables(self, store):
        super().save_own_variables(store)
        for i, variable in enumerate(self._seed_states()):
            store[f"{_SEED_STATE}{i}"] = variable

    def load_own_variables(self, store):
        seeds = [key for key in store.keys() if key.startswith(_SEED_STATE)]
        super().load_own_variables(_Without(store, seeds))
        states = self._seed_states()
        if len(seeds) == len(states):
            for i, variable in enumerate(states):
                variable.assign(store[f"{_SEED_STATE}{i}"])

    def get_compile_config(self):
        if not self.compiled:
            return None
        return {"optimizer": _portable(keras.saving.serialize_keras_object(self.optimizer))}

    def compile_from_config(self, config):
        PlayerTraining.compile(
            self, optimizer=keras.saving.deserialize_keras_object(config["optimizer"]))


class _Without:
    """A variable store seen without some of its keys."""

    def __init__(self, store, keys):
        self._store, self._hidden = store, set(keys)

    def keys(self):
        return [key for key in self._store.keys() if key not in self._hidden]

    def __getitem__(self, key):
        return self._store[key]


def _portable(config):
    """An optimizer's config that loads on any backend.

    `keras.optimizers.SGD` is a backend's own subclass (on PyTorch, from the
    backend's optimizers module), and its config names that module, which
    another backend cannot import; the public `keras.optimizers` picks the
    right class on each.
    """
    if isinstance(config, dict):
        config = {k: _portable(v) for k, v in config.items()}
        module, name = config.get("module"), config.get("class_name")
        if isinstance(module, str) and ".optimizers" in module and module != "keras.optimizers" \
                and isinstance(name, str) and hasattr(keras.optimizers, name):
            config["module"] = "keras.optimizers"
        return config
    if isinstance(config, list):
        return [_portable(v) for v in config]
    return config


def _step_module():
    backend = keras.backend.backend()
    if backend not in _STEPS:
        raise ValueError(
            f"keras-ae's models train on the TensorFlow, JAX and PyTorch backends. Received: "
            f"backend {backend!r}.")
    return importlib.import_module(f"keras_ae.training.{_STEPS[backend]}")
