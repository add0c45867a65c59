#!/usr/bin/env bash
# Build the Debian package: target/debian/fastintercom_VERSION_ARCH.deb, then lintian it.
#
#   packaging/build-deb.sh            build (cargo --release in the repo's target/), package, lintian
#   FASTINTERCOM_DEB_NO_CARGO=1 packaging/build-deb.sh    package the release binary already built
#
# Repackaging (the upgrade test builds a second, higher version this way without a second cargo build):
#   FASTINTERCOM_DEB_BIN=PATH        package this binary instead of target/release/fastintercom (no cargo)
#   FASTINTERCOM_DEB_VERSION=V       add a changelog entry V (higher than debian/changelog's) to the staged
#                                    copy; the checkout's debian/changelog is not touched
#   FASTINTERCOM_DEB_OUT=DIR         write the outputs there instead of target/debian
#   FASTINTERCOM_DEB_LINTIAN=0       skip lintian
#
# How: cargo builds the release binary in the repository's own target/ directory (incremental, shared
# with development). debian/, systemd/, the default config and that binary are staged in
# target/debian/src/fastintercom-VERSION/ and dpkg-buildpackage -b -us -uc runs there, so its outputs
# (.deb, .changes, .buildinfo) land under target/debian/src/ instead of the checkout's parent directory;
# debian/rules sees no Cargo.toml there and packages the staged binary. Run from a checkout, the same
# debian/rules builds with cargo itself. Lintian output goes to target/debian/lintian.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

need=()
for tool in dpkg-buildpackage:dpkg-dev dh:debhelper lintian:lintian; do
    command -v "${tool%%:*}" >/dev/null || need+=("${tool#*:}")
done
if [ ${#need[@]} -gt 0 ]; then
    echo "build-deb: installing ${need[*]}" >&2
    apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null
fi

version=$(dpkg-parsechangelog -l debian/changelog -S Version)
base_version=$version
cargo_version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
if [ "$version" != "$cargo_version" ]; then
    echo "build-deb: debian/changelog says $version but Cargo.toml says $cargo_version: add a changelog entry" >&2
    exit 1
fi

if [ -n "${FASTINTERCOM_DEB_VERSION:-}" ]; then
    version=$FASTINTERCOM_DEB_VERSION
    if ! dpkg --compare-versions "$version" gt "$base_version"; then
        echo "build-deb: FASTINTERCOM_DEB_VERSION=$version is not higher than $base_version (debian/changelog)" >&2
        exit 1
    fi
fi

bin=${FASTINTERCOM_DEB_BIN:-}
if [ -n "$bin" ]; then
    echo "build-deb: FASTINTERCOM_DEB_BIN: packaging $bin" >&2
elif [ "${FASTINTERCOM_DEB_NO_CARGO:-0}" = 1 ]; then
    echo "build-deb: FASTINTERCOM_DEB_NO_CARGO=1: packaging the existing target/release/fastintercom" >&2
    bin=target/release/fastintercom
else
    echo "build-deb: cargo build --release" >&2
    cargo build --release --bins
    bin=target/release/fastintercom
fi
[ -x "$bin" ] || { echo "build-deb: $bin missing (build it with cargo build --release)" >&2; exit 1; }

out=${FASTINTERCOM_DEB_OUT:-$root/target/debian}
mkdir -p "$out"
out=$(cd "$out" && pwd)
stage=$out/src/fastintercom-$version
rm -rf "$out/src"
mkdir -p "$stage/target/release" "$stage/packaging"
cp -rL debian systemd "$stage/"
rm -rf "$stage/debian/gen-docs" "$stage/debian/fastintercom" "$stage/debian/.debhelper"
cp packaging/fastintercom.toml "$stage/packaging/"
cp "$bin" "$stage/target/release/fastintercom"
if [ "$version" != "$base_version" ]; then
    maintainer=$(dpkg-parsechangelog -l debian/changelog -S Maintainer)
    { printf 'fastintercom (%s) unstable; urgency=medium\n\n' "$version"
      printf '  * Repackaged from %s (same program, packaged under a higher version).\n\n' "$base_version"
      printf ' -- %s  %s\n\n' "$maintainer" "$(date -R)"
      cat debian/changelog; } >"$stage/debian/changelog"
fi

echo "build-deb: dpkg-buildpackage -b -us -uc in $stage" >&2
(cd "$stage" && dpkg-buildpackage -b -us -uc) >"$out/dpkg-buildpackage.log" 2>&1 || {
    tail -40 "$out/dpkg-buildpackage.log" >&2
    echo "build-deb: dpkg-buildpackage failed (log: $out/dpkg-buildpackage.log)" >&2
    exit 1
}
arch=$(dpkg --print-architecture)
deb=fastintercom_${version}_${arch}.deb
changes=fastintercom_${version}_${arch}.changes
cp "$out/src/$deb" "$out/src/$changes" "$out/src/fastintercom_${version}_${arch}.buildinfo" "$out/"

if [ "${FASTINTERCOM_DEB_LINTIAN:-1}" = 0 ]; then
    echo "build-deb: FASTINTERCOM_DEB_LINTIAN=0: lintian skipped" >&2
    echo "$out/$deb"
    exit 0
fi
echo "build-deb: lintian --fail-on error,warning" >&2
set +e
(cd "$out/src" && lintian --fail-on error,warning -I "$changes") >"$out/lintian.txt" 2>&1
lintian_rc=$?
set -e
cat "$out/lintian.txt" >&2
if [ $lintian_rc -ne 0 ]; then
    echo "build-deb: lintian failed (exit $lintian_rc)" >&2
    exit 1
fi
echo "build-deb: lintian clean (no errors or warnings)" >&2
echo "$out/$deb"
