"""The OpenAPI schema states every answer the API gives: the errors with their bodies, and empty query parameters.

drf-spectacular documents only the 200 answer by itself. Here every list also documents 400 (a parameter it does
not know, given twice, or malformed) and 404 (a page past the last, or a number, code or slug that names nothing),
both as a message per parameter; every single object documents 400 (it takes no parameters) and 404 (`detail`).
"""

from drf_spectacular import openapi
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ParameterErrors(serializers.Serializer):
    """A message per parameter, e.g. {"kommune": ["No municipality has had the number 9999."]}."""


class ParameterErrorsSchema(OpenApiSerializerExtension):
    """Describe ParameterErrors: an object whose keys are the parameters and whose values are lists of messages."""

    target_class = ParameterErrors

    def map_serializer(self, auto_schema, direction):
        return {
            "type": "object",
            "description": "A message per parameter, keyed by the parameter's name.",
            "additionalProperties": {"type": "array", "items": {"type": "string"}, "minItems": 1},
            "minProperties": 1,
            "example": {"kommune": ["No municipality has had the number 9999."]},
        }


class NotFound(serializers.Serializer):
    detail = serializers.CharField(read_only=True, help_text="What was not found, e.g. a municipality number.")


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's schema, with the API's 400 and 404 answers documented for each operation."""

    def get_response_serializers(self):
        found = super().get_response_serializers()
        if getattr(self.view, "action", None) == "list":
            filters = self.view.filter_class is not None
            return {
                200: found,
                400: OpenApiResponse(
                    ParameterErrors,
                    description="A parameter the address does not know, one given twice, a page that is not a whole "
                    "number from 1" + (", or a filter that is malformed (see each parameter)." if filters else "."),
                ),
                404: OpenApiResponse(
                    ParameterErrors,
                    description="A page past the last"
                    + (", or a filter's number, code or slug that names nothing." if filters else "."),
                ),
            }
        return {
            200: found,
            400: OpenApiResponse(ParameterErrors, description="Any parameter: this address takes none."),
            404: OpenApiResponse(NotFound, description="Nothing has this number, code, slug or id."),
        }


def query_parameters_may_be_empty(result, generator, request, public):
    """Say that every query parameter may be given empty: the API reads `?kommune=` as no filter, `?page=` as 1."""
    for operations in result["paths"].values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "query":
                    parameter["allowEmptyValue"] = True
    return result
