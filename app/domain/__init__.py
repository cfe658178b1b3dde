"""What every layer above the engine shares: a market's rules and an order as the exchange answers it."""
