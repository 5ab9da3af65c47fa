"""Translation backends, each call with a time limit and its errors mapped.

LibreTranslate is called directly through a ``requests`` Session with a timeout:
its ``/languages`` answer says which languages the server translates (deep-translator's
built-in list for it lacks Ukrainian), and the API key goes in the request body, never
in a URL. Google, DeepL and MyMemory go through deep-translator, which sets no HTTP
timeout: each call runs on a thread of its own that the caller waits on for at most
``timeout`` seconds and then abandons (it ends when its socket does; no worker waits on it).

Every failure becomes one of four errors: ``RateLimited`` (back the backend off),
``Unavailable`` (network, timeouts, server errors: retry later), ``BadKey`` (the key is
refused: an operator must act) or ``Unsupported`` (the backend cannot translate this
language: recorded once, not retried). Messages are one line and name the backend once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urljoin, urlsplit

import requests

from ..secrets import read_secret

log = logging.getLogger(__name__)

# Characters per request, below each service's limit (Google refuses 5,000 and more, MyMemory 500).
LIMITS = {"google": 4500, "libre": 4500, "deepl": 4500, "mymemory": 450}
MAX_ABANDONED = 8  # calls left running past their timeout at once; beyond this a backend counts as unavailable
MESSAGE_LENGTH = 200

T = TypeVar("T")


class BackendError(Exception):
    pass


class RateLimited(BackendError):
    pass


class Unavailable(BackendError):
    pass


class BadKey(BackendError):
    pass


class Unsupported(BackendError):
    """The backend does not translate from ``source`` to ``target``; the message says so."""


def one_line(text: Any) -> str:
    """An error's text on one line, at most MESSAGE_LENGTH characters."""
    line = " ".join(str(text).split())
    return line if len(line) <= MESSAGE_LENGTH else line[: MESSAGE_LENGTH - 1] + "…"


_abandoned = 0
_abandoned_lock = threading.Lock()


def run_with_timeout(call: Callable[[], T], timeout: float, what: str) -> T:
    """``call()`` on a thread of its own; Unavailable if it has not returned within ``timeout`` seconds."""
    global _abandoned
    with _abandoned_lock:
        if _abandoned >= MAX_ABANDONED:
            raise Unavailable(f"{what}: {_abandoned} earlier calls have not returned yet")
    outcome: dict[str, Any] = {}
    done = threading.Event()

    def run() -> None:
        global _abandoned
        try:
            outcome["value"] = call()
        except BaseException as exc:  # handed to the caller
            outcome["error"] = exc
        finally:
            done.set()
            if outcome.get("abandoned"):
                with _abandoned_lock:
                    _abandoned -= 1

    thread = threading.Thread(target=run, name="translate", daemon=True)
    thread.start()
    if not done.wait(timeout):
        with _abandoned_lock:
            if not done.is_set():
                outcome["abandoned"] = True
                _abandoned += 1
        if outcome.get("abandoned"):
            raise Unavailable(f"{what} did not answer within {round(timeout, 1):g}s")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


@dataclass
class Backend:
    name: str
    url: str = ""
    api_key: str | None = None
    _languages: dict[str, set[str]] | None = field(default=None, repr=False)

    @property
    def limit(self) -> int:
        return LIMITS[self.name]

    def translate(self, text: str, source: str, target: str, timeout: float) -> str:
        """Translate one piece (shorter than ``limit``) within ``timeout`` seconds."""
        if self.name == "libre":
            return run_with_timeout(lambda: self._libre(text, source, target, timeout), timeout, self.name)
        return run_with_timeout(lambda: self._deep_translator(text, source, target), timeout, self.name)

    # -- LibreTranslate ------------------------------------------------------------------
    def _libre_url(self, path: str) -> str:
        return urljoin(self.url if self.url.endswith("/") else self.url + "/", path)

    def _request(self, method: str, path: str, timeout: float, **kwargs: Any) -> Any:
        host = urlsplit(self.url).netloc or self.url
        try:
            with requests.Session() as session, session.request(method, self._libre_url(path), timeout=timeout,
                                                                **kwargs) as response:
                try:
                    data = response.json()
                except ValueError:
                    data = {}
        except requests.Timeout:
            raise Unavailable(f"libre did not answer within {round(timeout, 1):g}s") from None
        except requests.RequestException as exc:
            raise Unavailable(f"libre: cannot reach {host}: {exc.__class__.__name__}") from None
        error = one_line(data.get("error", "")) if isinstance(data, dict) else ""
        if response.status_code == 429:
            raise RateLimited("libre: too many requests (429)")
        if response.status_code in (401, 403):
            raise BadKey(f"libre: API key refused ({response.status_code}{': ' + error if error else ''});"
                         " check the key in the variable named by translation.api_key_env")
        if response.status_code == 400 and "not supported" in error.lower():
            raise Unsupported(f"libre: {error}")
        if response.status_code >= 400:
            raise Unavailable(f"libre: server error ({response.status_code}{': ' + error if error else ''})")
        return data

    def languages(self, timeout: float) -> dict[str, set[str]]:
        """What the LibreTranslate server translates: source code -> target codes (asked once)."""
        if self._languages is None:
            data = self._request("GET", "languages", timeout)
            if not isinstance(data, list):
                raise Unavailable("libre: /languages did not answer with a list of languages")
            languages: dict[str, set[str]] = {}
            for entry in data:
                if isinstance(entry, dict) and isinstance(entry.get("code"), str):
                    targets = entry.get("targets")
                    languages[entry["code"]] = set(targets) if isinstance(targets, list) else set()
            every = set(languages)
            self._languages = {code: targets or every for code, targets in languages.items()}
        return self._languages

    def _libre(self, text: str, source: str, target: str, timeout: float) -> str:
        languages = self.languages(timeout)
        if source not in languages:
            raise Unsupported(f"{source} not supported by libre (the server translates {', '.join(sorted(languages))})")
        if target not in languages[source]:
            raise Unsupported(f"{source} -> {target} not supported by libre")
        body = {"q": text, "source": source, "target": target, "format": "text"}
        if self.api_key:
            body["api_key"] = self.api_key
        data = self._request("POST", "translate", timeout, json=body)
        result = data.get("translatedText") if isinstance(data, dict) else None
        if not isinstance(result, str):
            raise Unavailable("libre: the answer has no translatedText")
        return result

    # -- deep-translator ------------------------------------------------------------------
    def _client(self, source: str, target: str):
        from deep_translator import DeeplTranslator, GoogleTranslator, MyMemoryTranslator

        if self.name == "google":
            return GoogleTranslator(source=source, target=target)
        if self.name == "deepl":
            if not self.api_key:
                raise BadKey("deepl: an API key is needed; set the variable named by translation.api_key_env")
            return DeeplTranslator(source=source, target=target, api_key=self.api_key, use_free_api=self.api_key.endswith(":fx"))
        if self.name == "mymemory":
            return MyMemoryTranslator(source=source, target=target)
        raise ValueError(f"unknown translation backend {self.name!r}")

    def _deep_translator(self, text: str, source: str, target: str) -> str:
        from deep_translator import exceptions as dt

        try:
            result = self._client(source, target).translate(text)
        except dt.TooManyRequests:
            raise RateLimited(f"{self.name}: too many requests (429)") from None
        except dt.ServerException as exc:
            message = one_line(exc.args[0] if exc.args else exc)
            if message == "ERR_TOO_MANY_REQUESTS":
                raise RateLimited(f"{self.name}: too many requests (429)") from None
            if message in ("ERR_KEY_INVALID", "ERR_KEY_BLOCKED"):
                raise BadKey(f"{self.name}: API key refused ({message})") from None
            raise Unavailable(f"{self.name}: server error ({message})") from None
        except (dt.AuthorizationException, dt.ApiKeyException):
            raise BadKey(f"{self.name}: API key refused; check the key in the variable named by translation.api_key_env") from None
        except (dt.LanguageNotSupportedException, dt.InvalidSourceOrTargetLanguage):
            raise Unsupported(f"{source} -> {target} not supported by {self.name}") from None
        except (dt.RequestError, dt.TranslationNotFound) as exc:
            raise Unavailable(f"{self.name}: request failed ({exc.__class__.__name__})") from None
        except requests.RequestException as exc:
            raise Unavailable(f"{self.name}: cannot reach the service: {exc.__class__.__name__}") from None
        except (ValueError, KeyError) as exc:  # an answer that is not the expected JSON
            raise Unavailable(f"{self.name}: unexpected answer ({exc.__class__.__name__})") from None
        if not isinstance(result, str):
            raise Unavailable(f"{self.name}: empty answer")
        return result


def backend_for(settings) -> Backend | None:
    """The configured backend, or None for ``backend = "none"``."""
    if settings.backend == "none":
        return None
    return Backend(settings.backend, url=settings.url, api_key=read_secret(settings.api_key_env))
