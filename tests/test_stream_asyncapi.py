"""The stream's AsyncAPI document at /asyncapi.json: built from what is registered, every reference resolving, and
linked from the introduction of /docs."""

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from app.stream.channels import CHANNELS, register_channel
from app.stream.protocol import OPS

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True, scope="module")


def references(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from references(value)
    elif isinstance(node, list):
        for value in node:
            yield from references(value)


def resolve(document: dict, reference: str) -> Any:
    node: Any = document
    for part in reference.removeprefix("#/").split("/"):
        node = node[part]
    return node


def test_the_asyncapi_document_describes_every_registered_op_and_channel(api: httpx.Client) -> None:
    document = api.get("/asyncapi.json").json()
    assert document["asyncapi"] == "3.0.0"
    assert document["channels"]["stream"]["address"] == "/api/ws"
    operations = document["operations"]
    assert {name for name in operations if not name.endswith("Channel")} == set(OPS)
    assert {name.removesuffix("Channel") for name in operations if name.endswith("Channel")} == set(CHANNELS)
    for reference in references(document):
        assert resolve(document, reference) is not None, reference


def test_a_channel_registered_later_is_in_the_document(api: httpx.Client) -> None:
    async def start(*_args: Any) -> Any:
        return lambda: None

    register_channel("fills-test", private=True, start=start, summary="a channel a later module adds")
    try:
        operation = api.get("/asyncapi.json").json()["operations"]["fills-testChannel"]
        assert "private" in operation["title"] and operation["summary"] == "a channel a later module adds"
    finally:
        del CHANNELS["fills-test"]


def test_the_docs_introduction_links_the_asyncapi_document(api: httpx.Client) -> None:
    assert "(/asyncapi.json)" in api.get("/openapi.json").json()["info"]["description"]
