#!/usr/bin/env bash
# Vendors the Zendesk Apps Framework SDK into assets/, so the app loads it
# from its own package instead of Zendesk's CDN (which tests cannot reach).
# npm ships the SDK as CommonJS sources (lib/), not the built zaf_sdk.min.js
# the CDN serves; esbuild bundles them into the same browser global,
# ZAFClient. Run it to move to another version; the result is committed.
set -euo pipefail
cd "$(dirname "$0")"
SDK_VERSION=2.0.11
ESBUILD_VERSION=0.25.12
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "zendesk_app_framework_sdk@$SDK_VERSION" >/dev/null && tar xzf ./*.tgz &&
	npm install --silent --no-save --prefix "$work" "esbuild@$ESBUILD_VERSION" >/dev/null)
"$work/node_modules/.bin/esbuild" "$work/package/lib/index.js" --bundle --minify --format=iife \
	--global-name=ZAFClient --target=es2017 --legal-comments=inline \
	--banner:js="/*! zendesk_app_framework_sdk $SDK_VERSION (npm), Apache-2.0, bundled by vendor-sdk.sh */" \
	--outfile=assets/zaf_sdk.min.js
cp "$work/package/LICENSE" assets/zaf_sdk.LICENSE.txt
echo "vendored zendesk_app_framework_sdk $SDK_VERSION into assets/zaf_sdk.min.js"
