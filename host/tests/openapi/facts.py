#!/usr/bin/env python3
"""Facts of the official Connector's OpenAPI document, in this project's own compact form.

Reads `src/modules/coreHttpApi/openapi.yml` of the official Connector at a tag (from a bare git
clone) and writes `official-<tag>.json` next to this script: every operation, its path and query
parameters with types, its request-body fields with types and required-ness, and the fields of
its success response with types and required-ness, every `$ref` resolved.
`host/tests/openapi_contract.rs` flattens our own `/docs/json` by the same rules and compares.

Run by hand when the official version we follow changes:

    python3 host/tests/openapi/facts.py /path/to/nmshd-connector.git 7.0.0

Needs PyYAML (pinned in schemathesis/requirements.txt). The rules (mirrored in the Rust test, keep both in step):
- A field path is dotted from the body's root; array items add `[]` (`result[].recipients[].address`).
- A type is the set of JSON types a node allows, joined with `|` in sorted order (`null` dropped:
  nullability is not compared); a node with no type at all is `any`.
- `allOf` parts are merged; `anyOf`/`oneOf` give the union of their types; the walk descends into
  an alternative's properties only when exactly one object alternative remains (polymorphic content
  such as a message's `content` is recorded as a node, not field by field).
- `$ref` cycles stop the walk; so does depth 8.
"""

import json
import subprocess
import sys
from pathlib import Path

import yaml

DOC_PATH = "src/modules/coreHttpApi/openapi.yml"
METHODS = ("get", "put", "post", "delete", "patch")
MAX_DEPTH = 8


class Doc:
    def __init__(self, doc):
        self.doc = doc

    def deref(self, node, seen=()):
        """Follows `$ref` chains; returns the target and the refs passed through."""
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            if ref in seen:
                return None, seen
            seen = seen + (ref,)
            target = self.doc
            for part in ref.lstrip("#/").split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            # Siblings of `$ref` (OpenAPI 3.1 allows them) are merged over the target.
            extra = {k: v for k, v in node.items() if k != "$ref"}
            node = {**target, **extra} if extra else target
        return node, seen

    def shape(self, node, seen=()):
        """(types, properties, required, items) of a schema after refs, allOf and unions."""
        node, seen = self.deref(node, seen)
        if not isinstance(node, dict):
            return set(), {}, set(), None, seen
        types = set()
        props = {}
        required = set()
        items = None
        t = node.get("type")
        if isinstance(t, str):
            types.add(t)
        elif isinstance(t, list):
            types.update(t)
        if "properties" in node:
            props.update({k: (v, seen) for k, v in node["properties"].items()})
            types.add("object")
        required.update(r for r in node.get("required", []) if isinstance(r, str))
        if "items" in node:
            items = (node["items"], seen)
        for part in node.get("allOf", []):
            pt, pp, pr, pi, _ = self.shape(part, seen)
            types.update(pt)
            props.update(pp)
            required.update(pr)
            items = items or pi
        alternatives = node.get("anyOf", []) + node.get("oneOf", [])
        if alternatives:
            shapes = [self.shape(a, seen) for a in alternatives]
            shapes = [s for s in shapes if s[0] != {"null"}]
            for s in shapes:
                types.update(s[0])
            if len(shapes) == 1:
                props.update(shapes[0][1])
                required.update(shapes[0][2])
                items = items or shapes[0][3]
        types.discard("null")
        required &= set(props)
        return types, props, required, items, seen


def type_name(types):
    return "|".join(sorted(types)) if types else "any"


def flatten(doc, schema, prefix, seen=(), depth=0, out=None, req=None):
    """Fills `out` (path -> type) and `req` (required paths) for the fields below `schema`."""
    out = {} if out is None else out
    req = set() if req is None else req
    if depth > MAX_DEPTH:
        return out, req
    types, props, required, items, seen = doc.shape(schema, seen)
    if prefix:
        out[prefix] = type_name(types)
    for name, (sub, sub_seen) in props.items():
        path = f"{prefix}.{name}" if prefix else name
        if name in required:
            req.add(path)
        flatten(doc, sub, path, sub_seen, depth + 1, out, req)
    if items is not None:
        flatten(doc, items[0], prefix + "[]", items[1], depth + 1, out, req)
    return out, req


def param_type(doc, param):
    # The official document sometimes puts `type` on the parameter itself instead of a schema.
    schema = param.get("schema", {"type": param["type"]} if "type" in param else {})
    return type_name(doc.shape(schema)[0])


def operation_facts(doc, path, item, method, op):
    params = [doc.deref(p)[0] for p in item.get("parameters", []) + op.get("parameters", [])]
    facts = {
        "path": [{"name": p["name"], "type": param_type(doc, p)} for p in params if p["in"] == "path"],
        "query": {p["name"]: param_type(doc, p) for p in params if p["in"] == "query"},
    }
    body = op.get("requestBody")
    if body:
        body, _ = doc.deref(body)
        for media, content in body.get("content", {}).items():
            fields, required = flatten(doc, content.get("schema", {}), "")
            facts["body"] = {"mediaType": media, "fields": fields, "required": sorted(required)}
            break
    for status in sorted(op.get("responses", {}), key=str):
        if not str(status).startswith("2"):
            continue
        response, _ = doc.deref(op["responses"][status])
        facts["status"] = int(status)
        json_content = response.get("content", {}).get("application/json")
        if json_content is not None:
            fields, required = flatten(doc, json_content.get("schema", {}), "")
            facts["response"] = {"fields": fields, "required": sorted(required)}
        else:
            media = sorted(response.get("content", {}))
            if media:
                facts["response"] = {"mediaTypes": media}
        break
    return facts


def main():
    git_dir, tag = sys.argv[1], sys.argv[2]
    text = subprocess.run(
        ["git", "-C", git_dir, "show", f"{tag}:{DOC_PATH}"], check=True, capture_output=True, text=True
    ).stdout
    commit = subprocess.run(
        ["git", "-C", git_dir, "rev-list", "-n", "1", tag], check=True, capture_output=True, text=True
    ).stdout.strip()
    doc = Doc(yaml.safe_load(text))
    operations = {}
    for path, item in doc.doc["paths"].items():
        for method in METHODS:
            if method in item:
                operations[f"{method.upper()} {path}"] = operation_facts(doc, path, item, method, item[method])
    facts = {
        "source": {
            "repository": "https://github.com/nmshd/connector",
            "tag": tag,
            "commit": commit,
            "file": DOC_PATH,
            "generatedBy": "host/tests/openapi/facts.py (rules in its header)",
        },
        "operations": operations,
    }
    out = Path(__file__).with_name(f"official-{tag}.json")
    out.write_text(json.dumps(facts, indent=1, sort_keys=False) + "\n")
    fields = sum(len(o.get("response", {}).get("fields", {})) + len(o.get("body", {}).get("fields", {})) for o in operations.values())
    print(f"{out}: {len(operations)} operations, {fields} body and response fields")


if __name__ == "__main__":
    main()
