"""Alert mails: what the desk reads.

Post text is untrusted: it is HTML-escaped, links in it are shown as text, and
the mail loads nothing remote. Each mail has its own Message-ID; an UPDATE
carries In-Reply-To and References of its story's first mail so mail clients
thread the story.
"""

from __future__ import annotations

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
from monitor.stories.changes import describe_changes

SUBJECT_LENGTH = 110


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


def _loads(text: str | None, default: Any) -> Any:
    if not text:
        return default
    try:
        return json.loads(text)
    except ValueError:
        return default


def load_alert(db: Database, alert_id: int) -> AlertView | None:
    rows = list(db.query("SELECT * FROM alerts WHERE id = ?", [alert_id]))
    if not rows:
        return None
    alert = rows[0]
    post_rows = list(db.query("SELECT * FROM posts WHERE id = ?", [alert["post_id"]]))
    post = post_rows[0] if post_rows else {}
    view = AlertView(
        id=alert["id"],
        watchlist=alert["watchlist"],
        kind=alert["kind"],
        story_id=alert["story_id"],
        reason=alert["reason"] or "",
        changes=_loads(alert["changes"], {}),
        decided_at=alert["decided_at"],
        post=post,
    )
    tables = set(db.table_names())
    if "post_matches" in tables:
        for m in db.query(
            "SELECT * FROM post_matches WHERE post_id = ? AND watchlist = ?", [alert["post_id"], alert["watchlist"]]
        ):
            view.regions = _loads(m.get("regions"), [])
            view.places = _loads(m.get("places"), [])
            view.keywords = _loads(m.get("keywords"), [])
    if "stories" in tables and alert["story_id"] is not None:
        for s in db.query("SELECT * FROM stories WHERE id = ?", [alert["story_id"]]):
            for column in ("sources", "source_count", "sources_count", "n_sources"):
                if column in s and s[column] is not None:
                    view.sources = int(s[column])
                    break
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
        line = " ".join(line.split())
        if line:
            return line
    return ""


def subject(view: AlertView) -> str:
    post = view.post
    headline = first_line(post.get("translation")) or first_line(post.get("text")) or "(no text)"
    if len(headline) > SUBJECT_LENGTH:
        headline = headline[: SUBJECT_LENGTH - 1].rstrip() + "…"
    return f"[{view.watchlist}] {view.kind.upper()}: {headline}"


def channel_label(post: dict[str, Any]) -> str:
    title = post.get("channel_title") or post.get("channel") or ""
    username = post.get("channel_username")
    return f"{title} (@{username})" if username else title


def _times(post: dict[str, Any], tz: ZoneInfo) -> tuple[str, str]:
    date = parse_iso(post.get("date"))
    if date is None:
        return "", ""
    local = date.astimezone(tz)
    return date.strftime("%Y-%m-%d %H:%M UTC"), local.strftime(f"%Y-%m-%d %H:%M {tz.key}")


def _change_lines(view: AlertView) -> list[str]:
    return describe_changes(view.changes)


def _place_names(view: AlertView) -> list[str]:
    names = []
    for p in view.places:
        if isinstance(p, dict):
            label = p.get("name") or p.get("id") or ""
            if p.get("region"):
                label += f" ({p['region']})"
            names.append(label)
        else:
            names.append(str(p))
    return names


def _highlight_terms(view: AlertView) -> list[str]:
    terms: set[str] = set()
    for p in view.places:
        if isinstance(p, dict):
            for w in p.get("words") or []:
                terms.add(str(w))
    for k in view.keywords:
        terms.add(str(k))
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


def compose(view: AlertView, *, recipient: str, sender: str, timezone: str = "UTC",
            now: datetime | None = None) -> EmailMessage:
    tz = ZoneInfo(timezone)
    post = view.post
    text = post.get("text") or ""
    translation = post.get("translation")
    utc_time, local_time = _times(post, tz)
    url = post.get("url") or ""
    places = _place_names(view)
    changes = _change_lines(view)

    plain = [f"{view.kind.upper()} for watchlist {view.watchlist}", ""]
    plain.append(f"Channel:   {channel_label(post)}")
    plain.append(f"Posted:    {utc_time}" + (f" / {local_time}" if local_time and tz.key != "UTC" else ""))
    plain.append(f"Language:  {post.get('lang') or 'und'}")
    plain.append(f"Source:    {url}")
    if view.regions:
        plain.append(f"Regions:   {', '.join(view.regions)}")
    if places:
        plain.append(f"Places:    {', '.join(places)}")
    if view.keywords:
        plain.append(f"Keywords:  {', '.join(view.keywords)}")
    if view.kind == "update":
        plain.append("")
        plain.append("What changed:")
        plain.extend(f"  - {line}" for line in changes or [view.reason])
        if view.sources is not None:
            plain.append(f"Sources carrying this story: {view.sources}")
    plain.append(f"Why:       {view.reason}")
    plain.append("")
    plain.append("Original text:")
    plain.append(text or "(no text)")
    plain.append("")
    if translation:
        plain.append(f"Translation ({post.get('translation_lang') or 'en'}, machine translation):")
        plain.append(translation)
    elif (post.get("lang") or "und") not in ("en", "und"):
        plain.append("Translation pending.")
    plain.append("")
    plain.append(f"-- monitor alert {view.id}")

    terms = _highlight_terms(view)
    e = html.escape
    rows = [
        ("Channel", e(channel_label(post))),
        ("Posted", e(utc_time) + (f"<br>{e(local_time)}" if local_time and tz.key != "UTC" else "")),
        ("Language", e(post.get("lang") or "und")),
        ("Source", f'<a href="{e(url, quote=True)}">{e(url)}</a>' if url else ""),
    ]
    if view.regions:
        rows.append(("Regions", e(", ".join(view.regions))))
    if places:
        rows.append(("Places", ", ".join(f"<mark>{e(p)}</mark>" for p in places)))
    if view.keywords:
        rows.append(("Keywords", ", ".join(f"<mark>{e(k)}</mark>" for k in view.keywords)))
    if view.kind == "update":
        rows.append(("What changed", "<br>".join(e(c) for c in (changes or [view.reason]))))
        if view.sources is not None:
            rows.append(("Sources", e(str(view.sources))))
    rows.append(("Why", e(view.reason)))
    table = "\n".join(f'<tr><th align="left" valign="top">{k}</th><td>{v}</td></tr>' for k, v in rows)
    if translation:
        translation_html = (
            f"<h3>Translation <small>(machine translation)</small></h3>"
            f"<blockquote>{_html_paragraphs(highlight(translation, terms))}</blockquote>"
        )
    elif (post.get("lang") or "und") not in ("en", "und"):
        translation_html = "<p><em>Translation pending.</em></p>"
    else:
        translation_html = ""
    body_html = (
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head><body>\n"
        f"<h2>{e(view.kind.upper())}: {e(view.watchlist)}</h2>\n"
        f"<table>{table}</table>\n"
        f"<h3>Original</h3>\n<blockquote>{_html_paragraphs(highlight(text, terms)) or '(no text)'}</blockquote>\n"
        f"{translation_html}\n"
        f"<p><small>monitor alert {view.id}</small></p>\n</body></html>\n"
    )

    msg = EmailMessage()
    msg["Subject"] = subject(view)
    msg["From"] = sender
    msg["To"] = recipient
    msg["Message-ID"] = message_id(view, recipient, sender)
    if now is not None:
        msg["Date"] = format_datetime(now)
    if view.kind == "update" and view.story_id is not None:
        root = thread_root(view.story_id, recipient, sender)
        msg["In-Reply-To"] = root
        msg["References"] = root
    msg["X-Monitor-Alert"] = str(view.id)
    msg["X-Monitor-Watchlist"] = view.watchlist
    msg.set_content("\n".join(plain))
    msg.add_alternative(body_html, subtype="html")
    return msg


def compose_digest(views: list[AlertView], *, recipient: str, sender: str, digest_id: int,
                   period: str, timezone: str = "UTC", now: datetime | None = None) -> EmailMessage:
    """One mail listing a period's alerts, grouped by story."""
    tz = ZoneInfo(timezone)
    stories: dict[Any, list[AlertView]] = {}
    for v in views:
        stories.setdefault((v.watchlist, v.story_id if v.story_id is not None else f"a{v.id}"), []).append(v)
    watchlists = sorted({v.watchlist for v in views})
    plain = [f"monitor digest: {len(stories)} stories, {len(views)} alerts ({period})", ""]
    parts = []
    e = html.escape
    for (watchlist, _), items in stories.items():
        first = items[0]
        head = first_line(first.post.get("translation")) or first_line(first.post.get("text")) or "(no text)"
        plain.append(f"[{watchlist}] {head}")
        part = [f"<h3>[{e(watchlist)}] {e(head)}</h3><ul>"]
        for v in items:
            utc_time, local_time = _times(v.post, tz)
            url = v.post.get("url") or ""
            plain.append(f"  {v.kind.upper()} {utc_time} {channel_label(v.post)}: {v.reason}")
            plain.append(f"    {url}")
            part.append(
                f"<li>{e(v.kind.upper())} {e(utc_time)} {e(channel_label(v.post))}: {e(v.reason)}<br>"
                f'<a href="{e(url, quote=True)}">{e(url)}</a></li>'
            )
        part.append("</ul>")
        parts.append("".join(part))
        plain.append("")
    msg = EmailMessage()
    msg["Subject"] = f"[{', '.join(watchlists)}] DIGEST: {len(stories)} stories ({period})"
    msg["From"] = sender
    msg["To"] = recipient
    msg["Message-ID"] = f"<monitor.digest-{digest_id}.{_recipient_tag(recipient)}@{_domain(sender)}>"
    if now is not None:
        msg["Date"] = format_datetime(now)
    msg.set_content("\n".join(plain))
    msg.add_alternative(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head><body>\n"
        f"<h2>monitor digest ({e(period)})</h2>\n" + "\n".join(parts) + "\n</body></html>\n",
        subtype="html",
    )
    return msg
