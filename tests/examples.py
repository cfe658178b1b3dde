"""How many examples a property test generates: all of them in the test command, a quarter in the fast tier.

`bash .ci/test.sh` (which CI runs) sets ORDERBOOK_TEST_EXAMPLES=full; plain `pytest`, the quick check a developer
runs after each change, tries the same properties on fewer examples.
"""

import os

FULL = os.environ.get("ORDERBOOK_TEST_EXAMPLES") == "full"


def examples(count: int) -> int:
    """`count` in the full run; a quarter of it (at least 3) otherwise."""
    return count if FULL else max(3, count // 4)
