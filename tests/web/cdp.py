"""A page of the web build in Debian's headless Chromium, driven over the DevTools protocol.

Only the standard library: Chromium talks over a pipe (--remote-debugging-pipe: commands on fd 3, replies on
fd 4, each message JSON ended by a NUL byte), the site is served by python3 -m http.server on loopback. Used
by tests/web/browser_test.py and bench/web_load.sh.
"""

import base64
import contextlib
import fcntl
import json
import os
import select
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import zlib

CHROMIUM = os.environ.get("MAILLAB_CHROMIUM", "/usr/bin/chromium")

# As root in a sandbox: no setuid sandbox; the machine has no network, so nothing in the background may try
# it. WebGL 2 without a GPU: ANGLE on SwiftShader, Chromium's software renderer.
CHROMIUM_FLAGS = [
    "--headless=new", "--no-sandbox", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-default-apps", "--disable-extensions",
    "--mute-audio", "--use-angle=swiftshader", "--enable-unsafe-swiftshader", "--ignore-gpu-blocklist",
    "--hide-scrollbars",
]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def http_server(site):
    """Serves site on 127.0.0.1; yields the base URL."""
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(port),
                               "--directory", site], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.time() > deadline or server.poll() is not None:
                    raise RuntimeError("python3 -m http.server did not start")
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.terminate()
        server.wait()


class Browser:
    """One headless Chromium with one page, for the life of a with-block."""

    def __init__(self, width=1366, height=768, touch=False):
        self.profile = tempfile.mkdtemp(prefix="maillab-chromium-")
        self.downloads = os.path.join(self.profile, "downloads")
        os.makedirs(self.downloads)
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()

        def pipe_fds():
            # Chromium reads commands from fd 3 and writes replies to fd 4. Through fds above both first, so
            # that neither dup2 closes the other's source.
            high_r = fcntl.fcntl(to_chrome_r, fcntl.F_DUPFD, 10)
            high_w = fcntl.fcntl(from_chrome_w, fcntl.F_DUPFD, 10)
            os.dup2(high_r, 3)
            os.dup2(high_w, 4)

        self.process = subprocess.Popen(
            [CHROMIUM, *CHROMIUM_FLAGS, "--remote-debugging-pipe", f"--user-data-dir={self.profile}",
             f"--window-size={width},{height}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            # os.pipe() makes close-on-exec fds, so only 3 and 4 (dup2 makes them inheritable) reach Chromium;
            # close_fds would close those too, after pipe_fds ran.
            close_fds=False, preexec_fn=pipe_fds)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._buffer = b""
        self._next_id = 0
        self.events = []
        self.session = None
        self.console = []
        try:
            self._attach(width, height, touch)
        except BaseException:
            self.close()  # no Chromium left behind by a start that failed
            raise

    def _attach(self, width, height, touch):
        targets = self.call("Target.getTargets")["targetInfos"]
        page = next(t for t in targets if t["type"] == "page")
        self.session = self.call("Target.attachToTarget", targetId=page["targetId"], flatten=True,
                                 session=False)["sessionId"]
        self.call("Page.enable")
        self.call("Runtime.enable")
        self.call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1,
                  mobile=False)
        if touch:
            self.call("Emulation.setTouchEmulationEnabled", enabled=True, maxTouchPoints=5)
        self.call("Browser.setDownloadBehavior", behavior="allow", downloadPath=self.downloads,
                  eventsEnabled=True, session=False)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        if self.process.poll() is None:
            try:
                self.call("Browser.close", session=False, timeout=5)
            except Exception:
                pass
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for fd in (self._to_chrome, self._from_chrome):
            with contextlib.suppress(OSError):
                os.close(fd)
        shutil.rmtree(self.profile, ignore_errors=True)

    # [SECTION] the protocol
    def _read_message(self, deadline):
        while b"\0" not in self._buffer:
            if time.time() > deadline:
                raise TimeoutError("Chromium did not answer in time")
            ready, _, _ = select.select([self._from_chrome], [], [], max(0.0, deadline - time.time()))
            if not ready:
                continue
            chunk = os.read(self._from_chrome, 1 << 20)
            if not chunk:
                raise RuntimeError("Chromium closed the DevTools pipe (did it crash?)")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def call(self, method, session=True, timeout=60, **params):
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params}
        if session and self.session:
            message["sessionId"] = self.session
        os.write(self._to_chrome, json.dumps(message).encode() + b"\0")
        deadline = time.time() + timeout
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self._note_event(reply)

    def _note_event(self, event):
        self.events.append(event)
        if event.get("method") == "Runtime.consoleAPICalled":
            args = event["params"].get("args", [])
            self.console.append(" ".join(str(a.get("value", a.get("description", ""))) for a in args))
        if event.get("method") == "Runtime.exceptionThrown":
            self.console.append("exception: " + json.dumps(event["params"]["exceptionDetails"])[:400])

    def wait_event(self, method, timeout=30):
        deadline = time.time() + timeout
        for i, event in enumerate(self.events):
            if event.get("method") == method:
                return self.events.pop(i)
        while True:
            event = self._read_message(deadline)
            if event.get("method") == method:
                return event
            self._note_event(event)

    # [SECTION] the page
    def evaluate(self, expression, timeout=60):
        """The value of a JavaScript expression (awaited when it is a promise), as JSON."""
        result = self.call("Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True,
                           timeout=timeout)
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            raise RuntimeError(f"{expression[:80]}: {details.get('exception', {}).get('description', details)}")
        return result["result"].get("value")

    def open(self, url, timeout=30):
        """Navigates and waits until maillab has drawn its first frames; returns the time to interactive (ms,
        from navigation start: the page's performance clock)."""
        self.call("Page.navigate", url=url)
        return self.evaluate(self._ready_expression(timeout), timeout=timeout + 5)

    @staticmethod
    def _ready_expression(timeout):
        # The hook appears when index.html's script runs; wait for it, then for the first frames.
        return f"""new Promise((resolve, reject) => {{
            const started = Date.now();
            const poll = () => {{
                if (window.maillab && window.maillab.readyAt !== null) return resolve(window.maillab.readyAt);
                if (Date.now() - started > {timeout * 1000}) {{
                    const status = document.getElementById('status');
                    return reject(new Error('not ready: ' + (status ? status.textContent : 'no page')));
                }}
                setTimeout(poll, 20);
            }};
            poll();
        }})"""

    def frames(self, count=3):
        """Lets the page draw count more frames (the dashboard redraws what the last call changed)."""
        self.evaluate(f"""new Promise((resolve) => {{
            let left = {count};
            const next = () => (--left <= 0 ? resolve(true) : requestAnimationFrame(next));
            requestAnimationFrame(next);
        }})""")

    def screenshot(self, path):
        data = base64.b64decode(self.call("Page.captureScreenshot", format="png")["data"])
        with open(path, "wb") as f:
            f.write(data)
        return data

    def tap(self, x, y):
        for kind in ("touchStart", "touchEnd"):
            points = [{"x": x, "y": y}] if kind == "touchStart" else []
            self.call("Input.dispatchTouchEvent", type=kind, touchPoints=points)

    def drag(self, x, y, dy, steps=8):
        self.call("Input.dispatchTouchEvent", type="touchStart", touchPoints=[{"x": x, "y": y}])
        for i in range(1, steps + 1):
            self.call("Input.dispatchTouchEvent", type="touchMove", touchPoints=[{"x": x, "y": y + dy * i / steps}])
        self.call("Input.dispatchTouchEvent", type="touchEnd", touchPoints=[])

    def click(self, x, y):
        self.call("Input.dispatchMouseEvent", type="mouseMoved", x=x, y=y)
        for kind in ("mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1)


# [SECTION] PNG, enough to tell a rendered page from a blank one
def png_pixels(data):
    """(width, height, rows of RGB(A) bytes) of an 8-bit, non-interlaced RGB or RGBA PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat = 8, b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and color in (2, 6) and interlace == 0, "unexpected PNG format"
            bpp = 3 if color == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows, previous = [], bytearray(stride)
    for y in range(height):
        filter_type = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - bpp] if i >= bpp else 0
            up = previous[i]
            up_left = previous[i - bpp] if i >= bpp else 0
            if filter_type == 1:
                line[i] = (line[i] + left) & 0xFF
            elif filter_type == 2:
                line[i] = (line[i] + up) & 0xFF
            elif filter_type == 3:
                line[i] = (line[i] + ((left + up) >> 1)) & 0xFF
            elif filter_type == 4:
                p = left + up - up_left
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - up_left)
                predictor = left if pa <= pb and pa <= pc else (up if pb <= pc else up_left)
                line[i] = (line[i] + predictor) & 0xFF
        rows.append(bytes(line))
        previous = line
    return width, height, bpp, rows


def distinct_colours(data, step=4):
    """How many different colours a sample of every step-th pixel of every step-th row holds."""
    width, height, bpp, rows = png_pixels(data)
    colours = set()
    for y in range(0, height, step):
        row = rows[y]
        for x in range(0, width, step):
            colours.add(row[x * bpp:x * bpp + 3])
    return colours
