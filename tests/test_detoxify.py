"""Detoxify support on a tiny checkpoint built here: real loading code, safe unpickling, windows."""

from __future__ import annotations

import hashlib
import os
import pickle
import shutil
import socket
import sys
import threading
import time
import types
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("detoxify")

import tiny_detoxify as td

from moderation.documents import Scores
from moderation.errors import ScorerError
from moderation.scoring import Scorer, load_scorer
from moderation.scoring import detoxify as mdetox

CLASSES = ["toxicity", "severe_toxicity", "obscene", "threat", "insult", "identity_attack"]


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return td.shared_checkpoint(tmp_path_factory)


@pytest.fixture(scope="module")
def scorer(tiny_dir: Path) -> Scorer:
    return load_scorer(f"detoxify:{tiny_dir}", device="cpu", batch_size=4)


@pytest.fixture(scope="module")
def reference(tiny_dir: Path):
    """Detoxify's own class, loading the same checkpoint with its own (unsafe, trusted) code."""
    from detoxify import Detoxify

    return Detoxify(
        checkpoint=str(tiny_dir / "tiny-detoxify.ckpt"), huggingface_config_path=str(tiny_dir)
    )


def copy_model_dir(src: Path, dst: Path, *, ckpt: bool = True) -> Path:
    dst.mkdir(parents=True, exist_ok=True)
    for f in src.iterdir():
        if ckpt or f.suffix != ".ckpt":
            shutil.copy(f, dst / f.name)
    return dst


# -- loading and equality -----------------------------------------------------------------------


def test_load_scorer_dir_gives_detoxify_labels_name_and_version(
    scorer: Scorer, tiny_dir: Path
) -> None:
    assert isinstance(scorer, Scorer)
    assert list(scorer.labels) == CLASSES  # renamed as Detoxify renames toxic, severe_toxic, ...
    digest = hashlib.sha256((tiny_dir / "tiny-detoxify.ckpt").read_bytes()).hexdigest()
    assert scorer.name == f"detoxify:{tiny_dir.name}"
    assert scorer.version == digest[:8]
    (result,) = scorer.score(["you are an idiot"])
    assert isinstance(result, Scores)
    assert (result.model, result.version, result.status, result.windows) == (
        scorer.name,
        scorer.version,
        "ok",
        1,
    )
    assert all(type(v) is float for v in result.labels.values())


def test_scores_equal_detoxify_predict_on_mixed_lengths(scorer: Scorer, reference) -> None:
    texts = [
        td.filler(400, seed=1),
        "you are an idiot",
        "ok",
        td.filler(3, seed=2),
        td.filler(120, seed=3) + " what an idiot.",
        td.filler(60, seed=4),
        "Thanks, great article!",
        td.filler(250, seed=5),
        "idiot " + td.filler(20, seed=6),
    ]
    lengths = [len(reference.tokenizer(t)["input_ids"]) for t in texts]
    assert min(lengths) < 10 and 400 < max(lengths) <= 512  # very different lengths, no truncation
    ours = scorer.score(texts)
    ref = reference.predict(texts)
    assert len(ours) == len(texts)
    for i, result in enumerate(ours):
        assert result.windows == 1
        for label in CLASSES:
            assert result.labels[label] == pytest.approx(ref[label][i], abs=1e-5), (i, label)
    # The hand-set trigger makes the two classes of text clearly apart.
    assert [r.labels["toxicity"] > 0.9 for r in ours] == ["idiot" in t for t in texts]


def test_single_string_and_batch_sizes_give_the_same_scores(tiny_dir: Path, scorer: Scorer) -> None:
    texts = [td.filler(n, seed=n) for n in (5, 300, 40, 700, 1)]
    one = load_scorer(f"detoxify:{tiny_dir}", device="cpu", batch_size=1).score(texts)
    many = scorer.score(texts)
    for a, b in zip(one, many):
        assert a.windows == b.windows
        for label in CLASSES:
            assert a.labels[label] == pytest.approx(b.labels[label], abs=1e-5)
    assert isinstance(scorer.score("just one"), list)


def test_long_comment_with_insult_at_the_end_is_caught_in_windows(
    scorer: Scorer, reference
) -> None:
    long_text = td.filler(9200, seed=7) + " And you, the author, are an idiot."
    clean_long = td.filler(9200, seed=7)
    n_tokens = len(reference.tokenizer(long_text, add_special_tokens=False)["input_ids"])
    assert n_tokens > 10_000  # hostile case 22: a 10k-token comment
    # Detoxify's own predict truncates at 512 tokens and misses the insult.
    ref = reference.predict([long_text, clean_long])
    assert ref["toxicity"][0] < 0.1 and ref["insult"][0] < 0.1
    ours, clean = scorer.score([long_text, clean_long])
    assert ours.labels["toxicity"] > 0.9 and ours.labels["insult"] > 0.9
    assert ours.windows == clean.windows > n_tokens // 510
    assert clean.labels["toxicity"] < 0.1  # windows alone do not raise a clean text's score
    # Each label keeps its maximum over windows, never less than the truncated first window.
    for label in CLASSES:
        assert clean.labels[label] >= ref[label][1] - 1e-5


@pytest.mark.parametrize("masked", ["you are an i.d.i.o.t", "you are an id*ot", "you are an idi0t"])
def test_obfuscated_insult_is_scored_on_a_normalized_copy_kept_apart(
    scorer: Scorer, reference, masked: str
) -> None:
    ref = reference.predict([masked])
    assert ref["toxicity"] < 0.1  # Detoxify on the raw text misses it
    (result,) = scorer.score([masked])
    # The model's score stays Detoxify's own; the de-obfuscated copy's is its own field.
    assert result.labels == pytest.approx({k: ref[k] for k in CLASSES}, abs=1e-5)
    assert result.deobfuscated is not None
    assert result.deobfuscated["toxicity"] > 0.9 and result.deobfuscated["insult"] > 0.9
    assert result.effective()["toxicity"] > 0.9


def test_scores_equal_detoxify_predict_where_the_normalizer_changes_the_text(
    scorer: Scorer, reference
) -> None:
    # #20 found scores up to 0.004 (CPU) apart from Detoxify's where the old score was the
    # maximum over both copies: it is now Detoxify's own, whatever the copy says.
    from moderation.scoring.normalize import normalize

    texts = ["F*ck Cdn Laws", "you are an id*ot", "sh1t", "ｉｄｉｏｔ", "you st.upid man",
             "f.u.c.k this idiot", td.filler(80, seed=11) + " i.d.i.o.t"]
    assert all(normalize(t).text != t.lower() for t in texts)
    ref = reference.predict(texts)
    for i, result in enumerate(scorer.score(texts)):
        assert result.deobfuscated is not None, texts[i]
        for label in CLASSES:
            assert result.labels[label] == pytest.approx(ref[label][i], abs=1e-5), (i, label)


def test_a_deobfuscated_score_flags_and_the_queue_says_so(scorer: Scorer, tmp_path: Path) -> None:
    from moderation.config import Config
    from moderation.documents import Article, Comment, ParseResult
    from moderation.store import Store
    from moderation.triage import load_queue

    texts = ["you are an id*ot", "Thanks, great article!", "you are an idiot"]
    with Store(tmp_path / "d.db") as store:
        store.ingest(ParseResult("text", (Article(title="t", comments=tuple(
            Comment(t, author=f"a{i}", position=i) for i, t in enumerate(texts))),), source="s"))
        store.save_scores(list(zip((1, 2, 3), scorer.score(texts))))
        stored = store.scores_for(1)
        assert stored is not None and stored["labels"]["toxicity"] < 0.1
        assert stored["labels"]["deobfuscated:toxicity"] > 0.9
        items = {i.comment_id: i for i in load_queue(store, Config().thresholds)}
    assert set(items) == {1, 3}  # flagged: the masked insult through its copy, the plain one
    assert "on the de-obfuscated copy" in items[1].reason
    assert "toxicity" in items[1].reason and "de-obfuscated" not in items[3].reason


def test_empty_and_whitespace_are_not_scored(scorer: Scorer) -> None:
    results = scorer.score(["", "   \n\t", "you are an idiot"])
    assert [r.status for r in results] == ["empty", "empty", "ok"]
    assert results[0].labels == {} and results[1].labels == {} and results[0].windows == 0
    assert results[2].labels["toxicity"] > 0.9


def test_uncovered_language_is_marked_for_review_with_scores_kept(scorer: Scorer) -> None:
    german = "Der Bürgermeister ist ein Lügner und sollte sofort zurücktreten."
    results = scorer.score([german, "你是个白痴", "🖕🖕🖕", td.filler(30, seed=9)])
    assert [r.status for r in results] == ["unsupported_language"] * 3 + ["ok"]
    assert results[0].language == "de" and results[2].language == "und"
    assert set(results[0].labels) == set(CLASSES)


# -- safe loading -------------------------------------------------------------------------------


class Bomb:
    """Unpickling this runs code (creates a marker file) unless the loader refuses it."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


class ExecBomb:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (exec, (f"open({str(self.marker)!r}, 'w').write('pwned')",))


@pytest.mark.parametrize("bomb", [Bomb, ExecBomb])
def test_pickle_bomb_checkpoint_is_refused_without_running(
    tiny_dir: Path, tmp_path: Path, bomb
) -> None:
    model_dir = copy_model_dir(tiny_dir, tmp_path / "bomb", ckpt=False)
    marker = tmp_path / "executed"
    good = torch.load(tiny_dir / "tiny-detoxify.ckpt", weights_only=True)
    good["hyper_parameters"] = bomb(marker)
    torch.save(good, model_dir / "evil.ckpt")
    with pytest.raises(ScorerError, match="refusing to load"):
        load_scorer(f"detoxify:{model_dir}")
    assert not marker.exists()


def test_lightning_hyperparameters_are_skipped_inertly(
    tiny_dir: Path, tmp_path: Path, scorer: Scorer
) -> None:
    """Lightning checkpoints carry hparams as Lightning classes; they are read as inert stubs."""
    model_dir = copy_model_dir(tiny_dir, tmp_path / "lightning", ckpt=False)
    marker = tmp_path / "constructed"
    module = types.ModuleType("pytorch_lightning.utilities.parsing")

    class AttributeDict(dict):
        def __setstate__(self, state):  # would run on a plain unpickle
            marker.write_text("ran")

    AttributeDict.__module__ = module.__name__
    AttributeDict.__qualname__ = "AttributeDict"
    module.AttributeDict = AttributeDict  # type: ignore[attr-defined]
    good = torch.load(tiny_dir / "tiny-detoxify.ckpt", weights_only=True)
    hp = AttributeDict(lr=1e-5, note="x")
    hp.__dict__["extra"] = 1
    good["hyper_parameters"] = hp
    fake = {
        "pytorch_lightning": types.ModuleType("pytorch_lightning"),
        "pytorch_lightning.utilities": types.ModuleType("pytorch_lightning.utilities"),
        module.__name__: module,
    }
    sys.modules.update(fake)
    try:
        torch.save(good, model_dir / "lightning.ckpt")
    finally:
        for name in fake:
            del sys.modules[name]
    with pytest.raises(pickle.UnpicklingError):  # so the fallback reader is what runs below
        torch.load(model_dir / "lightning.ckpt", weights_only=True)
    loaded = load_scorer(f"detoxify:{model_dir}", device="cpu")
    assert not marker.exists()
    text = "you are an idiot"
    assert loaded.score([text])[0].labels == pytest.approx(scorer.score([text])[0].labels, abs=1e-6)


def test_hash_prefix_in_file_name_is_checked(tiny_dir: Path, tmp_path: Path) -> None:
    digest = hashlib.sha256((tiny_dir / "tiny-detoxify.ckpt").read_bytes()).hexdigest()
    ok_dir = copy_model_dir(tiny_dir, tmp_path / "ok", ckpt=False)
    shutil.copy(tiny_dir / "tiny-detoxify.ckpt", ok_dir / f"tiny-{digest[:8]}.ckpt")
    assert load_scorer(f"detoxify:{ok_dir}", device="cpu").version == digest[:8]
    bad_dir = copy_model_dir(tiny_dir, tmp_path / "bad", ckpt=False)
    shutil.copy(tiny_dir / "tiny-detoxify.ckpt", bad_dir / "toxic_original-c1212f89.ckpt")
    with pytest.raises(ScorerError, match="checksum mismatch"):
        load_scorer(f"detoxify:{bad_dir}")


# -- missing and broken files -------------------------------------------------------------------


def test_missing_checkpoint_config_or_tokenizer_give_clear_errors(
    tiny_dir: Path, tmp_path: Path
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ScorerError, match=r"no Detoxify checkpoint \(\*\.ckpt\).*detoxify:DIR"):
        load_scorer(f"detoxify:{empty}")
    no_config = copy_model_dir(tiny_dir, tmp_path / "noconfig")
    (no_config / "config.json").unlink()
    with pytest.raises(ScorerError, match="lacks config.json"):
        load_scorer(f"detoxify:{no_config}")
    no_tok = copy_model_dir(tiny_dir, tmp_path / "notok")
    for f in no_tok.iterdir():
        if f.name.startswith(("tokenizer", "vocab", "special")):
            f.unlink()
    with pytest.raises(ScorerError, match="tokenizer files"):
        load_scorer(f"detoxify:{no_tok}")
    with pytest.raises(ScorerError, match="no such directory"):
        load_scorer(f"detoxify:{tmp_path / 'nowhere'}")


def test_broken_checkpoints_give_clear_errors(tiny_dir: Path, tmp_path: Path) -> None:
    d = copy_model_dir(tiny_dir, tmp_path / "broken", ckpt=False)
    ckpt = d / "model.ckpt"
    ckpt.write_bytes(b"\x00not a checkpoint" * 10)
    with pytest.raises(ScorerError, match="cannot read checkpoint"):
        load_scorer(f"detoxify:{d}")
    torch.save({"state_dict": {}}, ckpt)
    with pytest.raises(ScorerError, match="not a Detoxify checkpoint"):
        load_scorer(f"detoxify:{d}")
    good = torch.load(tiny_dir / "tiny-detoxify.ckpt", weights_only=True)
    good["state_dict"] = {"model." + k: v for k, v in good["state_dict"].items()}
    torch.save(good, ckpt)
    with pytest.raises(ScorerError, match="do not match BertForSequenceClassification"):
        load_scorer(f"detoxify:{d}")


def test_unknown_names_list_the_valid_choices() -> None:
    with pytest.raises(
        ScorerError, match="original, unbiased, multilingual, original-small, unbiased-small"
    ):
        load_scorer("detoxify:orignal")
    with pytest.raises(ScorerError, match="detoxify needs a model"):
        load_scorer("detoxify:")


# -- named models without network ---------------------------------------------------------------


@pytest.fixture
def empty_caches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    for var in ("MODERATION_OFFLINE", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
        monkeypatch.delenv(var, raising=False)
    return tmp_path / "torch" / "hub" / "checkpoints"


@pytest.mark.parametrize("name", ["original", "multilingual", "unbiased-small"])
def test_named_model_offline_and_not_cached_is_one_clear_error(
    empty_caches: Path, monkeypatch, name
) -> None:
    monkeypatch.setenv("MODERATION_OFFLINE", "1")
    start = time.monotonic()
    with pytest.raises(ScorerError) as info:
        load_scorer(f"detoxify:{name}")
    assert time.monotonic() - start < 5
    message = str(info.value)
    assert "not cached" in message and str(empty_caches) in message and "detoxify:DIR" in message


def test_named_model_unreachable_host_is_one_clear_error(empty_caches: Path, monkeypatch) -> None:
    from detoxify import detoxify as upstream

    with socket.socket() as s:  # a port with nothing listening: connection refused at once
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setitem(
        upstream.MODEL_URLS,
        "original",
        f"http://127.0.0.1:{port}/v0.1-alpha/toxic_original-c1212f89.ckpt",
    )
    with pytest.raises(ScorerError, match="could not be downloaded.*detoxify:DIR"):
        load_scorer("detoxify:original")
    assert not any(empty_caches.glob("*")) if empty_caches.exists() else True


def test_named_model_silent_server_times_out(empty_caches: Path, monkeypatch) -> None:
    from detoxify import detoxify as upstream

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    held: list[socket.socket] = []
    accepter = threading.Thread(target=lambda: held.append(server.accept()[0]), daemon=True)
    accepter.start()
    port = server.getsockname()[1]
    monkeypatch.setitem(
        upstream.MODEL_URLS, "original", f"http://127.0.0.1:{port}/toxic_original-c1212f89.ckpt"
    )
    monkeypatch.setenv("MODERATION_DOWNLOAD_TIMEOUT", "1")
    start = time.monotonic()
    try:
        with pytest.raises(ScorerError, match="could not be downloaded"):
            load_scorer("detoxify:original")
        assert time.monotonic() - start < 10
    finally:
        for conn in held:
            conn.close()
        server.close()


def test_named_model_cached_file_must_match_its_published_hash(
    empty_caches: Path, tiny_dir: Path, monkeypatch
) -> None:
    empty_caches.mkdir(parents=True)
    shutil.copy(tiny_dir / "tiny-detoxify.ckpt", empty_caches / "toxic_original-c1212f89.ckpt")
    monkeypatch.setenv("MODERATION_OFFLINE", "1")
    with pytest.raises(ScorerError, match="checksum mismatch"):
        load_scorer("detoxify:original")


def test_named_model_urls_carry_hash_prefixes() -> None:
    from detoxify.detoxify import MODEL_URLS

    assert set(MODEL_URLS) == set(mdetox.LANGUAGES)
    for url in MODEL_URLS.values():
        assert mdetox.HASH_IN_NAME.search(url.rsplit("/", 1)[-1])
    assert mdetox.LANGUAGES["multilingual"] == ("en", "fr", "es", "it", "pt", "tr", "ru")


def test_cli_offline_named_model_exits_2_with_one_line_and_no_traceback(tmp_path: Path) -> None:
    import subprocess

    src = tmp_path / "in.jsonl"
    src.write_text('{"id": "1", "text": "hello"}\n', encoding="utf-8")
    env = {
        **os.environ,
        "MODERATION_OFFLINE": "1",
        "TORCH_HOME": str(tmp_path / "torch"),
        "HF_HOME": str(tmp_path / "hf"),
    }
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "moderation",
            "score-file",
            str(src),
            "--model",
            "detoxify:unbiased",
            "-q",
            "-o",
            str(tmp_path / "out.jsonl"),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
        cwd=tmp_path,
    )
    assert out.returncode == 2, out.stderr
    assert "Traceback" not in out.stderr
    assert "detoxify:unbiased weights are not cached" in out.stderr and "detoxify:DIR" in out.stderr


def test_roberta_family_checkpoint_labels_and_equality(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """Detoxify's unbiased and multilingual models are RoBERTa-family: <s> ... </s>, byte-level
    BPE, positions offset by the padding index, 16 outputs with identity columns."""
    from detoxify import Detoxify

    model_dir = td.build_roberta_checkpoint(tmp_path_factory.mktemp("tiny-roberta"))
    scorer = load_scorer(f"detoxify:{model_dir}", device="cpu")
    assert list(scorer.labels) == td.UNBIASED_CLASSES
    reference = Detoxify(
        checkpoint=str(model_dir / "tiny-roberta.ckpt"), huggingface_config_path=str(model_dir)
    )
    texts = [
        "you are an idiot",
        td.filler(400, seed=1),
        "hi",
        td.filler(30, seed=2),
        td.filler(1500, seed=3),
    ]
    lengths = [len(ids) for ids in reference.tokenizer(texts, verbose=False)["input_ids"]]
    assert 500 > lengths[1] > 400 and lengths[4] > 1500
    ours, ref = scorer.score(texts), reference.predict(texts)
    assert [r.windows for r in ours] == [1, 1, 1, 1, 5]
    for i, result in enumerate(ours):
        for label in td.UNBIASED_CLASSES:
            if i == 4:  # windowed: the max over windows, never below Detoxify's truncated view
                assert result.labels[label] >= ref[label][i] - 1e-6
            else:
                assert result.labels[label] == pytest.approx(ref[label][i], abs=1e-5)


def test_a_checkpoint_file_can_be_named_and_two_in_one_dir_must_be(
    tiny_dir: Path, tmp_path: Path
) -> None:
    scorer = load_scorer(f"detoxify:{tiny_dir / 'tiny-detoxify.ckpt'}", device="cpu")
    assert scorer.score(["you are an idiot"])[0].labels["insult"] > 0.9
    two = copy_model_dir(tiny_dir, tmp_path / "two")
    shutil.copy(tiny_dir / "tiny-detoxify.ckpt", two / "other.ckpt")
    with pytest.raises(ScorerError, match=r"holds 2 checkpoints.*detoxify:DIR/FILE\.ckpt"):
        load_scorer(f"detoxify:{two}")
    assert load_scorer(f"detoxify:{two / 'other.ckpt'}", device="cpu").version == scorer.version
