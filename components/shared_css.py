"""CSS added once for every page (NiceGUI's shared head), instead of a copy in each connected tab's own head."""

import hashlib

from nicegui import Client, ui


def add_shared_css(css: str) -> None:
    """Add `css` to all pages the first time it is asked for; later calls (every page build) cost a lookup.

    A plain `ui.add_css` appends the CSS to the page's own head, which the server keeps per tab: a copy for every
    open tab instead of one for all. The check is on the shared head itself, which NiceGUI's test reset empties,
    and looks for an ASCII marker: the CSS itself is escaped on its way into the head (non-ASCII text among others).
    """
    marker = f"/* shared {hashlib.sha1(css.encode()).hexdigest()[:12]} */"
    if marker not in Client.shared_head_html:
        ui.add_css(marker + css, shared=True)
