"""Real-browser tests of the live trading page."""
