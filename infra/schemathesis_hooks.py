"""Schemathesis hooks of infra/schemathesis.sh (loaded through SCHEMATHESIS_HOOKS).

`POST /api/v1/recommendations` has two rules across fields that JSON Schema
cannot state, and that its OpenAPI document states in words (its 422
response): a movie cannot be both liked and disliked, and `filters.year_min`
cannot be after `filters.year_max`. Generated cases that break one of them are
dropped, so that a body the server rightly refuses (422 naming the field) is
not counted as "valid data rejected". Nothing else is filtered: every other
generated case, valid or not, is sent and checked.
"""

import schemathesis

ROUTE = ("POST", "/api/v1/recommendations")


def _breaks_a_cross_field_rule(body):
    if not isinstance(body, dict):
        return False
    liked, disliked = body.get("liked"), body.get("disliked")
    if isinstance(liked, list) and isinstance(disliked, list):
        if any(d in liked for d in disliked):
            return True
    filters = body.get("filters")
    if isinstance(filters, dict):
        lo, hi = filters.get("year_min"), filters.get("year_max")
        numbers = (int, float)
        if (
            isinstance(lo, numbers)
            and isinstance(hi, numbers)
            and not isinstance(lo, bool)
            and not isinstance(hi, bool)
            and lo > hi
        ):
            return True
    return False


@schemathesis.hook
def filter_case(context, case):
    operation = context.operation
    if operation is None or (operation.method.upper(), operation.path) != ROUTE:
        return True
    return not _breaks_a_cross_field_rule(case.body)
