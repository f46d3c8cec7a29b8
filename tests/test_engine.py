"""The shared inference engine on a plain tiny BERT classifier (not Detoxify): order, windows, batching."""

from __future__ import annotations

import itertools
import os
import random
import subprocess
import sys

import pytest

from moderation.errors import ScorerError
from moderation.scoring.engine import usable_cpus, window_starts


@pytest.mark.parametrize(
    "n,width,overlap",
    [(0, 10, 2), (10, 10, 2), (11, 10, 2), (100, 10, 3), (1000, 510, 127), (37, 8, 0)],
)
def test_windows_cover_every_token_are_full_and_overlap(n: int, width: int, overlap: int) -> None:
    starts = window_starts(n, width, overlap)
    assert starts[0] == 0 and starts == sorted(set(starts))
    if n <= width:
        assert starts == [0]
        return
    covered = set()
    for s in starts:
        assert 0 <= s and s + width <= n  # every window is full
        covered.update(range(s, s + width))
    assert covered == set(range(n))
    assert starts[-1] == n - width
    for a, b in itertools.pairwise(starts):
        assert b - a <= width - overlap  # consecutive windows share at least `overlap` tokens


def test_usable_cpus_is_sane() -> None:
    assert 1 <= usable_cpus() <= (os.cpu_count() or 1)


def test_importing_scoring_modules_does_not_import_torch() -> None:
    code = (
        "import sys, moderation, moderation.scoring, moderation.scoring.engine, "
        "moderation.scoring.detoxify, moderation.scoring.language\n"
        "print(sorted(m for m in ('torch', 'transformers', 'detoxify', 'py3langid') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


torch = pytest.importorskip("torch")
pytest.importorskip("transformers")


pytestmark = pytest.mark.usefixtures("one_torch_thread")


class TupleOut(torch.nn.Module):
    """A model returning a bare tuple (logits,), as older HF models with return_dict=False do."""

    def __init__(self, inner: torch.nn.Module) -> None:
        super().__init__()
        self.inner = inner
        self.config = inner.config

    def forward(self, input_ids, attention_mask):
        return (self.inner(input_ids=input_ids, attention_mask=attention_mask).logits,)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory):
    import tiny_detoxify as td
    from transformers import BertConfig, BertForSequenceClassification

    tokenizer = td.build_tokenizer(tmp_path_factory.mktemp("engine-tok"))
    config = BertConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=128,
        num_labels=3,
    )
    torch.manual_seed(1)
    model = BertForSequenceClassification(config).eval()
    return model, tokenizer


def make(tiny, **kwargs):
    from moderation.scoring.engine import InferenceEngine

    model, tokenizer = tiny
    kwargs.setdefault("device", "cpu")
    return InferenceEngine(
        model, tokenizer, ("a", "b", "c"), name="test:tiny", version="v1", **kwargs
    )


def direct(tiny, text: str, max_length: int = 128) -> list[float]:
    model, tokenizer = tiny
    enc = tokenizer(text, truncation=True, max_length=max_length, return_tensors="pt")
    with torch.inference_mode():
        return torch.softmax(model(**enc).logits, dim=-1)[0].tolist()


def test_scores_in_input_order_equal_one_at_a_time_calls(tiny) -> None:
    import tiny_detoxify as td

    rng = random.Random(3)
    texts = [td.filler(rng.choice([1, 3, 10, 40, 90]), seed=i) for i in range(12)]
    engine = make(tiny, activation="softmax", batch_size=4)
    assert engine.max_length == 128  # the model's position limit caps the tokenizer's 512
    results = engine.score(texts)
    assert [r.model for r in results] == ["test:tiny"] * 12 and {r.version for r in results} == {
        "v1"
    }
    for text, result in zip(texts, results):
        assert result.windows == 1
        assert list(result.labels.values()) == pytest.approx(direct(tiny, text), abs=1e-5)
        assert sum(result.labels.values()) == pytest.approx(1.0, abs=1e-5)


def test_long_text_is_the_max_over_its_windows(tiny) -> None:
    import tiny_detoxify as td

    model, tokenizer = tiny
    engine = make(tiny, max_length=32, overlap=6)
    text = td.filler(200, seed=11)
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    starts = window_starts(len(ids), 30, 6)
    assert len(starts) > 5
    expected = [-1.0] * 3
    for s in starts:
        window = [tokenizer.cls_token_id] + ids[s : s + 30] + [tokenizer.sep_token_id]
        with torch.inference_mode():
            probs = torch.sigmoid(model(input_ids=torch.tensor([window])).logits)[0].tolist()
        expected = [max(a, b) for a, b in zip(expected, probs)]
    (result,) = engine.score([text])
    assert result.windows == len(starts)
    assert list(result.labels.values()) == pytest.approx(expected, abs=1e-5)


def test_tuple_output_models_and_batch_limits_give_the_same_scores(tiny) -> None:
    import tiny_detoxify as td

    from moderation.scoring.engine import InferenceEngine

    texts = [td.filler(n, seed=n) for n in (2, 80, 5, 300, 30, 1)]
    base = make(tiny).score(texts)
    model, tokenizer = tiny
    wrapped = InferenceEngine(
        TupleOut(model),
        tokenizer,
        ("a", "b", "c"),
        name="t",
        version="v",
        device="cpu",
        batch_size=1,
    )
    tight = make(tiny, batch_size=64, max_batch_tokens=40)
    for other in (wrapped.score(texts), tight.score(texts)):
        for a, b in zip(base, other):
            assert a.windows == b.windows
            assert list(a.labels.values()) == pytest.approx(list(b.labels.values()), abs=1e-5)


def test_batches_respect_count_and_token_caps(tiny) -> None:
    engine = make(tiny, batch_size=3, max_batch_tokens=100, min_fill=0.5)
    lengths = [50, 40, 30, 20, 20, 20, 20, 5, 5]
    batches = list(engine._batches(list(range(len(lengths))), lengths))
    assert [w for b in batches for w in b] == list(range(len(lengths)))
    for b in batches:
        assert len(b) <= 3 and (len(b) == 1 or len(b) * lengths[b[0]] <= 100)
        assert all(lengths[w] >= 0.5 * lengths[b[0]] for w in b)  # min_fill
    assert [lengths[w] for w in batches[-1]] == [5, 5]


def test_empty_texts_are_not_scored_and_never_clean(tiny) -> None:
    results = make(tiny).score(["", " \n", "hello there"])
    assert [(r.status, r.labels, r.windows) for r in results[:2]] == [("empty", {}, 0)] * 2
    assert results[2].status == "ok" and len(results[2].labels) == 3


def test_bad_settings_are_scorer_errors(tiny) -> None:
    with pytest.raises(ScorerError, match="unknown device"):
        make(tiny, device="tpu")
    if not torch.cuda.is_available():
        with pytest.raises(ScorerError, match="CUDA is not available"):
            make(tiny, device="cuda")
    with pytest.raises(ScorerError, match="unknown activation"):
        make(tiny, activation="relu")
    with pytest.raises(ScorerError, match="overlap"):
        make(tiny, max_length=32, overlap=30)
    with pytest.raises(ScorerError, match="3 outputs for 4 labels"):
        from moderation.scoring.engine import InferenceEngine

        model, tokenizer = tiny
        InferenceEngine(
            model, tokenizer, ("a", "b", "c", "d"), name="t", version="v", device="cpu"
        ).score(["x"])


def test_cpu_threads_follow_the_environment(tiny, monkeypatch: pytest.MonkeyPatch) -> None:
    before = torch.get_num_threads()
    monkeypatch.setenv("MODERATION_TORCH_THREADS", "3")
    try:
        make(tiny)
        assert torch.get_num_threads() == 3
    finally:
        torch.set_num_threads(before)


def test_language_check_rules() -> None:
    pytest.importorskip("py3langid")
    from moderation.scoring.language import check

    seven = {"en", "fr", "es", "it", "pt", "tr", "ru"}
    assert check("This is the dumbest thing I have read all week.", {"en"}) == ("en", True)
    assert check("Le maire devrait démissionner, quelle honte.", seven) == ("fr", True)
    assert check("Le maire devrait démissionner, quelle honte.", {"en"})[1] is False
    assert check("Der Bürgermeister ist ein Lügner und sollte zurücktreten", seven) == ("de", False)
    assert check("Ты идиот и лжец, уходи отсюда", {"en"})[1] is False
    assert check("Ты идиот и лжец, уходи отсюда", seven)[1] is True
    assert check("你是个白痴", seven)[1] is False
    assert check("🖕🖕", seven) == ("und", False)
    assert check("idiot!", {"en"}) == (None, True)  # too short to tell: benefit of the doubt
    assert (
        check("ｙｏｕ ａｒｅ ａ ｃｏｍｐｌｅｔｅ ｉｄｉｏｔ", {"en"})[1] is True
    )  # fullwidth disguise
    assert check("𝐲𝐨𝐮 𝐚𝐫𝐞 𝐚 𝐜𝐨𝐦𝐩𝐥𝐞𝐭𝐞 𝐢𝐝𝐢𝐨𝐭", {"en"})[1] is True


def test_window_length_comes_from_tokenizer_and_position_embeddings() -> None:
    from types import SimpleNamespace

    from moderation.scoring.engine import _model_max_length

    def model(kind: str, positions: int) -> SimpleNamespace:
        return SimpleNamespace(
            config=SimpleNamespace(model_type=kind, max_position_embeddings=positions)
        )

    unset = SimpleNamespace(model_max_length=int(1e30))  # what a tokenizer without a limit says
    assert _model_max_length(model("bert", 512), SimpleNamespace(model_max_length=512)) == 512
    assert _model_max_length(model("roberta", 514), unset) == 512  # padding offset of 2
    assert (
        _model_max_length(model("xlm-roberta", 514), SimpleNamespace(model_max_length=512)) == 512
    )
    assert _model_max_length(model("bert", 512), SimpleNamespace(model_max_length=128)) == 128


def test_a_text_past_max_windows_is_scored_at_both_ends_and_marked_too_long(tiny) -> None:
    import tiny_detoxify as td

    engine = make(tiny, max_length=32, overlap=6, max_windows=4)
    short, huge = td.filler(40, seed=1), td.filler(400, seed=2)
    r_short, r_huge = engine.score([short, huge])
    assert r_short.status == "ok" and r_short.windows < 4
    assert r_huge.status == "too_long" and r_huge.windows == 4
    ids = engine.tokenizer(huge, add_special_tokens=False)["input_ids"]
    starts = window_starts(len(ids), 30, 6)
    kept = starts[:2] + starts[-2:]
    model, tokenizer = tiny
    expected = [-1.0] * 3
    for s in kept:
        window = [tokenizer.cls_token_id] + ids[s : s + 30] + [tokenizer.sep_token_id]
        with torch.inference_mode():
            probs = torch.sigmoid(model(input_ids=torch.tensor([window])).logits)[0].tolist()
        expected = [max(a, b) for a, b in zip(expected, probs)]
    assert list(r_huge.labels.values()) == pytest.approx(expected, abs=1e-5)


def test_alternates_are_scored_beside_their_text_never_mixed_into_it(tiny) -> None:
    engine = make(tiny)
    a, b, x = "the council vote", "a fine morning", "the river and the bridge"
    sa, sb, sx = (r.labels for r in engine.score([a, b, x]))
    merged = engine.score([a, b], alternates={1: x, 5: "out of range"})
    assert merged[0].labels == pytest.approx(sa, abs=1e-6) and merged[0].deobfuscated is None
    assert merged[1].labels == pytest.approx(sb, abs=1e-6)  # the text's own scores, exactly
    assert merged[1].deobfuscated == pytest.approx(sx, abs=1e-6)
    assert merged[1].effective() == pytest.approx({k: max(sb[k], sx[k]) for k in sb}, abs=1e-6)
    assert merged[1].flag_values() == pytest.approx(
        {**sb, **{f"deobfuscated:{k}": v for k, v in sx.items()}}, abs=1e-6)
    assert merged[1].windows == 1


def test_clearly_english_fast_path_accepts_english_and_nothing_else() -> None:
    from moderation.scoring.language import check, clearly_english

    assert clearly_english("You are the worst and I think that this was a joke.")
    for text in ("Das ist ein sehr langer Kommentar auf Deutsch über die Politik der Stadt",
                 "Ceci est un commentaire très long sur la politique de la ville et le pont",
                 "Dit is een hele lange reactie over de politiek van de stad en de brug",
                 "the the"):
        assert not clearly_english(text)
    assert check("You are the worst and I think that this was a joke.", {"en"}) == ("en", True)


class MemoryLimited(torch.nn.Module):
    """A model whose device holds at most ``limit`` padded tokens per forward pass: past that it
    raises torch's own OutOfMemoryError, as CUDA does (no GPU here to run out of)."""

    def __init__(self, inner: torch.nn.Module, limit: int) -> None:
        super().__init__()
        self.inner, self.limit, self.config = inner, limit, inner.config
        self.calls: list[int] = []

    def forward(self, input_ids, attention_mask):
        self.calls.append(input_ids.numel())
        if input_ids.numel() > self.limit:
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return self.inner(input_ids=input_ids, attention_mask=attention_mask)


def test_out_of_memory_halves_the_batch_and_loses_no_row(tiny) -> None:
    import tiny_detoxify as td

    from moderation.scoring.engine import InferenceEngine

    model, tokenizer = tiny
    rng = random.Random(5)
    texts = [td.filler(rng.choice([3, 10, 40]), seed=i) for i in range(40)]
    want = make(tiny, activation="softmax", batch_size=64).score(texts)
    limited = MemoryLimited(model, limit=300)
    engine = InferenceEngine(limited, tokenizer, ("a", "b", "c"), name="test:tiny", version="v1",
                             device="cpu", activation="softmax", batch_size=64)
    got = engine.score(texts)
    assert len(got) == 40 and engine.oom_splits > 0
    for a, b in zip(want, got):
        assert list(b.labels.values()) == pytest.approx(list(a.labels.values()), abs=1e-5)
    # the caps shrank to what fitted: a second call splits far less
    splits = engine.oom_splits
    engine.score(texts)
    assert engine.oom_splits - splits < splits


def test_one_window_too_big_for_the_device_is_one_clear_error(tiny) -> None:
    import tiny_detoxify as td

    from moderation.scoring.engine import InferenceEngine

    model, tokenizer = tiny
    engine = InferenceEngine(MemoryLimited(model, limit=5), tokenizer, ("a", "b", "c"),
                             name="test:tiny", version="v1", device="cpu", activation="softmax")
    with pytest.raises(ScorerError, match="does not fit in cpu memory"):
        engine.score([td.filler(40, seed=1)])
