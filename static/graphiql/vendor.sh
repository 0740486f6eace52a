#!/usr/bin/env bash
# Re-fetch the GraphiQL files from the npm registry into static/graphiql/ (see README.md beside this file).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
npm pack --silent react@18.2.0 react-dom@18.2.0 js-cookie@3.0.5 graphiql@3.8.3 @graphiql/plugin-explorer@1.0.2 >/dev/null
for archive in *.tgz; do mkdir "${archive%.tgz}" && tar xzf "$archive" -C "${archive%.tgz}"; done
cp react-18.2.0/package/umd/react.production.min.js "$here/"
cp react-dom-18.2.0/package/umd/react-dom.production.min.js "$here/"
cp js-cookie-3.0.5/package/dist/js.cookie.min.js "$here/"
cp graphiql-3.8.3/package/graphiql.min.js graphiql-3.8.3/package/graphiql.min.css "$here/"
cp graphiql-plugin-explorer-1.0.2/package/dist/index.umd.js "$here/plugin-explorer.umd.js"
cp graphiql-plugin-explorer-1.0.2/package/dist/style.css "$here/plugin-explorer.css"
# Print the integrity values to compare with the template.
for file in "$here"/*.js "$here"/*.css; do
  echo "$(basename "$file") sha384-$(openssl dgst -sha384 -binary "$file" | base64 -w0)"
done
