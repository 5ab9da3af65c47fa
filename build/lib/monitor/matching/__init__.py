"""Watchlist matching in Russian, Ukrainian and English.

``Matcher(watchlists, gazetteer=None).match(text, lang, translation)`` finds the
regions (ISO 3166-2), places, keywords and watchlists of a post, inflection-aware;
``matcher_for(config)`` gives the Matcher of a configuration; ``expand_query``
turns a search query into an FTS5 expression over every inflected form.
"""

from .matcher import Matcher, MatchResult, PlaceHit, WatchlistHit, matcher_for
from .search import expand_query

__all__ = ["Matcher", "MatchResult", "PlaceHit", "WatchlistHit", "matcher_for", "expand_query"]
