#!/bin/sh
# Builds an OCI layout of real files for the throughput benchmark: 4 gzip layers (like Debian images),
# about 600 MB uncompressed. Usage: make-layout.sh <dir>
set -eu
dir=$1
[ -f "$dir/index.json" ] && exit 0
mkdir -p "$dir/blobs/sha256" "$dir/tmp"
i=0; diffs=""; layers=""
for src in "/usr/lib/x86_64-linux-gnu:250M" "/usr/share:150M" "/usr/bin:150M" "/usr/include:60M"; do
  path=${src%%:*}; size=${src##*:}
  tar -C / -cf - --sort=name --mtime=@0 --owner=0 --group=0 "${path#/}" 2>/dev/null | head -c "$size" > "$dir/tmp/l$i.tar" || true
  # head cuts the tar mid-entry: re-pack as a valid tar of what was cut is not needed for the writer,
  # but docker-style consumers want a valid tar, so append an end-of-archive marker.
  dd if=/dev/zero bs=1024 count=1 2>/dev/null >> "$dir/tmp/l$i.tar"
  diff=$(sha256sum "$dir/tmp/l$i.tar" | cut -d' ' -f1)
  pigz -6 -n -c "$dir/tmp/l$i.tar" > "$dir/tmp/l$i.tar.gz"
  blob=$(sha256sum "$dir/tmp/l$i.tar.gz" | cut -d' ' -f1)
  bsize=$(stat -c%s "$dir/tmp/l$i.tar.gz")
  mv "$dir/tmp/l$i.tar.gz" "$dir/blobs/sha256/$blob"
  diffs="$diffs${diffs:+,}\"sha256:$diff\""
  layers="$layers${layers:+,}{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"sha256:$blob\",\"size\":$bsize}"
  i=$((i+1))
done
rm -rf "$dir/tmp"
printf '{"architecture":"amd64","os":"linux","config":{"Cmd":["/bin/sh"]},"rootfs":{"type":"layers","diff_ids":[%s]}}' "$diffs" > "$dir/config.json"
c=$(sha256sum "$dir/config.json" | cut -d' ' -f1); csize=$(stat -c%s "$dir/config.json"); mv "$dir/config.json" "$dir/blobs/sha256/$c"
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[%s]}' "$c" "$csize" "$layers" > "$dir/manifest.json"
m=$(sha256sum "$dir/manifest.json" | cut -d' ' -f1); msize=$(stat -c%s "$dir/manifest.json"); mv "$dir/manifest.json" "$dir/blobs/sha256/$m"
echo '{"imageLayoutVersion":"1.0.0"}' > "$dir/oci-layout"
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"bench"}}]}' "$m" "$msize" > "$dir/index.json"
