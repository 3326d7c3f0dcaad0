"""Choose the page language (the visitor's own choice, else bokmål), turn a raised Redirect into a redirect,
and answer 503 when the database is down."""

import logging

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponsePermanentRedirect, HttpResponseRedirect
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.deprecation import MiddlewareMixin
from django.utils.translation import trans_real

logger = logging.getLogger(__name__)

# How long the 503 page asks browsers and monitors to wait before trying again.
DATABASE_RETRY_AFTER_SECONDS = 60


def chosen_language(request) -> str:
    """The language the visitor chose with the language switcher (its cookie), else bokmål."""
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    language = chosen if chosen and trans_real.check_for_language(chosen) else settings.LANGUAGE_CODE
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


class LanguageMiddleware(MiddlewareMixin):
    """Speak bokmål unless the visitor picked another language with the language switcher.

    Django's LocaleMiddleware would follow the browser's Accept-Language, so most
    visitors with an English browser would get English; a Norwegian public portal
    speaks Norwegian first and leaves English to those who ask for it.
    """

    def process_request(self, request):
        language = chosen_language(request)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()

    def process_response(self, request, response):
        response.headers.setdefault("Content-Language", translation.get_language())
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
