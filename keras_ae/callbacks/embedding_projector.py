import os

import keras
import numpy as np

from keras_ae._checks import check_int

TENSOR_NAME = "embedding/.ATTRIBUTES/VARIABLE_VALUE"


class EmbeddingProjector(keras.callbacks.Callback):
    """Shows a sample's embeddings in TensorBoard's embedding projector.

    At the end of every `every_n_epochs`-th epoch, and at the end of
    training, the model encodes `inputs` (with `model.encode`, or `encode`)
    and the vectors are written as a checkpoint in `<logdir>/projector`,
    with `metadata.tsv` (one row per input: its text, and its `labels` when
    given) and the projector's config, so TensorBoard's "Projector" tab
    shows them with PCA, t-SNE or UMAP and the sentence under each point.
    Each write replaces the previous one: the projector shows the latest.
    TensorBoard's files need TensorFlow, which keras-ae always installs; the
    callback works under any Keras backend.

    Args:
        inputs: a non-empty sample of model inputs, e.g. a list of sentences
            (a few hundred to a few thousand).
        logdir: the TensorBoard folder (the `log_dir` of
            `keras.callbacks.TensorBoard`).
        labels: optional dict `{column name: list of values, one per input}`
            (e.g. `{"book": [...]}`), extra metadata columns to color by.
        names: optional list of strings, one per input, the text shown for
            each point. Defaults to `inputs` when they are strings, else
            their index.
        encode: optional callable, inputs → `(n, dim)` vectors. Defaults to
            the model's `encode`.
        every_n_epochs: int >= 1.

    Example:

    >>> import keras_ae
    >>> callback = keras_ae.callbacks.EmbeddingProjector(
    ...     ["the cat sat .", "a dog ran ."], "/tmp/logs", labels={"book": ["a", "b"]})
    """

    def __init__(self, inputs, logdir, labels=None, names=None, encode=None, every_n_epochs=1):
        super().__init__()
        if isinstance(inputs, str) or not hasattr(inputs, "__len__") or len(inputs) == 0:
            raise ValueError("`inputs` must be a non-empty sample of model inputs, e.g. a list "
                             f"of sentences. Received: {inputs!r:.80}")
        count = len(inputs)
        if names is None:
            names = ([str(x) for x in inputs] if all(isinstance(x, str) for x in inputs)
                     else [str(i) for i in range(count)])
        if len(names) != count:
            raise ValueError(f"`names` must hold one entry per input ({count}). "
                             f"Received: {len(names)}")
        labels = dict(labels or {})
        for column, values in labels.items():
            if not isinstance(column, str) or len(values) != count:
                raise ValueError(
                    f"`labels` must map column names to one value per input ({count}). "
                    f"Received: {column!r} with {len(values)} values")
        every_n_epochs = check_int("every_n_epochs", every_n_epochs, 1)
        if encode is not None and not callable(encode):
            raise ValueError(f"`encode` must be None or callable. Received: {encode!r}")
        self.inputs = inputs
        self.logdir = os.fspath(logdir)
        self.labels = labels
        self.names = list(names)
        self.encode = encode
        self.every_n_epochs = every_n_epochs

    @property
    def folder(self):
        """Where the checkpoint, `metadata.tsv` and `projector_config.pbtxt` go."""
        return os.path.join(self.logdir, "projector")

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every_n_epochs == 0:
            self.write()

    def on_train_end(self, logs=None):
        self.write()

    def write(self):
        """Encodes the sample and writes the projector's files now."""
        import tensorflow as tf
        from tensorboard.plugins import projector

        encode = self.encode or getattr(self.model, "encode", None)
        if encode is None:
            raise ValueError("The model has no `encode`; pass `encode` to EmbeddingProjector.")
        vectors = np.asarray(keras.ops.convert_to_numpy(encode(self.inputs)), "float32")
        if vectors.ndim != 2 or len(vectors) != len(self.names):
            raise ValueError(
                f"`encode` must return one vector per input, ({len(self.names)}, dim). "
                f"Received: shape={vectors.shape}")
        os.makedirs(self.folder, exist_ok=True)
        columns = ["text", *self.labels]
        with open(os.path.join(self.folder, "metadata.tsv"), "w", encoding="utf-8") as f:
            f.write("\t".join(columns) + "\n")
            for i, name in enumerate(self.names):
                row = [name, *(str(values[i]) for values in self.labels.values())]
                f.write("\t".join(_clean(cell) for cell in row) + "\n")
        checkpoint = tf.train.Checkpoint(embedding=tf.Variable(vectors))
        checkpoint.write(os.path.join(self.folder, "embedding.ckpt"))
        config = projector.ProjectorConfig()
        embedding = config.embeddings.add()
        embedding.tensor_name = TENSOR_NAME
        embedding.metadata_path = "metadata.tsv"
        projector.visualize_embeddings(self.folder, config)
        # The projector finds the checkpoint through this index file.
        with open(os.path.join(self.folder, "checkpoint"), "w", encoding="utf-8") as f:
            f.write('model_checkpoint_path: "embedding.ckpt"\n')


def _clean(cell):
    """A TSV cell: no tabs or newlines, and never empty (the projector needs text)."""
    cell = " ".join(cell.split())
    return cell or "(empty)"
