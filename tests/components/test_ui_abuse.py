"""Abuse limits and authorization in the pages (NiceGUI's `user` fixture): sign-in throttling, cookies, text, orders."""

import base64
import json
import logging
import re
from decimal import Decimal

import httpx
import pytest
from itsdangerous import TimestampSigner
from nicegui import app, ui
from nicegui.testing import User

from app import services
from app.accounts import throttle
from app.settings import Settings
from models import OrderCreate, TraderCreate
from tests.components.conftest import PASSWORD, SYMBOL, Desk

THROTTLED = re.compile(r"Too many failed sign-ins: try again in (\d+) s")


def signed_in_as(page: str, username: str) -> bool:
    """Whether the page's header names the trader (the header element's `trader` prop in the page's elements)."""
    return re.search(rf'"trader":\s*"{re.escape(username)}"', page) is not None


@pytest.fixture(autouse=True)
def fresh_throttles(monkeypatch: pytest.MonkeyPatch) -> None:
    """Failures are remembered per process: every test starts with none, with the app's own limits."""
    for name in ("SIGN_IN_PER_USER", "SIGN_IN_PER_ADDRESS", "API_KEY_PER_ADDRESS", "API_KEY_PER_PREFIX"):
        limiter = getattr(throttle, name)
        monkeypatch.setattr(throttle, name, throttle.FailureLimiter(limiter.limit, limiter.window, what=limiter.what))


async def sign_in(desk: Desk, username: str, password: str) -> str:
    """Submit /login once (the page must be open) and return the message it shows, or "" once signed in."""
    error = desk.one(ui.label, "login-error")
    with desk.user.client:
        error.text = ""
        desk.field("Username").value = username
        desk.field("Password").value = password
    desk.user.find(kind=ui.button, content="Sign in").click()
    await desk.shows(lambda: bool(error.text) or desk.user.back_history[-1] == "/", True, timeout=10)
    return error.text


async def api_key_of(username: str) -> str:
    running = await services.started()
    return (await running.accounts.register(TraderCreate(username=username, password=PASSWORD))).api_key


def markup(user: User) -> list[ui.element]:
    """Elements that render their content as HTML: user data must never reach one."""
    return [element for element in user.current_layout.descendants() if isinstance(element, ui.html | ui.markdown)]


async def page_as(cookie: str) -> str:
    """The HTML of `/` for a browser that sends this session cookie."""
    transport = httpx.ASGITransport(app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test", cookies={"session": cookie}) as browser:
        response = await browser.get("/", headers={"Accept": "text/html"})
    assert response.status_code == 200
    return response.text


# Sign-in is throttled per user name and per address.


async def test_five_wrong_passwords_lock_the_name_even_for_the_right_password(user: User, desk: Desk) -> None:
    await desk.register("alice")
    await user.open("/login")
    for _ in range(5):
        assert await sign_in(desk, "alice", "wrong-password") == "Wrong username or password"

    refused = await sign_in(desk, "alice", PASSWORD)

    match = THROTTLED.fullmatch(refused)
    assert match and 1 <= int(match[1]) <= 300, refused
    assert "trader_id" not in app.storage.user
    await user.should_not_see("My open orders")


async def test_a_locked_name_does_not_lock_other_names_from_the_same_address(user: User, desk: Desk) -> None:
    await desk.register("bob")
    await user.open("/login")
    for _ in range(5):
        await sign_in(desk, "alice", "wrong-password")

    assert await sign_in(desk, "bob", PASSWORD) == ""
    await user.should_see("My open orders", retries=50)


async def test_twenty_failures_from_one_address_lock_every_name_from_it(user: User, desk: Desk) -> None:
    await desk.register("carol")
    await user.open("/login")
    for attempt in range(20):
        assert await sign_in(desk, f"nobody-{attempt}", "wrong-password") == "Wrong username or password"

    assert THROTTLED.fullmatch(await sign_in(desk, "carol", PASSWORD))
    assert "trader_id" not in app.storage.user


# The session cookie is what proves who is signed in.


async def test_a_session_cookie_not_signed_with_the_storage_secret_is_not_signed_in(
    user: User, desk: Desk, settings: Settings
) -> None:
    await desk.sign_in("alice")
    genuine = user.http_client.cookies["session"]
    payload, timestamp, mac = genuine.split(".")
    resigned = TimestampSigner(str(settings.storage_secret)).sign(payload).decode()
    forged = TimestampSigner("guessed-secret").sign(payload).decode()
    # A changed first character of the MAC (not the last: its low bits are base64 padding that decodes the same).
    tampered = f"{payload}.{timestamp}.{'A' if mac[0] != 'A' else 'B'}{mac[1:]}"
    other_id = base64.b64encode(json.dumps({"id": "someone-else"}).encode()).decode()
    spliced = f"{other_id}.{timestamp}.{mac}"

    # The controls: the real cookie, and the same session signed again with the storage secret, are signed in.
    assert signed_in_as(await page_as(genuine), "alice")
    assert signed_in_as(await page_as(resigned), "alice")
    for cookie in (forged, tampered, spliced):
        assert not signed_in_as(await page_as(cookie), "alice"), cookie


# What traders type is shown as text.


async def test_an_invalid_username_is_explained_beside_the_field_in_words(user: User, desk: Desk) -> None:
    await user.open("/register")
    user.find(kind=ui.input, content="Username").type("<b>x</b>")
    user.find(kind=ui.input, content="Password").type(PASSWORD)

    user.find(kind=ui.button, content="Register").click()

    expected = "Username may use only lower-case letters a-z, digits 0-9, _ and -"
    await desk.shows(lambda: desk.field("Username").error, expected)
    assert await (await services.started()).accounts.by_username("<b>x</b>") is None
    assert markup(user) == []


async def test_a_username_with_dash_and_underscore_is_shown_literally_in_the_header(user: User, desk: Desk) -> None:
    await desk.sign_in("a-b_c")

    assert desk.header().trader == "a-b_c"
    assert markup(user) == []


async def test_a_client_order_id_is_never_shown_on_the_page(user: User, desk: Desk) -> None:
    alice = await desk.sign_in("alice")
    needle = "<img src=x onerror=alert(1)>"
    order_in = OrderCreate(
        symbol=SYMBOL, side="buy", price=Decimal("100.00"), quantity=Decimal("0.1"), client_order_id=needle
    )

    await (await services.started()).exchange.commands.place_order(trader_id=alice, order_in=order_in)

    await desk.shows(lambda: desk.column("my-open-orders", "price"), ["100.00"])
    shown = [str(element.props) + str(getattr(element, "text", "")) for element in user.current_layout.descendants()]
    assert not [text for text in shown if needle in text]


async def test_the_order_form_shows_the_same_message_as_the_api_for_a_price_off_the_tick(
    user: User, desk: Desk
) -> None:
    api_key = await api_key_of("bob")
    order = {"symbol": SYMBOL, "side": "buy", "price": "100.005", "quantity": "0.1"}
    response = await user.http_client.post("/api/orders", json=order, headers={"Authorization": f"Bearer {api_key}"})
    assert response.status_code == 422
    [rest_error] = [entry["msg"] for entry in response.json()["detail"] if entry["loc"][-1] == "price"]
    await desk.sign_in("alice")
    user.find(kind=ui.input, content="Price").type("100.005")
    user.find(kind=ui.input, content="Quantity").type("0.1")

    user.find(kind=ui.button, content="Buy BTC").click()

    await desk.shows(lambda: desk.field("Price").error, rest_error)


# Nobody cancels another trader's orders from the page.


async def test_a_cancel_event_with_another_traders_order_id_does_not_cancel_it(user: User, desk: Desk) -> None:
    alice = await desk.register("alice")
    theirs = await desk.place(alice, "buy", "100.00", "0.1")
    bob = await desk.sign_in("bob")
    mine = await desk.place(bob, "buy", "99.00", "0.1")
    await desk.shows(lambda: desk.column("my-open-orders", "id"), [str(mine.id)])

    desk.trigger(ui.table, "my-open-orders", "cancel", theirs.id)
    desk.trigger(ui.table, "my-open-orders", "cancel", mine.id)  # the control: the same event works on one's own
    await desk.shows(lambda: desk.column("my-open-orders", "status"), ["cancelled"])
    desk.trigger(ui.table, "my-open-orders", "mouseleave", None)  # the cancelled row lingers until the pointer leaves

    await desk.shows(lambda: desk.column("my-open-orders", "id"), [])
    assert user.notify.contains(f"Order {theirs.id} not found")
    assert [order.status for order in await desk.orders(alice)] == ["open"]


# Secrets stay out of the logs.


async def test_registering_signing_in_and_rotating_keys_log_no_password_and_no_key(
    user: User, desk: Desk, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)  # what the server logs at
    await user.open("/register")
    user.find(kind=ui.input, content="Username").type("dave")
    user.find(kind=ui.input, content="Password").type(PASSWORD)
    user.find(kind=ui.button, content="Register").click()
    await user.should_see("Start trading", retries=50)
    first_key = desk.one(ui.code, "api-key").content
    rotated = await user.http_client.post("/api/traders/me/api-key", headers={"Authorization": f"Bearer {first_key}"})
    second_key = rotated.json()["api_key"]
    await user.open("/login")
    assert await sign_in(desk, "dave", "not-the-password") == "Wrong username or password"
    assert await sign_in(desk, "dave", PASSWORD) == ""

    secrets = (PASSWORD, "not-the-password", first_key, second_key)
    assert caplog.records and not [secret for secret in secrets if secret in caplog.text]
