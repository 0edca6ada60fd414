import keras
import numpy as np
from keras import ops

from keras_ae._checks import check_int
from keras_ae._checks import check_number
from keras_ae.models.voice_converter import MIN_TARGET_FRAMES
from keras_ae.models.voice_converter import VoiceConverter
from keras_ae.models.voice_converter import _expect_dim
from keras_ae.models.voice_converter import _network
from keras_ae.models.voice_converter import _run
from keras_ae.models.voice_converter import weighted_mean
from keras_ae.training import Player
from keras_ae.training import regularization


@keras.saving.register_keras_serializable(package="keras_ae")
class AdaINVoiceConverter(VoiceConverter):
    """One-shot voice conversion: instance norm removes the voice, AdaIN puts one back.

    Disentangling by architecture instead of an adversary. The content
    encoder normalises its channels per utterance (`InstanceNormalization`
    without affine parameters), which strips the per-utterance statistics
    where much of a voice lives; a speaker encoder pools an utterance into
    one vector; the decoder's `AdaptiveInstanceNormalization` layers give
    its channels the scale and shift that vector asks for. Training is plain
    reconstruction of an utterance from its own content and its own speaker
    vector (no speaker labels), plus the paper's optional KL term: the
    content code is the mean of a unit-variance Gaussian, sampled with
    noise while training, and `0.5 · mean(content²)` pulls it towards the
    prior, with a weight ramped from 0 to `kl_weight` over
    `kl_annealing_steps`. Converting takes the speaker vector of any
    recording, so the target may be a voice never heard in training.

    The logs hold `loss`, `reconstruction_loss` (mean absolute error of the
    standardised log-mel frames), `kl_loss` and `kl_weight`. It trains with
    `compile()` + `fit()` on TensorFlow, JAX and PyTorch; `y` (speakers) is
    not needed. `enroll` stores the mean speaker vector of each training
    speaker, so that `convert` also takes their names.

    Args:
        content_encoder: a Keras model `[frames, mask] -> content` (with
            instance normalisation; see `keras_ae.zoo.voice_conversion`).
        speaker_encoder: a Keras model `[frames, mask] -> speaker_vector`,
            `(batch, speaker_dim)`.
        decoder: a Keras model `[content, speaker_vector, mask] -> frames`.
        speakers: names of the training speakers, for `enroll` and `convert`.
        kl_weight: float >= 0, the KL term's weight once annealed; 0 drops
            the term and the noise. Defaults to 1.0.
        kl_annealing_steps: int >= 0, steps over which the weight rises from
            0; 0 starts at `kl_weight`.
        seed: int or None, seed of the content noise.
        **kwargs: `sampling_rate`, `num_mel_bins`, `griffin_lim_iterations`
            (see `VoiceConverter`) and `keras.Model` keyword arguments.

    Call arguments:
        inputs: waveforms `(batch, samples)` or `(waveforms, sample_mask)`.
        training: bool.

    Returns:
        The content code (its mean), `(batch, frames, content_dim)`.

    Example:

    >>> import numpy as np
    >>> from keras_ae.zoo import voice_conversion as vc
    >>> model = vc.adain_voice_converter(["ann", "bob"], channels=16, blocks=1)
    >>> model.compile(optimizer="adam")
    >>> waves = np.random.default_rng(0).normal(0, 0.1, (4, 2000)).astype("float32")
    >>> history = model.fit(waves, epochs=1, verbose=0)
    >>> sorted(history.history)
    ['kl_loss', 'kl_weight', 'loss', 'reconstruction_loss']
    >>> [len(w) for w in model.convert([waves[0], waves[1][:900]], waves[2])]
    [2000, 900]

    Reference:
        Chou, Yeh and Lee 2019, "One-shot voice conversion by separating
        speaker and content representations with instance normalization",
        arXiv 1904.05742.
    """

    def __init__(self, content_encoder, speaker_encoder, decoder, speakers, kl_weight=1.0,
                 kl_annealing_steps=1000, seed=None, **kwargs):
        super().__init__(content_encoder, decoder, speakers, **kwargs)
        kl_weight = check_number("kl_weight", kl_weight, low=0)
        kl_annealing_steps = check_int("kl_annealing_steps", kl_annealing_steps, 0)
        self.speaker_encoder = _network(speaker_encoder, "speaker_encoder", 2)
        _expect_dim(self.speaker_encoder.inputs[0], self.num_mel_bins, "speaker_encoder",
                    "its frames input", "num_mel_bins")
        _expect_dim(self.speaker_encoder.outputs[0], self.speaker_dim, "speaker_encoder",
                    "its output", "the decoder's speaker input size")
        self.kl_weight = kl_weight
        self.kl_annealing_steps = kl_annealing_steps
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed, name="content_noise_seed")
        # The enrolled speakers' mean vectors, and how many clips made each.
        self.speaker_table = self.add_weight(
            name="speaker_table", shape=(len(self.speakers), self.speaker_dim),
            initializer="zeros", trainable=False, dtype="float32", autocast=False)
        self.enrolled_clips = self.add_weight(
            name="enrolled_clips", shape=(len(self.speakers),), initializer="zeros",
            trainable=False, dtype="float32", autocast=False)
        self.kl_tracker = keras.metrics.Mean(name="kl_loss")
        self.kl_weight_tracker = keras.metrics.Mean(name="kl_weight")
        self.built = True

    def players(self):
        return [Player("converter", [self.content_encoder, self.speaker_encoder, self.decoder],
                       self.training_loss)]

    def current_kl_weight(self):
        """The KL term's weight at the next training step, a float32 scalar."""
        if self.kl_annealing_steps == 0:
            return ops.convert_to_tensor(self.kl_weight, "float32")
        return self.kl_weight * ops.minimum(1.0, self.step / self.kl_annealing_steps)

    def training_loss(self, x, y=None, sample_weight=None, training=True, shared=None):
        """Reconstruction of each clip from its own content and speaker vector, + KL."""
        frames, mask = self.features(x)
        content = ops.cast(self.content_encoder([frames, mask], training=training), "float32")
        vectors = self.speaker_encoder([frames, mask], training=training)
        # KL(N(content, I) || N(0, I)) per element, over real frames.
        per_clip = 0.5 * ops.sum(ops.square(content) * mask[..., None], axis=(1, 2)) / \
            ops.maximum(ops.sum(mask, axis=1) * self.content_dim, 1.0)
        kl = weighted_mean(per_clip, sample_weight)
        weight = self.current_kl_weight()
        code = content
        if training and self.kl_weight > 0:
            code = content + keras.random.normal(ops.shape(content), seed=self.seed_generator)
        reconstruction = self.decoder([code, vectors, mask], training=training)
        error = self.reconstruction_error(frames, reconstruction, mask, sample_weight)
        loss = error + weight * kl + regularization(
            self.content_encoder, self.speaker_encoder, self.decoder)
        if training:
            self.step.assign(self.step + 1.0)
        self.loss_tracker.update_state(loss)
        self.reconstruction_tracker.update_state(error)
        self.kl_tracker.update_state(kl)
        self.kl_weight_tracker.update_state(weight)
        return loss

    def encode_speaker(self, waveforms, batch_size=32, sampling_rate=None):
        """The speaker vector of each clip, in inference mode.

        Args:
            waveforms: clips, as `convert` takes them.

        Returns:
            A float32 array `(clips, speaker_dim)`.
        """
        self._check_call(sampling_rate, batch_size)
        clips = self._clips(waveforms, "waveforms")
        vectors = np.zeros((len(clips), self.speaker_dim), "float32")
        for index, frames, mask in self._padded_batches(clips, batch_size):
            vectors[index] = _run(self.speaker_encoder, frames, mask)
        return vectors

    def enroll(self, waveforms, speakers, batch_size=32):
        """Stores each training speaker's mean speaker vector, for `convert` by name.

        Args:
            waveforms: clips, as `convert` takes them.
            speakers: one speaker per clip: names in `speakers` or indices.
        """
        clips = self._clips(waveforms, "waveforms")
        index = self.speaker_indices(speakers)
        if len(index) != len(clips):
            raise ValueError(
                f"`speakers` must have one entry per clip ({len(clips)}). Received: "
                f"{len(index)} entries")
        vectors = self.encode_speaker(clips, batch_size)
        counts = np.bincount(index, minlength=len(self.speakers)).astype("float32")
        sums = np.zeros((len(self.speakers), self.speaker_dim), "float32")
        np.add.at(sums, index, vectors)
        table = np.where(counts[:, None] > 0, sums / np.maximum(counts[:, None], 1),
                         ops.convert_to_numpy(self.speaker_table))
        self.speaker_table.assign(table.astype("float32"))
        self.enrolled_clips.assign(np.where(counts > 0, counts,
                                            ops.convert_to_numpy(self.enrolled_clips)))

    def speaker_vector(self, target):
        """The speaker vector of `target`: an enrolled name, or a 1-d waveform."""
        if isinstance(target, str):
            index = self.speaker_index(target)
            if float(ops.convert_to_numpy(self.enrolled_clips)[index]) == 0:
                raise ValueError(
                    f"Speaker {target!r} has not been enrolled: call enroll(waveforms, "
                    "speakers) with clips of the training speakers, or pass a waveform of "
                    "the target voice.")
            return ops.convert_to_numpy(self.speaker_table)[index]
        clip = self._clip(target, "target")
        frames = self.log_mel.frame_count(len(clip))
        if frames < MIN_TARGET_FRAMES:
            raise ValueError(
                f"`target` must hold at least {MIN_TARGET_FRAMES} frames "
                f"({(MIN_TARGET_FRAMES - 1) * self.log_mel.frame_step} samples, "
                f"{MIN_TARGET_FRAMES * 10} ms) of the target voice. Received: {len(clip)} "
                "samples")
        return self.encode_speaker([clip])[0]

    def get_config(self):
        return {
            **super().get_config(),
            "speaker_encoder": keras.saving.serialize_keras_object(self.speaker_encoder),
            "kl_weight": self.kl_weight,
            "kl_annealing_steps": self.kl_annealing_steps,
            "seed": self.seed,
        }
