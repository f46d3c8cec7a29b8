"""The shipped embedded models: load, checksums (a tampered copy is refused), sane scores."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from moderation.errors import ScorerError
from moderation.scoring import builtin, load_scorer, models_dir

MODELS = models_dir()
SHIPPED = sorted(p.name for p in MODELS.iterdir() if (p / "manifest.json").is_file())
TOXIC = [
    "You are a complete idiot and a moron.",
    "Shut up, you stupid piece of shit.",
    "I will find you and kill you, you worthless bitch.",
]
BENIGN = [
    "Great reporting, thank you.",
    "I disagree with the vote but fair enough.",
    "The council met on Tuesday and approved the budget for the new library.",
]


# The English models; the multilingual one (English goes elsewhere) has tests/test_multilingual.py.
ENGLISH = [n for n in SHIPPED
           if json.loads((MODELS / n / "manifest.json").read_text())["kind"] != "multilingual"]


@pytest.fixture(scope="module", params=ENGLISH)
def scorer(request: pytest.FixtureRequest):
    return builtin.load(request.param)


def test_default_names_a_shipped_model() -> None:
    name = (MODELS / "DEFAULT").read_text().strip()
    assert name in SHIPPED
    assert "linear-tox" in SHIPPED


def test_manifest_lists_every_weight_file_and_no_pickles() -> None:
    for name in SHIPPED:
        d = MODELS / name
        manifest = json.loads((d / "manifest.json").read_text())
        weights = {p.name for p in d.iterdir() if p.suffix in (".safetensors", ".npz", ".json", ".txt")}
        weights -= {"manifest.json", "metrics.json"}
        assert weights <= set(manifest["files"]), name
        # an ONNX Runtime graph is checksummed under runtime_graph (onnx_graph.LazyRunner)
        graphs = {p.name for p in d.iterdir() if p.suffix == ".onnx"}
        assert graphs <= {manifest.get("runtime_graph", {}).get("file")}, name
        assert (d / "MODEL_CARD.md").is_file() and (d / "metrics.json").is_file()
        assert not [p for p in d.iterdir() if p.suffix in (".pkl", ".pickle", ".bin", ".pt", ".joblib")]
        assert sum(p.stat().st_size for p in d.iterdir()) < 100 * 2**20


def test_scores_are_sane(scorer) -> None:
    res = scorer.score(TOXIC + BENIGN)
    assert isinstance(res, list) and len(res) == 6
    tox = [r.labels["toxicity"] for r in res]
    assert min(tox[:3]) > max(tox[3:])
    assert all(type(v) is float and 0.0 <= v <= 1.0 for r in res for v in r.labels.values())
    assert set(res[0].labels) == set(scorer.labels) and "toxicity" in scorer.labels
    assert res[0].model == scorer.name and res[0].version == scorer.version
    # Why flagged: a span over an insulting word, in raw-text offsets.
    words = {TOXIC[0][s.start:s.end].lower() for s in res[0].spans}
    assert any("idiot" in w or "moron" in w for w in words), words


def test_empty_text_is_empty_not_clean(scorer) -> None:
    res = scorer.score(["", "   \n\t", "Great reporting, thank you."])
    assert [r.status for r in res] == ["empty", "empty", "ok"]
    assert res[0].labels == {} and res[1].labels == {}


def test_obfuscation_is_seen_through(scorer) -> None:
    plain = "Great reporting, thank you."
    raw = ["f*ck you, you st\u200bupid idi0t", "ｓｈｕｔ ｕｐ ｙｏｕ ｉｄｉｏｔ", "f.u.c.k y.o.u", "sh1t for br4ins"]
    res = scorer.score(raw + [plain])
    benign = res[-1].labels["toxicity"]
    for text, r in zip(raw, res):
        assert r.labels["toxicity"] > benign + 0.2, text
        for s in r.spans:
            assert 0 <= s.start < s.end <= len(text)


def test_spans_map_to_raw_offsets_through_normalization() -> None:
    s = builtin.load("linear-tox")
    text = "Well, you are an ｉｄｉｏｔ and a m\u200boron."
    (r,) = s.score([text])
    marked = [text[sp.start:sp.end] for sp in r.spans]
    assert any("ｉｄｉｏｔ" in m or "m\u200boron" in m for m in marked), marked


def test_tampered_copy_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in SHIPPED:
        dst = tmp_path / name
        shutil.copytree(MODELS / name, dst)
    manifest = json.loads((tmp_path / "linear-tox" / "manifest.json").read_text())
    weight = next(iter(manifest["files"]))
    p = tmp_path / "linear-tox" / weight
    data = bytearray(p.read_bytes())
    data[len(data) // 2] ^= 0xFF
    p.write_bytes(bytes(data))
    monkeypatch.setenv("MODERATION_MODELS_DIR", str(tmp_path))
    with pytest.raises(ScorerError, match=weight):
        builtin.load("linear-tox")
    (tmp_path / "linear-tox" / weight).unlink()
    with pytest.raises(ScorerError, match=f"missing file {weight}"):
        builtin.load("linear-tox")


def test_load_scorer_routes_builtin_names() -> None:
    s = load_scorer("builtin:linear-tox")
    assert s.name == "builtin:linear-tox" and s.labels[0] == "toxicity"


def test_linear_runtime_needs_neither_torch_nor_sklearn() -> None:
    code = (
        "import sys; from moderation.scoring import load_scorer;"
        "s = load_scorer('builtin:linear-tox'); s.score(['you idiot']);"
        "bad = [m for m in ('torch', 'sklearn', 'transformers') if m in sys.modules];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert r.returncode == 0, r.stdout + r.stderr


def test_encoder_runtime_matches_transformers() -> None:
    """builtin's plain-torch BERT and WordPiece wrapper give transformers' own outputs."""
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    encoders = [n for n in SHIPPED if json.loads((MODELS / n / "manifest.json").read_text())["kind"] == "encoder"]
    assert encoders, "no encoder shipped"
    for name in encoders:
        s = builtin.load(name, device="cpu")
        s.engine.set_precision("fp32")  # the implementation itself (bf16: tests/test_precision.py)
        d = str(MODELS / name)
        ref = transformers.BertForSequenceClassification.from_pretrained(d, dtype=torch.float32).eval()
        tok = transformers.AutoTokenizer.from_pretrained(d)
        texts = ["You are an idiot", "ok", "The council approved the library budget, 5 to 2.", "ｆｕｃｋ 🙂 naïve"]
        enc = tok(texts, padding=True, truncation=True, max_length=128, return_tensors="pt")
        with torch.inference_mode():
            want = ref(**enc).logits
            got = s.engine.model(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"])
        assert (want - got).abs().max().item() < 1e-4
        assert s.engine.tokenizer(texts, add_special_tokens=False)["input_ids"] == [
            tok(t, add_special_tokens=False)["input_ids"] for t in texts]


@pytest.mark.parametrize("name", ["builtin:linear-tox", "builtin"])
def test_uncovered_language_is_sent_to_review_with_scores_kept(name: str) -> None:
    from moderation.scoring import load_scorer

    german, english = load_scorer(name).score([
        "Das ist ein sehr langer Kommentar auf Deutsch über die Politik der Stadtverwaltung",
        "You are a stupid idiot and everyone here knows it.",
    ])
    assert (german.status, german.language) == ("unsupported_language", "de")
    assert "toxicity" in german.labels
    assert (english.status, english.language) == ("ok", "en")


def test_linear_word_offsets_are_the_word_regex_matches() -> None:
    """The numpy word finder agrees with the regex it replaces (apostrophe chains, non-ASCII)."""
    import numpy as np
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from moderation.scoring.ngram_features import _WORD, _words

    @settings(max_examples=400, deadline=None)
    @given(st.one_of(st.text(), st.text(alphabet="ab1'_ é\u00b2\u0663日-\x00")))
    def check(text: str) -> None:
        big = " " + text + " \x00"
        cp = np.frombuffer(big.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        s, e = _words(cp)
        want = [(m.start(), m.end()) for m in _WORD.finditer(big)]
        assert list(zip(s.tolist(), e.tolist())) == want

    check()
