#!/usr/bin/env bash
# Renders icon.svg into the PNG sizes tauri.conf.json lists (needs ImageMagick with the rsvg delegate): the
# hicolor theme's sizes, so menus, docks and file managers never scale a bitmap up.
set -euo pipefail
cd "$(dirname "$0")"
render() { convert -background none -density 384 icon.svg -resize "$1x$1" "PNG32:$2"; }
for size in 16 24 32 48 64 128 256; do
  render "$size" "${size}x${size}.png"
done
render 256 128x128@2x.png
render 512 icon.png
