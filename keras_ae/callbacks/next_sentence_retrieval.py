import keras

from keras_ae._checks import check_int
from keras_ae.evaluation.next_sentence_retrieval import next_sentence_retrieval


class NextSentenceRetrieval(keras.callbacks.Callback):
    """Scores next-sentence retrieval on a held-out book at the end of epochs.

    Runs `keras_ae.evaluation.next_sentence_retrieval` with the model's
    `encode` (or `encode`) and adds the result to the epoch's logs as
    `<prefix>_top1` and `<prefix>_mrr`, so that callbacks after this one in
    the list see them: `keras.callbacks.EarlyStopping(monitor=
    "val_next_sentence_mrr", mode="max", restore_best_weights=True)` stops
    on it, and `keras.callbacks.TensorBoard` plots it (a `val_` prefix puts
    it beside the validation losses). Put this callback before them.

    Args:
        sentences: the held-out book, a list of strings in reading order
            (not a book the score is reported on: it chooses the epoch).
        prefix: str, the name of the logged values.
        queries, candidates, seed: as in `next_sentence_retrieval`
            (`queries` is capped at `len(sentences) - 1`).
        encode: optional callable, sentences → `(n, dim)`. Defaults to the
            model's `encode`.
        every_n_epochs: int >= 1; other epochs log nothing (EarlyStopping
            then warns that the value is missing, so use 1 with it).
        verbose: bool, print the scores every time.

    Example:

    >>> import keras_ae
    >>> callback = keras_ae.callbacks.NextSentenceRetrieval(
    ...     [f"line {i} ." for i in range(200)], queries=50)
    """

    def __init__(self, sentences, prefix="val_next_sentence", queries=1000, candidates=100,
                 seed=0, encode=None, every_n_epochs=1, verbose=False):
        super().__init__()
        if isinstance(sentences, str) or not hasattr(sentences, "__len__") or \
                len(sentences) < 2:
            raise ValueError("`sentences` must be a list of at least 2 sentences in reading "
                             f"order. Received: {sentences!r:.80}")
        if not isinstance(prefix, str) or not prefix:
            raise ValueError(f"`prefix` must be a non-empty string. Received: prefix={prefix!r}")
        every_n_epochs = check_int("every_n_epochs", every_n_epochs, 1)
        if encode is not None and not callable(encode):
            raise ValueError(f"`encode` must be None or callable. Received: {encode!r}")
        self.sentences = list(sentences)
        self.prefix = prefix
        self.queries = min(queries, len(self.sentences) - 1) if isinstance(queries, int) \
            else queries
        self.candidates = candidates
        self.seed = seed
        self.encode = encode
        self.every_n_epochs = every_n_epochs
        self.verbose = verbose
        self.history = []

    def score(self):
        """`{"top1", "mrr"}` of the model now."""
        encode = self.encode or getattr(self.model, "encode", None)
        if encode is None:
            raise ValueError("The model has no `encode` method: pass `encode=`.")
        return next_sentence_retrieval(encode, self.sentences, queries=self.queries,
                                       candidates=self.candidates, seed=self.seed)

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every_n_epochs:
            return
        scores = self.score()
        self.history.append((epoch, scores))
        if logs is not None:
            logs[f"{self.prefix}_top1"] = scores["top1"]
            logs[f"{self.prefix}_mrr"] = scores["mrr"]
        if self.verbose:
            print(f"\nEpoch {epoch + 1}: {self.prefix} top-1 {scores['top1']:.3f}, "
                  f"MRR {scores['mrr']:.3f}", flush=True)
