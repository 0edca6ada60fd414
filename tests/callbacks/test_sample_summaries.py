import glob
import os

import pytest
import tiny_models

from keras_ae.callbacks import SampleSummaries


def test_writes_the_summaries_beside_their_documents_every_epoch(tmp_path):
    tf = pytest.importorskip("tensorflow")
    model = tiny_models.build("summarizer")
    model.compile(optimizer=tiny_models.optimizer("summarizer"),
                  run_eagerly=tiny_models.RUN_EAGERLY)
    x, _ = tiny_models.batch("summarizer")
    documents = ["w1 w2 w3 w4 | w5", "w9 w8 w7"]
    callback = SampleSummaries(documents, str(tmp_path), references=["w2 w5", "w8"],
                               document_words=3)
    model.fit(x, batch_size=8, epochs=2, verbose=0, callbacks=[callback])
    (events,) = glob.glob(os.path.join(tmp_path, "summaries", "*"))
    texts = {e.step: tf.make_ndarray(v.tensor).item().decode()
             for e in tf.compat.v1.train.summary_iterator(events) for v in e.summary.value
             if v.tag == "sample_summaries"}
    assert sorted(texts) == [0, 1]
    lines = texts[1].splitlines()
    assert lines[0] == "| document | summary | human summary |" and len(lines) == 4
    summaries = model.summarize(documents)
    assert lines[2] == f"| w1 w2 w3 … | {summaries[0].replace('|', '/')} | w2 w5 |"
    assert lines[3] == f"| w9 w8 w7 | {summaries[1]} | w8 |"


@pytest.mark.parametrize("kwargs, match", [
    ({"documents": "one text"}, "documents"),
    ({"documents": []}, "documents"),
    ({"documents": ["a"], "references": ["x", "y"]}, "references.*1 str"),
    ({"documents": ["a"], "every_n_epochs": 0}, "every_n_epochs"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        SampleSummaries(**kwargs)
