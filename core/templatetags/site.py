"""Template filters and tags of the site that know nothing of its domain: {% load site %}."""

from django import template
from django.conf import settings
from django.utils.html import format_html
from django.utils.translation import get_language

from core.markup import render_markdown

register = template.Library()


@register.filter
def get_item(mapping, key):
    """{{ mapping|get_item:key }}: look a key up in a dict, None when it is missing."""
    return mapping.get(key) if mapping else None


@register.filter
def markdown(text):
    """Render a planner's Markdown as sanitised HTML: {{ text|markdown }}; raw HTML in it shows as text."""
    return render_markdown(text)


@register.simple_tag
def languages_in_own_names():
    """Return settings.LANGUAGES as written there: each language in its own name."""
    return settings.LANGUAGES


@register.filter
def lang_attr(language):
    """' lang="nn"' when text in the language stands on a page in another one, else nothing:
    <h3{{ municipality.language_form|lang_attr }}>{{ focus_area.title }}</h3>. Screen readers then read a
    Norwegian title on an English page in Norwegian."""
    if not language or language == get_language():
        return ""
    return format_html(' lang="{}"', language)


@register.filter
def in_language(text, language):
    """The text, in a <span lang> when its language is not the page's: for a name inside a translated sentence,
    {% blocktranslate with title=plan.title|in_language:municipality.language_form %}From {{ title }}…"""
    attribute = lang_attr(language)
    return format_html("<span{}>{}</span>", attribute, text) if attribute else text
