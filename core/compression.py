"""Compressing public answers (brotli or gzip), and only those: no page with a secret on it is compressed.

BREACH: when a page that carries a secret (a CSRF token, a session's personal or unpublished data) also reflects
something an attacker chooses (a query parameter, a search word), the compressed size leaks the secret a guess at a
time. So only answers to visitors *without a session* are compressed, and only when nothing secret was put on the
page: no session or messages cookie came in, no Authorization header, no CSRF token was used in the page (Django
flags CSRF_COOKIE_NEEDS_UPDATE when a template asks for one) and the answer sets no cookie. Such a page is the same
for every visitor: the public pages of the page cache, the open data, the public API answers. Logged-in people get
their pages uncompressed; they are few, and their pages are not cached anyway.

Brotli (quality 5) when the `brotli` module is there (whitenoise[brotli] installs it) and the client accepts `br`,
else gzip (level 6). Static files are left to WhiteNoise (it serves them precompressed, before this middleware),
streaming answers and answers that are already encoded are left alone. Every answer that could be compressed says
`Vary: Accept-Encoding`, so a shared cache never hands the brotli bytes to a client that did not ask for them.
"""

import gzip
import re

from django.conf import settings
from django.utils.cache import patch_vary_headers

try:
    import brotli
except ImportError:  # pragma: no cover - whitenoise[brotli] installs it
    brotli = None

COMPRESSED_TYPES = ("text/html", "application/json", "text/csv", "application/javascript", "text/plain")
SMALLEST = 512  # bytes: below this, the encoding's own overhead eats the gain
_TOKEN = re.compile(r"\s*([A-Za-z0-9*-]+)\s*(?:;\s*q\s*=\s*([0-9.]+))?\s*")


def accepted(request) -> set[str]:
    """The encodings the client accepts (with a q above 0), lowercase."""
    names = set()
    for part in request.headers.get("Accept-Encoding", "").split(","):
        match = _TOKEN.fullmatch(part)
        if match:
            try:
                weight = float(match[2]) if match[2] is not None else 1.0
            except ValueError:
                continue
            if weight > 0:
                names.add(match[1].lower())
    return names


def best_encoding(request) -> str | None:
    """The encoding to send this client: br when it takes brotli and we have it, else gzip, else None."""
    names = accepted(request)
    if brotli is not None and "br" in names:
        return "br"
    if "gzip" in names:
        return "gzip"
    return None


def stored_encoding() -> str:
    """The encoding pages are stored in: brotli when the module is there, else gzip (every browser reads both)."""
    return "br" if brotli is not None else "gzip"


def compress(content: bytes, encoding: str) -> bytes:
    if encoding == "br":
        return brotli.compress(content, quality=5)
    return gzip.compress(content, compresslevel=6, mtime=0)


def decompress(content: bytes, encoding: str | None) -> bytes:
    if encoding == "br":
        return brotli.decompress(content)
    if encoding == "gzip":
        return gzip.decompress(content)
    return content


def compressible(response) -> bool:
    """A finished, unencoded answer of a text type worth compressing."""
    return (
        not response.streaming
        and not response.has_header("Content-Encoding")
        and response.get("Content-Type", "").split(";")[0].strip() in COMPRESSED_TYPES
    )


def public_request(request) -> bool:
    """A visitor without a session or messages, who sent no credentials."""
    return (
        settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
        and "Authorization" not in request.headers
    )


def secret_free(request, response) -> bool:
    """Nothing secret went on the page: no CSRF token was asked for, and the answer sets no cookie."""
    return not request.META.get("CSRF_COOKIE_NEEDS_UPDATE") and not response.cookies


def set_content(response, content: bytes, encoding: str | None) -> None:
    """Give the response the content as sent in the encoding (None: plain), with its length and headers."""
    response.content = content
    if encoding:
        response["Content-Encoding"] = encoding
    response["Content-Length"] = str(len(content))
    patch_vary_headers(response, ["Accept-Encoding"])


class PublicCompressionMiddleware:
    """Compress the answers to visitors without a session that carry no secret (see the module's docstring).

    Placed after WhiteNoise (static files are served precompressed before it) and before the page cache, whose
    stored pages are compressed already and pass through untouched.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not (public_request(request) and compressible(response) and secret_free(request, response)):
            return response
        if response.status_code != 200:
            return response
        encoding = best_encoding(request)
        if encoding is None or len(response.content) < SMALLEST:
            patch_vary_headers(response, ["Accept-Encoding"])
            return response
        set_content(response, compress(response.content, encoding), encoding)
        return response
