/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <systemd/sd-id128.h>
#include <unistd.h>

#include <cmocka.h>

#include "fake-tree.h"
#include "config.h"
#include "deviceinfo-internal.h"
#include "deviceinfo.h"
#include "kvmap.h"
#include "schema.h"
#include "store.h"
#include "util.h"

#define PROCESS_TABLE "Device.DeviceInfo.ProcessStatus.Process."

/* HMAC-SHA256 keyed with machine ID 0123456789abcdef0123456789abcdef over the application ID,
 * as `systemd-id128 machine-id --app-specific=` computes it (checked with Python's hmac). */
#define FAKE_MACHINE_SERIAL "184fae916c934453a77376c93d0b3629"

struct fake {
        char root[64];
        char proc[128], sys[128], etc[128], state[128], run[128];
        struct deviceinfo_paths paths;
};

/* A process directory as the kernel shows it: stat, status, cmdline. */
static void add_process(const struct fake *f, int pid, const char *comm, char state,
                        unsigned long utime, unsigned long stime, long priority,
                        unsigned long long start, const char *status, const char *cmdline,
                        size_t cmdline_len)
{
        char rel[64], stat[512];
        long nice = priority >= 0 ? priority - 20 : 0;
        snprintf(stat, sizeof(stat),
                 "%d (%s) %c 1 %d %d 0 -1 4194560 1200 0 3 0 %lu %lu 0 0 %ld %ld 1 0 %llu "
                 "171798528 3000 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 0 0 0 0\n",
                 pid, comm, state, pid, pid, utime, stime, priority, nice, start);
        snprintf(rel, sizeof(rel), "%d/stat", pid);
        fake_tree_write_text(f->proc, rel, stat);
        snprintf(rel, sizeof(rel), "%d/status", pid);
        fake_tree_write_text(f->proc, rel, status);
        snprintf(rel, sizeof(rel), "%d/cmdline", pid);
        fake_tree_write(f->proc, rel, cmdline, cmdline_len);
}

static void remove_process(const struct fake *f, int pid)
{
        char path[PATH_MAX];
        snprintf(path, sizeof(path), "%s/%d", f->proc, pid);
        fake_tree_remove(path);
}

#define STATUS(rss) "Name:\tx\nState:\tS (sleeping)\nVmSize:\t  170000 kB\nVmRSS:\t " rss " kB\n"

static int setup_fake(void **state)
{
        struct fake *f = calloc(1, sizeof(*f));
        assert_non_null(f);
        fake_tree_make_root(f->root, sizeof(f->root), "test-deviceinfo");
        snprintf(f->proc, sizeof(f->proc), "%s/proc", f->root);
        snprintf(f->sys, sizeof(f->sys), "%s/sys", f->root);
        snprintf(f->etc, sizeof(f->etc), "%s/etc", f->root);
        snprintf(f->state, sizeof(f->state), "%s/state", f->root);
        snprintf(f->run, sizeof(f->run), "%s/run/cwmp", f->root);
        assert_int_equal(store_mkdir_p(f->state), 0);
        f->paths = (struct deviceinfo_paths){.proc = f->proc,
                                             .sys = f->sys,
                                             .etc = f->etc,
                                             .persistent_dir = f->state,
                                             .runtime_dir = f->run};

        fake_tree_write_text(f->proc, "uptime", "12345.67 54321.00\n");
        fake_tree_write_text(f->proc, "meminfo",
                             "MemTotal:        2048000 kB\nMemFree:          100000 kB\n"
                             "MemAvailable:    1500000 kB\nBuffers:           20000 kB\n");
        /* busy 200 (user + system) of 1000 ticks */
        fake_tree_write_text(f->proc, "stat",
                             "cpu  150 0 50 700 100 0 0 0 0 0\ncpu0 150 0 50 700 100 0 0 0 0 0\n"
                             "intr 0\nctxt 0\nbtime 0\n");
        fake_tree_write_text(f->proc, "sys/kernel/osrelease", "6.1.0-test\n");
        fake_tree_write_text(f->proc, "sys/kernel/random/boot_id",
                             "9a1c0d3e-0b1f-4c2d-8e3f-4a5b6c7d8e9f\n");

        fake_tree_write_text(f->sys, "class/dmi/id/sys_vendor", "ACME Devices Inc.\n");
        fake_tree_write_text(f->sys, "class/dmi/id/product_name", "Box 3000\n");
        fake_tree_write_text(f->sys, "class/dmi/id/product_serial", "To Be Filled By O.E.M.\n");
        fake_tree_write_text(f->sys, "class/dmi/id/product_version", "rev B\n");

        fake_tree_write_text(f->etc, "machine-id", "0123456789abcdef0123456789abcdef\n");
        fake_tree_write_text(
                f->etc, "os-release",
                "NAME=\"Test OS\"\nPRETTY_NAME=\"Test OS 1.0 (beta)\"\nVERSION_ID=\"1.0\"\n");

        static const char init_cmdline[] = "/sbin/init\0splash\0";
        add_process(f, 1, "systemd", 'S', 150, 50, 20, 5, STATUS("12000"), init_cmdline,
                    sizeof(init_cmdline) - 1);
        add_process(f, 2, "kthreadd", 'S', 0, 3, 20, 6, "Name:\tkthreadd\nState:\tS\n", "", 0);
        /* A real-time process with parentheses in its name and bytes no XML may carry. */
        static const char odd_cmdline[] = "prog\0--name=\x01x\xff\0";
        add_process(f, 42, "my (odd) prog", 'R', 7, 3, -51, 900, STATUS("2048"), odd_cmdline,
                    sizeof(odd_cmdline) - 1);
        add_process(f, 100, "defunct", 'Z', 1, 1, 39, 1000, "Name:\tdefunct\nState:\tZ\n", "", 0);

        *state = f;
        return 0;
}

static int teardown_fake(void **state)
{
        struct fake *f = *state;
        fake_tree_remove(f->root);
        free(f);
        return 0;
}

static char *get(struct deviceinfo *d, const char *name)
{
        char *v = NULL;
        int r = deviceinfo_get(d, name, &v);
        if (r < 0)
                fail_msg("get %s: %s", name, strerror(-r));
        return v;
}

static void assert_value(struct deviceinfo *d, const char *name, const char *expected)
{
        _cleanup_free_ char *v = get(d, name);
        if (!streq(v, expected))
                fail_msg("%s = \"%s\", expected \"%s\"", name, v, expected);
}

static void assert_process_value(struct deviceinfo *d, uint32_t instance, const char *field,
                                 const char *expected)
{
        char name[256];
        snprintf(name, sizeof(name), PROCESS_TABLE "%" PRIu32 ".%s", instance, field);
        assert_value(d, name, expected);
}

static void assert_missing(struct deviceinfo *d, const char *name)
{
        char *v = NULL;
        assert_int_equal(deviceinfo_get(d, name, &v), -ENOENT);
        assert_null(v);
}

/* The instance number that process `pid` has now, or 0. */
static uint32_t instance_of(struct deviceinfo *d, int pid)
{
        struct strv instances = {0};
        uint32_t found = 0;
        char want[16];
        snprintf(want, sizeof(want), "%d", pid);

        assert_int_equal(deviceinfo_get_instances(d, PROCESS_TABLE, &instances), 0);
        for (size_t i = 0; i < instances.n && !found; i++) {
                char name[256];
                snprintf(name, sizeof(name), "%sPID", instances.v[i]);
                _cleanup_free_ char *v = get(d, name);
                if (streq(v, want))
                        assert_int_equal(
                                sscanf(instances.v[i], PROCESS_TABLE "%" SCNu32 ".", &found), 1);
        }
        strv_done(&instances);
        return found;
}

static struct deviceinfo *new_deviceinfo(const struct fake *f, const struct deviceinfo_settings *s)
{
        struct deviceinfo *d = NULL;
        assert_int_equal(deviceinfo_new(s, &f->paths, &d), 0);
        assert_non_null(d);
        return d;
}

static void test_identity_derived(void **state)
{
        struct fake *f = *state;
        struct deviceinfo *d = new_deviceinfo(f, NULL);

        assert_value(d, "Device.DeviceInfo.Manufacturer", "ACME Devices Inc.");
        assert_value(d, "Device.DeviceInfo.ManufacturerOUI", DEVICEINFO_DEFAULT_OUI);
        assert_value(d, "Device.DeviceInfo.ModelName", "Box 3000");
        assert_value(d, "Device.DeviceInfo.Description", "");
        assert_value(d, "Device.DeviceInfo.ProductClass", "Box 3000");
        /* the DMI serial is a placeholder: the machine ID, hashed, takes over */
        assert_value(d, "Device.DeviceInfo.SerialNumber", FAKE_MACHINE_SERIAL);
        assert_value(d, "Device.DeviceInfo.HardwareVersion", "rev B");
        assert_value(d, "Device.DeviceInfo.SoftwareVersion", "1.0");
        assert_value(d, "Device.DeviceInfo.AdditionalSoftwareVersion", "Linux 6.1.0-test");
        /* dmd stores it; not a live value of ours */
        assert_missing(d, "Device.DeviceInfo.ProvisioningCode");
        deviceinfo_free(d);
}

static void test_identity_fallbacks(void **state)
{
        struct fake *f = *state;
        char path[PATH_MAX];

        /* A real DMI serial wins over the machine ID. */
        fake_tree_write_text(f->sys, "class/dmi/id/product_serial", "SN-0042\n");
        struct deviceinfo *d = new_deviceinfo(f, NULL);
        assert_value(d, "Device.DeviceInfo.SerialNumber", "SN-0042");
        deviceinfo_free(d);

        /* No DMI at all (a device-tree board): the model comes from the device tree, the
         * serial from the machine ID, the rest is honestly empty. */
        snprintf(path, sizeof(path), "%s/class", f->sys);
        fake_tree_remove(path);
        static const char model[] = "Raspberry Pi 4 Model B Rev 1.4\0";
        fake_tree_write(f->proc, "device-tree/model", model, sizeof(model) - 1);
        /* IMAGE_VERSION names the image an image-based box runs */
        fake_tree_write_text(
                f->etc, "os-release",
                "# comment\nPRETTY_NAME='Box OS'\nVERSION_ID=7\nIMAGE_VERSION=\"7.2.\\\"1\\\"\"\n");
        d = new_deviceinfo(f, NULL);
        assert_value(d, "Device.DeviceInfo.Manufacturer", "");
        assert_value(d, "Device.DeviceInfo.ModelName", "Raspberry Pi 4 Model B Rev 1.4");
        assert_value(d, "Device.DeviceInfo.ProductClass", "Raspberry Pi 4 Model B Rev 1.4");
        assert_value(d, "Device.DeviceInfo.SerialNumber", FAKE_MACHINE_SERIAL);
        assert_value(d, "Device.DeviceInfo.HardwareVersion", "");
        assert_value(d, "Device.DeviceInfo.SoftwareVersion", "7.2.\"1\"");
        deviceinfo_free(d);

        /* PRETTY_NAME as the last resort, from /usr/lib/os-release when /etc has none. */
        snprintf(path, sizeof(path), "%s/os-release", f->etc);
        assert_int_equal(unlink(path), 0);
        fake_tree_write_text(f->root, "usr/lib/os-release", "NAME=Box\nPRETTY_NAME='Box OS 9'\n");
        /* A machine ID not yet written (first boot) is no serial. */
        fake_tree_write_text(f->etc, "machine-id", "uninitialized\n");
        d = new_deviceinfo(f, NULL);
        assert_value(d, "Device.DeviceInfo.SoftwareVersion", "Box OS 9");
        assert_value(d, "Device.DeviceInfo.SerialNumber", "");
        deviceinfo_free(d);
}

static void test_identity_cut_to_size(void **state)
{
        struct fake *f = *state;
        char vendor[200];
        memset(vendor, 'v', sizeof(vendor));
        vendor[sizeof(vendor) - 1] = '\n';
        fake_tree_write(f->sys, "class/dmi/id/sys_vendor", vendor, sizeof(vendor));
        /* invalid UTF-8 and control characters cannot travel in SOAP */
        fake_tree_write_text(f->sys, "class/dmi/id/product_name",
                             "Box\t\xc3\x28 \xc3\xa9t\xc3\xa9\n");

        struct deviceinfo *d = new_deviceinfo(f, NULL);
        _cleanup_free_ char *m = get(d, "Device.DeviceInfo.Manufacturer");
        assert_int_equal(strlen(m), 64);
        assert_int_equal(strspn(m, "v"), 64);
        assert_value(d, "Device.DeviceInfo.ModelName", "Box ?( \xc3\xa9t\xc3\xa9");
        deviceinfo_free(d);
}

struct problems {
        unsigned n;
        char last[512];
};

static void collect(const struct cfg_location *where, const char *message, void *userdata)
{
        struct problems *p = userdata;
        p->n++;
        snprintf(p->last, sizeof(p->last), "%s:%u: %s", where->file, where->line, message);
}

static void test_settings(void **state)
{
        struct fake *f = *state;
        static const char conf[] = "[DeviceInfo]\n"
                                   "Manufacturer=Example Networks\n"
                                   "ManufacturerOUI=00a0c9\n"
                                   "ModelName=EX-100\n"
                                   "Description=A test gateway\n"
                                   "SerialNumber=EX100-000123\n"
                                   "HardwareVersion=2\n"
                                   "SoftwareVersion=1.2.3\n";
        struct deviceinfo_settings s = {0};
        struct problems p = {0};

        assert_int_equal(cfg_parse_buffer("dmd.conf", conf, strlen(conf), deviceinfo_cfg_items,
                                          deviceinfo_n_cfg_items, &s, collect, &p),
                         0);
        assert_string_equal(s.manufacturer_oui, "00A0C9");

        struct deviceinfo *d = new_deviceinfo(f, &s);
        assert_value(d, "Device.DeviceInfo.Manufacturer", "Example Networks");
        assert_value(d, "Device.DeviceInfo.ManufacturerOUI", "00A0C9");
        assert_value(d, "Device.DeviceInfo.ModelName", "EX-100");
        assert_value(d, "Device.DeviceInfo.Description", "A test gateway");
        assert_value(d, "Device.DeviceInfo.ProductClass", "EX-100"); /* from ModelName */
        assert_value(d, "Device.DeviceInfo.SerialNumber", "EX100-000123");
        assert_value(d, "Device.DeviceInfo.HardwareVersion", "2");
        assert_value(d, "Device.DeviceInfo.SoftwareVersion", "1.2.3");
        deviceinfo_free(d);

        /* Bad values are reported with their line and leave the setting alone; an empty
         * assignment goes back to deriving the value. */
        static const char bad[] = "[DeviceInfo]\n"
                                  "ManufacturerOUI=00A0C\n"
                                  "ManufacturerOUI=00-A0-C9\n"
                                  "ProductClass=0123456789012345678901234567890123456789"
                                  "01234567890123456789012345\n"
                                  "SerialNumber=\n"
                                  "ModelName=\xff\n";
        p = (struct problems){0};
        assert_int_equal(cfg_parse_buffer("bad.conf", bad, strlen(bad), deviceinfo_cfg_items,
                                          deviceinfo_n_cfg_items, &s, collect, &p),
                         4);
        assert_non_null(strstr(p.last, "bad.conf:6:"));
        assert_string_equal(s.manufacturer_oui, "00A0C9");
        assert_null(s.product_class);
        assert_null(s.serial_number);
        assert_string_equal(s.model_name, "EX-100");

        d = new_deviceinfo(f, &s);
        assert_value(d, "Device.DeviceInfo.SerialNumber", FAKE_MACHINE_SERIAL);
        deviceinfo_free(d);

        /* A caller that bypasses the parser cannot smuggle a bad OUI in. */
        free(s.manufacturer_oui);
        s.manufacturer_oui = strdup("XYZ123");
        d = NULL;
        assert_int_equal(deviceinfo_new(&s, &f->paths, &d), -EINVAL);
        assert_null(d);

        deviceinfo_settings_done(&s);
        assert_null(s.manufacturer);
}

static void test_counters(void **state)
{
        struct fake *f = *state;
        struct deviceinfo *d = new_deviceinfo(f, NULL);

        assert_value(d, "Device.DeviceInfo.UpTime", "12345");
        assert_value(d, "Device.DeviceInfo.MemoryStatus.Total", "2048000");
        assert_value(d, "Device.DeviceInfo.MemoryStatus.Free", "1500000");

        struct statvfs st;
        assert_int_equal(statvfs(f->state, &st), 0);
        uint64_t total = (uint64_t)st.f_blocks * st.f_frsize / 1024;
        uint64_t avail = (uint64_t)st.f_bavail * st.f_frsize / 1024;
        if (total > UINT32_MAX)
                total = UINT32_MAX;
        if (avail > UINT32_MAX)
                avail = UINT32_MAX;
        _cleanup_free_ char *tp = get(d, "Device.DeviceInfo.MemoryStatus.TotalPersistent");
        _cleanup_free_ char *fp = get(d, "Device.DeviceInfo.MemoryStatus.FreePersistent");
        assert_int_equal(strtoull(tp, NULL, 10), total);
        /* other programs write to /tmp meanwhile: allow 64 MiB of drift */
        assert_true(llabs((long long)strtoull(fp, NULL, 10) - (long long)avail) < 65536);

        /* First read: since boot. 200 busy of 1000 ticks. */
        assert_value(d, "Device.DeviceInfo.ProcessStatus.CPUUsage", "20");
        /* Then since the previous read: 300 busy (user, system, irq) of 500. */
        fake_tree_write_text(f->proc, "stat", "cpu  350 0 100 900 100 50 0 0 0 0\n");
        assert_value(d, "Device.DeviceInfo.ProcessStatus.CPUUsage", "60");
        /* A window of 10 ticks is too short to say anything: same answer. */
        fake_tree_write_text(f->proc, "stat", "cpu  360 0 100 900 100 50 0 0 0 0\n");
        assert_value(d, "Device.DeviceInfo.ProcessStatus.CPUUsage", "60");
        /* ... and it is measured from the last real sample: 10 + 0 busy of 10 + 190. */
        fake_tree_write_text(f->proc, "stat", "cpu  360 0 100 1090 100 50 0 0 0 0\n");
        assert_value(d, "Device.DeviceInfo.ProcessStatus.CPUUsage", "5");
        /* guest time is part of user time already and does not count twice */
        fake_tree_write_text(f->proc, "stat", "cpu  560 0 100 1090 100 50 0 0 200 0\n");
        assert_value(d, "Device.DeviceInfo.ProcessStatus.CPUUsage", "100");

        /* Old kernels have no MemAvailable. */
        fake_tree_write_text(f->proc, "meminfo", "MemTotal:  1000 kB\nMemFree:  400 kB\n");
        assert_value(d, "Device.DeviceInfo.MemoryStatus.Free", "400");
        /* Values beyond unsignedInt saturate rather than wrap. */
        fake_tree_write_text(f->proc, "meminfo", "MemTotal:  8589934592 kB\nMemAvailable:  1 kB\n");
        assert_value(d, "Device.DeviceInfo.MemoryStatus.Total", "4294967295");

        fake_tree_write_text(f->proc, "uptime", "garbage\n");
        char *v = NULL;
        assert_int_equal(deviceinfo_get(d, "Device.DeviceInfo.UpTime", &v), -EBADMSG);
        assert_null(v);

        assert_missing(d, "Device.DeviceInfo.MemoryStatus.Used");
        assert_missing(d, "Device.DeviceInfo.Nope");
        assert_missing(d, "Device.IP.Interface.1.Name");
        deviceinfo_free(d);
}

static void test_processes(void **state)
{
        struct fake *f = *state;
        struct deviceinfo *d = new_deviceinfo(f, NULL);
        struct strv instances = {0};
        long tick = sysconf(_SC_CLK_TCK);
        char expected[64];

        assert_int_equal(deviceinfo_get_instances(d, PROCESS_TABLE, &instances), 0);
        assert_int_equal(instances.n, 4);
        /* numbered in PID order on the first scan, listed by instance */
        assert_string_equal(instances.v[0], PROCESS_TABLE "1.");
        assert_string_equal(instances.v[3], PROCESS_TABLE "4.");
        strv_done(&instances);
        assert_value(d, "Device.DeviceInfo.ProcessStatus.ProcessNumberOfEntries", "4");

        uint32_t init = instance_of(d, 1), kthread = instance_of(d, 2), odd = instance_of(d, 42),
                 zombie = instance_of(d, 100);
        assert_true(init && kthread && odd && zombie);

        assert_process_value(d, init, "PID", "1");
        assert_process_value(d, init, "Command", "/sbin/init splash");
        assert_process_value(d, init, "Size", "12000");
        assert_process_value(d, init, "Priority", "80"); /* nice 0 */
        snprintf(expected, sizeof(expected), "%ld", 200 * 1000 / tick);
        assert_process_value(d, init, "CPUTime", expected);
        assert_process_value(d, init, "State", "Sleeping");

        assert_process_value(d, kthread, "Command", "kthreadd"); /* no command line */
        assert_process_value(d, kthread, "Size", "0");

        assert_process_value(d, odd, "PID", "42");
        assert_process_value(d, odd, "Command", "prog --name= x?");
        assert_process_value(d, odd, "Size", "2048");
        assert_process_value(d, odd, "Priority", "29"); /* SCHED_FIFO 50 */
        snprintf(expected, sizeof(expected), "%ld", 10 * 1000 / tick);
        assert_process_value(d, odd, "CPUTime", expected);
        assert_process_value(d, odd, "State", "Running");

        assert_process_value(d, zombie, "Command", "defunct");
        assert_process_value(d, zombie, "Priority", "99"); /* nice 19 */
        assert_process_value(d, zombie, "State", "Zombie");

        /* Partial paths at, above and below the table. */
        char object[128];
        snprintf(object, sizeof(object), PROCESS_TABLE "%" PRIu32 ".", odd);
        assert_int_equal(deviceinfo_get_instances(d, object, &instances), 0);
        assert_int_equal(instances.n, 1);
        assert_string_equal(instances.v[0], object);
        strv_done(&instances);
        /* the four processes and the fake /proc/stat's one CPU */
        assert_int_equal(deviceinfo_get_instances(d, "", &instances), 0);
        assert_int_equal(instances.n, 5);
        strv_done(&instances);
        assert_int_equal(
                deviceinfo_get_instances(d, "Device.DeviceInfo.ProcessStatus.", &instances), 0);
        assert_int_equal(instances.n, 5);
        strv_done(&instances);
        assert_int_equal(deviceinfo_get_instances(d, "Device.DeviceInfo.MemoryStatus.", &instances),
                         0);
        assert_int_equal(deviceinfo_get_instances(d, "Device.IP.", &instances), 0);
        assert_int_equal(instances.n, 0);
        assert_int_equal(deviceinfo_get_instances(d, PROCESS_TABLE "999.", &instances), -ENOENT);
        assert_int_equal(deviceinfo_get_instances(d, PROCESS_TABLE "1.Foo.", &instances), -ENOENT);
        assert_int_equal(deviceinfo_get_instances(d, "Device.DeviceInfo", &instances), -EINVAL);
        assert_int_equal(instances.n, 0);

        assert_missing(d, PROCESS_TABLE "999.PID");
        assert_missing(d, PROCESS_TABLE "01.PID");
        assert_missing(d, PROCESS_TABLE "1.Nope");
        assert_missing(d, PROCESS_TABLE "1.PID.");
        assert_missing(d, PROCESS_TABLE "99999999999.PID");
        deviceinfo_free(d);
}

static void test_long_command(void **state)
{
        struct fake *f = *state;
        char cmdline[700];
        memset(cmdline, 'a', sizeof(cmdline));
        add_process(f, 7, "a", 'D', 0, 0, 20, 70, STATUS("1"), cmdline, sizeof(cmdline));

        struct deviceinfo *d = new_deviceinfo(f, NULL);
        uint32_t i = instance_of(d, 7);
        char name[128];
        snprintf(name, sizeof(name), PROCESS_TABLE "%" PRIu32 ".Command", i);
        _cleanup_free_ char *v = get(d, name);
        assert_int_equal(strlen(v), 256);
        assert_process_value(d, i, "State", "Uninterruptible");
        deviceinfo_free(d);
}

static uint64_t state_file_inode(const struct fake *f)
{
        char path[PATH_MAX];
        struct stat st;
        snprintf(path, sizeof(path), "%s/%s", f->run, DEVICEINFO_PROCESS_STATE_FILE);
        assert_int_equal(stat(path, &st), 0);
        return st.st_ino;
}

static void test_instance_numbers(void **state)
{
        struct fake *f = *state;
        struct deviceinfo *d = new_deviceinfo(f, NULL);
        uint32_t init = instance_of(d, 1), odd = instance_of(d, 42), zombie = instance_of(d, 100);
        uint64_t inode = state_file_inode(f);

        /* Nothing changed: same numbers, and the state file is not rewritten. */
        deviceinfo_invalidate(d);
        assert_int_equal(instance_of(d, 42), odd);
        assert_int_equal(state_file_inode(f), inode);

        /* A dmd restart keeps the numbering. */
        deviceinfo_free(d);
        d = new_deviceinfo(f, NULL);
        assert_int_equal(instance_of(d, 1), init);
        assert_int_equal(instance_of(d, 42), odd);
        assert_int_equal(instance_of(d, 100), zombie);

        /* A process goes away and another comes: the old number is not reused. */
        remove_process(f, 42);
        add_process(f, 43, "newcomer", 'S', 0, 0, 20, 5000, STATUS("10"), "nc", 2);
        deviceinfo_invalidate(d);
        uint32_t newcomer = instance_of(d, 43);
        assert_int_equal(newcomer, 5);
        assert_int_equal(instance_of(d, 42), 0);
        assert_int_equal(instance_of(d, 1), init);
        char name[128];
        snprintf(name, sizeof(name), PROCESS_TABLE "%" PRIu32 ".PID", odd);
        assert_missing(d, name);

        /* The dead process was forgotten in the state file too. */
        _cleanup_kvmap_ struct kvmap *m = kvmap_new();
        char path[PATH_MAX];
        snprintf(path, sizeof(path), "%s/%s", f->run, DEVICEINFO_PROCESS_STATE_FILE);
        assert_int_equal(store_load(path, m, NULL), 0);
        assert_null(kvmap_get(m, "42/900"));
        assert_non_null(kvmap_get(m, "43/5000"));

        /* The PID comes back as another process (another start time): a new number, and
         * the counter survived the restart. */
        deviceinfo_free(d);
        add_process(f, 42, "reborn", 'S', 0, 0, 20, 6000, STATUS("10"), "rb", 2);
        d = new_deviceinfo(f, NULL);
        assert_int_equal(instance_of(d, 43), newcomer);
        assert_int_equal(instance_of(d, 42), 6);

        /* Without a runtime directory the numbering lives in memory. */
        struct deviceinfo_paths paths = f->paths;
        paths.runtime_dir = NULL;
        struct deviceinfo *mem = NULL;
        assert_int_equal(deviceinfo_new(NULL, &paths, &mem), 0);
        assert_int_equal(instance_of(mem, 1), 1);
        deviceinfo_free(mem);

        /* After a reboot (another boot ID) the old entries mean nothing: processes get fresh
         * numbers, still from the counter. */
        deviceinfo_free(d);
        fake_tree_write_text(f->proc, "sys/kernel/random/boot_id",
                             "0f0e0d0c-0b0a-4908-8706-050403020100\n");
        d = new_deviceinfo(f, NULL);
        uint32_t after = instance_of(d, 1);
        assert_true(after > 6);
        deviceinfo_free(d);

        /* A damaged state file is ignored rather than trusted. */
        fake_tree_write_text(f->run, DEVICEINFO_PROCESS_STATE_FILE,
                             "#cwmp-store 1\nnext-instance\t3\n");
        d = new_deviceinfo(f, NULL);
        assert_true(instance_of(d, 1) > 0);
        deviceinfo_free(d);
}

static void test_snapshot_cache(void **state)
{
        struct fake *f = *state;
        struct deviceinfo *d = new_deviceinfo(f, NULL);
        struct strv instances = {0};

        assert_int_equal(deviceinfo_get_instances(d, PROCESS_TABLE, &instances), 0);
        assert_int_equal(instances.n, 4);
        strv_done(&instances);

        /* Within one request the table does not change under dmd's feet ... */
        remove_process(f, 100);
        assert_value(d, "Device.DeviceInfo.ProcessStatus.ProcessNumberOfEntries", "4");
        /* ... a new request sees the process gone ... */
        deviceinfo_invalidate(d);
        assert_value(d, "Device.DeviceInfo.ProcessStatus.ProcessNumberOfEntries", "3");
        /* ... and so does any call once the snapshot is old. */
        remove_process(f, 2);
        usleep(DEVICEINFO_SNAPSHOT_USEC + 20000);
        assert_value(d, "Device.DeviceInfo.ProcessStatus.ProcessNumberOfEntries", "2");
        deviceinfo_free(d);
}

static void test_state_mapping(void **state)
{
        assert_string_equal(deviceinfo_process_state('R'), "Running");
        assert_string_equal(deviceinfo_process_state('S'), "Sleeping");
        assert_string_equal(deviceinfo_process_state('D'), "Uninterruptible");
        assert_string_equal(deviceinfo_process_state('T'), "Stopped");
        assert_string_equal(deviceinfo_process_state('t'), "Stopped");
        assert_string_equal(deviceinfo_process_state('Z'), "Zombie");
        assert_string_equal(deviceinfo_process_state('X'), "Zombie");
        assert_string_equal(deviceinfo_process_state('I'), "Idle");
        assert_string_equal(deviceinfo_process_state('P'), "Idle");
        assert_string_equal(deviceinfo_process_state('W'), "Sleeping");

        /* nice -20..19 keeps its order in 60..99; real time always ranks above */
        assert_int_equal(deviceinfo_process_priority(0), 60);
        assert_int_equal(deviceinfo_process_priority(20), 80);
        assert_int_equal(deviceinfo_process_priority(39), 99);
        assert_int_equal(deviceinfo_process_priority(-2), 59);  /* rt 1 */
        assert_int_equal(deviceinfo_process_priority(-100), 0); /* rt 99 */
        assert_int_equal(deviceinfo_process_priority(-101), 0); /* deadline */
        for (long k = -101; k < 39; k++)
                assert_true(deviceinfo_process_priority(k) <= deviceinfo_process_priority(k + 1));
        for (long k = -101; k <= 39; k++)
                assert_true(deviceinfo_process_priority(k) <= 99);
}

static void test_text_clean(void **state)
{
        _cleanup_free_ char *a = NULL, *b = NULL, *c = NULL;
        assert_int_equal(deviceinfo_text_clean("  x\0y \n", 7, 64, &a), 0);
        assert_string_equal(a, "x y");
        /* overlong encoding, lone surrogate, truncated sequence */
        assert_int_equal(deviceinfo_text_clean("\xc0\xaf\xed\xa0\x80z\xe2\x82", 8, 64, &b), 0);
        assert_string_equal(b, "?????z??");
        assert_int_equal(deviceinfo_text_clean("\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac", 9, 2, &c),
                         0);
        assert_string_equal(c, "\xe2\x82\xac\xe2\x82\xac");
        assert_true(deviceinfo_text_valid("caf\xc3\xa9", 4));
        assert_false(deviceinfo_text_valid("caf\xc3\xa9", 3));
        assert_false(deviceinfo_text_valid("a\tb", 64));
        assert_true(deviceinfo_text_is_placeholder("to be filled by o.e.m."));
        assert_false(deviceinfo_text_is_placeholder("ThinkPad X1"));
}

/* The real system: values must agree with what the kernel says right now. */
static void test_real_system(void **state)
{
        char run[] = "/tmp/test-deviceinfo-run-XXXXXX";
        assert_non_null(mkdtemp(run));
        const struct deviceinfo_paths paths = {.persistent_dir = run, .runtime_dir = run};
        struct deviceinfo *d = NULL;
        assert_int_equal(deviceinfo_new(NULL, &paths, &d), 0);

        _cleanup_free_ char *uptime_file = NULL;
        assert_int_equal(store_read_file("/proc/uptime", 4096, &uptime_file, NULL), 0);
        _cleanup_free_ char *uptime = get(d, "Device.DeviceInfo.UpTime");
        assert_true(llabs(atoll(uptime) - atoll(uptime_file)) <= 2);

        _cleanup_free_ char *total = get(d, "Device.DeviceInfo.MemoryStatus.Total");
        _cleanup_free_ char *meminfo = NULL;
        assert_int_equal(store_read_file("/proc/meminfo", 65536, &meminfo, NULL), 0);
        assert_int_equal(strtoull(total, NULL, 10),
                         strtoull(meminfo + strlen("MemTotal:"), NULL, 10));

        _cleanup_free_ char *cpu = get(d, "Device.DeviceInfo.ProcessStatus.CPUUsage");
        assert_true(atoi(cpu) >= 0 && atoi(cpu) <= 100);

        /* This test is in the table, with its command line and as running. */
        uint32_t self = instance_of(d, getpid());
        assert_true(self > 0);
        char name[128];
        snprintf(name, sizeof(name), PROCESS_TABLE "%" PRIu32 ".Command", self);
        _cleanup_free_ char *command = get(d, name);
        assert_true(startswith(command, program_invocation_name));
        assert_process_value(d, self, "State", "Running");
        snprintf(name, sizeof(name), PROCESS_TABLE "%" PRIu32 ".Size", self);
        _cleanup_free_ char *size = get(d, name);
        assert_true(atoll(size) > 0);

        struct strv instances = {0};
        assert_int_equal(deviceinfo_get_instances(d, PROCESS_TABLE, &instances), 0);
        char n[32];
        snprintf(n, sizeof(n), "%zu", instances.n);
        assert_value(d, "Device.DeviceInfo.ProcessStatus.ProcessNumberOfEntries", n);
        strv_done(&instances);

        /* With no readable DMI serial, the serial is systemd's app-specific machine ID. */
        if (access("/sys/class/dmi/id/product_serial", R_OK) < 0 &&
            access("/etc/machine-id", R_OK) == 0) {
                sd_id128_t app, id;
                assert_int_equal(sd_id128_from_string(DEVICEINFO_SERIAL_APP_ID, &app), 0);
                assert_int_equal(sd_id128_get_machine_app_specific(app, &id), 0);
                char s[SD_ID128_STRING_MAX];
                assert_value(d, "Device.DeviceInfo.SerialNumber", sd_id128_to_string(id, s));
        }

        deviceinfo_free(d);
        fake_tree_remove(run);
}

/* The schema fragment loads, declares exactly what deviceinfo_get serves, and matches
 * TR-181 in type, access, forcedInform and activeNotify. */
static const char *tr181_field(char *line, unsigned k)
{
        char *s = line;
        for (unsigned i = 0; i < k && s; i++) {
                s = strchr(s, '\t');
                if (s)
                        s++;
        }
        return s;
}

static void check_against_tr181(const struct schema_node *n, const char *tsv)
{
        char want[300];
        snprintf(want, sizeof(want), "\n%s\t", n->path);
        const char *at = strstr(tsv, want);
        if (!at)
                fail_msg("%s is not in TR-181", n->path);
        char line[1024];
        const char *eol = strchr(at + 1, '\n');
        size_t len = eol ? (size_t)(eol - at - 1) : strlen(at + 1);
        assert_true(len < sizeof(line));
        memcpy(line, at + 1, len);
        line[len] = '\0';

        const char *type = tr181_field(line, 1), *access = tr181_field(line, 2),
                   *notes = tr181_field(line, 3);
        assert_non_null(notes);
        bool rw = startswith(access, "readWrite");
        assert_int_equal(rw, n->access == SCHEMA_READ_WRITE);
        if (n->is_object) {
                assert_true(startswith(type, "object"));
                return;
        }
        char expect_type[64];
        snprintf(expect_type, sizeof(expect_type), "%s%s%s\t", n->facets.is_list ? "list<" : "",
                 cw_type_to_string(n->facets.type), n->facets.is_list ? ">" : "");
        if (!startswith(type, expect_type))
                fail_msg("%s: type %s in TR-181", n->path, type);
        assert_int_equal(n->forced_inform, strstr(notes, "forcedInform") != NULL);
        bool can_deny = strstr(notes, "activeNotify=canDeny") != NULL;
        bool forced = strstr(notes, "activeNotify=forceEnabled") != NULL;
        assert_int_equal(n->notify_rule == SCHEMA_NOTIFY_CAN_DENY, can_deny);
        assert_int_equal(n->notify_rule == SCHEMA_NOTIFY_FORCE_ENABLED, forced);
        const char *len_note = strstr(notes, "len=0..");
        if (len_note)
                assert_int_equal(n->facets.max_size, atoi(len_note + 7));
}

static void walk(const struct schema_node *n, struct deviceinfo *d, const char *tsv,
                 unsigned *n_params)
{
        for (const struct schema_node *c = n->first_child; c; c = c->next_sibling) {
                if (!startswith(c->path, "Device.DeviceInfo.")) {
                        walk(c, d, tsv, n_params);
                        continue;
                }
                if (tsv)
                        check_against_tr181(c, tsv);
                if (c->is_object) {
                        walk(c, d, tsv, n_params);
                        continue;
                }
                (*n_params)++;
                /* the first process instance stands for {i} */
                char name[256];
                const char *tmpl = strstr(c->path, "{i}");
                if (tmpl)
                        snprintf(name, sizeof(name), "%.*s1%s", (int)(tmpl - c->path), c->path,
                                 tmpl + 3);
                else
                        snprintf(name, sizeof(name), "%s", c->path);
                char *v = NULL;
                int r = deviceinfo_get(d, name, &v);
                if (c->storage == SCHEMA_PERSIST) {
                        assert_int_equal(r, -ENOENT);
                        continue;
                }
                if (r < 0)
                        fail_msg("%s is declared live but get fails: %s", name, strerror(-r));
                const char *reason = NULL;
                if (cw_value_check(&c->facets, v, &reason) < 0)
                        fail_msg("%s = \"%s\": %s", name, v, reason);
                free(v);
        }
}

/* The source tree, from this file's own path (CMake compiles it by absolute path). */
static void source_path(const char *rel, char *buf, size_t size)
{
        const char *at = strstr(__FILE__, "/tests/unit/");
        assert_non_null(at);
        assert_true((size_t)snprintf(buf, size, "%.*s/%s", (int)(at - __FILE__), __FILE__, rel) <
                    size);
}

static void test_schema(void **state)
{
        struct fake *f = *state;
        struct schema *s = NULL;
        struct schema_error err = {0};
        char root[PATH_MAX], fragment[PATH_MAX], tr181[PATH_MAX];
        source_path("dmd/schema/00-root.schema", root, sizeof(root));
        source_path("dmd/schema/10-deviceinfo.schema", fragment, sizeof(fragment));
        source_path("../shared/bbf/datamodel/tr-181-params.tsv", tr181, sizeof(tr181));

        assert_int_equal(schema_new(&s), 0);
        /* the root, then this fragment alone: other fragments are not ours to check */
        int r = schema_load_file(s, root, &err);
        if (r >= 0)
                r = schema_load_file(s, fragment, &err);
        if (r < 0)
                fail_msg("%s:%u: %s", err.file, err.line, err.message);

        _cleanup_free_ char *tsv = NULL;
        if (store_read_file(tr181, STORE_MAX_FILE_SIZE, &tsv, NULL) < 0)
                print_message("TR-181 table not found, checking the schema alone\n");

        /* one row in each table */
        fake_tree_write_text(f->sys, "class/thermal/thermal_zone0/type", "x86_pkg_temp\n");
        fake_tree_write_text(f->sys, "class/thermal/thermal_zone0/temp", "45500\n");
        char conf[PATH_MAX], log[PATH_MAX];
        snprintf(conf, sizeof(conf), "%s/cwmp/dmd.conf A setting", f->etc);
        snprintf(log, sizeof(log), "%s/messages 4096", f->state);
        fake_tree_write_text(f->etc, "cwmp/dmd.conf", "[DeviceInfo]\n");
        fake_tree_write_text(f->state, "messages", "hello\n");
        struct deviceinfo_settings set = {0};
        assert_int_equal(strv_push(&set.vendor_config_files, conf), 0);
        assert_int_equal(strv_push(&set.vendor_log_files, log), 0);

        struct deviceinfo *d = new_deviceinfo(f, &set);
        unsigned n_params = 0;
        walk(schema_root(s), d, tsv, &n_params);
        assert_int_equal(n_params, 38);
        deviceinfo_free(d);
        deviceinfo_settings_done(&set);
        schema_free(s);
}

static const char *stored_disabled(const char *name, void *userdata)
{
        return streq(name, "Device.DeviceInfo.TemperatureStatus.TemperatureSensor.2.Enable")
                       ? "false"
                       : NULL;
}

static void test_temperature(void **state)
{
        struct fake *f = *state;
        int deg;

        assert_int_equal(deviceinfo_parse_millidegrees("45500\n", &deg), 0);
        assert_int_equal(deg, 46);
        assert_int_equal(deviceinfo_parse_millidegrees("-1499", &deg), 0);
        assert_int_equal(deg, -1);
        assert_int_equal(deviceinfo_parse_millidegrees("-275000", &deg), -ERANGE);
        assert_int_equal(deviceinfo_parse_millidegrees("hot", &deg), -EBADMSG);
        assert_int_equal(deviceinfo_parse_millidegrees("", &deg), -EBADMSG);

        fake_tree_write_text(f->sys, "class/thermal/thermal_zone0/type", "acpitz\n");
        fake_tree_write_text(f->sys, "class/thermal/thermal_zone0/temp", "27800\n");
        fake_tree_write_text(f->sys, "class/thermal/cooling_device0/type", "Fan\n");
        fake_tree_write_text(f->sys, "class/hwmon/hwmon1/name", "coretemp\n");
        fake_tree_write_text(f->sys, "class/hwmon/hwmon1/temp1_input", "51000\n");
        fake_tree_write_text(f->sys, "class/hwmon/hwmon1/temp1_label", "Package id 0\n");
        fake_tree_write_text(f->sys, "class/hwmon/hwmon1/temp2_input", "garbage\n");
        fake_tree_write_text(f->sys, "class/hwmon/hwmon1/fan1_input", "1200\n");

        struct deviceinfo *d = new_deviceinfo(f, NULL);
        assert_value(d, "Device.DeviceInfo.TemperatureStatus.TemperatureSensorNumberOfEntries",
                     "3");
        assert_value(d, "Device.DeviceInfo.TemperatureStatus.TemperatureSensor.1.Name",
                     "acpitz (thermal_zone0)");
        assert_value(d, "Device.DeviceInfo.TemperatureStatus.TemperatureSensor.1.Value", "28");
        assert_value(d, "Device.DeviceInfo.TemperatureStatus.TemperatureSensor.1.Status",
                     "Enabled");
        assert_value(d, "Device.DeviceInfo.TemperatureStatus.TemperatureSensor.2.Name",
                     "coretemp Package id 0");
        assert_value(d, "Device.DeviceInfo.TemperatureStatus.TemperatureSensor.2.Value", "51");
        /* an unreadable value: Error, and TR-181's "never read" forms */
        assert_value(d, "Device.DeviceInfo.TemperatureStatus.TemperatureSensor.3.Status", "Error");
        assert_value(d, "Device.DeviceInfo.TemperatureStatus.TemperatureSensor.3.Value", "-274");
        assert_value(d, "Device.DeviceInfo.TemperatureStatus.TemperatureSensor.3.LastUpdate",
                     DEVICEINFO_UNKNOWN_TIME);
        char *v = NULL;
        assert_int_equal(deviceinfo_get(d,
                                        "Device.DeviceInfo.TemperatureStatus.TemperatureSensor."
                                        "1.LastUpdate",
                                        &v),
                         0);
        assert_int_equal(strlen(v), 20); /* 2026-01-01T00:00:00Z */
        assert_int_equal(v[19], 'Z');
        free(v);
        deviceinfo_free(d);

        /* Numbers stay with their sensors across restarts, and a vanished sensor's number is
         * not given to another. */
        fake_tree_remove(f->sys);
        fake_tree_write_text(f->sys, "class/hwmon/hwmon3/name", "coretemp\n");
        fake_tree_write_text(f->sys, "class/hwmon/hwmon3/temp1_input", "50000\n");
        fake_tree_write_text(f->sys, "class/hwmon/hwmon3/temp1_label", "Package id 0\n");
        fake_tree_write_text(f->sys, "class/hwmon/hwmon0/name", "nvme\n");
        fake_tree_write_text(f->sys, "class/hwmon/hwmon0/temp1_input", "33000\n");
        d = new_deviceinfo(f, NULL);
        struct strv inst = {0};
        assert_int_equal(deviceinfo_get_instances(d, "Device.DeviceInfo.", &inst), 0);
        bool two = false, four = false;
        for (size_t i = 0; i < inst.n; i++) {
                two |= streq(inst.v[i], "Device.DeviceInfo.TemperatureStatus.TemperatureSensor.2.");
                four |= streq(inst.v[i],
                              "Device.DeviceInfo.TemperatureStatus.TemperatureSensor.4.");
                assert_false(streq(inst.v[i],
                                   "Device.DeviceInfo.TemperatureStatus.TemperatureSensor.1."));
        }
        assert_true(two && four);
        strv_done(&inst);
        assert_value(d, "Device.DeviceInfo.TemperatureStatus.TemperatureSensor.4.Name",
                     "nvme temp1");
        assert_value(d, "Device.DeviceInfo.TemperatureStatus.TemperatureSensor.2.Value", "50");

        /* Disabled (Enable is stored by dmd): not read any more, the last reading stays. */
        deviceinfo_set_stored(d, stored_disabled, NULL);
        fake_tree_write_text(f->sys, "class/hwmon/hwmon3/temp1_input", "70000\n");
        deviceinfo_invalidate(d);
        usleep(DEVICEINFO_SNAPSHOT_USEC + 10000);
        assert_value(d, "Device.DeviceInfo.TemperatureStatus.TemperatureSensor.2.Status",
                     "Disabled");
        assert_value(d, "Device.DeviceInfo.TemperatureStatus.TemperatureSensor.2.Value", "50");
        assert_value(d, "Device.DeviceInfo.TemperatureStatus.TemperatureSensor.4.Status",
                     "Enabled");
        deviceinfo_set_stored(d, NULL, NULL);
        assert_value(d, "Device.DeviceInfo.TemperatureStatus.TemperatureSensor.2.Value", "70");
        deviceinfo_free(d);
}

static void test_vendor_files(void **state)
{
        struct fake *f = *state;
        struct deviceinfo_vendor_file vf;
        const char *reason = NULL;

        assert_int_equal(deviceinfo_vendor_file_parse("relative/path", false, &vf, &reason),
                         -EINVAL);
        assert_int_equal(deviceinfo_vendor_file_parse("/var/log/x big", true, &vf, &reason),
                         -EINVAL);
        assert_int_equal(deviceinfo_vendor_file_parse("/var/log/x  65536", true, &vf, &reason), 0);
        assert_string_equal(vf.path, "/var/log/x");
        assert_int_equal(vf.max_size, 65536);
        free(vf.path);
        free(vf.extra);

        /* config lines: an error names file and line; an empty assignment clears the list */
        char conf[PATH_MAX], text[2048];
        snprintf(conf, sizeof(conf), "%s/dmd.conf", f->etc);
        snprintf(text, sizeof(text),
                 "[DeviceInfo]\nVendorConfigFile=/nowhere\nVendorConfigFile=\n"
                 "VendorConfigFile=%s/cwmp/a.conf The first one\n"
                 "VendorConfigFile=%s/cwmp/missing.conf\n"
                 "VendorConfigFile=%s/cwmp/b.conf\n"
                 "VendorLogFile=%s/log/messages 1048576\n"
                 "VendorLogFile=not/absolute\n"
                 "SoftwareVersionFile=%s/firmware/software-version\n",
                 f->etc, f->etc, f->etc, f->state, f->state);
        fake_tree_write_text(f->etc, "dmd.conf", text);
        fake_tree_write_text(f->etc, "cwmp/a.conf", "a\n");
        fake_tree_write_text(f->etc, "cwmp/b.conf", "b\n");
        fake_tree_write_text(f->state, "log/messages", "m\n");
        struct deviceinfo_settings set = {0};
        struct problems p = {0};
        assert_int_equal(
                cfg_load(conf, deviceinfo_cfg_items, deviceinfo_n_cfg_items, &set, collect, &p), 1);
        assert_non_null(strstr(p.last, "dmd.conf:8:"));
        assert_int_equal(set.vendor_config_files.n, 3);
        assert_int_equal(set.vendor_log_files.n, 1);

        struct deviceinfo *d = new_deviceinfo(f, &set);
        assert_value(d, "Device.DeviceInfo.VendorConfigFileNumberOfEntries", "2");
        assert_value(d, "Device.DeviceInfo.VendorConfigFile.1.Description", "The first one");
        assert_value(d, "Device.DeviceInfo.VendorConfigFile.3.Description", "");
        char *v = NULL;
        assert_int_equal(deviceinfo_get(d, "Device.DeviceInfo.VendorConfigFile.2.Name", &v),
                         -ENOENT);
        assert_int_equal(deviceinfo_get(d, "Device.DeviceInfo.VendorConfigFile.1.Date", &v), 0);
        assert_int_equal(strlen(v), 20);
        free(v);
        assert_value(d, "Device.DeviceInfo.VendorLogFile.1.MaximumSize", "1048576");
        /* /tmp may be a tmpfs: compare with what statfs says */
        bool persistent;
        char path[PATH_MAX];
        snprintf(path, sizeof(path), "%s/log/messages", f->state);
        assert_int_equal(deviceinfo_file_persistent(path, &persistent), 0);
        assert_value(d, "Device.DeviceInfo.VendorLogFile.1.Persistent",
                     persistent ? "true" : "false");

        /* SoftwareVersion: the file when present, else the derivation */
        char *before = NULL;
        assert_int_equal(deviceinfo_get(d, "Device.DeviceInfo.SoftwareVersion", &before), 0);
        fake_tree_write_text(f->state, "firmware/software-version", "2.4.1-rc1\nignored\n");
        assert_value(d, "Device.DeviceInfo.SoftwareVersion", "2.4.1-rc1");
        fake_tree_write_text(f->state, "firmware/software-version", "");
        assert_value(d, "Device.DeviceInfo.SoftwareVersion", before);
        free(before);
        deviceinfo_free(d);
        deviceinfo_settings_done(&set);
}

static void test_first_use(void **state)
{
        struct fake *f = *state;
        char *v = NULL;

        /* Unknown until the clock is trusted, then kept for good. */
        assert_int_equal(deviceinfo_first_use(f->state, false, 1800000000, &v), 0);
        assert_string_equal(v, DEVICEINFO_UNKNOWN_TIME);
        free(v);
        assert_int_equal(deviceinfo_first_use(f->state, true, 1800000000, &v), 0);
        assert_string_equal(v, "2027-01-15T08:00:00Z");
        free(v);
        assert_int_equal(deviceinfo_first_use(f->state, true, 1900000000, &v), 0);
        assert_string_equal(v, "2027-01-15T08:00:00Z");
        free(v);
        assert_int_equal(deviceinfo_first_use(f->state, false, 1900000000, &v), 0);
        assert_string_equal(v, "2027-01-15T08:00:00Z");
        free(v);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_identity_derived, setup_fake, teardown_fake),
                cmocka_unit_test_setup_teardown(test_temperature, setup_fake, teardown_fake),
                cmocka_unit_test_setup_teardown(test_vendor_files, setup_fake, teardown_fake),
                cmocka_unit_test_setup_teardown(test_first_use, setup_fake, teardown_fake),
                cmocka_unit_test_setup_teardown(test_identity_fallbacks, setup_fake, teardown_fake),
                cmocka_unit_test_setup_teardown(test_identity_cut_to_size, setup_fake,
                                                teardown_fake),
                cmocka_unit_test_setup_teardown(test_settings, setup_fake, teardown_fake),
                cmocka_unit_test_setup_teardown(test_counters, setup_fake, teardown_fake),
                cmocka_unit_test_setup_teardown(test_processes, setup_fake, teardown_fake),
                cmocka_unit_test_setup_teardown(test_long_command, setup_fake, teardown_fake),
                cmocka_unit_test_setup_teardown(test_instance_numbers, setup_fake, teardown_fake),
                cmocka_unit_test_setup_teardown(test_snapshot_cache, setup_fake, teardown_fake),
                cmocka_unit_test(test_state_mapping),
                cmocka_unit_test(test_text_clean),
                cmocka_unit_test(test_real_system),
                cmocka_unit_test_setup_teardown(test_schema, setup_fake, teardown_fake),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
