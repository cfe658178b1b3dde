"""The change feed: what changed (market, sequence, traders), and the market data every page shows."""
