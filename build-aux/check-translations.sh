#!/usr/bin/env bash
# Fails unless the translation LANG covers every string the sources mark for
# translation, with nothing fuzzy: builds a fresh template from
# po/POTFILES.in with xgettext (the keywords of meson's glib preset), merges
# po/LANG.po into it and reads msgfmt's statistics. Also fails if
# po/POTFILES.in is not sorted or misses a file with translatable strings.
#
#   build-aux/check-translations.sh SOURCE_DIR LANG
set -euo pipefail

src=${1:?usage: check-translations.sh SOURCE_DIR LANG}
lang=${2:?usage: check-translations.sh SOURCE_DIR LANG}
cd "$src"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0

grep -v -e '^#' -e '^$' po/POTFILES.in > "$tmp/files"
if ! LC_ALL=C sort -c "$tmp/files" 2>/dev/null; then
  echo "po/POTFILES.in is not sorted (LC_ALL=C sort)"
  status=1
fi

# Every application source with a marked string, and every schema.
while IFS= read -r file; do
  if ! grep -qxF "$file" "$tmp/files"; then
    echo "$file has translatable strings but is not in po/POTFILES.in"
    status=1
  fi
done < <(
  grep -rlE '(^|[^[:alnum:]_])N?_ ?\(|g_dngettext|translatable="yes"' src/app \
    --include='*.c' --include='*.ui' | LC_ALL=C sort
  ls data/*.gschema.xml
)

xgettext --from-code=UTF-8 --add-comments --package-name=hormiga \
  --keyword=_ --keyword=N_ --keyword=C_:1c,2 --keyword=NC_:1c,2 \
  --keyword=g_dcgettext:2 --keyword=g_dngettext:2,3 --keyword=g_dpgettext2:2c,3 \
  --files-from="$tmp/files" --output="$tmp/hormiga.pot"
msgmerge --quiet --no-fuzzy-matching "po/$lang.po" "$tmp/hormiga.pot" --output-file="$tmp/$lang.po"
stats=$(LC_ALL=C msgfmt --check --statistics --output-file=/dev/null "$tmp/$lang.po" 2>&1)
echo "$lang: $stats"
case $stats in
  *untranslated* | *fuzzy*)
    echo "po/$lang.po is incomplete: update it (msgmerge) and translate every message"
    status=1
    ;;
esac
exit $status
