#!/usr/bin/env python3
"""Makes schemas/api/openapi.json self-contained: copies the standalone schema files it uses into
`components/schemas` (without `$schema`/`$id`, their `#/$defs/...` references rewritten to point into
the component) and points every reference at the copy. Run from the repository root after editing
one of the files in SOURCES; commit both. `OpenAPIBundleTests` fails when the copy is stale."""
import collections
import json
import sys

SOURCES = collections.OrderedDict([
    ("CloudEvent", "schemas/events/envelope.schema.json"),
    ("EntityState", "schemas/views/state.schema.json"),
    ("Headcount", "schemas/views/headcount.schema.json"),
    ("Pipeline", "schemas/views/pipeline.schema.json"),
    ("Changes", "schemas/views/changes.schema.json"),
    ("HeadcountSeries", "schemas/views/headcount-series.schema.json"),
    ("Subscription", "schemas/api/subscription.schema.json"),
    ("FailedDelivery", "schemas/api/failed-delivery.schema.json"),
    ("SubscriptionCreate", "schemas/api/subscription-create.schema.json"),
    ("SubscriptionUpdate", "schemas/api/subscription-update.schema.json"),
    ("SubscriptionReplay", "schemas/api/subscription-replay.schema.json"),
    ("SubscriptionRotate", "schemas/api/subscription-rotate.schema.json"),
])
DOCUMENT = "schemas/api/openapi.json"


def load(path):
    with open(path) as f:
        return json.load(f, object_pairs_hook=collections.OrderedDict)


def bundled(name, schema):
    """The component form of a standalone schema."""
    def rewrite(node):
        if isinstance(node, dict):
            out = collections.OrderedDict()
            for k, v in node.items():
                if k in ("$schema", "$id") and node is schema:
                    continue
                if k == "$ref" and isinstance(v, str) and v.startswith("#/"):
                    v = "#/components/schemas/" + name + v[1:]
                out[k] = rewrite(v)
            return out
        if isinstance(node, list):
            return [rewrite(v) for v in node]
        return node
    return rewrite(schema)


def main():
    doc = load(DOCUMENT)
    ids = {}
    for name, path in SOURCES.items():
        schema = load(path)
        ids[schema["$id"]] = name
        doc["components"]["schemas"][name] = bundled(name, schema)

    def point(node):
        if isinstance(node, dict):
            for k, v in node.items():
                base, _, fragment = v.partition("#") if k == "$ref" and isinstance(v, str) else ("", "", "")
                if k == "$ref" and isinstance(v, str) and base in ids:
                    # A reference into another bundled schema (`...headcount.schema.json#/$defs/row`)
                    # points into its component.
                    node[k] = "#/components/schemas/" + ids[base] + fragment
                else:
                    point(v)
        elif isinstance(node, list):
            for v in node:
                point(v)
    point(doc)
    text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    if "--check" in sys.argv:
        sys.exit(0 if open(DOCUMENT).read() == text else 1)
    with open(DOCUMENT, "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
