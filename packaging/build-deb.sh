#!/usr/bin/env bash
# Build the Debian package: target/debian/fastintercom_VERSION_ARCH.deb, then lintian it.
#
#   packaging/build-deb.sh            build (cargo --release in the repo's target/), package, lintian
#   FASTINTERCOM_DEB_NO_CARGO=1 packaging/build-deb.sh    package the release binary already built
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
cargo_version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
if [ "$version" != "$cargo_version" ]; then
    echo "build-deb: debian/changelog says $version but Cargo.toml says $cargo_version: add a changelog entry" >&2
    exit 1
fi

if [ "${FASTINTERCOM_DEB_NO_CARGO:-0}" = 1 ]; then
    echo "build-deb: FASTINTERCOM_DEB_NO_CARGO=1: packaging the existing target/release/fastintercom" >&2
else
    echo "build-deb: cargo build --release" >&2
    cargo build --release --bins
fi
[ -x target/release/fastintercom ] || { echo "build-deb: target/release/fastintercom missing" >&2; exit 1; }

out=$root/target/debian
stage=$out/src/fastintercom-$version
rm -rf "$out/src"
mkdir -p "$stage/target/release" "$stage/packaging"
cp -rL debian systemd "$stage/"
rm -rf "$stage/debian/gen-docs" "$stage/debian/fastintercom" "$stage/debian/.debhelper"
cp packaging/fastintercom.toml "$stage/packaging/"
cp target/release/fastintercom "$stage/target/release/"

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
