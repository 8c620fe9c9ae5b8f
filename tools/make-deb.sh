#!/usr/bin/env bash
# Builds the Debian package (debian/, debhelper + cmake) from the current source tree, in a
# scratch copy under OUTDIR (default build/deb), without touching the source tree: the files git
# knows (committed or not, not ignored) are copied to OUTDIR/borne-<version>/, then
# dpkg-buildpackage -us -uc -b. The copy keeps debhelper's build directory between runs (-nc: no
# clean), so a second run recompiles only what changed (the packaging test relies on it,
# docs/install.md). Prints the path of the .deb last.
#
# Usage: tools/make-deb.sh [OUTDIR]   (run from the top of the source tree)
set -euo pipefail
out=$(realpath -m "${1:-build/deb}")
version=$(dpkg-parsechangelog -S Version)
src="$out/borne-$version"
mkdir -p "$src"
# Mirror the tracked files; files gone from the tree go from the copy (not debhelper's dirs).
git ls-files -co --exclude-standard -z | rsync -a --from0 --files-from=- ./ "$src/"
git ls-files -co --exclude-standard | sort >"$out/files.now"
if [ -f "$out/files.before" ]; then
  comm -23 "$out/files.before" "$out/files.now" | while read -r f; do rm -f "$src/$f"; done
fi
mv "$out/files.now" "$out/files.before"
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
rm -f "$out"/borne_"$version"_"$arch".deb
nc=()
[ -d "$src/obj-$(dpkg-architecture -qDEB_HOST_GNU_TYPE)" ] && nc=(-nc)
(cd "$src" && DEB_BUILD_OPTIONS="parallel=${JOBS:-2} ${DEB_BUILD_OPTIONS:-}" \
  dpkg-buildpackage -us -uc -b "${nc[@]}" >"$out/build.log" 2>&1) ||
  { tail -n 40 "$out/build.log" >&2; echo "make-deb: dpkg-buildpackage failed, $out/build.log" >&2; exit 1; }
echo "$out/borne_${version}_${arch}.deb"
