#!/bin/sh
# Qt (even offscreen) needs a few shared libraries and a font, else it fails to load or draws
# text as boxes. Install them when we can (root with apt); otherwise print the exact command.
set -eu
PKGS="libgl1 libegl1 libxkbcommon0 libfontconfig1 libglib2.0-0 libdbus-1-3 fonts-dejavu-core"

command -v dpkg-query >/dev/null 2>&1 || {
    echo "note: not a Debian-like system; make sure Qt's libraries ($PKGS) are installed." >&2
    exit 0
}
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Qt's system libraries:$missing"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing
else
    echo "Qt needs these system packages, which are missing:$missing" >&2
    echo "Run:  sudo apt-get install -y$missing" >&2
    exit 1
fi
