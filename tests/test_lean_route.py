"""app/api/lean_route.py answers as FastAPI's own handling would: one endpoint declared both ways, every answer alike.

In-process: a small FastAPI app declares the same endpoints once as ordinary routes and once as lean routes, and each
request is sent to both. When a FastAPI upgrade changes how a route answers, these tests fail.
"""

from collections.abc import AsyncIterator
from typing import Annotated, Any

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Path, Query, Request, Response
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field

from app.api.lean_route import LeanRoute

LIMIT = 1024
_bearer = HTTPBearer(auto_error=False)
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


class Item(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    quantity: int = Field(ge=1)
    tag: str | None = None


async def caller(request: Request, credentials: Credentials) -> str:
    if credentials is None or credentials.credentials != "good":
        raise HTTPException(status_code=401, detail="who are you", headers={"WWW-Authenticate": "Bearer"})
    return f"{credentials.credentials}@{request.client.host if request.client else '?'}"


async def create_item(item: Item, who: Annotated[str, Depends(caller)], response: Response) -> Item:
    if item.tag == "again":  # the status rule of POST /api/orders: 201, or 200 for something already there
        response.status_code = 200
    if item.tag == "conflict":
        raise HTTPException(status_code=409, detail=f"{item.name} is taken by {who}")
    return item


async def remove_item(item_id: Annotated[int, Path(ge=1, le=2**63 - 1)], who: Annotated[str, Depends(caller)]) -> Item:
    return Item(name=f"{item_id} by {who}", quantity=item_id)


def app_with_both() -> FastAPI:
    """The endpoints as ordinary routes under /ordinary, and as lean routes under /lean (an included router, as most
    routes are) and /direct (routes of the app's own router, as the app's hot routes are)."""
    app = FastAPI()
    for prefix, route_class in (("/ordinary", APIRoute), ("/lean", LeanRoute), ("/direct", LeanRoute)):
        router = APIRouter(prefix=prefix, max_body_size=LIMIT, route_class=route_class)
        router.post("/items", status_code=201)(create_item)
        router.delete("/items/{item_id:int}")(remove_item)
        if prefix == "/direct":
            app.router.routes.extend(router.routes)
        else:
            app.include_router(router)
    return app


@pytest.fixture(params=["/lean", "/direct"])
async def clients(request: pytest.FixtureRequest) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    """A client of the ordinary routes and one of lean routes, in that order."""
    transport = httpx.ASGITransport(app_with_both())
    async with (
        httpx.AsyncClient(transport=transport, base_url="http://test/ordinary") as ordinary,
        httpx.AsyncClient(transport=transport, base_url=f"http://test{request.param}") as lean_,
    ):
        yield ordinary, lean_


async def both_answer_alike(clients: tuple[httpx.AsyncClient, ...], method: str, path: str, **sent: Any) -> int:
    ordinary, lean_ = [await client.request(method, path, **sent) for client in clients]
    assert (lean_.status_code, lean_.headers.items(), lean_.content) == (
        ordinary.status_code,
        ordinary.headers.items(),
        ordinary.content,
    )
    return ordinary.status_code


GOOD = {"Authorization": "Bearer good"}
JSON = {"content-type": "application/json"}
ITEM = b'{"name": "pen", "quantity": 2}'


POSTS: dict[str, tuple[dict[str, str], bytes, int]] = {
    "created": ({**GOOD, **JSON}, ITEM, 201),
    "there already": ({**GOOD, **JSON}, b'{"name": "pen", "quantity": 2, "tag": "again"}', 200),
    "refused by the endpoint": ({**GOOD, **JSON}, b'{"name": "pen", "quantity": 2, "tag": "conflict"}', 409),
    "json with a charset": ({**GOOD, "content-type": "application/json; charset=utf-8"}, ITEM, 201),
    "a +json type": ({**GOOD, "content-type": "application/merge-patch+json"}, ITEM, 201),
    "text": ({**GOOD, "content-type": "text/plain"}, ITEM, 422),
    "no content type": (GOOD, ITEM, 422),  # FastAPI's strict rule: not read as JSON
    "broken json": ({**GOOD, **JSON}, b"{", 422),
    "not utf-8": ({**GOOD, **JSON}, b'{"name": "\xff", "quantity": 2}', 400),
    "no body": ({**GOOD, **JSON}, b"", 422),
    "a list": ({**GOOD, **JSON}, b"[1, 2]", 422),
    "three bad fields": ({**GOOD, **JSON}, b'{"name": "", "quantity": 0, "colour": "red"}', 422),
    "no key": (JSON, ITEM, 401),
    "another scheme": ({"Authorization": "Basic Z29vZA==", **JSON}, ITEM, 401),
    "a scheme alone": ({"Authorization": "Bearer", **JSON}, ITEM, 401),
    "wrong key, broken json": ({"Authorization": "Bearer bad", **JSON}, b"{", 422),  # the body is parsed first
    "wrong key, bad fields": ({"Authorization": "Bearer bad", **JSON}, b'{"quantity": 0}', 401),  # validated last
}


@pytest.mark.parametrize(("headers", "body", "status"), list(POSTS.values()), ids=list(POSTS))
async def test_a_post_is_answered_as_an_ordinary_route_answers_it(
    clients: tuple[httpx.AsyncClient, ...], headers: dict[str, str], body: bytes, status: int
) -> None:
    assert await both_answer_alike(clients, "POST", "/items", content=body, headers=headers) == status


async def test_a_body_over_the_routers_limit_is_refused_alike_as_it_arrives(
    clients: tuple[httpx.AsyncClient, ...],
) -> None:
    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: the limit is found while reading
        yield ITEM[:-1]
        yield b"," + b" " * LIMIT + b'"tag": null}'

    ordinary, lean_ = [await client.post("/items", content=chunks(), headers={**GOOD, **JSON}) for client in clients]
    assert ordinary.status_code == 413, ordinary.text
    assert (lean_.status_code, lean_.headers.items(), lean_.content) == (
        ordinary.status_code,
        ordinary.headers.items(),
        ordinary.content,
    )


@pytest.mark.parametrize("method", ["POST", "DELETE"])
async def test_a_declared_body_over_the_routers_limit_is_refused_alike(
    clients: tuple[httpx.AsyncClient, ...], method: str
) -> None:
    path = "/items" if method == "POST" else "/items/7"
    too_large = ITEM[:-1] + b"," + b" " * LIMIT + b'"tag": null}'
    assert await both_answer_alike(clients, method, path, content=too_large, headers={**GOOD, **JSON}) == 413


@pytest.mark.parametrize(
    ("path", "headers", "status"),
    [
        ("/items/7", GOOD, 200),
        ("/items/9223372036854775807", GOOD, 200),
        ("/items/9223372036854775808", GOOD, 422),
        ("/items/0", GOOD, 422),
        ("/items/0", {}, 401),  # the key is checked before the path's parameters
        ("/items/7", {"Authorization": "Bearer bad"}, 401),
    ],
    ids=["found", "the largest id", "past the largest id", "id 0", "id 0 without a key", "wrong key"],
)
async def test_a_delete_is_answered_as_an_ordinary_route_answers_it(
    clients: tuple[httpx.AsyncClient, ...], path: str, headers: dict[str, str], status: int
) -> None:
    assert await both_answer_alike(clients, "DELETE", path, headers=headers) == status
    assert await both_answer_alike(clients, "DELETE", path, headers=headers, content=b"{ignored}") == status


def test_the_openapi_document_describes_a_lean_route_as_an_ordinary_one() -> None:
    paths = app_with_both().openapi()["paths"]
    for method, path in (("post", "/items"), ("delete", "/items/{item_id}")):
        ordinary, *lean_ = [
            {**paths[prefix + path][method], "operationId": None} for prefix in ("/ordinary", "/lean", "/direct")
        ]
        assert lean_ == [ordinary, ordinary]


async def query_endpoint(page: Annotated[int, Query()] = 1) -> Item:
    return Item(name="page", quantity=page)


async def yielding_dependency() -> AsyncIterator[str]:
    yield "with clean-up"


async def yielding_endpoint(value: Annotated[str, Depends(yielding_dependency)]) -> Item:
    return Item(name=value, quantity=1)


@pytest.mark.parametrize("endpoint", [query_endpoint, yielding_endpoint], ids=lambda endpoint: endpoint.__name__)
def test_a_lean_route_refuses_an_endpoint_it_would_not_answer_as_fastapi_does(endpoint: Any) -> None:
    with pytest.raises(TypeError, match="lean route"):
        APIRouter(route_class=LeanRoute).get("/refused")(endpoint)
