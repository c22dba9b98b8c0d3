#!/usr/bin/env bash
# CI: build the .deb, check what it holds, install it, start it from its menu entry as a
# double-click would (gio launch under Xvfb), and run the installed copy's --self-test.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="${CI_ARTIFACTS:-build/ci}"
mkdir -p "$OUT"
# What building and checking the package needs, beyond scripts/system-deps.
NEED=(binutils libpython3.11 python3-venv dpkg-dev desktop-file-utils appstream
      libglib2.0-bin xdotool imagemagick xvfb xauth)
missing=()
for pkg in "${NEED[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends \
    "${missing[@]}" >/dev/null
fi
DEB=$(bash packaging/build-deb.sh | tail -n 1)
STAGE="build/deb/$(basename "$DEB" .deb)"

echo "== package contents"
LIST=$(dpkg-deb -c "$DEB" | awk '{print $6}')
if echo "$LIST" | grep -E '(^|/)(tests?|__pycache__|\.pytest_cache|\.mypy_cache|\.hypothesis|\.ruff_cache)(/|$)|\.pyc$'; then
  echo "FAIL: the package holds tests or caches"; exit 1
fi
if echo "$LIST" | grep -F "$HOME"; then echo "FAIL: paths from the build home"; exit 1; fi
# Build-machine paths inside files: the checkout and the user's pyenv/pip caches.
# (Upstream wheels carry their own builders' source paths, e.g. pydantic-core's Rust panic
# locations; those are not from this machine.)
for needle in "$PWD" "$HOME/.pyenv" "$HOME/.cache"; do
  if grep -rlF --binary-files=text "$needle" "$STAGE"; then
    echo "FAIL: the package holds '$needle'"; exit 1
  fi
done
desktop-file-validate packaging/io.callreview.CallReview.desktop
appstreamcli validate --no-net packaging/io.callreview.CallReview.metainfo.xml
echo "package: $(du -h "$DEB" | cut -f1) download, $(du -sh "$STAGE" | cut -f1) installed"

echo "== install"
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
$SUDO apt-get install -y -q --no-install-recommends "./$DEB" >/dev/null
test -x /usr/bin/callreview

echo "== double-click start from the menu entry"
# Let the app find the real X server: no offscreen platform leaking in from the tests.
env -u QT_QPA_PLATFORM HOME="$(mktemp -d)" xvfb-run -a -s "-screen 0 1280x800x24" sh -c '
  gio launch /usr/share/applications/io.callreview.CallReview.desktop
  if ! timeout 30 xdotool search --sync --onlyvisible --name "^CallReview" >/dev/null; then
    echo "FAIL: no CallReview window appeared"; exit 1
  fi
  sleep 1
  import -window root "'"$OUT"'/menu-launch.png" 2>/dev/null || true
  pgrep -f "^callreview" >/dev/null || { echo "FAIL: the app is not running"; exit 1; }
  pkill -f "^callreview"
  for _ in 1 2 3 4 5 6 7 8 9 10; do pgrep -f "^callreview" >/dev/null || break; sleep 0.5; done
'
echo "the menu entry started /usr/bin/callreview and its window appeared"

echo "== self-test of the installed copy"
env -u QT_QPA_PLATFORM HOME="$(mktemp -d)" xvfb-run -a -s "-screen 0 1280x800x24" \
  /usr/bin/callreview --self-test
