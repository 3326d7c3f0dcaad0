"""Name people on a page as others read them, never by their login names: {% load people %}."""

from django import template

from indicators.people import Names

register = template.Library()


@register.simple_tag(takes_context=True)
def person(context, user, municipality=None):
    """Name the user: {% person revision.changed_by value.municipality %}, or {% person … as who %} in a sentence.

    Each municipality's roles are looked up once a request, however many people the page names.
    """
    request = context.get("request")
    names = getattr(request, "livskraft_names", None)
    if names is None:
        names = Names()
        if request is not None:
            request.livskraft_names = names
    return names(user, municipality)
