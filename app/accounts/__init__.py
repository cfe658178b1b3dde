"""Trader accounts: registration, sign-in, API keys, and the throttles on failed attempts."""
