#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""SIGKILL in the middle of SetParameterValues: afterwards every value is the old one or
every value is the new one, and the ParameterKey goes with them.

CWMP_CRASH_ROUNDS sets the number of rounds (default 50); CWMP_CRASH_SEED the random seed.
"""

import os
import random
import time

import dbus
import dbus.lowlevel

import cwmptest
from cwmptest import ALPHA, BETA

ROUNDS = int(os.environ.get('CWMP_CRASH_ROUNDS', '50'))
SEED = int(os.environ.get('CWMP_CRASH_SEED', str(random.randrange(1 << 30))))

# One value from each owner: dmd itself, Alpha, Beta (two each for the providers).
NAMES = ['Device.DeviceInfo.ProvisioningCode', ALPHA + 'Name', ALPHA + 'Level',
         BETA + 'Note', BETA + 'Threshold']


def values_of_round(r):
    return {
        'Device.DeviceInfo.ProvisioningCode': 'code-%d' % r,
        ALPHA + 'Name': 'name-%d' % r,
        ALPHA + 'Level': str(r % 101),
        BETA + 'Note': 'note-%d' % r,
        BETA + 'Threshold': str(r % 201 - 100),
    }


class CrashConsistencyTest(cwmptest.CwmpTestCase):

    def send_set(self, values, key):
        """Sends SetParameterValues without waiting for the answer, on a connection of its
        own that is closed afterwards (the answer, if any, goes nowhere)."""
        conn = self.sb.new_connection()
        msg = dbus.lowlevel.MethodCallMessage(cwmptest.DM_BUS_NAME, cwmptest.DM_PATH,
                                              cwmptest.DM_IFACE, 'SetParameterValues')
        arr = dbus.Array([dbus.Struct((n, '', v), signature='sss') for n, v in values.items()],
                         signature='(sss)')
        msg.append(arr, key, signature='a(sss)s')
        conn.send_message(msg)
        conn.flush()
        return conn

    def read_state(self):
        got = self.dm.values(NAMES)
        return {n: got[n] for n in NAMES}, self.dm.parameter_key

    def settled_state(self, timeout=None):
        """The values once every daemon runs, every provider is online and reads agree
        for a second (recovery may still be rolling forward right after a restart)."""
        deadline = time.monotonic() + (timeout or cwmptest.scaled(20))
        for d in (self.alpha, self.beta):
            self.sb.wait_provider_online(d.subtree, d.pid)
        last, error, same = None, None, 0
        while time.monotonic() < deadline:
            try:
                state = self.read_state()
            except dbus.exceptions.DBusException as e:
                error, last, same = e, None, 0
                time.sleep(0.05)
                continue
            same = same + 1 if state == last else 0
            if same >= 5:
                return state
            last = state
            time.sleep(0.2)
        self.fail('values did not settle within the timeout; last read %r, last error %r' %
                  (last, error))

    def test_sigkill_during_set(self):
        print('crash rounds: %d, seed %d' % (ROUNDS, SEED))
        rng = random.Random(SEED)
        self.sb.start_dmd()
        self.alpha = self.sb.start_alpha()
        self.beta = self.sb.start_beta()
        self.dm.spv(values_of_round(0), 'key-0')
        old = self.settled_state()
        self.assertEqual(old, (values_of_round(0), 'key-0'))
        outcomes = {'old': 0, 'new': 0}
        victims = [self.sb.dmd, self.alpha, self.beta]
        for r in range(1, ROUNDS + 1):
            victim = victims[0] if r % 2 else victims[1 + (r // 2) % 2]
            new = (values_of_round(r), 'key-%d' % r)
            delay = rng.uniform(0, 0.020)
            conn = self.send_set(new[0], new[1])
            time.sleep(delay)
            victim.kill()
            conn.close()
            if victim is self.sb.dmd:
                victim.start()
            else:
                victim.start(wait=False)
                self.sb.wait_provider_ready(victim)
            state = self.settled_state()
            with self.subTest(round=r, victim=victim.label, delay_ms=round(delay * 1000, 2)):
                self.assertIn(state, (old, new), 'round %d (%s killed after %.1f ms): a mix '
                              'of old and new values, or a ParameterKey that does not match '
                              'them' % (r, victim.label, delay * 1000))
            if state == new:
                outcomes['new'] += 1
            elif state == old:
                outcomes['old'] += 1
            else:
                break  # everything after a mix would be judged against a wrong baseline
            old = state
        print('crash rounds ended: %d old, %d new' % (outcomes['old'], outcomes['new']))
        # A final ordinary set works and sticks.
        self.dm.spv(values_of_round(ROUNDS + 1), 'final')
        self.assertEqual(self.settled_state(), (values_of_round(ROUNDS + 1), 'final'))


if __name__ == '__main__':
    cwmptest.main()
