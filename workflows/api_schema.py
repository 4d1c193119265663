"""The error answers every API operation may give, written into the OpenAPI schema once.

Views answer 400 (bad parameters or body), 401/403 (no or insufficient credentials),
404 (an object outside the caller's scope, or a page past the end), 409 (a task or
submission no longer in a state that allows the action) and 413 (an upload over
the limit). drf-spectacular documents only the success answer of each view; this
hook adds the others, so that the schema tells clients, and schemathesis checks,
the whole truth.
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
    "413": {"detail": ["El archivo pesa más que el límite de 50,0\u00a0MB."]},
}


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
    for path, operations in result.get("paths", {}).items():
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
            if path.endswith("/upload/"):
                errors["413"] = "The upload is over the size limit."
            for status, description in errors.items():
                responses.setdefault(status, _error(status, description))
    return result
