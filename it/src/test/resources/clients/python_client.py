"""The personalize plugin from Elastic's official Python client, `elasticsearch` (9.x and 8.x from PyPI; 7.17 as
Debian's python3-elasticsearch, which is what a machine without PyPI can install).

Run by it/'s PythonClientIT: python3 python_client.py URL PRODUCTS EVENTS MODEL SHOPPER
It prints one JSON object with what it got, which the test compares with the same requests sent as plain JSON.
"""
import json
import sys
import warnings
from datetime import datetime, timezone

import elasticsearch
from elasticsearch import Elasticsearch

url, products, events, model, shopper = sys.argv[1:6]
MAJOR = int(elasticsearch.__versionstr__.split(".")[0])
# a training answers when it is done: more than the clients' default 10 s on a busy machine
es = Elasticsearch(url, **({"request_timeout": 300} if MAJOR >= 8 else {"timeout": 300}))
if MAJOR < 8:
    # 7.x checks the product once with GET /, which the test distribution does not answer (its rest-root module is not
    # on Maven Central); a full distribution answers it and needs no such line. 8.x and 9.x check response headers.
    es.transport._verified_elasticsearch = True
    warnings.filterwarnings("ignore", category=DeprecationWarning)  # 7.17 prefers keyword arguments to a body
out = {"client": elasticsearch.__versionstr__}


def call(method, path, params=None, body=None):
    """A plugin endpoint: the client has no method for it, so its generic request, which every version has."""
    if MAJOR >= 8:
        headers = {"accept": "application/json"}
        if body is not None:
            headers["content-type"] = "application/json"
        return es.perform_request(method, path, params=params, headers=headers, body=body).body
    headers = {"content-type": "application/json"} if body is not None else None
    return es.transport.perform_request(method, path, params=params, headers=headers, body=body)


def search(**request):
    """search() sends the rescore and retriever sections as given, whatever their kind."""
    if MAJOR >= 8:
        return es.search(index=products, **request)
    return es.search(index=products, body=request)  # 7.x knows no retriever parameter: the whole body


def status_of(error):
    meta = getattr(error, "meta", None)
    return meta.status if meta is not None else error.status_code


# The rescorer, and the same inside Elasticsearch's rescorer retriever.
personalize = {"window_size": 100, "personalize": {"model": model, "user_id": shopper}}
found = search(size=10, query={"match": {"title": "heart holder"}}, rescore=personalize)
out["rescored"] = [hit["_id"] for hit in found["hits"]["hits"]]
found = search(size=10, retriever={"rescorer": {
    "retriever": {"standard": {"query": {"match": {"title": "heart holder"}}}},
    "rescore": personalize}})
out["retriever"] = [hit["_id"] for hit in found["hits"]["hits"]]

# _recommend: "recommended for you" and "similar items".
shelf = call("POST", "/_recommend", body={"model": model, "user_id": shopper, "size": 5, "_source": ["title"]})
out["for_you"] = [r["item_id"] for r in shelf["recommendations"]]
out["model_version"] = shelf["model_version"]
similar = call("GET", "/_recommend", params={"model": model, "item_ids": "22423", "size": 4})
out["similar"] = [r["item_id"] for r in similar["recommendations"]]

# Events are documents of an ordinary index: index() writes one, and the next _recommend counts it.
visitor = "python-visitor-" + datetime.now(timezone.utc).strftime("%H%M%S%f")
event = {"user_id": visitor, "sku": "22423", "type": "view", "@timestamp": datetime.now(timezone.utc).isoformat()}
if MAJOR >= 8:
    es.index(index=events, document=event, refresh="wait_for")
else:
    es.index(index=events, body=event, refresh="wait_for")
after = call("POST", "/_recommend", body={"model": model, "user_id": visitor, "size": 5})
out["visitor_reason"] = after["recommendations"][0]["reasons"][0]

# The model APIs: a copy of the model, trained, read, deleted.
name = model + "-python"
config = call("GET", "/_recommend/models/" + model)["config"]
try:
    call("DELETE", "/_recommend/models/" + name)
except elasticsearch.NotFoundError:
    pass
call("PUT", "/_recommend/models/" + name, body=config)
out["trained_version"] = call("POST", "/_recommend/models/" + name + "/_train")["version"]["version"]
out["active_version"] = call("GET", "/_recommend/models/" + name)["status"]["active_version"]
call("DELETE", "/_recommend/models/" + name)
try:
    call("GET", "/_recommend/models/" + name)
    out["after_delete"] = 200
except elasticsearch.NotFoundError as error:  # the client turns a 404 into NotFoundError
    out["after_delete"] = status_of(error)
print(json.dumps(out))
