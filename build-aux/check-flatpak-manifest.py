#!/usr/bin/env python3
"""Checks the Flatpak manifests offline (CI cannot reach Flathub).

    check-flatpak-manifest.py --source-root DIR --base-id ID MANIFEST...

Each manifest must parse as JSON, use the GNOME runtime at a supported
version, name the application ID that meson gives its profile, ask for no
permission beyond the justified ones, pin every archive by https URL and
sha256 with a note on how that sha256 was verified, and build Hormiga from
this checkout with meson. The files the ID names (desktop file, metainfo,
icons, schema) must exist in data/, and the manifests must differ only in
their ID and profile.
"""
import argparse
import json
import os
import re
import sys
import xml.etree.ElementTree as ET

# GNOME runtimes still supported when this was written; raise it as GNOME
# retires them.
OLDEST_SUPPORTED_GNOME = 50
# Permissions Hormiga may ask for, each justified in the manifest's
# "//finish-args".
ALLOWED_FINISH_ARGS = {
    '--share=network', '--socket=wayland', '--socket=fallback-x11', '--share=ipc',
    '--device=dri', '--filesystem=xdg-download',
}
# The libraries the GNOME runtime lacks.
REQUIRED_MODULES = ['libsodium', 'msgpack-c', 'usrsctp', 'libnice']
RAW_PREFIX = 'https://raw.githubusercontent.com/hormiga/hormiga/main/'

errors = []


def fail(where, message):
    errors.append('%s: %s' % (where, message))


def check_source(where, module, source, source_root, manifest_dir):
    kind = source.get('type')
    if kind in ('archive', 'file'):
        url = source.get('url', '')
        if not url.startswith('https://'):
            fail(where, 'source %r: not an https URL' % url)
        if not re.fullmatch(r'[0-9a-f]{64}', source.get('sha256', '')):
            fail(where, 'source %r: no sha256 (64 lowercase hex digits)' % url)
        note = ' '.join(module.get('//', []))
        if 'sha256' not in note:
            fail(where, 'module %s: its "//" note does not say how the sha256 was verified'
                 % module.get('name'))
    elif kind == 'git':
        if not re.fullmatch(r'[0-9a-f]{40}', source.get('commit', '')):
            fail(where, 'git source %r: not pinned to a commit' % source.get('url'))
    elif kind == 'dir':
        if module.get('name') != 'hormiga':
            fail(where, 'module %s: a local directory source is only for Hormiga itself'
                 % module.get('name'))
        path = os.path.realpath(os.path.join(manifest_dir, source.get('path', '')))
        if path != os.path.realpath(source_root):
            fail(where, 'the dir source %r is not the checkout' % source.get('path'))
    else:
        fail(where, 'module %s: source type %r is not pinned' % (module.get('name'), kind))


def check_data_files(where, app_id, base_id, source_root):
    data = os.path.join(source_root, 'data')
    needed = [
        base_id + '.desktop.in',
        base_id + '.metainfo.xml.in',
        base_id + '.service.in',
        base_id + '.gschema.xml',
        'icons/hicolor/scalable/apps/%s.svg' % app_id,
        'icons/hicolor/symbolic/apps/%s-symbolic.svg' % base_id,
    ]
    for name in needed:
        if not os.path.isfile(os.path.join(data, name)):
            fail(where, 'data/%s is missing' % name)
    metainfo = os.path.join(data, base_id + '.metainfo.xml.in')
    if not os.path.isfile(metainfo):
        return
    root = ET.parse(metainfo).getroot()
    if root.findtext('id') != '@APP_ID@':
        fail(where, 'the metainfo id is not @APP_ID@')
    if root.findtext("launchable[@type='desktop-id']") != '@APP_ID@.desktop':
        fail(where, 'the metainfo launchable is not @APP_ID@.desktop')
    images = root.findall('screenshots/screenshot/image')
    if not images:
        fail(where, 'the metainfo has no screenshot')
    for image in images:
        url = image.text.strip()
        if not url.startswith(RAW_PREFIX):
            fail(where, 'screenshot %s is not a file of this repository' % url)
        elif not os.path.isfile(os.path.join(source_root, url[len(RAW_PREFIX):])):
            fail(where, 'screenshot %s: %s is not in the checkout' % (url, url[len(RAW_PREFIX):]))


def normalized(manifest):
    """The manifest without what may differ between profiles."""
    text = json.dumps(manifest, sort_keys=True)
    text = text.replace(manifest['app-id'], '@APP_ID@')
    text = re.sub(r'-Dprofile=\w+', '-Dprofile=@PROFILE@', text)
    data = json.loads(text)
    data.pop('//', None)
    return data


def check_manifest(path, base_id, source_root):
    where = os.path.relpath(path, source_root)
    try:
        with open(path, encoding='utf-8') as f:
            manifest = json.load(f)
    except (OSError, ValueError) as e:
        fail(where, 'does not parse: %s' % e)
        return None

    app_id = manifest.get('app-id')
    if os.path.basename(path) != '%s.json' % app_id:
        fail(where, 'the file name does not match app-id %r' % app_id)
    if manifest.get('runtime') != 'org.gnome.Platform' or manifest.get('sdk') != 'org.gnome.Sdk':
        fail(where, 'runtime and sdk must be org.gnome.Platform and org.gnome.Sdk')
    version = manifest.get('runtime-version', '')
    if not version.isdigit() or int(version) < OLDEST_SUPPORTED_GNOME:
        fail(where, 'runtime-version %r is not a supported GNOME release (>= %d)'
             % (version, OLDEST_SUPPORTED_GNOME))
    if manifest.get('command') != 'hormiga':
        fail(where, 'command is %r, not hormiga' % manifest.get('command'))

    finish_args = manifest.get('finish-args', [])
    reasons = manifest.get('//finish-args', {})
    for arg in finish_args:
        if arg not in ALLOWED_FINISH_ARGS:
            fail(where, 'finish-arg %s is broader than Hormiga needs' % arg)
        if not reasons.get(arg):
            fail(where, 'finish-arg %s has no reason in "//finish-args"' % arg)
    if '--socket=x11' in finish_args:
        fail(where, '--socket=x11: use --socket=fallback-x11')

    modules = manifest.get('modules', [])
    names = [m.get('name') for m in modules if isinstance(m, dict)]
    for name in REQUIRED_MODULES:
        if name not in names:
            fail(where, 'no module %s' % name)
    if not names or names[-1] != 'hormiga':
        fail(where, 'the last module must be hormiga')
    for module in modules:
        if not isinstance(module, dict):
            fail(where, 'module %r is not inline' % module)
            continue
        if not module.get('sources'):
            fail(where, 'module %s has no sources' % module.get('name'))
        for source in module.get('sources', []):
            check_source(where, module, source, source_root, os.path.dirname(path))

    profile = None
    if names and names[-1] == 'hormiga':
        app = modules[-1]
        if app.get('buildsystem') != 'meson':
            fail(where, 'hormiga is not built with meson')
        opts = [o for o in app.get('config-opts', []) if o.startswith('-Dprofile=')]
        profile = opts[0].split('=', 1)[1] if len(opts) == 1 else None
        expected = {'default': base_id, 'development': base_id + '.Devel'}.get(profile)
        if expected is None:
            fail(where, 'hormiga has no -Dprofile=default or -Dprofile=development')
        elif app_id != expected:
            fail(where, 'app-id %r, but meson names the %s profile %r' % (app_id, profile, expected))
    check_data_files(where, app_id or '', base_id, source_root)
    return manifest


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--source-root', required=True)
    parser.add_argument('--base-id', required=True)
    parser.add_argument('manifests', nargs='+')
    args = parser.parse_args()

    with open(os.path.join(args.source_root, 'meson.build'), encoding='utf-8') as f:
        match = re.search(r"^base_id = '([^']+)'", f.read(), re.M)
    if not match or match.group(1) != args.base_id:
        fail('meson.build', 'base_id is not %s' % args.base_id)

    manifests = [check_manifest(p, args.base_id, args.source_root) for p in args.manifests]
    manifests = [m for m in manifests if m is not None]
    for other in manifests[1:]:
        if normalized(other) != normalized(manifests[0]):
            fail('flatpak/', '%s and %s differ in more than app-id and profile'
                 % (manifests[0]['app-id'], other['app-id']))

    for error in errors:
        print('error:', error)
    if errors:
        sys.exit(1)
    for m in manifests:
        print('%s: %d modules, finish-args %s' % (m['app-id'], len(m['modules']),
                                                 ' '.join(m['finish-args'])))


if __name__ == '__main__':
    main()
