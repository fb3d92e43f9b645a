#!/usr/bin/env bash
# Builds the images the tests pull and import, from Debian packages only (no public registry is
# reachable from the test machines): an OCI image layout OUT/oci with the tags
#   busybox  busybox-static's binary with every applet symlinked in /bin
#   nginx    a minbase bookworm rootfs with nginx-light, made by mmdebstrap, and a layer with
#            what nginx:alpine adds: busybox's sh and applets, logs to stdout/stderr
# and the mmdebstrap tarball itself as OUT/nginx-rootfs.tar (the unpack test compares against it).
# test/support/registry.ts caches OUT keyed by a hash of this file, so editing it rebuilds.
set -euo pipefail
out=${1:?usage: build-test-images.sh OUTDIR}
work=$(mktemp -d "${out}.work.XXXXXX")
trap 'rm -rf "$work"' EXIT
path_env=PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

# busybox: static binary, applets as symlinks, just enough of /etc for a shell and httpd.
bb=$work/busybox
mkdir -p "$bb"/{bin,etc,root,tmp,proc,sys,dev,var/www,usr/bin,usr/sbin,sbin}
chmod 1777 "$bb/tmp"
chmod 700 "$bb/root"
cp /bin/busybox "$bb/bin/busybox"
for applet in $(/bin/busybox --list); do
  [[ $applet == busybox ]] || ln -s busybox "$bb/bin/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$bb/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$bb/etc/group"
printf 'hello from busybox\n' >"$bb/var/www/index.html"

# nginx: a real Debian rootfs. mmdebstrap runs as root here, so owners and device nodes are real.
mmdebstrap --quiet --variant=minbase --include=nginx-light bookworm "$work/nginx-rootfs.tar"
mkdir "$work/nginx"
tar -xpf "$work/nginx-rootfs.tar" -C "$work/nginx" --numeric-owner

# What nginx:alpine has beyond nginx, as a second layer (the first stays mmdebstrap's rootfs, which
# the unpack test compares with): busybox's ash as /bin/sh (the book's `/ # ` prompt) and the applets
# minbase lacks (wget, vi, ps…), and nginx logging to the container's stdout and stderr through the
# links the official image makes. bookworm is merged-/usr: /bin is /usr/bin.
top=$work/nginx-top
mkdir -p "$top/usr/bin" "$top/usr/local/bin" "$top/var/log/nginx"
cp /bin/busybox "$top/usr/bin/busybox"
ln -s busybox "$top/usr/bin/sh"
for applet in $(/bin/busybox --list); do
  for d in usr/bin usr/sbin; do [[ -e $work/nginx/$d/$applet || -L $work/nginx/$d/$applet ]] && continue 2; done
  ln -s /usr/bin/busybox "$top/usr/local/bin/$applet"
done
ln -s /dev/stdout "$top/var/log/nginx/access.log"
ln -s /dev/stderr "$top/var/log/nginx/error.log"

oci=$work/oci
umoci init --layout "$oci"
umoci new --image "$oci:busybox"
umoci insert --image "$oci:busybox" "$bb" /
umoci config --image "$oci:busybox" --config.env "$path_env" --config.cmd sh \
  --config.label org.opencontainers.image.title=busybox
umoci new --image "$oci:nginx"
umoci insert --image "$oci:nginx" "$work/nginx" /
umoci insert --image "$oci:nginx" "$top" /
umoci config --image "$oci:nginx" --config.env "$path_env" \
  --config.cmd nginx --config.cmd -g --config.cmd 'daemon off;' \
  --config.exposedports 80/tcp --config.stopsignal SIGQUIT \
  --config.label org.opencontainers.image.title=nginx
umoci gc --layout "$oci"

mkdir -p "$out"
mv "$oci" "$out/oci"
mv "$work/nginx-rootfs.tar" "$out/nginx-rootfs.tar"
