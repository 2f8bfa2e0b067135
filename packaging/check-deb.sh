#!/usr/bin/env bash
# Builds the .deb in a build folder, unpacks it into a scratch root (dpkg-deb -x: no root needed,
# nothing of the machine's is touched) and checks it from there:
#   - every Depends clause is satisfied by an installed package (so `dpkg -i` would succeed),
#   - the installed binaries find all their shared libraries,
#   - `sightglass-cli --version` reports the package's version,
#   - `sightglass-cli predict` classifies installed samples with the installed demo models as
#     their ground truth says (the cues sample's truth.json, the fashion sample's file name),
#   - the GUI's headless smoke run opens the demo model and samples of the scratch root,
#   - the .desktop entry and the AppStream metainfo validate, the icon they name is installed,
#   - the metainfo and the changelog have an entry for the package's version,
#   - the man pages render without warnings.
# The binaries find their data relative to themselves (<bin>/../share/sightglass), so the
# unpacked tree is checked exactly as installed; SIGHTGLASS_DATA_DIR is cleared so that nothing
# else can stand in for it.
#   packaging/check-deb.sh [BUILD_DIR]        (default: build; ctest runs it as `package_deb`)
set -euo pipefail

source_dir=$(cd "$(dirname "$0")/.." && pwd)
build_dir=$(cd "${1:-$source_dir/build}" && pwd)
unset SIGHTGLASS_DATA_DIR

fail() {
  echo "check-deb: FAIL: $*" >&2
  exit 1
}
step() { echo "check-deb: $*"; }

# CPack writes into _CPack_Packages/ and the build folder; one at a time (ctest RUN_SERIAL too).
step "building the package (cpack in $build_dir)"
rm -f "$build_dir"/sightglass_*.deb
(cd "$build_dir" && cpack -G DEB >cpack.log 2>&1) || {
  cat "$build_dir/cpack.log" >&2
  fail "cpack failed (log above)"
}
debs=("$build_dir"/sightglass_*.deb)
[[ -f "${debs[0]}" && ${#debs[@]} -eq 1 ]] || fail "expected one sightglass_*.deb in $build_dir, found: ${debs[*]}"
deb=${debs[0]}
version=$(dpkg-deb -f "$deb" Version)
step "$(basename "$deb"): $(du -h "$deb" | cut -f1), version $version"
echo "  Depends: $(dpkg-deb -f "$deb" Depends)"

root=$(mktemp -d "${TMPDIR:-/tmp}/sightglass-deb.XXXXXX")
root=$(cd "$root" && pwd -P) # the programs see their own path with links resolved
trap 'rm -rf "$root"' EXIT
dpkg-deb -x "$deb" "$root"
prefix=$root/usr
data=$prefix/share/sightglass
cli=$prefix/bin/sightglass-cli

step "dependencies"
depends=$(dpkg-deb -f "$deb" Depends)
[[ -n "$depends" ]] || fail "the package declares no Depends"
# One clause per comma; a clause holds when any of its alternatives is installed at a version
# that satisfies it.
satisfied() {
  local alternative name relation wanted have
  local IFS='|'
  for alternative in $1; do
    alternative=$(echo "$alternative" | xargs)
    name=${alternative%% *}
    have=$(dpkg-query -W -f='${Status} ${Version}' "$name" 2>/dev/null | awk '$3 == "installed" { print $4 }')
    [[ -n "$have" ]] || continue
    if [[ "$alternative" =~ \((.*)\ (.*)\) ]]; then
      relation=${BASH_REMATCH[1]}
      wanted=${BASH_REMATCH[2]}
      case $relation in '>=') relation=ge ;; '<=') relation=le ;; '>>') relation=gt ;; '<<') relation=lt ;; '=') relation=eq ;; esac
      dpkg --compare-versions "$have" "$relation" "$wanted" || continue
    fi
    return 0
  done
  return 1
}
IFS=',' read -ra clauses <<<"$depends"
for clause in "${clauses[@]}"; do
  satisfied "$clause" || fail "Depends clause '$(echo "$clause" | xargs)' is not satisfied on this machine"
done

step "shared libraries of the installed binaries"
for binary in "$prefix"/bin/*; do
  missing=$(ldd "$binary" | grep 'not found' || true)
  [[ -z "$missing" ]] || fail "$binary: $missing"
done

step "sightglass-cli --version"
out=$("$cli" --version)
echo "  $out"
[[ "$out" == "sightglass-cli $version" ]] || fail "--version says '$out', the package is $version"

step "sightglass-cli predict on installed samples with the installed demo models"
cues_sample=$data/resources/samples/cues/00000.png
fashion_sample=$data/resources/samples/fashion/0000_ankle-boot.png
cues_json=$("$cli" --threads 2 predict --json --topk 1 --model "$data/models/demo/cues.pt" "$cues_sample")
fashion_json=$("$cli" --threads 2 predict --json --topk 1 --model "$data/models/demo/fashion.pt" "$fashion_sample")
python3 - "$cues_json" "$fashion_json" "$data/resources/samples/cues/truth.json" <<'EOF'
import json, sys
cues, fashion = json.loads(sys.argv[1])[0], json.loads(sys.argv[2])[0]
truth = {image["file"]: image for image in json.load(open(sys.argv[3]))["images"]}
top = cues["top"][0]
want = truth["00000.png"]["label_name"]
print(f"  cues 00000.png: {top['label']} ({top['probability']:.4f}); truth {want}")
assert top["label"] == want, "the cues model's top class is not the sample's true class"
top = fashion["top"][0]
print(f"  fashion 0000_ankle-boot.png: {top['label']} ({top['probability']:.4f})")
assert top["label"].lower().replace(" ", "-") == "ankle-boot", "the fashion model's top class is not ankle boot"
EOF

step "the .desktop entry, the AppStream metainfo and the icon"
desktop=("$prefix"/share/applications/*.desktop)
metainfo=("$prefix"/share/metainfo/*.metainfo.xml)
if [[ -x "$prefix/bin/sightglass" ]]; then
  [[ -f "${desktop[0]}" && -f "${metainfo[0]}" ]] || fail "the GUI is installed without its .desktop or metainfo"
  desktop-file-validate "${desktop[@]}" || fail "desktop-file-validate: ${desktop[*]}"
  echo "  desktop-file-validate: ok"
  appstreamcli validate --no-net "${metainfo[@]}" || fail "appstreamcli validate: ${metainfo[*]}"
  icon=$(sed -n 's/^Icon=//p' "${desktop[0]}")
  exec_name=$(sed -n 's/^Exec=\([^ ]*\).*/\1/p' "${desktop[0]}")
  [[ -x "$prefix/bin/$exec_name" ]] || fail "the .desktop's Exec=$exec_name is not an installed program"
  find "$prefix/share/icons/hicolor" -name "$icon.svg" -o -name "$icon.png" | grep -q . \
    || fail "the .desktop's Icon=$icon is not in share/icons/hicolor"
  id=$(basename "${metainfo[0]}" .metainfo.xml)
  grep -q "<launchable type=\"desktop-id\">$(basename "${desktop[0]}")</launchable>" "${metainfo[0]}" \
    || fail "the metainfo does not launch $(basename "${desktop[0]}")"
  [[ "$(basename "${desktop[0]}" .desktop)" == "$id" ]] || fail "the .desktop is not named after the component id $id"
  grep -q "<release version=\"$version\"" "${metainfo[0]}" || fail "the metainfo has no <release> for $version"

  step "sightglass (GUI) headless smoke run from the scratch root"
  shot="$root/smoke.png"
  # Its settings and runtime files go into the scratch root, not the user's home.
  mkdir -m 700 "$root/runtime"
  out=$(env -u DISPLAY -u WAYLAND_DISPLAY QT_QPA_PLATFORM=offscreen XDG_CONFIG_HOME="$root/config" \
    XDG_CACHE_HOME="$root/cache" XDG_DATA_HOME="$root/data" XDG_RUNTIME_DIR="$root/runtime" \
    "$prefix/bin/sightglass" --threads 2 --screenshot "$shot" 2>&1) || {
    echo "$out" >&2
    fail "the installed GUI's smoke run failed"
  }
  echo "$out" | sed 's/^/  /'
  grep -qxF "sightglass: model $data/models/demo/cues.pt" <<<"$out" \
    || fail "the GUI did not open the installed demo model ($data/models/demo/cues.pt)"
  grep -qxF "sightglass: images $data/resources/samples/cues" <<<"$out" \
    || fail "the GUI did not open the installed samples ($data/resources/samples/cues)"
  [[ -s "$shot" ]] || fail "the GUI wrote no screenshot"
else
  echo "  (headless build: no GUI, no .desktop or metainfo)"
fi

step "changelog"
changelog_version=$(gzip -dc "$prefix/share/doc/sightglass/changelog.gz" | sed -n '1s/^sightglass (\([^)]*\)).*/\1/p')
[[ "$changelog_version" == "$version" ]] || fail "the changelog's latest entry is '$changelog_version', the package is $version"
echo "  latest entry $changelog_version"

step "man pages"
pages=("$prefix"/share/man/man1/*.1.gz)
[[ -f "${pages[0]}" ]] || fail "no man pages in share/man/man1"
for page in "${pages[@]}"; do
  warnings=$(MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
  [[ -z "$warnings" ]] || fail "$page: $warnings"
  rendered=$(MANWIDTH=80 man -l "$page" 2>/dev/null)
  name=$(basename "$page" .1.gz)
  grep -q "^NAME" <<<"$rendered" && grep -q "$name" <<<"$rendered" || fail "$page does not render a NAME section"
  grep -qF "$version" <<<"$rendered" || fail "$page does not carry version $version"
  echo "  $(basename "$page"): $(wc -l <<<"$rendered") lines"
done

step "ok: $(basename "$deb") installs and works from $root"
