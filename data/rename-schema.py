#!/usr/bin/env python3
"""Writes the GSettings schema for an application ID.

    rename-schema.py INPUT OUTPUT BASE_ID APP_ID

INPUT is the schema of BASE_ID; OUTPUT gets the same keys under the schema
id APP_ID and the path derived from it, so that the Devel profile keeps
settings of its own. Fails unless INPUT names BASE_ID's id and path once.
"""
import sys


def main():
    source, output, base_id, app_id = sys.argv[1:]
    with open(source, encoding='utf-8') as f:
        text = f.read()
    replacements = [
        ('id="%s"' % base_id, 'id="%s"' % app_id),
        ('path="/%s/"' % base_id.replace('.', '/'), 'path="/%s/"' % app_id.replace('.', '/')),
    ]
    for old, new in replacements:
        if text.count(old) != 1:
            sys.exit('%s: expected %s once, found it %d times' % (source, old, text.count(old)))
        text = text.replace(old, new)
    with open(output, 'w', encoding='utf-8') as f:
        f.write(text)


if __name__ == '__main__':
    main()
