"""Voice-conversion networks on log-mel frames (8 kHz speech, 40 bands).

Every network takes a frame mask, `(batch, frames)` with 1 on real frames,
as its last input, zeroes the padded frames after each convolution, and
normalises and pools over real frames only: a clip gives the same output
alone or padded in a batch (a "same"-padded convolution sees zeros past a
clip's end either way). Time is never downsampled, so a content code has
one vector per 10 ms frame.
"""

import keras
from keras import ops

from keras_ae._checks import check_int
from keras_ae.layers import AdaptiveInstanceNormalization
from keras_ae.layers import CepstralSmoothing
from keras_ae.layers import InstanceNormalization
from keras_ae.layers import VectorQuantizer
from keras_ae.models import AdaINVoiceConverter
from keras_ae.models import AdversarialVoiceConverter
from keras_ae.models import VQVoiceConverter

NUM_MEL_BINS = 40
SAMPLING_RATE = 8000


def _inputs(dim, name):
    return keras.Input((None, dim), name=name)


def _mask_input():
    return keras.Input((None,), name="mask")


def _masked(h, mask):
    return h * ops.expand_dims(mask, -1)


def _masked_mean(h, mask):
    weights = ops.expand_dims(mask, -1)
    return ops.sum(h * weights, axis=1) / ops.maximum(ops.sum(weights, axis=1), 1.0)


def _blocks(h, mask, channels, blocks, kernel_size, prefix, instance_norm=False, style=None):
    """Residual blocks: conv → (IN or AdaIN) → ReLU, added to their input."""
    boolean = ops.cast(mask, "bool")
    for i in range(blocks):
        r = keras.layers.Conv1D(channels, kernel_size, padding="same",
                                name=f"{prefix}_conv_{i}")(h)
        r = _masked(r, mask)
        if style is not None:
            r = AdaptiveInstanceNormalization(name=f"{prefix}_adain_{i}")(
                [r, style], mask=[boolean, None])
        elif instance_norm:
            r = InstanceNormalization(center=False, scale=False, name=f"{prefix}_in_{i}")(
                r, mask=boolean)
        r = keras.layers.Activation("relu", name=f"{prefix}_relu_{i}")(r)
        h = _masked(h + r, mask)
    return h


def content_encoder(content_dim=16, channels=128, blocks=3, kernel_size=5, instance_norm=False,
                    num_mel_bins=NUM_MEL_BINS, cepstral_coefficients=None,
                    name="content_encoder"):
    """`[frames, mask] -> content`: a narrow code per frame.

    With `instance_norm=True` (AdaIN-VC) the projected frames and every
    block are instance-normalised without affine parameters, which removes
    each utterance's per-channel mean and scale at every stage; the code is
    a linear map of their sum (the mean of the KL term's Gaussian). With
    `cepstral_coefficients=k` the encoder first smooths each frame across
    the bands to its first `k` cepstral coefficients (`CepstralSmoothing`):
    it sees the spectral envelope, not the pitch's harmonics.
    """
    frames, mask = _inputs(num_mel_bins, "frames"), _mask_input()
    h = frames
    if cepstral_coefficients is not None:
        h = CepstralSmoothing(cepstral_coefficients, name="cepstral_smoothing")(h)
    h = _masked(keras.layers.Conv1D(channels, 1, name="project")(h), mask)
    if instance_norm:
        # (The product drops the Keras mask IN passes on: the mask is an input here.)
        h = _masked(InstanceNormalization(center=False, scale=False, name="project_in")(
            h, mask=ops.cast(mask, "bool")), mask)
    h = _blocks(h, mask, channels, blocks, kernel_size, "block", instance_norm=instance_norm)
    code = _masked(keras.layers.Conv1D(content_dim, 1, name="to_content")(h), mask)
    return keras.Model([frames, mask], code, name=name)


def speaker_encoder(speaker_dim=64, channels=128, blocks=3, kernel_size=5,
                    num_mel_bins=NUM_MEL_BINS, name="speaker_encoder"):
    """`[frames, mask] -> speaker_vector`: convolutions, then the mean over real frames."""
    frames, mask = _inputs(num_mel_bins, "frames"), _mask_input()
    h = _masked(keras.layers.Conv1D(channels, 1, name="project")(frames), mask)
    h = _blocks(h, mask, channels, blocks, kernel_size, "block")
    vector = keras.layers.Dense(speaker_dim, name="to_speaker")(_masked_mean(h, mask))
    return keras.Model([frames, mask], vector, name=name)


def speaker_classifier(num_speakers, content_dim=16, channels=128, blocks=2, kernel_size=5,
                       name="speaker_classifier"):
    """`[content, mask] -> logits`: the adversary that reads the speaker off a content code."""
    content, mask = _inputs(content_dim, "content"), _mask_input()
    h = _masked(keras.layers.Conv1D(channels, 1, name="project")(content), mask)
    h = _blocks(h, mask, channels, blocks, kernel_size, "block")
    logits = keras.layers.Dense(num_speakers, name="logits")(_masked_mean(h, mask))
    return keras.Model([content, mask], logits, name=name)


def decoder(content_dim=16, speaker_dim=64, channels=128, blocks=3, kernel_size=5, adain=False,
            num_mel_bins=NUM_MEL_BINS, dilation_growth=1, name="decoder"):
    """`[content, speaker_vector, mask] -> frames`.

    The speaker vector enters every block: added to its channels (after a
    learned projection) when `adain=False`, through
    `AdaptiveInstanceNormalization` when `adain=True`. Block `i`'s
    convolution has dilation `dilation_growth ** i`: with 2, the decoder
    sees `1 + (kernel_size - 1) * (2 ** blocks - 1)` frames (29 for 3 blocks
    of kernel 5) at the cost of `blocks` (13 frames without dilation).
    """
    dilation_growth = check_int("dilation_growth", dilation_growth, 1)
    content, mask = _inputs(content_dim, "content"), _mask_input()
    speaker = keras.Input((speaker_dim,), name="speaker_vector")
    h = _masked(keras.layers.Conv1D(channels, 1, name="project")(content), mask)
    boolean = ops.cast(mask, "bool")
    for i in range(blocks):
        r = keras.layers.Conv1D(channels, kernel_size, padding="same",
                                dilation_rate=dilation_growth ** i, name=f"block_conv_{i}")(h)
        r = _masked(r, mask)
        if adain:
            r = AdaptiveInstanceNormalization(name=f"block_adain_{i}")(
                [r, speaker], mask=[boolean, None])
        else:
            bias = keras.layers.Dense(channels, name=f"block_speaker_{i}")(speaker)
            r = r + ops.expand_dims(bias, 1)
        r = keras.layers.Activation("relu", name=f"block_relu_{i}")(r)
        h = _masked(h + r, mask)
    frames = _masked(keras.layers.Conv1D(num_mel_bins, 1, name="to_frames")(h), mask)
    return keras.Model([content, speaker, mask], frames, name=name)


def adversarial_voice_converter(speakers, mode="alternating", content_dim=16, speaker_dim=64,
                                channels=128, blocks=3, instance_norm=True, **kwargs):
    """`AdversarialVoiceConverter` with these networks (as in `adversarial_vc_fsdd_flite`).

    The content encoder is instance-normalised, as in the paper's code (its
    encoder and classifier use `InstanceNorm1d`); the adversary removes what
    the normalisation leaves.
    """
    return AdversarialVoiceConverter(
        content_encoder(content_dim, channels, blocks, instance_norm=instance_norm),
        decoder(content_dim, speaker_dim, channels, blocks),
        speaker_classifier(len(speakers), content_dim, channels, max(1, blocks - 1)),
        speakers=list(speakers), mode=mode, name="adversarial_voice_converter", **kwargs)


def speaker_conditioned_auto_encoder(speakers, content_dim=16, speaker_dim=64, channels=128,
                                     blocks=3, **kwargs):
    """The papers' ablation: the same encoder and decoder, no adversary, no IN.

    An `AdversarialVoiceConverter` in mode `"none"` (its classifier only
    watches the code) with a content encoder without instance
    normalisation: nothing stops the code from carrying the voice, so the
    decoder tends to ignore its speaker input.
    """
    return adversarial_voice_converter(speakers, "none", content_dim, speaker_dim, channels,
                                       blocks, instance_norm=False, **kwargs)


def adain_voice_converter(speakers, content_dim=16, speaker_dim=64, channels=128, blocks=3,
                          **kwargs):
    """`AdaINVoiceConverter` with these networks (as in `adain_vc_fsdd_flite`)."""
    return AdaINVoiceConverter(
        content_encoder(content_dim, channels, blocks, instance_norm=True),
        speaker_encoder(speaker_dim, channels, blocks),
        decoder(content_dim, speaker_dim, channels, blocks, adain=True),
        speakers=list(speakers), seed=0, name="adain_voice_converter", **kwargs)


def vq_voice_converter(speakers, num_codes=64, code_dim=16, speaker_dim=64, channels=128,
                       blocks=3, jitter=0.0, instance_norm=False, seed=0, decoder_adain=False,
                       speaker_adversary_weight=0.0, classifier_channels=64,
                       decoder_dilation_growth=1, cepstral_coefficients=None, **kwargs):
    """`VQVoiceConverter` with these networks (as in `vq_vc_fsdd_flite`).

    The content encoder (by default without instance normalisation: the
    discrete bottleneck is what drops the voice) gives `code_dim` channels
    per frame, quantized to `num_codes` codes learned by moving averages,
    initialised by k-means on the first batch, with dead codes restarted.
    The decoder adds the speaker embedding to every block, or with
    `decoder_adain=True` sets every block's scale and shift from it
    (`AdaptiveInstanceNormalization`, as in `adain_voice_converter`).
    With `speaker_adversary_weight > 0`, a `speaker_classifier` of
    `classifier_channels` channels reads the speaker off the code sequence
    and the encoder learns to confuse it. With `decoder_dilation_growth=2`
    the decoder's blocks are dilated 1, 2, 4, ... (a wider view of the
    codes at the same cost). With `cepstral_coefficients=k` the content
    encoder sees each frame smoothed to its first `k` cepstral coefficients.
    """
    if speaker_adversary_weight > 0:
        kwargs["speaker_classifier"] = speaker_classifier(
            len(speakers), code_dim, channels=classifier_channels)
    quantizer = VectorQuantizer(num_codes, codebook_update="ema", kmeans_init=True,
                                dead_code_threshold=1.0, seed=seed, name="quantizer")
    return VQVoiceConverter(
        content_encoder(code_dim, channels, blocks, instance_norm=instance_norm,
                        cepstral_coefficients=cepstral_coefficients),
        decoder(code_dim, speaker_dim, channels, blocks, adain=decoder_adain,
                dilation_growth=decoder_dilation_growth),
        speakers=list(speakers), quantizer=quantizer, jitter=jitter, seed=seed,
        speaker_adversary_weight=speaker_adversary_weight, name="vq_voice_converter", **kwargs)
