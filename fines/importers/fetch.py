"""The one place importing touches the network: a polite HTTP GET with limits and conditional requests."""
from __future__ import annotations

import socket
import urllib.error
import urllib.request
from dataclasses import dataclass

USER_AGENT = "finetracker-importer/1.0 (+an open register of GDPR fines)"
TIMEOUT_SECONDS = 30
MAX_BYTES = 32 * 1024 * 1024
_CHUNK = 64 * 1024


class FetchError(Exception):
    """The source could not be read. ``retryable``: worth another try later (a timeout, a 5xx, a reset)."""

    def __init__(self, message: str, *, retryable: bool):
        super().__init__(message)
        self.retryable = retryable


@dataclass(frozen=True)
class Fetched:
    body: bytes | None  # None: not modified since the validators we sent
    etag: str = ""
    last_modified: str = ""

    @property
    def not_modified(self) -> bool:
        return self.body is None


def fetch(
    url: str,
    *,
    etag: str = "",
    last_modified: str = "",
    timeout: float = TIMEOUT_SECONDS,
    max_bytes: int = MAX_BYTES,
) -> Fetched:
    """GET a source; send its last ETag/Last-Modified so an unchanged source costs one 304."""
    if not url.startswith(("http://", "https://")):
        raise FetchError(f"{url!r} is not an http(s) address", retryable=False)
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept-Encoding": "identity"})
    if etag:
        request.add_header("If-None-Match", etag)
    if last_modified:
        request.add_header("If-Modified-Since", last_modified)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise FetchError(_too_large(url, max_bytes), retryable=False)
            body = _read_limited(response, url, max_bytes)
            return Fetched(body, response.headers.get("ETag", ""), response.headers.get("Last-Modified", ""))
    except urllib.error.HTTPError as error:
        if error.code == 304:
            return Fetched(None, etag, last_modified)
        retryable = error.code >= 500 or error.code in (408, 429)
        raise FetchError(f"{url} answered {error.code} {error.reason}", retryable=retryable) from None
    except (TimeoutError, socket.timeout):
        raise FetchError(f"{url} did not answer within {timeout:g} seconds", retryable=True) from None
    except urllib.error.URLError as error:
        raise FetchError(f"{url} could not be reached: {error.reason}", retryable=True) from None
    except (ConnectionError, OSError) as error:
        raise FetchError(f"{url} could not be read: {error}", retryable=True) from None


def _read_limited(response, url: str, max_bytes: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while chunk := response.read(_CHUNK):
        size += len(chunk)
        if size > max_bytes:
            raise FetchError(_too_large(url, max_bytes), retryable=False)
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(url: str, max_bytes: int) -> str:
    return f"{url} is larger than the {max_bytes:,} bytes an import may read"
