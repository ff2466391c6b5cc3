"""Screenshots of the demo's profile pages and of "Allas resultat" at a phone's and a
desktop's width, for the documentation (docs/profile-pages/), through the same headless
Chromium as the tests.

    python tools/profile_screenshots.py      (after a demo run)
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from browser import launch  # noqa: E402

PAGES = {
    "profile": "results/sv/profiles/2025/O0001.html",
    "municipality": "results/sv/profiles/2025/municipalities/M001.html",
    "index": "results/sv/profiles/2025/index.html",
    "explorer": "results/sv/explorer.html",
}
#: Viewports: an iPhone-sized phone and a desktop.
SCREENS = {"phone": (390, 844), "desktop": (1280, 900)}


def main() -> None:
    out = ROOT / "docs/profile-pages"
    out.mkdir(parents=True, exist_ok=True)
    with launch() as chromium:
        for name, page in PAGES.items():
            for screen, (width, height) in SCREENS.items():
                with chromium.open_page(ROOT / page, width=width, height=height) as run:
                    if name == "explorer":  # its charts are drawn after the load event
                        run.page.wait_for_selector("body[data-ready]")
                    # the index is long: its first screen shows what it offers
                    whole = name != "index"
                    run.page.screenshot(path=out / f"{name}-{screen}.png", full_page=whole)


if __name__ == "__main__":
    main()
