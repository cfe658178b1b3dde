"""The market data every page shows: computed once per sequence, as book deltas, candle series and 24 h stats."""
