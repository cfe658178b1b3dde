"""The UI developer's guide (docs/developing-the-ui.md) shows the code as it is: each example is the file's own text."""

import re
from pathlib import Path

from tests.servers import REPO_ROOT

GUIDE = REPO_ROOT / "docs" / "developing-the-ui.md"
# A fenced Python block whose first line names the file it is copied from: "# components/pages.py".
EXAMPLE = re.compile(r"^( *)```python\n\1# (\S+)\n(.*?)^\1```$", re.DOTALL | re.MULTILINE)


def examples() -> list[tuple[str, str]]:
    """(file, code) of each example, the code without the indentation of the list item the block is in."""
    found = []
    for match in EXAMPLE.finditer(GUIDE.read_text()):
        indent, path, body = match.groups()
        lines = [line.removeprefix(indent) for line in body.splitlines(keepends=True)]
        found.append((path, "".join(lines)))
    return found


def test_the_guide_has_examples_of_each_change_and_its_tests() -> None:
    files = {path for path, _ in examples()}

    assert {"components/order_columns.py", "components/pages.py", "components/market_rules.py"} <= files
    assert {"tests/components/test_my_orders.py", "tests/components/test_market_rules.py"} <= files


def test_every_example_is_copied_from_its_file_as_it_is() -> None:
    for path, code in examples():
        source = (REPO_ROOT / path).read_text()
        assert code in source, f"docs/developing-the-ui.md shows code that {path} does not hold:\n{code}"


def test_the_files_the_guide_names_exist() -> None:
    text = GUIDE.read_text()
    named = set(re.findall(r"`((?:app|components|tests|docs)/[\w/.-]+\.(?:py|js|md))`", text))

    assert named, "the guide names no files"
    assert [path for path in sorted(named) if not Path(REPO_ROOT / path).exists()] == []
