"""Sign in, register and sign out: the same accounts as the API, the session in `app.storage.user`."""

from nicegui import app, context, ui
from pydantic import ValidationError

from app import services
from app.accounts import throttle
from app.errors import ServiceError
from components.balances import credited, deposit_command
from components.layout import frame, show_account
from components.shared_css import add_shared_css
from models import TraderCreate

# The key in the dialog wraps instead of running under the copy button, which keeps its own corner.
API_KEY_CSS = """
.api-key .nicegui-markdown pre, .api-key pre { padding-right: 2.75rem; white-space: pre-wrap; word-break: break-all; }
"""


def registration_problem(field: str, problem: dict) -> str:
    """A validator's complaint about a registration field in words, naming the field."""
    name = field.capitalize()
    limits = problem.get("ctx") or {}
    if problem["type"] == "string_pattern_mismatch":
        return f"{name} may use only lower-case letters a-z, digits 0-9, _ and -"
    if problem["type"] == "string_too_short":
        return f"{name} needs at least {limits.get('min_length')} characters"
    if problem["type"] == "string_too_long":
        return f"{name} may have at most {limits.get('max_length')} characters"
    return f"{name} is not valid"


SIGN_IN_KEYS = ("trader_id", "username")


def _sign_in(trader_id: int, username: str) -> None:
    app.storage.user.update(trader_id=trader_id, username=username)


@ui.page("/login")
def login_page() -> None:
    with frame("Sign in"), ui.card().classes("w-96 mx-auto q-mt-xl p-6 gap-3"):
        ui.label("Sign in").classes("text-h6")
        username = ui.input("Username").props('outlined dense data-field="username"').classes("w-full")
        password = ui.input("Password", password=True).props('outlined dense data-field="password"').classes("w-full")
        error = ui.label().classes("text-negative login-error")

        async def submit() -> None:
            error.set_text("")
            name = username.value.strip()
            keys = (f"user:{name}", f"address:{context.client.ip}")
            try:
                await throttle.SIGN_IN_PER_USER.check(keys[0])
                await throttle.SIGN_IN_PER_ADDRESS.check(keys[1])
            except throttle.TooManyAttempts as refused:
                error.set_text(f"Too many failed sign-ins: try again in {refused.retry_after} s")
                return
            trader = await (await services.started()).accounts.sign_in(name, password.value)
            if trader is None or trader.id is None:
                await throttle.SIGN_IN_PER_USER.fail(keys[0])
                await throttle.SIGN_IN_PER_ADDRESS.fail(keys[1])
                error.set_text("Wrong username or password")
                return
            await throttle.SIGN_IN_PER_USER.succeed(keys[0])
            _sign_in(trader.id, trader.username)
            ui.navigate.to("/")

        password.on("keydown.enter", submit)
        ui.button("Sign in", on_click=submit).props("unelevated no-caps").classes("w-full sign-in-button")
        with ui.row().classes("gap-1 text-caption"):
            ui.label("No account?")
            ui.link("Register", "/register")


@ui.page("/register")
def register_page() -> None:
    with frame("Register"), ui.card().classes("w-96 mx-auto q-mt-xl p-6 gap-3"):
        ui.label("Register").classes("text-h6")
        username = (
            ui.input("Username", placeholder="3-32 of a-z 0-9 _ -")
            .props('outlined dense data-field="username"')
            .classes("w-full")
        )
        password = (
            ui.input("Password", password=True, placeholder="8-128 characters")
            .props('outlined dense data-field="password"')
            .classes("w-full")
        )
        fields = {"username": username, "password": password}

        async def submit() -> None:
            for element in fields.values():
                element.error = None
            try:
                trader_in = TraderCreate(username=username.value.strip(), password=password.value)
            except ValidationError as error:
                for problem in error.errors():
                    field = str(problem["loc"][0])
                    fields[field].error = registration_problem(field, dict(problem))
                return
            running = await services.started()
            try:
                created = await running.accounts.register(trader_in)
            except ServiceError as error:
                username.error = error.message
                return
            _sign_in(created.id, created.username)
            show_account()  # the header behind the dialog no longer offers to sign in
            add_shared_css(API_KEY_CSS)
            with ui.dialog().props("persistent") as dialog, ui.card().classes("p-6 gap-3"):
                ui.label(f"Welcome, {created.username}").classes("text-h6")
                ui.label("Your API key, shown this once (Authorization: Bearer <key>):")
                ui.code(created.api_key, language="text").classes("w-full api-key")
                credits = running.settings.starting_balances
                if credits:
                    ui.label(f"You were credited {credited(credits)} to trade with.").classes("funds-welcome")
                else:
                    quote = next(iter(running.exchange.writers.values())).rules.quote
                    ui.label(
                        "Your balances start at 0: an operator deposits funds for you with "
                        f"{deposit_command(created.username, quote)}"
                    ).classes("funds-welcome").style("overflow-wrap: anywhere")
                ui.button("Start trading", on_click=lambda: ui.navigate.to("/")).props("unelevated no-caps")
            dialog.open()

        password.on("keydown.enter", submit)
        ui.button("Register", on_click=submit).props("unelevated no-caps").classes("w-full register-button")
        with ui.row().classes("gap-1 text-caption"):
            ui.label("Have an account?")
            ui.link("Sign in", "/login").classes("sign-in-instead")


@ui.page("/logout")
def logout_page() -> None:
    # Only the sign-in: the user storage may be shared (Redis) and hold more than this app's keys.
    for key in SIGN_IN_KEYS:
        app.storage.user.pop(key, None)
    ui.navigate.to("/")
