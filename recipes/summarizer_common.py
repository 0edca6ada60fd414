"""What the `summarizer_*` recipes share: the data as ids, the two training stages, and the
evaluation beside its baselines.

1. A word vocabulary (`keras_ae.text.learn_word_vocabulary`) of the training
   documents and the training split's human summaries.
2. Pretraining: the generator imitates the first content words of each
   document (`keras_ae.evaluation.content_word_positions`, the words of
   Lead-without-stopwords: no paired summary is used), and the
   reconstructor learns to rebuild the document from them.
3. Reinforcement (`stage="reinforce"`): self-critical REINFORCE of the
   generator against the reconstructor's log-likelihood and the
   discriminator's per-word scores; the discriminator's real summaries are
   the training split's human summaries, shuffled apart from their
   documents (unpaired). The ablation without the discriminator starts
   from the same pretrained weights.
4. ROUGE-1/2/L F1 on the test split, beside Lead-8, Lead-8 without
   stopwords and Lead-k at the model's mean summary length, the pretrained
   generator before RL and the ablation; the perplexity of the summaries
   under a word-bigram model of the training split's human summaries.
"""

import time

import common
import keras
import numpy as np

from keras_ae.evaluation import bigram_perplexity
from keras_ae.evaluation import lead
from keras_ae.evaluation import lead_without_stopwords
from keras_ae.evaluation import rouge
from keras_ae.text import learn_word_vocabulary
from keras_ae.text import words
from keras_ae.training import PlayerOptimizer
from keras_ae.zoo import summarization as zoo

PLAYERS = ("discriminator", "reconstructor", "generator")


def vocabulary(documents, summaries, size, document_length):
    return learn_word_vocabulary([words(d)[:document_length] for d in documents]
                                 + list(summaries), size)


def training_data(model, documents, summaries, seed):
    """`x` of both stages: the documents' ids, the human summaries shuffled apart from them
    (unpaired) and the pretraining targets (the first content words' positions)."""
    ids, tokens = model.document_ids(documents)
    rng = np.random.default_rng(seed)
    shuffled = [summaries[i] for i in rng.permutation(len(summaries))]
    targets = model.pretraining_targets(documents)
    keep = ids[:, 0] != 0  # documents with at least one word
    return {"documents": ids[keep], "summaries": model.summary_word_ids(shuffled)[keep],
            "targets": targets[keep]}


def optimizer(learning_rate, generator_learning_rate):
    rates = {"discriminator": learning_rate, "reconstructor": learning_rate,
             "generator": generator_learning_rate}
    return PlayerOptimizer({p: keras.optimizers.Adam(rates[p]) for p in PLAYERS})


def fit(model, x, epochs, args, label):
    """Fits `epochs` epochs of the model's stage; returns the seconds taken."""
    # REINFORCE's gradient is noisy: the policy moves at a tenth of the others' rate.
    rate = args.learning_rate if model.stage == "pretrain" else args.learning_rate / 10
    model.compile(optimizer=optimizer(args.learning_rate, rate))
    callbacks = []
    if args.logdir:
        callbacks.append(keras.callbacks.TensorBoard(f"{args.logdir}/{label}"))
    start = time.time()
    model.fit(x, batch_size=args.batch_size, epochs=epochs, shuffle=True, callbacks=callbacks,
              verbose=common.verbosity())
    seconds = time.time() - start
    print(f"{label}: {epochs} epochs in {seconds / 60:.1f} min", flush=True)
    return seconds


def scores(summaries, references, train_references):
    out = {f"{k}": v for k, v in rouge(summaries, references).items()}
    out["mean_words"] = float(np.mean([len(s.split()) for s in summaries]))
    out["perplexity"] = bigram_perplexity([words(r) for r in train_references],
                                          [words(s) for s in summaries])
    return out


def baselines(documents, references, train_references, k):
    rows = {"lead_8": lead(documents, 8), "lead_8_without_stopwords":
            lead_without_stopwords(documents, 8), f"lead_{k}": lead(documents, k)}
    return {name: scores(s, references, train_references) for name, s in rows.items()}


def print_row(name, row):
    print(f"  {name:28s} R-1 {row['rouge1']:5.1f}  R-2 {row['rouge2']:5.1f}  R-L "
          f"{row['rougeL']:5.1f}  words {row['mean_words']:4.1f}  perplexity "
          f"{row['perplexity']:8.0f}", flush=True)


def run(args, train, test, settings, pretrain_epochs, reinforce_epochs):
    """Both stages, the ablation and every score; returns (model, metrics, seconds)."""
    documents, summaries, _ = train
    test_documents, test_summaries, _ = test
    keras.utils.set_random_seed(args.seed)
    table = vocabulary(documents, summaries, settings["vocabulary_size"],
                       settings["document_length"])
    model = zoo.summarizer(table, **{k: v for k, v in settings.items()
                                     if k != "vocabulary_size"}, stage="pretrain")
    x = training_data(model, documents, summaries, args.seed)
    print(f"{len(x['documents']):,} training documents, vocabulary {len(table):,}",
          flush=True)
    rows, seconds = {}, {}
    seconds["pretrain"] = fit(model, x, pretrain_epochs, args, "pretrain")
    rows["pretrained"] = scores(model.summarize(test_documents), test_summaries, summaries)
    print_row("pretrained (before RL)", rows["pretrained"])
    pretrained = [np.array(v) for v in model.get_weights()]
    model.set_stage("reinforce")
    seconds["reinforce"] = fit(model, x, reinforce_epochs, args, "reinforce")
    rows["model"] = scores(model.summarize(test_documents), test_summaries, summaries)
    print_row("model", rows["model"])
    if reinforce_epochs and not args.train_size:
        ablation = zoo.summarizer(table, **{**{k: v for k, v in settings.items()
                                               if k != "vocabulary_size"},
                                            "discriminator_weight": 0.0})
        ablation.set_weights(pretrained)
        seconds["ablation"] = fit(ablation, x, reinforce_epochs, args, "no_discriminator")
        rows["no_discriminator"] = scores(ablation.summarize(test_documents), test_summaries,
                                          summaries)
        print_row("without the discriminator", rows["no_discriminator"])
    k = max(1, round(rows["model"]["mean_words"]))
    rows.update(baselines(test_documents, test_summaries, summaries, k))
    rows["references"] = scores(test_summaries, test_summaries, summaries)
    for name in rows:
        if name not in ("pretrained", "model", "no_discriminator"):
            print_row(name, rows[name])
    samples = list(zip(test_documents[:20], model.summarize(test_documents[:20]),
                       test_summaries[:20]))
    return model, rows, seconds, samples


LABELS = {"model": "the model (pretrained, then REINFORCE with the discriminator)",
          "no_discriminator": "ablation: REINFORCE without the discriminator",
          "pretrained": "ablation: the pretrained generator, before RL",
          "lead_8": "Lead-8", "lead_8_without_stopwords": "Lead-8 without stopwords",
          "references": "the human summaries themselves"}


def finish(model, args, rows, seconds, samples, description, data, settings, notes=()):
    """Writes the preset with its card (the ROUGE table, what was tried, 20 samples) and
    prints the metrics."""
    metrics = {f"{name}_{key}": round(value, 4) for name, row in rows.items()
               for key, value in row.items()}
    table = ["| summaries | ROUGE-1 | ROUGE-2 | ROUGE-L | words | bigram perplexity |",
             "| --- | --- | --- | --- | --- | --- |"]
    for name, row in rows.items():
        label = LABELS.get(name, name.replace("_", "-").replace("lead-", "Lead-")
                           + " (the model's mean length)")
        table.append(f"| {label} | {row['rouge1']:.1f} | {row['rouge2']:.1f} | "
                     f"{row['rougeL']:.1f} | {row['mean_words']:.1f} | "
                     f"{row['perplexity']:.0f} |")
    sample_lines = ["| document (start) | summary | human summary |", "| --- | --- | --- |"]
    for document, summary, reference in samples:
        start = " ".join(document.split()[:25]).replace("|", "/")
        sample_lines.append(f"| {start} … | {summary.replace('|', '/')} | "
                            f"{reference.replace('|', '/')} |")
    minutes = ", ".join(f"{k} {v / 60:.1f}" for k, v in seconds.items())
    card = [
        "ROUGE F1 ×100 (`keras_ae.evaluation.rouge`, rouge-score, stemmed) on the test split "
        "against the human summaries; bigram perplexity under an add-one word-bigram model "
        f"of the training split's human summaries. Minutes of training: {minutes}.",
        "\n".join(table),
        f"Settings: {settings}.",
        *notes,
        "Twenty test documents, their summaries and the human ones:",
        "\n".join(sample_lines),
    ]
    return common.finish(model, args, metrics, sum(seconds.values()), description, card,
                         data=data, input_shape=None,
                         evaluated_on="the test split, against the human summaries")
