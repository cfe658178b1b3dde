"""The pure matching engine: integer ticks and lots in, orders and fills out (no SQL, no NiceGUI, no I/O)."""
