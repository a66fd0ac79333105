#!/bin/bash
set -euo pipefail
src=${1:?usage: backup.sh DIR s3://bucket/prefix}
dest=${2:?usage: backup.sh DIR s3://bucket/prefix}
name="$(basename "$src")-$(date +%Y%m%d-%H%M%S).tar.gz"
tar --exclude=node_modules --exclude=.venv -czf "/tmp/$name" -C "$(dirname "$src")" "$(basename "$src")"
ls -lh "/tmp/$name"
aws s3 cp "/tmp/$name" "$dest/$name"
rm -f "/tmp/$name"
echo "backed up to $dest/$name"
