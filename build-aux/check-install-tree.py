#!/usr/bin/env python3
"""Installs the build into a temporary DESTDIR and checks what is there.

Every build: hormiguero and hormiga-node, hormiguero's systemd unit and
example settings, the translations of po/LINGUAS. With the application (what
the Flatpak manifest of this profile expects, under its app-id): the hormiga
binary (the manifest's command), its desktop file (valid, translated, D-Bus
activatable, the hormiga: scheme), metainfo (its ID, translated), D-Bus
service, icon and symbolic icon, and settings schema (compiles strictly).
Without it: none of those.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

from install_helpers import install, read_ini, under

errors = []


def fail(message):
    errors.append(message)


def expect_file(path, executable=False):
    if not os.path.isfile(path):
        fail('missing: %s' % path)
        return False
    if executable and not os.access(path, os.X_OK):
        fail('not executable: %s' % path)
    return True


def check_desktop_file(path, app_id, bindir):
    validator = shutil.which('desktop-file-validate')
    if validator:
        result = subprocess.run([validator, path], stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, check=False)
        if result.returncode != 0 or result.stdout.strip():
            fail('desktop-file-validate %s:\n%s' % (path, result.stdout))
    entry = read_ini(path).get('Desktop Entry', {})
    want = {
        'Icon': app_id,
        'DBusActivatable': 'true',
        'X-GNOME-UsesNotifications': 'true',
        'Type': 'Application',
    }
    for key, value in want.items():
        if entry.get(key) != [value]:
            fail('%s: %s is %r, not %r' % (path, key, entry.get(key), value))
    if 'x-scheme-handler/hormiga' not in entry.get('MimeType', [''])[0].split(';'):
        fail('%s: MimeType lacks x-scheme-handler/hormiga' % path)
    if not entry.get('Exec', [''])[0].startswith('hormiga '):
        fail('%s: Exec does not run hormiga' % path)
    return entry


def check_metainfo(path, app_id):
    root = ET.parse(path).getroot()
    if root.findtext('id') != app_id:
        fail('%s: id is %r' % (path, root.findtext('id')))
    if root.findtext("launchable[@type='desktop-id']") != app_id + '.desktop':
        fail('%s: launchable is not %s.desktop' % (path, app_id))
    return root


def check_translated(desktop_entry, metainfo, desktop_path, metainfo_path, languages):
    lang_attr = '{http://www.w3.org/XML/1998/namespace}lang'
    for lang in languages:
        for key in ('Name', 'Comment', 'Keywords'):
            if '%s[%s]' % (key, lang) not in desktop_entry:
                fail('%s: no %s[%s]' % (desktop_path, key, lang))
        if not any(e.get(lang_attr) == lang for e in metainfo.iter('summary')):
            fail('%s: the summary has no %s translation' % (metainfo_path, lang))
        if not any(e.get(lang_attr) == lang for e in metainfo.iter('p')):
            fail('%s: the description has no %s translation' % (metainfo_path, lang))


def check_svg(path, size):
    if not expect_file(path):
        return
    root = ET.parse(path).getroot()
    if root.tag != '{http://www.w3.org/2000/svg}svg':
        fail('%s is not an SVG image' % path)
    elif root.get('viewBox') != '0 0 %d %d' % (size, size):
        fail('%s: viewBox is %r, not 0 0 %d %d' % (path, root.get('viewBox'), size, size))


def main():
    parser = argparse.ArgumentParser()
    for name in ('meson', 'build-root', 'prefix', 'bindir', 'datadir', 'localedir',
                 'systemd-unit-dir', 'manifest', 'app', 'web', 'app-id'):
        parser.add_argument('--' + name, required=True)
    args = parser.parse_args()
    prefix = args.prefix
    bindir = os.path.join(prefix, args.bindir)
    datadir = os.path.join(prefix, args.datadir)
    localedir = os.path.join(prefix, args.localedir)
    app_id = args.app_id
    source_root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

    destdir = install(args.meson, args.build_root)
    try:
        root = lambda path: under(destdir, path)  # noqa: E731

        # Every build: the server, the headless node, the service, translations.
        expect_file(root(os.path.join(bindir, 'hormiguero')), executable=True)
        expect_file(root(os.path.join(bindir, 'hormiga-node')), executable=True)
        unit = root(os.path.join(prefix, args.systemd_unit_dir, 'hormiguero.service'))
        if expect_file(unit):
            exec_start = read_ini(unit).get('Service', {}).get('ExecStart', [''])[0]
            if not exec_start.startswith(os.path.join(bindir, 'hormiguero') + ' '):
                fail('%s: ExecStart %r does not run %s/hormiguero' % (unit, exec_start, bindir))
        expect_file(root(os.path.join(datadir, 'doc', 'hormiga', 'hormiguero.conf')))
        with open(os.path.join(source_root, 'po', 'LINGUAS'), encoding='utf-8') as f:
            languages = f.read().split()
        for lang in languages:
            expect_file(root(os.path.join(localedir, lang, 'LC_MESSAGES', 'hormiga.mo')))

        # The browser node's page, hormiguero's default web root, where npm
        # was found to build it.
        web = root(os.path.join(datadir, 'hormiga', 'web'))
        if args.web == 'yes':
            for page_file in ('index.html', 'style.css', 'js/ui.js', 'js/node.js',
                              'vendor/msgpack/index.mjs', 'vendor/noble-hashes/blake2.js'):
                expect_file(os.path.join(web, page_file))
        elif os.path.exists(web):
            fail('installed a page that was not built: %s' % web)

        desktop = root(os.path.join(datadir, 'applications', app_id + '.desktop'))
        metainfo = root(os.path.join(datadir, 'metainfo', app_id + '.metainfo.xml'))
        service = root(os.path.join(datadir, 'dbus-1', 'services', app_id + '.service'))
        icon = root(os.path.join(datadir, 'icons/hicolor/scalable/apps', app_id + '.svg'))
        symbolic = root(os.path.join(datadir, 'icons/hicolor/symbolic/apps',
                                     app_id + '-symbolic.svg'))
        schema_dir = root(os.path.join(datadir, 'glib-2.0', 'schemas'))
        schema = os.path.join(schema_dir, app_id + '.gschema.xml')
        app_binary = root(os.path.join(bindir, 'hormiga'))
        app_files = [app_binary, desktop, metainfo, service, icon, symbolic, schema]

        if args.app != 'yes':
            for path in app_files:
                if os.path.exists(path):
                    fail('installed without the application: %s' % path)
        else:
            # What the Flatpak manifest of this profile expects.
            with open(args.manifest, encoding='utf-8') as f:
                manifest = json.load(f)
            if manifest['app-id'] != app_id:
                fail('%s: app-id %s, but this build is %s' % (args.manifest, manifest['app-id'],
                                                             app_id))
            expect_file(root(os.path.join(bindir, manifest['command'])), executable=True)
            if expect_file(desktop):
                entry = check_desktop_file(desktop, app_id, bindir)
            if expect_file(metainfo):
                info = check_metainfo(metainfo, app_id)
            if os.path.isfile(desktop) and os.path.isfile(metainfo):
                check_translated(entry, info, desktop, metainfo, languages)
            if expect_file(service):
                section = read_ini(service).get('D-BUS Service', {})
                if section.get('Name') != [app_id]:
                    fail('%s: Name is %r' % (service, section.get('Name')))
                want = '%s --gapplication-service' % os.path.join(bindir, 'hormiga')
                if section.get('Exec') != [want]:
                    fail('%s: Exec is %r, not %r' % (service, section.get('Exec'), want))
            check_svg(icon, 128)
            check_svg(symbolic, 16)
            if expect_file(schema):
                schema_root = ET.parse(schema).getroot()
                ids = [s.get('id') for s in schema_root.findall('schema')]
                if ids != [app_id]:
                    fail('%s: schema ids %r, not [%r]' % (schema, ids, app_id))
                result = subprocess.run(['glib-compile-schemas', '--strict', '--dry-run',
                                         schema_dir], stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True, check=False)
                if result.returncode != 0:
                    fail('glib-compile-schemas --strict %s:\n%s' % (schema_dir, result.stdout))

        for error in errors:
            print('error:', error)
        if errors:
            sys.exit(1)
        count = sum(len(files) for _, _, files in os.walk(destdir))
        print('%d files installed under %s, as expected (application: %s, %s)'
              % (count, prefix, args.app, app_id))
    finally:
        shutil.rmtree(destdir, ignore_errors=True)


if __name__ == '__main__':
    main()
