"""Seq2Seq2SeqSummarizer and its OrderedPointer generator, on the running backend."""

import keras
import numpy as np
import pytest
import tiny_models
from keras import ops

from keras_ae.layers import OrderedPointer
from keras_ae.models import Seq2Seq2SeqSummarizer
from keras_ae.training import PlayerOptimizer
from keras_ae.zoo import summarization

VOCABULARY = ["", "[UNK]", *(f"w{i}" for i in range(18))]


def _numpy(out):
    return {k: np.asarray(ops.convert_to_numpy(v)) for k, v in out.items()}


def test_pointer_picks_later_real_words_and_ends_once():
    pointer = OrderedPointer(20, max_document_length=10, max_length=6, min_length=2, units=8,
                             seed=1)
    ids = np.array([[5, 6, 7, 8, 9, 10, 11, 0], [3, 4, 0, 0, 0, 0, 0, 0],
                    [2, 0, 0, 0, 0, 0, 0, 0]], "int32")
    for greedy in (False, True):
        for _ in range(5):
            out = _numpy(pointer(ids, greedy=greedy))
            for row, length in zip(out["actions"], (7, 2, 1)):
                words = [p for p in row if p < 8]
                assert all(p < length for p in words), row  # never padding
                assert words == sorted(set(words)), row  # in order, no repeats
                ended = list(row).index(8) if 8 in row else len(row)
                assert all(p == 8 for p in row[ended:]), row  # the end, then padding
                assert len(words) >= min(2, length), row  # min_length, where there are words
            np.testing.assert_array_equal(out["mask"][:, 0], 1.0)
            np.testing.assert_array_equal(out["log_probs"] * (1 - out["mask"]), 0.0)
    # Greedy is deterministic.
    np.testing.assert_array_equal(_numpy(pointer(ids, greedy=True))["actions"],
                                  _numpy(pointer(ids, greedy=True))["actions"])


def test_pointer_teacher_forcing_gives_the_sampled_log_probs():
    pointer = OrderedPointer(20, max_document_length=10, max_length=4, units=8, seed=3)
    ids = np.array([[5, 6, 7, 8, 9, 0], [3, 4, 12, 0, 0, 0]], "int32")
    sampled = _numpy(pointer(ids))
    forced = _numpy(pointer(ids, actions=sampled["actions"]))
    for key in ("actions", "mask"):
        np.testing.assert_array_equal(forced[key], sampled[key])
    np.testing.assert_allclose(forced["log_probs"], sampled["log_probs"], atol=1e-5)
    assert np.all(sampled["log_probs"] <= 0) and np.all(sampled["entropy"] >= 0)


def test_pointer_samples_from_its_softmax():
    pointer = OrderedPointer(20, max_document_length=6, max_length=1, min_length=0, units=4,
                             seed=0)
    ids = np.tile(np.array([[5, 6, 7]], "int32"), (4000, 1))
    out = _numpy(pointer(ids))
    counts = np.bincount(out["actions"][:, 0], minlength=4) / len(ids)
    log_probs = np.zeros(4)
    for action in range(4):
        forced = _numpy(pointer(ids[:1], actions=np.array([[action]])))
        log_probs[action] = forced["log_probs"][0, 0]
    np.testing.assert_allclose(np.exp(log_probs).sum(), 1.0, atol=1e-5)
    np.testing.assert_allclose(counts, np.exp(log_probs), atol=0.03)


def test_beam_search_finds_the_most_probable_summary():
    """Beam search against an exhaustive search over every summary the pointer may write
    (increasing positions, 1 to 3 words), scored by teacher forcing; width 1 is greedy."""
    import itertools

    pointer = OrderedPointer(20, max_document_length=8, max_length=3, min_length=1, units=8,
                             seed=0)
    ids = np.array([[5, 6, 7, 8, 9, 0], [3, 4, 0, 0, 0, 0], [11, 12, 13, 14, 15, 16]],
                   "int32")
    end = ids.shape[1]
    greedy = _numpy(pointer(ids, greedy=True))
    one = _numpy(pointer.beam_search(ids, beam_width=1))
    for key in greedy:
        np.testing.assert_allclose(one[key], greedy[key], atol=1e-6)
    beam = _numpy(pointer.beam_search(ids, beam_width=26))  # 26 >= every partial summary
    forced = _numpy(pointer(ids, actions=beam["actions"]))
    for key in ("log_probs", "entropy", "mask"):
        np.testing.assert_allclose(beam[key], forced[key], atol=1e-5)
    for row in range(len(ids)):
        words = int((ids[row] != 0).sum())
        paths = [list(c) + [end] * (3 - n) for n in (1, 2, 3)
                 for c in itertools.combinations(range(words), n)]
        scores = np.sum(_numpy(pointer(np.repeat(ids[row:row + 1], len(paths), 0),
                                       actions=np.array(paths)))["log_probs"], axis=1)
        np.testing.assert_array_equal(beam["actions"][row], paths[int(np.argmax(scores))])
        np.testing.assert_allclose(beam["log_probs"][row].sum(), scores.max(), atol=1e-5)
        assert beam["log_probs"][row].sum() >= greedy["log_probs"][row].sum() - 1e-6
    with pytest.raises(ValueError, match="beam_width.*0"):
        pointer.beam_search(ids, beam_width=0)


def test_pointer_checks():
    with pytest.raises(ValueError, match="max_length.*0"):
        OrderedPointer(20, max_length=0)
    with pytest.raises(ValueError, match="min_length"):
        OrderedPointer(20, max_length=2, min_length=3)
    pointer = OrderedPointer(20, max_document_length=4, max_length=2, units=4)
    with pytest.raises(ValueError, match="max_document_length=4"):
        pointer(np.ones((1, 6), "int32"))
    config = pointer.get_config()
    assert OrderedPointer.from_config(config).get_config() == config


def test_reconstructor_is_causal_in_the_document():
    network = summarization.reconstructor(20, embedding_dim=4, units=6)
    rng = np.random.default_rng(0)
    summary = rng.integers(2, 20, (2, 3)).astype("int32")
    decoder = rng.integers(2, 20, (2, 7)).astype("int32")
    ones3, ones7 = np.ones((2, 3), "float32"), np.ones((2, 7), "float32")
    before = ops.convert_to_numpy(network([summary, ones3, decoder, ones7]))
    changed = decoder.copy()
    changed[:, 4:] = (changed[:, 4:] + 5) % 18 + 2
    after = ops.convert_to_numpy(network([summary, ones3, changed, ones7]))
    np.testing.assert_allclose(after[:, :4], before[:, :4], atol=1e-6)
    assert not np.allclose(after[:, 4:], before[:, 4:])
    # The discriminator is causal too: a word's score reads the words up to it.
    critic = summarization.discriminator(20, embedding_dim=4, units=6)
    s1 = ops.convert_to_numpy(critic([decoder, ones7]))
    s2 = ops.convert_to_numpy(critic([changed, ones7]))
    np.testing.assert_allclose(s1[:, :4], s2[:, :4], atol=1e-6)


@pytest.mark.skipif(keras.backend.backend() != "tensorflow",
                    reason="eager steps, slow on JAX; test_cross_backend.py shows every backend "
                    "takes the step TensorFlow takes")
def test_each_player_moves_only_its_own_weights():
    x, _ = tiny_models.batch("summarizer")
    for moving in ("discriminator", "reconstructor", "generator"):
        model = tiny_models.build("summarizer")
        players = {p.name: p for p in model.players()}
        assert list(players) == ["discriminator", "reconstructor", "generator"]
        before = {name: tiny_models.values(p.variables) for name, p in players.items()}
        model.compile(optimizer=PlayerOptimizer({
            name: keras.optimizers.Adam(1e-2) if name == moving else keras.optimizers.SGD(0.0)
            for name in players}), run_eagerly=tiny_models.RUN_EAGERLY)
        history = model.fit(x, batch_size=len(x["documents"]), epochs=1, verbose=0)
        for name, player in players.items():
            moved = [not np.array_equal(a, b)
                     for a, b in zip(before[name], tiny_models.values(player.variables))]
            assert any(moved) if name == moving else not any(moved), (moving, name)
    logs = {k: v[0] for k, v in history.history.items()}
    assert 0 <= logs["discriminator_accuracy"] <= 1 and logs["reward_reconstruction"] < 0
    assert 1 <= logs["summary_length"] <= 3 and logs["generator_entropy"] > 0


@pytest.mark.slow  # the default run must stay under 20 minutes on 2 cores
@pytest.mark.skipif(keras.backend.backend() != "tensorflow",
                    reason="15 epochs, once; the step itself is tested on every backend")
def test_pretraining_imitates_the_target_positions():
    keras.utils.set_random_seed(0)
    model = summarization.summarizer(VOCABULARY, document_length=8, max_length=3,
                                     embedding_dim=8, units=16, stage="pretrain")
    rng = np.random.default_rng(0)
    documents = rng.integers(2, 20, size=(64, 8)).astype("int32")
    # Targets: the words at odd positions (1, 3, 5), then the end.
    targets = np.tile(np.array([[1, 3, 5]], "int32"), (64, 1))
    x = {"documents": documents, "summaries": documents[::-1, :3], "targets": targets}
    model.compile(optimizer=PlayerOptimizer({p: keras.optimizers.Adam(1e-2)
                                             for p in ("discriminator", "reconstructor",
                                                       "generator")}))
    history = model.fit(x, batch_size=16, epochs=15, verbose=0)
    losses = history.history["imitation_loss"]
    assert losses[-1] < 0.2 * losses[0], losses
    np.testing.assert_array_equal(ops.convert_to_numpy(model(documents[:8])), targets[:8])
    with pytest.raises(ValueError, match="targets"):
        model.fit({"documents": documents, "summaries": documents[:, :3]}, epochs=1,
                  verbose=0)


def test_summarize_cuts_long_documents_and_refuses_empty_ones(tmp_path):
    model = summarization.summarizer(VOCABULARY, document_length=6, max_length=3,
                                     embedding_dim=4, units=4)
    long_document = " ".join(f"w{i % 18}" for i in range(500))
    summaries = model.summarize(["w1 w2 w3 w4", long_document, "W5, w6! zzz"])
    assert len(summaries) == 3
    first_words = long_document.split()[:6]
    assert all(w in first_words for w in summaries[1].split())
    assert all(w in ["w5,", "w6!", "zzz"] for w in summaries[2].split())  # copied as written
    for summary, document in zip(summaries, ["w1 w2 w3 w4", long_document]):
        positions = [document.split().index(w) for w in summary.split()]
        assert positions == sorted(positions) and 1 <= len(positions) <= 3
    assert all(len(s.split()) <= 1 for s in model.summarize([long_document], max_length=1))
    assert model.summarize(["w1 w2 w3"] * 5, batch_size=2) == model.summarize(["w1 w2 w3"] * 5)
    with pytest.raises(ValueError, match=r"documents\[1\].*no words"):
        model.summarize(["w1", " \n\t "])
    with pytest.raises(ValueError, match="non-empty list"):
        model.summarize("w1 w2")
    with pytest.raises(ValueError, match="max_length.*\\[1, 3\\].*7"):
        model.summarize(["w1"], max_length=7)
    # Beam search (its search is checked on the pointer): the same guarantees as greedy.
    beams = model.summarize(["w1 w2 w3 w4", long_document], beam_width=4)
    for summary, document in zip(beams, ["w1 w2 w3 w4", long_document]):
        positions = [document.split().index(w) for w in summary.split()]
        assert positions == sorted(positions) and 1 <= len(positions) <= 3
    with pytest.raises(ValueError, match="beam_width.*True"):
        model.summarize(["w1"], beam_width=True)


def test_save_load_and_preset_round_trips(tmp_path):
    model = tiny_models.build("summarizer")
    model.compile(optimizer=tiny_models.optimizer("summarizer"),
                  run_eagerly=tiny_models.RUN_EAGERLY)
    x, _ = tiny_models.batch("summarizer")
    model.fit(x, batch_size=8, epochs=1, verbose=0)
    documents = ["w1 w2 w3 w4 w5", "w7 w3 w9"]
    path = str(tmp_path / "summarizer.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert isinstance(loaded, Seq2Seq2SeqSummarizer)
    assert loaded.summarize(documents) == model.summarize(documents)
    for key in ("vocabulary", "document_length", "stage", "gamma", "discriminator_weight",
                "discriminator_steps", "entropy_weight"):
        assert loaded.get_config()[key] == model.get_config()[key], key
    for a, b in zip(tiny_models.values(model.weights), tiny_models.values(loaded.weights)):
        np.testing.assert_array_equal(a, b)
    model.save_to_preset(str(tmp_path / "preset"))
    preset = Seq2Seq2SeqSummarizer.from_preset(str(tmp_path / "preset"))
    assert preset.summarize(documents) == model.summarize(documents)


@pytest.mark.parametrize("kwargs, match", [
    ({"vocabulary": ["a", "b", "c"]}, "vocabulary"),
    ({"stage": "rl"}, "stage.*'rl'"),
    ({"gamma": 1.5}, "gamma.*1.5"),
    ({"discriminator_weight": -1.0}, "discriminator_weight"),
    ({"discriminator_steps": 0}, "discriminator_steps.*0"),
    ({"entropy_weight": float("inf")}, "entropy_weight"),
])
def test_arguments_are_checked(kwargs, match):
    arguments = {"vocabulary": VOCABULARY, **kwargs}
    with pytest.raises(ValueError, match=match):
        summarization.summarizer(**arguments, document_length=6, max_length=2, embedding_dim=4,
                                 units=4)


@pytest.mark.slow  # the default run must stay under 20 minutes on 2 cores
@pytest.mark.skipif(keras.backend.backend() != "tensorflow",
                    reason="a real-data run, once; the step itself is tested on every backend")
def test_on_debian_descriptions_the_reconstruction_reward_rises(data_dir):
    from keras_ae.data import debian_descriptions
    from keras_ae.text import learn_word_vocabulary

    documents, synopses, _ = debian_descriptions("train", path=f"{data_dir}/debian-descriptions")
    documents, synopses = documents[:768], synopses[:768]
    keras.utils.set_random_seed(0)
    vocabulary = learn_word_vocabulary(documents[:768] + synopses[::-1], 1500)
    model = summarization.summarizer(vocabulary, document_length=24, max_length=5, min_length=5,
                                     embedding_dim=16, units=32, stage="pretrain",
                                     discriminator_weight=0.3, discriminator_steps=1)
    ids, _ = model.document_ids(documents)
    x = {"documents": ids, "summaries": model.summary_word_ids(synopses[::-1]),
         "targets": model.pretraining_targets(documents)}
    players = ("discriminator", "reconstructor", "generator")
    model.compile(optimizer=PlayerOptimizer({p: keras.optimizers.Adam(3e-3) for p in players}))
    imitation = model.fit(x, batch_size=64, epochs=2, verbose=0).history["imitation_loss"]
    assert imitation[-1] < imitation[0] < 100, imitation  # every target is a path it can take
    model.set_stage("reinforce")
    model.compile(optimizer=PlayerOptimizer({p: keras.optimizers.Adam(
        3e-4 if p == "generator" else 3e-3) for p in players}))
    history = model.fit(x, batch_size=64, epochs=3, verbose=0).history
    rewards = history["reward_reconstruction"]
    assert rewards[-1] > rewards[0] + 0.05, rewards
    assert all(np.isfinite(v).all() for v in history.values())
    assert history["summary_length"][-1] == pytest.approx(5.0)
    # The summaries are words of their documents, in order.
    for document, summary in zip(documents[:5], model.summarize(documents[:5])):
        words_of = document.lower().split()
        positions = [words_of.index(w) for w in summary.split()]
        assert len(positions) == 5


def test_pretraining_targets_are_first_content_words_the_pointer_can_take():
    model = summarization.summarizer(VOCABULARY, document_length=8, max_length=4, min_length=3,
                                     embedding_dim=4, units=4)
    documents = ["the w1 of w2 w3 w4 w5", "w1 and the of a", "the of", "w9 - w8"]
    targets = model.pretraining_targets(documents)
    np.testing.assert_array_equal(targets, [
        [1, 3, 4, 5],   # content words only
        [0, 1, 2, 8],   # one content word, then the earliest others to reach min_length 3
        [0, 1, 8, 8],   # all its words (fewer than min_length)
        [0, 1, 2, 8],   # "-" is punctuation: added to reach 3
    ])
    ids, _ = model.document_ids(documents)
    forced = _numpy(model.generator(ids, actions=targets))
    assert np.all(forced["log_probs"] > -100)  # a path the pointer can take
