import keras


@keras.saving.register_keras_serializable(package="keras_ae")
class PlayerOptimizer(keras.optimizers.Optimizer):
    """The optimizers of a model's players, held as the model's one optimizer.

    Keras carries a model's optimizer state through `fit` as
    `model.optimizer.variables`: on JAX only those reach the compiled step,
    so an optimizer kept elsewhere (`self.discriminator_optimizer`) would
    silently never train. This container makes every player's optimizer part
    of `model.optimizer`: its `variables` are its own step counter followed
    by each optimizer's variables, so JAX's state, `save_weights`, `.keras`
    files, `BackupAndRestore` and distribution strategies all see them. Each
    player applies its own gradients with `optimizer[name]`; the container's
    `iterations` counts training steps (batches), which callbacks such as
    TensorBoard use as the step.

    Like `keras.optimizers.MultiOptimizer` (which splits one gradient over
    several optimizers by variable path), but for players that compute
    separate losses one after another in a step.

    Args:
        optimizers: a dict from player name to a Keras optimizer (or a name
            or config that `keras.optimizers.get` takes), in the players'
            order.
        name: str, the optimizer's name.

    Example:

    >>> import keras, keras_ae
    >>> optimizer = keras_ae.training.PlayerOptimizer(
    ...     {"generator": "adam", "discriminator": keras.optimizers.SGD(0.1)})
    >>> type(optimizer["discriminator"]).__name__, optimizer.names
    ('SGD', ['generator', 'discriminator'])
    """

    def __init__(self, optimizers, name="player_optimizer", **kwargs):
        if not isinstance(optimizers, dict) or not optimizers:
            raise ValueError(
                "`optimizers` must be a non-empty dict from player name to optimizer. "
                f"Received: optimizers={optimizers!r}")
        resolved = {}
        for key, value in optimizers.items():
            if not isinstance(key, str):
                raise ValueError(f"Player names must be str. Received: {key!r}")
            try:
                optimizer = keras.optimizers.get(value)
            except (ValueError, TypeError) as error:
                raise ValueError(
                    f"`optimizers[{key!r}]` is not an optimizer: {error} Received: {value!r}"
                ) from error
            if isinstance(optimizer, PlayerOptimizer):
                raise ValueError(f"`optimizers[{key!r}]` cannot itself be a PlayerOptimizer.")
            if any(optimizer is other for other in resolved.values()):
                raise ValueError(
                    f"`optimizers[{key!r}]` is the same object as another player's: each "
                    "player needs its own optimizer (its own moments and step count).")
            resolved[key] = optimizer
        kwargs.pop("learning_rate", None)
        super().__init__(learning_rate=0.0, name=name, **kwargs)
        self._optimizers = resolved

    @property
    def names(self):
        return list(self._optimizers)

    def __getitem__(self, name):
        if name not in self._optimizers:
            raise KeyError(
                f"No optimizer for player {name!r}; this PlayerOptimizer has {self.names}.")
        return self._optimizers[name]

    def __contains__(self, name):
        return name in self._optimizers

    def scale_losses(self):
        """Wraps every player's optimizer in a `LossScaleOptimizer` (for
        `mixed_float16`), each with its own dynamic loss scale."""
        for key, optimizer in self._optimizers.items():
            if optimizer.built:
                raise ValueError(
                    f"optimizers[{key!r}] is already built: loss scaling must wrap it first.")
            if not isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
                self._optimizers[key] = keras.optimizers.LossScaleOptimizer(optimizer)

    def build_players(self, variables):
        """Builds every player's optimizer on its variables.

        Args:
            variables: a dict from player name to its list of variables.
        """
        missing = set(self._optimizers) ^ set(variables)
        if missing:
            raise ValueError(
                f"Players and optimizers differ: {sorted(missing)} (optimizers for "
                f"{self.names}, variables for {sorted(variables)}).")
        for name, optimizer in self._optimizers.items():
            if not optimizer.built:
                optimizer.build(variables[name])
        if not self.built:
            super().build([])

    def build(self, variables):
        if not all(optimizer.built for optimizer in self._optimizers.values()):
            raise ValueError(
                "A PlayerOptimizer is built by its model, one optimizer per player "
                "(`build_players`); compile the model with it instead of building it.")
        super().build([])

    @property
    def variables(self):
        variables = self._variables[:]
        for optimizer in self._optimizers.values():
            variables.extend(optimizer.variables)
        return variables

    @property
    def learning_rate(self):
        # The first player's: what TensorBoard and progress logs show.
        return next(iter(self._optimizers.values())).learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        raise AttributeError(
            "A PlayerOptimizer has one learning rate per player: set "
            "`optimizer[name].learning_rate` instead.")

    def apply(self, grads, trainable_variables=None):
        raise NotImplementedError(
            "Each player applies its own gradients with `optimizer[name].apply(...)`; a "
            "PlayerOptimizer does not split one gradient list.")

    def finish_step(self):
        """Counts one training step (all players have moved)."""
        self.iterations.assign_add(1)

    # The players' optimizers save their own variables (Keras walks into
    # them); this one saves only its step counter and learning rate.
    def save_own_variables(self, store):
        for i, variable in enumerate(self._variables):
            store[str(i)] = variable.numpy()

    def load_own_variables(self, store):
        if len(store.keys()) != len(self._variables):
            raise ValueError(
                f"The PlayerOptimizer {self.name!r} expects {len(self._variables)} variables "
                f"of its own; the file holds {len(store.keys())}.")
        for i, variable in enumerate(self._variables):
            variable.assign(store[str(i)])

    def get_config(self):
        return {
            "name": self.name,
            "optimizers": {key: keras.saving.serialize_keras_object(optimizer)
                           for key, optimizer in self._optimizers.items()},
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        config["optimizers"] = {
            key: keras.saving.deserialize_keras_object(value, custom_objects=custom_objects)
            for key, value in config["optimizers"].items()}
        return cls(**config)
