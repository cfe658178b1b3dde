"""How often pages render (components/live.py `Pace`): every 0.1 s while the event loop keeps up, less while it lags."""

from components.live import BUSY_RENDER_INTERVAL, RENDER_INTERVAL, Pace


def test_pages_render_at_the_normal_pace_while_the_loop_keeps_up() -> None:
    pace = Pace()
    for _ in range(100):
        pace.observe(0.002)
    assert pace.interval == RENDER_INTERVAL


def test_pages_render_less_often_while_timer_callbacks_run_late() -> None:
    pace = Pace()
    for _ in range(30):
        pace.observe(0.05)
    assert pace.interval == BUSY_RENDER_INTERVAL > RENDER_INTERVAL


def test_one_long_turn_of_the_loop_does_not_slow_the_pages() -> None:
    pace = Pace()
    pace.observe(0.12)
    assert pace.interval == RENDER_INTERVAL


def test_the_pace_returns_to_normal_once_the_loop_catches_up() -> None:
    pace = Pace()
    for _ in range(30):
        pace.observe(0.05)
    for _ in range(40):
        pace.observe(0.0)
    assert pace.interval == RENDER_INTERVAL
