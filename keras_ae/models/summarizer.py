import keras
import numpy as np
from keras import ops

from keras_ae._checks import check_int
from keras_ae._checks import check_number
from keras_ae.losses import discounted_returns
from keras_ae.losses import reinforce_loss
from keras_ae.losses import self_critical_advantage
from keras_ae.presets import PresetMixin
from keras_ae.text import content_word_positions
from keras_ae.text import word_ids
from keras_ae.text import words
from keras_ae.training import Player
from keras_ae.training import PlayerTraining

STAGES = ("pretrain", "reinforce")


@keras.saving.register_keras_serializable(package="keras_ae")
class Seq2Seq2SeqSummarizer(PlayerTraining, PresetMixin, keras.Model):
    """A document auto-encoder whose code is a word sequence, read as a summary.

    Wang & Lee 2018 ("Learning to encode text as human-readable summaries
    using generative adversarial networks", arXiv 1810.02851): a generator
    writes a short word sequence from a document, a reconstructor must
    rebuild the document from that sequence alone, and a discriminator,
    trained on human-written summaries that are *not* paired with the
    documents, scores each word of the sequence as human-like or not. The
    words are discrete, so the generator learns by REINFORCE.

    Three players move in each training step, in this order:

    1. `discriminator` (`discriminator_steps` updates): binary cross
       entropy of its per-word logits, real summaries (`x["summaries"]`)
       against the generator's sampled summaries.
    2. `reconstructor`: the negative log-likelihood of the document given
       a summary, teacher-forced: in `"reinforce"` the sampled summary, in
       `"pretrain"` the target summary `x["targets"]`.
    3. `generator`: in `"reinforce"`, self-critical REINFORCE (Rennie et al.
       2017): a summary is sampled and a greedy one decoded; each word's
       return is the reconstructor's mean log-likelihood of the document
       given the summary plus `discriminator_weight` times the
       discriminator's per-word logits (`log D − log(1 − D)`, 0 where it
       cannot tell: a reward of `log D` is always negative and teaches the
       generator to stop early) discounted by `gamma` along the summary;
       the advantage is the sample's return minus the greedy summary's,
       and the loss is `keras_ae.losses.reinforce_loss` minus
       `entropy_weight` times the policy's mean entropy. In
       `"pretrain"`, it imitates the target positions `x["targets"]` (a
       heuristic summary with no paired data: `pretraining_targets` gives
       the first content words), by maximum likelihood.

    `fit` takes `x` as a dict: `"documents"`, int ids `(batch,
    document_length)` (see `document_ids`); `"summaries"`, int ids `(batch,
    summary_length)` of human summaries drawn apart from the documents
    (unpaired); and in `"pretrain"`, `"targets"`, int positions `(batch,
    max_length)` into the documents, increasing, ended by
    `document_length`. `y` is not used. Change `stage` with `set_stage`
    and compile again.

    Logs: `reconstruction_loss`; `reward_reconstruction` (the sampled
    summary's mean log-likelihood of its document) and
    `reward_discriminator` (its mean per-word logit),
    `advantage` (mean over words), `generator_entropy`, `summary_length`
    (words per sampled summary); `discriminator_loss` and
    `discriminator_accuracy` (per word, real and generated); in
    `"pretrain"`, `imitation_loss`.

    Args:
        generator: a layer with the interface of
            `keras_ae.layers.OrderedPointer`: `generator(document_ids,
            document_mask, actions=None, greedy=False, training=...)`
            returning a dict of `actions`, `log_probs`, `entropy` and `mask`,
            `(batch, max_length)`, and a `max_length` attribute.
        reconstructor: a Keras model `[summary_ids, summary_mask,
            decoder_ids, decoder_mask] -> logits`, `(batch, document_length,
            vocabulary size)`; `decoder_ids` are the document's ids shifted
            right by one (0 first). It must be causal in `decoder_ids`.
        discriminator: a Keras model `[summary_ids, summary_mask] ->
            logits`, `(batch, summary_length)`, one per word, causal (a
            word's score reads only the words up to it).
        vocabulary: the word list the ids index: `""` (0, padding) and
            `"[UNK]"` (1) first, as `keras_ae.text.learn_word_vocabulary`
            makes.
        document_length: int >= 1, the words of a document the model reads;
            longer documents are cut (`summarize` says so in its
            docstring).
        stage: `"pretrain"` or `"reinforce"`.
        discriminator_weight: float >= 0, λ of the discriminator's reward;
            0 is the ablation without a discriminator (it still trains and
            logs its accuracy, but gives no reward).
        gamma: float in [0, 1], the discount of the discriminator's
            per-word rewards along the summary. Defaults to 0.3, the
            reference code's.
        discriminator_steps: int >= 1, the discriminator's updates per
            batch. Defaults to 3, the reference code's.
        entropy_weight: float >= 0, the weight of the generator's entropy
            bonus.
        **kwargs: `keras.Model` arguments such as `name`.
    """

    builds_itself = True

    def __init__(self, generator, reconstructor, discriminator, vocabulary, document_length=64,
                 stage="reinforce", discriminator_weight=1.0, gamma=0.3, discriminator_steps=3,
                 entropy_weight=0.0, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(vocabulary, (list, tuple)) or len(vocabulary) < 3 or not all(
                isinstance(w, str) for w in vocabulary) or list(vocabulary[:2]) != ["", "[UNK]"]:
            raise ValueError(
                '`vocabulary` must be a list of str starting with "" (padding) and "[UNK]". '
                f"Received: {str(vocabulary)[:80]}")
        if stage not in STAGES:
            raise ValueError(f"`stage` must be one of {STAGES}. Received: stage={stage!r}")
        discriminator_weight = check_number("discriminator_weight", discriminator_weight, low=0)
        gamma = check_number("gamma", gamma, 0, 1)
        entropy_weight = check_number("entropy_weight", entropy_weight, low=0)
        document_length = check_int("document_length", document_length, 1)
        discriminator_steps = check_int("discriminator_steps", discriminator_steps, 1)
        for name, network in (("reconstructor", reconstructor), ("discriminator", discriminator)):
            if not isinstance(network, keras.Model):
                raise ValueError(f"`{name}` must be a keras.Model. Received: {network!r}")
        if not isinstance(generator, keras.layers.Layer) or not hasattr(generator, "max_length"):
            raise ValueError("`generator` must be a layer like keras_ae.layers.OrderedPointer, "
                             f"with a `max_length`. Received: {generator!r}")
        self.generator = generator
        self.reconstructor = reconstructor
        self.discriminator = discriminator
        self.vocabulary = list(vocabulary)
        self._index = {w: i for i, w in enumerate(self.vocabulary)}
        self.document_length = document_length
        self.stage = stage
        self.discriminator_weight = discriminator_weight
        self.gamma = gamma
        self.discriminator_steps = discriminator_steps
        self.entropy_weight = entropy_weight
        if not self.generator.built:
            self.generator.build((None, self.document_length))
        names = ("reconstruction_loss", "reward_reconstruction", "reward_discriminator",
                 "advantage", "generator_entropy", "summary_length", "discriminator_loss",
                 "discriminator_accuracy", "imitation_loss")
        self.trackers = {name: keras.metrics.Mean(name=name) for name in names}
        self.built = True

    @property
    def max_length(self):
        """The most words of a summary."""
        return self.generator.max_length

    def set_stage(self, stage):
        """Switches between `"pretrain"` and `"reinforce"`; compile again before `fit`."""
        if stage not in STAGES:
            raise ValueError(f"`stage` must be one of {STAGES}. Received: stage={stage!r}")
        self.stage = stage
        self.train_function = self.test_function = self.predict_function = None

    def players(self):
        return [
            Player("discriminator", [self.discriminator], self._discriminator_loss,
                   steps=self.discriminator_steps),
            Player("reconstructor", [self.reconstructor], self._reconstructor_loss),
            Player("generator", [self.generator], self._generator_loss),
        ]

    def call(self, inputs, training=False):
        """The greedy summary's positions into the documents, `(batch, max_length)`
        (`document_length` for the end and after it)."""
        documents = inputs["documents"] if isinstance(inputs, dict) else inputs
        documents = ops.cast(documents, "int32")
        return self.generator(documents, ops.cast(documents != 0, "float32"), greedy=True,
                              training=False)["actions"]

    # The pieces of the step.

    def summary_ids(self, documents, actions):
        """The ids of the words at `actions` (0 where the summary has ended), and their
        mask."""
        length = ops.shape(documents)[1]
        picked = ops.take_along_axis(documents, ops.minimum(actions, length - 1), axis=1)
        mask = ops.cast(actions < length, "float32")
        return ops.cast(picked, "int32") * ops.cast(mask, "int32"), mask

    def log_likelihood(self, summary, summary_mask, documents, training=False):
        """The reconstructor's mean log-likelihood of each document's words, `(batch,)`."""
        decoder_ids = ops.pad(documents[:, :-1], [[0, 0], [1, 0]])
        mask = ops.cast(documents != 0, "float32")
        logits = self.reconstructor([summary, summary_mask, decoder_ids, mask],
                                    training=training)
        log_p = ops.log_softmax(ops.cast(logits, "float32"), axis=-1)
        taken = ops.take_along_axis(log_p, ops.cast(documents, "int32")[:, :, None], axis=2)
        return ops.sum(taken[:, :, 0] * mask, axis=1) / ops.maximum(ops.sum(mask, axis=1), 1.0)

    def word_scores(self, summary, summary_mask, training=False):
        """The discriminator's per-word logits, `(batch, summary_length)`."""
        return ops.cast(self.discriminator([summary, summary_mask], training=training),
                        "float32")

    def _documents(self, x, shared):
        if "documents" not in shared:
            if not isinstance(x, dict) or "documents" not in x:
                raise ValueError('`x` must be a dict with "documents" (and "summaries"). '
                                 f"Received: {type(x).__name__}")
            shared["documents"] = ops.cast(x["documents"], "int32")
        return shared["documents"]

    def _targets(self, x):
        if "targets" not in x:
            raise ValueError('In the "pretrain" stage `x` must hold "targets": positions into '
                             "the documents for the generator to imitate.")
        return ops.cast(x["targets"], "int32")

    def _sample(self, x, shared):
        documents = self._documents(x, shared)
        if "sample" not in shared:
            mask = ops.cast(documents != 0, "float32")
            sample = self.generator(documents, mask, training=False)
            shared["sample"] = ops.stop_gradient(sample["actions"])
        return shared["sample"]

    def _discriminator_loss(self, x, y, sample_weight, training, shared):
        documents = self._documents(x, shared)
        if "summaries" not in x:
            raise ValueError('`x` must hold "summaries": human summaries (unpaired) for the '
                             "discriminator.")
        real = ops.cast(x["summaries"], "int32")
        real_mask = ops.cast(real != 0, "float32")
        fake, fake_mask = self.summary_ids(documents, self._sample(x, shared))
        real_logits = self.word_scores(real, real_mask, training)
        fake_logits = self.word_scores(fake, fake_mask, training)

        def mean(values, mask):
            return ops.sum(values * mask) / ops.maximum(ops.sum(mask), 1.0)

        # −log σ(real) − log σ(−fake), per word.
        loss = (mean(ops.softplus(-real_logits), real_mask)
                + mean(ops.softplus(fake_logits), fake_mask))
        right = (mean(ops.cast(real_logits > 0, "float32"), real_mask)
                 + mean(ops.cast(fake_logits <= 0, "float32"), fake_mask)) / 2
        self.trackers["discriminator_loss"].update_state(loss)
        self.trackers["discriminator_accuracy"].update_state(right)
        return loss

    def _reconstructor_loss(self, x, y, sample_weight, training, shared):
        documents = self._documents(x, shared)
        if self.stage == "pretrain":
            actions = self._targets(x)
        else:
            actions = self._sample(x, shared)
        summary, mask = self.summary_ids(documents, actions)
        loss = -ops.mean(self.log_likelihood(summary, mask, documents, training))
        self.trackers["reconstruction_loss"].update_state(loss)
        return loss

    def _generator_loss(self, x, y, sample_weight, training, shared):
        documents = self._documents(x, shared)
        mask = ops.cast(documents != 0, "float32")
        if self.stage == "pretrain":
            forced = self.generator(documents, mask, actions=self._targets(x),
                                    training=training)
            loss = -ops.mean(ops.sum(forced["log_probs"], axis=1))
            self.trackers["imitation_loss"].update_state(loss)
            self._track_policy(forced, mask)
            return loss
        actions = self._sample(x, shared)
        greedy = self.generator(documents, mask, greedy=True, training=False)
        forced = self.generator(documents, mask, actions=actions, training=training)
        sample_return, parts = self._returns(documents, actions, forced["mask"])
        greedy_return, _ = self._returns(documents, ops.stop_gradient(greedy["actions"]),
                                         ops.stop_gradient(greedy["mask"]))
        advantage = self_critical_advantage(sample_return, greedy_return) * forced["mask"]
        entropy = ops.sum(forced["entropy"]) / ops.maximum(ops.sum(forced["mask"]), 1.0)
        loss = reinforce_loss(forced["log_probs"], advantage, forced["mask"]) \
            - self.entropy_weight * entropy
        self.trackers["reward_reconstruction"].update_state(ops.mean(parts[0]))
        self.trackers["reward_discriminator"].update_state(parts[1])
        self.trackers["advantage"].update_state(
            ops.sum(advantage) / ops.maximum(ops.sum(forced["mask"]), 1.0))
        self._track_policy(forced, mask)
        return loss

    def _track_policy(self, out, mask):
        length = ops.shape(mask)[1]
        words_out = ops.sum(ops.cast(out["actions"] < length, "float32"), axis=1)
        self.trackers["summary_length"].update_state(ops.mean(words_out))
        self.trackers["generator_entropy"].update_state(
            ops.sum(out["entropy"]) / ops.maximum(ops.sum(out["mask"]), 1.0))

    def _returns(self, documents, actions, steps):
        """Each step's return `(batch, max_length)` (0 after the end), and the parts:
        the reconstruction reward `(batch,)` and the mean discriminator score."""
        summary, word_mask = self.summary_ids(documents, actions)
        summary = ops.stop_gradient(summary)
        reconstruction = ops.stop_gradient(self.log_likelihood(summary, word_mask, documents))
        # The logit, log D − log(1 − D): 0 where the discriminator cannot tell, so a reward
        # summed over words does not by itself push summaries longer or shorter (log D,
        # always negative, teaches the generator to stop early).
        scores = ops.stop_gradient(self.word_scores(summary, word_mask))
        mean_score = ops.sum(scores * word_mask) / ops.maximum(ops.sum(word_mask), 1.0)
        rewards = self.discriminator_weight * scores * word_mask
        returns = discounted_returns(rewards, self.gamma, steps) + reconstruction[:, None] * steps
        return returns, (reconstruction, mean_score)

    # Text in, text out.

    def document_ids(self, documents):
        """Documents (str) as `(ids (batch, document_length) int32, their words)`; each
        document's words are cut to `document_length`."""
        tokens = [words(d)[:self.document_length] for d in documents]
        return word_ids(tokens, self._index, self.document_length), tokens

    def pretraining_targets(self, documents):
        """The positions the generator imitates in the `"pretrain"` stage, from text alone.

        Each document's first content words (neither stopwords nor
        punctuation: the words of `keras_ae.evaluation.
        lead_without_stopwords`), at most `max_length`; when they are fewer
        than the generator's `min_length` (or than the document's words),
        the earliest other words are added, in the document's order, so the
        targets are a path the generator can take.

        Args:
            documents: a list of str.

        Returns:
            int32 `(len(documents), max_length)`: positions, then
            `document_length` (the end) after the last.
        """
        _, tokens = self.document_ids(documents)
        owed = getattr(self.generator, "min_length", 0)
        targets = np.full((len(tokens), self.max_length), self.document_length, "int32")
        for row, words_of in enumerate(tokens):
            picked = content_word_positions(words_of, self.max_length)
            need = min(owed, len(words_of))
            others = (i for i in range(len(words_of)) if i not in set(picked))
            while len(picked) < need:
                picked.append(next(others))
            picked = sorted(picked)
            targets[row, :len(picked)] = picked
        return targets

    def summary_word_ids(self, summaries, length=None):
        """Human summaries (str) as int32 ids `(batch, length)` (default `max_length`)."""
        return word_ids([words(s) for s in summaries], self._index, length or self.max_length)

    def summarize(self, documents, batch_size=64, max_length=None, beam_width=1):
        """Summaries of documents: greedy, or by beam search.

        Each document is cut to its first `document_length` words (the
        words ROUGE scores: `keras_ae.text.words`); the summary is made of
        those words, in their order.

        Args:
            documents: a non-empty list of str, each with at least one word.
            batch_size: int >= 1.
            max_length: int in [1, the generator's `max_length`], or None
                for the generator's: summaries are cut to it.
            beam_width: int >= 1: 1 decodes greedily (the most probable word
                at each step, as in training's self-critical baseline);
                more keeps that many candidates per document and returns
                the most probable summary found (the generator's
                `beam_search`).

        Returns:
            A list of str, one summary per document.
        """
        if isinstance(documents, str) or not isinstance(documents, (list, tuple)) \
                or not documents:
            raise ValueError("`documents` must be a non-empty list of str. Received: "
                             f"{type(documents).__name__}")
        batch_size = check_int("batch_size", batch_size, 1)
        if max_length is None:
            max_length = self.max_length
        max_length = check_int("max_length", max_length, 1, self.max_length)
        beam_width = check_int("beam_width", beam_width, 1)
        if beam_width > 1 and not hasattr(self.generator, "beam_search"):
            raise ValueError(f"beam_width={beam_width} needs a generator with a `beam_search` "
                             f"method; {type(self.generator).__name__} has none. Use "
                             "beam_width=1.")
        for i, document in enumerate(documents):
            if not isinstance(document, str):
                raise ValueError(f"`documents[{i}]` must be a str. Received: "
                                 f"{type(document).__name__}")
            if not words(document):
                raise ValueError(f"`documents[{i}]` has no words to summarize. Received: "
                                 f"{document[:60]!r}")
        summaries = []
        for start in range(0, len(documents), batch_size):
            ids, tokens = self.document_ids(documents[start:start + batch_size])
            if beam_width == 1:
                actions = self(ops.convert_to_tensor(ids))
            else:
                actions = self.generator.beam_search(ops.convert_to_tensor(ids),
                                                     beam_width=beam_width)["actions"]
            actions = np.asarray(ops.convert_to_numpy(actions))
            for row, words_of in zip(actions, tokens):
                picked = [words_of[p] for p in row if p < len(words_of)][:max_length]
                summaries.append(" ".join(picked))
        return summaries

    @property
    def metrics(self):
        return list(self.trackers.values())

    def get_config(self):
        return {
            **super().get_config(),
            "generator": keras.saving.serialize_keras_object(self.generator),
            "reconstructor": keras.saving.serialize_keras_object(self.reconstructor),
            "discriminator": keras.saving.serialize_keras_object(self.discriminator),
            "vocabulary": self.vocabulary,
            "document_length": self.document_length,
            "stage": self.stage,
            "discriminator_weight": self.discriminator_weight,
            "gamma": self.gamma,
            "discriminator_steps": self.discriminator_steps,
            "entropy_weight": self.entropy_weight,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in ("generator", "reconstructor", "discriminator"):
            config[key] = keras.saving.deserialize_keras_object(config[key])
        return cls(**config)
