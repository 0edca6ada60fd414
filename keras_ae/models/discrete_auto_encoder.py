import keras
import numpy as np
from keras import ops

from keras_ae._checks import check_number
from keras_ae.layers import BinaryStraightThrough
from keras_ae.layers import GumbelSoftmax
from keras_ae.layers import OneHotStraightThrough
from keras_ae.models.auto_encoder import AutoEncoder
from keras_ae.models.inference import batched

_BOTTLENECKS = (GumbelSoftmax, OneHotStraightThrough, BinaryStraightThrough)


@keras.saving.register_keras_serializable(package="keras_ae")
class DiscreteAutoEncoder(AutoEncoder):
    """An auto-encoder whose code is one-hot or binary, so people can read it.

    The encoder outputs logits; the bottleneck turns them into a discrete
    code: `GumbelSoftmax` (relaxed one-hot samples in training),
    `OneHotStraightThrough` (one-hot of the argmax) or `BinaryStraightThrough`
    (bits). At inference the code is exactly one-hot or exactly binary.

    Options:
    - `kl_weight`: the KL divergence of the code distribution from a uniform
      prior (the Gumbel-softmax paper's VAE term; for bits, from
      Bernoulli(0.5)), averaged over the latent variables, times this weight.
    - `anneal_rate`, `min_temperature`: with a `GumbelSoftmax` bottleneck,
      τ = max(min_temperature, τ0·exp(−anneal_rate·step)) is set before
      every training step from the number of steps taken so far, the
      model's own counter (a non-trainable variable, saved with the
      weights, so resumed training continues the schedule; the first step
      uses τ0). The logs hold `temperature`, the τ of the last step.

    Args:
        encoder: a Keras model or layer producing logits `(batch, ..., K)`
            (K categories per latent variable; for bits, K bits).
        decoder: a Keras model or layer taking the code.
        bottleneck: a `GumbelSoftmax`, `OneHotStraightThrough` or
            `BinaryStraightThrough` layer.
        kl_weight: float >= 0. Defaults to 0.
        anneal_rate: float >= 0, the temperature's decay rate per step.
            Defaults to 0 (no annealing).
        min_temperature: float > 0, the floor of the annealed temperature.
            Defaults to 0.5.
        reconstruction_loss: `"mse"` (default) or `"binary_crossentropy"`.
        **kwargs: `keras.Model` keyword arguments such as `name`.

    Call arguments:
        inputs: a batch of inputs for the encoder.
        training: bool; sampling (Gumbel, stochastic bits) happens only in
            training.

    Returns:
        The reconstructions.

    Example:

    >>> import keras, numpy as np, keras_ae
    >>> encoder = keras.Sequential([keras.Input((16,)), keras.layers.Dense(4 * 8),
    ...                             keras.layers.Reshape((4, 8))])
    >>> decoder = keras.Sequential([keras.Input((4, 8)), keras.layers.Flatten(),
    ...                             keras.layers.Dense(16)])
    >>> model = keras_ae.models.DiscreteAutoEncoder(
    ...     encoder, decoder, keras_ae.layers.GumbelSoftmax(hard=True), kl_weight=0.01,
    ...     anneal_rate=1e-3)
    >>> model.compile(optimizer="adam")
    >>> x = np.random.default_rng(0).normal(size=(32, 16)).astype("float32")
    >>> _ = model.fit(x, epochs=1, verbose=0)
    >>> codes = keras.ops.convert_to_numpy(model.encode(x[:2]))
    >>> codes.shape, sorted(set(codes.ravel().tolist()))
    ((2, 4, 8), [0.0, 1.0])

    Reference:
        Jang, Gu & Poole 2017, "Categorical reparameterization with
        Gumbel-softmax", arXiv 1611.01144.
    """

    def __init__(self, encoder, decoder, bottleneck, kl_weight=0.0, anneal_rate=0.0,
                 min_temperature=0.5, reconstruction_loss="mse", **kwargs):
        super().__init__(encoder, decoder, reconstruction_loss=reconstruction_loss, **kwargs)
        if not isinstance(bottleneck, _BOTTLENECKS):
            raise ValueError(
                "`bottleneck` must be a GumbelSoftmax, OneHotStraightThrough or "
                f"BinaryStraightThrough layer. Received: bottleneck={bottleneck!r}"
            )
        kl_weight = check_number("kl_weight", kl_weight, low=0)
        anneal_rate = check_number("anneal_rate", anneal_rate, low=0)
        min_temperature = check_number("min_temperature", min_temperature, low=0, low_open=True)
        if anneal_rate > 0 and not isinstance(bottleneck, GumbelSoftmax):
            raise ValueError(
                "`anneal_rate` needs a GumbelSoftmax bottleneck. Received: "
                f"anneal_rate={anneal_rate} with {type(bottleneck).__name__}"
            )
        self.bottleneck_layer = bottleneck
        self.kl_weight = kl_weight
        self.anneal_rate = anneal_rate
        self.min_temperature = min_temperature
        self.binary = isinstance(bottleneck, BinaryStraightThrough)
        if self.kl_weight > 0:
            self.auxiliary_tracker = keras.metrics.Mean(name="kl_loss")
        self.step = self.add_weight(name="step", shape=(), initializer="zeros",
                                    trainable=False, dtype="float32", autocast=False)
        if isinstance(bottleneck, GumbelSoftmax):
            self.temperature_tracker = keras.metrics.Mean(name="temperature")

    def bottleneck(self, latent, training=False):
        code = self.bottleneck_layer(latent, training=training)
        if self.kl_weight == 0:
            return code, None
        return code, self.kl_weight * self._kl_to_uniform(latent)

    def training_loss(self, x, y, sample_weight=None, training=True, shared=None):
        if isinstance(self.bottleneck_layer, GumbelSoftmax):
            if not self.bottleneck_layer.built:
                self.bottleneck_layer.build(self.encoder.compute_output_shape(tuple(x.shape)))
            if training and self.anneal_rate > 0:
                # τ of this step, from the steps taken so far; set before the
                # forward pass uses it.
                tau = ops.maximum(
                    self.min_temperature,
                    self.bottleneck_layer.initial_temperature
                    * ops.exp(-self.anneal_rate * self.step))
                self.bottleneck_layer.temperature.assign(tau)
                self.step.assign(self.step + 1.0)
            self.temperature_tracker.update_state(self.bottleneck_layer.temperature)
        return super().training_loss(x, y, sample_weight, training, shared)

    def _kl_to_uniform(self, logits):
        logits = ops.cast(logits, "float32")
        if self.binary:
            p = ops.sigmoid(logits)
            # KL(Bern(p) || Bern(1/2)) = log 2 + p log p + (1-p) log(1-p), with
            # log p = -softplus(-l) and log(1-p) = -softplus(l) (stable).
            kl = np.log(2.0) - p * ops.softplus(-logits) - (1 - p) * ops.softplus(logits)
            return ops.mean(kl)
        log_q = ops.log_softmax(logits, axis=-1)
        categories = logits.shape[-1]
        kl = ops.sum(ops.exp(log_q) * (log_q + np.log(categories)), axis=-1)
        return ops.mean(kl)

    @batched
    def encode(self, inputs):
        """The exact one-hot or binary codes of `inputs` (inference)."""
        return self.bottleneck_layer(self.encoder(inputs, training=False), training=False)

    @batched
    def decode(self, codes):
        """Reconstructions from codes (the output of `encode`)."""
        return self.decoder(codes, training=False)

    def get_config(self):
        return {
            **super().get_config(),
            "bottleneck": keras.saving.serialize_keras_object(self.bottleneck_layer),
            "kl_weight": self.kl_weight,
            "anneal_rate": self.anneal_rate,
            "min_temperature": self.min_temperature,
        }
