#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Device.QoS. against tc(8) in the same moment: on a veth pair to a network namespace this
test gives queueing disciplines (htb with a pfifo and a tbf below it, prio where the kernel
has it), sends traffic through them, and compares the Queue and QueueStats rows with
`tc -j -s qdisc show`; the numbers stay across a restart of dmd and are never reused."""

import json
import os
import re
import socket
import subprocess
import time

import cwmptest
import netns

IPIF = 'Device.IP.Interface.'
QUEUE = 'Device.QoS.Queue.'
STATS = 'Device.QoS.QueueStats.'

rows = cwmptest.table_rows


def tc(*args):
    """Runs tc(8) with ARGS; True where it succeeded."""
    return subprocess.run(['tc'] + list(args), capture_output=True).returncode == 0


def tc_qdiscs(dev):
    """{kind: the qdisc tc shows} of DEV (the kinds this test sets are each used once)."""
    out = subprocess.run(['tc', '-j', '-s', 'qdisc', 'show', 'dev', dev], capture_output=True,
                         text=True, check=True)
    return {q['kind']: q for q in json.loads(out.stdout or '[]')}


def tc_number(text, units):
    """'5Mbit' (UNITS: the multiples of 'bit'), '1600b' (of 'b') as a number."""
    m = re.match(r'([0-9.]+)([A-Za-z]*)$', text)
    return round(float(m.group(1)) * units[m.group(2)])


RATE_UNITS = {'bit': 1, 'Kbit': 1000, 'Mbit': 1000 ** 2, 'Gbit': 1000 ** 3}
SIZE_UNITS = {'b': 1, 'Kb': 1024, 'Mb': 1024 ** 2}


def htb_classes(dev):
    """{classid: {'rate': bits/s, 'ceil': bits/s, 'cburst': bytes}} as tc(8) shows them (its
    htb classes have no JSON form)."""
    out = subprocess.run(['tc', 'class', 'show', 'dev', dev], capture_output=True, text=True,
                         check=True).stdout
    classes = {}
    for line in out.splitlines():
        words = line.split()
        if words[:2] != ['class', 'htb']:
            continue
        field = dict(zip(words, words[1:]))
        classes[words[2]] = {'rate': tc_number(field['rate'], RATE_UNITS),
                             'ceil': tc_number(field['ceil'], RATE_UNITS),
                             'cburst': tc_number(field['cburst'], SIZE_UNITS)}
    return classes


class LiveQosTest(cwmptest.CwmpTestCase):

    def setUp(self):
        super().setUp()
        netns.need_root(self, 'tc')
        tag = netns.tag()
        net = netns.subnet()
        self.ns, self.here = 'cwmpqos' + tag, 'vqos' + tag
        netns.veth_to_namespace(self, self.ns, self.here, 'vqosp' + tag, net + '.1/24',
                                net + '.2/24')
        self.peer = net + '.2'
        self.sb.start_dmd()

    def interface(self):
        """The Device.IP.Interface. path of the veth."""
        ipif = rows(self.dm.values([IPIF]), IPIF)
        n = [i for i, r in ipif.items() if r['Name'] == self.here]
        self.assertEqual(len(n), 1, ipif)
        return IPIF + '%d' % n[0]

    def queues(self):
        """{kind: (instance, Queue row, QueueStats row)} of the veth's queues. The kind is
        not a TR-181 value: a row is told by what this test set on it."""
        got = self.dm.values(['Device.QoS.'])
        queues, stats = rows(got, QUEUE), rows(got, STATS)
        self.assertEqual(int(got['Device.QoS.QueueNumberOfEntries']), len(queues))
        self.assertEqual(int(got['Device.QoS.QueueStatsNumberOfEntries']), len(stats))
        self.assertEqual(set(queues), set(stats))
        ours = self.interface()
        return {i: (q, stats[i]) for i, q in queues.items() if q['Interface'] == ours}

    def tree(self):
        """htb at the root, a pfifo below its class 1:1 (a slow one: what is sent there stays
        queued for seconds) and a tbf below 1:2 (the default)."""
        steps = [('qdisc', 'add', 'dev', self.here, 'root', 'handle', '1:', 'htb', 'default',
                  '2'),
                 ('class', 'add', 'dev', self.here, 'parent', '1:', 'classid', '1:1', 'htb',
                  'rate', '4kbit', 'ceil', '8kbit'),
                 ('class', 'add', 'dev', self.here, 'parent', '1:', 'classid', '1:2', 'htb',
                  'rate', '100mbit'),
                 ('qdisc', 'add', 'dev', self.here, 'parent', '1:1', 'handle', '10:', 'pfifo',
                  'limit', '30'),
                 ('qdisc', 'add', 'dev', self.here, 'parent', '1:2', 'handle', '20:', 'tbf',
                  'rate', '1mbit', 'burst', '32kb', 'limit', '20000')]
        for step in steps:
            if not tc(*step):
                self.skipTest('the kernel lacks a qdisc this test needs: %s' % ' '.join(step))

    def send(self, count, priority=None):
        """COUNT datagrams to the peer; htb puts those whose priority names one of its
        classes into it."""
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        if priority is not None:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_PRIORITY, priority)
        for _ in range(count):
            s.sendto(b'q' * 200, (self.peer, 9))
        s.close()

    def by_kind(self, queues):
        """{kind: instance}: the htb has no BufferLength, the pfifo one of 30 or 40 packets
        × MTU, the tbf its 20000 bytes."""
        mtu = int(open('/sys/class/net/%s/mtu' % self.here).read())
        out = {}
        for i, (q, _) in queues.items():
            if 'BufferLength' not in q:
                out['htb'] = i
            elif int(q['BufferLength']) in (30 * mtu, 40 * mtu):
                out['pfifo'] = i
            else:
                out['tbf'] = i
        return out

    def test_rows_and_counters_match_tc(self):
        self.tree()
        self.send(40, priority=0x10001)  # 1:1, the pfifo: beyond its 30, some are dropped
        self.send(30)  # the default class, the tbf
        mtu = int(open('/sys/class/net/%s/mtu' % self.here).read())
        before = tc_qdiscs(self.here)
        queues = self.queues()
        after = tc_qdiscs(self.here)
        self.assertEqual(set(before), {'htb', 'pfifo', 'tbf'})
        kinds = self.by_kind(queues)
        self.assertEqual(set(kinds), {'htb', 'pfifo', 'tbf'}, queues)

        for kind, i in kinds.items():
            q, st = queues[i]
            self.assertEqual((q['Enable'], q['Status'], q['Alias']), ('true', 'Enabled',
                                                                      'cpe-%d' % i))
            self.assertEqual((st['Enable'], st['Status']), ('true', 'Enabled'))
            self.assertEqual(st['Queue'], QUEUE + '%d' % i)
            self.assertEqual(st['Interface'], q['Interface'])
            for ours, theirs in (('OutputPackets', 'packets'), ('OutputBytes', 'bytes'),
                                 ('DroppedPackets', 'drops')):
                low, high = before[kind][theirs], after[kind][theirs]
                self.assertTrue(low <= int(st[ours]) <= high, (kind, ours, low, st[ours], high))
            # The queue only drains while this test reads it.
            low, high = after[kind]['qlen'], before[kind]['qlen']
            self.assertTrue(low <= int(st['QueueOccupancyPackets']) <= high, (kind, low, st, high))
            self.assertNotIn('DroppedBytes', st)

        pfifo, pfifo_stats = queues[kinds['pfifo']]
        self.assertEqual(int(pfifo['BufferLength']), before['pfifo']['options']['limit'] * mtu)
        self.assertEqual(pfifo['DropAlgorithm'], 'DT')
        self.assertNotIn('SchedulerAlgorithm', pfifo)
        self.assertGreater(int(pfifo_stats['DroppedPackets']), 0)
        self.assertGreater(int(pfifo_stats['QueueOccupancyPackets']), 0)
        self.assertEqual(int(pfifo_stats['QueueOccupancyPercentage']),
                         100 * int(pfifo_stats['QueueOccupancyPackets']) // 30)

        # Below htb's class 1:1, the pfifo is shaped to the class's ceiling, its rate assured.
        classes = htb_classes(self.here)
        self.assertEqual(int(pfifo['ShapingRate']), classes['1:1']['ceil'])
        self.assertEqual(int(pfifo['ShapingRate']), 8000)
        self.assertEqual(int(pfifo['CurrentShapingRate']), 8000)
        self.assertEqual(int(pfifo['AssuredRate']), classes['1:1']['rate'])
        self.assertEqual(int(pfifo['AssuredRate']), 4000)
        self.assertEqual(int(pfifo['ShapingBurstSize']), classes['1:1']['cburst'])

        tbf, tbf_stats = queues[kinds['tbf']]
        options = before['tbf']['options']
        self.assertEqual(int(tbf['ShapingRate']), options['rate'] * 8)
        self.assertEqual(int(tbf['CurrentShapingRate']), 1000000)
        self.assertEqual(int(tbf['ShapingBurstSize']), options['burst'])
        self.assertEqual(int(tbf['BufferLength']), options['limit'])
        # its class's ceiling (100 Mbit/s) is above the tbf's own rate, which wins
        self.assertEqual(int(tbf['AssuredRate']), classes['1:2']['rate'])
        self.assertEqual(classes['1:2']['ceil'], 100000000)
        self.assertEqual(tbf['DropAlgorithm'], 'DT')
        self.assertGreaterEqual(int(tbf_stats['OutputPackets']), 30)

        # htb's classes do not map onto TR-181's WFQ or WRR: no algorithm, no buffer.
        htb, _ = queues[kinds['htb']]
        for absent in ('SchedulerAlgorithm', 'DropAlgorithm', 'BufferLength', 'ShapingRate',
                       'AssuredRate'):
            self.assertNotIn(absent, htb)

    def test_prio_is_strict_priority(self):
        if not tc('qdisc', 'add', 'dev', self.here, 'root', 'handle', '1:', 'prio'):
            self.skipTest('the kernel has no prio qdisc')
        self.send(10)
        queues = self.queues()
        self.assertEqual(len(queues), 1, queues)
        (q, st), = queues.values()
        self.assertEqual(q['SchedulerAlgorithm'], 'SP')
        self.assertNotIn('DropAlgorithm', q)
        theirs = tc_qdiscs(self.here)['prio']
        self.assertGreaterEqual(int(st['OutputPackets']), 10)
        self.assertLessEqual(int(st['OutputPackets']), theirs['packets'])

    def test_read_only_and_counters_refuse_active_notification(self):
        self.tree()
        i = self.by_kind(self.queues())['pfifo']
        self.assertFault(9009, self.dm.spa, [(STATS + '%d.OutputPackets' % i, True, 2, False,
                                              [])])
        self.dm.spa([(STATS + '%d.OutputPackets' % i, True, 1, False, [])])
        self.assertFault(9003, self.dm.spv, {QUEUE + '%d.Enable' % i: 'false'},
                         params={QUEUE + '%d.Enable' % i: 9008})
        self.assertFault(9001, self.dm.add, QUEUE)

    def test_numbers_survive_restart_and_are_never_reused(self):
        self.tree()
        kinds = self.by_kind(self.queues())
        self.dm.spv({QUEUE + '%d.Alias' % kinds['tbf']: 'shaper'}, 'k1')
        self.sb.restart_dmd()
        self.assertEqual(self.by_kind(self.queues()), kinds)
        got = self.dm.gpv([QUEUE + '[shaper].ShapingRate'])
        self.assertEqual(got[0][0], QUEUE + '%d.ShapingRate' % kinds['tbf'])

        # A qdisc replaced is another row with a number never given before; a change
        # shows at once (the kernel's event drops the snapshot).
        highest = max(int(p.split('.')[3]) for p, _ in self.dm.gpn(QUEUE, True))
        self.assertTrue(tc('qdisc', 'del', 'dev', self.here, 'parent', '1:1', 'handle', '10:'))
        self.assertTrue(tc('qdisc', 'add', 'dev', self.here, 'parent', '1:1', 'handle', '11:',
                           'pfifo', 'limit', '40'))
        again = self.by_kind(self.queues())
        self.assertGreater(again['pfifo'], highest)
        self.assertEqual((again['htb'], again['tbf']), (kinds['htb'], kinds['tbf']))



class QosEventTest(cwmptest.CwmpAgentTestCase):
    """A qdisc added makes dmd read the watched QoS values at once, long before its next
    sample."""

    def test_new_queue_is_notified_at_once(self):
        netns.need_root(self, 'tc')
        tag = netns.tag()
        here = 'vqose' + tag
        netns.veth_to_namespace(self, 'cwmpqose' + tag, here, 'vqosep' + tag)
        write = self.sb.dmd_config
        self.sb.dmd_config = lambda extra=None: write(
            dict({'Notification': {'SamplePeriodSec': '600'}}, **(extra or {})))
        self.start_cwmp()
        count = 'Device.QoS.QueueNumberOfEntries'
        self.run_session(self.A.Script([self.A.set_parameter_attributes(
            [(count, True, 2, False, [])])]))
        # The watcher's first reading is its reference: its round after start, or the one
        # the veth's own link events cause.
        self.assertTrue(netns.ip('link', 'set', here, 'mtu', '1400'))
        time.sleep(cwmptest.scaled(3))
        self.acs.wait_idle(cwmptest.scaled(10))
        n = self.acs.session_count()
        self.assertTrue(tc('qdisc', 'add', 'dev', here, 'root', 'handle', '1:', 'pfifo',
                           'limit', '5'))
        s = self.acs.wait_session(n, cwmptest.scaled(10))
        self.assertSessionOk(s)
        self.assertIn('4 VALUE CHANGE', s.event_codes)
        theirs = sum(len(json.loads(subprocess.run(
            ['tc', '-j', 'qdisc', 'show', 'dev', link], capture_output=True, text=True,
            check=True).stdout or '[]')) for link in os.listdir('/sys/class/net'))
        self.assertIn(count, s.params)
        self.assertGreater(int(s.params[count]), 0)
        self.assertLessEqual(int(s.params[count]), theirs)


if __name__ == '__main__':
    cwmptest.main()
