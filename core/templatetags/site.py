"""Template filters and tags of the site that know nothing of its domain: {% load site %}."""

from django import template
from django.conf import settings

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
