"""Plain-text page dumps: title, byline, body, and the comments after the widget chrome."""

from __future__ import annotations

import re

from moderation.documents import Article, Comment
from moderation.parse import (
    bylines,
    chrome,
    dumpbody,
    dumplists,
    dumpshape,
    dumpzone,
    runblocks,
    runkinds,
    signedcomments,
)
from moderation.parse.dates import iso_date
from moderation.parse.textcomments import (
    _NUMBERED,
    _comments,
    _Draft,
    is_name_like,
    split_comments,
)
from moderation.parse.zoneblocks import (
    drop_lists,
    drop_unmarked,
    marked,
    reads_as_text,
    strip_counters,
)

__all__ = ["is_name_like", "parse_text", "split_comments"]

_BYLINE = re.compile(
    r"(?i)^(?:written by|posted by|words by|by|von|por|par|door|di|av|af|autor:?|author:?)\s+\S"
)
_POST_FOOTER = re.compile(r"(?i)^(?:labels|tags|schlagwörter|etiquetas|libellés)\s*:")
_ZONE_COUNT_WORD = re.compile(r"\d")  # a header's "1.620 Kommentare", "(12)"
# Body paragraphs at least this long (words) show the article has started.
_LONG_PARAGRAPH = 15
# A counter this close under the title belongs to the article header, not the comments.
_HEADER_LINES = 12
# A comment heading this close under a run of comment headers is the reply form after them.
_FORM_AFTER_RUN = 15


def _find_title(lines: list[str]) -> int | None:
    for i, line in enumerate(lines[:40]):
        s = line.strip()
        if (len(s.split()) >= 2 and len(s) <= 200 and not chrome.is_boilerplate(s)
                and not chrome.is_meta_line(s)):
            return i
    return None


def _find_byline(lines: list[str], start: int) -> int | None:
    for i in range(start, min(len(lines), start + 12)):
        s = lines[i].strip()
        if _BYLINE.match(s) and len(s) <= 200:
            return i
    return None


def _numbered_list_follows(lines: list[str], i: int) -> bool:
    nxt = next((ln.strip() for ln in lines[i + 1:i + 4] if ln.strip()), "")
    return nxt.startswith("1. ") and len(nxt) > 6


_COUNTER_REPEAT = 12  # lines


# "5 thoughts on “Title”", "12 Antworten auf „Title“": a count, a few words, the post's title
# quoted; in whatever language the theme prints it, the title says what is counted
_COUNT_ON_TITLE = re.compile(r"^\d+\s+(?:[^\W\d_]+\s+){0,3}[^\W\d_]+\s*[„“”\"«‘’'‚]")
_TITLE_WORDS = re.compile(r"\w+")


def _count_on_title(line: str, title: str | None) -> bool:
    """A comment heading that counts the comments on the post by its title."""
    if not title or not _COUNT_ON_TITLE.match(line):
        return False
    want = set(_TITLE_WORDS.findall(title.lower()))
    got = set(_TITLE_WORDS.findall(line.lower()))
    return len(want) >= 2 and len(want & got) * 10 >= len(want) * 6


def _find_zone(lines: list[str], start: int) -> int | None:
    """Index of the first comment-section line after some article text, or None.

    A comment counter in the article's header ("12 Comments" next to the byline) is passed
    over when a comment section follows later in the page.
    """
    body_seen = False
    first: int | None = None
    title = lines[start - 1].strip() if start > 0 else None
    for i in range(start, len(lines)):
        s = lines[i].strip()
        zone = body_seen and (chrome.is_zone_start(s) or _count_on_title(s, title) or (
            _POST_FOOTER.match(s) is not None and _numbered_list_follows(lines, i)))
        if zone and chrome.is_counter(s) and _counter_repeats(lines, i):
            continue  # "12 Kommentare" under every teaser: the articles' counts, no heading
        if zone:
            if first is None and i - start <= _HEADER_LINES and chrome.is_counter(s) \
                    and i < len(lines) // 4:
                first = i  # maybe the header's counter: look for a later section
            else:
                return i
        if not body_seen and len(s.split()) >= _LONG_PARAGRAPH:
            body_seen = True
    return first


def _counter_repeats(lines: list[str], i: int) -> bool:
    """The counter at line i comes back, with another number, within a few blocks below."""
    key = dumpshape.shape(lines[i].strip())
    return any(dumpshape.shape(lines[j].strip()) == key and lines[j].strip() != lines[i].strip()
               for j in range(i + 1, min(len(lines), i + _COUNTER_REPEAT)))


def _form_first(lines: list[str], zone: int) -> bool:
    """The reply form's notices ("Your email address will not be published") come first in
    the zone, before any sentence."""
    for line in lines[zone + 1:zone + 40]:
        s = line.strip()
        if not s:
            continue
        if chrome.is_zone_end(s):
            return True
        if dumpshape.is_prose(s):
            return False
    return False


def _dated_by_run(lines: list[str], zone: int, drafts: list[_Draft]) -> list[_Draft]:
    """Under a heading, comments whose date (or age) stands alone on its line, not under a
    name (a date line per comment, most comments found without one), get their dates from the run those lines make: it says whether each date opens
    its comment or closes it. Kept only where that splits the zone into as many comments."""
    if sum(bool(d.date) for d in drafts) * 2 >= len(drafts):
        return drafts
    dated = sum(1 for ln in lines[zone + 1:] if 0 < len(ln) <= 60 and bylines.is_date_line(ln))
    if dated < max(3, len(drafts) - 1):
        return drafts  # not a date line per comment (and no header-run search to pay for)
    for run in dumpshape.header_runs(lines, zone + 1):
        if not (run.dated or run.has_time) or len(run.lines) * 2 < len(drafts):
            continue
        lead = runblocks.headers_lead(lines, run)
        again = _comments(lines[zone + 1:], frozenset(i - zone - 1 for i in run.lines), lead)
        if len(again) == len(drafts) and sum(bool(d.date) for d in again) * 2 > len(again):
            return again
        break
    return drafts


def _header_counter_only(lines: list[str], start: int, zone: int, drafts: list[_Draft]) -> bool:
    """The zone is the header's comment counter and what follows mostly lacks a comment's
    marks (an author or a date line): the article itself, cut into blocks."""
    s = lines[zone].strip()
    marked = sum(bool(d.author or d.date or d.kind != "comment") for d in drafts)
    return (zone - start <= _HEADER_LINES and zone < len(lines) // 4
            and _ZONE_COUNT_WORD.search(s) is not None
            and marked * 3 < len(drafts))


def _comment_evidence(lines: list[str], first: int, last: int) -> bool:
    """A comment heading, counter, reply form or per-comment action line near or in a run.
    (A counter printed under every block, "12 Kommentare" under each teaser, is no heading.)"""
    window = range(max(0, first - 15), min(len(lines), last + 15))
    counters = [dumpshape.shape(lines[i].strip()) for i in window
                if chrome.is_zone_start(lines[i].strip()) and any(map(str.isdigit, lines[i]))]
    per_block = {k for k in counters if counters.count(k) >= 2}
    for i in window:
        s = lines[i].strip()
        if not s or per_block and dumpshape.shape(s) in per_block:
            continue
        if chrome.is_zone_start(s) or chrome.is_zone_end(s) and not chrome.is_page_footer(s) \
                or bylines.NUMBERED_BY.match(s) or (
                first <= i <= last and (chrome.is_widget_line(s) or chrome.is_meta_line(s)
                                        or _reply_row(s))
                and not bylines.is_date_line(s)):
            return True
    return False


def _reply_row(line: str) -> bool:
    """A date printed with a reply link ("Gefällt mir · Antworten · 1 Std.", "28 Settembre
    2023 Rispondi"); a row of other actions ("14:25 Uhr · Teilen") is a ticker's too."""
    date = chrome.action_row_date(line)
    return date is not None and any(
        w in chrome.REPLY_WORDS for w in re.findall(r"\w+", line.replace(date, "").lower()))


def _structural_zone(lines: list[str], start: int, before: int | None,
                     warnings: list[str]) -> tuple[int | None, int, list[_Draft]]:
    """The comment run found from repeated header lines (above ``before``, when given)."""
    for run in dumpshape.header_runs(lines[:before] if before is not None else lines, start):
        lead = runblocks.headers_lead(lines, run)
        first = dumpshape.header_block_start(lines, run.start, start) if lead \
            else runblocks.footer_block_start(lines, run, start)
        if not any(len(ln.split()) >= _LONG_PARAGRAPH for ln in lines[start:first]):
            continue  # no article before it: a list, not comments under an article
        if runkinds.one_voice(lines, run):
            continue  # one account's feed
        if not _comment_evidence(lines, run.start, run.end) and (
                runblocks.article_list(lines, run, first, lead)
                or not (runkinds.named_times(lines, run) or dumpshape.named_ages(lines, run)
                        or runkinds.dated_prose(lines, run))):
            # dated items, but nothing says comments: news teasers look the same (and
            # a related-posts heading over them says what they are)
            warnings.append(
                f"lines {first + 1}-{run.end + 1}: {len(run.lines)} blocks under repeated "
                f"header lines ({lines[run.start].strip()[:40]!r}) look like comments, but no "
                "comment heading, form or reply line marks them; left in the body")
            continue
        headers = frozenset(i - first for i in run.lines)
        drafts = _comments(lines[first:], headers, lead)
        if runblocks.quotations([d.text() for d in drafts]):
            warnings.append(f"lines {first + 1}-{run.end + 1}: {len(drafts)} blocks that are "
                            "each one quotation under or over a name: quotes, left in the body")
            continue
        while drafts and not marked(drafts[-1]) and not reads_as_text(drafts[-1]):
            drafts.pop()  # the menu or "popular posts" titles after the last comment
        if drafts:
            return first - 1, run.end, drafts
    above = lines[:before] if before is not None else lines
    for first, last in dumplists.name_lists(above, start) + dumplists.bullet_name_lists(above, start):
        # a numbered or bulleted list of names with text under each: the comment list
        if any(len(ln.split()) >= _LONG_PARAGRAPH for ln in lines[start:first]):
            drafts = _name_list_comments(lines[first:last + 1])
            if drafts:
                return first - 1, last, drafts
    for first, last in dumplists.says_lists(above, start):
        drafts = dumplists.says_authors(_comments(lines[first:last + 1]))
        if drafts:
            return first - 1, last, drafts
    return None, -1, []


def _name_list_comments(lines: list[str]) -> list[_Draft]:
    """One comment per item of a numbered name list: the name after the number is the author
    (lower case or with an initial: a commenter's handle), the lines under it the text."""
    drafts: list[_Draft] = []
    new_para = True
    for line in lines:
        s = line.strip()
        item = _NUMBERED.match(s)
        if item and dumplists.short_name(item.group(2).rstrip(" :")):
            # a numbered commenter, or a bulleted reply under it ("• Spain on a Fork")
            drafts.append(_Draft(author=item.group(2).rstrip(" :"), item=item.group(1)))
            new_para = True
        elif not s:
            new_para = True
        elif drafts and not drafts[-1].date and len(s) <= 40 and bylines.is_date_line(s):
            drafts[-1].date = s
        elif drafts:
            drafts[-1].add(item.group(2) if item else s, new_paragraph=new_para)
            new_para = False
    return [d for d in drafts if d.paragraphs]


def _form_zone(lines: list[str], zone: int | None) -> bool:
    """The zone opens with a reply form's prompt ("Leave a Comment")."""
    return zone is not None and 0 <= zone < len(lines) and chrome.is_zone_end(lines[zone].strip())


def parse_text(text: str, warnings: list[str] | None = None) -> Article:
    """Parse a plain-text page dump into one Article with its comments (parents unknown).

    Where a comment zone cannot be told from the body, a line saying so is appended to
    ``warnings``."""
    warnings = [] if warnings is None else warnings
    mark = len(warnings)  # this parse's own notes start here
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    t = _find_title(lines)
    title = lines[t].strip() if t is not None else None
    start = (t + 1) if t is not None else 0
    b = _find_byline(lines, start)
    byline = lines[b].strip() if b is not None else None
    zone = _find_zone(lines, start)
    skip = {i for i in (t, b) if i is not None}
    drafts = _comments(lines[zone + 1:]) if zone is not None else []
    if drafts and zone is not None:
        drafts = _dated_by_run(lines, zone, drafts)
        if _form_first(lines, zone) and sum(bool(d.author) for d in drafts) * 2 < len(drafts):
            # the reply form (its notices) opens the zone and unsigned blocks follow: the
            # page's footer (recent posts, a photo feed), not comments under the form
            warnings.append(
                f"line {zone + 1}: the reply form opens the comment zone and the "
                f"{len(drafts)} blocks after it carry no author: left out as the page's footer")
            drafts = []
    # The run of comment headers found from the dump's structure, above the first heading:
    # taken when no heading was found, or when the "heading" is the reply form right under it.
    if zone is not None and drafts and _header_counter_only(lines, start, zone, drafts):
        warnings.append(
            f"line {zone + 1}: a comment counter under the title ({lines[zone].strip()[:40]!r}) "
            f"but no comment section after it: the {len(drafts)} blocks that follow carry no "
            "author, date or reply line, so they were left in the body")
        zone, drafts = None, []
    signed = signedcomments.signed_comments(lines, start) if zone is None else []
    # (a heading that is also a form prompt, "Leave a Comment", may sit under the comments)
    form_heading = zone is not None and chrome.is_zone_end(lines[zone].strip())
    heading = zone
    tried = not signed and (not drafts or form_heading)
    if tried:
        szone, send, sdrafts = _structural_zone(lines, start, zone, warnings)
        empty_heading = zone is not None and not drafts and not form_heading
        if sdrafts and (not drafts or zone is None or zone - send <= _FORM_AFTER_RUN) and not (
                # a heading with nothing under it but the form's notices: the run above it
                # counts only where its blocks are signed, as below (a dated list of related
                # posts sits there too)
                empty_heading and sum(bool(d.author) for d in sdrafts) * 2 <= len(sdrafts)):
            zone, drafts = szone, sdrafts
    # (a zone whose blocks all turn out to be chrome leaves the classifier its chance)
    drafts = drop_unmarked(drafts, zone, warnings, form=_form_zone(lines, zone))
    if not drafts and not signed and not tried and zone is not None:
        # the heading's zone held no comment (a form notice under them): the run above it,
        # where its blocks are signed (a dated "related posts" list sits there too)
        szone, _send, sdrafts = _structural_zone(lines, start, zone, warnings)
        if sum(bool(d.author) for d in sdrafts) * 2 > len(sdrafts):
            zone, drafts = szone, sdrafts
    listed = plain = None
    if not drafts and not signed:
        listed = dumplists.comment_list(lines, start)
        if listed is None:
            listed = plain = dumplists.plain_comment_list(lines, start)
    elif form_heading and zone == heading:
        # the rules' zone is the reply form: a threaded list right above it is the comments
        listed = dumplists.comment_list(lines[:heading], start)
        if listed is not None and heading - listed.end > _FORM_AFTER_RUN:
            listed = None
    if listed is not None:
        # a numbered list whose count starts over and resumes: threaded comments
        del warnings[mark:]
        warnings.append(
            f"lines {listed.start + 1}-{listed.end + 1}: {len(listed.items)} items of a numbered "
            + ("list read as comments: the page's last list, nothing of the article after it, "
               "prose items that ask or exclaim; no name, date or reply line marks them"
               if plain is not None else
               "list whose count starts over and resumes (replies) read as comments"))
        zone = listed.start - 1
        drafts = _comments(lines[listed.start:listed.end + 1])
    learned = None
    if not drafts and not signed and dumpshape.header_runs(lines, start, loose=True):
        # No comment found by headings or header runs the rules trust, but some header shape
        # repeats with prose between: the learned line classifier's zone.
        learned = dumpzone.learned_zone(lines, start)
        why = "no comment heading or trusted header run"
    elif drafts and zone is not None and dumpshape.header_runs(lines[:zone], start, loose=True):
        # The rules' zone weighed against the classifier's: a zone that starts above the
        # rules' heading and holds clearly more comment evidence wins.
        learned = dumpzone.earlier_zone(lines, start, zone)
        why = f"it starts above the rules' zone at line {zone + 1} and scores higher"
    if learned is not None:
        # the rules' "left in the body" notes no longer hold: say where the zone came from
        del warnings[mark:]
        warnings.append(
            f"lines {learned.start + 1}-{learned.end + 1}: {len(learned.comments)} comments "
            f"found by the learned line classifier ({why}; zone score {learned.score:.1f})")
        zone = learned.start - 1
        drafts = [_Draft(author=c.author, date=c.date, paragraphs=c.paragraphs)
                  for c in learned.comments]
        # inside the classifier's zone the rules split the comments where they see at least
        # as many as the classifier's header lines open (names, list items, "says:" lines)
        ruled = _comments(lines[learned.start:learned.end + 1])
        if len(ruled) >= len(drafts):
            drafts = ruled
    if zone is None and signed:
        # No comment section: Q&A pages still sign each comment ("– Name" then a date).
        for first, last, _draft in signed:
            skip.update(range(first, last + 1))
        drafts = [d for _f, _l, d in signed]
    drafts = strip_counters(drop_unmarked(drafts, zone, warnings, form=_form_zone(lines, zone)))
    drafts = drop_lists(drafts, lines, zone, warnings, teasers=learned is None)
    body = dumpbody.article_body(lines[:zone] if zone is not None else lines, skip, title)
    comments = tuple(
        Comment(text=d.text(), author=d.author.lstrip("~ ") or None if d.author else None,
                date=d.date, date_iso=iso_date(d.date),
                parent=None, parent_known=False,
                position=n, kind=d.kind)
        for n, d in enumerate(drafts)
    )
    return Article(title=title, byline=byline, body=body or None, comments=comments)
