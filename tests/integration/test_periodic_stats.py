#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Device.PeriodicStatistics.: a sample set the ACS's way (AddObject, SetParameterValues)
over a provider's live counter (it counts its own reads, so the samples are known) and a
value of dmd's own (UpTime): the Values lists, SampleSeconds and SuspectData, the Status
notification that tells the ACS a report is ready ("4 VALUE CHANGE" once FetchSamples
intervals are complete), threshold Failures, ForceSample, Enable=false, and samples kept
across a restart of dmd. Intervals are 1 s."""

import time

import cwmptest
from cwmptest import ALPHA

VC = '4 VALUE CHANGE'
COUNTER = ALPHA + 'Counter'
UPTIME = 'Device.DeviceInfo.UpTime'
PS = 'Device.PeriodicStatistics.'
SETS = PS + 'SampleSet.'


def ints(text):
    """A list parameter's items as numbers; an empty item (no value) is None."""
    return [int(v) if v else None for v in text.split(',')] if text else []


class PeriodicStatsTest(cwmptest.CwmpAgentTestCase):

    def new_set(self, params, **settings):
        """AddObject of a set and of one Parameter row per (reference, settings); then the
        set's settings and Enable, in one SetParameterValues. Returns the set's path and the
        rows' paths."""
        dm = self.sb.dm
        n, _ = dm.add(SETS)
        path = '%s%d.' % (SETS, n)
        values = {}
        rows = []
        for ref, extra in params:
            k, _ = dm.add(path + 'Parameter.')
            row = '%sParameter.%d.' % (path, k)
            rows.append(row)
            values.update({row + 'Reference': ref, row + 'Enable': 'true'})
            values.update({row + name: v for name, v in extra.items()})
        values.update({path + name: v for name, v in settings.items()})
        values[path + 'Enable'] = 'true'
        self.assertEqual(dm.spv(values, 'ps'), 0)
        return path, rows

    def wait_samples(self, row, count, timeout=10):
        got = {}

        def enough():
            got.update(self.sb.dm.values([row]))
            return len(ints(got[row + 'SampleSeconds'])) >= count
        self.assertTrue(cwmptest.wait_until(enough, cwmptest.scaled(timeout), 0.1),
                        'fewer than %d samples in %r' % (count, got))
        return got

    def test_report_ready_notification(self):
        """Every FetchSamples (3) intervals Status goes Enabled -> Trigger -> Enabled: with
        active notification on Status the ACS hears "4 VALUE CHANGE" and then finds the
        counter's samples, one read per interval, oldest first."""
        self.start_cwmp(alpha={'live_counter': True})
        mon = self.sb.monitor(["type='signal',interface='io.cwmp.DataModel1',"
                               "member='ValueChanged'"])
        path, (counter, uptime) = self.new_set(
            [(COUNTER, {}), (UPTIME, {'CalculationMode': 'Maximum'})],
            SampleInterval='1', ReportSamples='4', FetchSamples='3')
        self.sb.dm.spa([(path + 'Status', True, 2, False, [])])
        n = self.acs.session_count()
        s = self.acs.wait_session(n, cwmptest.scaled(15))
        self.assertSessionOk(s)
        self.assertIn(VC, s.event_codes)
        self.assertIn(path + 'Status', s.params)
        self.assertEqual(s.params[path + 'Status'], 'Enabled')  # the transition is instant
        trig = mon.wait_for(lambda m: any(v[0] == path + 'Status' and v[2] == 'Trigger'
                                          for v in m['payload']['data'][0]))
        self.assertIsNotNone(trig, 'dmd signalled Status = Trigger')

        got = self.wait_samples(path, 4)
        values = ints(got[counter + 'Values'])
        # Nobody else reads the counter: consecutive reads, one per interval.
        self.assertEqual(len(values), 4, got)
        self.assertEqual(values, list(range(values[0], values[0] + 4)), got)
        self.assertEqual(got[counter + 'SuspectData'], '0,0,0,0')
        self.assertEqual(got[counter + 'SampleSeconds'], '1,1,1,1')
        self.assertEqual(got[path + 'SampleSeconds'], '1,1,1,1')
        up = ints(got[uptime + 'Values'])
        self.assertEqual(len(up), 4)
        for a, b in zip(up, up[1:]):
            self.assertIn(b - a, (0, 1, 2), 'UpTime maxima a second apart: %r' % up)
        self.assertGreater(got[path + 'ReportEndTime'], got[path + 'ReportStartTime'])
        self.assertEqual(got[path + 'ParameterNumberOfEntries'], '2')
        self.assertEqual(self.sb.dm.value(PS + 'SampleSetNumberOfEntries'), '1')

        # Enable=false stops collection; the samples stay readable.
        self.assertEqual(self.sb.dm.spv({path + 'Enable': 'false'}), 0)
        stopped = self.sb.dm.values([path])
        self.assertEqual(stopped[path + 'Status'], 'Disabled')
        time.sleep(cwmptest.scaled(2.5))
        later = self.sb.dm.values([path])
        self.assertEqual(later[counter + 'Values'], stopped[counter + 'Values'])
        self.assertEqual(later[path + 'ReportEndTime'], stopped[path + 'ReportEndTime'])

    def test_thresholds_and_force_sample(self):
        """UpTime crossing HighThreshold counts one Failure, signalled once; ForceSample adds
        a preview sample at once; a Change row gives the counter's increments."""
        self.start_cwmp(alpha={'live_counter': True})
        mon = self.sb.monitor(["type='signal',interface='io.cwmp.DataModel1',"
                               "member='ValueChanged'"])
        high = int(self.sb.dm.value(UPTIME)) + 3
        # A row of the same provider that cannot be read (no such instance) spoils no other.
        path, (uptime, change, missing) = self.new_set(
            [(UPTIME, {'LowThreshold': '0', 'HighThreshold': str(high)}),
             (COUNTER, {'SampleMode': 'Change'}), (ALPHA + 'Item.9.Name', {})],
            SampleInterval='1', ReportSamples='10')
        got = self.wait_samples(path, 6)
        n = len(ints(got[path + 'SampleSeconds']))
        self.assertEqual(got[missing + 'Values'], ',' * (n - 1), got)
        self.assertEqual(set(ints(got[missing + 'SuspectData'])), {1}, got)
        self.assertEqual(set(ints(got[missing + 'SampleSeconds'])), {0}, got)
        self.assertEqual(got[uptime + 'Failures'], '1', got)
        sig = mon.wait_for(lambda m: any(v[0] == uptime + 'Failures' and v[2] == '1'
                                         for v in m['payload']['data'][0]))
        self.assertIsNotNone(sig, 'dmd signalled Failures')
        # The counter is read once to start (its reference), then once per interval.
        self.assertEqual(set(ints(got[change + 'Values'])), {1}, got)

        # An hour-long interval: nothing but ForceSample puts a sample in its lists, and a
        # second one replaces the first preview.
        hourly, (row,) = self.new_set([(COUNTER, {})], SampleInterval='3600')
        self.assertEqual(self.sb.dm.values([row + 'Values'])[row + 'Values'], '')
        self.assertEqual(self.sb.dm.value(hourly + 'ReportEndTime'), '0001-01-01T00:00:00Z')
        previews = []
        for _ in range(2):
            self.assertEqual(self.sb.dm.spv({hourly + 'ForceSample': 'true'}), 0)
            self.assertTrue(cwmptest.wait_until(
                lambda: self.sb.dm.value(row + 'Values') not in [''] + previews,
                cwmptest.scaled(2)), 'ForceSample made a sample')
            previews.append(self.sb.dm.value(row + 'Values'))
        self.assertEqual(len(ints(previews[1])), 1, previews)
        self.assertGreater(int(previews[1]), int(previews[0]))
        got = self.sb.dm.values([hourly])
        self.assertEqual(len(ints(got[hourly + 'SampleSeconds'])), 1, got)
        self.assertNotEqual(got[hourly + 'ReportEndTime'], '0001-01-01T00:00:00Z')
        self.assertEqual(got[hourly + 'ForceSample'], 'false')

    def test_minimum_over_internal_reads(self):
        """Minimum reads the row 4 times per interval: the counter's minima are about 4 apart
        (each read counts), where one read per interval would make them 1 apart."""
        self.sb.start_dmd()
        self.sb.start_alpha(live_counter=True)
        path, (row,) = self.new_set([(COUNTER, {'CalculationMode': 'Minimum'})],
                                    SampleInterval='1', ReportSamples='10')
        got = self.wait_samples(path, 4)
        minima = ints(got[row + 'Values'])
        steps = [b - a for a, b in zip(minima, minima[1:])]
        self.assertTrue(all(2 <= d <= 4 for d in steps), got)
        self.assertIn(4, steps, got)

    def test_samples_survive_restart(self):
        """The samples are on disk: after a restart of dmd the lists go on from them; the
        interval the restart cut short is marked suspect."""
        self.sb.start_dmd()
        self.sb.start_alpha(live_counter=True)
        path, (counter,) = self.new_set([(COUNTER, {})], SampleInterval='1',
                                        ReportSamples='20')
        # Intervals of 2 s ending on odd seconds (TimeReference sets the phase).
        odd, _ = self.new_set([(UPTIME, {})], SampleInterval='2', ReportSamples='20',
                              TimeReference='2020-01-01T00:00:01Z')
        before = self.wait_samples(path, 3)
        self.wait_samples(odd, 2)
        kept = ints(before[counter + 'Values'])
        self.sb.restart_dmd()
        after = self.wait_samples(path, len(kept) + 2)
        values = ints(after[counter + 'Values'])
        self.assertEqual(values[:len(kept)], kept, after)
        # Intervals missed while dmd was down, or read before the provider was back, are
        # empty; the others go on counting.
        read = [v for v in values if v is not None]
        self.assertEqual(read, sorted(read), after)
        self.assertGreater(len(read), len(kept), after)
        suspect = ints(after[counter + 'SuspectData'])
        self.assertEqual(suspect[:len(kept)], [0] * len(kept))
        self.assertIn(1, suspect[len(kept):], 'the cut interval is suspect: %r' % after)
        self.assertEqual(after[path + 'Status'], 'Enabled')
        grid = self.sb.dm.values([odd])
        self.assertEqual(int(grid[odd + 'ReportEndTime'][17:19]) % 2, 1, grid)
        seconds = ints(grid[odd + 'SampleSeconds'])
        self.assertLessEqual(seconds[0], 2)  # the first interval began when it was enabled
        self.assertIn(2, seconds[1:], grid)
        self.assertTrue(all(s <= 2 for s in seconds), grid)
        self.assertEqual(len(ints(grid[odd + 'Parameter.1.Values'])), len(seconds), grid)


if __name__ == '__main__':
    cwmptest.main()
