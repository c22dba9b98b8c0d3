#!/usr/bin/env bash
# Build CallReview as a Debian package: PyInstaller one-folder under /opt/callreview,
# /usr/bin/callreview, the menu entry, icons and AppStream metainfo. Needs only PyPI
# (PyInstaller) and Debian packages (binutils, dpkg). Output: build/callreview_VERSION_ARCH.deb
set -euo pipefail
cd "$(dirname "$0")/.."
# Build with Debian's own Python in a clean venv: the bundle then holds nothing from the
# build machine's home directory (a pyenv interpreter would bring its /home paths along).
BASE_PY=${BASE_PY:-/usr/bin/python3}
if [ ! -x build/venv/bin/python ]; then "$BASE_PY" -m venv build/venv; fi
PY=build/venv/bin/python
"$PY" -m pip install -q --upgrade pip
"$PY" -m pip install -q . "pyinstaller==6.22.3"
VERSION=$("$PY" -c "import callreview; print(callreview.__version__)")
ARCH=$(dpkg --print-architecture)
rm -rf build/dist build/work build/deb build/lib
"$PY" -m PyInstaller packaging/callreview.spec --distpath build/dist --workpath build/work \
  -y --log-level WARN
STAGE="build/deb/callreview_${VERSION}_${ARCH}"
mkdir -p "$STAGE/opt" "$STAGE/usr/bin" "$STAGE/usr/share/applications" \
  "$STAGE/usr/share/metainfo" "$STAGE/DEBIAN"
cp -a build/dist/callreview "$STAGE/opt/callreview"
ln -s ../../opt/callreview/callreview "$STAGE/usr/bin/callreview"
install -m644 packaging/io.callreview.CallReview.desktop "$STAGE/usr/share/applications/"
install -m644 packaging/io.callreview.CallReview.metainfo.xml "$STAGE/usr/share/metainfo/"
for size in 16 24 32 48 64 128 256 512; do
  install -Dm644 "resources/icons/io.callreview.CallReview-${size}.png" \
    "$STAGE/usr/share/icons/hicolor/${size}x${size}/apps/io.callreview.CallReview.png"
done
install -Dm644 resources/icons/io.callreview.CallReview.svg \
  "$STAGE/usr/share/icons/hicolor/scalable/apps/io.callreview.CallReview.svg"
# Nothing but the app: no caches, no tests.
find "$STAGE" -depth \( -name __pycache__ -o -name '*.pyc' \) -exec rm -rf {} +
SIZE_KB=$(du -sk "$STAGE" | cut -f1)
cat > "$STAGE/DEBIAN/control" <<CONTROL
Package: callreview
Version: ${VERSION}
Architecture: ${ARCH}
Maintainer: The CallReview developers <dev@callreview.io>
Installed-Size: ${SIZE_KB}
Depends: libgl1, libegl1, libxkbcommon0, libxkbcommon-x11-0, libfontconfig1, libdbus-1-3, libglib2.0-0
Recommends: gnome-keyring | kwalletmanager
Section: sound
Priority: optional
Homepage: https://callreview.io/
Description: Review what voice-AI phone agents actually said
 CallReview fetches calls from voice-AI call platforms into a local library,
 plays each recording with the transcript following along, and exports
 summaries to PDF and CSV. API keys stay in the system keyring.
CONTROL
cat > "$STAGE/DEBIAN/postinst" <<'POSTINST'
#!/bin/sh
set -e
command -v update-desktop-database >/dev/null && update-desktop-database -q /usr/share/applications || true
command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q -t /usr/share/icons/hicolor || true
POSTINST
chmod 755 "$STAGE/DEBIAN/postinst"
cp "$STAGE/DEBIAN/postinst" "$STAGE/DEBIAN/postrm"
dpkg-deb --build --root-owner-group "$STAGE" "build/callreview_${VERSION}_${ARCH}.deb" >/dev/null
echo "build/callreview_${VERSION}_${ARCH}.deb"
