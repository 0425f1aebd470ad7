#!/bin/sh
# Build free-threaded CPython (PEP 703, ./configure --disable-gil) from Debian's source
# package, into a prefix git ignores. Called by mk/python-ft.mk; every setting comes from
# the environment it exports.
#
# The source: `apt-get source --download-only` with a private apt state (its own
# sources file, lists and cache under $PYTHON_FT_CACHE), so nothing under /etc/apt or
# /var/lib/apt changes and no package from the newer suite is installed system-wide.
# apt verifies the files against the suite's signed Sources index. The upstream tarball
# (*.orig.tar.xz) is built as is: Debian's patches adapt CPython to Debian's own layout
# (they disable ensurepip, add the posix_local scheme), which a private prefix does not want.
#
# Exit codes: 0 built (or already built), 3 cannot build on this machine (not root for
# the build packages, or no source reachable), 1 the build itself failed.
set -eu

cache=${PYTHON_FT_CACHE:?} prefix=${PYTHON_FT_PREFIX:?} suite=${PYTHON_FT_SUITE:?}
package=${PYTHON_FT_PACKAGE:?} mirror=${PYTHON_FT_MIRROR:?} jobs=${PYTHON_FT_JOBS:-2}
build_deps=${PYTHON_FT_BUILD_DEPS:?}
log=$cache/build.log
# Why it could not build, for the tests that then skip (tests/gil/conftest.py reads it).
status=$cache/unavailable.txt
mkdir -p "$cache"; rm -f "$status"

cannot() { echo "python-ft: cannot build free-threaded Python here: $*" | tee "$status" >&2; exit 3; }
failed() { echo "python-ft: $* (log: $log)" >&2; tail -15 "$log" >&2 || true; exit 1; }

# The build packages come from this machine's own suite; only root can install them.
missing=$(for p in $build_deps; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || echo "$p"; done)
if [ -n "$missing" ]; then
  [ "$(id -u)" = 0 ] || cannot "missing build packages ($(echo $missing)); run 'sudo apt-get install $(echo $missing)' or make as root"
  echo "python-ft: installing build packages from this machine's suite: $(echo $missing)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null 2>&1 \
    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null; } \
    || cannot "apt-get could not install $(echo $missing)"
fi

mkdir -p "$cache/apt/lists/partial" "$cache/apt/cache/archives/partial" "$cache/src"
: >"$log"
sources=$cache/apt/$suite-src.list
# The deb-src entry lives only for the download; removed on every exit path.
trap 'rm -f "$sources"' EXIT INT TERM
echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $suite main" >"$sources"
apt_private="-o Dir::Etc::SourceList=$sources -o Dir::Etc::SourceParts=/nonexistent
  -o Dir::State::Lists=$cache/apt/lists -o Dir::Cache=$cache/apt/cache -o APT::Sandbox::User=$(id -un)"

tarball=$(ls "$cache"/src/"$package"_*.orig.tar.xz 2>/dev/null | tail -1 || true)
if [ -z "$tarball" ]; then
  echo "python-ft: fetching the $package source package from Debian $suite ($mirror)"
  apt-get $apt_private --error-on=any update >>"$log" 2>&1 || cannot "apt-get update of $mirror $suite failed (offline?): $(tail -1 "$log")"
  (cd "$cache/src" && apt-get $apt_private source --download-only "$package") >>"$log" 2>&1 \
    || cannot "apt-get source $package from $suite failed: $(tail -1 "$log")"
  tarball=$(ls "$cache"/src/"$package"_*.orig.tar.xz | tail -1)
fi
rm -f "$sources"

version=$(basename "$tarball" .orig.tar.xz); version=${version#"$package"_}
tree=$cache/build/Python-$version
echo "python-ft: building CPython $version --disable-gil into $prefix (about 5 minutes on 2 cores; log: $log)"
rm -rf "$cache/build" "$prefix"; mkdir -p "$cache/build"
tar -C "$cache/build" -xJf "$tarball" || failed "could not unpack $tarball"
cd "$tree"
./configure --disable-gil --prefix="$prefix" --with-ensurepip=install >>"$log" 2>&1 || failed "configure failed"
make -j"$jobs" >>"$log" 2>&1 || failed "make failed"
make install >>"$log" 2>&1 || failed "make install failed"
rm -rf "$cache/build"
python_t=$prefix/bin/python${package#python}t   # python3.13t: the free-threaded ABI's "t"
"$python_t" -c 'import sys, sysconfig, ssl, zlib, ctypes; assert sysconfig.get_config_var("Py_GIL_DISABLED") == 1; assert not sys._is_gil_enabled()' \
  || failed "the installed interpreter is not free-threaded or lacks ssl/zlib/ctypes"
touch "$prefix/.built"      # make's target: only a complete, checked install has it
echo "python-ft: $python_t ready (CPython $version, GIL disabled)"
