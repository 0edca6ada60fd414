import keras
import numpy as np
from keras import ops

from keras_ae._checks import check_int
from keras_ae._checks import check_number
from keras_ae.layers import VectorQuantizer
from keras_ae.models.voice_converter import LearnedSpeakers
from keras_ae.models.voice_converter import VoiceConverter
from keras_ae.models.voice_converter import _speaker_classifier
from keras_ae.models.voice_converter import confusion_loss
from keras_ae.models.voice_converter import speaker_entropy_and_accuracy
from keras_ae.models.voice_converter import weighted_mean
from keras_ae.ops import warp_mel_frequencies
from keras_ae.training import Player
from keras_ae.training import PlayerOptimizer
from keras_ae.training import regularization


@keras.saving.register_keras_serializable(package="keras_ae")
class VQVoiceConverter(LearnedSpeakers, VoiceConverter):
    """Voice conversion through discrete codes: a VQ-VAE on log-mel frames.

    A content encoder turns each log-mel frame into a vector, a
    `keras_ae.layers.VectorQuantizer` replaces it by its nearest code, and a
    decoder rebuilds the frames from the codes and a learned embedding of
    the training speaker. A code holds a few bits per frame, and the
    decoder is given the voice anyway, so training pushes the codebook
    towards what is said (phones) and away from who says it (van den Oord
    et al. 2017; Chorowski et al. 2019). Decode with another speaker's
    embedding and the voice changes.

    `fit((waveforms, sample_mask), speaker_indices)` minimises the L1 error
    of the standardised frames plus the quantizer's commitment (and, for a
    gradient-learned codebook, codebook) loss, over real frames only (the
    padding is masked out of the quantizer too). Logs: `loss`,
    `reconstruction_loss`, `vq_loss` and the quantizer's
    `<name>_perplexity` and `<name>_usage` (share of the codebook used in
    the batch).

    A code per frame may still name the voice by *which* codes a speaker
    uses: a histogram of an utterance's codes (its bag of codes) can tell
    the speakers apart even when no single code does. With
    `bag_adversary_weight > 0` a second player, a linear speaker classifier
    on each clip's bag of codes, learns to name the speaker from it
    (`bag_adversary_steps` updates per batch), and the encoder adds
    `bag_adversary_weight · cross_entropy(uniform, classifier(bag))`, the
    domain-confusion loss of Tzeng et al. 2015, which asks every speaker to
    use the codes alike. The encoder's bag is the hard histogram in the
    forward pass with the gradient of a soft one, `softmax(−distance /
    bag_temperature)` (straight through). Then the logs also hold
    `bag_speaker_loss` and `bag_speaker_accuracy` (the classifier on this
    batch's bags, before the encoder's update) and `bag_confusion`.

    With a `speaker_classifier` and `speaker_adversary_weight > 0`, another
    player, that classifier, learns to name the speaker from the quantized
    code sequence itself (`[codes, mask] -> logits`, e.g. convolutions and a
    mean over frames; `speaker_adversary_steps` updates per batch), and the
    encoder adds `speaker_adversary_weight · cross_entropy(uniform,
    classifier(codes))` (the same domain-confusion loss), its gradient
    reaching the encoder through the quantizer's straight-through estimate.
    Then the logs hold `speaker_loss`, `speaker_accuracy` and
    `speaker_confusion`. Where the bag adversary sees only how often each
    code occurs, this one sees the codes in order, as the decoder does.

    With `cycle_weight > 0` the model also converts in training: each clip's
    codes are decoded in the voice of another training speaker drawn at
    random, the encoder reads that conversion, and its vectors are pulled
    towards the original clip's codes (the mean squared distance, as the
    commitment loss), weighted by `cycle_weight`. What the decoder changes
    when only the voice changes is then what the codes learn to ignore. The
    conversion is a constant of this loss (no gradient reaches the decoder,
    which could otherwise lower it by keeping the voice). Logs
    `cycle_loss`.

    With `parallel_weight > 0` the model learns from parallel speech, clips
    that say the same words in different voices: `fit` takes batches of
    `(waveforms, sample_mask, partner_frames)` whose rows `2i` and `2i + 1`
    are such a pair, `partner_frames[b, t]` the frame of row `b`'s partner
    aligned with its frame `t` (−1 where none), as
    `keras_ae.data.parallel_batches` makes them from `align_parallel`'s
    time warping. The encoder's vector at each aligned frame is asked to
    fall on the partner's code at its aligned frame: the cross entropy of
    that code under `softmax(-distance / parallel_temperature)` over the
    codebook (the partner's code a constant), weighted by
    `parallel_weight`. The same sound in two voices is asked to take the
    same code, so a code cannot name the voice. (A squared distance to the
    partner's code, as the commitment loss, was tried first: the encoder
    lowered it by shrinking all its vectors, the codes no closer to
    agreeing.) Logs `parallel_loss` and `parallel_agreement` (the share of
    aligned frames whose codes already agree).

    A strong pull can be lowered by giving every sound a few codes (at
    `parallel_weight=0.2` the codebook's perplexity fell to about 5 of 32).
    With `diversity_weight > 0` the batch's codes are asked to stay spread:
    `1 - perplexity / num_codes` of the mean soft assignment
    `softmax(-distance / parallel_temperature)` over the batch's real
    frames (the diversity loss of wav2vec 2.0, Baevski et al. 2020), weighted
    by `diversity_weight`. Logs `diversity_loss`.

    The pull asks each aligned frame for its partner's code, and alignment
    errors and unaligned frames keep it far from met (at weight 0.5 the
    codes of half the aligned training frames agreed). With
    `parallel_bag_weight > 0` the two clips of a pair are also asked for
    the same bag of codes, whatever the order of the frames: the total
    variation distance between their shares of frames per code (half the
    L1 distance: the share of a clip's frames that would have to change
    code), hard shares with the gradient of the soft assignment
    `softmax(-distance / bag_temperature)`, weighted by
    `parallel_bag_weight`. How often each code occurs is what a speaker
    classifier on the bag of codes reads. Logs `parallel_bag_distance`.

    Args:
        content_encoder: a Keras model `[frames, mask] -> vectors`, from
            `(batch, frames, num_mel_bins)` to `(batch, frames, code_dim)`.
        decoder: a Keras model `[codes, speaker_vector, mask] -> frames`.
        speakers: the training speakers' names; `y` indexes them.
        quantizer: a `keras_ae.layers.VectorQuantizer` returning a tensor, or
            None for `VectorQuantizer(64, codebook_update="ema",
            kmeans_init=True, dead_code_threshold=1.0)`.
        jitter: float in [0, 1), the time jitter of Chorowski et al. 2019:
            in training, each frame's code is replaced by its left or right
            neighbour's with probability `jitter` (half each way), so no
            code can count on its exact position. The paper uses 0.12.
            Defaults to 0 (off).
        frequency_warp: float in [0, 0.5), vocal tract length
            perturbation of the encoder's input (Jaitly & Hinton 2013): in
            training, each clip's frequency axis is stretched by a factor
            drawn uniformly from `[1 - frequency_warp, 1 + frequency_warp]`
            before the encoder sees it, while the decoder must still rebuild
            the clip as it was. Formant and pitch positions then no longer
            say which speaker it is, so the codes have less reason to.
            Defaults to 0 (off).
        seed: int or None, seed of the jitter and the warp.
        bag_adversary_weight: float >= 0, the weight of the encoder's
            confusion loss against a speaker classifier on the bag of codes
            (see above); 0 (the default) has no classifier.
        bag_temperature: float > 0, the temperature of the soft assignment
            whose gradient the bag takes, in squared-distance units of the
            codes. Defaults to 1.
        bag_adversary_steps: int >= 1, the classifier's updates per batch.
        cycle_weight: float >= 0, the weight of the code-cycle loss (see
            above); 0 (the default) does not convert in training. Needs at
            least 2 speakers.
        speaker_classifier: a built Keras model `[codes, mask] -> logits`,
            `(batch, code_dim)` per frame in, `(batch, len(speakers))` out,
            or None (the default): the adversary on the code sequence (see
            above). Needed when `speaker_adversary_weight > 0`.
        speaker_adversary_weight: float >= 0, the weight of the encoder's
            confusion loss against `speaker_classifier`; 0 (the default)
            trains no adversary.
        speaker_adversary_steps: int >= 1, the classifier's updates per
            batch.
        parallel_weight: float >= 0, the weight of the pull towards the
            parallel partner's codes (see above); 0 (the default) takes no
            partners.
        parallel_temperature: float > 0, the temperature of that pull's
            softmax, in squared-distance units of the codes, and of the
            diversity loss's. Defaults to 1.
        diversity_weight: float >= 0, the weight of the diversity loss
            (see above); 0 (the default) leaves it out.
        parallel_bag_weight: float >= 0, the weight of the distance between
            parallel partners' bags of codes (see above); 0 (the default)
            leaves it out. Needs `parallel_weight > 0` (the partners).
        **kwargs: `VoiceConverter` arguments (`sampling_rate`,
            `num_mel_bins`, `griffin_lim_iterations`) and `keras.Model`
            ones such as `name`.

    Call arguments:
        inputs: waveforms `(batch, samples)` or `(waveforms, sample_mask)`
            (or, with `parallel_weight > 0`, `(waveforms, sample_mask,
            partner_frames)`, the partners unused).

    Returns:
        The quantized content code, `(batch, frames, code_dim)`.

    Example:

    >>> import numpy as np
    >>> from keras_ae.zoo import voice_conversion as vc
    >>> waves = np.random.default_rng(0).normal(0, 0.1, (4, 2400)).astype("float32")
    >>> model = vc.vq_voice_converter(["ann", "bob"], num_codes=8, code_dim=4, channels=16,
    ...                               blocks=1)
    >>> model.adapt(list(waves))
    >>> model.compile(optimizer="adam")
    >>> _ = model.fit(waves, np.array([0, 1, 0, 1]), batch_size=2, epochs=1, verbose=0)
    >>> codes = model.encode(waves)
    >>> codes.shape, codes.dtype
    ((4, 31), dtype('int32'))
    >>> [len(w) for w in model.decode(codes[:1], "bob")]
    [2401]

    References:
        van den Oord, Vinyals & Kavukcuoglu 2017, "Neural discrete
        representation learning", arXiv 1711.00937; Chorowski, Weiss,
        Bengio & van den Oord 2019, "Unsupervised speech representation
        learning using WaveNet autoencoders", arXiv 1901.08810.
    """

    def __init__(self, content_encoder, decoder, speakers, quantizer=None, jitter=0.0, seed=None,
                 bag_adversary_weight=0.0, bag_temperature=1.0, bag_adversary_steps=1,
                 frequency_warp=0.0, cycle_weight=0.0, speaker_classifier=None,
                 speaker_adversary_weight=0.0, speaker_adversary_steps=1, parallel_weight=0.0,
                 parallel_temperature=1.0, diversity_weight=0.0, parallel_bag_weight=0.0,
                 **kwargs):
        super().__init__(content_encoder, decoder, speakers, **kwargs)
        if quantizer is None:
            quantizer = VectorQuantizer(64, codebook_update="ema", kmeans_init=True,
                                        dead_code_threshold=1.0, seed=seed, name="quantizer")
        if not isinstance(quantizer, VectorQuantizer) or quantizer.return_dict:
            raise ValueError(
                "`quantizer` must be a keras_ae.layers.VectorQuantizer with return_dict=False, "
                f"or None. Received: quantizer={quantizer!r}")
        self.jitter = check_number("jitter", jitter, 0, 1, high_open=True)
        self.frequency_warp = check_number("frequency_warp", frequency_warp, 0, 0.5,
                                           high_open=True)
        self.quantizer = quantizer
        if quantizer.embedding_dim not in (None, self.content_dim):
            raise ValueError(
                f"`quantizer`'s embedding_dim ({quantizer.embedding_dim}) must equal the content "
                f"encoder's output size ({self.content_dim}).")
        if not self.quantizer.built:
            self.quantizer.build((None, None, self.content_dim))
        self.seed = seed
        self.bag_adversary_weight = check_number("bag_adversary_weight", bag_adversary_weight,
                                                 low=0)
        self.bag_temperature = check_number("bag_temperature", bag_temperature, low=0,
                                            low_open=True)
        self.bag_adversary_steps = check_int("bag_adversary_steps", bag_adversary_steps, 1)
        self.cycle_weight = check_number("cycle_weight", cycle_weight, low=0)
        if self.cycle_weight > 0:
            if len(self.speakers) < 2:
                raise ValueError("`cycle_weight` > 0 converts to another speaker, so it needs at "
                                 f"least 2 speakers. Received: speakers={list(self.speakers)}")
            self.cycle_tracker = keras.metrics.Mean(name="cycle_loss")
        if self.bag_adversary_weight > 0:
            self.bag_classifier = keras.layers.Dense(len(self.speakers), name="bag_classifier")
            self.bag_classifier.build((None, self.num_codes))
            self.bag_loss_tracker = keras.metrics.Mean(name="bag_speaker_loss")
            self.bag_accuracy_tracker = keras.metrics.Mean(name="bag_speaker_accuracy")
            self.bag_confusion_tracker = keras.metrics.Mean(name="bag_confusion")
        self.speaker_adversary_weight = check_number(
            "speaker_adversary_weight", speaker_adversary_weight, low=0)
        self.speaker_adversary_steps = check_int("speaker_adversary_steps",
                                                 speaker_adversary_steps, 1)
        if self.speaker_adversary_weight > 0 and speaker_classifier is None:
            raise ValueError("`speaker_adversary_weight` > 0 needs a `speaker_classifier`. "
                             f"Received: speaker_adversary_weight={speaker_adversary_weight}, "
                             "speaker_classifier=None")
        self.speaker_classifier = speaker_classifier
        if speaker_classifier is not None:
            _speaker_classifier(speaker_classifier, self.content_dim, len(self.speakers), "codes")
            self.speaker_loss_tracker = keras.metrics.Mean(name="speaker_loss")
            self.speaker_accuracy_tracker = keras.metrics.Mean(name="speaker_accuracy")
            self.speaker_confusion_tracker = keras.metrics.Mean(name="speaker_confusion")
        self.parallel_weight = check_number("parallel_weight", parallel_weight, low=0)
        self.parallel_temperature = check_number("parallel_temperature", parallel_temperature,
                                                 low=0, low_open=True)
        if self.parallel_weight > 0:
            self.parallel_tracker = keras.metrics.Mean(name="parallel_loss")
            self.parallel_agreement_tracker = keras.metrics.Mean(name="parallel_agreement")
        self.diversity_weight = check_number("diversity_weight", diversity_weight, low=0)
        self.parallel_bag_weight = check_number("parallel_bag_weight", parallel_bag_weight,
                                                low=0)
        if self.parallel_bag_weight > 0:
            if self.parallel_weight == 0:
                raise ValueError(
                    "`parallel_bag_weight` > 0 compares the bags of parallel partners, which "
                    "only a model with `parallel_weight` > 0 is given. Received: "
                    f"parallel_bag_weight={parallel_bag_weight}, parallel_weight=0")
            self.parallel_bag_tracker = keras.metrics.Mean(name="parallel_bag_distance")
        if self.diversity_weight > 0:
            self.diversity_tracker = keras.metrics.Mean(name="diversity_loss")
        self.seed_generator = keras.random.SeedGenerator(seed, name="jitter_seed")
        self._add_speaker_embedding()
        self.vq_tracker = keras.metrics.Mean(name="vq_loss")
        self.built = True

    @property
    def num_codes(self):
        """The size of the codebook."""
        return self.quantizer.num_embeddings

    @property
    def frames_per_second(self):
        """Codes per second of audio: one per log-mel frame."""
        return self.sampling_rate / self.log_mel.frame_step

    def compile(self, optimizer="adam", bag_classifier_optimizer="adam",
                speaker_classifier_optimizer="adam", **kwargs):
        """Configures the model for training.

        Args:
            optimizer: the optimizer of the encoder, decoder, embeddings (and
                a gradient-learned codebook), or a
                `keras_ae.training.PlayerOptimizer` with one per player.
            bag_classifier_optimizer: the bag-of-codes speaker classifier's
                optimizer, when `bag_adversary_weight > 0`.
            speaker_classifier_optimizer: the code-sequence speaker
                classifier's optimizer, when `speaker_adversary_weight > 0`.
            **kwargs: other `keras.Model.compile` arguments; `loss` and
                `metrics` are not taken.
        """
        if len(self.players()) > 1 and not isinstance(optimizer, PlayerOptimizer):
            optimizers = {"bag_classifier": bag_classifier_optimizer,
                          "speaker_classifier": speaker_classifier_optimizer,
                          "converter": optimizer}
            optimizer = PlayerOptimizer({player.name: optimizers[player.name]
                                         for player in self.players()})
        super().compile(optimizer=optimizer, **kwargs)

    def players(self):
        networks = [self.content_encoder, self.decoder, self.speaker_embedding]
        if self.quantizer.trainable_weights:  # a codebook learned by gradient
            networks.insert(1, self.quantizer)
        players = []
        if self.bag_adversary_weight > 0:
            players.append(Player("bag_classifier", [self.bag_classifier],
                                  self._bag_classifier_loss, steps=self.bag_adversary_steps))
        if self.speaker_adversary_weight > 0:
            players.append(Player("speaker_classifier", [self.speaker_classifier],
                                  self._speaker_classifier_loss,
                                  steps=self.speaker_adversary_steps))
        return [*players, Player("converter", networks, self.training_loss)]

    def features(self, inputs):
        """`VoiceConverter.features`, also of `(waveforms, sample_mask, partner_frames)`
        batches when `parallel_weight > 0`."""
        return super().features(self._without_partners(inputs)[0])

    def _without_partners(self, inputs):
        """`(inputs without the partner frames, the partner frames or None)`."""
        if not isinstance(inputs, (list, tuple)) or len(inputs) != 3:
            return inputs, None
        if self.parallel_weight == 0:
            raise ValueError(
                "Batches of (waveforms, sample_mask, partner_frames) are for a model that "
                "learns from parallel clips; this one has parallel_weight=0, so the partners "
                "would be ignored. Set `parallel_weight` > 0, or pass (waveforms, sample_mask).")
        return tuple(inputs[:2]), inputs[2]

    def parallel_loss(self, vectors, indices, partner_frames, mask, sample_weight=None):
        """`(loss, agreement)` of parallel pairs (rows `2i`, `2i + 1`): the cross entropy of
        each aligned frame's partner code under `softmax(-distance / parallel_temperature)`
        of its vector, a mean per clip over its real frames aligned with real frames, and
        the share of those frames whose code indices equal their partner's."""
        partner_rows = _partner_rows(ops.shape(vectors)[0])
        partner_frames = ops.cast(partner_frames, "int32")[:, :ops.shape(vectors)[1]]
        frames = ops.maximum(partner_frames, 0)
        # Real frames whose partner frame is real too (the mask also drops a clip's last
        # frame where its window reaches into the batch's padding).
        valid = ops.cast(partner_frames >= 0, "float32") * mask * ops.take_along_axis(
            ops.take(mask, partner_rows, axis=0), frames, axis=1)
        indices = ops.cast(indices, "int32")
        partner_indices = ops.stop_gradient(ops.take_along_axis(
            ops.take(indices, partner_rows, axis=0), frames, axis=1))
        log_p = ops.log_softmax(-self.quantizer.distances(vectors) / self.parallel_temperature,
                                axis=-1)
        entropy = -ops.take_along_axis(log_p, ops.expand_dims(partner_indices, -1), axis=-1)
        per_frame = entropy[..., 0] * valid
        per_clip = ops.sum(per_frame, axis=1) / ops.maximum(ops.sum(valid, axis=1), 1.0)
        agreement = ops.sum(ops.cast(ops.equal(indices, partner_indices), "float32") * valid) / (
            ops.maximum(ops.sum(valid), 1.0))
        return weighted_mean(per_clip, sample_weight), agreement

    def parallel_bag_distance(self, vectors, mask, sample_weight=None):
        """The mean over clips of the total variation distance between a clip's bag of codes
        and its parallel partner's (rows `2i`, `2i + 1`), each over its own real frames."""
        bags = self.bag_of_codes(vectors, mask)
        partner_bags = ops.take(bags, _partner_rows(ops.shape(bags)[0]), axis=0)
        distance = 0.5 * ops.sum(ops.abs(bags - partner_bags), axis=-1)
        return weighted_mean(distance, sample_weight)

    def diversity_loss(self, vectors, mask):
        """`1 - perplexity / num_codes` of the mean of `softmax(-distance /
        parallel_temperature)` over the batch's real frames: 0 when the soft
        assignments spread evenly over the codebook, `1 - 1 / num_codes` when
        they all fall on one code."""
        soft = ops.softmax(-self.quantizer.distances(vectors) / self.parallel_temperature,
                           axis=-1)
        weights = ops.cast(mask, "float32")[..., None]
        mean = ops.sum(soft * weights, axis=(0, 1)) / ops.maximum(ops.sum(weights), 1.0)
        entropy = -ops.sum(mean * ops.log(ops.maximum(mean, 1e-12)))
        return 1.0 - ops.exp(entropy) / self.num_codes

    def content(self, frames, mask, training=False):
        vectors = self.content_encoder([frames, mask], training=training)
        return self.quantizer.quantize_with_loss(vectors, training=False,
                                                 mask=ops.cast(mask, "bool"))["quantized"]

    def bag_of_codes(self, vectors, mask):
        """Each clip's share of frames per code, `(batch, num_codes)`, over real frames:
        the hard histogram, with the gradient of the soft assignment
        `softmax(-distance / bag_temperature)`."""
        distances = self.quantizer.distances(vectors)
        soft = ops.softmax(-distances / self.bag_temperature, axis=-1)
        hard = ops.one_hot(ops.argmin(distances, axis=-1), self.num_codes, dtype="float32")
        assignment = hard + soft - ops.stop_gradient(soft)
        weights = ops.cast(mask, "float32")[:, :, None]
        return ops.sum(assignment * weights, axis=1) / ops.maximum(
            ops.sum(weights, axis=1), 1.0)

    def bag_speaker_loss(self, bags, labels, sample_weight=None):
        """`(cross entropy, accuracy)` of the bag-of-codes speaker classifier."""
        return speaker_entropy_and_accuracy(self.bag_classifier(bags), labels, sample_weight)

    def speaker_loss(self, codes, mask, labels, sample_weight=None, training=False):
        """`(cross entropy, accuracy)` of the code-sequence speaker classifier."""
        return speaker_entropy_and_accuracy(
            self.speaker_classifier([codes, mask], training=training), labels, sample_weight)

    def _speaker_classifier_loss(self, x, y, sample_weight, training, shared):
        labels = self._speaker_labels(y)
        frames, mask = self._inputs(x, shared)
        if "codes" not in shared:
            shared["codes"] = ops.stop_gradient(self.content(frames, mask, training=training))
        entropy, accuracy = self.speaker_loss(shared["codes"], mask, labels, sample_weight,
                                              training)
        self.speaker_loss_tracker.update_state(entropy)
        self.speaker_accuracy_tracker.update_state(accuracy)
        return entropy + regularization(self.speaker_classifier)

    def _bag_classifier_loss(self, x, y, sample_weight, training, shared):
        labels = self._speaker_labels(y)
        frames, mask = self._inputs(x, shared)
        if "bags" not in shared:
            vectors = self.content_encoder([frames, mask], training=training)
            shared["bags"] = ops.stop_gradient(self.bag_of_codes(vectors, mask))
        entropy, accuracy = self.bag_speaker_loss(shared["bags"], labels, sample_weight)
        self.bag_loss_tracker.update_state(entropy)
        self.bag_accuracy_tracker.update_state(accuracy)
        return entropy + regularization(self.bag_classifier)

    def training_loss(self, x, y=None, sample_weight=None, training=True, shared=None):
        """Reconstruction of each clip from its codes and its speaker's embedding + VQ loss
        (+ the bag-of-codes confusion loss, with `bag_adversary_weight > 0`)."""
        labels = self._speaker_labels(y)
        _, partner_frames = self._without_partners(x)
        if training and self.parallel_weight > 0 and partner_frames is None:
            raise ValueError(
                f"parallel_weight={self.parallel_weight} trains on parallel clips: `fit` needs "
                "batches of (waveforms, sample_mask, partner_frames), e.g. from "
                "keras_ae.data.parallel_batches. Received: inputs without partner frames")
        frames, mask = self._inputs(x, shared)
        encoder_input = frames
        if training and self.frequency_warp > 0:
            encoder_input = self._warped(frames, mask)
        vectors = self.content_encoder([encoder_input, mask], training=training)
        if self.bag_adversary_weight > 0:
            # Before the quantizer's update: the bag the classifier was trained on.
            bags = self.bag_of_codes(vectors, mask)
        outputs = self.quantizer.quantize_with_loss(vectors, training=training,
                                                    mask=ops.cast(mask, "bool"))
        codes = outputs["quantized"]
        if training and self.jitter > 0:
            codes = self._jittered(codes, mask)
        reconstruction = self.decoder([codes, self.speaker_embedding(labels), mask],
                                      training=training)
        error = self.reconstruction_error(frames, reconstruction, mask, sample_weight)
        vq_loss = ops.cast(outputs["loss"], "float32")
        loss = error + vq_loss + regularization(
            self.content_encoder, self.quantizer, self.decoder, self.speaker_embedding)
        if self.bag_adversary_weight > 0:
            confusion = confusion_loss(self.bag_classifier(bags), sample_weight)
            loss = loss + self.bag_adversary_weight * confusion
            self.bag_confusion_tracker.update_state(confusion)
        if self.speaker_adversary_weight > 0:
            # The codes before the jitter: what the classifier was trained on.
            confusion = confusion_loss(self.speaker_classifier(
                [outputs["quantized"], mask], training=training), sample_weight)
            loss = loss + self.speaker_adversary_weight * confusion
            self.speaker_confusion_tracker.update_state(confusion)
        if self.cycle_weight > 0:
            cycle = self.cycle_loss(outputs["quantized"], labels, mask, sample_weight, training)
            loss = loss + self.cycle_weight * cycle
            self.cycle_tracker.update_state(cycle)
        if self.parallel_weight > 0 and partner_frames is not None:
            parallel, agreement = self.parallel_loss(vectors, outputs["indices"],
                                                     partner_frames, mask, sample_weight)
            loss = loss + self.parallel_weight * parallel
            self.parallel_tracker.update_state(parallel)
            self.parallel_agreement_tracker.update_state(agreement)
            if self.parallel_bag_weight > 0:
                distance = self.parallel_bag_distance(vectors, mask, sample_weight)
                loss = loss + self.parallel_bag_weight * distance
                self.parallel_bag_tracker.update_state(distance)
        if self.diversity_weight > 0:
            diversity = self.diversity_loss(vectors, mask)
            loss = loss + self.diversity_weight * diversity
            self.diversity_tracker.update_state(diversity)
        if training:
            self.step.assign(self.step + 1.0)
        self.loss_tracker.update_state(loss)
        self.reconstruction_tracker.update_state(error)
        self.vq_tracker.update_state(vq_loss)
        return loss

    def cycle_loss(self, codes, labels, mask, sample_weight=None, training=False):
        """The code-cycle loss: `codes` decoded as another speaker (drawn per clip), encoded
        again, and the mean squared distance of those vectors to `codes` over real frames."""
        codes = ops.stop_gradient(codes)
        offsets = keras.random.randint(ops.shape(labels), 1, len(self.speakers),
                                       seed=self.seed_generator, dtype="int32")
        others = (labels + offsets) % len(self.speakers)
        converted = self.decoder([codes, self.speaker_embedding(others), mask], training=training)
        converted = ops.stop_gradient(ops.cast(converted, "float32")) * mask[..., None]
        vectors = ops.cast(self.content_encoder([converted, mask], training=training), "float32")
        per_frame = ops.mean(ops.square(vectors - ops.cast(codes, "float32")), axis=-1) * mask
        per_clip = ops.sum(per_frame, axis=1) / ops.maximum(ops.sum(mask, axis=1), 1.0)
        return weighted_mean(per_clip, sample_weight)

    def _warped(self, frames, mask):
        """The standardised frames with each clip's frequency axis stretched by a random
        factor in `1 ± frequency_warp` (the warp acts on the log-mel itself)."""
        factors = keras.random.uniform((ops.shape(frames)[0],), 1.0 - self.frequency_warp,
                                       1.0 + self.frequency_warp, seed=self.seed_generator)
        warped = warp_mel_frequencies(self.unstandardise(frames), factors,
                                      self.log_mel.min_freq, self.log_mel.max_freq)
        return self.standardise(warped) * mask[..., None]

    def _jittered(self, codes, mask):
        """Each frame takes its left or right neighbour's code with probability `jitter`,
        within the clip's real frames."""
        batch, length = ops.shape(codes)[0], ops.shape(codes)[1]
        draw = keras.random.uniform((batch, length), seed=self.seed_generator)
        shift = ops.where(draw < self.jitter / 2, -1, ops.where(draw < self.jitter, 1, 0))
        last = ops.maximum(ops.cast(ops.sum(mask, axis=1, keepdims=True), "int32") - 1, 0)
        position = ops.arange(length, dtype="int32")[None, :] + ops.cast(shift, "int32")
        position = ops.clip(position, 0, length - 1)
        position = ops.minimum(position, last)
        return ops.take_along_axis(codes, ops.expand_dims(position, -1), axis=1)

    # Codes.

    def encode(self, waveforms, batch_size=32, sampling_rate=None):
        """The code index of every frame, in inference mode.

        Args:
            waveforms: mono clips: a 2-d array `(clips, samples)`, or a list
                of 1-d arrays of any lengths.
            batch_size, sampling_rate: as in `convert`.

        Returns:
            For a 2-d array, an int32 array `(clips, frames)`; for a list, a
            list of int32 arrays `(frames,)`, one per clip.
        """
        self._check_call(sampling_rate, batch_size)
        clips = self._clips(waveforms, "waveforms")
        codes = [None] * len(clips)
        for index, frames, mask in self._padded_batches(clips, batch_size):
            vectors = self.content_encoder([ops.convert_to_tensor(frames),
                                            ops.convert_to_tensor(mask)], training=False)
            indices = np.asarray(ops.convert_to_numpy(self.quantizer.encode(vectors)), "int32")
            for row, i in enumerate(index):
                codes[i] = indices[row, :self.log_mel.frame_count(len(clips[i]))]
        if isinstance(waveforms, np.ndarray):
            return np.stack(codes)
        return codes

    def decode(self, codes, speaker, seed=0):
        """Waveforms in the voice of `speaker` from code indices.

        Args:
            codes: int code indices, a 2-d array `(clips, frames)` or a list
                of 1-d arrays (each of at least 1 frame), values in
                `[0, num_codes)`.
            speaker: a name in `speakers`.
            seed: Griffin-Lim's seed.

        Returns:
            A list of float32 waveforms, `(frames - 1) * frame_step + 1`
            samples each (what `encode` gives back its frames for).
        """
        if isinstance(codes, np.ndarray) and codes.ndim == 2:
            codes = list(codes)
        if not isinstance(codes, (list, tuple)) or not codes:
            raise ValueError("`codes` must be a 2-d int array (clips, frames) or a non-empty "
                             f"list of 1-d int arrays. Received: {type(codes).__name__}")
        rows = []
        for i, row in enumerate(codes):
            row = np.asarray(row)
            if row.ndim != 1 or len(row) < 1 or not np.issubdtype(row.dtype, np.integer):
                raise ValueError(f"`codes[{i}]` must be a non-empty 1-d int array. Received: "
                                 f"dtype {row.dtype}, shape {row.shape}")
            if row.min() < 0 or row.max() >= self.num_codes:
                raise ValueError(f"`codes[{i}]` must hold indices in [0, {self.num_codes}). "
                                 f"Received: values from {row.min()} to {row.max()}")
            rows.append(row.astype("int32"))
        vector = np.asarray(self.speaker_vector(speaker), "float32")
        longest = max(len(r) for r in rows)
        padded = np.zeros((len(rows), longest), "int32")
        mask = np.zeros((len(rows), longest), "float32")
        for i, r in enumerate(rows):
            padded[i, :len(r)] = r
            mask[i, :len(r)] = 1.0
        quantized = self.quantizer.decode(ops.convert_to_tensor(padded))
        output = self.decoder([quantized, ops.convert_to_tensor(np.repeat(vector[None], len(rows),
                                                                          axis=0)),
                               ops.convert_to_tensor(mask)], training=False)
        output = np.asarray(ops.convert_to_numpy(self.unstandardise(output)), "float32")
        log_mels = [output[i, :len(r)] for i, r in enumerate(rows)]
        lengths = [(len(r) - 1) * self.log_mel.frame_step + 1 for r in rows]
        return self._vocode(log_mels, lengths, seed, 32)

    def get_config(self):
        return {
            **super().get_config(),
            "quantizer": keras.saving.serialize_keras_object(self.quantizer),
            "jitter": self.jitter,
            "seed": self.seed,
            "bag_adversary_weight": self.bag_adversary_weight,
            "bag_temperature": self.bag_temperature,
            "bag_adversary_steps": self.bag_adversary_steps,
            "frequency_warp": self.frequency_warp,
            "cycle_weight": self.cycle_weight,
            "speaker_classifier": (None if self.speaker_classifier is None else
                                   keras.saving.serialize_keras_object(self.speaker_classifier)),
            "speaker_adversary_weight": self.speaker_adversary_weight,
            "speaker_adversary_steps": self.speaker_adversary_steps,
            "parallel_weight": self.parallel_weight,
            "parallel_temperature": self.parallel_temperature,
            "diversity_weight": self.diversity_weight,
            "parallel_bag_weight": self.parallel_bag_weight,
        }


def _partner_rows(batch_size):
    """Each row's parallel partner in a batch of pairs: `[1, 0, 3, 2, ...]`."""
    rows = ops.arange(batch_size, dtype="int32")
    return rows + 1 - 2 * (rows % 2)
