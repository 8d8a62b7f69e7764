#!/bin/sh
# mkdeb.sh ROOT VERSION OUT: makes the Debian package OUT from ROOT (a
# `make install DESTDIR=ROOT PREFIX=/usr`) with dpkg-deb: docs, stripped
# binaries, compressed man pages, control with the shared-library
# dependencies dpkg-shlibdeps computes, conffiles and maintainer scripts.
set -eu
root=$1 version=$2 out=$3
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
doc=$root/usr/share/doc/qujat

install -d "$doc" "$root/DEBIAN"
install -m 644 "$repo/README.md" "$doc/README.md"
install -m 644 "$here/copyright" "$doc/copyright"
sed "s/@VERSION@/$version/" "$here/changelog" | gzip -9n > "$doc/changelog.gz"
chmod 644 "$doc/changelog.gz"
find "$root/usr/share/man" -type f -name '*.[0-9]' -exec gzip -9nf {} +

bins="$root/usr/sbin/qujatd $root/usr/bin/qujat $root/usr/libexec/qujat/qujat-filter"
for b in $bins; do
	strip --remove-section=.comment --remove-section=.note --strip-unneeded "$b"
done

# dpkg-shlibdeps wants a debian/control beside it.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/debian"
printf 'Source: qujat\n\nPackage: qujat\nArchitecture: any\n' > "$work/debian/control"
deps=$(cd "$work" && dpkg-shlibdeps -O $bins | sed -n 's/^shlibs:Depends=//p')

size=$(du -k -s --exclude=DEBIAN "$root" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@DEPENDS@/$deps/" -e "s/@SIZE@/$size/" \
	"$here/control" > "$root/DEBIAN/control"
(cd "$root" && find etc -type f | sed 's|^|/|' | sort) > "$root/DEBIAN/conffiles"
for s in postinst postrm; do
	install -m 755 "$here/$s" "$root/DEBIAN/$s"
done
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -print | sed 's|^\./||' |
	sort | xargs md5sum) > "$root/DEBIAN/md5sums"
chmod 644 "$root/DEBIAN/control" "$root/DEBIAN/conffiles" "$root/DEBIAN/md5sums"
dpkg-deb --root-owner-group -Zxz --build "$root" "$out"
