"""Trains the `adain_vc_fsdd_flite` preset: one-shot voice conversion by AdaIN.

Three models on the same data, epochs and scores (see `voice_common.py`):

1. the ablation, a speaker-conditioned auto-encoder with no adversary and no
   instance normalisation;
2. `AdaINVoiceConverter` on all 10 speakers (the preset; targets by name are
   the mean speaker vectors of their training takes, `enroll`);
3. the one-shot test: the same model trained without `HELD_OUT`'s clips,
   converting to that voice from a single training utterance of it.
"""

import voice_common as recipe

from keras_ae.zoo import voice_conversion as zoo

NAME = "adain_vc_fsdd_flite"
DESCRIPTION = (
    "One-shot voice conversion between spoken-digit voices (Chou et al. 2019): an "
    "instance-normalised content encoder (16 channels per 10 ms frame, with the KL term of "
    "a unit-variance Gaussian, annealed), a speaker encoder that pools one utterance into "
    "a 64-d vector, and a decoder whose AdaIN layers take that vector → log-mel → "
    "Griffin-Lim. Trained on FSDD's 6 real and flite's 4 synthetic voices. "
    "`convert(waveforms, target)` with a speaker name or a waveform of any voice."
)
HELD_OUT = "slt"  # the one-shot test's voice, fixed before any run
SETTINGS = {"kl_weight": 0.1, "kl_annealing_steps": 1000}
TRIED = (
    "Tried while choosing the recipe (9 epochs, the same scores): the KL term at weight 1.0 "
    "(the paper's code anneals to 1): 0.857 of conversions labelled as the target but only "
    "0.311 keep the digit, as the unit-variance noise drowns a content code the KL pulls "
    "towards 0 (speaker probe 0.500); at weight 0.1: 0.811, 0.559, probe 0.574 (chosen). Not "
    "reached: the speaker probe of 0.3 and 80% of digits kept."
)
EXAMPLES = [("george", "slt"), ("slt", "jackson"), ("awb", "kal16"), ("theo", "rms")]


def main():
    args = recipe.parse_args(NAME, DESCRIPTION, epochs=20)
    data = recipe.Data(args)
    judges = recipe.judges(data, args)
    speakers = recipe.SPOKEN_DIGIT_SPEAKERS
    metrics, seconds = {}, {}

    ablation = zoo.speaker_conditioned_auto_encoder(speakers)
    seconds["ablation"] = recipe.train(ablation, data.train, data, args, args.logdir,
                                       "ablation")
    metrics.update(recipe.scores(ablation, judges, data, "ablation"))

    model = zoo.adain_voice_converter(speakers, **SETTINGS)
    seconds["adain"] = recipe.train(model, data.train, data, args, args.logdir, "adain")
    model.enroll(data.train[0], data.train[2])
    metrics.update(recipe.scores(model, judges, data, "adain"))
    metrics["adain_speaker_vector_digit_probe"] = recipe.speaker_vector_probe(model, data)
    metrics["log_mel_speaker_probe"] = recipe.log_mel_probe(model, data)

    # One shot: a model that never heard HELD_OUT, given one utterance of it.
    others = [s for s in speakers if s != HELD_OUT]
    one_shot = zoo.adain_voice_converter(others, **SETTINGS)
    train_without = data.without(HELD_OUT)
    seconds["one_shot"] = recipe.train(one_shot, train_without, data, args, args.logdir,
                                       f"without_{HELD_OUT}")
    utterance = recipe.one_utterance(data, HELD_OUT)
    metrics.update(recipe.scores(one_shot, judges, data, "one_shot",
                                 targets={HELD_OUT: utterance}))

    examples = recipe.write_examples(model, data, EXAMPLES)
    extra = [
        TRIED,
        f"One-shot column: a second AdaIN model trained without `{HELD_OUT}`'s clips "
        f"(`{len(train_without[0])}` training takes of 9 voices) converts every evaluation clip "
        f"of the other voices to `{HELD_OUT}` given one training utterance of it (digit "
        f"{recipe.ONE_UTTERANCE_DIGIT}, take {recipe.ONE_UTTERANCE_TAKE}); its speaker probe is "
        "over all 10 speakers' clips.",
        "Digit probe on the speaker vector (`encode_speaker`, trained on the training takes, "
        "scored on the test takes; chance 0.1, lower is better): "
        f"{metrics['adain_speaker_vector_digit_probe']:.3f}.",
    ]
    recipe.finish(model, args, metrics, seconds, ["ablation", "adain", "one_shot"], "adain",
                  DESCRIPTION, data, examples, SETTINGS, extra)


if __name__ == "__main__":
    main()
