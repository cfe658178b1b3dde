"""The connection indicator: Live (websocket), Polling (long-polling) or Offline since when; a lost page is dimmed."""

from nicegui import Client, ui

from components.shared_css import add_shared_css

# Outside Vue's #app, so Vue never overwrites what the script writes (it may, to DOM changed inside #app).
INDICATOR_HTML = r"""
<div id="connection-indicator" class="conn conn-offline" role="status" aria-live="polite"
     title="Connection to the server"><span class="conn-word">Offline</span><span class="conn-since"></span></div>
<script>
(function () {
  const words = {live: "Live", polling: "Polling", offline: "Offline"};
  function state() {
    const socket = window.socket;
    if (!socket || !socket.connected) return "offline";
    const transport = socket.io && socket.io.engine && socket.io.engine.transport;
    return transport && transport.name === "websocket" ? "live" : "polling";
  }
  let connectedOnce = false;
  const two = (n) => String(n).padStart(2, "0");
  function clock(date) {
    // In UTC, as every other time on the page (the server's clock), and labelled so.
    return two(date.getUTCHours()) + ":" + two(date.getUTCMinutes()) + ":" + two(date.getUTCSeconds()) + " UTC";
  }
  function show() {
    const element = document.getElementById("connection-indicator");
    if (!element) return;
    const now = state();
    if (element.dataset.state === now) return;
    element.dataset.state = now;
    element.className = "conn conn-" + now;
    element.querySelector(".conn-word").textContent = words[now];
    // Before the first connect the page is fresh from the server; after a loss what it shows is stale.
    const lost = now === "offline" && connectedOnce;
    element.querySelector(".conn-since").textContent = lost ? " since " + clock(new Date()) : "";
    document.body.classList.toggle("conn-lost", lost);
    if (now !== "offline") connectedOnce = true;
  }
  setInterval(show, 250);
  document.addEventListener("visibilitychange", show);
})();
</script>
"""

CSS = """
/* The header keeps 14rem free on its right for this (pr-56 in components/layout.py), wide enough for
   "Offline since 12:34:56 UTC". */
.conn { position: fixed; top: 14px; right: 16px; z-index: 3000; padding: 2px 10px; border-radius: 12px;
        font: 600 12px/20px Roboto, sans-serif; color: white; letter-spacing: .02em; }
.conn::before { content: ""; display: inline-block; width: 8px; height: 8px; border-radius: 50%;
                margin-right: 6px; background: white; vertical-align: 0; }
.conn-live { background: #21ba45; }
.conn-polling { background: #f2c037; color: #3a2c00; }
.conn-polling::before { background: #3a2c00; }
.conn-offline { background: #c10015; }
body.conn-lost .q-page-container { opacity: .45; filter: grayscale(1); transition: opacity .3s, filter .3s; }
"""


def connection_indicator() -> None:
    """Add the indicator to every page, once (the shared body: not a copy of the HTML and script per tab)."""
    add_shared_css(CSS)
    if INDICATOR_HTML not in Client.shared_body_html:
        ui.add_body_html(INDICATOR_HTML, shared=True)
