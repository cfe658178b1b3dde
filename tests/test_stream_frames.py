"""The stream's shared frames (app/stream/frames.py) are the frames a WebSocket client reads: each size of length."""

import pytest
from websockets.frames import Frame, Opcode
from websockets.streams import StreamReader

from app.stream.frames import shared_frame, text_frame


def read_frame(data: bytes) -> Frame:
    """The one frame in `data`, as the websockets package parses what a server sent (unmasked)."""
    reader = StreamReader()
    reader.feed_data(data)
    reader.feed_eof()
    parser = Frame.parse(reader.read_exact, mask=False)
    with pytest.raises(StopIteration) as parsed:
        next(parser)
    frame: Frame = parsed.value.value
    assert reader.at_eof(), "bytes left after the frame"
    return frame


@pytest.mark.parametrize("size", [0, 1, 125, 126, 127, 65535, 65536, 70000])
def test_a_text_frame_of_any_length_reads_back_as_one_final_uncompressed_text_message(size: int) -> None:
    text = ("é" if size % 2 else "x") * size
    frame = read_frame(text_frame(text))
    assert (frame.opcode, frame.fin, frame.rsv1) == (Opcode.TEXT, True, False)
    assert frame.data.decode() == text


def test_a_text_handed_to_many_sockets_is_framed_once_and_a_new_text_framed_anew() -> None:
    first = "".join(["{", '"a":1', "}"])  # made at run time: its own object
    second = "".join(["{", '"a":2', "}"])
    assert shared_frame(first) is shared_frame(first)
    assert read_frame(shared_frame(second)).data == second.encode()
