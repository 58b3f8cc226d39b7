#!/usr/bin/env python3
"""Runs a validator and fails if it fails or says anything at all.

    run-quiet.py PROGRAM ARGS...

For validators such as desktop-file-validate that print warnings and hints
but exit 0: here every line they print is a failure.
"""
import subprocess
import sys


def main():
    result = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, check=False)
    sys.stdout.write(result.stdout)
    if result.returncode != 0:
        sys.exit('%s exited with %d' % (sys.argv[1], result.returncode))
    if result.stdout.strip():
        sys.exit('%s printed the messages above' % sys.argv[1])
    print('%s: no message' % ' '.join(sys.argv[1:]))


if __name__ == '__main__':
    main()
