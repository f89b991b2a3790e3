#!/usr/bin/env bash
# Lays out a real test library from Debian's soundtrack packages, outside the
# clone: $PLAYGENIE_CACHE/test-music/<package>/... (one folder per package, so
# `playgenie bench index` can use the folder as the "same soundtrack" label).
#
#   wesnoth-1.16-music    41 Ogg Vorbis tracks  GPL-2+
#   singularity-music     16 Ogg Vorbis tracks  CC BY-SA 3.0
#   hyperrogue-music      17 Ogg Vorbis tracks  (its music folder only)
#   asc-music              3 MP3 tracks         GPL-2+
#
# Prints the library's path. Needs apt-get (download only, no install) and dpkg.
set -euo pipefail
source "$(dirname "$0")/env.sh"

debs=$PLAYGENIE_CACHE/debs
out=$PLAYGENIE_CACHE/test-music
mkdir -p "$debs" "$out"

fetch() { # PACKAGE
  local pkg=$1
  if ! ls "$debs/$pkg"_*.deb >/dev/null 2>&1; then
    (cd "$debs" && apt-get download "$pkg" >/dev/null 2>&1) || {
      apt-get update -qq >/dev/null && (cd "$debs" && apt-get download "$pkg" >/dev/null)
    }
  fi
  local x=$debs/x-$pkg
  [ -d "$x" ] || dpkg -x "$(ls "$debs/$pkg"_*.deb | head -1)" "$x"
  echo "$x"
}

copy_music() { # SOURCE_DIR PACKAGE [find args...]
  local src=$1 pkg=$2
  shift 2
  if [ ! -d "$out/$pkg" ]; then
    mkdir -p "$out/$pkg.tmp"
    find "$src" -type f "$@" -exec cp {} "$out/$pkg.tmp/" \;
    mv "$out/$pkg.tmp" "$out/$pkg"
  fi
}

x=$(fetch wesnoth-1.16-music)
copy_music "$x/usr/share/games/wesnoth/1.16/data/core/music" wesnoth-1.16-music -name '*.ogg'
x=$(fetch singularity-music)
copy_music "$x/usr/share/games/singularity/music" singularity-music -name '*.ogg'
x=$(fetch hyperrogue-music)
copy_music "$(find "$x" -type d -name music | head -1)" hyperrogue-music -name '*.ogg'
x=$(fetch asc-music)
copy_music "$x" asc-music -iname '*.mp3'

echo "$out"
