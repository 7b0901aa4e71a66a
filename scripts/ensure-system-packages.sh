#!/usr/bin/env bash
# `npm test` runs this first (package.json "pretest"): the tests drive real system programs
# (ffprobe/ffmpeg, sox, espeak-ng and libespeak-ng, redis-server, promtool, Chromium, haproxy).
# Missing ones are installed with apt-get when we are root on Debian/Ubuntu; otherwise we stop
# at once and print the one command that installs them, instead of failing tests one by one.
set -euo pipefail

need=()
command -v ffprobe >/dev/null 2>&1 || need+=(ffmpeg)
command -v sox >/dev/null 2>&1 || need+=(sox)
command -v espeak-ng >/dev/null 2>&1 || need+=(espeak-ng)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v promtool >/dev/null 2>&1 || need+=(prometheus)
command -v haproxy >/dev/null 2>&1 || need+=(haproxy)
[[ -x /usr/bin/chromium ]] || need+=(chromium)
{ ldconfig -p 2>/dev/null || true; } | grep -q 'libespeak-ng.so.1' || need+=(libespeak-ng1)

((${#need[@]} == 0)) && exit 0

command_line="apt-get update && apt-get install -y --no-install-recommends ${need[*]}"
if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure-system-packages: installing ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  exit 0
fi

echo "ensure-system-packages: the tests need ${need[*]}, which are not installed." >&2
if command -v apt-get >/dev/null 2>&1; then
  echo "Run as root, then npm test again:  sudo sh -c '$command_line'" >&2
else
  echo "This is not a Debian/Ubuntu machine (no apt-get): install the equivalents of: ${need[*]}" >&2
fi
exit 1
