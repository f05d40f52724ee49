#!/bin/sh
# Debian packages the tests use as oracles or data (gdb and binutils to check the symbolizer,
# libc6-dbg for libc's separate DWARF). Installed only when missing and only as root; otherwise
# the tests that need them say what is missing.
set -e
wanted="gdb binutils gcc make libc6-dbg systemtap-sdt-dev"
missing=""
for p in $wanted; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "setup: missing Debian packages:$missing (install them as root: apt-get install$missing)" >&2
  exit 0
fi
echo "setup: installing Debian packages:$missing" >&2
apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >&2
