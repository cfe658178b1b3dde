"""Registration and sign-in pages in a simulated browser on the real app: messages in words, links, the header."""

from nicegui import ui
from nicegui.testing import User

from tests.components.conftest import PASSWORD, Desk


async def test_a_short_username_and_password_are_explained_naming_each_field(user: User, desk: Desk) -> None:
    await user.open("/register")
    user.find(kind=ui.input, content="Username").type("ab")
    user.find(kind=ui.input, content="Password").type("short")

    user.find(kind=ui.button, content="Register").click()

    await desk.shows(lambda: desk.field("Username").error, "Username needs at least 3 characters")
    assert desk.field("Password").error == "Password needs at least 8 characters"


async def test_a_long_username_is_explained_with_the_limit(user: User, desk: Desk) -> None:
    await user.open("/register")
    user.find(kind=ui.input, content="Username").type("a" * 33)
    user.find(kind=ui.input, content="Password").type(PASSWORD)

    user.find(kind=ui.button, content="Register").click()

    await desk.shows(lambda: desk.field("Username").error, "Username may have at most 32 characters")


async def test_the_register_page_links_to_sign_in(user: User) -> None:
    await user.open("/register")

    links = [link for link in user.find(kind=ui.link, content="Sign in").elements if "sign-in-instead" in link.classes]
    assert [link.props["href"] for link in links] == ["/login"]  # besides the header's


async def test_after_registering_the_header_behind_the_key_names_the_trader(user: User, desk: Desk) -> None:
    await user.open("/register")
    user.find(kind=ui.input, content="Username").type("newbie")
    user.find(kind=ui.input, content="Password").type(PASSWORD)

    user.find(kind=ui.button, content="Register").click()

    await user.should_see("Welcome, newbie", retries=50)  # argon2 hashes the password first, on purpose slowly
    await desk.shows(lambda: desk.header().trader, "newbie")  # the name and sign-out instead of the sign-in links


async def test_registering_on_a_venue_with_starting_balances_says_what_the_trader_was_credited(user: User) -> None:
    await user.open("/register")
    user.find(kind=ui.input, content="Username").type("newbie")
    user.find(kind=ui.input, content="Password").type(PASSWORD)

    user.find(kind=ui.button, content="Register").click()

    await user.should_see("You were credited 1000000 BTC, 1000000 ETH, 1000000000000 USD to trade with.", retries=50)
