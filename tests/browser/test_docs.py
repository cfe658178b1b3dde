"""The API documentation at /docs in real Chromium: it works with no internet, from the server's own files alone."""

from selenium.webdriver.remote.webdriver import WebDriver

from tests.browser.conftest import OpenPage
from tests.browser.pages import eventually
from tests.servers import ServerProcess

# The operations Swagger UI rendered, as "METHOD path" (it renders them only once its JS ran and the schema loaded).
READ_OPERATIONS = """
return [...document.querySelectorAll('.opblock')].map(block =>
  block.querySelector('.opblock-summary-method').innerText.trim() + ' ' +
  block.querySelector('.opblock-summary-path').getAttribute('data-path'));
"""
# Every URL the page fetched (resource timing) or points its scripts, styles and icons at.
READ_FETCHED_URLS = """
const fetched = performance.getEntriesByType('resource').map(entry => entry.name);
const linked = [...document.querySelectorAll('script[src], link[href], img[src]')].map(el => el.src || el.href);
return [...fetched, ...linked];
"""


def open_docs(open_page: OpenPage, server: ServerProcess) -> WebDriver:
    driver = open_page(server.base_url).driver
    driver.get(f"{server.base_url}/docs")
    eventually(lambda: driver.execute_script("return document.readyState"), lambda state: state == "complete", "load")
    return driver


def test_docs_lists_the_api_operations_without_internet(open_page: OpenPage, server: ServerProcess) -> None:
    driver = open_docs(open_page, server)
    operations = eventually(
        lambda: driver.execute_script(READ_OPERATIONS),
        lambda seen: {"POST /api/orders", "GET /api/markets/{symbol}/book", "GET /api/health"} <= set(seen),
        "the API's operations listed on /docs",
    )
    assert "DELETE /api/orders/{order_id}" in operations


def test_docs_fetches_nothing_from_another_host(open_page: OpenPage, server: ServerProcess) -> None:
    driver = open_docs(open_page, server)

    def foreign(urls: list[str]) -> list[str]:
        return [url for url in urls if not url.startswith(f"{server.base_url}/")]

    # Until the UI's own JS has fetched the schema, an empty list of foreign hosts would prove nothing.
    urls = eventually(
        lambda: driver.execute_script(READ_FETCHED_URLS),
        lambda urls: foreign(urls) or any(url.endswith("/openapi.json") for url in urls),
        "the schema fetched, or a request to another host",
    )
    assert foreign(urls) == []
