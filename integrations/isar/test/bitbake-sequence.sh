#!/usr/bin/env bash
# Follows, in order, the isar-fetch calls bitbake makes through lib/container_fetcher.py for one recipe:
# urldata_init (localpath), do_fetch (fetch), do_unpack (unpack), then the loader recipe's
# do_install_fetched_containers (image.list), for a multi-arch image, first without and then with a digest.
# Needs: ISAR_FETCH (command), ISAR_TEST_REGISTRY (host:port), ISAR_TEST_INDEX_DIGEST.
set -euo pipefail

fail() { echo "FAIL: $*" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
DL_DIR="$tmp/downloads"
image="$ISAR_TEST_REGISTRY/demo/busybox"
localname=${image//\//.}
read -r -a isar_fetch <<<"$ISAR_FETCH"

for arch in amd64 arm64; do
  for pinned in no yes; do
    url="docker://$image;tag=1.0"
    [ "$pinned" = yes ] && url="docker://$image;digest=$ISAR_TEST_INDEX_DIGEST;tag=1.0"
    WORKDIR="$tmp/work-$arch-$pinned"
    mkdir -p "$WORKDIR"

    # urldata_init
    localfile=$("${isar_fetch[@]}" localpath "$url" --arch "$arch")
    case "$pinned" in
      no) want="container-images/$arch/${localname}_1.0.zst" ;;
      yes) want="container-images/$arch/${localname}_${ISAR_TEST_INDEX_DIGEST/:/-}.zst" ;;
    esac
    [ "$localfile" = "$want" ] || fail "localpath: got $localfile, want $want"

    # do_fetch
    json=$("${isar_fetch[@]}" fetch "$url" --dl-dir "$DL_DIR" --arch "$arch" --strict-checksum 0 --json --quiet 2>"$tmp/stderr")
    [ -s "$DL_DIR/$localfile" ] || fail "do_fetch did not publish $DL_DIR/$localfile"
    [ "$(jq -r .path <<<"$json")" = "$DL_DIR/$localfile" ] || fail "fetch --json path: $json"
    [ "$(jq -r .indexDigest <<<"$json")" = "$ISAR_TEST_INDEX_DIGEST" ] || fail "fetch --json indexDigest: $json"
    if [ "$pinned" = no ]; then
      [ "$(jq -r .srcUri <<<"$json")" = "SRC_URI = \"$url;digest=$ISAR_TEST_INDEX_DIGEST\"" ] ||
        fail "no SRC_URI suggestion in $json"
    else
      [ "$(jq -r '.warning // empty' <<<"$json")" = "" ] || fail "warning for a pinned URL: $json"
    fi
    platform=$(jq -r .platform <<<"$json")
    [ "$platform" = "linux/$arch" ] || [ "$platform" = "linux/$arch/v8" ] || fail "platform $platform for $arch"

    # do_unpack
    unpacked=$("${isar_fetch[@]}" unpack "$url" --dl-dir "$DL_DIR" --arch "$arch" --workdir "$WORKDIR")
    [ "$unpacked" = "$WORKDIR/$localname:1.0.zst" ] || fail "unpack printed $unpacked"
    [ "$(stat -c %i "$unpacked")" = "$(stat -c %i "$DL_DIR/$localfile")" ] || fail "unpack did not hard-link"
    "${isar_fetch[@]}" verify "$unpacked" >/dev/null || fail "verify $unpacked"

    # do_install_fetched_containers of the loader recipe
    mkdir -p "$WORKDIR/image/images"
    ln "$unpacked" "$WORKDIR/image/images/"
    echo "$localname:1.0.zst $image:1.0" >"$WORKDIR/image/image.list"
    echo "ok: $arch, digest pinned: $pinned -> $localfile"
  done
done

# A pinned URL already in DL_DIR is not fetched again: the file stays the same inode and mtime.
url="docker://$image;digest=$ISAR_TEST_INDEX_DIGEST;tag=1.0"
file="$DL_DIR/$("${isar_fetch[@]}" localpath "$url" --arch amd64)"
before=$(stat -c '%i %Y' "$file")
"${isar_fetch[@]}" fetch "$url" --dl-dir "$DL_DIR" --arch amd64 --quiet >/dev/null
[ "$(stat -c '%i %Y' "$file")" = "$before" ] || fail "a cached pinned URL was written again"
echo "ok: cached pinned URL left as it was"
