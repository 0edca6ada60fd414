"""Trains the `summarizer_debian` preset: Debian package descriptions summarized as a
synopsis, with no paired data (see `summarizer_common.py` for the stages and the
evaluation)."""

import common
import summarizer_common as recipe

from keras_ae.data import debian_descriptions

NAME = "summarizer_debian"
DESCRIPTION = (
    "Seq2Seq2SeqSummarizer (Wang & Lee 2018) on Debian's package descriptions: an ordered "
    "pointer writes a summary of 8 words of the description, a reconstructor rebuilds "
    "the description from it, and a discriminator trained on the synopses of other packages "
    "(unpaired) scores it word by word; the pointer learns by self-critical REINFORCE.")
SETTINGS = {"vocabulary_size": 4000, "document_length": 40, "max_length": 8, "min_length": 8,
            "embedding_dim": 64, "units": 128, "discriminator_weight": 0.3, "gamma": 0.3,
            "discriminator_steps": 3, "entropy_weight": 0.01}
PRETRAIN_EPOCHS = 2


def main():
    args = common.parse_args(NAME, epochs=2, description=DESCRIPTION, learning_rate=1e-3,
                             batch_size=64, data_help="the folder holding debian-descriptions/")
    path = None if args.data is None else f"{args.data}/debian-descriptions"
    train = debian_descriptions("train", path=path)
    test = debian_descriptions("test", path=path)
    if args.train_size:
        train = tuple(part[:args.train_size] for part in train)
    if args.test_size:
        test = tuple(part[:args.test_size] for part in test)
    model, rows, seconds, samples = recipe.run(args, train, test, SETTINGS, PRETRAIN_EPOCHS,
                                               args.epochs)
    data = (f"Debian bookworm package descriptions (`keras_ae.data.debian_descriptions`): "
            f"{len(train[0]):,} training descriptions, their synopses shuffled apart from them "
            f"for the discriminator; {len(test[0]):,} test descriptions (crc32 of the package "
            "name % 20 == 0) with their synopses, used only to score")
    recipe.finish(model, args, rows, seconds, samples, DESCRIPTION, data, SETTINGS)


if __name__ == "__main__":
    main()
