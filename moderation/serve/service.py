"""What a request does, over the core: score through the micro-batcher, store through the
store, keys and rate limits. Protocol-agnostic of HTTP (the Starlette app maps it)."""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass
from typing import Any

from moderation.documents import Scores
from moderation.errors import ModerationError
from moderation.scoring import Scorer
from moderation.scoring.batcher import MicroBatcher, Overloaded
from moderation.serve import wire
from moderation.serve.wire import AnalyzeRequest, ApiError, SuggestRequest
from moderation.store import Store
from moderation.store.live import key_hash

KEYS_REFRESH_S = 5.0


@dataclass(frozen=True)
class Settings:
    model: str = "builtin"
    device: str = "auto"
    precision: str = "auto"
    other_languages: str = ""  # config scoring.other_languages: comments in other languages
    language: str = ""  # config scoring.language: most readers' language
    db_path: str = "moderation.db"
    busy_timeout_ms: int = 5000
    rate_per_second: float = 10.0
    rate_burst: int = 20
    max_queue: int = 64
    max_batch: int = 16
    body_timeout_s: float = 10.0
    max_body_bytes: int = 1_048_576


class RateLimiter:
    """A token bucket per caller (an API key's name, or the client's address without keys)."""

    def __init__(self, rate: float, burst: int):
        self.rate = rate
        self.burst = max(1, burst)
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def allow(self, who: str) -> bool:
        now = time.monotonic()
        with self._lock:
            if len(self._buckets) > 100_000:  # bounded: forget callers idle long enough
                self._buckets = {k: v for k, v in self._buckets.items()
                                 if now - v[1] < self.burst / max(self.rate, 1e-9)}
            tokens, last = self._buckets.get(who, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.rate)
            if tokens < 1:
                self._buckets[who] = (tokens, now)
                return False
            self._buckets[who] = (tokens - 1, now)
            return True


def model_languages(scorer: Scorer) -> frozenset[str]:
    langs = getattr(scorer, "languages", None) or getattr(scorer, "supported_languages", None)
    return frozenset(wire.base_language(x) for x in (langs or ("en",)))


class Service:
    """One loaded model behind a micro-batcher, one store, the keys and the limits."""

    def __init__(self, scorer: Scorer, store: Store, settings: Settings):
        self.scorer = scorer
        self.store = store
        self.settings = settings
        self.labels = tuple(scorer.labels)
        self.languages = model_languages(scorer)
        # The language a text too short to identify is scored in (routing.decide): the
        # readers' language the config names, else the primary model's.
        covered = getattr(scorer, "covered", None) or self.languages
        self.short_text_language = getattr(scorer, "default", None) or (
            "en" if "en" in covered else min(covered))
        if hasattr(scorer, "context"):
            # The micro-batcher scores different callers' comments in one call: none may take
            # its language from another caller's (routing.decide); a caller states it instead.
            scorer.context = False
        self.batcher = MicroBatcher(scorer, max_batch=settings.max_batch,
                                    max_queue=settings.max_queue)
        self.limiter = RateLimiter(settings.rate_per_second, settings.rate_burst)
        self._keys: dict[bytes, str] = store.active_key_hashes()
        self._keys_required = store.ever_had_api_keys()
        self._keys_at = time.monotonic()

    def close(self) -> None:
        self.batcher.close()
        self.store.close()

    # -- keys and limits ------------------------------------------------------------------

    async def caller(self, key: str | None, client: str) -> str:
        """The caller's name for logs and limits; refuses a missing or unknown key when keys
        exist, and a caller over its rate."""
        if time.monotonic() - self._keys_at > KEYS_REFRESH_S:
            self._keys, self._keys_required = await asyncio.to_thread(self._read_keys)
            self._keys_at = time.monotonic()
        if self._keys_required:
            if not key:
                raise ApiError("The request is missing a valid API key.", None, code=403)
            name = self._keys.get(key_hash(key))
            if name is None:
                raise ApiError("API key not valid. Please pass a valid API key.", None, code=400)
            who = f"key:{name}"
        else:
            who = f"local:{client}"
        if not self.limiter.allow(who):
            raise ApiError(f"Rate limit exceeded for {who} ({self.settings.rate_per_second:g} "
                           "requests/s); retry later.", "RATE_LIMIT_EXCEEDED", code=429)
        return who

    def _read_keys(self) -> tuple[dict[bytes, str], bool]:
        return self.store.active_key_hashes(), self.store.ever_had_api_keys()

    # -- scoring --------------------------------------------------------------------------

    async def _score(self, texts: list[str], language: str | None = None) -> list[Scores]:
        try:
            future = self.batcher.submit(texts, [language] * len(texts) if language else None)
        except Overloaded as exc:
            raise ApiError(f"Server busy: {exc}; retry shortly.", "RATE_LIMIT_EXCEEDED",
                           code=429) from exc
        return await asyncio.wrap_future(future)

    def _unsupported(self, req: AnalyzeRequest, langs: list[str], detected: list[str],
                     attribute: str | None = None) -> dict[str, Any]:
        """Perspective's LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE for ``attribute`` (default: the
        first one asked for), or no scores when the request drops unsupported attributes."""
        if req.drop_unsupported:
            return {}
        name = attribute or req.attributes[0].name
        raise ApiError(f"Attribute {name} does not support request languages: "
                       f"{','.join(langs)}", "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE",
                       extra={"languageNotSupportedByAttributeError": {
                           "detectedLanguages": detected, "requestedLanguages": req.languages,
                           "attribute": name}})

    async def analyze(self, req: AnalyzeRequest, who: str) -> dict[str, Any]:
        wanted = [a for a in req.attributes if a.label is not None or not req.drop_unsupported]
        missing = [a.name for a in wanted if a.label is None]
        if missing:
            scored = ", ".join(n for n, lab in wire.ATTRIBUTES.items() if lab in self.labels)
            raise ApiError(f"Attribute {missing[0]} is not supported by the model "
                           f"{self.settings.model} (it scores: {scored}); send "
                           "dropUnsupportedAttributes to leave it out.")
        out: dict[str, Any] = {"attributeScores": {}}
        requested = [wire.base_language(x) for x in req.languages]
        bad = [x for x in requested if x not in self.languages]
        if bad:
            out["attributeScores"] = self._unsupported(req, bad, [])
            out["languages"] = req.languages
            return self._finish(out, req)
        spans = wire.sentences(req.text) if req.span_annotations else []
        texts = [req.text] + ([req.text[a:b] for a, b in spans] if len(spans) > 1 else [])
        # The comment's language as the request states it (the first one listed) picks the
        # model; without one, each text's language is detected.
        results = await self._score(texts, requested[0] if requested else None)
        summary = results[0]
        detected = summary.language
        if not requested:
            if detected == "und":
                raise ApiError("Unable to detect the comment's language; send `languages`.",
                               "LANGUAGE_DETECTION_FAILED")
            if detected is not None and detected not in self.languages:
                out["attributeScores"] = self._unsupported(req, [detected], [detected])
                out["languages"] = [detected]
                out["detectedLanguages"] = [detected]
                return self._finish(out, req)
        # A comment another model scored (its language's) may lack some of the attributes
        # asked for: multi-tox scores TOXICITY only. Perspective's answer for that language.
        lacking = [a for a in wanted if summary.labels and a.label not in summary.labels]
        if lacking:
            self._unsupported(req, req.languages or [detected or "und"],
                              [detected] if detected else [], lacking[0].name)
            wanted = [a for a in wanted if a not in lacking]  # dropUnsupportedAttributes
        out["languages"] = req.languages or [detected or self.short_text_language]
        out["detectedLanguages"] = [detected] if detected and detected != "und" else []
        span_results = results[1:] if len(results) > 1 else results[:1]
        span_bounds = spans if len(spans) > 1 else [(0, len(req.text))]
        utf16 = wire.utf16_offsets(req.text) if req.span_annotations else []
        for attr in wanted:
            value = summary.labels.get(attr.label or "", 0.0)
            if attr.threshold is not None and value < attr.threshold:
                continue
            entry: dict[str, Any] = {"summaryScore": wire.score_entry(value)}
            if req.span_annotations:
                entry["spanScores"] = [
                    {"begin": utf16[a], "end": utf16[b],
                     "score": wire.score_entry(r.labels.get(attr.label or "", 0.0))}
                    for (a, b), r in zip(span_bounds, span_results, strict=True)]
            out["attributeScores"][attr.name] = entry
        if not req.do_not_store:
            await self._store(req.text, summary, req.community_id, req.session_id,
                              req.client_token, who)
        return self._finish(out, req)

    @staticmethod
    def _finish(out: dict[str, Any], req: AnalyzeRequest) -> dict[str, Any]:
        if req.client_token is not None:
            out["clientToken"] = req.client_token
        return out

    async def _store(self, text: str, scores: Scores | None, community: str | None,
                     session: str | None, token: str | None, who: str) -> int:
        try:
            return await asyncio.to_thread(self.store.add_live_comment, text, scores,
                                           community=community, session=session,
                                           client_token=token, source=who)
        except ModerationError as exc:
            raise ApiError(f"The comment could not be stored ({exc}); nothing was kept. Send "
                           "doNotStore to score without storing.", None, code=503) from exc

    async def suggest(self, req: SuggestRequest, who: str) -> dict[str, Any]:
        """Keep the comment and the suggested scores as a person's decision, which
        `moderation calibrate` learns from: TOXICITY (else the highest suggested score) at or
        over 0.5 is a hide, under it an approve."""
        value = req.scores.get("TOXICITY", max(req.scores.values()))
        (scores,) = await self._score([req.text])  # calibrate compares them with the decision
        comment_id = await self._store(req.text, scores, req.community_id, req.session_id,
                                       req.client_token, who)
        action = "hide" if value >= 0.5 else "approve"
        note = "suggested scores: " + ", ".join(f"{k} {v:g}" for k, v in req.scores.items())
        await asyncio.to_thread(self.store.record_decision, comment_id, action, who,
                                reason="suggested_score" if action == "hide" else None,
                                note=note)
        out: dict[str, Any] = {}
        if req.client_token is not None:
            out["clientToken"] = req.client_token
        if req.languages:
            out["requestedLanguages"] = req.languages
        return out
