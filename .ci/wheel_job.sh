#!/usr/bin/env bash
# CI job: build the wheel, install it with the locked dependencies into a clean virtualenv, and
# run the README's main job on seeds/ from a directory that is not the checkout: the wheel must
# carry the embedded models and find them where it is installed. Then damage one model file of
# that install and check that loading fails with the checksum error naming the file.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail() { echo "wheel job: FAILED: $*" >&2; exit 1; }
python3 -m venv "$work/venv"
py="$work/venv/bin/python"
pip=("$py" -m pip --disable-pip-version-check --quiet)
"${pip[@]}" wheel --no-deps -w "$work/dist" .
"${pip[@]}" install --require-hashes -r requirements.lock
"${pip[@]}" install --no-deps "$work"/dist/moderation-*.whl
"$py" -m pip --disable-pip-version-check check
mkdir "$work/elsewhere"
cd "$work/elsewhere"
models="$("$py" -c 'from moderation.scoring import models_dir; print(models_dir())')"
case "$models" in
    "$work/venv/"*) ;;
    *) fail "models_dir() is $models, not inside the installed package" ;;
esac
"$work/venv/bin/moderation" run "$repo/seeds/" </dev/null >run.out 2>run.err \
    || { cat run.err >&2; fail "moderation run seeds/ exited $?"; }
grep -q "flagged" run.out run.err || { cat run.out run.err >&2; fail "no flagged summary printed"; }
echo "wheel job: $(basename "$work"/dist/*.whl) installed; 'moderation run seeds/' from" \
     "$work/elsewhere used the models in $models:"
head -3 run.out | sed 's/^/    /'
# The encoders' ONNX Runtime path from the installed wheel (fp32 on a CPU, as on one without
# bf16): its scores equal torch's within 1e-5.
"$py" - <<'PY' || fail "the installed wheel's ONNX Runtime path"
import os
texts = ["You are a complete idiot.", "Thanks, a clear and fair article.",
         "Das ist doch völliger Unsinn, du Depp.", "Merci pour cet article."]
from moderation.scoring import load_scorer
for name in ("builtin:minilm-tox", "builtin:multi-tox"):
    got, runners = {}, {}
    for runtime in ("onnxruntime", "torch"):
        os.environ["MODERATION_CPU_RUNTIME"] = runtime
        s = load_scorer(name, device="cpu", precision="fp32")
        got[runtime] = [r.labels for r in s.score(texts)]
        runners[runtime] = s.engine.model.runner
    assert runners["onnxruntime"]._runner is not None and runners["torch"].graph is None
    worst = max(abs(a[k] - b[k]) for a, b in zip(got["onnxruntime"], got["torch"]) for k in a)
    assert worst < 1e-5, (name, worst)
    print(f"wheel job: {name} in ONNX Runtime, fp32: max |diff| from torch {worst:.1e}")
PY
# Bad input: a damaged model file in the installed wheel.
target="$models/linear-tox/linear.safetensors"
printf 'XXXX' | dd of="$target" bs=1 seek=4096 conv=notrunc status=none
if "$work/venv/bin/moderation" --db d.db score --model builtin:linear-tox >dmg.out 2>dmg.err; then
    fail "a damaged model file loaded without complaint"
fi
grep -q "checksum mismatch for linear.safetensors" dmg.err \
    || { cat dmg.err >&2; fail "the damaged model's error does not name the file"; }
echo "wheel job: a damaged model file is refused: $(cat dmg.err)"
