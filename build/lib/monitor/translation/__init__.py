"""Machine translation of posts: deep-translator backends, a cache, a pending queue."""

from .backends import Backend, BadKey, RateLimited, Unavailable, backend_for
from .service import CACHED, DONE, PENDING, TranslateReport, TranslationStage, Translator, backlog

__all__ = ["Backend", "BadKey", "RateLimited", "Unavailable", "backend_for", "Translator", "TranslationStage",
           "TranslateReport", "backlog", "PENDING", "DONE", "CACHED"]
