"""Trains the `adversarial_vc_fsdd_flite` preset: voice conversion by an adversary.

Three models on the same 10 speakers' training takes, the same epochs and
the same scores (see `voice_common.py`):

1. the ablation, a speaker-conditioned auto-encoder with no adversary and no
   instance normalisation (`zoo.voice_conversion.speaker_conditioned_auto_encoder`);
2. `AdversarialVoiceConverter` in `"alternating"` mode, the paper's method
   (the preset);
3. the same in `"reversal"` mode (one step through `GradientReversal`).
"""

import voice_common as recipe

from keras_ae.zoo import voice_conversion as zoo

NAME = "adversarial_vc_fsdd_flite"
DESCRIPTION = (
    "Voice conversion between 10 speakers of spoken digits (FSDD's 6 real voices, flite's 4 "
    "synthetic ones) by an adversarially disentangled content code (Chou et al. 2018): "
    "log-mel frames → an instance-normalised content code of 16 channels per 10 ms frame, "
    "which a speaker classifier learns to read and the encoder learns to hide the speaker "
    "from → a decoder given a learned embedding of the target speaker → log-mel → "
    "Griffin-Lim. `convert(waveforms, target_name)`."
)
# Scaled from the paper's code (5 classifier steps per step, λ ramped from 0
# to 0.01 over 50k iterations) to what fits in 30 minutes here.
ADVERSARIAL = {"adversarial_weight": 0.1, "ramp_steps": 500, "classifier_steps": 5}
EXAMPLES = [("george", "slt"), ("slt", "jackson"), ("awb", "kal16"), ("theo", "rms")]


def main():
    args = recipe.parse_args(NAME, DESCRIPTION, epochs=20)
    data = recipe.Data(args)
    judges = recipe.judges(data, args)
    metrics, seconds = {}, {}
    models = {
        "ablation": zoo.speaker_conditioned_auto_encoder(recipe.SPOKEN_DIGIT_SPEAKERS),
        "alternating": zoo.adversarial_voice_converter(
            recipe.SPOKEN_DIGIT_SPEAKERS, "alternating", **ADVERSARIAL),
        "reversal": zoo.adversarial_voice_converter(
            recipe.SPOKEN_DIGIT_SPEAKERS, "reversal",
            **{k: v for k, v in ADVERSARIAL.items() if k != "classifier_steps"}),
    }
    for label, model in models.items():
        seconds[label] = recipe.train(model, data.train, data, args, args.logdir, label)
        metrics.update(recipe.scores(model, judges, data, label))
    metrics["log_mel_speaker_probe"] = recipe.log_mel_probe(models["alternating"], data)
    print(f"speaker probe on mean-pooled log-mel: {metrics['log_mel_speaker_probe']:.3f}")
    model = models["alternating"]
    examples = recipe.write_examples(model, data, EXAMPLES)
    recipe.finish(model, args, metrics, seconds, ["ablation", "alternating", "reversal"],
                  "alternating", DESCRIPTION, data, examples, ADVERSARIAL)


if __name__ == "__main__":
    main()
