#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""cwmpd end to end on loopback: session latency, a whole-model GetParameterValues,
connection request latency, and cwmpd's memory.

Each run starts a private dbus-daemon, dmd with its own schema, cwmpd's schema and a
synthetic model (bench/gen-schema.py), bench-acs (a minimal ACS written for timing, see
bench/bench-acs.c) and cwmpd configured for it; bench-acs then drives cwmpd and times
it. The table gives, per figure, the median over the runs of each run's median.

    /usr/bin/python3 bench/run-cwmp-bench.py --build-dir build
"""

import argparse
import os
import signal
import statistics
import subprocess
import sys
import time

from benchlib import SOURCE_DIR, close_sandbox, fields, import_cwmptest, synthetic_schema

# (key, label, unit, target): in the order printed. Targets are upper bounds.
MEASURES = [
    ('session_first_byte_to_204', 'minimal session, ACS side: first byte of Inform -> 204 sent',
     'ms', 1.0),
    ('session_accept_to_204', 'minimal session, ACS side: TCP accept -> 204 sent', 'ms', None),
    ('session_call_to_ended', 'minimal session: Inform() call -> SessionEnded signal', 'ms',
     1.0),
    ('session_call_to_first_byte', '  of which Inform() call -> first byte of Inform', 'ms',
     None),
    ('gpv', 'GetParameterValues("Device."): request sent -> whole response received', 'ms',
     30.0),
    ('gpv_session_call_to_ended', '  the whole session, Inform() call -> SessionEnded', 'ms',
     None),
    ('cr_to_post', 'connection request sent -> first byte of the Inform POST', 'ms', 5.0),
    ('cr_answered', '  of which connection request sent -> its 200 received', 'ms', None),
]
MEMORY = [
    ('cwmpd_idle_rss_kib', 'cwmpd idle RSS (VmRSS after start and the first session)', 4096),
    ('cwmpd_idle_rss_anon_kib', '  of which anonymous (RssAnon: heap, stacks, data)', None),
    ('cwmpd_idle_rss_file_kib', '  of which file pages (RssFile: program, shared libraries)',
     None),
    ('cwmpd_hwm_before_gpv_kib', 'cwmpd peak RSS before the GetParameterValues', None),
    ('cwmpd_peak_rss_kib', 'cwmpd peak RSS (VmHWM after the GetParameterValues)', None),
    ('dmd_peak_rss_kib', 'dmd peak RSS (VmHWM at the end)', None),
]

CR_USER = 'bench-acs'
CR_PASSWORD = 'bench-secret'


def parse_output(text):
    """bench-acs's lines: measure=NAME n=.. min=.. median=.. p90=.. max=.., value=NAME v=.."""
    measures, values = {}, {}
    for line in text.splitlines():
        f = fields(line)
        if 'measure' in f:
            measures[f['measure']] = {k: float(f[k]) for k in
                                      ('n', 'min', 'median', 'p90', 'max')}
        elif 'value' in f:
            values[f['value']] = int(f['v'])
    return measures, values


def cwmpd_config(url):
    return {
        'ACS': {'URL': url},
        'Session': {'Timeout': '30', 'Version': '1.4'},
        'Inform': {'PeriodicInterval': '86400', 'RetryMinimumWait': '1'},
        # No throttling: the benchmark sends connection requests back to back.
        'ConnectionRequest': {'Address': '127.0.0.1', 'Port': '0', 'Path': '/cr',
                              'ThrottleInterval': '0'},
        'UDPConnectionRequest': {'Address': '127.0.0.1', 'Port': '0'},
        'Device': {'RebootCommand': 'true', 'FactoryResetCommand': 'true'},
    }


def run_one(cwmptest, index, args):
    sb = cwmptest.Sandbox('cwmp-bench-%d' % index)
    ok = False
    acs = perf = acs_log = None
    try:
        schema_dir, schema_file = synthetic_schema(sb, args.size)
        sb.device_info['ProductClass'] = 'BenchBox'
        sb.start_dmd(schema_dirs=[cwmptest.DMD_SCHEMA_DIR, cwmptest.CWMPD_SCHEMA_DIR,
                                  schema_dir], extra_args=args.dmd_arg)

        argv = [cwmptest.binary('bench', 'bench-acs'), '--address', sb.bus.address,
                '--iterations', str(args.iterations), '--cr-iterations', str(args.iterations),
                '--gpv-iterations', str(args.gpv_iterations), '--warmup', str(args.warmup),
                '--gpv-path', args.gpv_path]
        if args.cr_auth == 'digest':
            argv += ['--cr-user', CR_USER, '--cr-password', CR_PASSWORD]
        acs_log = open(sb.path('log', 'bench-acs.log'), 'w')
        acs = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=acs_log, text=True,
                               preexec_fn=cwmptest._die_with_parent)
        line = acs.stdout.readline().strip()
        if not line.startswith('url='):
            raise RuntimeError('bench-acs printed %r' % line)

        config = sb.path('etc', 'cwmpd.conf')
        cwmptest.write_ini(config, cwmpd_config(line[4:]))
        state, run = sb.path('state', 'cwmpd'), sb.path('run', 'cwmpd')
        os.makedirs(state)
        os.makedirs(run)
        schema_dirs = [cwmptest.DMD_SCHEMA_DIR, cwmptest.CWMPD_SCHEMA_DIR]
        if args.cwmpd_full_schema:
            schema_dirs.append(schema_dir)
        cargv = [cwmptest.binary('cwmpd', 'cwmpd'), '--config', config, '--state-dir', state,
                 '--runtime-dir', run]
        for d in schema_dirs:
            cargv += ['--schema-dir', d]
        cargv += args.cwmpd_arg
        cwmpd = cwmptest.Daemon(sb, 'cwmpd', cargv, bus_name=cwmptest.AGENT_BUS_NAME)
        sb.add_daemon(cwmpd)
        cwmpd.start(wait=True)

        if args.perf_output:
            # Attached once cwmpd is ready: its start and first session are not recorded.
            perf = subprocess.Popen(['perf', 'record', '-q', '-F', str(args.perf_frequency),
                                     '-g', '-p', str(cwmpd.pid), '-o',
                                     '%s.%d' % (args.perf_output, index)],
                                    stdin=subprocess.DEVNULL)

        try:
            out, _ = acs.communicate(timeout=args.timeout)
        except subprocess.TimeoutExpired:
            acs.kill()
            out, _ = acs.communicate()
            raise RuntimeError('bench-acs did not finish within %d s' % args.timeout)
        if acs.returncode != 0:
            with open(sb.path('log', 'bench-acs.log')) as f:
                raise RuntimeError('bench-acs failed (%d): %s' % (acs.returncode,
                                                                  f.read().strip()))
        measures, values = parse_output(out)
        if values.get('cwmpd_pid') != cwmpd.pid:
            raise RuntimeError('bench-acs measured process %s, cwmpd is %d' % (
                values.get('cwmpd_pid'), cwmpd.pid))
        ok = True
        return measures, values
    finally:
        if perf is not None:
            perf.send_signal(signal.SIGINT)
            perf.wait()
        if acs is not None and acs.poll() is None:
            acs.kill()
            acs.wait()
        if acs_log is not None:
            acs_log.close()
        close_sandbox(sb, ok, keep=args.keep)


def fmt_ms(v):
    return '%.3f' % v


def fmt_mib(kib):
    return '%.2f MiB' % (kib / 1024.0)


def print_table(runs, args):
    all_measures = [m for m, _ in runs]
    all_values = [v for _, v in runs]
    count = all_values[0].get('gpv_count', 0)
    size = all_values[0].get('gpv_bytes', 0)
    print()
    print('cwmpd on loopback, %d run(s); per run %d minimal sessions, %d connection requests '
          '(%s), %d GetParameterValues of "%s" (%d values, %.2f MB); %d warm-up each; '
          'synthetic model of %d parameters, which cwmpd\'s schema %s; '
          'figures in ms are the median over runs of each run\'s median / min / p90.' % (
              len(runs), args.iterations, args.iterations,
              'Digest' if args.cr_auth == 'digest' else 'no authentication',
              args.gpv_iterations, args.gpv_path, count, size / 1e6, args.warmup, args.size,
              'includes too' if args.cwmpd_full_schema else 'leaves out (dmd\'s only)'))
    row = '%-76s %9s %9s %9s %8s  %s'
    print(row % ('', 'median', 'min', 'p90', 'target', 'run medians'))
    missed = []
    for key, label, unit, target in MEASURES:
        got = [m[key] for m in all_measures if key in m]
        if not got:
            continue
        median = statistics.median(g['median'] for g in got)
        verdict = ''
        if target is not None:
            verdict = '< %g' % target
            if median >= target:
                verdict += ' MISSED'
                missed.append(label.strip())
        print(row % (label + ' (ms)', fmt_ms(median),
                     fmt_ms(statistics.median(g['min'] for g in got)),
                     fmt_ms(statistics.median(g['p90'] for g in got)), verdict,
                     ' '.join(fmt_ms(g['median']) for g in got)))
    for key, label, target in MEMORY:
        got = [v[key] for v in all_values if key in v]
        if not got:
            continue
        median = statistics.median(got)
        verdict = ''
        if target is not None:
            verdict = '< %s' % fmt_mib(target).replace('.00', '')
            if median >= target:
                verdict += ' MISSED'
                missed.append(label)
        print(row % (label, fmt_mib(median), fmt_mib(min(got)), '', verdict,
                     ' '.join(fmt_mib(g) for g in got)))
    if missed:
        print('\nmissed targets: ' + '; '.join(missed))
    return missed


def main():
    ap = argparse.ArgumentParser(description='cwmpd benchmark on loopback')
    ap.add_argument('--build-dir', default=os.path.join(SOURCE_DIR, 'build'),
                    help='the CMake build directory (default: build)')
    ap.add_argument('--runs', type=int, default=3, help='fresh stacks to measure (default 3)')
    ap.add_argument('--iterations', type=int, default=200,
                    help='minimal sessions and connection requests per run (default 200)')
    ap.add_argument('--gpv-iterations', type=int, default=30,
                    help='GetParameterValues sessions per run (default 30)')
    ap.add_argument('--warmup', type=int, default=3, help='untimed rounds before each measure')
    ap.add_argument('--size', type=int, default=10000,
                    help='parameters of the synthetic model (default 10000)')
    ap.add_argument('--gpv-path', default='Device.', help='what the ACS asks for')
    ap.add_argument('--cr-auth', choices=('digest', 'none'), default='digest',
                    help='connection requests with Digest credentials (default) or none')
    ap.add_argument('--cwmpd-full-schema', action='store_true',
                    help='cwmpd loads the synthetic schema fragment too, as it would if all '
                    'fragments were installed in one directory')
    ap.add_argument('--cwmpd-arg', action='append', default=[], help='extra cwmpd argument')
    ap.add_argument('--dmd-arg', action='append', default=[], help='extra dmd argument')
    ap.add_argument('--timeout', type=int, default=900, help='seconds for one run')
    ap.add_argument('--perf-output', metavar='FILE',
                    help='record cwmpd with perf record -g into FILE.RUN')
    ap.add_argument('--perf-frequency', type=int, default=4999)
    ap.add_argument('--keep', action='store_true', help='keep each run\'s directory (logs)')
    args = ap.parse_args()
    if args.runs < 1 or args.gpv_iterations < 0 or args.iterations < 0:
        ap.error('--runs must be at least 1, iteration counts not negative')

    cwmptest = import_cwmptest(args.build_dir)

    runs = []
    for i in range(args.runs):
        t0 = time.monotonic()
        try:
            measures, values = run_one(cwmptest, i, args)
        except Exception as e:
            print('run %d failed: %s' % (i + 1, e), file=sys.stderr)
            return 1
        runs.append((measures, values))
        print('run %d/%d done in %.1f s: session %s ms, GPV %s ms, connection request %s ms, '
              'idle RSS %s' % (i + 1, args.runs, time.monotonic() - t0,
                               fmt_ms(measures.get('session_call_to_ended', {}).get('median', 0)),
                               fmt_ms(measures.get('gpv', {}).get('median', 0)),
                               fmt_ms(measures.get('cr_to_post', {}).get('median', 0)),
                               fmt_mib(values.get('cwmpd_idle_rss_kib', 0))))
        sys.stdout.flush()
    print_table(runs, args)
    return 0


if __name__ == '__main__':
    sys.exit(main())
