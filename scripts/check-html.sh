#!/usr/bin/env bash
# Renders a pjbit HTML report (`pjbit run --html FILE`) in headless Chromium and checks what a reader would
# see: every chart is in the rendered DOM, the screenshot is not blank, and the page asked nothing from the
# network (Chromium's own background requests aside). Exits 0 when all hold, 1 otherwise.
#
#   scripts/check-html.sh REPORT.html OUT.png
#
# The browser is $CHROMIUM, else the first of chromium, chromium-browser, google-chrome on the PATH.
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 REPORT.html OUT.png" >&2
  exit 2
fi
report=$(realpath "$1")
png=$(realpath -m "$2")
browser=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)}
if [ -z "$browser" ]; then
  echo "error: no Chromium found (set CHROMIUM)" >&2
  exit 2
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A throw-away profile; every host name fails to resolve, so nothing can leave the machine even if asked.
flags=(--headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run --no-default-browser-check
       --disable-extensions --disable-sync --disable-background-networking --disable-component-update
       --disable-dev-shm-usage --user-data-dir="$work/profile" --host-resolver-rules="MAP * ~NOTFOUND")
url="file://$report"

rm -f "$png"
# The whole page at half scale: enough pixels to tell a drawn page from a blank one, a quarter to decode.
if ! timeout 60 "$browser" "${flags[@]}" --log-net-log="$work/net.json" --window-size=1400,3000 \
    --force-device-scale-factor=0.5 --screenshot="$png" "$url" >"$work/screenshot.log" 2>&1; then
  echo "error: Chromium failed to take the screenshot:" >&2
  tail -n 20 "$work/screenshot.log" >&2
  exit 1
fi
if ! timeout 60 "$browser" "${flags[@]}" --dump-dom "$url" >"$work/dom.html" 2>"$work/dom.log"; then
  echo "error: Chromium failed to dump the DOM:" >&2
  tail -n 20 "$work/dom.log" >&2
  exit 1
fi

python3 - "$report" "$png" "$work/dom.html" "$work/net.json" <<'EOF'
import json, re, struct, sys, zlib

report, png, dom_path, net_path = sys.argv[1:5]
failures = []

# 1. The charts are in the rendered DOM.
dom = open(dom_path, encoding="utf-8", errors="replace").read()
for chart in ("chart-energy-category", "chart-power", "chart-links", "chart-timeline"):
    if not re.search(r'<svg[^>]*\bid="%s"' % chart, dom):
        failures.append("the rendered page has no <svg id=\"%s\">" % chart)

# 2. The screenshot is a real picture: decode the PNG (zlib only) and count its colours.
def png_rows(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG file")
    pos, idat, header = 8, [], None
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    width, height, depth, colour_type, _, _, interlace = header
    if depth != 8 or colour_type not in (2, 6) or interlace:
        raise ValueError("unexpected PNG format %s" % (header,))
    bpp = 3 if colour_type == 2 else 4
    raw, stride = zlib.decompress(b"".join(idat)), width * bpp
    prev = bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        if kind == 1:  # Sub
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 255
        elif kind == 2:  # Up
            line = bytearray((a + b) & 255 for a, b in zip(line, prev))
        elif kind == 3:  # Average
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 255
        elif kind == 4:  # Paeth
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b, c = prev[i], prev[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        yield width, bpp, bytes(line)
        prev = line

try:
    colours, pixels, background, other = set(), 0, None, 0
    for width, bpp, line in png_rows(png):
        for x in range(0, width * bpp, bpp * 2):  # every other pixel is plenty
            px = line[x:x + 3]
            colours.add(px)
            background = background or px
            pixels += 1
            other += px != background
    if len(colours) < 16:
        failures.append("the screenshot has only %d colours: blank or nearly so" % len(colours))
    if other < pixels * 0.02:
        failures.append("the screenshot is almost all one colour (%.1f %% differs)" % (100.0 * other / pixels))
except (OSError, ValueError, TypeError, zlib.error) as e:
    failures.append("cannot read the screenshot %s: %s" % (png, e))

# 3. No network: the page's own requests carry its file:// origin; Chromium's background ones carry none.
try:
    log = json.load(open(net_path))
    names = {v: k for k, v in log["constants"]["logEventTypes"].items()}
    for event in log["events"]:
        params = event.get("params", {})
        url = params.get("url", "")
        if names.get(event["type"]) != "URL_REQUEST_START_JOB" or re.match(r"(file|data|blob|about|chrome):", url):
            continue
        from_page = params.get("initiator", "not an origin") != "not an origin" or \
            "file://" in params.get("network_isolation_key", "")
        if from_page:
            failures.append("the page requested from the network: %s" % url)
except (OSError, ValueError, KeyError) as e:
    failures.append("cannot read Chromium's network log: %s" % e)

# 4. And the file itself names nothing remote that a browser would fetch.
page = open(report, encoding="utf-8").read()
for pattern in (r'(src|href|action|poster)\s*=\s*["\']?\s*(https?:)?//', r"<script[^>]*\ssrc", r"<link\b",
                r"@import", r"url\(\s*[\"']?(https?:)?//"):
    if re.search(pattern, page, re.I):
        failures.append("the page refers to a remote resource (%s)" % pattern)

for f in failures:
    print("error: %s: %s" % (report, f), file=sys.stderr)
if failures:
    sys.exit(1)
print("ok: %s renders (%d colours in %s), charts in the DOM, no network requests" % (report, len(colours), png))
EOF
