"""Check the webhook bodies the tests build against LINE's webhook.yml, as LINE would send them.

jsonschema ignores OpenAPI's `discriminator`, so the concrete schema (MessageEvent, UserSource,
FileMessageContent, …) is picked by `type` through the spec's mapping and checked explicitly.
"""

from __future__ import annotations

import functools
from pathlib import Path

import jsonschema
import yaml

SPEC = Path(__file__).resolve().parent.parent / "bot" / "sandbox" / "line_fake" / "webhook.yml"


@functools.cache
def spec() -> dict:
    return yaml.safe_load(SPEC.read_text(encoding="utf-8"))


def _schema(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}", "components": spec()["components"]}


def _concrete(base: str, value: dict) -> str:
    mapping = spec()["components"]["schemas"][base]["discriminator"]["mapping"]
    ref = mapping.get(value.get("type"))
    assert ref, f"{base} has no type {value.get('type')!r}"
    return ref.rsplit("/", 1)[-1]


def validate_body(body: dict) -> None:
    jsonschema.validate(body, _schema("CallbackRequest"))
    for event in body["events"]:
        jsonschema.validate(event, _schema(_concrete("Event", event)))
        jsonschema.validate(event["source"], _schema(_concrete("Source", event["source"])))
        if "message" in event:
            jsonschema.validate(event["message"], _schema(_concrete("MessageContent", event["message"])))
