import keras
from keras import ops

from keras_ae import backend
from keras_ae._checks import check_int
from keras_ae._checks import check_number
from keras_ae.losses import donsker_varadhan_mi
from keras_ae.losses import info_nce
from keras_ae.losses import jensen_shannon_mi
from keras_ae.models.inference import batched
from keras_ae.presets import PresetMixin
from keras_ae.training import Player
from keras_ae.training import PlayerOptimizer
from keras_ae.training import PlayerTraining
from keras_ae.training import regularization

_ESTIMATORS = ("jsd", "dv", "infonce")
_PRIORS = ("uniform", "normal")


@keras.saving.register_keras_serializable(package="keras_ae")
class DeepInfoMax(PlayerTraining, PresetMixin, keras.Model):
    """Deep InfoMax: an encoder trained so that critics can tell its own pairs apart.

    No decoder. The encoder maps an input to a local feature map `M` (rank 3
    or more: a grid or sequence of feature vectors) and a representation `Y`
    (a vector). Critics score pairs `(M_i, Y_j)` from one batch: the pairs
    with `i == j` come from one input (positives), the others are negatives.
    Encoder and critics are trained together to maximise a mutual-information
    estimate between `M` and `Y`:

    - global DIM (weight `global_weight`, α): the whole map against `Y`;
    - local DIM (weight `local_weight`, β): every location of the map against
      `Y`, with a 1×1-convolution critic, so `Y` has to carry what all
      locations share, not the noise of a few pixels;
    - prior matching (weight `prior_weight`, γ): a discriminator learns to tell
      `Y` from samples of a prior, and the encoder learns to fool it. The two
      are updated in turn, each by its own optimizer, inside `train_step`:
      first the discriminator on the batch's `Y`, then the encoder against
      the updated discriminator (the non-saturating GAN loss).

    The critics are separable ("encoder-and-dot" in the paper): `M` and `Y`
    are embedded into a `critic_dim`-dimensional space and a pair's score is
    the dot product, so one matrix product scores every pair of the batch.
    Under a `tf.distribute` strategy, the negatives come from the global
    batch: `Y`'s embeddings are gathered across replicas (as SimCLR does),
    and with the Jensen-Shannon and InfoNCE estimators one step equals the
    same step on one device. Donsker-Varadhan's log-mean-exp is taken per
    replica (its rows against the global batch), a slightly different
    estimate from the global one. Batch normalisation in the encoder uses
    each replica's own statistics (use `keras.layers.BatchNormalization(
    synchronized=True)` to share them).

    With `probe_classes`, an online linear probe (a softmax classifier on
    `stop_gradient(Y)`, with its own optimizer) is trained whenever `fit` is
    given labels, and its accuracy is logged, so the representation's quality
    can be watched during training. It never changes the encoder.

    The logs hold `loss` (what the encoder minimises) and, for the parts in
    use, `global_loss`, `global_mi`, `local_loss`, `local_mi` (the estimate of
    the chosen estimator, in its own units: see `keras_ae.losses`),
    `prior_loss`, `discriminator_loss`, `discriminator_accuracy`,
    `probe_loss` and `probe_accuracy`.

    It trains on TensorFlow, JAX and PyTorch: the discriminator, the
    encoder with its critics, and the probe are three players of one step
    (`players()`), each with its own optimizer inside one
    `keras_ae.training.PlayerOptimizer`, so their state is saved, restored
    and carried through JAX's compiled step with the model.

    Args:
        encoder: a built Keras model (e.g. Functional) with two outputs,
            `[feature_map, representation]`: the map of shape
            `(batch, *locations, channels)` (rank >= 3 when `local_weight >
            0`), the representation `(batch, dim)`.
        global_weight: float >= 0, α in the paper.
        local_weight: float >= 0, β in the paper. `global_weight +
            local_weight` must be positive.
        prior_weight: float >= 0, γ in the paper; 0 turns prior matching off.
        estimator: `"jsd"` (Jensen-Shannon, the paper's default), `"dv"`
            (Donsker-Varadhan) or `"infonce"`, from `keras_ae.losses`.
        critic_units: int, the hidden width of the default critics and
            discriminator.
        critic_dim: int, the size of the space in which the default critics
            take dot products.
        global_critic: optional pair `[map_network, representation_network]`
            of Keras layers replacing the default global critic: the first
            maps the feature map to `(batch, critic_dim)`, the second `Y` to
            `(batch, critic_dim)`.
        local_critic: optional pair replacing the default local critic: the
            first maps the feature map to `(batch, *locations, critic_dim)`,
            the second `Y` to `(batch, critic_dim)`.
        prior: `"uniform"` (on [0, 1], the paper's choice: end the encoder
            with a sigmoid) or `"normal"` (standard normal).
        prior_discriminator: optional Keras layer mapping `(batch, dim)` to
            one logit per row; built by the model when omitted.
        probe_classes: int >= 2 or None, the classes of the online probe.
        seed: int or None, seed of the prior samples.
        **kwargs: `keras.Model` keyword arguments such as `name`.

    Call arguments:
        inputs: a batch of inputs for the encoder.
        training: bool, passed to the encoder.

    Returns:
        The representation `Y`.

    Example:

    >>> import keras, numpy as np, keras_ae
    >>> inputs = keras.Input((8, 8, 1))
    >>> feature_map = keras.layers.Conv2D(4, 3, strides=2, padding="same")(inputs)
    >>> y = keras.layers.Dense(3, activation="sigmoid")(keras.layers.Flatten()(feature_map))
    >>> encoder = keras.Model(inputs, [feature_map, y])
    >>> model = keras_ae.models.DeepInfoMax(encoder, critic_units=8, critic_dim=8)
    >>> model.compile(optimizer="adam")
    >>> x = np.random.default_rng(0).uniform(size=(16, 8, 8, 1)).astype("float32")
    >>> history = model.fit(x, batch_size=8, epochs=1, verbose=0)
    >>> tuple(model.encode(x).shape)
    (16, 3)

    Reference:
        Hjelm et al. 2019, "Learning deep representations by mutual
        information estimation and maximization", ICLR, arXiv 1808.06670.
    """

    def __init__(self, encoder, global_weight=0.5, local_weight=1.0, prior_weight=0.1,
                 estimator="jsd", critic_units=512, critic_dim=256, global_critic=None,
                 local_critic=None, prior="uniform", prior_discriminator=None,
                 probe_classes=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(encoder, keras.layers.Layer):
            raise ValueError(f"`encoder` must be a Keras model. Received: encoder={encoder!r}")
        global_weight = check_number("global_weight", global_weight, low=0)
        local_weight = check_number("local_weight", local_weight, low=0)
        prior_weight = check_number("prior_weight", prior_weight, low=0)
        if global_weight + local_weight <= 0:
            raise ValueError(
                "At least one of `global_weight` and `local_weight` must be positive, or "
                f"nothing is learned. Received: global_weight={global_weight}, "
                f"local_weight={local_weight}"
            )
        if estimator not in _ESTIMATORS:
            raise ValueError(
                f"`estimator` must be one of {_ESTIMATORS}. Received: estimator={estimator!r}"
            )
        if prior not in _PRIORS:
            raise ValueError(f"`prior` must be one of {_PRIORS}. Received: prior={prior!r}")
        critic_units = check_int("critic_units", critic_units, 1)
        critic_dim = check_int("critic_dim", critic_dim, 1)
        probe_classes = check_int("probe_classes", probe_classes, 2, allow_none=True)
        map_shape, representation_dim = _encoder_output_shapes(encoder)
        if local_weight > 0 and len(map_shape) < 3:
            raise ValueError(
                "Local DIM (`local_weight` > 0) scores every location of the encoder's "
                "feature map, so the map must have rank >= 3, (batch, *locations, "
                f"channels). Received: a feature map of shape {map_shape}. Use "
                "`local_weight=0` for global DIM only."
            )

        self.encoder = encoder
        self.global_weight = global_weight
        self.local_weight = local_weight
        self.prior_weight = prior_weight
        self.estimator = estimator
        self.critic_units = critic_units
        self.critic_dim = critic_dim
        self.prior = prior
        self.probe_classes = probe_classes
        self.seed = seed
        self.global_critic = None
        self.local_critic = None
        if global_weight > 0:
            self.global_critic = _critic_pair(
                global_critic, "global_critic",
                lambda: _global_critic(map_shape, representation_dim, critic_units, critic_dim),
                map_shape, representation_dim, local=False)
        if local_weight > 0:
            self.local_critic = _critic_pair(
                local_critic, "local_critic",
                lambda: _local_critic(map_shape, representation_dim, critic_units, critic_dim),
                map_shape, representation_dim, local=True)
        self.prior_discriminator = None
        if prior_weight > 0:
            if prior_discriminator is None:
                prior_discriminator = _discriminator(representation_dim, critic_units)
            elif not isinstance(prior_discriminator, keras.layers.Layer):
                raise ValueError(
                    "`prior_discriminator` must be a Keras layer or model. Received: "
                    f"prior_discriminator={prior_discriminator!r}"
                )
            self.prior_discriminator = prior_discriminator
        self.probe = None
        if probe_classes is not None:
            self.probe = keras.Sequential(
                [keras.Input((representation_dim,)), keras.layers.Dense(probe_classes)],
                name="probe",
            )
        self.representation_dim = representation_dim
        self.seed_generator = keras.random.SeedGenerator(seed, name="prior_seed")

        self._trackers = {"loss": keras.metrics.Mean(name="loss")}
        for part, on in (("global", self.global_critic), ("local", self.local_critic)):
            if on is not None:
                for kind in ("loss", "mi"):
                    self._trackers[f"{part}_{kind}"] = keras.metrics.Mean(name=f"{part}_{kind}")
        if self.prior_discriminator is not None:
            self._trackers["prior_loss"] = keras.metrics.Mean(name="prior_loss")
            self._trackers["discriminator_loss"] = keras.metrics.Mean(name="discriminator_loss")
            self._trackers["discriminator_accuracy"] = keras.metrics.BinaryAccuracy(
                name="discriminator_accuracy", threshold=0.0)
        if self.probe is not None:
            self._trackers["probe_loss"] = keras.metrics.Mean(name="probe_loss")
            self._trackers["probe_accuracy"] = keras.metrics.SparseCategoricalAccuracy(
                name="probe_accuracy")
        # Every network was built from the encoder's output shapes above.
        self.built = True

    def call(self, inputs, training=False):
        _, representation = self.encoder(inputs, training=training)
        return representation

    @batched
    def encode(self, inputs):
        """The representation `Y` of `inputs`, in inference mode."""
        return self.encoder(inputs, training=False)[1]

    @batched
    def local_features(self, inputs):
        """The local feature map `M` of `inputs`, in inference mode."""
        return self.encoder(inputs, training=False)[0]

    def compile(self, optimizer="adam", discriminator_optimizer="adam", probe_optimizer="adam",
                **kwargs):
        """Configures the model for training.

        Args:
            optimizer: the encoder's and critics' optimizer, or a
                `keras_ae.training.PlayerOptimizer` with one optimizer per
                player (then the next two are ignored).
            discriminator_optimizer: the prior discriminator's optimizer
                (used when `prior_weight > 0`).
            probe_optimizer: the online probe's optimizer (used when
                `probe_classes` is set).
            **kwargs: other `keras.Model.compile` arguments (`jit_compile`,
                `steps_per_execution`, ...). `loss` and `metrics` are not
                taken: the model computes its own.
        """
        if not isinstance(optimizer, PlayerOptimizer):
            optimizers = {"encoder": optimizer,
                          "discriminator": discriminator_optimizer,
                          "probe": probe_optimizer}
            optimizer = PlayerOptimizer(
                {p.name: optimizers[p.name] for p in self.players()})
        super().compile(optimizer=optimizer, **kwargs)

    def players(self):
        """The prior discriminator, then the encoder and critics, then the probe.

        The discriminator moves first, on this batch's `Y`; the encoder is
        then trained against the updated discriminator, as in the paper; the
        probe learns from the same `Y` (without gradient to the encoder).
        With prior matching the encoder runs twice per step (for the
        discriminator's `Y`, then for its own update), so batch-norm
        statistics in it move twice.
        """
        players = []
        if self.prior_discriminator is not None:
            players.append(Player("discriminator", [self.prior_discriminator],
                                  self._discriminator_player_loss))
        players.append(Player("encoder", [self.encoder, *self._critics()],
                              self._encoder_player_loss))
        if self.probe is not None:
            players.append(Player("probe", [self.probe], self._probe_player_loss,
                                  needs_labels=True))
        return players

    def _critics(self):
        return [n for c in (self.global_critic, self.local_critic) if c is not None for n in c]

    def mutual_information(self, feature_map, representation, training=False):
        """The enabled DIM terms for a batch: `{part: (loss, mi_estimate)}`.

        `part` is `"global"` and/or `"local"`. Under a `tf.distribute`
        strategy, this replica's rows are scored against the representations
        of the global batch.
        """
        terms = {}
        for part, critic in (("global", self.global_critic), ("local", self.local_critic)):
            if critic is None:
                continue
            map_network, representation_network = critic
            map_embedding = map_network(feature_map, training=training)
            representation_embedding = representation_network(representation, training=training)
            all_representations, offset = backend.cross_replica_concat(representation_embedding)
            rows = ops.shape(map_embedding)[0]
            locations = 1
            for size in map_embedding.shape[1:-1]:
                locations *= size
            map_embedding = ops.reshape(map_embedding, (-1, ops.shape(map_embedding)[-1]))
            scores = ops.matmul(ops.cast(map_embedding, "float32"),
                                ops.transpose(ops.cast(all_representations, "float32")))
            # Row (i, location) of this replica belongs with column offset + i.
            labels = ops.repeat(ops.arange(rows, dtype="int32") + offset, locations)
            terms[part] = self._estimate(scores, labels)
        return terms

    def _estimate(self, scores, labels):
        if self.estimator == "infonce":
            loss = ops.mean(info_nce(scores, labels))
            columns = ops.cast(ops.shape(scores)[1], "float32")
            return loss, ops.log(columns) - loss
        positive = ops.one_hot(labels, ops.shape(scores)[1], dtype="bool")
        if self.estimator == "jsd":
            mi = jensen_shannon_mi(scores, positive)
        else:
            mi = donsker_varadhan_mi(scores, positive)
        return -mi, mi

    def sample_prior(self, batch_size, seed=None):
        """`batch_size` samples of the prior that prior matching pulls `Y` towards.

        Args:
            batch_size: int, the number of samples.
            seed: None to draw from the model's own seed generator (as
                training does), or an int for samples that leave the
                generator's state alone (as callbacks should).
        """
        shape = (batch_size, self.representation_dim)
        seed = self.seed_generator if seed is None else seed
        if self.prior == "uniform":
            return keras.random.uniform(shape, seed=seed)
        return keras.random.normal(shape, seed=seed)

    def _discriminator_logits(self, representation, training):
        return ops.cast(ops.reshape(
            self.prior_discriminator(representation, training=training), (-1,)), "float32")

    def _discriminator_loss(self, representation, training):
        """Real = prior samples (label 1), fake = the encoder's `Y` (label 0)."""
        representation = ops.stop_gradient(representation)
        # The prior is sampled for the global batch and each replica takes
        # its rows, so a distributed step sees the samples one device would.
        gathered, offset = backend.cross_replica_concat(representation)
        rows = ops.shape(representation)[0]
        prior = ops.slice(self.sample_prior(ops.shape(gathered)[0]), (offset, 0),
                          (rows, self.representation_dim))
        prior = ops.cast(prior, representation.dtype)
        real = self._discriminator_logits(prior, training)
        fake = self._discriminator_logits(representation, training)
        loss = ops.mean(ops.softplus(-real)) + ops.mean(ops.softplus(fake))
        logits = ops.concatenate([real, fake])
        truth = ops.concatenate([ops.ones_like(real), ops.zeros_like(fake)])
        return loss, truth, logits

    def _discriminator_player_loss(self, x, y, sample_weight, training, shared):
        _, representation = self.encoder(x, training=training)
        loss, truth, logits = self._discriminator_loss(representation, training=training)
        self._trackers["discriminator_loss"].update_state(loss)
        self._trackers["discriminator_accuracy"].update_state(truth, logits)
        return loss + regularization(self.prior_discriminator)

    def _encoder_player_loss(self, x, y, sample_weight, training, shared):
        feature_map, representation = self.encoder(x, training=training)
        terms = self.mutual_information(feature_map, representation, training=training)
        loss = self._weighted(terms) + regularization(self.encoder, *self._critics())
        if self.prior_discriminator is not None:
            # The non-saturating generator loss against the (updated) discriminator.
            prior_loss = ops.mean(ops.softplus(-self._discriminator_logits(
                representation, training=training)))
            loss = loss + self.prior_weight * prior_loss
            self._trackers["prior_loss"].update_state(prior_loss)
        self._trackers["loss"].update_state(loss)
        for part, (part_loss, mi) in terms.items():
            self._trackers[f"{part}_loss"].update_state(part_loss)
            self._trackers[f"{part}_mi"].update_state(mi)
        shared["representation"] = ops.stop_gradient(representation)
        return loss

    def _probe_player_loss(self, x, y, sample_weight, training, shared):
        return self._probe_loss(shared["representation"], y, training=training) + \
            regularization(self.probe)

    def _probe_loss(self, representation, labels, training):
        labels = ops.reshape(ops.cast(labels, "int32"), (-1,))
        logits = ops.cast(self.probe(representation, training=training), "float32")
        loss = ops.mean(keras.losses.sparse_categorical_crossentropy(
            labels, logits, from_logits=True))
        self._trackers["probe_loss"].update_state(loss)
        self._trackers["probe_accuracy"].update_state(labels, logits)
        return loss

    def _weighted(self, terms):
        weights = {"global": self.global_weight, "local": self.local_weight}
        return sum(weights[part] * loss for part, (loss, _) in terms.items())

    def get_config(self):
        def pair(critic):
            if critic is None:
                return None
            return [keras.saving.serialize_keras_object(network) for network in critic]

        return {
            **super().get_config(),
            "encoder": keras.saving.serialize_keras_object(self.encoder),
            "global_weight": self.global_weight,
            "local_weight": self.local_weight,
            "prior_weight": self.prior_weight,
            "estimator": self.estimator,
            "critic_units": self.critic_units,
            "critic_dim": self.critic_dim,
            "global_critic": pair(self.global_critic),
            "local_critic": pair(self.local_critic),
            "prior": self.prior,
            "prior_discriminator": (
                None if self.prior_discriminator is None
                else keras.saving.serialize_keras_object(self.prior_discriminator)),
            "probe_classes": self.probe_classes,
            "seed": self.seed,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["encoder"] = keras.saving.deserialize_keras_object(config["encoder"])
        for key in ("global_critic", "local_critic"):
            if config.get(key) is not None:
                config[key] = [keras.saving.deserialize_keras_object(c) for c in config[key]]
        if config.get("prior_discriminator") is not None:
            config["prior_discriminator"] = keras.saving.deserialize_keras_object(
                config["prior_discriminator"])
        return cls(**config)


def _encoder_output_shapes(encoder):
    """The feature map's shape and `Y`'s size, from a built encoder's outputs."""
    outputs = getattr(encoder, "outputs", None)
    if not outputs:
        raise ValueError(
            "`encoder` must be a built Keras model with known outputs (e.g. a Functional "
            "model from `keras.Input`), so the critics can be built from its output "
            f"shapes. Received: encoder={encoder!r} without `outputs`"
        )
    shapes = [tuple(o.shape) for o in outputs]
    if len(shapes) != 2 or len(shapes[1]) != 2 or len(shapes[0]) < 2:
        raise ValueError(
            "`encoder` must have two outputs, [feature_map, representation]: a feature map "
            "(batch, *locations, channels) and a representation (batch, dim). Received: "
            f"outputs of shapes {shapes}"
        )
    if shapes[1][1] is None or any(d is None for d in shapes[0][1:]):
        raise ValueError(
            "The encoder's output shapes must be known except for the batch axis. "
            f"Received: {shapes}"
        )
    return shapes[0], shapes[1][1]


def _critic_pair(critic, name, default, map_shape, representation_dim, local):
    if critic is None:
        return default()
    if (not isinstance(critic, (list, tuple)) or len(critic) != 2
            or not all(isinstance(c, keras.layers.Layer) for c in critic)):
        raise ValueError(
            f"`{name}` must be a pair [map_network, representation_network] of Keras "
            f"layers. Received: {name}={critic!r}"
        )
    map_network, representation_network = critic
    map_out = map_network.compute_output_shape(map_shape)
    rep_out = representation_network.compute_output_shape((None, representation_dim))
    expected_rank = len(map_shape) if local else 2
    if len(map_out) != expected_rank or len(rep_out) != 2 or map_out[-1] != rep_out[-1]:
        where = "(batch, *locations, critic_dim)" if local else "(batch, critic_dim)"
        raise ValueError(
            f"`{name}`: the map network must output {where} and the representation "
            "network (batch, critic_dim), with the same critic_dim. Received: output "
            f"shapes {tuple(map_out)} and {tuple(rep_out)}"
        )
    return [map_network, representation_network]


def _mlp(inputs, units, dim, prefix):
    """Two layers with a linear shortcut, the DIM paper's critic block."""
    hidden = keras.layers.Dense(units, activation="relu", name=f"{prefix}_hidden")(inputs)
    hidden = keras.layers.Dense(dim, name=f"{prefix}_out")(hidden)
    shortcut = keras.layers.Dense(dim, name=f"{prefix}_shortcut")(inputs)
    return keras.layers.Add(name=f"{prefix}_sum")([hidden, shortcut])


def _representation_network(representation_dim, units, dim, name):
    inputs = keras.Input((representation_dim,), name="representation")
    return keras.Model(inputs, _mlp(inputs, units, dim, "y"), name=name)


def _global_critic(map_shape, representation_dim, units, dim):
    inputs = keras.Input(map_shape[1:], name="feature_map")
    flat = keras.layers.Flatten(name="flatten")(inputs)
    map_network = keras.Model(inputs, _mlp(flat, units, dim, "m"), name="global_map_critic")
    return [map_network, _representation_network(
        representation_dim, units, dim, "global_representation_critic")]


def _local_critic(map_shape, representation_dim, units, dim):
    # Dense layers on the channel axis are 1×1 convolutions at every location.
    inputs = keras.Input(map_shape[1:], name="feature_map")
    map_network = keras.Model(inputs, _mlp(inputs, units, dim, "m"), name="local_map_critic")
    return [map_network, _representation_network(
        representation_dim, units, dim, "local_representation_critic")]


def _discriminator(representation_dim, units):
    return keras.Sequential([
        keras.Input((representation_dim,)),
        keras.layers.Dense(units, activation="relu"),
        keras.layers.Dense(max(units // 4, 1), activation="relu"),
        keras.layers.Dense(1),
    ], name="prior_discriminator")
