# SPDX-License-Identifier: MIT
"""Network namespaces and veth pairs made with ip(8) for tests that need a host on the far
side of a link: everything a test makes here is removed by the test's own cleanups, and
nothing leaves the box (the addresses are from 198.18.0.0/15, the benchmarking range)."""

import os
import shutil
import subprocess


def ip(*args):
    """Runs ip(8) with ARGS; True where it succeeded."""
    return subprocess.run(['ip'] + list(args), capture_output=True).returncode == 0


def tag():
    """A suffix that keeps this process's interface and namespace names apart from those of
    tests running beside it."""
    return '%d' % (os.getpid() % 100000)


def subnet():
    """198.18.N: the first three octets of a /24 of the benchmarking range for this process."""
    return '198.18.%d' % (os.getpid() % 250)


def need_root(test, *tools):
    """Skips TEST unless it runs as root with ip(8) and every one of TOOLS."""
    tools = ('ip',) + tools
    if os.geteuid() != 0 or not all(shutil.which(t) for t in tools):
        needs = ['root'] + ['%s(8)' % t for t in tools]
        test.skipTest('needs %s and %s' % (', '.join(needs[:-1]), needs[-1]))


def add_namespace(test, ns):
    """Network namespace NS, deleted at TEST's cleanup; skips TEST where none can be made."""
    if not ip('netns', 'add', ns):
        test.skipTest('cannot create a network namespace')
    test.addCleanup(ip, 'netns', 'del', ns)


def add_veth(test, here, there):
    """A veth pair HERE -- THERE, deleted at TEST's cleanup; skips TEST where none can be
    made."""
    if not ip('link', 'add', here, 'type', 'veth', 'peer', 'name', there):
        test.skipTest('cannot create a veth pair')
    test.addCleanup(ip, 'link', 'del', here)


def veth_to_namespace(test, ns, here, there, here_address=None, there_address=None,
                      loopback=False):
    """A new namespace NS holding THERE, the far end of a veth pair whose near end HERE stays
    here; both ends up, with the addresses given ('a.b.c.d/len'), and NS's own lo up where
    LOOPBACK. Every step must succeed."""
    add_namespace(test, ns)
    add_veth(test, here, there)
    steps = [('link', 'set', there, 'netns', ns)]
    if here_address:
        steps.append(('addr', 'add', here_address, 'dev', here))
    steps.append(('link', 'set', here, 'up'))
    if there_address:
        steps.append(('-n', ns, 'addr', 'add', there_address, 'dev', there))
    steps.append(('-n', ns, 'link', 'set', there, 'up'))
    if loopback:
        steps.append(('-n', ns, 'link', 'set', 'lo', 'up'))
    for step in steps:
        test.assertTrue(ip(*step), step)
