"""Alert mails: what the desk reads.

Post text is untrusted: it is HTML-escaped, links in it are shown as text, and
the mail loads nothing remote. Control characters (NUL, ESC, bidi overrides, line
breaks) never reach a header and are shown visibly in the body; only http, https
and tg links become links. Each mail has its own Message-ID; an UPDATE carries
In-Reply-To and References of its story's first mail so mail clients thread the
story. Regions and places are named as people read them ("Sudzha (Kursk Oblast)").
"""

from __future__ import annotations

import email.policy
import hashlib
import html
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlite_utils import Database

from monitor.storage import parse_iso

from ..matching.labels import PlaceLabels, labels_for
from ..stories.changes import describe_changes

SUBJECT_LENGTH = 110
LINK_SCHEMES = ("http", "https", "tg")  # the only links a mail makes clickable
# Headers are not folded: Python 3.11 folds long non-ASCII subjects into broken encoded words.
MAIL_POLICY = email.policy.default.clone(max_line_length=998)

# Characters that break a header or hide what a line says: C0 and C1 controls, DEL,
# bidi embeddings, overrides and isolates, line and paragraph separators.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")
_BODY_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def header_text(text: str) -> str:
    """``text`` fit for a header: control characters dropped, whitespace runs made one space."""
    return " ".join(_CONTROL.sub(" ", text or "").split())


def visible(text: str) -> str:
    """``text`` with each control character (except line breaks and tabs) shown as [U+XXXX]."""
    return _BODY_CONTROL.sub(lambda m: f"[U+{ord(m.group(0)):04X}]", (text or "").replace("\r\n", "\n").replace("\r", "\n"))


def link_url(url: str | None) -> str | None:
    """``url`` if it may become a link in a mail (http, https, tg and nothing hidden in it), else None."""
    if not url or _CONTROL.search(url) or any(c.isspace() for c in url):
        return None
    scheme, colon, _ = url.partition(":")
    return url if colon and scheme.lower() in LINK_SCHEMES else None


@dataclass
class AlertView:
    """Everything one alert mail shows, read from the archive."""

    id: int
    watchlist: str
    kind: str
    story_id: int | None
    reason: str
    changes: dict[str, Any]
    decided_at: str
    post: dict[str, Any]
    regions: list[str] = field(default_factory=list)
    places: list[dict[str, Any]] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    sources: int | None = None
    story_figures: dict[str, list[int]] = field(default_factory=dict)
    story_last_seen: str | None = None
    not_translated: str | None = None  # why no translation will come ("uk not supported by libre")
    labels: PlaceLabels | None = field(default=None, repr=False)

    def label(self, ref: str) -> str:
        return self.labels.label(ref) if self.labels else ref

    def readable(self, text: str) -> str:
        return self.labels.readable(text) if self.labels else text


def _loads(text: str | None, default: Any) -> Any:
    if not text:
        return default
    try:
        return json.loads(text)
    except ValueError:
        return default


def load_alert(db: Database, alert_id: int, labels: PlaceLabels | None = None) -> AlertView | None:
    """The alert ``alert_id`` with its post, matches and story; None if there is no such alert."""
    alert = next(iter(db.query("SELECT * FROM alerts WHERE id = ?", [alert_id])), None)
    if alert is None:
        return None
    post = next(iter(db.query("SELECT * FROM posts WHERE id = ?", [alert["post_id"]])))
    view = AlertView(
        id=alert["id"], watchlist=alert["watchlist"], kind=alert["kind"], story_id=alert["story_id"],
        reason=alert["reason"] or "", changes=_loads(alert["changes"], {}), decided_at=alert["decided_at"],
        post=post, labels=labels if labels is not None else labels_for(None),
    )
    match = next(iter(db.query("SELECT regions, places, keywords FROM post_matches WHERE post_id = ? AND watchlist = ?",
                               [alert["post_id"], alert["watchlist"]])), None)
    if match is not None:
        view.regions = _loads(match["regions"], [])
        view.places = _loads(match["places"], [])
        view.keywords = _loads(match["keywords"], [])
    if alert["story_id"] is not None:
        story = next(iter(db.query("SELECT sources, figures, last_seen FROM stories WHERE id = ?", [alert["story_id"]])), None)
        if story is not None:
            view.sources = story["sources"]
            view.story_figures = _loads(story["figures"], {})
            view.story_last_seen = story["last_seen"]
    if post["translation_status"] == "unsupported":
        row = next(iter(db.query("SELECT reason FROM translation_unsupported WHERE source = ? ORDER BY at DESC LIMIT 1",
                                 [post["lang"]])), None)
        view.not_translated = row["reason"] if row else f"{post['lang']} not supported"
    return view


def _domain(sender: str) -> str:
    return sender.rsplit("@", 1)[-1].strip(">").lower() or "monitor.invalid"


def _recipient_tag(recipient: str) -> str:
    return hashlib.sha1(recipient.lower().encode()).hexdigest()[:10]


def message_id(view: AlertView, recipient: str, sender: str) -> str:
    """This alert's mail to this recipient. A NEW alert's id is its story's thread root."""
    if view.kind == "new" and view.story_id is not None:
        return thread_root(view.story_id, recipient, sender)
    return f"<monitor.alert-{view.id}.{_recipient_tag(recipient)}@{_domain(sender)}>"


def thread_root(story_id: int, recipient: str, sender: str) -> str:
    return f"<monitor.story-{story_id}.{_recipient_tag(recipient)}@{_domain(sender)}>"


def first_line(text: str | None) -> str:
    for line in (text or "").splitlines():
        line = header_text(line)
        if line:
            return line
    return ""


def _shorten(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def figure_changes(changes: dict[str, Any]) -> list[str]:
    """An UPDATE's figures as "injured 24 -> 31" (a changed figure), "killed 5" (a new one) or
    "injured +2" (a count added to a toll)."""
    out = []
    for figure in changes.get("figures", []):
        unit, value, was = figure["unit"], figure["value"], figure.get("was")  # no "was": a figure new to the story
        if figure.get("added"):
            out.append(f"{unit} +{value}")
        else:
            out.append(f"{unit} {was} -> {value}" if was is not None else f"{unit} {value}")
    return out


def change_lines(view: AlertView) -> list[str]:
    """What an UPDATE adds to its story, one line each: "injured: 24 -> 31", "new place: Glushkovo (Kursk Oblast)"."""
    return describe_changes(view.changes, view.label)


def subject(view: AlertView) -> str:
    """"[kursk] NEW: first line", "[kursk] UPDATE injured 24 -> 31: first line", "[kursk] UPDATE
    confirmed: first line"."""
    post = view.post
    headline = first_line(post["translation"]) or first_line(post["text"]) or "(no text)"
    head = f"[{header_text(view.watchlist)}] {view.kind.upper()}"
    if view.kind == "update":
        changed = figure_changes(view.changes)
        changed += [f"new place {view.label(p).split(' (')[0]}" for p in view.changes.get("places", [])]
        changed += ["confirmed"] if view.changes.get("confirmed") else []
        if changed:
            head += " " + header_text(", ".join(changed))
    return _shorten(f"{head}: {headline}", SUBJECT_LENGTH)


def channel_label(post: dict[str, Any]) -> str:
    title = post["channel_title"] or post["channel"] or ""
    username = post["channel_username"]
    return header_text(f"{title} (@{username})" if username else title)


def _times(post: dict[str, Any], tz: ZoneInfo) -> tuple[str, str]:
    date = parse_iso(post["date"])
    if date is None:
        return "", ""
    local = date.astimezone(tz)
    return date.strftime("%Y-%m-%d %H:%M UTC"), local.strftime(f"%Y-%m-%d %H:%M {tz.key}")


def _place_names(view: AlertView) -> list[str]:
    return [view.label(p["id"]) for p in view.places]


def _highlight_terms(view: AlertView) -> list[str]:
    terms: set[str] = set()
    for p in view.places:
        terms.update(p["words"])
    terms.update(view.keywords)
    return sorted((t for t in terms if t.strip()), key=len, reverse=True)


def highlight(text: str, terms: list[str]) -> str:
    """HTML-escape ``text`` and wrap the matched terms in <mark>."""
    if not terms:
        return html.escape(text)
    pattern = re.compile("|".join(re.escape(t) for t in terms), re.IGNORECASE)
    out, last = [], 0
    for m in pattern.finditer(text):
        out.append(html.escape(text[last : m.start()]))
        out.append(f"<mark>{html.escape(m.group(0))}</mark>")
        last = m.end()
    out.append(html.escape(text[last:]))
    return "".join(out)


def _html_paragraphs(escaped: str) -> str:
    return escaped.replace("\n", "<br>\n")


def story_url(board_url: str, story_id: int) -> str:
    return f"{board_url.rstrip('/')}/story/{story_id}"


def _translation_note(view: AlertView) -> str | None:
    """What the mail says when it has no translation: pending, or why none will come; None: nothing to say."""
    status = view.post["translation_status"]
    if status == "pending":
        return "Translation pending."
    if view.not_translated:
        return f"Not translated: {view.not_translated}."
    return None


def _link_html(url: str) -> str:
    safe = link_url(url)
    if safe is None:
        return html.escape(visible(url))
    return f'<a href="{html.escape(safe, quote=True)}">{html.escape(safe)}</a>'


def _set_headers(msg: EmailMessage, *, subject_text: str, sender: str, recipient: str, mid: str,
                 now: datetime | None) -> None:
    msg["Subject"] = header_text(subject_text)
    msg["From"] = sender
    msg["To"] = recipient
    msg["Message-ID"] = mid
    if now is not None:
        msg["Date"] = format_datetime(now)
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies
    msg["Precedence"] = "bulk"


def compose(view: AlertView, *, recipient: str, sender: str, timezone: str = "UTC",
            now: datetime | None = None, board_url: str = "") -> EmailMessage:
    tz = ZoneInfo(timezone)
    post = view.post
    text = visible(post["text"] or "")
    translation = visible(post["translation"] or "") or None
    utc_time, local_time = _times(post, tz)
    url = post["url"] or ""
    regions = [view.label(code) for code in view.regions]
    places = _place_names(view)
    changes = change_lines(view)
    why = view.readable(view.reason)
    note = _translation_note(view)
    see = []
    if view.story_id is not None:
        see.append(f"monitor story {view.story_id}")
        if board_url:
            see.append(story_url(board_url, view.story_id))

    plain = [f"{view.kind.upper()} for watchlist {header_text(view.watchlist)}", ""]
    plain.append(f"Channel:   {channel_label(post)}")
    plain.append(f"Posted:    {utc_time}" + (f" / {local_time}" if local_time and tz.key != "UTC" else ""))
    plain.append(f"Language:  {header_text(post['lang'] or 'und')}")
    plain.append(f"Source:    {visible(url)}")
    if regions:
        plain.append(f"Regions:   {', '.join(regions)}")
    if places:
        plain.append(f"Places:    {', '.join(places)}")
    if view.keywords:
        plain.append(f"Keywords:  {visible(', '.join(view.keywords))}")
    if view.kind == "update":
        plain.append("")
        plain.append("What changed:")
        plain.extend(f"  - {line}" for line in changes or [why])
        if view.sources is not None:
            plain.append(f"Sources carrying this story: {view.sources}")
    plain.append(f"Why:       {why}")
    if see:
        plain.append(f"Story:     {' or '.join(see)}")
    plain.append("")
    plain.append("Original text:")
    plain.append(text or "(no text)")
    plain.append("")
    if translation:
        plain.append(f"Translation ({post['translation_lang'] or 'en'}, machine translation):")
        plain.append(translation)
    elif note:
        plain.append(note)
    plain.append("")
    plain.append(f"-- monitor alert {view.id}")

    terms = _highlight_terms(view)
    e = html.escape
    rows = [
        ("Channel", e(channel_label(post))),
        ("Posted", e(utc_time) + (f"<br>{e(local_time)}" if local_time and tz.key != "UTC" else "")),
        ("Language", e(header_text(post["lang"] or "und"))),
        ("Source", _link_html(url) if url else ""),
    ]
    if regions:
        rows.append(("Regions", e(", ".join(regions))))
    if places:
        rows.append(("Places", ", ".join(f"<mark>{e(p)}</mark>" for p in places)))
    if view.keywords:
        rows.append(("Keywords", ", ".join(f"<mark>{e(visible(k))}</mark>" for k in view.keywords)))
    if view.kind == "update":
        rows.append(("What changed", "<br>".join(e(c) for c in (changes or [why]))))
        if view.sources is not None:
            rows.append(("Sources", e(str(view.sources))))
    rows.append(("Why", e(why)))
    if see:
        story_cells = [f"<code>{e(see[0])}</code>"] + [_link_html(link) for link in see[1:]]
        rows.append(("Story", " or ".join(story_cells)))
    table = "\n".join(f'<tr><th align="left" valign="top">{k}</th><td>{v}</td></tr>' for k, v in rows)
    if translation:
        translation_html = (
            f"<h3>Translation <small>(machine translation)</small></h3>"
            f"<blockquote>{_html_paragraphs(highlight(translation, terms))}</blockquote>"
        )
    elif note:
        translation_html = f"<p><em>{e(note)}</em></p>"
    else:
        translation_html = ""
    body_html = (
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head><body>\n"
        f"<h2>{e(view.kind.upper())}: {e(header_text(view.watchlist))}</h2>\n"
        f"<table>{table}</table>\n"
        f"<h3>Original</h3>\n<blockquote>{_html_paragraphs(highlight(text, terms)) or '(no text)'}</blockquote>\n"
        f"{translation_html}\n"
        f"<p><small>monitor alert {view.id}</small></p>\n</body></html>\n"
    )

    msg = EmailMessage(policy=MAIL_POLICY)
    _set_headers(msg, subject_text=subject(view), sender=sender, recipient=recipient,
                 mid=message_id(view, recipient, sender), now=now)
    if view.kind == "update" and view.story_id is not None:
        root = thread_root(view.story_id, recipient, sender)
        msg["In-Reply-To"] = root
        msg["References"] = root
    msg["X-Monitor-Alert"] = str(view.id)
    msg["X-Monitor-Watchlist"] = header_text(view.watchlist)
    msg.set_content("\n".join(plain))
    msg.add_alternative(body_html, subtype="html")
    return msg


def latest_figures(figures: dict[str, list[int]]) -> str:
    """A story's latest figures: "31 injured, 5 killed"."""
    return ", ".join(f"{values[-1]} {unit}" for unit, values in figures.items() if values)


def compose_digest(views: list[AlertView], *, recipient: str, sender: str, digest_id: int,
                   period: str, timezone: str = "UTC", now: datetime | None = None,
                   board_url: str = "") -> EmailMessage:
    """One mail listing a period's stories, newest first, each with its latest figures, alerts and link."""
    tz = ZoneInfo(timezone)
    stories: dict[Any, list[AlertView]] = {}
    for v in views:
        stories.setdefault((v.watchlist, v.story_id if v.story_id is not None else f"a{v.id}"), []).append(v)

    def newest(items: list[AlertView]) -> tuple[str, str]:
        last = max(v.post["date"] or "" for v in items)
        return (max(items[0].story_last_seen or "", last), str(max(v.id for v in items)))

    ordered = sorted(stories.items(), key=lambda kv: newest(kv[1]), reverse=True)
    watchlists = sorted({header_text(v.watchlist) for v in views})
    plain = [f"monitor digest: {len(stories)} stories, {len(views)} alerts ({period}), newest first", ""]
    parts = []
    e = html.escape
    for (watchlist, story_id), items in ordered:
        items = sorted(items, key=lambda v: (v.post["date"] or "", v.id))
        first = items[0]
        head = first_line(first.post["translation"]) or first_line(first.post["text"]) or "(no text)"
        figures = latest_figures(first.story_figures)
        see = f"monitor story {story_id}" if isinstance(story_id, int) else ""
        link = story_url(board_url, story_id) if board_url and isinstance(story_id, int) else ""
        plain.append(f"[{header_text(watchlist)}] {head}")
        if figures:
            plain.append(f"  latest figures: {figures}")
        if see:
            plain.append(f"  story: {see}" + (f" or {link}" if link else ""))
        part = [f"<h3>[{e(header_text(watchlist))}] {e(head)}</h3>"]
        if figures:
            part.append(f"<p>Latest figures: <b>{e(figures)}</b></p>")
        if see:
            part.append(f"<p>Story: <code>{e(see)}</code>" + (f" or {_link_html(link)}" if link else "") + "</p>")
        part.append("<ul>")
        for v in items:
            utc_time, _ = _times(v.post, tz)
            url = v.post["url"] or ""
            why = v.readable(v.reason)
            plain.append(f"  {v.kind.upper()} {utc_time} {channel_label(v.post)}: {why}")
            plain.append(f"    {visible(url)}")
            part.append(f"<li>{e(v.kind.upper())} {e(utc_time)} {e(channel_label(v.post))}: {e(why)}<br>"
                        f"{_link_html(url)}</li>")
        part.append("</ul>")
        parts.append("".join(part))
        plain.append("")
    msg = EmailMessage(policy=MAIL_POLICY)
    _set_headers(msg, subject_text=f"[{', '.join(watchlists)}] DIGEST: {len(stories)} stories ({period})", sender=sender,
                 recipient=recipient, mid=f"<monitor.digest-{digest_id}.{_recipient_tag(recipient)}@{_domain(sender)}>",
                 now=now)
    msg.set_content("\n".join(plain))
    msg.add_alternative(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head><body>\n"
        f"<h2>monitor digest ({e(period)})</h2>\n" + "\n".join(parts) + "\n</body></html>\n",
        subtype="html",
    )
    return msg
