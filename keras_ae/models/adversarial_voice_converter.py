import keras
from keras import ops

from keras_ae._checks import check_int
from keras_ae._checks import check_number
from keras_ae.layers import GradientReversal
from keras_ae.models.voice_converter import LearnedSpeakers
from keras_ae.models.voice_converter import VoiceConverter
from keras_ae.models.voice_converter import _speaker_classifier
from keras_ae.models.voice_converter import confusion_loss
from keras_ae.models.voice_converter import speaker_entropy_and_accuracy
from keras_ae.training import Player
from keras_ae.training import PlayerOptimizer
from keras_ae.training import regularization

MODES = ("alternating", "reversal", "none")
ADVERSARIAL_LOSSES = ("negative_cross_entropy", "uniform")


@keras.saving.register_keras_serializable(package="keras_ae")
class AdversarialVoiceConverter(LearnedSpeakers, VoiceConverter):
    """Voice conversion by a content code that a speaker classifier cannot read.

    A content encoder turns log-mel frames into a content code, a decoder
    rebuilds the frames from that code and a learned embedding of the
    training speaker, and a speaker classifier tries to tell the speaker
    from the code. The encoder learns to defeat the classifier, so the code
    keeps what is said and drops who says it, and the decoder must take
    the voice from the embedding: decode with another speaker's embedding
    and the voice changes. `mode` says how the encoder fights:

    - `"alternating"` (the paper): the classifier takes `classifier_steps`
      updates on the (fixed) code, then the encoder, decoder and embeddings
      minimise `reconstruction − λ · speaker_loss`, the classifier's cross
      entropy on the code; two players, two optimizers. With
      `adversarial_loss="uniform"` they minimise `reconstruction + λ ·
      cross_entropy(uniform, classifier)` instead, the domain-confusion loss
      of Tzeng et al. 2015 (arXiv 1510.02192): its gradient does not vanish
      when the classifier is sure of itself (that of `−speaker_loss` does,
      as `softmax − one_hot` goes to 0), and it asks the code to hold no
      speaker rather than to pass for another speaker.
    - `"reversal"`: one update of everything on `reconstruction +
      speaker_loss`, with a `GradientReversal` of factor λ between the code
      and the classifier, so the classifier minimises its loss while the
      encoder gets `−λ` times its gradient (Ganin & Lempitsky 2015).
    - `"none"`: the ablation with no adversary. The classifier still trains,
      on a code it cannot change (`stop_gradient`), so `speaker_accuracy`
      shows how much speaker the code holds.

    λ ramps linearly from 0 to `adversarial_weight` over the first
    `ramp_steps` training steps, counted in the model's `step` variable, so
    it is saved and resumed with the model. The logs hold `loss`,
    `reconstruction_loss` (mean absolute error of the standardised log-mel
    frames), `speaker_loss` and `speaker_accuracy` (the classifier on this
    batch's code) and `adversarial_weight` (λ).

    It trains with `compile()` + `fit()` on TensorFlow, JAX and PyTorch, on
    waveforms with the speakers' indices into `speakers` as `y`; see
    `keras_ae.models.VoiceConverter` for the features, the networks'
    inputs, `adapt`, `convert` and `encode_content`.

    Args:
        content_encoder: a Keras model `[frames, mask] -> content`.
        decoder: a Keras model `[content, speaker_vector, mask] -> frames`;
            its speaker input's size is the embeddings' size.
        speaker_classifier: a Keras model `[content, mask] -> logits`,
            `(batch, len(speakers))`.
        speakers: the training speakers' names, which `y` indexes.
        mode: `"alternating"`, `"reversal"` or `"none"`, see above.
        adversarial_weight: float >= 0, λ once ramped. Defaults to 0.01, the
            paper's code.
        ramp_steps: int >= 0, training steps over which λ rises from 0; 0
            starts at `adversarial_weight`.
        classifier_steps: int >= 1, the classifier's updates per batch in
            `"alternating"` mode. Defaults to 5, the paper's code.
        adversarial_loss: `"negative_cross_entropy"` (the paper) or
            `"uniform"`, the encoder's adversarial term in `"alternating"`
            mode, see above.
        **kwargs: `sampling_rate`, `num_mel_bins`, `griffin_lim_iterations`
            (see `VoiceConverter`) and `keras.Model` keyword arguments.

    Call arguments:
        inputs: waveforms `(batch, samples)` or `(waveforms, sample_mask)`.
        training: bool.

    Returns:
        The content code, `(batch, frames, content_dim)`.

    Example:

    >>> import numpy as np
    >>> from keras_ae.zoo import voice_conversion as vc
    >>> model = vc.adversarial_voice_converter(["ann", "bob"], channels=16, blocks=1)
    >>> model.compile(optimizer="adam", classifier_optimizer="adam")
    >>> waves = np.random.default_rng(0).normal(0, 0.1, (4, 2000)).astype("float32")
    >>> history = model.fit(waves, np.array([0, 1, 0, 1]), epochs=1, verbose=0)
    >>> sorted(history.history)
    ['adversarial_weight', 'loss', 'reconstruction_loss', 'speaker_accuracy', 'speaker_loss']
    >>> [len(w) for w in model.convert([waves[0], waves[1][:900]], "bob")]
    [2000, 900]

    Reference:
        Chou, Yeh, Lee and Lee 2018, "Multi-target voice conversion without
        parallel data by adversarially learning disentangled audio
        representations", arXiv 1804.02812.
    """

    def __init__(self, content_encoder, decoder, speaker_classifier, speakers,
                 mode="alternating", adversarial_weight=0.01, ramp_steps=1000,
                 classifier_steps=5, adversarial_loss="negative_cross_entropy", **kwargs):
        super().__init__(content_encoder, decoder, speakers, **kwargs)
        if mode not in MODES:
            raise ValueError(f"`mode` must be one of {MODES}. Received: mode={mode!r}")
        if adversarial_loss not in ADVERSARIAL_LOSSES:
            raise ValueError(f"`adversarial_loss` must be one of {ADVERSARIAL_LOSSES}. "
                             f"Received: adversarial_loss={adversarial_loss!r}")
        if adversarial_loss == "uniform" and mode != "alternating":
            raise ValueError(
                '`adversarial_loss="uniform"` needs mode="alternating" (a gradient reversal '
                f"negates the classifier's own loss). Received: mode={mode!r}")
        adversarial_weight = check_number("adversarial_weight", adversarial_weight, low=0)
        ramp_steps = check_int("ramp_steps", ramp_steps, 0)
        classifier_steps = check_int("classifier_steps", classifier_steps, 1)
        self.speaker_classifier = _speaker_classifier(speaker_classifier, self.content_dim,
                                                      len(self.speakers), "content")
        self.mode = mode
        self.adversarial_weight = adversarial_weight
        self.ramp_steps = ramp_steps
        self.classifier_steps = classifier_steps
        self.adversarial_loss = adversarial_loss
        self._add_speaker_embedding()
        self.reversal = GradientReversal(0.0, name="gradient_reversal")
        self.reversal.build((None, None, self.content_dim))
        self.speaker_loss_tracker = keras.metrics.Mean(name="speaker_loss")
        self.speaker_accuracy_tracker = keras.metrics.Mean(name="speaker_accuracy")
        self.weight_tracker = keras.metrics.Mean(name="adversarial_weight")
        self.built = True

    def compile(self, optimizer="adam", classifier_optimizer="adam", **kwargs):
        """Configures the model for training.

        Args:
            optimizer: the optimizer of the encoder, decoder and embeddings
                (and, outside `"alternating"` mode, of the classifier), or a
                `keras_ae.training.PlayerOptimizer` with one per player.
            classifier_optimizer: the classifier's optimizer in
                `"alternating"` mode.
            **kwargs: other `keras.Model.compile` arguments; `loss` and
                `metrics` are not taken.
        """
        if self.mode == "alternating" and not isinstance(optimizer, PlayerOptimizer):
            optimizer = PlayerOptimizer({"classifier": classifier_optimizer,
                                         "converter": optimizer})
        super().compile(optimizer=optimizer, **kwargs)

    def players(self):
        generator = [self.content_encoder, self.decoder, self.speaker_embedding]
        if self.mode == "alternating":
            return [Player("classifier", [self.speaker_classifier], self._classifier_loss,
                           steps=self.classifier_steps),
                    Player("converter", generator, self._converter_loss)]
        return [Player("converter", [*generator, self.speaker_classifier],
                       self._converter_loss)]

    def current_adversarial_weight(self):
        """λ of the next training step, a float32 scalar."""
        if self.ramp_steps == 0:
            return ops.convert_to_tensor(self.adversarial_weight, "float32")
        return self.adversarial_weight * ops.minimum(1.0, self.step / self.ramp_steps)

    def speaker_logits(self, content, mask, training=False):
        """The classifier's logits for a content code, `(batch, len(speakers))`."""
        return ops.cast(self.speaker_classifier([content, mask], training=training), "float32")

    def speaker_loss(self, content, mask, labels, sample_weight=None, training=False):
        """`(cross entropy, accuracy)` of the classifier on a content code."""
        return speaker_entropy_and_accuracy(
            self.speaker_logits(content, mask, training=training), labels, sample_weight)

    def _classifier_loss(self, x, y, sample_weight, training, shared):
        labels = self._speaker_labels(y)
        frames, mask = self._inputs(x, shared)
        if "content" not in shared:
            shared["content"] = ops.stop_gradient(
                self.content_encoder([frames, mask], training=training))
        entropy, _ = self.speaker_loss(shared["content"], mask, labels, sample_weight, training)
        return entropy + regularization(self.speaker_classifier)

    def _converter_loss(self, x, y, sample_weight, training, shared):
        labels = self._speaker_labels(y)
        frames, mask = self._inputs(x, shared)
        content = self.content_encoder([frames, mask], training=training)
        vectors = self.speaker_embedding(labels)
        reconstruction = self.decoder([content, vectors, mask], training=training)
        error = self.reconstruction_error(frames, reconstruction, mask, sample_weight)
        weight = self.current_adversarial_weight()
        networks = [self.content_encoder, self.decoder, self.speaker_embedding]
        if self.mode == "alternating":
            entropy, accuracy = self.speaker_loss(content, mask, labels, sample_weight, training)
            if self.adversarial_loss == "uniform":
                logits = self.speaker_logits(content, mask, training=training)
                loss = error + weight * confusion_loss(logits, sample_weight)
            else:
                loss = error - weight * entropy
        else:
            if self.mode == "reversal":
                self.reversal.factor.assign(weight)
                code = self.reversal(content)
            else:
                code = ops.stop_gradient(content)
            entropy, accuracy = self.speaker_loss(code, mask, labels, sample_weight, training)
            loss = error + entropy
            networks.append(self.speaker_classifier)
        loss = loss + regularization(*networks)
        if training:
            self.step.assign(self.step + 1.0)
        self.loss_tracker.update_state(loss)
        self.reconstruction_tracker.update_state(error)
        self.speaker_loss_tracker.update_state(entropy)
        self.speaker_accuracy_tracker.update_state(accuracy)
        self.weight_tracker.update_state(weight)
        return loss

    def get_config(self):
        return {
            **super().get_config(),
            "speaker_classifier": keras.saving.serialize_keras_object(self.speaker_classifier),
            "mode": self.mode,
            "adversarial_weight": self.adversarial_weight,
            "ramp_steps": self.ramp_steps,
            "classifier_steps": self.classifier_steps,
            "adversarial_loss": self.adversarial_loss,
        }
