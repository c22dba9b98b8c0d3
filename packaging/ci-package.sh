#!/usr/bin/env bash
# CI: build the .deb, check what it holds, lint it (lintian: any error not overridden fails),
# install it, check its MIME type, start it from its menu entry as a double-click would
# (gio launch under Xvfb), and run the installed copy's --self-test.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="${CI_ARTIFACTS:-build/ci}"
mkdir -p "$OUT"
# What building and checking the package needs, beyond scripts/system-deps.
NEED=(binutils file libpython3.11 python3-venv dpkg-dev desktop-file-utils appstream
      libglib2.0-bin shared-mime-info lintian man-db xdotool imagemagick xvfb xauth)
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
# Qt Virtual Keyboard is GPL-3 only: the spec leaves it out.
if echo "$LIST" | grep -i virtualkeyboard; then echo "FAIL: Qt Virtual Keyboard"; exit 1; fi
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
DEPENDS=$(dpkg-deb -f "$DEB" Depends)
echo "Depends: $DEPENDS"
echo "$DEPENDS" | grep -qE '(^|, )libc6( |,|$)' || { echo "FAIL: Depends lacks libc6"; exit 1; }

echo "== man page"
MAN="$STAGE/usr/share/man/man1/callreview.1.gz"
lexgrog "$MAN"
WARNINGS=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z "$MAN" 2>&1 >/dev/null)
if [ -n "$WARNINGS" ]; then echo "$WARNINGS"; echo "FAIL: groff warnings"; exit 1; fi

echo "== lintian"
# Errors fail unless packaging/debian/callreview.lintian-overrides gives a reason for them.
# (Not --show-overrides: with it, lintian 2.116 fails on overridden errors too.)
if ! lintian --fail-on error "$DEB" 2>&1 | tee "$OUT/lintian.txt"; then
  echo "FAIL: lintian found errors"; exit 1
fi
echo "lintian: no error without an override"

echo "== install"
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
$SUDO apt-get install -y -q --no-install-recommends "./$DEB" >/dev/null
test -x /usr/bin/callreview
[ "$(readlink /usr/bin/callreview)" = /opt/callreview/callreview ] \
  || { echo "FAIL: /usr/bin/callreview is not the absolute link"; exit 1; }
# shared-mime-info's trigger has rebuilt the database from the installed XML.
BUNDLE="$(mktemp -d)/calls.crbundle"
python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1], "w").writestr("x", "")' "$BUNDLE"
TYPE=$(gio info -a standard::content-type "$BUNDLE" | sed -n 's/.*standard::content-type: //p')
[ "$TYPE" = application/x-callreview-bundle ] \
  || { echo "FAIL: a .crbundle file is '$TYPE'"; exit 1; }
echo "a .crbundle file is $TYPE"

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
echo "ci-package: all checks passed in ${SECONDS}s"
