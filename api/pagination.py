"""Pages of the API's lists, `?page=<n>` from 1: a page that is not a whole number from 1 is refused, one past the end not
found."""

import re

from rest_framework import pagination
from rest_framework.exceptions import NotFound, ValidationError

PAGE = re.compile(r"[0-9]+")


class Pagination(pagination.PageNumberPagination):
    """DRF's page numbers, strict about what a page number is, answering with a message per parameter.

    DRF alone turns `?page=abc` and `?page=0` into 404 "Invalid page." and accepts `?page=last`, `?page=%201` and
    Unicode digits, none of which the schema's `integer, minimum 1` admits.
    """

    last_page_strings = ()

    def get_page_number(self, request, paginator):
        number = request.query_params.get(self.page_query_param, "") or "1"
        # Digits only, and not all zeros; the paginator reads the number itself, however long.
        if not PAGE.fullmatch(number) or not number.strip("0"):
            raise ValidationError({self.page_query_param: ["page must be a whole number from 1, e.g. page=2."]})
        return number

    def paginate_queryset(self, queryset, request, view=None):
        try:
            return super().paginate_queryset(queryset, request, view)
        except NotFound:
            last = self.django_paginator_class(queryset, self.get_page_size(request)).num_pages
            raise NotFound(
                {
                    self.page_query_param: [
                        f"There is no page {self.get_page_number(request, None)}: the last is {last}."
                    ]
                }
            ) from None

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.page_query_param,
                "required": False,
                "in": "query",
                "description": f"The page, from 1; each has up to {self.page_size} items.",
                "schema": {"type": "integer", "minimum": 1},
            }
        ]
