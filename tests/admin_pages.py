"""Helpers for tests that drive Django's admin through the test client."""


def change_form(page) -> dict:
    """The admin's change form as the browser sends it back: every field as the page shows it, inlines included.

    Unchecked boxes and empty values are left out, as a browser leaves them out; a file field sends nothing when no
    file is chosen; a zero (an inline's TOTAL_FORMS) is sent.
    """
    forms = [page.context["adminform"].form]
    for inline in page.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    data = {}
    for form in forms:
        for name in form.fields:
            shown = form[name].value()
            if hasattr(shown, "storage"):
                continue
            if shown is True:
                data[form.add_prefix(name)] = "on"
            elif isinstance(shown, list):
                data[form.add_prefix(name)] = [str(item) for item in shown]
            elif shown is not None and shown is not False:
                data[form.add_prefix(name)] = shown
    return data
