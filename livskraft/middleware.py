"""Choose the page language: the visitor's own choice, else bokmål."""

from django.conf import settings
from django.utils import translation
from django.utils.deprecation import MiddlewareMixin
from django.utils.translation import trans_real


class LanguageMiddleware(MiddlewareMixin):
    """Speak bokmål unless the visitor picked another language with the language switcher.

    Django's LocaleMiddleware would follow the browser's Accept-Language, so most
    visitors with an English browser would get English; a Norwegian public portal
    speaks Norwegian first and leaves English to those who ask for it.
    """

    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen and trans_real.check_for_language(chosen) else settings.LANGUAGE_CODE
        if language not in dict(settings.LANGUAGES):
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()

    def process_response(self, request, response):
        response.headers.setdefault("Content-Language", translation.get_language())
        return response
