"""The faster binary check answers exactly as python-socketio's own, on the shapes NiceGUI sends and on bytes."""

from hypothesis import given
from hypothesis import strategies as st
from nicegui import core
from nicegui.testing import User
from socketio.packet import Packet

from components.socket_packets import FastBinaryCheckPacket


class SubDict(dict):  # NiceGUI's observable props are dict and list subclasses
    pass


class SubList(list):
    pass


scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5)
binary = st.binary(max_size=4) | st.binary(max_size=4).map(bytearray)
data = st.recursive(
    scalars | binary,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(max_size=3), children, max_size=4)
        | st.tuples(children, children)
    ),  # neither check looks inside tuples
    max_leaves=30,
)


@given(data)
def test_the_fast_check_agrees_with_python_socketio(value: object) -> None:
    assert FastBinaryCheckPacket.data_is_binary(value) == Packet.data_is_binary(value)


def test_bytes_deep_in_an_update_are_found() -> None:
    update = {"7": {"props": {"rows": [{"price": "1.00"}, {"blob": [b"\x00"]}]}}}
    assert FastBinaryCheckPacket.data_is_binary(update)
    assert not FastBinaryCheckPacket.data_is_binary({"7": {"props": {"rows": [{"price": "1.00"}]}}})


async def test_the_app_sends_with_these_packets(user: User) -> None:
    await user.open("/market/BTC-USD")
    assert core.sio.packet_class is FastBinaryCheckPacket
