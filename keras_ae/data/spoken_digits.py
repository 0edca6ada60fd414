import numpy as np

from keras_ae.data.flite_speech import FLITE_VOICES
from keras_ae.data.flite_speech import flite_speech
from keras_ae.data.fsdd import FSDD_SPEAKERS
from keras_ae.data.fsdd import _load as _load_fsdd

SPOKEN_DIGIT_SPEAKERS = FSDD_SPEAKERS + FLITE_VOICES


def spoken_digits(split="train", fsdd_path=None, flite_path=None):
    """Loads FSDD and flite-speech's digits together: 10 speakers, 8 kHz mono.

    The Free Spoken Digit Dataset's six speakers (real recordings) and
    flite-speech's four synthetic voices (`keras_ae.data.flite_speech`) say
    the same ten words, "zero" … "nine", 50 takes each: 5,000 clips. Both
    use the same split, takes 0–4 for testing (500 clips) and takes 5–49 for
    training (4,500). Take t of two flite voices is the same utterance
    (same speaking rate and ending); FSDD's takes are independent
    recordings. Speaker names are in `keras_ae.data.SPOKEN_DIGIT_SPEAKERS`:
    FSDD's (`FSDD_SPEAKERS`), then flite's (`FLITE_VOICES`).

    Args:
        split: "train", "test" or "all".
        fsdd_path: FSDD's folder (as for `keras_ae.data.fsdd`), or None to
            search.
        flite_path: flite-speech's folder (as for
            `keras_ae.data.flite_speech`), or None to search.

    Returns:
        `(waveforms, digits, speakers, takes)`: a list of float32 arrays in
        [-1, 1] (the clips differ in length), and int arrays of the digit
        (0–9), the speaker (an index into
        `keras_ae.data.SPOKEN_DIGIT_SPEAKERS`) and the take, sorted by
        speaker, digit and take.

    Example:

    >>> from keras_ae.data import SPOKEN_DIGIT_SPEAKERS, spoken_digits
    >>> waves, digits, speakers, takes = spoken_digits("test")  # doctest: +SKIP
    >>> len(waves), SPOKEN_DIGIT_SPEAKERS[speakers[-1]]  # doctest: +SKIP
    (500, 'kal16')
    """
    fsdd_waves, fsdd_digits, fsdd_speakers, fsdd_takes = _load_fsdd(split, fsdd_path)
    flite_waves, flite_digits, flite_voices, flite_takes = flite_speech(
        split, "digits", path=flite_path
    )
    # FSDD's speakers come first, so the two sorted halves stay sorted end to end.
    speakers = np.concatenate([fsdd_speakers, flite_voices + len(FSDD_SPEAKERS)])
    return (
        fsdd_waves + flite_waves,
        np.concatenate([fsdd_digits, flite_digits]),
        speakers,
        np.concatenate([fsdd_takes, flite_takes]),
    )
