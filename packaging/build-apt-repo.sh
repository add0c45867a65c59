#!/usr/bin/env bash
# Build (or add to) a signed APT repository from built .deb files, with Debian's own tools.
#
#   packaging/build-apt-repo.sh --key KEY --url URL REPO_DIR DEB...
#
#   --key KEY    the OpenPGP key that signs the repository: a fingerprint, key id or user id of a secret
#                key in the caller's keyring ($GNUPGHOME, default ~/.gnupg). Nothing secret is kept here.
#   --url URL    where REPO_DIR will be served (https://... in production); written into the .sources file.
#   --suite S    the suite name (default: stable). Component: main.
#
# REPO_DIR gets (it may already hold a repository: the .debs are added, the old versions stay in the
# pool, the indexes and signatures are rebuilt, so `apt upgrade` sees the newest version):
#   pool/main/f/fastintercom/*.deb
#   dists/SUITE/main/binary-ARCH/Packages{,.gz}     apt-ftparchive packages
#   dists/SUITE/Release                             apt-ftparchive release (SHA256 of the indexes)
#   dists/SUITE/InRelease, Release.gpg              gpg --clearsign / --detach-sign with KEY
#   fastintercom.gpg                                the public key, for /etc/apt/keyrings/fastintercom.gpg
#   fastintercom.sources                            deb822 source for /etc/apt/sources.list.d/ (Signed-By:)
# and checks the result with gpgv against the published key, as apt will.
#
# A throw-away key for a test (packaging/e2e-systemd.sh does this):
#   export GNUPGHOME=$(mktemp -d)
#   gpg --batch --passphrase '' --quick-gen-key 'fastintercom test <test@fastintercom.invalid>' ed25519 sign 1d
set -euo pipefail

usage() { echo "usage: packaging/build-apt-repo.sh --key KEY --url URL [--suite SUITE] REPO_DIR DEB..." >&2; exit 2; }
key="" url="" suite=stable
while [ $# -gt 0 ]; do
    case "$1" in
    --key) key=${2:?--key needs a value}; shift 2 ;;
    --url) url=${2:?--url needs a value}; shift 2 ;;
    --suite) suite=${2:?--suite needs a value}; shift 2 ;;
    -h|--help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    --*) echo "build-apt-repo: unknown option $1" >&2; usage ;;
    *) break ;;
    esac
done
[ $# -ge 2 ] || usage
[ -n "$key" ] || { echo "build-apt-repo: --key KEY is required (the secret key that signs the repository)" >&2; exit 2; }
[ -n "$url" ] || { echo "build-apt-repo: --url URL is required (where the repository will be served)" >&2; exit 2; }
repo=$1; shift
for deb in "$@"; do
    [ -f "$deb" ] || { echo "build-apt-repo: $deb: no such file (build it with packaging/build-deb.sh)" >&2; exit 1; }
done

need=()
command -v apt-ftparchive >/dev/null || need+=(apt-utils)
command -v gpg >/dev/null || need+=(gpg)
command -v gpgv >/dev/null || need+=(gpgv)
if [ ${#need[@]} -gt 0 ]; then
    echo "build-apt-repo: installing ${need[*]}" >&2
    apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null
fi
if ! gpg --batch --list-secret-keys "$key" >/dev/null 2>&1; then
    echo "build-apt-repo: no secret key '$key' in ${GNUPGHOME:-~/.gnupg}: point GNUPGHOME at the keyring that" \
        "holds the signing key, or create one (gpg --quick-gen-key)" >&2
    exit 1
fi

mkdir -p "$repo"
repo=$(cd "$repo" && pwd)

# The pool: one directory per source package, as in Debian's archive.
for deb in "$@"; do
    pkg=$(dpkg-deb -f "$deb" Package)
    case "$pkg" in lib?*) dir=${pkg:0:4} ;; *) dir=${pkg:0:1} ;; esac
    mkdir -p "$repo/pool/main/$dir/$pkg"
    cp "$deb" "$repo/pool/main/$dir/$pkg/"
done

# The indexes, one per architecture in the pool ("all" packages go into each).
cd "$repo"
# SHA256 and SHA512 only: apt ignores MD5 and SHA1.
hashes=(-o APT::FTPArchive::MD5=false -o APT::FTPArchive::SHA1=false)
mapfile -t arches < <(find pool -name '*.deb' -exec dpkg-deb -f {} Architecture \; | grep -vx all | sort -u)
[ ${#arches[@]} -gt 0 ] || arches=("$(dpkg --print-architecture)")
dist=dists/$suite
rm -rf "$dist"
for arch in "${arches[@]}"; do
    mkdir -p "$dist/main/binary-$arch"
    apt-ftparchive "${hashes[@]}" --arch "$arch" packages pool/main >"$dist/main/binary-$arch/Packages"
    gzip -9n <"$dist/main/binary-$arch/Packages" >"$dist/main/binary-$arch/Packages.gz"
done
release=$(mktemp)
trap 'rm -f "$release"' EXIT
apt-ftparchive "${hashes[@]}" \
    -o APT::FTPArchive::Release::Origin=fastintercom \
    -o APT::FTPArchive::Release::Label=fastintercom \
    -o APT::FTPArchive::Release::Suite="$suite" \
    -o APT::FTPArchive::Release::Codename="$suite" \
    -o APT::FTPArchive::Release::Architectures="${arches[*]}" \
    -o APT::FTPArchive::Release::Components=main \
    -o APT::FTPArchive::Release::Description="fastintercom packages" \
    release "$dist" >"$release"
mv "$release" "$dist/Release"
chmod 0644 "$dist/Release"

gpg --batch --yes --local-user "$key" --digest-algo SHA512 --clearsign -o "$dist/InRelease" "$dist/Release"
gpg --batch --yes --local-user "$key" --digest-algo SHA512 --armor --detach-sign -o "$dist/Release.gpg" "$dist/Release"
gpg --batch --yes --export "$key" >fastintercom.gpg.tmp
mv fastintercom.gpg.tmp fastintercom.gpg

cat >fastintercom.sources <<EOF
Types: deb
URIs: $url
Suites: $suite
Components: main
Signed-By: /etc/apt/keyrings/fastintercom.gpg
EOF
chmod 0644 fastintercom.gpg fastintercom.sources

# What apt will check: the signature against the published key only (not the caller's keyring).
if ! gpgv --keyring "$repo/fastintercom.gpg" "$dist/InRelease" >/dev/null 2>&1 ||
    ! gpgv --keyring "$repo/fastintercom.gpg" "$dist/Release.gpg" "$dist/Release" >/dev/null 2>&1; then
    echo "build-apt-repo: the signatures do not verify against $repo/fastintercom.gpg" >&2
    exit 1
fi
echo "build-apt-repo: $repo: suite $suite (${arches[*]}), $(find pool -name '*.deb' | wc -l) package file(s)," \
    "signed by $(gpg --batch --with-colons --list-keys "$key" | awk -F: '/^fpr:/ { print $10; exit }')" >&2
echo "$repo"
