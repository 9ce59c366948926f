"""Schemathesis hooks of infra/schemathesis.sh (loaded through SCHEMATHESIS_HOOKS).

Three rules that JSON Schema cannot state, and that the OpenAPI document
states in words (the 422 responses, the request body's description):

- `POST /api/v1/recommendations`: a movie cannot be both liked and disliked,
  and `filters.year_min` cannot be after `filters.year_max`;
- `POST /getSimilarUser`: the ids are distinct as ids, so `5` and `"5"` are
  the same id given twice (JSON Schema's `uniqueItems` sees two values).

Generated cases that break one of them are dropped, so that a body the server
rightly refuses (422 naming the field) is not counted as "valid data
rejected". Nothing else is filtered: every other generated case, valid or
not, is sent and checked.
"""

import schemathesis

ROUTE = ("POST", "/api/v1/recommendations")
SIMILAR_USER = ("POST", "/getSimilarUser")


def _id_given_twice(body):
    if not isinstance(body, list):
        return False
    seen = set()
    for item in body:
        if isinstance(item, bool):
            continue
        if isinstance(item, str):
            try:
                item = int(item.strip())
            except ValueError:
                continue
        elif isinstance(item, float) and item.is_integer():
            item = int(item)
        if not isinstance(item, int):
            continue
        if item in seen:
            return True
        seen.add(item)
    return False


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
    if operation is None:
        return True
    route = (operation.method.upper(), operation.path)
    if route == ROUTE:
        return not _breaks_a_cross_field_rule(case.body)
    if route == SIMILAR_USER:
        return not _id_given_twice(case.body)
    return True
