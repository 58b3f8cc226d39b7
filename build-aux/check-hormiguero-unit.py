#!/usr/bin/env python3
"""Starts the installed hormiguero as its systemd unit would, and joins it.

Installs the build into a temporary DESTDIR, reads hormiguero.service there
and checks its sandbox, then runs its ExecStart line with the unit's
Environment= and a settings file of the test's own in place of
EnvironmentFile= (listening on 127.0.0.1, port 0, with options that must
reach hormiguero as separate words), expanding ${VAR} and $VAR as systemd
does. The installed hormiga-node must then be admitted by it, /healthz must
answer, and SIGTERM must stop it cleanly. With systemd-analyze, the unit must
also pass `systemd-analyze verify`.
"""
import argparse
import os
import re
import select
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

from install_helpers import install, read_ini, under

# Sandboxing the unit must keep (key, word the value must contain).
SANDBOX = [
    ('DynamicUser', 'yes'), ('NoNewPrivileges', 'yes'), ('ProtectSystem', 'strict'),
    ('ProtectHome', 'yes'), ('PrivateTmp', 'yes'), ('PrivateDevices', 'yes'),
    ('RestrictAddressFamilies', 'AF_INET'), ('RestrictAddressFamilies', 'AF_INET6'),
    ('CapabilityBoundingSet', ''), ('SystemCallFilter', '@system-service'),
]
# systemd-analyze security's exposure score (0 to 10, lower is safer); the
# unit scored 1.2 with systemd 252.
MAX_EXPOSURE = 2.0


def expand(command, env):
    """systemd's ExecStart expansion: ${VAR} is one word, $VAR splits at spaces."""
    words = []
    for word in shlex.split(command):
        whole = re.fullmatch(r'\$([A-Za-z_][A-Za-z0-9_]*)', word)
        if whole:
            words.extend(env.get(whole.group(1), '').split())
            continue
        words.append(re.sub(r'\$\{([A-Za-z_][A-Za-z0-9_]*)\}',
                            lambda m: env.get(m.group(1), ''), word))
    return words


def read_env_file(path):
    env = {}
    with open(path, encoding='utf-8') as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith('#') and '=' in line:
                key, value = line.split('=', 1)
                env[key.strip()] = value.strip()
    return env


# Bytes read from each process and not yet cut into lines.
_pending = {}


def read_line(proc, pattern, timeout, seen):
    """Reads PROC's stdout until a line matches PATTERN; returns the match.

    Reads the pipe's file descriptor directly: select() on the buffered
    text stream would miss lines already in its buffer (two lines arriving
    together), and wait for the timeout with the line at hand."""
    deadline = time.monotonic() + timeout
    fd = proc.stdout.fileno()
    buffer = _pending.get(proc.pid, b'')
    try:
        while True:
            while b'\n' in buffer:
                line, buffer = buffer.split(b'\n', 1)
                text = line.decode('utf-8', 'replace')
                seen.append(text.rstrip())
                match = re.search(pattern, text)
                if match:
                    return match
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            ready, _, _ = select.select([fd], [], [], remaining)
            if not ready:
                return None
            chunk = os.read(fd, 65536)
            if not chunk:
                return None
            buffer += chunk
    finally:
        _pending[proc.pid] = buffer


def main():
    parser = argparse.ArgumentParser()
    for name in ('meson', 'build-root', 'prefix', 'bindir', 'systemd-unit-dir'):
        parser.add_argument('--' + name, required=True)
    args = parser.parse_args()
    bindir = os.path.join(args.prefix, args.bindir)

    destdir = install(args.meson, args.build_root)
    work = tempfile.mkdtemp(prefix='hormiga-unit-')
    server = None
    try:
        unit_path = under(destdir, os.path.join(args.prefix, args.systemd_unit_dir,
                                                'hormiguero.service'))
        service = read_ini(unit_path).get('Service', {})
        for key, word in SANDBOX:
            values = ' '.join(service.get(key, ['<unset>']))
            if key not in service or (word and word not in values.split()):
                sys.exit('%s: %s=%s, expected %s' % (unit_path, key, values, word or 'empty'))
        print('sandbox: ' + ', '.join(sorted({k for k, _ in SANDBOX})))

        analyze = shutil.which('systemd-analyze')
        if analyze:
            # A copy whose ExecStart names the binary in DESTDIR: verify
            # checks that it exists. Any message it prints is a failure.
            copy = os.path.join(work, 'hormiguero.service')
            with open(unit_path, encoding='utf-8') as f:
                text = f.read()
            with open(copy, 'w', encoding='utf-8') as f:
                f.write(text.replace('ExecStart=' + bindir, 'ExecStart=' + under(destdir, bindir)))
            result = subprocess.run([analyze, 'verify', copy], stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT, text=True, check=False)
            if result.returncode != 0 or result.stdout.strip():
                sys.exit('systemd-analyze verify %s:\n%s' % (unit_path, result.stdout))
            print('systemd-analyze verify: no message')
            result = subprocess.run([analyze, 'security', '--offline=true', copy],
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                    check=False)
            exposure = re.search(r'Overall exposure level for \S+: ([0-9.]+)', result.stdout)
            if not exposure or float(exposure.group(1)) > MAX_EXPOSURE:
                sys.exit('systemd-analyze security: exposure above %.1f:\n%s'
                         % (MAX_EXPOSURE, result.stdout))
            print('systemd-analyze security: exposure %s' % exposure.group(1))

        env = {}
        for assignment in service.get('Environment', []):
            for item in shlex.split(assignment):
                key, value = item.split('=', 1)
                env[key] = value
        # The settings file is optional ('-'): the unit runs without one.
        env_files = service.get('EnvironmentFile', [])
        if len(env_files) != 1 or not re.fullmatch(r'-/\S+/hormiguero\.conf', env_files[0]):
            sys.exit('%s: EnvironmentFile is %r, not one optional hormiguero.conf'
                     % (unit_path, env_files))
        settings = os.path.join(work, 'hormiguero.conf')
        with open(settings, 'w', encoding='utf-8') as f:
            f.write('HORMIGUERO_LISTEN=127.0.0.1:0\n'
                    'HORMIGUERO_OPTIONS=--max-connections=64 --bootstrap-sample=8\n')
        env.update(read_env_file(settings))
        # systemd makes StateDirectory= and names it in $STATE_DIRECTORY.
        if service.get('StateDirectory') != ['hormiguero']:
            sys.exit('%s: StateDirectory is %r, not hormiguero'
                     % (unit_path, service.get('StateDirectory')))
        state = os.path.join(work, 'state')
        os.mkdir(state, 0o700)
        env['STATE_DIRECTORY'] = state

        argv = expand(service['ExecStart'][0], env)
        if argv[0] != os.path.join(bindir, 'hormiguero'):
            sys.exit('ExecStart runs %s, not %s/hormiguero' % (argv[0], bindir))
        if '--max-connections=64' not in argv or '--bootstrap-sample=8' not in argv:
            sys.exit('HORMIGUERO_OPTIONS did not reach hormiguero as words: %r' % argv)
        argv[0] = under(destdir, argv[0])
        print('ExecStart: ' + ' '.join(argv))

        child_env = dict(os.environ)
        seen = []
        server = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  text=True, env=child_env)
        match = read_line(server, r'listening on (ws://127\.0\.0\.1:(\d+)/ws)', 30, seen)
        if not match:
            sys.exit('hormiguero did not start:\n' + '\n'.join(seen))
        url, port = match.group(1), match.group(2)
        print('hormiguero: ' + url)
        server_node = read_line(server, r'^node: (\S+)$', 30, seen)
        if not server_node:
            sys.exit('hormiguero did not start its node:\n' + '\n'.join(seen))
        if not os.path.exists(os.path.join(state, 'identity.key')):
            sys.exit('the embedded node did not keep its identity in the state directory')
        print('embedded node: ' + server_node.group(1))

        with urllib.request.urlopen('http://127.0.0.1:%s/healthz' % port, timeout=10) as reply:
            if reply.status != 200:
                sys.exit('/healthz answered %d' % reply.status)
        print('/healthz: 200')

        node_argv = [under(destdir, os.path.join(bindir, 'hormiga-node')),
                     '--data-dir', os.path.join(work, 'node'), '--server', url, 'run']
        node_seen = []
        node = subprocess.Popen(node_argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, env=child_env)
        try:
            admitted = read_line(node, r'^admitted (\S+) ', 30, node_seen)
            if not admitted:
                sys.exit('hormiga-node was not admitted:\n' + '\n'.join(node_seen))
            print('hormiga-node admitted as ' + admitted.group(1))
            ready = read_line(node, r'^dht-ready contacts=([1-9]\d*)', 30, node_seen)
            if not ready:
                sys.exit('hormiga-node did not join the DHT through the embedded node:\n'
                         + '\n'.join(node_seen))
            print('hormiga-node joined the DHT: %s contacts' % ready.group(1))
            node.stdin.write('quit\n')
            node.stdin.flush()
            if node.wait(timeout=30) != 0:
                sys.exit('hormiga-node exited with %d' % node.returncode)
        finally:
            if node.poll() is None:
                node.kill()
                node.wait()

        server.send_signal(signal.SIGTERM)
        status = server.wait(timeout=30)
        rest = server.stdout.read()
        if status != 0:
            sys.exit('hormiguero exited with %d after SIGTERM:\n%s' % (status, rest))
        print('hormiguero stopped on SIGTERM')
    finally:
        if server is not None and server.poll() is None:
            server.kill()
            server.wait()
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(destdir, ignore_errors=True)


if __name__ == '__main__':
    main()
