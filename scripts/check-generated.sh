#!/usr/bin/env bash
# Fails when the committed generated code differs from what scripts/gen.sh
# produces (CI drift check). Also runs `buf breaking` against main when a
# `main` branch other than HEAD exists (BUF_BREAKING_AGAINST overrides).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/gen.sh
paths=(server/src/gen clients/ts/src/gen clients/go/gen clients/python/src/flowdb/_gen)
if ! git diff --exit-code --stat -- "${paths[@]}" || [[ -n "$(git ls-files --others --exclude-standard -- "${paths[@]}")" ]]; then
  echo "check-generated: generated code is out of date; run 'bash scripts/gen.sh' and commit" >&2
  git ls-files --others --exclude-standard -- "${paths[@]}" >&2
  exit 1
fi
against="${BUF_BREAKING_AGAINST:-}"
if [[ -z "$against" ]] && git rev-parse -q --verify main >/dev/null && [[ "$(git rev-parse main)" != "$(git rev-parse HEAD)" ]]; then
  against=".git#branch=main"
fi
if [[ -n "$against" ]]; then
  if git show main:buf.yaml >/dev/null 2>&1 || [[ -n "${BUF_BREAKING_AGAINST:-}" ]]; then
    npx --no-install buf breaking --against "$against"
  fi
fi
echo "check-generated: ok"
