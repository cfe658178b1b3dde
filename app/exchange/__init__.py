"""The exchange service: validation, one writer per market, matching and one transaction per batch."""
