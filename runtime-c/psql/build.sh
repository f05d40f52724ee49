#!/bin/sh
# Builds a debug psql (with DWARF) from Debian's own postgresql-15 source package, the way a
# person would to trace SendQuery with $query: apt-get source, configure with CFLAGS='-O2 -g',
# make src/bin/psql. The result is cached outside the repository so reruns take no time:
#
#   sh runtime-c/psql/build.sh        prints the path of the built psql on stdout (progress on stderr)
#
# Cache: ${UTAP_CACHE:-~/.cache/utap}/psql/  (bin/psql, the unpacked source tree, build.log).
# Which libpq it loads: configure runs with --disable-rpath, so the built psql loads the
# system's /usr/lib/x86_64-linux-gnu/libpq.so.5 (the same library the stock psql uses); set
# LD_LIBRARY_PATH=<cache>/psql/src/postgresql-15-*/src/interfaces/libpq to load the built one.
#
# Needs, when the cache is empty: root (to add a deb-src entry for this machine's own Debian
# archive if none is configured, and to install the few build tools that are missing), the
# Debian archive reachable through apt, and about a minute of CPU.
set -e
cache="${UTAP_CACHE:-$HOME/.cache/utap}/psql"
out="$cache/bin/psql"
if [ -x "$out" ] && [ -f "$cache/bin/VERSION" ]; then
  echo "$out"
  exit 0
fi
say() { echo "psql-build: $*" >&2; }
die() { echo "psql-build: $*" >&2; exit 2; }

root=yes
[ "$(id -u)" = 0 ] || root=no

# 1. A deb-src entry for the archive this machine already uses (deb822 or one-line format).
has_deb_src() {
  grep -rqsE '^[[:space:]]*deb-src[[:space:]]|^Types:.*deb-src' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null
}
if ! has_deb_src; then
  [ "$root" = yes ] || die "no deb-src entry in apt's sources and not root to add one; add deb-src lines for your Debian archive (or run this as root)."
  added=/etc/apt/sources.list.d/utap-deb-src.sources
  : > "$added.tmp"
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    case "$f" in */utap-deb-src.sources) continue ;; esac
    # Only Debian's own archive: stanzas whose URIs are Debian mirrors.
    grep -q 'debian' "$f" || continue
    sed -e 's/^Types:.*/Types: deb-src/' "$f" >> "$added.tmp"
    echo >> "$added.tmp"
  done
  if [ -f /etc/apt/sources.list ]; then
    sed -n 's/^[[:space:]]*deb[[:space:]]\(.*debian.*\)$/deb-src \1/p' /etc/apt/sources.list > /etc/apt/sources.list.d/utap-deb-src.list
    [ -s /etc/apt/sources.list.d/utap-deb-src.list ] || rm -f /etc/apt/sources.list.d/utap-deb-src.list
  fi
  if [ -s "$added.tmp" ]; then mv "$added.tmp" "$added"; else rm -f "$added.tmp"; fi
  has_deb_src || die "could not derive a deb-src entry from /etc/apt/sources*; add one for your Debian archive by hand."
  say "added deb-src entries for this machine's Debian archive ($added)"
  apt-get update -qq >&2
fi

# 2. Build tools: dpkg-source unpacks, bison/flex in case Debian's patches touch a grammar.
if [ "$root" = yes ]; then
  missing=""
  for p in dpkg-dev gcc make bison flex libreadline-dev zlib1g-dev perl; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
  done
  if [ -n "$missing" ]; then
    say "installing build tools:$missing"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >&2
  fi
fi

# 3. The source: the version of the installed client if there is one, else apt's candidate.
mkdir -p "$cache/src"
version=$(dpkg-query -W -f='${Version}' postgresql-client-15 2>/dev/null || true)
srcdir=$(ls -d "$cache"/src/postgresql-15-*/ 2>/dev/null | head -n 1)
if [ -z "$srcdir" ] || [ ! -f "$srcdir/configure" ]; then
  say "fetching postgresql-15 ${version:-(candidate)} with apt-get source"
  cd "$cache/src"
  if [ -n "$version" ]; then
    apt-get source -qq "postgresql-15=$version" >&2 || { apt-get update -qq >&2; apt-get source -qq "postgresql-15=$version" >&2 || apt-get source -qq postgresql-15 >&2; }
  else
    apt-get source -qq postgresql-15 >&2 || { apt-get update -qq >&2; apt-get source -qq postgresql-15 >&2; }
  fi
  srcdir=$(ls -d "$cache"/src/postgresql-15-*/ 2>/dev/null | head -n 1)
  [ -n "$srcdir" ] || die "apt-get source postgresql-15 left no source tree in $cache/src."
fi
srcdir=${srcdir%/}

# 4. Configure (debug info, optimised as shipped builds are) and build psql with what it needs.
cd "$srcdir"
if [ ! -f src/Makefile.global ]; then
  say "configuring $srcdir (CFLAGS='-O2 -g')"
  ./configure CFLAGS='-O2 -g' --disable-rpath --without-icu > "$cache/build.log" 2>&1 \
    || { tail -n 20 "$cache/build.log" >&2; die "configure failed; see $cache/build.log."; }
fi
say "building src/bin/psql (about a minute)"
# The catalog headers psql includes are generated; build them first (serially, as the backend's
# Makefile expects), then psql and what it links (libpq, libpgport, libpgcommon, libpgfeutils).
make -s -C src/backend generated-headers >> "$cache/build.log" 2>&1 \
  || { tail -n 20 "$cache/build.log" >&2; die "make generated-headers failed; see $cache/build.log."; }
make -s -j"$(nproc)" -C src/bin/psql >> "$cache/build.log" 2>&1 \
  || { tail -n 20 "$cache/build.log" >&2; die "make failed; see $cache/build.log."; }
mkdir -p "$cache/bin"
cp src/bin/psql/psql "$out.tmp" && mv "$out.tmp" "$out"
basename "$srcdir" > "$cache/bin/VERSION"
say "built $out ($(cat "$cache/bin/VERSION")); it loads $(ldd "$out" | sed -n 's/^[[:space:]]*libpq.so.5 => \([^ ]*\).*/\1/p')"
echo "$out"
