#!/usr/bin/env bash
# Rebuilds assets/demo-library from Debian's soundtrack packages.
#
# The committed excerpts were made with this script; it is kept so anyone can
# check their provenance or make them again. It downloads two packages
# (apt-get download, no install) into a cache outside the clone, then cuts a
# 40-second excerpt from a quarter of the way into each chosen track, keeping
# the original tags and marking the title "(excerpt)".
#
# Needs: apt (for download), dpkg, ffmpeg.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cache=${PLAYGENIE_CACHE:-$HOME/.cache/playgenie}/debs
out=$root/assets/demo-library
seconds=40

mkdir -p "$cache"
cd "$cache"
for pkg in singularity-music wesnoth-1.16-music; do
  ls "$pkg"_*.deb >/dev/null 2>&1 || apt-get download "$pkg"
  [ -d "x/$pkg.done" ] || { dpkg -x "$pkg"_*.deb x && mkdir -p "x/$pkg.done"; }
done

singularity=$cache/x/usr/share/games/singularity/music
wesnoth=$cache/x/usr/share/games/wesnoth/1.16/data/core/music

excerpt() { # SRC DEST_DIR
  local src=$1 dir=$2 title duration start
  title=$(ffprobe -v error -show_entries stream_tags=title -of csv=p=0 "$src" | head -1)
  [ -n "$title" ] || title=$(basename "$src" .ogg)
  duration=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$src")
  start=$(awk -v d="$duration" -v s="$seconds" 'BEGIN { t = d / 4; if (t + s > d) t = d - s; if (t < 0) t = 0; printf "%.1f", t }')
  mkdir -p "$dir"
  ffmpeg -v error -y -ss "$start" -t "$seconds" -i "$src" -map_metadata 0:s:0 \
    -metadata title="$title (excerpt)" -metadata comment="${seconds}-second excerpt from ${start}s of the original" \
    -af "afade=t=in:d=1,afade=t=out:st=$((seconds - 2)):d=2" \
    -c:a libvorbis -q:a 2 "$dir/$(basename "$src")"
  echo "  $dir/$(basename "$src")"
}

rm -rf "$out/Endgame Singularity" "$out/Battle for Wesnoth"
for name in "A New Journey" Awakening Aberrations "Advanced Simulacra" By-Product Coherence \
  Deprecation "Enemy Unknown" Nebula "Orbital Elevator"; do
  excerpt "$singularity/$name.ogg" "$out/Endgame Singularity"
done
for name in breaking_the_chains journeys_end legends_of_the_north northern_mountains \
  battle-epic elvish-theme heroes_rite knolls wanderer elf-land transience \
  into_the_shadows knalgan_theme; do
  excerpt "$wesnoth/$name.ogg" "$out/Battle for Wesnoth"
done
du -sh "$out"
