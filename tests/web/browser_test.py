#!/usr/bin/env python3
"""maillab's web build in a real browser: Debian's headless Chromium on a page served by python3 -m http.server
on loopback. Clicks and taps the dashboard's own Step button, steps lessons through the page's hook
(window.maillab), checks what the simulation says against what the headless panel tests assert, checks that
the URL and a reload bring back lesson and step, that TLS runs (OpenSSL in wasm), that an export downloads,
and saves a screenshot that must not be blank.

    python3 tests/web/browser_test.py [SITE_DIR] [OUT_DIR]     (defaults: build-web/site, build-web/test)
Exit code 0 when every check holds; a check that fails says which and why.
"""

import json
import os
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ beside cdp.py in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cdp  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
failures = []


def check(condition, what, detail=None):
    print(("ok   " if condition else "FAIL ") + what + ("" if condition or detail is None else f": {detail}"))
    if not condition:
        failures.append(what)
    return condition


def state(browser):
    return browser.evaluate("window.maillab.state()")


def press(browser, name, touch=False):
    """Clicks (or taps) the widget the dashboard drew under name; false when it is not on screen."""
    where = browser.evaluate(f"window.maillab.widget({json.dumps(name)})")
    if not where:
        return False
    if touch:
        browser.tap(where["x"], where["y"])
    else:
        browser.click(where["x"], where["y"])
    browser.frames(4)
    return True


def main():
    site = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build-web", "site"))
    out = os.path.abspath(sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, "build-web", "test"))
    if not os.path.isfile(os.path.join(site, "maillab.wasm")):
        print(f"no web build in {site}: run scripts/web.sh first")
        return 1
    os.makedirs(out, exist_ok=True)

    with cdp.http_server(site) as url, cdp.Browser(1366, 768, touch=True) as browser:
        # [SECTION] a lesson by URL, stepped by mouse, by touch and through the hook
        tti = browser.open(url + "index.html?lesson=14-pop3-delete-mode")
        print(f"     interactive after {tti:.0f} ms")
        s = state(browser)
        check(s["lesson"] == "14-pop3-delete-mode" and s["step"] == 0, "the URL's lesson opens at step 0", s)
        check(s["loadError"] == "", "the lesson loads", s["loadError"])
        # "Exchange >" takes one exchange; Step plays a whole lesson step at the run speed.
        check(press(browser, "Next exchange"), "a click on Exchange", "no Exchange button on screen")
        s = state(browser)
        # Step 1 is the connection and the greeting (RFC 1939 section 4).
        check(s["step"] == 1 and s["lastEntry"].startswith("+OK"), "Step shows the server's greeting", s)
        check(press(browser, "Next exchange", touch=True), "a tap on Exchange", "no Exchange button on screen")
        check(state(browser)["step"] == 2, "a tap is a click", state(browser)["step"])
        where = browser.evaluate("window.maillab.widget('Next exchange')")
        browser.drag(where["x"], where["y"] + 200, -150)
        browser.frames(4)
        check(state(browser)["step"] == 2, "a drag scrolls and does not click", state(browser)["step"])
        # The on-screen keyboard: a tap in a text field offers it, typing and Enter reach ImGui once each.
        check(press(browser, "Breakpoint input", touch=True), "a tap in the breakpoint field")
        offered = browser.evaluate("document.getElementById('keyboard-button').classList.contains('shown')")
        check(offered, "a text field on a touch screen offers the keyboard")
        button = browser.evaluate("(() => { const r = document.getElementById('keyboard-button')"
                                  ".getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })()")
        browser.tap(*button)
        browser.frames(2)
        browser.call("Input.insertText", text="NOOPX")
        browser.frames(3)
        for kind in ("rawKeyDown", "keyUp"):
            browser.call("Input.dispatchKeyEvent", type=kind, key="Backspace", code="Backspace",
                         windowsVirtualKeyCode=8)
        browser.frames(3)
        for kind in ("rawKeyDown", "keyUp"):
            browser.call("Input.dispatchKeyEvent", type=kind, key="Enter", code="Enter", windowsVirtualKeyCode=13)
        browser.frames(4)
        added = browser.evaluate("window.maillab.widget('Toggle NOOP')")
        check(added is not None, "typed on the on-screen keyboard: a NOOP breakpoint (Backspace, Enter)")

        for _ in range(3):
            browser.evaluate("window.maillab.step()")
        browser.evaluate("window.maillab.back()")
        # Back goes to the start of the lesson step: the first one (connect to QUIT) begins at 0.
        check(state(browser)["step"] == 0, "step and back through the hook", state(browser)["step"])

        # [SECTION] to the end: POP3 delete mode empties the server into the laptop
        while browser.evaluate("window.maillab.step()"):
            pass
        browser.frames(4)
        s = state(browser)
        inbox = s["server"].get("alice", {}).get("INBOX")
        laptop = s["devices"][0] if s["devices"] else {}
        check(s["finished"] and s["step"] == s["totalSteps"], "the lesson plays to its end", s)
        check(inbox == 0, "delete mode leaves alice's INBOX empty on the server", s["server"])
        check(laptop.get("messages", 0) > 0 and laptop.get("complete") == laptop.get("messages"),
              "the laptop holds every message whole", s["devices"])
        shot = browser.screenshot(os.path.join(out, "14-pop3-delete-mode.png"))
        colours = cdp.distinct_colours(shot)
        check(len(colours) > 20, "the screenshot at 1366x768 is not blank", f"{len(colours)} colours")
        # The middle of the page is the wire transcript, following its newest line: a finger dragged down
        # over it shows older lines.
        browser.drag(683, 250, 300)
        browser.frames(4)
        scrolled = browser.screenshot(os.path.join(out, "14-pop3-delete-mode-scrolled.png"))
        check(scrolled != shot and state(browser)["step"] == s["step"], "a drag scrolls the transcript")

        # [SECTION] downloads
        check(browser.evaluate("window.maillab.exportFile('txt')"), "Download > Transcript starts a download")
        event = browser.wait_event("Browser.downloadWillBegin", timeout=20)
        name = event["params"]["suggestedFilename"]
        deadline = time.time() + 20
        path = os.path.join(browser.downloads, event["params"]["guid"])
        while time.time() < deadline and not (os.path.exists(path) or os.path.exists(
                os.path.join(browser.downloads, name))):
            time.sleep(0.1)
        path = path if os.path.exists(path) else os.path.join(browser.downloads, name)
        text = open(path, encoding="utf-8", errors="replace").read() if os.path.exists(path) else ""
        check(name.startswith("14-pop3-delete-mode") and name.endswith(".txt") and "+OK" in text,
              "the transcript arrives as a file", f"{name}: {text[:80]!r}")

        # [SECTION] a reload comes back to the lesson and step
        browser.evaluate("window.maillab.goTo(3)")
        browser.frames(3)
        browser.open(url + "index.html")
        s = state(browser)
        check(s["lesson"] == "14-pop3-delete-mode" and s["step"] == 3, "a reload restores lesson and step",
              (s["lesson"], s["step"]))

        # [SECTION] lesson, layout and step from the URL; TLS in the page
        browser.open(url + "index.html?lesson=02-ports&layout=presenter&step=3")
        s = state(browser)
        check(s["lesson"] == "02-ports-and-tls" and s["step"] == 3 and s["presenter"],
              "?lesson=02-ports&layout=presenter&step=3", (s["lesson"], s["step"], s["presenter"]))
        while browser.evaluate("window.maillab.step()"):
            pass
        browser.frames(4)
        s = state(browser)
        check(s["finished"] and s["tlsRecords"] > 0, "lesson 02 runs its TLS handshakes in the page",
              (s["finished"], s["tlsRecords"]))
        browser.screenshot(os.path.join(out, "02-ports-and-tls-presenter.png"))
        browser.evaluate("window.maillab.layout('student')")
        browser.frames(3)
        check(not state(browser)["presenter"], "any other layout is the normal view")

        # [SECTION] a high-DPI screen: twice the pixels, the same layout, clicks still land
        browser.call("Emulation.setDeviceMetricsOverride", width=1366, height=768, deviceScaleFactor=2,
                     mobile=False)
        browser.open(url + "index.html?lesson=14-pop3-delete-mode&step=1")
        pixels = browser.evaluate("document.getElementById('canvas').width")
        check(pixels == 2 * 1366, "at devicePixelRatio 2 the canvas has twice the pixels", pixels)
        check(press(browser, "Next exchange") and state(browser)["step"] == 2, "a click on Exchange lands at ratio 2",
              state(browser)["step"])
        browser.screenshot(os.path.join(out, "14-pop3-delete-mode-hidpi.png"))

        check(browser.evaluate("window.maillab.load('17-imap-two')") and state(browser)["lesson"] == "17-imap-two-devices",
              "the hook loads a lesson by a prefix of its name", state(browser)["lesson"])

        errors = [line for line in browser.console if "exception" in line or "Aborted" in line]
        check(not errors, "no exceptions in the page", errors[:3])

    print(f"screenshots in {out}")
    if failures:
        print(f"{len(failures)} check(s) failed")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
