#!/usr/bin/env bash
# Print the path of a debootstrapped Debian bookworm root with systemd (the e2e test's container image),
# building it once and caching it as a tarball under target/e2e/ so reruns skip debootstrap (~35 s).
# Usage: packaging/rootfs.sh DEST_DIR   (DEST_DIR is created fresh from the cached tarball)
set -euo pipefail
cd "$(dirname "$0")/.."
dest=${1:?usage: packaging/rootfs.sh DEST_DIR}
cache_dir=$PWD/target/e2e
# Bump the version when the package list changes, so stale caches are not reused.
tarball=$cache_dir/rootfs-bookworm-v1.tar
include=systemd,systemd-sysv,dbus,ca-certificates,curl

if [ ! -s "$tarball" ]; then
    mkdir -p "$cache_dir"
    build=$(mktemp -d "$cache_dir/rootfs-build.XXXXXX")
    chmod 0755 "$build" # mktemp's 0700 would become the container's / and lock out non-root users
    echo "rootfs: debootstrap bookworm (minbase + $include) into $build" >&2
    if ! debootstrap --variant=minbase --include="$include" bookworm "$build" >"$build.log" 2>&1; then
        tail -20 "$build.log" >&2
        rm -rf "$build"
        echo "rootfs: debootstrap failed (log: $build.log)" >&2
        exit 1
    fi
    # Smaller image and quieter boot: no apt lists or package caches.
    rm -rf "$build"/var/cache/apt/archives/*.deb "$build"/var/lib/apt/lists/*
    tar -C "$build" -cf "$tarball.tmp" .
    mv "$tarball.tmp" "$tarball"
    rm -rf "$build" "$build.log"
fi
rm -rf "$dest"
mkdir -p "$dest"
tar -C "$dest" -xf "$tarball"
chmod 0755 "$dest"
echo "$dest"
