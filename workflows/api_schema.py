"""The error answers every API operation may give, written into the OpenAPI schema once.

Views answer 400 (bad parameters or body), 401/403 (no or insufficient credentials),
404 (an object outside the caller's scope, or a page past the end), 409 (a task or
submission no longer in a state that allows the action), 413 (a body over the limit),
415 (a body in a format the operation does not read) and 429 (over the caller's rate,
with ``Retry-After``). drf-spectacular documents only the success answer of each view;
this hook adds the others, so that the schema tells clients, and schemathesis checks,
the whole truth. It also says of every free-text query parameter that it holds no NUL
character, which the server refuses in any address (workflows.middleware).
"""

ERROR_SCHEMA = {
    "type": "object",
    "description": "What went wrong: ``detail`` for the whole request, or one list per field.",
    "properties": {
        "detail": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}
    },
    "additionalProperties": True,
}


# What each refusal looks like, shown beside it in the documentation. The API answers in
# the request's language (Accept-Language); these are its Spanish, the site's default.
ERROR_EXAMPLES = {
    "400": {"part": ["Envíe expenditure, revenue o both como parte, u omítala."]},
    "401": {"detail": "Las credenciales de autenticación no se proveyeron."},
    "403": {"detail": "Usted no tiene permiso para realizar esta acción."},
    "404": {"detail": "No encontrado."},
    "409": {"detail": "Otra persona ya tomó esta tarea."},
    "413": {"detail": "El cuerpo de la solicitud supera el tamaño máximo."},
    "415": {"detail": 'Tipo de medio "text/plain" incompatible en la solicitud.'},
    "429": {
        "detail": "Solicitud fue regulada (throttled). "
        "Se espera que esté disponible en 30 segundos."
    },
}


RETRY_AFTER = {
    "description": "Seconds to wait before the next request.",
    "schema": {"type": "integer", "minimum": 0},
}
NO_NUL = "^[^\\u0000]*$"


def _error(status, description):
    example = {"value": ERROR_EXAMPLES[status], "summary": description}
    return {
        "description": description,
        "content": {
            "application/json": {
                "schema": {"$ref": "#/components/schemas/Error"},
                "examples": {"Error": example},
            }
        },
    }


def add_error_responses(result, generator, request, public):
    """drf-spectacular ``POSTPROCESSING_HOOKS`` entry."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            errors = {
                "400": "Invalid parameters or body.",
                "401": "Credentials missing or wrong.",
                "403": "Not allowed for this user.",
                "404": "Not found, outside the caller's scope, or a page past the end.",
            }
            if method in ("post", "put", "patch", "delete"):
                errors["409"] = "The object's state does not allow this action now."
                errors["413"] = "The request body is over the size limit."
                errors["415"] = "The body's media type is not one this operation reads."
            errors["429"] = "Too many requests: wait the seconds that Retry-After says."
            for status, description in errors.items():
                responses.setdefault(status, _error(status, description))
            responses["429"].setdefault("headers", {})["Retry-After"] = RETRY_AFTER
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                if parameter.get("in") == "query" and schema.get("type") == "string":
                    if not ({"enum", "pattern", "format"} & schema.keys()):
                        schema["pattern"] = NO_NUL
    return result
