"""The personalize plugin from Elastic's official Python client (`elasticsearch` on PyPI, 8.x or 9.x).

Run by it/'s PythonClientIT: python3 python_client.py URL PRODUCTS EVENTS MODEL SHOPPER
It prints one JSON object with what it got, which the test compares with the same requests sent as plain JSON.
"""
import json
import sys
from datetime import datetime, timezone

from elasticsearch import Elasticsearch

url, products, events, model, shopper = sys.argv[1:6]
es = Elasticsearch(url)
JSON = {"accept": "application/json", "content-type": "application/json"}
out = {"client": __import__("elasticsearch").__versionstr__}

# The rescorer: search() takes the rescore section as a dict, whatever its kind.
personalize = {"window_size": 100, "personalize": {"model": model, "user_id": shopper}}
found = es.search(index=products, size=10, query={"match": {"title": "heart holder"}}, rescore=personalize)
out["rescored"] = [hit["_id"] for hit in found["hits"]["hits"]]

# The same inside Elasticsearch's rescorer retriever.
found = es.search(index=products, size=10, retriever={"rescorer": {
    "retriever": {"standard": {"query": {"match": {"title": "heart holder"}}}},
    "rescore": personalize}})
out["retriever"] = [hit["_id"] for hit in found["hits"]["hits"]]

# The plugin's own endpoints: perform_request(method, path, ...) is the client's way to any endpoint it has no method for.
shelf = es.perform_request("POST", "/_recommend", headers=JSON,
                           body={"model": model, "user_id": shopper, "size": 5, "_source": ["title"]}).body
out["for_you"] = [r["item_id"] for r in shelf["recommendations"]]
out["model_version"] = shelf["model_version"]
similar = es.perform_request("GET", "/_recommend", headers={"accept": "application/json"},
                             params={"model": model, "item_ids": "22423", "size": 4}).body
out["similar"] = [r["item_id"] for r in similar["recommendations"]]

# Events are documents of an ordinary index: index() writes one, and the next _recommend counts it.
visitor = "python-visitor-" + datetime.now(timezone.utc).strftime("%H%M%S%f")
es.index(index=events, refresh="wait_for", document={
    "user_id": visitor, "sku": "22423", "type": "view", "@timestamp": datetime.now(timezone.utc).isoformat()})
after = es.perform_request("POST", "/_recommend", headers=JSON, body={"model": model, "user_id": visitor, "size": 5}).body
out["visitor_reason"] = after["recommendations"][0]["reasons"][0]

# The model APIs.
name = model + "-python"
config = es.perform_request("GET", "/_recommend/models/" + model, headers={"accept": "application/json"}).body["config"]
es.options(ignore_status=404).perform_request("DELETE", "/_recommend/models/" + name, headers={"accept": "application/json"})
es.perform_request("PUT", "/_recommend/models/" + name, headers=JSON, body=config)
trained = es.perform_request("POST", "/_recommend/models/" + name + "/_train", headers={"accept": "application/json"}).body
out["trained_version"] = trained["version"]["version"]
status = es.perform_request("GET", "/_recommend/models/" + name, headers={"accept": "application/json"}).body
out["active_version"] = status["status"]["active_version"]
es.perform_request("DELETE", "/_recommend/models/" + name, headers={"accept": "application/json"})
try:
    es.perform_request("GET", "/_recommend/models/" + name, headers={"accept": "application/json"})
    out["after_delete"] = 200
except Exception as error:  # elasticsearch.NotFoundError: the client maps statuses to exceptions
    out["after_delete"] = getattr(error, "status_code", None) or getattr(error, "meta").status
print(json.dumps(out))
