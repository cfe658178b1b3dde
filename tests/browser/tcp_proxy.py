"""A tiny threaded TCP proxy between the browser and a server that can cut the network and restore it."""

import contextlib
import socket
import struct
import threading
from types import TracebackType
from typing import Self

BUFFER_SIZE = 65536


def _close(sock: socket.socket) -> None:
    # shutdown() first: it wakes a pump thread blocked in recv() on this socket, close() alone does not.
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()


class TcpProxy:
    """Forwards 127.0.0.1:`port` to the upstream port; `cut()` drops every connection until `restore()`."""

    def __init__(self, upstream_port: int, upstream_host: str = "127.0.0.1") -> None:
        self.upstream = (upstream_host, upstream_port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self.port: int = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._connections: set[socket.socket] = set()
        self._open = True
        self._stopped = threading.Event()
        self._acceptor = threading.Thread(target=self._accept_loop, name="tcp-proxy-accept", daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Self:
        self._acceptor.start()
        return self

    def cut(self) -> None:
        """Close all proxied connections and refuse new ones, as an unplugged cable would look to the browser."""
        with self._lock:
            self._open = False
            connections, self._connections = self._connections, set()
        for sock in connections:
            _close(sock)

    def restore(self) -> None:
        """Accept and forward connections again."""
        with self._lock:
            self._open = True

    def close(self) -> None:
        self._stopped.set()
        self.cut()
        self._acceptor.join(timeout=5)
        self._listener.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def _accept_loop(self) -> None:
        while not self._stopped.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                refuse = not self._open
            if refuse:
                # Reset rather than a polite close: the browser sees a failed connection, as with a dead network.
                client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                _close(client)
                continue
            upstream.settimeout(None)
            client.settimeout(None)
            with self._lock:
                if not self._open:  # cut while we were connecting
                    _close(client)
                    _close(upstream)
                    continue
                self._connections.update((client, upstream))
            for source, target in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, target), name="tcp-proxy-pump", daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(BUFFER_SIZE):
                target.sendall(data)
        except OSError:
            pass
        # Either side finished or failed: the whole proxied connection ends.
        with self._lock:
            self._connections.difference_update((source, target))
        _close(source)
        _close(target)
