#!/usr/bin/env bash
# Build CallReview as a Debian package: PyInstaller one-folder under /opt/callreview,
# /usr/bin/callreview, the menu entry, icons, the bundle MIME type, AppStream metainfo, a man
# page, copyright and changelog. Needs only PyPI (PyInstaller) and Debian packages (binutils,
# dpkg-dev, file). Output (last line): build/callreview_VERSION-REVISION_ARCH.deb
set -euo pipefail
cd "$(dirname "$0")/.."
umask 022
# Build with Debian's own Python in a clean venv: the bundle then holds nothing from the
# build machine's home directory (a pyenv interpreter would bring its /home paths along).
BASE_PY=${BASE_PY:-/usr/bin/python3}
if [ ! -x build/venv/bin/python ]; then "$BASE_PY" -m venv build/venv; fi
PY=build/venv/bin/python
"$PY" -m pip install -q --upgrade pip
"$PY" -m pip install -q . "pyinstaller==6.22.3"
VERSION=$("$PY" -c "import callreview; print(callreview.__version__)")
# The Debian revision counts packaging-only rebuilds of one CallReview version.
DEB_VERSION="${VERSION}-${DEB_REVISION:-1}"
ARCH=$(dpkg --print-architecture)
# One date for the man page, the changelog and the files' times: rebuilds are identical.
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || true)}
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(date +%s)}
rm -rf build/dist build/work build/deb build/lib
"$PY" -m PyInstaller packaging/callreview.spec --distpath build/dist --workpath build/work \
  -y --log-level WARN
STAGE="build/deb/callreview_${DEB_VERSION}_${ARCH}"
DOC="$STAGE/usr/share/doc/callreview"
mkdir -p "$STAGE/opt" "$STAGE/usr/bin" "$STAGE/DEBIAN" "$DOC"
cp -a build/dist/callreview "$STAGE/opt/callreview"
ln -s /opt/callreview/callreview "$STAGE/usr/bin/callreview"
install -Dm644 -t "$STAGE/usr/share/applications" packaging/io.callreview.CallReview.desktop
install -Dm644 -t "$STAGE/usr/share/metainfo" packaging/io.callreview.CallReview.metainfo.xml
install -Dm644 -t "$STAGE/usr/share/mime/packages" resources/mime/io.callreview.CallReview.xml
for size in 16 24 32 48 64 128 256 512; do
  install -Dm644 "resources/icons/io.callreview.CallReview-${size}.png" \
    "$STAGE/usr/share/icons/hicolor/${size}x${size}/apps/io.callreview.CallReview.png"
done
install -Dm644 resources/icons/io.callreview.CallReview.svg \
  "$STAGE/usr/share/icons/hicolor/scalable/apps/io.callreview.CallReview.svg"

# The man page, from the parsers of the code just bundled.
mkdir -p "$STAGE/usr/share/man/man1"
"$PY" packaging/make_manpage.py "$STAGE/usr/share/man/man1/callreview.1"
gzip -9n "$STAGE/usr/share/man/man1/callreview.1"
install -m644 packaging/debian/copyright "$DOC/copyright"
cat > "$DOC/changelog.Debian" <<CHANGELOG
callreview (${DEB_VERSION}) stable; urgency=medium

  * CallReview ${VERSION}: a PyInstaller one-folder build in /opt/callreview.

 -- The CallReview developers <dev@callreview.io>  $(date -u -R -d "@$SOURCE_DATE_EPOCH")
CHANGELOG
gzip -9n "$DOC/changelog.Debian"
install -Dm644 packaging/debian/callreview.lintian-overrides \
  "$STAGE/usr/share/lintian/overrides/callreview"

# Nothing but the app: no caches, no tests.
find "$STAGE" -depth \( -name __pycache__ -o -name '*.pyc' \) -exec rm -rf {} +

# ELF files of the bundle: shared objects and the PyInstaller bootloader.
mapfile -t ELF < <(find "$STAGE/opt" -type f -print0 | xargs -0 file -N -F '|' \
  | awk -F'|' '$2 ~ / ELF /{print $1}')
mapfile -t LIBS < <(printf '%s\n' "${ELF[@]}" | grep -E '\.so(\.[0-9.]+)?$')
# Shared libraries are loaded, not run: no execute bit (as Debian installs them).
chmod 0644 "${LIBS[@]}"
# Strip the libraries that still have symbols, as dh_strip would; the rest came stripped.
# The bootloader comes stripped already (its archive of the app's Python code is an ELF
# section, pydata, which strip would keep anyway).
before=$(du -sb "$STAGE/opt" | cut -f1)
mapfile -t UNSTRIPPED < <(file -N -F '|' "${LIBS[@]}" | awk -F'|' '/not stripped/{print $1}')
if [ ${#UNSTRIPPED[@]} -gt 0 ]; then
  strip --remove-section=.comment --remove-section=.note --strip-unneeded "${UNSTRIPPED[@]}"
fi
after=$(du -sb "$STAGE/opt" | cut -f1)
echo "stripped ${#UNSTRIPPED[@]} libraries: /opt/callreview $((before / 1048576)) MiB" \
  "-> $((after / 1048576)) MiB" >&2

# Depends: what the ELF files link against outside the bundle (libc6, libGL, ...), found by
# dpkg-shlibdeps. It looks for each library inside the package tree first (the folder with
# DEBIAN/), in the bundle's library folders given by -l as paths in the package: a library
# PyInstaller bundled is found there, belongs to no installed package and so adds nothing
# (--ignore-missing-info), even when the build machine has its own copy too.
SHLIBS_DIR=$(mktemp -d)
trap 'rm -rf "$SHLIBS_DIR"' EXIT
mkdir "$SHLIBS_DIR/debian"
printf 'Source: callreview\n\nPackage: callreview\nArchitecture: any\n' \
  > "$SHLIBS_DIR/debian/control"
LIBDIRS=()
while IFS= read -r dir; do LIBDIRS+=("-l${dir#"$STAGE"}"); done \
  < <(printf '%s\n' "${LIBS[@]}" | xargs -n1 dirname | sort -u)
ELF_ARGS=()
for f in "${ELF[@]}"; do ELF_ARGS+=("-e$PWD/$f"); done
if ! SHLIBS=$(cd "$SHLIBS_DIR" && dpkg-shlibdeps -O --ignore-missing-info --warnings=0 \
    "${LIBDIRS[@]}" "${ELF_ARGS[@]}" 2>"$SHLIBS_DIR/log"); then
  cat "$SHLIBS_DIR/log" >&2; exit 1
fi
SHLIBS=$(sed -n 's/^shlibs:Depends=//p' <<<"$SHLIBS")
# What Qt opens with dlopen() at run time, which dpkg-shlibdeps cannot see: OpenGL/EGL for
# the xcb platform plugin, xkbcommon (and its keymaps) for keyboard input, D-Bus for the
# keyring and portals, fontconfig's configuration, GLib's event loop.
DLOPEN="libgl1, libegl1, libxkbcommon0, libxkbcommon-x11-0, libfontconfig1, libdbus-1-3,
  libglib2.0-0"
DEPENDS=$(perl -MDpkg::Deps -MDpkg::Deps::KnownFacts -e '
  my $deps = deps_parse(join(", ", @ARGV)) or die "unreadable Depends\n";
  $deps->simplify_deps(Dpkg::Deps::KnownFacts->new());
  $deps->sort();
  print $deps->output(), "\n";' "$SHLIBS" "$DLOPEN")
case "$DEPENDS" in libc6*|*" libc6"*) ;; *) echo "Depends lacks libc6: $DEPENDS" >&2; exit 1;; esac

SIZE_KB=$(du -sk --exclude=DEBIAN "$STAGE" | cut -f1)
cat > "$STAGE/DEBIAN/control" <<CONTROL
Package: callreview
Version: ${DEB_VERSION}
Architecture: ${ARCH}
Maintainer: The CallReview developers <dev@callreview.io>
Installed-Size: ${SIZE_KB}
Depends: ${DEPENDS}
Recommends: fonts-wqy-zenhei, gnome-keyring | kwalletmanager
Section: sound
Priority: optional
Homepage: https://callreview.io/
Description: Review what voice-AI phone agents actually said
 CallReview fetches calls from voice-AI call platforms into a local library,
 plays each recording with the transcript following along, and exports
 summaries to PDF and CSV. API keys stay in the system keyring.
CONTROL
(cd "$STAGE" && find . -type f ! -path './DEBIAN/*' -printf '%P\0' | sort -z \
  | xargs -0 md5sum > DEBIAN/md5sums)
# No maintainer scripts: the menu, icon and MIME caches are refreshed by the dpkg triggers
# of desktop-file-utils, hicolor-icon-theme and shared-mime-info, when those are installed.
dpkg-deb --build --root-owner-group "$STAGE" "build/callreview_${DEB_VERSION}_${ARCH}.deb" \
  >/dev/null
echo "build/callreview_${DEB_VERSION}_${ARCH}.deb"
