#!/usr/bin/env python3
"""Write one API Gateway HTTP API (payload 2.0) event per route into events/,
and the trainer function's events into events/train/.

base.json is the output of `sam local generate-event apigateway http-api-proxy`
(SAM CLI 1.170); every event is that document with the route's method, path,
query string, path parameters and body filled in, as API Gateway sends them.

    python3 events/generate.py        # rewrites events/<function>/<name>.json

The trainer's events: `scheduled` (an EventBridge scheduled event, as the
TrainSchedule rule sends it through the state machine: a job with the defaults),
`on-demand` (a job with its own settings; the dataset is REELGRAPH_DATA) and
`continue` (the state machine's next invocation of that job).
"""
import copy
import json
import pathlib
from urllib.parse import parse_qsl

HERE = pathlib.Path(__file__).resolve().parent

# (function, file name, method, route key path, raw path, query, path params, body)
ROUTES = [
    ("random", "v1-random", "GET", "/api/v1/movies/random", "/api/v1/movies/random", "n=8&genre=Comedy", None, None),
    ("random", "v1-genres", "GET", "/api/v1/genres", "/api/v1/genres", "", None, None),
    ("random", "getRandom", "POST", "/getRandom", "/getRandom", "num=4", None, None),
    ("recommend", "v1-recommendations", "POST", "/api/v1/recommendations", "/api/v1/recommendations", "",
     None, {"liked": [1, 2, 21], "disliked": [11], "k": 5}),
    ("recommend", "v1-recommendations-bad", "POST", "/api/v1/recommendations", "/api/v1/recommendations", "",
     None, {"liked": [1, 1], "k": -3}),
    ("recommend", "getSimilarUser", "POST", "/getSimilarUser", "/getSimilarUser", "num=5", None, [21, 22]),
    ("recommend", "v1-feedback-post", "POST", "/api/v1/feedback", "/api/v1/feedback", "",
     None, {"visitor": "0f8fad5b-d9cb-469f-a165-70867728950e", "movie": 3, "signal": "like"}),
    ("recommend", "v1-feedback-get", "GET", "/api/v1/feedback", "/api/v1/feedback",
     "visitor=0f8fad5b-d9cb-469f-a165-70867728950e", None, None),
    ("recommend", "v1-feedback-delete", "DELETE", "/api/v1/feedback", "/api/v1/feedback",
     "visitor=0f8fad5b-d9cb-469f-a165-70867728950e", None, None),
    ("info", "v1-movie", "GET", "/api/v1/movies/{id}", "/api/v1/movies/3", "", {"id": "3"}, None),
    ("info", "v1-similar", "GET", "/api/v1/movies/{id}/similar", "/api/v1/movies/12/similar", "k=5", {"id": "12"}, None),
    ("info", "v1-poster", "GET", "/api/v1/movies/{id}/poster", "/api/v1/movies/3/poster", "", {"id": "3"}, None),
    ("info", "v1-poster-placeholder", "GET", "/api/v1/movies/{id}/poster", "/api/v1/movies/12/poster",
     "placeholder=true", {"id": "12"}, None),
    ("info", "v1-search", "GET", "/api/v1/movies/search", "/api/v1/movies/search", "q=am%C3%A9lie", None, None),
    ("info", "v1-stats", "GET", "/api/v1/stats", "/api/v1/stats", "", None, None),
    ("info", "health", "GET", "/health", "/health", "", None, None),
    ("info", "ready", "GET", "/ready", "/ready", "", None, None),
    ("info", "openapi", "GET", "/openapi.json", "/openapi.json", "", None, None),
    ("info", "docs", "GET", "/docs", "/docs", "", None, None),
    ("info", "getInfo", "GET", "/getInfo", "/getInfo", "ids=3", None, None),
    ("info", "getImage", "GET", "/getImage", "/getImage", "img=12", None, None),
    ("info", "countTable", "GET", "/countTable", "/countTable", "", None, None),
]


TRAIN = {
    "scheduled": {
        "version": "0",
        "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": "2026-12-06T03:00:00Z",
        "region": "us-east-1",
        "resources": ["arn:aws:events:us-east-1:123456789012:rule/reelgraph-TrainScheduleRule-EXAMPLE"],
        "detail": {},
    },
    "on-demand": {"job": "on-demand-1", "settings": {"epochs": 12, "seed": 42}},
    "continue": {"job": "on-demand-1"},
}


def main():
    base = json.loads((HERE / "base.json").read_text())
    for fn, name, method, route, raw_path, query, params, body in ROUTES:
        ev = copy.deepcopy(base)
        ev["routeKey"] = f"{method} {route}"
        ev["rawPath"] = raw_path
        ev["rawQueryString"] = query
        qs = {}
        for k, v in parse_qsl(query, keep_blank_values=True):
            qs[k] = f"{qs[k]},{v}" if k in qs else v
        if qs:
            ev["queryStringParameters"] = qs
        else:
            ev.pop("queryStringParameters", None)
        ev.pop("cookies", None)
        ev["headers"] = {"accept": "application/json", "host": ev["requestContext"]["domainName"]}
        if params:
            ev["pathParameters"] = params
        else:
            ev.pop("pathParameters", None)
        ev.pop("stageVariables", None)
        ev["requestContext"].pop("authentication", None)
        ev["requestContext"].pop("authorizer", None)
        ev["requestContext"]["routeKey"] = ev["routeKey"]
        ev["requestContext"]["stage"] = "$default"
        ev["requestContext"]["http"]["method"] = method
        ev["requestContext"]["http"]["path"] = raw_path
        if body is None:
            ev.pop("body", None)
        else:
            ev["body"] = json.dumps(body)
            ev["headers"]["content-type"] = "application/json"
        ev["isBase64Encoded"] = False
        out = HERE / fn / f"{name}.json"
        out.parent.mkdir(exist_ok=True)
        out.write_text(json.dumps(ev, indent=2) + "\n")
    for name, ev in TRAIN.items():
        out = HERE / "train" / f"{name}.json"
        out.parent.mkdir(exist_ok=True)
        out.write_text(json.dumps(ev, indent=2) + "\n")


if __name__ == "__main__":
    main()
