#!/usr/bin/env python3
"""Starts the installed application the way DBusActivatable=true does.

Installs the build into a temporary DESTDIR, then runs a private session bus
whose only service directory holds the installed D-Bus service file (its
Exec pointed into DESTDIR), and calls org.freedesktop.Application.Activate
on the application's ID: the bus must start `hormiga --gapplication-service`,
which must take the name and answer. The app.quit action then ends it.
Needs a display (meson runs it under xvfb-run), dbus-daemon and gdbus.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

from install_helpers import install, read_ini, under

BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir={work}</listen>
  <servicedir>{services}</servicedir>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


def gdbus(address, *args, timeout=60):
    env = dict(os.environ, DBUS_SESSION_BUS_ADDRESS=address)
    return subprocess.run(['gdbus', 'call', '--session', '--timeout', str(timeout)] + list(args),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          env=env, check=False)


def main():
    parser = argparse.ArgumentParser()
    for name in ('meson', 'build-root', 'prefix', 'bindir', 'datadir', 'app-id'):
        parser.add_argument('--' + name, required=True)
    args = parser.parse_args()
    if not os.environ.get('DISPLAY'):
        print('no display: run under xvfb-run')
        sys.exit(77)
    for tool in ('dbus-daemon', 'gdbus'):
        if not shutil.which(tool):
            print('no %s' % tool)
            sys.exit(77)
    app_id = args.app_id
    object_path = '/' + app_id.replace('.', '/')
    datadir = os.path.join(args.prefix, args.datadir)

    destdir = install(args.meson, args.build_root)
    work = tempfile.mkdtemp(prefix='hormiga-dbus-')
    bus = None
    try:
        services = os.path.join(work, 'services')
        os.mkdir(services)
        service = under(destdir, os.path.join(datadir, 'dbus-1', 'services', app_id + '.service'))
        exec_line = read_ini(service)['D-BUS Service']['Exec'][0]
        binary, rest = exec_line.split(' ', 1)
        if binary != os.path.join(args.prefix, args.bindir, 'hormiga'):
            sys.exit('%s: Exec runs %s' % (service, binary))
        with open(service, encoding='utf-8') as f:
            text = f.read()
        with open(os.path.join(services, app_id + '.service'), 'w', encoding='utf-8') as f:
            f.write(text.replace('Exec=' + binary, 'Exec=' + under(destdir, binary)))

        # The installed schema, compiled here (meson skips that with DESTDIR).
        schemas = os.path.join(work, 'schemas')
        os.mkdir(schemas)
        subprocess.run(['glib-compile-schemas', '--strict', '--targetdir', schemas,
                        under(destdir, os.path.join(datadir, 'glib-2.0', 'schemas'))], check=True)

        config = os.path.join(work, 'bus.conf')
        with open(config, 'w', encoding='utf-8') as f:
            f.write(BUS_CONFIG.format(work=work, services=services))
        # What the bus passes on to the services it starts.
        bus_env = dict(os.environ,
                       GSETTINGS_SCHEMA_DIR=schemas, GSETTINGS_BACKEND='memory',
                       HORMIGA_DATA_DIR=os.path.join(work, 'data'),
                       XDG_DATA_HOME=os.path.join(work, 'xdg-data'),
                       GDK_BACKEND='x11', GSK_RENDERER='cairo', GDK_DEBUG='gl-disable',
                       GTK_A11Y='none')
        bus = subprocess.Popen(['dbus-daemon', '--nofork', '--print-address=1',
                                '--config-file=' + config],
                               stdout=subprocess.PIPE, text=True, env=bus_env)
        address = bus.stdout.readline().strip()
        if not address:
            sys.exit('dbus-daemon did not start')
        print('session bus: ' + address)

        started = time.monotonic()
        result = gdbus(address, '--dest', app_id, '--object-path', object_path,
                       '--method', 'org.freedesktop.Application.Activate', '{}')
        if result.returncode != 0:
            sys.exit('Activate on %s failed:\n%s' % (app_id, result.stdout))
        print('%s activated through D-Bus in %.1f s' % (app_id, time.monotonic() - started))

        result = gdbus(address, '--dest', 'org.freedesktop.DBus', '--object-path',
                       '/org/freedesktop/DBus', '--method',
                       'org.freedesktop.DBus.GetConnectionUnixProcessID', app_id)
        if result.returncode != 0:
            sys.exit('nobody owns %s:\n%s' % (app_id, result.stdout))
        print('%s is owned by process %s' % (app_id, result.stdout.strip()))

        result = gdbus(address, '--dest', app_id, '--object-path', object_path,
                       '--method', 'org.freedesktop.Application.ActivateAction', 'quit', '[]',
                       '{}')
        if result.returncode != 0:
            sys.exit('app.quit failed:\n%s' % result.stdout)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            result = gdbus(address, '--dest', 'org.freedesktop.DBus', '--object-path',
                           '/org/freedesktop/DBus', '--method',
                           'org.freedesktop.DBus.NameHasOwner', app_id)
            if result.stdout.strip() == '(false,)':
                print('app.quit: %s left the bus' % app_id)
                break
            time.sleep(0.2)
        else:
            sys.exit('%s still owns its name 30 s after app.quit' % app_id)
    finally:
        if bus is not None:
            bus.terminate()
            bus.wait()
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(destdir, ignore_errors=True)


if __name__ == '__main__':
    main()
