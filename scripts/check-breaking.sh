#!/usr/bin/env bash
# buf breaking: the API in proto/ against the released API, i.e. the commit named in
# proto/BREAKING_BASELINE (advance it when an API change lands on purpose).
# BUF_BREAKING_AGAINST overrides, e.g. ".git#branch=main" from a feature branch.
set -euo pipefail
cd "$(dirname "$0")/.."
against="${BUF_BREAKING_AGAINST:-}"
if [[ -z "$against" ]]; then
  base=$(tr -d '[:space:]' < proto/BREAKING_BASELINE)
  git cat-file -e "$base:proto/flowdb/v1" || { echo "check-breaking: baseline $base has no proto/flowdb/v1" >&2; exit 1; }
  against=".git#ref=$base"
fi
echo "check-breaking: buf breaking --against $against"
npx --no-install buf breaking --against "$against"
echo "check-breaking: ok"
