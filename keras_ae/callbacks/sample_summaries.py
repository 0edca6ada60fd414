import keras

from keras_ae._checks import check_int


class SampleSummaries(keras.callbacks.Callback):
    """Writes a summarizer's summaries of a few documents to TensorBoard's text tab.

    For `keras_ae.models.Seq2Seq2SeqSummarizer` (any model with
    `summarize(documents)`): at the end of every `every_n_epochs`-th epoch,
    a Markdown table under `<logdir>/summaries`, tag `sample_summaries`:
    each document (its first `document_words` words), the model's greedy
    summary and, when given, the human summary beside it.

    TensorBoard summaries need TensorFlow, which keras-ae always installs;
    the callback works under any Keras backend.

    Args:
        documents: a non-empty list of str.
        logdir: the TensorBoard folder.
        references: optional list of str, a human summary per document.
        every_n_epochs: int >= 1.
        document_words: int >= 1, the words of each document shown.

    Example:

    >>> import keras_ae
    >>> callback = keras_ae.callbacks.SampleSummaries(["a tool to edit text"], "/tmp/logs",
    ...                                               references=["text editor"])
    """

    def __init__(self, documents, logdir="logs", references=None, every_n_epochs=1,
                 document_words=60):
        super().__init__()
        if isinstance(documents, str) or not isinstance(documents, (list, tuple)) \
                or not documents or not all(isinstance(d, str) for d in documents):
            raise ValueError("`documents` must be a non-empty list of str. Received: "
                             f"{type(documents).__name__}")
        if references is not None and (
                not isinstance(references, (list, tuple)) or len(references) != len(documents)
                or not all(isinstance(r, str) for r in references)):
            raise ValueError(f"`references` must be a list of {len(documents)} str (one per "
                             f"document) or None. Received: {str(references)[:80]}")
        self.documents = list(documents)
        self.references = None if references is None else list(references)
        self.logdir = logdir
        self.every_n_epochs = check_int("every_n_epochs", every_n_epochs, 1)
        self.document_words = check_int("document_words", document_words, 1)
        self._writer = None

    def table(self):
        """The Markdown table written to TensorBoard, from the model's summaries now."""
        summaries = self.model.summarize(self.documents)
        header = "| document | summary |" + (" human summary |" if self.references else "")
        rows = [header, "| --- | --- |" + (" --- |" if self.references else "")]
        for i, (document, summary) in enumerate(zip(self.documents, summaries)):
            words = document.split()
            start = " ".join(words[:self.document_words]) + (
                " …" if len(words) > self.document_words else "")
            cells = [start, summary] + ([self.references[i]] if self.references else [])
            rows.append("| " + " | ".join(c.replace("|", "/").replace("\n", " ")
                                          for c in cells) + " |")
        return "\n".join(rows)

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every_n_epochs:
            return
        import os

        import tensorflow as tf

        if self._writer is None:
            self._writer = tf.summary.create_file_writer(os.path.join(self.logdir, "summaries"))
        with self._writer.as_default():
            tf.summary.text("sample_summaries", self.table(), step=epoch)
        self._writer.flush()
