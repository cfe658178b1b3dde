"""app/api/lean_dispatch.py hands a lean route the requests it matches, and the app still answers what goes wrong.

In-process: a small FastAPI app with a lean route handed only to `LeanRoutesFirst` (its router does not hold it, so
only the dispatcher can answer it), an exception handler of its own and an ordinary route on the same path for another
method.
"""

import httpx
import pytest
from fastapi import APIRouter, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from app.api.lean_dispatch import LeanRoutesFirst
from app.api.lean_route import LeanRoute


class Thing(BaseModel):
    name: str


class Refused(Exception):
    pass


async def make_thing(thing: Thing) -> Thing:
    if thing.name == "refused":
        raise Refused
    if thing.name == "taken":
        raise HTTPException(status_code=409, detail="taken")
    if thing.name == "crash":
        raise RuntimeError("a bug")
    return thing


async def list_things() -> list[Thing]:
    return [Thing(name="pen")]


async def refused(_request: Request, _error: Exception) -> JSONResponse:
    return JSONResponse({"detail": "refused by the app's handler"}, status_code=418)


@pytest.fixture
def client() -> httpx.AsyncClient:
    app = FastAPI()
    hot = APIRouter(route_class=LeanRoute)
    hot.post("/things", status_code=201)(make_thing)
    app.get("/things")(list_things)
    app.add_exception_handler(Refused, refused)
    app.add_middleware(LeanRoutesFirst, routes=hot.routes, owner=app)
    transport = httpx.ASGITransport(app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://test")


async def test_a_request_the_lean_route_matches_is_answered_by_it(client: httpx.AsyncClient) -> None:
    made = await client.post("/things", json={"name": "pen"})
    assert (made.status_code, made.json()) == (201, {"name": "pen"})


async def test_its_errors_are_answered_by_the_apps_exception_handlers(client: httpx.AsyncClient) -> None:
    refusal = await client.post("/things", json={"name": "refused"})
    assert (refusal.status_code, refusal.json()) == (418, {"detail": "refused by the app's handler"})
    taken = await client.post("/things", json={"name": "taken"})
    assert (taken.status_code, taken.json()) == (409, {"detail": "taken"})
    invalid = await client.post("/things", json={"colour": "red"})
    assert invalid.status_code == 422 and invalid.json()["detail"][0]["loc"] == ["body", "name"]


async def test_a_crash_in_the_lean_route_is_a_500(client: httpx.AsyncClient) -> None:
    crashed = await client.post("/things", json={"name": "crash"})
    assert crashed.status_code == 500


async def test_another_method_on_its_path_goes_on_to_the_router(client: httpx.AsyncClient) -> None:
    listed = await client.get("/things")
    assert (listed.status_code, listed.json()) == (200, [{"name": "pen"}])
    refused_method = await client.put("/things", json={"name": "pen"})
    assert refused_method.status_code == 405
