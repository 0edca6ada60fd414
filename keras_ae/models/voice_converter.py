import keras
import numpy as np
from keras import ops

from keras_ae import backend
from keras_ae._checks import check_int
from keras_ae.layers import LogMelSpectrogram
from keras_ae.models.inference import reflected_batch
from keras_ae.presets import PresetMixin
from keras_ae.training import PlayerTraining

# A speaker vector pooled from fewer frames than this (0.1 s) says little
# about the voice.
MIN_TARGET_FRAMES = 10
_VOCODERS = {}


class VoiceConverter(PlayerTraining, PresetMixin, keras.Model):
    """The base of keras-ae's voice converters: log-mel frames in, waveforms out.

    A converter splits an utterance's log-mel frames into a content code
    (what is said) and a speaker vector (who says it), and decodes the
    content with another speaker's vector. This class holds what every
    converter shares; subclasses (`AdversarialVoiceConverter`,
    `AdaINVoiceConverter`) say where the speaker vector comes from and how
    the content is kept free of the speaker.

    - Features: `LogMelSpectrogram` frames (25 ms windows every 10 ms),
      standardised per band with statistics that `adapt()` measures on
      training clips (mean 0 and standard deviation 1 until then). The
      statistics are weights, saved with the model.
    - Networks take a frame mask, `(batch, frames)`, 1 on real frames and 0
      on padding, as their last input, and must leave real frames
      independent of the padding (the zoo's networks zero the padding after
      every convolution and pool and normalise over real frames only), so
      a clip converts the same alone or in a batch.
    - Training data: waveforms `(batch, samples)` (e.g. the fixed-length
      crops of `keras_ae.data.audio_batches(..., crop_length=n)`) or
      `(waveforms, sample_mask)` (its padded batches), with the speakers'
      indices into `speakers` as `y`.
    - Waveforms come back by Griffin-Lim (`LogMelSpectrogram.to_waveform`).

    Args:
        content_encoder: a Keras model `[frames, mask] -> content`, from
            `(batch, frames, num_mel_bins)` and `(batch, frames)` to
            `(batch, frames, content_dim)`.
        decoder: a Keras model `[content, speaker_vector, mask] -> frames`,
            with `speaker_vector` of shape `(batch, speaker_dim)`.
        speakers: the names of the training speakers, a non-empty sequence of
            distinct str; `y` indexes it.
        sampling_rate: int, samples per second of the audio. Defaults to 8000.
        num_mel_bins: int >= 1, mel bands of the features. Defaults to 40.
        griffin_lim_iterations: int >= 1, Griffin-Lim iterations when
            `convert` makes waveforms. Defaults to 32.
        **kwargs: `keras.Model` keyword arguments such as `name`.
    """

    builds_itself = True

    def __init__(self, content_encoder, decoder, speakers, sampling_rate=8000, num_mel_bins=40,
                 griffin_lim_iterations=32, **kwargs):
        super().__init__(**kwargs)
        sampling_rate = check_int("sampling_rate", sampling_rate, 1)
        num_mel_bins = check_int("num_mel_bins", num_mel_bins, 1)
        griffin_lim_iterations = check_int("griffin_lim_iterations", griffin_lim_iterations, 1)
        if isinstance(speakers, str) or not isinstance(speakers, (list, tuple)) or not speakers \
                or not all(isinstance(s, str) and s for s in speakers) \
                or len(set(speakers)) != len(speakers):
            raise ValueError(
                "`speakers` must be a non-empty list of distinct speaker names (str). "
                f"Received: speakers={speakers!r}")
        self.sampling_rate = sampling_rate
        self.num_mel_bins = num_mel_bins
        self.griffin_lim_iterations = griffin_lim_iterations
        self.speakers = tuple(speakers)
        self.content_encoder = _network(content_encoder, "content_encoder", 2)
        self.decoder = _network(decoder, "decoder", 3)
        self.log_mel = LogMelSpectrogram(sampling_rate=self.sampling_rate,
                                         num_mel_bins=self.num_mel_bins, name="log_mel")
        self.content_dim = _last_dim(self.content_encoder.outputs[0], "content_encoder")
        _expect_dim(self.content_encoder.inputs[0], self.num_mel_bins, "content_encoder",
                    "its frames input", "num_mel_bins")
        _expect_dim(self.decoder.inputs[0], self.content_dim, "decoder", "its content input",
                    "the content encoder's output size")
        _expect_dim(self.decoder.outputs[0], self.num_mel_bins, "decoder", "its output",
                    "num_mel_bins")
        self.speaker_dim = _last_dim(self.decoder.inputs[1], "decoder")
        self.feature_mean = self.add_weight(name="feature_mean", shape=(self.num_mel_bins,),
                                            initializer="zeros", trainable=False,
                                            dtype="float32", autocast=False)
        self.feature_std = self.add_weight(name="feature_std", shape=(self.num_mel_bins,),
                                           initializer="ones", trainable=False,
                                           dtype="float32", autocast=False)
        self.step = self.add_weight(name="step", shape=(), initializer="zeros",
                                    trainable=False, dtype="float32", autocast=False)
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.reconstruction_tracker = keras.metrics.Mean(name="reconstruction_loss")

    # The features.

    def adapt(self, waveforms):
        """Sets the per-band mean and standard deviation of the features.

        Args:
            waveforms: training clips, a list of 1-d float arrays or a 2-d
                array, at `sampling_rate`.
        """
        frames = np.concatenate(self._log_mels(self._clips(waveforms, "waveforms")))
        self.feature_mean.assign(frames.mean(0))
        self.feature_std.assign(np.maximum(frames.std(0), 1e-3))

    def features(self, inputs):
        """Standardised log-mel frames and their mask of a training batch.

        Args:
            inputs: waveforms `(batch, samples)`, or `(waveforms,
                sample_mask)`.

        Returns:
            `(frames, mask)`: float32 `(batch, frames, num_mel_bins)` and
            `(batch, frames)` (1 on real frames).
        """
        if isinstance(inputs, (list, tuple)):
            if len(inputs) != 2:
                raise ValueError(
                    f"{type(self).__name__} takes waveforms or (waveforms, mask). Received: "
                    f"a sequence of {len(inputs)} inputs")
            waves, sample_mask = inputs
        else:
            waves, sample_mask = inputs, None
        waves = ops.cast(waves, "float32")
        if len(waves.shape) != 2:
            raise ValueError(
                f"{type(self).__name__} takes waveforms of shape (batch, samples). Received: "
                f"shape={tuple(waves.shape)}")
        frames = self.standardise(self.log_mel(waves))
        if sample_mask is None:
            mask = ops.ones(ops.shape(frames)[:2], "float32")
        else:
            mask = ops.cast(self.log_mel.compute_mask(waves, ops.cast(sample_mask, "bool")),
                            "float32")
            frames = frames * mask[..., None]
        return frames, mask

    def _inputs(self, x, shared):
        """`features(x)`, computed once per batch and kept (without gradient) in the
        `shared` dict that a step's players pass along; `shared=None` computes them."""
        if shared is None:
            return self.features(x)
        if "frames" not in shared:
            frames, mask = self.features(x)
            shared["frames"], shared["mask"] = ops.stop_gradient(frames), ops.stop_gradient(mask)
        return shared["frames"], shared["mask"]

    def standardise(self, log_mel):
        """Log-mel frames → the networks' features (per-band standardised)."""
        return (ops.cast(log_mel, "float32") - self.feature_mean) / self.feature_std

    def unstandardise(self, frames):
        """The networks' features → log-mel frames."""
        return ops.cast(frames, "float32") * self.feature_std + self.feature_mean

    def reconstruction_error(self, frames, reconstruction, mask, sample_weight=None):
        """The mean absolute error over real frames and bands, a float32 scalar.

        With `sample_weight`, `(batch,)`, the clips' errors (each a mean over
        its real frames) are averaged with those weights.
        """
        error = ops.abs(ops.cast(reconstruction, "float32") - frames) * mask[..., None]
        if sample_weight is None:
            return ops.sum(error) / ops.maximum(ops.sum(mask) * self.num_mel_bins, 1.0)
        per_clip = ops.sum(error, axis=(1, 2)) / ops.maximum(
            ops.sum(mask, axis=1) * self.num_mel_bins, 1.0)
        return weighted_mean(per_clip, sample_weight)

    def call(self, inputs, training=False):
        frames, mask = self.features(inputs)
        return self.content(frames, mask, training=training)

    def content(self, frames, mask, training=False):
        """The content code of standardised frames, `(batch, frames, content_dim)`.

        The content encoder's output; a subclass may transform it (e.g.
        `VQVoiceConverter` quantizes it). Conversion and `encode_content`
        go through here.
        """
        return self.content_encoder([frames, mask], training=training)

    # Conversion.

    def speaker_vector(self, target):
        """The decoder's speaker vector for `target`, a float32 numpy array.

        Args:
            target: a name in `speakers` (subclasses may take more).
        """
        raise NotImplementedError

    def convert(self, waveforms, target, batch_size=32, sampling_rate=None, seed=0):
        """Says each clip again in the voice of `target`.

        Args:
            waveforms: mono clips at `sampling_rate`: a list of 1-d float
                arrays of any lengths, or a 2-d array `(clips, samples)`.
            target: a speaker name in `speakers` (`AdaINVoiceConverter` also
                takes a 1-d waveform of any voice).
            batch_size: int >= 1, clips per network call. The result does not
                depend on it.
            sampling_rate: None, or the clips' rate in Hz, which must be the
                model's (resample with `keras_ae.data.resample`).
            seed: int, seed of Griffin-Lim's initial phase.

        Returns:
            A list of float32 waveforms, one per clip, each as long as its
            clip.
        """
        self._check_call(sampling_rate, batch_size)
        clips = self._clips(waveforms, "waveforms")
        vector = np.asarray(self.speaker_vector(target), "float32")
        converted = [None] * len(clips)
        for index, frames, mask in self._padded_batches(clips, batch_size):
            vectors = np.repeat(vector[None], len(index), axis=0)
            output = self._decode(frames, vectors, mask)
            for row, i in enumerate(index):
                converted[i] = output[row, :self.log_mel.frame_count(len(clips[i]))]
        return self._vocode(converted, [len(c) for c in clips], seed, batch_size)

    def resynthesize(self, waveforms, batch_size=32, sampling_rate=None, seed=0):
        """Each clip's own log-mel frames back through Griffin-Lim, unconverted.

        The ceiling of what `convert` can sound like: what the features and
        the vocoder keep of a clip, with no network in between.
        """
        self._check_call(sampling_rate, batch_size)
        clips = self._clips(waveforms, "waveforms")
        return self._vocode(self._log_mels(clips), [len(c) for c in clips], seed, batch_size)

    def encode_content(self, waveforms, batch_size=32, sampling_rate=None):
        """The content code of each clip, in inference mode.

        Returns:
            A list of float32 arrays `(frames, content_dim)`, one per clip.
        """
        self._check_call(sampling_rate, batch_size)
        clips = self._clips(waveforms, "waveforms")
        codes = [None] * len(clips)
        for index, frames, mask in self._padded_batches(clips, batch_size):
            content = np.asarray(ops.convert_to_numpy(self.content(
                ops.convert_to_tensor(frames), ops.convert_to_tensor(mask))), "float32")
            for row, i in enumerate(index):
                codes[i] = content[row, :self.log_mel.frame_count(len(clips[i]))]
        return codes

    def speaker_index(self, name):
        """The index of speaker `name` in `speakers`."""
        if not isinstance(name, str) or name not in self.speakers:
            raise ValueError(
                f"Unknown speaker {name!r}: {type(self).__name__} '{self.name}' knows the "
                f"speakers {list(self.speakers)}.")
        return self.speakers.index(name)

    def speaker_indices(self, speakers):
        """`speakers` (names in `speakers`, or indices) as an int array, checked."""
        index = np.array([s if isinstance(s, (int, np.integer)) and not isinstance(s, bool)
                          else self.speaker_index(s) for s in speakers], "int64")
        if np.any(index < 0) or np.any(index >= len(self.speakers)):
            raise ValueError(
                f"Speaker indices must be in [0, {len(self.speakers)}). Received: "
                f"{sorted(set(index.tolist()))}")
        return index

    def _decode(self, frames, vectors, mask):
        """Log-mel frames decoded from `frames`' content with `vectors`, numpy."""
        content = self.content(ops.convert_to_tensor(frames), ops.convert_to_tensor(mask))
        output = self.decoder([content, ops.convert_to_tensor(vectors),
                               ops.convert_to_tensor(mask)], training=False)
        return np.asarray(ops.convert_to_numpy(self.unstandardise(output)), "float32")

    def _vocode(self, log_mels, lengths, seed, batch_size):
        """Waveforms of `lengths` samples for log-mel frames, by Griffin-Lim.

        Each clip's frames are padded with silent frames (zero magnitude) up
        to a multiple of 32 frames, at least 4 past its end, so the compiled
        Griffin-Lim is traced for a few shapes only; clips of one such
        bucket are vocoded together in batches of `batch_size` (the initial
        phase is shared by a batch, so a batch gives what each clip gives
        alone).
        """
        key = (self.sampling_rate, self.num_mel_bins, self.griffin_lim_iterations, seed,
               keras.backend.backend())
        if key not in _VOCODERS:
            log_mel = LogMelSpectrogram(sampling_rate=self.sampling_rate,
                                        num_mel_bins=self.num_mel_bins)
            iterations = self.griffin_lim_iterations

            def vocode(frames):
                return log_mel.to_waveform(frames, iterations=iterations, seed=seed)

            # Shared by every converter of these settings: traced once per shape.
            _VOCODERS[key] = backend.compiled(vocode)
        vocode = _VOCODERS[key]
        buckets = {}
        for i, frames in enumerate(log_mels):
            buckets.setdefault(-(-(len(frames) + 4) // 32) * 32, []).append(i)
        waves = [None] * len(log_mels)
        for size, members in sorted(buckets.items()):
            for start in range(0, len(members), batch_size):
                chunk = members[start:start + batch_size]
                # Full batches only: one trace per bucket.
                batch = np.full((batch_size, size, self.num_mel_bins), -50.0, "float32")
                for row, i in enumerate(chunk):
                    batch[row, :len(log_mels[i])] = log_mels[i]
                out = np.asarray(ops.convert_to_numpy(vocode(ops.convert_to_tensor(batch))),
                                 "float32")
                for row, i in enumerate(chunk):
                    wave = out[row, :lengths[i]]
                    waves[i] = np.pad(wave, (0, lengths[i] - len(wave)))
        return waves

    def _check_call(self, sampling_rate, batch_size):
        check_int("batch_size", batch_size, 1)
        if sampling_rate is not None and sampling_rate != self.sampling_rate:
            raise ValueError(
                f"{type(self).__name__} '{self.name}' works on audio at {self.sampling_rate} "
                f"Hz. Received: sampling_rate={sampling_rate!r}; resample the clips first "
                "with keras_ae.data.resample(waveform, rate, "
                f"{self.sampling_rate}).")

    def _clips(self, waveforms, name):
        """`waveforms` as a list of float32 mono clips, checked."""
        if isinstance(waveforms, np.ndarray) and waveforms.ndim == 2:
            waveforms = list(waveforms)
        elif isinstance(waveforms, np.ndarray) and waveforms.ndim == 1:
            raise ValueError(
                f"`{name}` must be a list of clips or a 2-d array (clips, samples); for one "
                f"clip pass [clip]. Received: a 1-d array of shape {waveforms.shape}")
        if not isinstance(waveforms, (list, tuple)) or not waveforms:
            raise ValueError(
                f"`{name}` must be a non-empty list of 1-d float arrays or a 2-d array "
                f"(clips, samples). Received: {type(waveforms).__name__}")
        clips = []
        for i, clip in enumerate(waveforms):
            clips.append(self._clip(clip, f"{name}[{i}]"))
        return clips

    def _clip(self, clip, name):
        clip = np.asarray(clip, "float32")
        if clip.ndim != 1:
            raise ValueError(
                f"`{name}` must be mono audio, shape (samples,). Received: shape={clip.shape}"
                "; mix the channels down first (e.g. clip.mean(axis=-1)).")
        if len(clip) < self.log_mel.min_samples:
            raise ValueError(
                f"`{name}` must hold at least {self.log_mel.min_samples} samples. Received: "
                f"{len(clip)} samples")
        if not np.all(np.isfinite(clip)):
            raise ValueError(f"`{name}` holds NaN or Inf values")
        return clip

    def _log_mels(self, clips, batch_size=32):
        """Each clip's log-mel frames, as the clip alone gives them (up to float rounding):
        computed for clips of similar lengths together, each followed by its own
        reflection (see `reflected_batch`)."""
        order = np.argsort([len(c) for c in clips], kind="stable")
        mels = [None] * len(clips)
        for start in range(0, len(order), batch_size):
            index = order[start:start + batch_size]
            batch = reflected_batch([clips[i] for i in index], self.log_mel.fft_length // 2)
            frames = np.asarray(ops.convert_to_numpy(self.log_mel(batch)))
            for row, i in enumerate(index):
                mels[i] = frames[row, :self.log_mel.frame_count(len(clips[i]))]
        return mels

    def _padded_batches(self, clips, batch_size):
        """Standardised frames of the clips, by length, in zero-padded batches.

        Each clip's log-mel frames are those of the clip alone (the analysis
        windows at its end see the clip reflected, not the padding; see
        `_log_mels`).

        Yields:
            `(indices, frames, mask)`: the clips' positions in `clips`, a
            float32 `(batch, frames, num_mel_bins)` array and its mask.
        """
        order = np.argsort([len(c) for c in clips], kind="stable")
        for start in range(0, len(order), int(batch_size)):
            index = order[start:start + int(batch_size)]
            mels = [np.asarray(ops.convert_to_numpy(self.standardise(m)))
                    for m in self._log_mels([clips[i] for i in index])]
            longest = max(len(m) for m in mels)
            frames = np.zeros((len(index), longest, self.num_mel_bins), "float32")
            mask = np.zeros((len(index), longest), "float32")
            for row, m in enumerate(mels):
                frames[row, :len(m)] = m
                mask[row, :len(m)] = 1.0
            yield index, frames, mask

    def _speaker_labels(self, y):
        """`y` as int32 speaker indices, checked to be in range on every backend."""
        if y is None:
            raise ValueError(
                f"{type(self).__name__} trains on the speakers' indices as `y` (into "
                f"`speakers`={list(self.speakers)}). Received: y=None")
        labels = ops.cast(ops.reshape(y, (-1,)), "int32")
        return backend.checked(
            labels, ops.all((labels >= 0) & (labels < len(self.speakers))),
            f"`y` must hold speaker indices in [0, {len(self.speakers)}) (into "
            f"`speakers`={list(self.speakers)}).")

    def get_config(self):
        return {
            **super().get_config(),
            "content_encoder": keras.saving.serialize_keras_object(self.content_encoder),
            "decoder": keras.saving.serialize_keras_object(self.decoder),
            "speakers": list(self.speakers),
            "sampling_rate": self.sampling_rate,
            "num_mel_bins": self.num_mel_bins,
            "griffin_lim_iterations": self.griffin_lim_iterations,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key, value in config.items():
            if isinstance(value, dict) and "class_name" in value:
                config[key] = keras.saving.deserialize_keras_object(value)
        return cls(**config)


class LearnedSpeakers:
    """For converters whose targets are learned embeddings of the training speakers.

    The converter holds a `keras.layers.Embedding` in `speaker_embedding`
    (made by `_add_speaker_embedding`), one row per name in `speakers`.
    """

    def _add_speaker_embedding(self):
        self.speaker_embedding = keras.layers.Embedding(
            len(self.speakers), self.speaker_dim, name="speaker_embedding")
        self.speaker_embedding.build((None,))

    def speaker_vector(self, target):
        """The embedding of the training speaker `target` (a name in `speakers`)."""
        if not isinstance(target, str):
            raise ValueError(
                f"{type(self).__name__} converts to the speakers it was trained on, by name: "
                f"one of {list(self.speakers)}. Received: target of type "
                f"{type(target).__name__}")
        return self.encode_speaker([target])[0]

    def encode_speaker(self, speakers):
        """The learned embeddings of training speakers.

        Args:
            speakers: a list of names in `speakers` (or their indices).

        Returns:
            A float32 array `(len(speakers), speaker_dim)`.
        """
        index = self.speaker_indices(speakers)
        table = ops.convert_to_numpy(self.speaker_embedding.embeddings)
        return np.asarray(table, "float32")[index]


def weighted_mean(values, sample_weight=None):
    """The mean of per-clip `values`, `(batch,)`, weighted by `sample_weight` if given."""
    values = ops.cast(values, "float32")
    if sample_weight is None:
        return ops.mean(values)
    weight = ops.cast(ops.reshape(sample_weight, (-1,)), "float32")
    return ops.sum(values * weight) / ops.maximum(ops.sum(weight), 1e-12)


def speaker_entropy_and_accuracy(logits, labels, sample_weight=None):
    """`(cross entropy, accuracy)` of speaker logits `(batch, speakers)` against the int
    speaker labels, each a (weighted) mean over the batch."""
    logits = ops.cast(logits, "float32")
    entropy = keras.losses.sparse_categorical_crossentropy(labels, logits, from_logits=True)
    correct = ops.cast(ops.equal(ops.cast(ops.argmax(logits, axis=-1), "int32"), labels),
                       "float32")
    return weighted_mean(entropy, sample_weight), weighted_mean(correct, sample_weight)


def confusion_loss(logits, sample_weight=None):
    """The domain-confusion loss (Tzeng et al. 2015): the cross entropy of speaker logits
    against the uniform distribution, a (weighted) mean over the batch."""
    log_probabilities = ops.log_softmax(ops.cast(logits, "float32"), axis=-1)
    return weighted_mean(-ops.mean(log_probabilities, axis=-1), sample_weight)


def _run(network, *arrays):
    """A network's inference-mode output for numpy inputs, as numpy."""
    output = network([ops.convert_to_tensor(a) for a in arrays], training=False)
    return np.asarray(ops.convert_to_numpy(output), "float32")


def _network(value, name, inputs):
    if not isinstance(value, keras.Model) or not value.built or len(value.inputs or ()) != inputs:
        raise ValueError(
            f"`{name}` must be a built Keras model (Functional) with {inputs} inputs, the last "
            f"a (batch, frames) mask. Received: {name}={value!r}")
    return value


def _speaker_classifier(classifier, content_dim, num_speakers, what):
    """`classifier` checked as a built `[content, mask] -> logits` model reading `what`
    (`content_dim` channels per frame) and giving one logit per speaker."""
    _network(classifier, "speaker_classifier", 2)
    _expect_dim(classifier.inputs[0], content_dim, "speaker_classifier", f"its {what} input",
                "the content encoder's output size")
    _expect_dim(classifier.outputs[0], num_speakers, "speaker_classifier", "its output",
                "one logit per speaker")
    return classifier


def _last_dim(tensor, name):
    dim = tensor.shape[-1]
    if dim is None:
        raise ValueError(f"`{name}` must have inputs and outputs of a known last size. "
                         f"Received: a tensor of shape {tuple(tensor.shape)}")
    return int(dim)


def _expect_dim(tensor, expected, name, what, meaning):
    dim = _last_dim(tensor, name)
    if dim != expected:
        raise ValueError(
            f"`{name}`: {what} must have {expected} channels ({meaning}). Received: "
            f"shape {tuple(tensor.shape)}")
