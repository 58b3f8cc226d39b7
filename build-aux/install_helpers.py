"""Shared by the install tests: `meson install` into a temporary DESTDIR."""
import os
import subprocess
import sys
import tempfile


def install(meson, build_root):
    """Installs the build into a new temporary directory; returns it."""
    destdir = tempfile.mkdtemp(prefix='hormiga-install-')
    result = subprocess.run([meson, 'install', '-C', build_root, '--destdir', destdir,
                             '--no-rebuild', '--quiet'],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            check=False)
    if result.returncode != 0:
        sys.stdout.write(result.stdout)
        sys.exit('meson install failed with %d' % result.returncode)
    return destdir


def under(destdir, path):
    """PATH (absolute, in the prefix) as installed under DESTDIR."""
    return os.path.join(destdir, os.path.relpath(path, '/'))


def read_ini(path):
    """A desktop-entry style file: {section: {key: value}}, keys kept in order."""
    sections = {}
    current = None
    with open(path, encoding='utf-8') as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith('#'):
                continue
            if line.startswith('[') and line.endswith(']'):
                current = sections.setdefault(line[1:-1], {})
            elif current is not None and '=' in line:
                key, value = line.split('=', 1)
                current.setdefault(key.strip(), []).append(value.strip())
    return sections
