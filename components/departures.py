"""Pages that the browser leaves are let go at once, not `reconnect_timeout` (15 s) later.

NiceGUI keeps a page whose socket closed for `reconnect_timeout`, in case the browser comes back: that is what
carries a tab through a network cut without a reload. But a tab that was closed, reloaded or navigated away never
comes back, and each page it leaves behind holds its memory for those 15 s: with many visitors, most of the server's
memory would go to pages nobody is looking at.

So when the browser unloads a page (`pagehide`, unless the page only goes into the back-forward cache), the page
says so with a beacon, the browser's way to send a last request that survives the unload; the server deletes that
page at once. A tab that crashes or loses its network sends nothing and keeps its 15 s. A page's client id is what
NiceGUI itself trusts for every event a page sends; only the page and the server know it.
"""

from fastapi import Response
from nicegui import Client, app, ui

from components.nicegui_internals import delete_page_now

PATH = "/_page_left/{client_id}"

SCRIPT = """
<script>
window.addEventListener("pagehide", (event) => {
  if (!event.persisted && window.clientId) navigator.sendBeacon("/_page_left/" + window.clientId);
});
</script>
"""


async def page_left(client_id: str) -> Response:
    """Async, so that it runs on the event loop: NiceGUI elements must not be touched from a worker thread."""
    client = Client.instances.get(client_id)
    if client is not None:
        delete_page_now(client)
    return Response(status_code=204)


def install() -> None:
    """Every page reports its unload; the server deletes the page when it does."""
    ui.add_head_html(SCRIPT, shared=True)
    app.post(PATH, include_in_schema=False)(page_left)
