#!/bin/sh
# Install the built bundle for the current user: a launcher in ~/.local/bin, the icons in the hicolor
# theme and the .desktop entry (application menu, "Open with" for PNG/JPEG).
#   packaging/install-desktop.sh [BUNDLE_DIR]     (default: dist/oasis-studio)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
bundle=$(cd "${1:-$here/../dist/oasis-studio}" && pwd)
[ -x "$bundle/oasis-studio" ] || { echo "$bundle/oasis-studio: no bundle there (build it first)" >&2; exit 1; }
data=${XDG_DATA_HOME:-$HOME/.local/share}
mkdir -p "$HOME/.local/bin" "$data/applications"
ln -sf "$bundle/oasis-studio" "$HOME/.local/bin/oasis-studio"
for size in 16 32 48 64 128 256; do
    dir="$data/icons/hicolor/${size}x${size}/apps"
    mkdir -p "$dir"
    cp "$here/../resources/icons/oasis-studio-$size.png" "$dir/oasis-studio.png"
done
# Exec with the absolute path, so the menu entry works even when ~/.local/bin is not on PATH
sed "s|^Exec=oasis-studio|Exec=$bundle/oasis-studio|" "$here/oasis-studio.desktop" > "$data/applications/oasis-studio.desktop"
command -v desktop-file-validate >/dev/null && desktop-file-validate "$data/applications/oasis-studio.desktop"
command -v update-desktop-database >/dev/null && update-desktop-database "$data/applications" || true
echo "installed: $data/applications/oasis-studio.desktop -> $bundle/oasis-studio"
