"""Write the README's screenshot, ``docs/dashboard-resync.svg``, from today's dashboard.

    .venv/bin/python scripts/render_screenshot.py

It draws the fixed session of the snapshot tests (a replica in its full resync);
``tests/tui/test_readme_screenshot.py`` fails until this is run after a visual change.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.tui.screenshot import SCREENSHOT, render


def main() -> None:
    SCREENSHOT.write_text(asyncio.run(render()), encoding="utf-8")
    print(f"wrote {SCREENSHOT}")


if __name__ == "__main__":
    main()
