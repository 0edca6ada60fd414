"""WordPiece tokenization with tensorflow-text, as a Keras layer."""

import keras
import numpy as np

from keras_ae._checks import check_int

PADDING_TOKEN = "[PAD]"
UNKNOWN_TOKEN = "[UNK]"
SUFFIX_INDICATOR = "##"


def _normalize(strings, lowercase):
    """BERT's text normalisation: case folding, NFD, accents removed."""
    import tensorflow as tf
    import tensorflow_text as tf_text

    if not lowercase:
        return strings
    strings = tf_text.case_fold_utf8(strings)
    strings = tf_text.normalize_utf8(strings, "NFD")
    return tf.strings.regex_replace(strings, r"\p{Mn}", "")


def learn_wordpiece_vocabulary(sentences, vocabulary_size=8000, lowercase=True,
                               reserved_tokens=(PADDING_TOKEN, UNKNOWN_TOKEN)):
    """Learns a WordPiece vocabulary from a corpus, with tensorflow-text.

    The words (text split on whitespace and punctuation, after BERT's
    normalisation when `lowercase`) are broken into the subwords that cover
    the corpus best within `vocabulary_size` entries, the algorithm of
    `tensorflow_text`'s `bert_vocab_from_dataset`. Word-initial pieces are
    plain, continuations start with `##`; every single character seen is
    kept, so no word of the corpus is unknown.

    Args:
        sentences: a list of strings, or a `tf.data.Dataset` of string
            tensors.
        vocabulary_size: int, the largest vocabulary wanted (the learned one
            can be smaller when the corpus is small).
        lowercase: bool, normalise as BERT's uncased models do (case folding,
            accents removed). Use the same value in `WordPieceTokenizer`.
        reserved_tokens: tokens placed first, in this order. The first must
            be the padding token `"[PAD]"` (id 0) and `"[UNK]"` must be
            present.

    Returns:
        The vocabulary, a list of strings: `reserved_tokens` first.

    Example:

    >>> from keras_ae.text import learn_wordpiece_vocabulary
    >>> vocabulary = learn_wordpiece_vocabulary(["the cat sat", "the cats sat down"], 40)
    >>> vocabulary[:2], all(letter in vocabulary for letter in "thecasdown")
    (['[PAD]', '[UNK]'], True)
    """
    import tensorflow as tf
    from tensorflow_text.tools.wordpiece_vocab import bert_vocab_from_dataset

    # One more than the reserved tokens, or there is no room for a word.
    vocabulary_size = check_int("vocabulary_size", vocabulary_size, len(reserved_tokens) + 1)
    reserved_tokens = list(reserved_tokens)
    if not reserved_tokens or reserved_tokens[0] != PADDING_TOKEN or UNKNOWN_TOKEN not in \
            reserved_tokens:
        raise ValueError(
            f"`reserved_tokens` must start with {PADDING_TOKEN!r} (id 0, the padding) and "
            f"hold {UNKNOWN_TOKEN!r}. Received: reserved_tokens={reserved_tokens!r}"
        )
    if isinstance(sentences, tf.data.Dataset):
        dataset = sentences
    else:
        sentences = _check_strings(sentences, "sentences")
        dataset = tf.data.Dataset.from_tensor_slices(sentences).batch(1024)
    return bert_vocab_from_dataset.bert_vocab_from_dataset(
        dataset.prefetch(2),
        vocab_size=vocabulary_size,
        reserved_tokens=reserved_tokens,
        bert_tokenizer_params={"lower_case": lowercase},
        learn_params={},
    )


@keras.saving.register_keras_serializable(package="keras_ae")
class WordPieceTokenizer(keras.layers.Layer):
    """Strings → WordPiece ids, `(batch, sequence_length)`, 0 for padding.

    Text is normalised as BERT does when `lowercase` (case folding, NFD,
    accents removed), split on whitespace and punctuation, and each word is
    cut into the longest pieces of `vocabulary` (tensorflow-text's
    `FastWordpieceTokenizer`); a word that cannot be cut becomes `[UNK]`.
    Ids are int32, truncated to `sequence_length` and padded with 0 (the
    `[PAD]` token), ready for `keras.layers.Embedding(mask_zero=True)`.

    The vocabulary is part of the layer's config, so a saved model or preset
    holding the layer takes raw strings and travels with its vocabulary.

    Tokenization runs TensorFlow ops: the layer works in a `tf.data`
    pipeline on every backend, and inside a model on the TensorFlow backend
    (with `keras.Input(shape=(), dtype="string")`). Called eagerly on another
    backend it returns that backend's int tensors.

    Args:
        vocabulary: list of strings (e.g. from `learn_wordpiece_vocabulary`),
            `"[PAD]"` first, `"[UNK]"` somewhere, continuation pieces
            starting with `##`.
        sequence_length: int >= 1, or None to pad each batch to its longest
            sentence.
        lowercase: bool, as when the vocabulary was learned.
        **kwargs: base layer keyword arguments, such as `name`.

    Call arguments:
        inputs: strings, `(batch,)`: a list, a numpy array or a tf tensor.

    Returns:
        int32 ids, `(batch, sequence_length)`.

    Example:

    >>> import numpy as np
    >>> from keras_ae.text import WordPieceTokenizer
    >>> tokenizer = WordPieceTokenizer(["[PAD]", "[UNK]", "the", "cat", "##s", "sat"],
    ...                                sequence_length=5)
    >>> np.asarray(tokenizer(["The cats sat"])).tolist()
    [[2, 3, 4, 5, 0]]
    >>> tokenizer.detokenize([[2, 3, 4, 5, 0]])
    ['the cats sat']
    """

    def __init__(self, vocabulary, sequence_length=None, lowercase=True, **kwargs):
        kwargs.setdefault("dtype", "int32")
        super().__init__(**kwargs)
        vocabulary = _check_strings(vocabulary, "vocabulary", allow_empty=False)
        if vocabulary[0] != PADDING_TOKEN or UNKNOWN_TOKEN not in vocabulary:
            raise ValueError(
                f"`vocabulary` must start with {PADDING_TOKEN!r} (id 0) and hold "
                f"{UNKNOWN_TOKEN!r}. Received the first entries: {vocabulary[:5]!r}"
            )
        if len(set(vocabulary)) != len(vocabulary):
            seen, repeated = set(), None
            for token in vocabulary:
                if token in seen:
                    repeated = token
                    break
                seen.add(token)
            raise ValueError(f"`vocabulary` holds {repeated!r} more than once.")
        self.vocabulary = list(vocabulary)
        self.sequence_length = check_int("sequence_length", sequence_length, 1, allow_none=True)
        self.lowercase = bool(lowercase)
        self._convert_input_args = False
        self._allow_non_tensor_positional_args = True
        self._tokenizer = None
        self.built = True

    @property
    def vocabulary_size(self):
        return len(self.vocabulary)

    def _fast_tokenizer(self):
        # Built lazily and kept out of Keras' tracking (it holds a TF model buffer).
        if self._tokenizer is None:
            import tensorflow as tf
            import tensorflow_text as tf_text

            # Eagerly, outside any tf.function being traced: the tokenizer's
            # model buffer is a constant that later graphs must be able to use.
            with tf.init_scope():
                tokenizer = tf_text.FastWordpieceTokenizer(
                    vocab=self.vocabulary, suffix_indicator=SUFFIX_INDICATOR,
                    unknown_token=UNKNOWN_TOKEN, token_out_type=tf.int32,
                    no_pretokenization=False, support_detokenization=True)
            object.__setattr__(self, "_tokenizer", tokenizer)
        return self._tokenizer

    def tokenize(self, inputs):
        """Ragged int32 ids `(batch, None)`, a `tf.RaggedTensor` (no padding)."""
        import tensorflow as tf

        strings = tf.convert_to_tensor(_as_string_array(inputs), tf.string)
        if strings.shape.rank != 1:
            raise ValueError(
                f"`inputs` must be a batch of strings, shape (batch,). "
                f"Received: shape={tuple(strings.shape)}")
        ids = self._fast_tokenizer().tokenize(_normalize(strings, self.lowercase))
        if self.sequence_length is not None:
            ids = ids[:, : self.sequence_length]
        return ids

    def call(self, inputs):
        import tensorflow as tf

        ids = self.tokenize(inputs)
        shape = None if self.sequence_length is None else [None, self.sequence_length]
        dense = ids.to_tensor(default_value=0, shape=shape)
        if keras.backend.backend() == "tensorflow" or not tf.executing_eagerly():
            return dense
        return keras.ops.convert_to_tensor(dense.numpy())

    def compute_output_spec(self, inputs):
        batch = inputs.shape[0] if inputs.shape else None
        return keras.KerasTensor((batch, self.sequence_length), dtype="int32")

    def detokenize(self, ids):
        """Ids `(batch, length)` → a list of strings (padding and pieces joined)."""
        import tensorflow as tf

        ids = np.asarray(keras.ops.convert_to_numpy(ids)
                         if not isinstance(ids, (list, tuple)) else ids, "int32")
        if ids.ndim != 2:
            raise ValueError(f"`ids` must be (batch, length). Received: shape={ids.shape}")
        if ids.size and (ids.min() < 0 or ids.max() >= self.vocabulary_size):
            raise ValueError(
                f"`ids` must lie in [0, {self.vocabulary_size}). "
                f"Received: min={ids.min()}, max={ids.max()}")
        ragged = tf.RaggedTensor.from_tensor(tf.constant(ids), padding=0)
        text = self._fast_tokenizer().detokenize(ragged)
        return [t.decode("utf-8") for t in text.numpy().tolist()]

    def token_to_id(self, token):
        try:
            return self.vocabulary.index(token)
        except ValueError:
            raise ValueError(f"`token` {token!r} is not in the vocabulary.") from None

    def get_config(self):
        config = super().get_config()
        config.update({"vocabulary": self.vocabulary, "sequence_length": self.sequence_length,
                       "lowercase": self.lowercase})
        return config


def _as_string_array(inputs):
    import tensorflow as tf

    if isinstance(inputs, str):
        raise ValueError("`inputs` must be a batch of strings, e.g. a list; received one str.")
    if isinstance(inputs, tf.Tensor):
        return inputs
    array = np.asarray(inputs, dtype=object)
    return array.astype(str).astype(object) if array.dtype != object else array


def _check_strings(values, name, allow_empty=True):
    if isinstance(values, str) or not hasattr(values, "__len__") or len(values) == 0:
        raise ValueError(f"`{name}` must be a non-empty list of strings. Received: {values!r:.80}")
    values = list(values)
    for i, value in enumerate(values):
        if not isinstance(value, str):
            raise ValueError(f"`{name}[{i}]` must be a str. Received: {value!r:.80}")
        if not allow_empty and not value:
            raise ValueError(f"`{name}[{i}]` is an empty string.")
    return values
