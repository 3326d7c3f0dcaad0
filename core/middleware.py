"""Choose the page language (the visitor's own choice, else her browser's, else bokmål), turn a raised Redirect into a redirect,
keep what logged-in people see out of shared caches, answer 503 when the database is down, and end a session left idle."""

import logging
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponsePermanentRedirect, HttpResponseRedirect
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.deprecation import MiddlewareMixin
from django.utils.translation import ngettext, trans_real

logger = logging.getLogger(__name__)

# How long the 503 page asks browsers and monitors to wait before trying again.
DATABASE_RETRY_AFTER_SECONDS = 60


# Browsers name Norwegian in several ways; "no" (Norwegian, unspecified) means bokmål for most people.
LANGUAGE_ALIASES = {"no": "nb", "nb-no": "nb", "no-no": "nb", "nn-no": "nn"}


def chosen_language(request) -> str:
    """The language the visitor chose with the language switcher (its cookie); else the first language her browser
    asks for that the portal speaks (Accept-Language); else bokmål."""
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if chosen in dict(settings.LANGUAGES) and trans_real.check_for_language(chosen):
        return chosen
    return browser_language(request.META.get("HTTP_ACCEPT_LANGUAGE", ""))


def browser_language(header: str) -> str:
    """The first language in an Accept-Language header that the portal speaks (by preference), else bokmål."""
    spoken = dict(settings.LANGUAGES)
    for asked, _quality in trans_real.parse_accept_lang_header(header[:200]):
        asked = asked.lower()
        for candidate in (LANGUAGE_ALIASES.get(asked, asked), asked.split("-")[0]):
            candidate = LANGUAGE_ALIASES.get(candidate, candidate)
            if candidate in spoken:
                return candidate
    return settings.LANGUAGE_CODE


class LanguageMiddleware(MiddlewareMixin):
    """Speak the language the visitor chose with the language switcher, else her browser's, else bokmål.

    The switcher's cookie always wins, so a visitor whose browser asks for English can read the portal in
    Norwegian and the other way round. Pages say Vary: Accept-Language, Cookie, as both decide the language.
    """

    def process_request(self, request):
        language = chosen_language(request)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()

    def process_response(self, request, response):
        response.headers.setdefault("Content-Language", translation.get_language())
        patch_vary_headers(response, ["Accept-Language", "Cookie"])
        return response


class DatabaseUnavailableMiddleware:
    """Answer 503 with a friendly page when a view cannot reach the database.

    Catches django.db.OperationalError and InterfaceError (the server is down, refuses connections,
    the connection broke) raised by a view or while rendering its template response; anything else
    is left to Django's 500 page. The page is rendered without the request, so it needs neither the
    database nor the context processors. With DEBUG on, Django's technical page shows the traceback.
    Listed last in MIDDLEWARE, so its process_exception runs first.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if settings.DEBUG or not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.error("Database unavailable while answering %s %s", request.method, request.path, exc_info=exception)
        response = HttpResponse(render_to_string("503.html"), status=503)
        response.headers["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
        return response


class Redirect(Exception):  # noqa: N818 - it is an answer, not an error
    """Raised by a lookup deep inside a view to answer with a redirect to url (see RedirectMiddleware).

    A view that looks something up by an old address (a municipality's former number) need not check for a
    redirect after every lookup: the lookup raises this, as it raises Http404 for an address that never existed.
    """

    def __init__(self, url: str, *, permanent: bool = True):
        super().__init__(url)
        self.url = url
        self.permanent = permanent


class RedirectMiddleware(MiddlewareMixin):
    """Answer a Redirect raised by a view with a redirect to its address."""

    def process_exception(self, request, exception):
        if isinstance(exception, Redirect):
            return (HttpResponsePermanentRedirect if exception.permanent else HttpResponseRedirect)(exception.url)
        return None


IDLE_KEY = "livskraft:last-seen"
# How often the time of the last request is written to the session: not on every request, which would write the
# session row each time, but often enough for the idle limit to hold to within this many seconds.
IDLE_RESOLUTION_SECONDS = 60


def start_idle_clock(sender, request, user, **kwargs):
    """Start the idle clock at login, so that the first page after it need not write the session again."""
    request.session[IDLE_KEY] = int(time.time())


class IdleSessionMiddleware:
    """Log out whoever has sent no request for LIVSKRAFT_SESSION_IDLE_MINUTES, and tell her why on the next page.

    The time of her last request is kept in the session (rounded to IDLE_RESOLUTION_SECONDS). A request after the
    limit logs her out before the view runs: a page behind the login then sends her to the login page, which brings
    her back after logging in (`?next=`); a public page shows itself to her as to anyone. Visitors who are not logged
    in are left alone, so they get no session and no cookie, and public pages stay cached for them (core/cache.py).
    Listed after the authentication and message middleware.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = int(time.time())
            seen = request.session.get(IDLE_KEY)
            if seen is not None and now - seen > settings.LIVSKRAFT_SESSION_IDLE_MINUTES * 60:
                logout(request)
                messages.info(
                    request,
                    ngettext(
                        "You were logged out after %(minutes)d minute without activity. Log in again to go on.",
                        "You were logged out after %(minutes)d minutes without activity. Log in again to go on.",
                        settings.LIVSKRAFT_SESSION_IDLE_MINUTES,
                    )
                    % {"minutes": settings.LIVSKRAFT_SESSION_IDLE_MINUTES},
                )
            elif seen is None or now - seen >= IDLE_RESOLUTION_SECONDS:
                request.session[IDLE_KEY] = now
        return self.get_response(request)


class PrivatePagesMiddleware:
    """Send Cache-Control: private, no-store with every answer to a logged-in user, unless the view set its own.

    Whoever is logged in may see unpublished figures, drafts, previews and history, on any page, the public ones
    included: no proxy or browser cache may keep such a page or hand it to the next person. One rule for every
    answer, so that no page can forget it. Visitors without a login only ever see published data.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and "Cache-Control" not in response:
            response["Cache-Control"] = "private, no-store"
        return response
