"""`pyemu web` in a real headless browser (Debian's chromium driven by playwright).

One clinician's visit: program a therapy through the review screen, refill,
advance the pump's clock, and see the low-reservoir alarm appear, both on the
page that did it and, through the page's polling script, on a second page
left open. Under CI (``CI=true``) a missing chromium or playwright fails the
test instead of skipping it (tests/tool_check.py). ``PYEMU_WEB_SCREENSHOT=PATH``
saves the final page as a PNG (the README's picture, docs/img/web.png).
"""
from __future__ import annotations

import os
import re
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tool_check import missing_tool, need_tool

BROWSER_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                "--disable-dev-shm-usage", "--no-first-run"]


@pytest.fixture
def browser():
    chromium = need_tool("chromium", "chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing_tool("playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=BROWSER_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def web_url(tmp_path):
    """`pyemu web --clock manual` on a free port; its URL from the line it prints."""
    proc = subprocess.Popen([sys.executable, "-m", "pyemu", "web", "--clock", "manual", "--port-http", "0"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=open(tmp_path / "web.err", "wb"))
    try:
        line = b""
        deadline = time.monotonic() + 60   # a safety net for a broken build, not a wait
        while b"\n" not in line and time.monotonic() < deadline:
            if select.select([proc.stdout], [], [], max(0.0, deadline - time.monotonic()))[0]:
                chunk = os.read(proc.stdout.fileno(), 256)
                if not chunk:
                    break
                line += chunk
        found = re.search(rb"http://127\.0\.0\.1:\d+/", line)
        assert found, f"pyemu web printed {line!r}; stderr: {(tmp_path / 'web.err').read_text()[-1500:]}"
        yield found.group(0).decode()
    finally:
        proc.terminate()   # SIGTERM: pyemu web stops its emulated pump too
        code = proc.wait(timeout=30)
        assert code == 0, f"pyemu web exited {code}: {(tmp_path / 'web.err').read_text()[-3000:]}"


def test_program_refill_advance_and_see_the_low_reservoir_alarm(browser, web_url):
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    watcher = browser.new_page()          # a second page left open: alarms must reach it live
    watcher.goto(web_url)
    page.goto(web_url)
    assert "no active alarms" in page.text_content("#alarms")

    # refill: the review screen shows the change, confirm sends it
    page.fill("#refill-volume", "20mL")
    page.select_option("#refill-drug", "baclofen")
    page.fill("#refill-concentration", "2mg/mL")
    page.click("#refill-review")
    assert "Review the refill" in page.text_content("h1")
    assert "20mL" in page.text_content("#review")
    page.click("#confirm")
    assert "refilled with 20mL of baclofen" in page.text_content(".msg.ok")
    assert page.text_content("#t-reservoir") == "20mL"

    # program: a bad unit first (refused on the form), then the review screen
    page.click("text=Program therapy")
    page.fill("#rate", "0.5mL")
    page.fill("#max_dose", "1500ug")
    page.click("#review-button")
    assert "rate:" in page.text_content("#error")
    page.fill("#rate", "0.5mL/day")
    page.click("#review-button")
    review = page.text_content("#review")
    assert "current" in review and "pending" in review and "0.5mL/day" in review
    page.click("#confirm")
    assert "therapy programmed: 0.5mL/day" in page.text_content(".msg.ok")
    assert page.text_content("#t-basal") == "0.5mL/day"
    assert page.text_content("#t-projection") == "low reservoir in 36 days"

    # 37 days at 0.5 mL/day take the reservoir from 20 mL to 1.5 mL, below the 2 mL threshold
    page.fill("#advance-by", "37d")
    page.click("#advance")
    assert page.text_content("#t-reservoir") == "1.5mL"
    assert page.text_content("#t-projection").startswith("due now")
    assert "low reservoir (unacknowledged)" in page.text_content("#alarms")
    assert "ALARM low reservoir" in page.text_content("#events")

    # the page left open learns it from its polling script, without a reload
    watcher.wait_for_selector("#alarms li[data-alarm=low_reservoir]", timeout=10_000)
    assert watcher.text_content("#t-reservoir") == "1.5mL"

    # the timeline PNG (this session's samples) loads
    page.wait_for_function("document.getElementById('plot').complete", timeout=10_000)
    assert page.evaluate("document.getElementById('plot').naturalWidth") > 0
    shot = os.environ.get("PYEMU_WEB_SCREENSHOT")
    if shot:
        Path(shot).parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=shot, full_page=True)

    page.click("#ack")
    assert "acknowledged: low_reservoir" in page.text_content(".msg.ok")
    assert "low reservoir (unacknowledged)" not in page.text_content("#alarms")
