#!/usr/bin/env bash
# Renders icon.svg into the PNG sizes tauri.conf.json lists (needs ImageMagick with the rsvg delegate).
set -euo pipefail
cd "$(dirname "$0")"
render() { convert -background none -density 384 icon.svg -resize "$1x$1" "PNG32:$2"; }
render 32 32x32.png
render 128 128x128.png
render 256 128x128@2x.png
render 512 icon.png
