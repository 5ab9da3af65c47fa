"""Translation backends through deep-translator, each call with a time limit and its errors mapped.

LibreTranslate is called directly (its key in the request body, where no URL log can show it);
the others through deep-translator. deep-translator sets no HTTP timeout and lets raw ``requests`` errors escape;
every call here runs in a worker thread that the caller waits on for at most
``timeout`` seconds, and every failure becomes one of three errors:
``RateLimited`` (back the backend off), ``Unavailable`` (network, timeouts,
server errors: retry later) or ``BadKey`` (the key is refused: an operator
must act).
"""

from __future__ import annotations

import concurrent.futures
import logging
from dataclasses import dataclass

import requests
from deep_translator import DeeplTranslator, GoogleTranslator, MyMemoryTranslator
from deep_translator import exceptions as dt

from ..secrets import read_secret

log = logging.getLogger(__name__)

# Characters per request, below each service's limit (Google refuses 5,000 and more, MyMemory 500).
LIMITS = {"google": 4500, "libre": 4500, "deepl": 4500, "mymemory": 450}

LIBRE_TIMEOUT = 60.0  # seconds; the caller's own time limit is usually shorter

_POOL = concurrent.futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="translate")


class BackendError(Exception):
    pass


class RateLimited(BackendError):
    pass


class Unavailable(BackendError):
    pass


class BadKey(BackendError):
    pass


@dataclass
class Backend:
    name: str
    url: str = ""
    api_key: str | None = None

    @property
    def limit(self) -> int:
        return LIMITS[self.name]

    def _client(self, source: str, target: str):
        if self.name == "google":
            return GoogleTranslator(source=source, target=target)
        if self.name == "deepl":
            if not self.api_key:
                raise BadKey("DeepL needs an API key")
            return DeeplTranslator(source=source, target=target, api_key=self.api_key, use_free_api=self.api_key.endswith(":fx"))
        if self.name == "mymemory":
            return MyMemoryTranslator(source=source, target=target)
        raise ValueError(f"unknown translation backend {self.name!r}")

    def translate(self, text: str, source: str, target: str, timeout: float) -> str:
        """Translate one piece (shorter than ``limit``) within ``timeout`` seconds."""
        future = _POOL.submit(self._call, text, source, target)
        try:
            return future.result(timeout=timeout)
        except concurrent.futures.TimeoutError:
            raise Unavailable(f"{self.name} did not answer within {round(timeout, 1):g}s") from None

    def _libre(self, text: str, source: str, target: str) -> str:
        """LibreTranslate directly: the key travels in the JSON body, never in a URL that a log may show."""
        url = (self.url if self.url.endswith("/") else self.url + "/") + "translate"
        body = {"q": text, "source": source, "target": target, "format": "text"}
        if self.api_key:
            body["api_key"] = self.api_key
        response = requests.post(url, json=body, timeout=LIBRE_TIMEOUT)
        if response.status_code == 429:
            raise RateLimited(f"{self.name}: too many requests (429)")
        if response.status_code in (401, 403):
            raise BadKey(f"{self.name}: API key refused; check the key in the variable named by translation.api_key_env")
        if response.status_code >= 400:
            raise Unavailable(f"{self.name}: server error ({response.status_code})")
        answer = response.json()
        if not isinstance(answer, dict) or not isinstance(answer.get("translatedText"), str):
            raise Unavailable(f"{self.name}: unexpected answer")
        return answer["translatedText"]

    def _call(self, text: str, source: str, target: str) -> str:
        try:
            if self.name == "libre":
                return self._libre(text, source, target)
            result = self._client(source, target).translate(text)
        except dt.TooManyRequests:
            raise RateLimited(f"{self.name}: too many requests (429)") from None
        except dt.ServerException as exc:
            message = str(exc.args[0]) if exc.args else str(exc)
            if message == "ERR_TOO_MANY_REQUESTS":
                raise RateLimited(f"{self.name}: too many requests (429)") from None
            if message in ("ERR_KEY_INVALID", "ERR_KEY_BLOCKED"):
                raise BadKey(f"{self.name}: API key refused ({message})") from None
            raise Unavailable(f"{self.name}: server error ({message})") from None
        except (dt.AuthorizationException, dt.ApiKeyException):
            raise BadKey(f"{self.name}: API key refused; check the key in the variable named by translation.api_key_env") from None
        except (dt.LanguageNotSupportedException, dt.InvalidSourceOrTargetLanguage) as exc:
            raise BackendError(f"{self.name}: language not supported: {exc}") from None
        except (dt.RequestError, dt.TranslationNotFound) as exc:
            raise Unavailable(f"{self.name}: request failed: {exc}") from None
        except requests.RequestException as exc:
            raise Unavailable(f"{self.name}: cannot reach the service: {exc.__class__.__name__}") from None
        except (ValueError, KeyError) as exc:  # an answer that is not the expected JSON
            raise Unavailable(f"{self.name}: unexpected answer: {exc}") from None
        if not isinstance(result, str):
            raise Unavailable(f"{self.name}: empty answer")
        return result


def backend_for(settings) -> Backend | None:
    """The configured backend, or None for ``backend = "none"``."""
    if settings.backend == "none":
        return None
    return Backend(settings.backend, url=settings.url, api_key=read_secret(settings.api_key_env))
