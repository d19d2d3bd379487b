/* SPDX-License-Identifier: MIT */
/* Device.USB. over a fake sysfs tree, and DeviceInfo's platform values. */
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "fake-tree.h"
#include "deviceinfo-platform.h"
#include "store.h"
#include "usb.h"
#include "util.h"

#define HOST1 "Device.USB.USBHosts.Host.1."

struct fake {
        char root[64], sys[128], proc[128];
};

static int setup_fake(void **state)
{
        struct fake *f = calloc(1, sizeof(*f));
        assert_non_null(f);
        fake_tree_make_root(f->root, sizeof(f->root), "test-usb");
        snprintf(f->sys, sizeof(f->sys), "%s/sys", f->root);
        snprintf(f->proc, sizeof(f->proc), "%s/proc", f->root);
        *state = f;
        return 0;
}

/* Attributes of one device directory: "name=value" pairs. */
static void device(const char *sys, const char *dir, const char *const *attrs)
{
        char base[PATH_MAX];
        snprintf(base, sizeof(base), "%s/%s", sys, dir);
        for (; *attrs; attrs++) {
                const char *eq = strchr(*attrs, '=');
                char rel[128], text[256];
                snprintf(rel, sizeof(rel), "%.*s", (int)(eq - *attrs), *attrs);
                snprintf(text, sizeof(text), "%s\n", eq + 1);
                fake_tree_write_text(base, rel, text);
        }
}

/* A controller with its root hub, as the kernel lays them out: the bus directory links to
 * the root hub under the controller, whose driver names the kind. */
static void root_hub(const char *sys, const char *controller, const char *hub, const char *driver,
                     const char *version)
{
        char rel[256], target[256];
        const char *attrs[] = {version, "authorized=1", "power/control=auto", "devnum=1", NULL};
        snprintf(rel, sizeof(rel), "devices/platform/%s/%s", controller, hub);
        device(sys, rel, attrs);
        snprintf(rel, sizeof(rel), "devices/platform/%s/driver", controller);
        snprintf(target, sizeof(target), "../../../bus/platform/drivers/%s", driver);
        char path[PATH_MAX];
        snprintf(path, sizeof(path), "%s/%s", sys, rel);
        struct stat st;
        if (lstat(path, &st) != 0) /* xHCI's two root hubs share the controller */
                fake_tree_link(sys, rel, target);
        snprintf(rel, sizeof(rel), "bus/usb/devices/%s", hub);
        snprintf(target, sizeof(target), "../../../devices/platform/%s/%s", controller, hub);
        fake_tree_link(sys, rel, target);
}

static void build_tree(const char *sys)
{
        root_hub(sys, "xhci-hcd.0", "usb1", "xhci-hcd", "version= 2.00");
        root_hub(sys, "ehci.1", "usb2", "ehci-platform", "version= 1.10");
        static const char *const hub[] = {"devnum=2",
                                          "version= 2.00",
                                          "bDeviceClass=09",
                                          "bDeviceSubClass=00",
                                          "bDeviceProtocol=02",
                                          "bcdDevice=0404",
                                          "idProduct=5411",
                                          "idVendor=0bda",
                                          "manufacturer=Generic",
                                          "product=4-Port USB 2.0 Hub",
                                          "speed=480",
                                          "maxchild=4",
                                          "power/runtime_status=active",
                                          "bmAttributes=e0",
                                          "bConfigurationValue=1",
                                          NULL};
        device(sys, "bus/usb/devices/1-1", hub);
        static const char *const hub_itf[] = {"bInterfaceNumber=00", "bInterfaceClass=09",
                                              "bInterfaceSubClass=00", "bInterfaceProtocol=01",
                                              NULL};
        device(sys, "bus/usb/devices/1-1:1.0", hub_itf);
        static const char *const disk[] = {"devnum=5",
                                           "version= 2.10",
                                           "bDeviceClass=00",
                                           "bDeviceSubClass=00",
                                           "bDeviceProtocol=00",
                                           "bcdDevice=0100",
                                           "idProduct=5591",
                                           "idVendor=0781",
                                           "manufacturer=SanDisk",
                                           "product=Ultra Fit",
                                           "serial=4C530001",
                                           "speed=480",
                                           "maxchild=0",
                                           "power/runtime_status=suspended",
                                           "bmAttributes=80",
                                           "bConfigurationValue=1",
                                           NULL};
        device(sys, "bus/usb/devices/1-1.2", disk);
        static const char *const disk_itf[] = {"bInterfaceNumber=00", "bInterfaceClass=08",
                                               "bInterfaceSubClass=06", "bInterfaceProtocol=50",
                                               NULL};
        device(sys, "bus/usb/devices/1-1.2:1.0", disk_itf);
        /* Root hub ports: usb1-port1 and usb3-port1 are one receptacle, usb1-port3 is
         * hardwired, usb2-port1 has no connect_type (no firmware description). */
        root_hub(sys, "xhci-hcd.0", "usb3", "xhci-hcd", "version= 3.00");
        fake_tree_write_text(sys, "bus/usb/devices/1-0:1.0/usb1-port1/connect_type", "hotplug\n");
        fake_tree_link(sys, "bus/usb/devices/1-0:1.0/usb1-port1/peer", "../../3-0:1.0/usb3-port1");
        fake_tree_write_text(sys, "bus/usb/devices/3-0:1.0/usb3-port1/connect_type", "hotplug\n");
        fake_tree_link(sys, "bus/usb/devices/3-0:1.0/usb3-port1/peer", "../../1-0:1.0/usb1-port1");
        fake_tree_write_text(sys, "bus/usb/devices/1-0:1.0/usb1-port2/connect_type", "unknown\n");
        fake_tree_write_text(sys, "bus/usb/devices/1-0:1.0/usb1-port3/connect_type", "hardwired\n");
        fake_tree_write_text(sys, "bus/usb/devices/2-0:1.0/usb2-port1/over_current_count", "0\n");
        fake_tree_link(sys, "bus/usb/devices/1-1/port", "../1-0:1.0/usb1-port1");
        /* Unconfigured: no configuration row. */
        static const char *const bare[] = {"devnum=3", "version= 1.10", "speed=12",
                                           "bConfigurationValue=", NULL};
        device(sys, "bus/usb/devices/1-3", bare);
}

static char *get(struct usb *u, const char *name)
{
        char *v = NULL;
        int r = usb_get(u, name, &v);
        if (r < 0)
                fail_msg("%s: %s", name, strerror(-r));
        return v;
}

static void assert_usb(struct usb *u, const char *name, const char *want)
{
        char *v = get(u, name);
        if (!streq(v, want))
                fail_msg("%s = \"%s\", expected \"%s\"", name, v, want);
        free(v);
}

/* The instance number of the device whose SerialNumber / DeviceNumber is `devnum`. */
static unsigned device_instance(struct usb *u, unsigned devnum)
{
        struct strv rows = {0};
        unsigned found = 0;
        assert_int_equal(usb_get_instances(u, HOST1 "Device.", &rows), 0);
        for (size_t i = 0; i < rows.n; i++) {
                unsigned inst;
                char tail[8], name[256];
                if (sscanf(rows.v[i], HOST1 "Device.%u%7s", &inst, tail) != 2 || !streq(tail, "."))
                        continue;
                snprintf(name, sizeof(name), "%sDeviceNumber", rows.v[i]);
                char *v = get(u, name);
                if ((unsigned)atoi(v) == devnum)
                        found = inst;
                free(v);
        }
        strv_done(&rows);
        return found;
}

static void test_usb_helpers(void **state)
{
        char *v = usb_version_text(" 2.00");
        assert_string_equal(v, "2.0");
        free(v);
        v = usb_version_text("1.10");
        assert_string_equal(v, "1.1");
        free(v);
        v = usb_version_text(" 3.20");
        assert_string_equal(v, "3.2");
        free(v);
        assert_null(usb_version_text("x"));
        assert_string_equal(usb_rate("1.5"), "Low");
        assert_string_equal(usb_rate("12"), "Full");
        assert_string_equal(usb_rate("480"), "High");
        assert_string_equal(usb_rate("5000"), "Super");
        assert_string_equal(usb_rate("20000"), "Super");
        assert_string_equal(usb_rate(""), "Unknown");
        assert_string_equal(usb_host_type("xhci_hcd"), "xHCI");
        assert_string_equal(usb_host_type("ehci-pci"), "EHCI");
        assert_string_equal(usb_host_type("ohci-platform"), "OHCI");
        assert_string_equal(usb_host_type("uhci_hcd"), "UHCI");
        assert_string_equal(usb_host_type("dummy_hcd"), "Unknown");
        assert_string_equal(usb_host_type(NULL), "Unknown");
}

static void test_usb_tree(void **state)
{
        struct fake *f = *state;
        struct usb *u = NULL;
        char name[256];

        build_tree(f->sys);
        assert_int_equal(usb_new(f->sys, &u), 0);

        assert_usb(u, "Device.USB.USBHosts.HostNumberOfEntries", "3");
        assert_usb(u, HOST1 "Name", "usb1");
        assert_usb(u, HOST1 "Type", "xHCI");
        assert_usb(u, HOST1 "USBVersion", "2.0");
        assert_usb(u, HOST1 "Enable", "true");
        assert_usb(u, HOST1 "PowerManagementEnable", "true");
        assert_usb(u, HOST1 "DeviceNumberOfEntries", "3");
        assert_usb(u, "Device.USB.USBHosts.Host.2.Type", "EHCI");
        assert_usb(u, "Device.USB.USBHosts.Host.2.USBVersion", "1.1");
        assert_usb(u, "Device.USB.USBHosts.Host.2.DeviceNumberOfEntries", "0");

        unsigned hub = device_instance(u, 2), disk = device_instance(u, 5),
                 bare = device_instance(u, 3);
        assert_true(hub && disk && bare && hub != disk && disk != bare);

#define DEV(inst, field) (snprintf(name, sizeof(name), HOST1 "Device.%u." field, inst), name)
        assert_usb(u, DEV(hub, "DeviceClass"), "09");
        assert_usb(u, DEV(hub, "DeviceProtocol"), "02");
        assert_usb(u, DEV(hub, "DeviceVersion"), "1028"); /* 0x0404 */
        assert_usb(u, DEV(hub, "VendorID"), "3034");      /* 0x0bda */
        assert_usb(u, DEV(hub, "ProductID"), "21521");    /* 0x5411 */
        assert_usb(u, DEV(hub, "Port"), "1");
        assert_usb(u, DEV(hub, "Parent"), "");
        assert_usb(u, DEV(hub, "MaxChildren"), "4");
        assert_usb(u, DEV(hub, "IsSelfPowered"), "true");
        assert_usb(u, DEV(hub, "IsSuspended"), "false");
        assert_usb(u, DEV(hub, "Rate"), "High");
        assert_usb(u, DEV(hub, "ConfigurationNumberOfEntries"), "1");
        assert_usb(u, DEV(hub, "Configuration.1.Interface.1.InterfaceClass"), "09");

        char parent[128];
        snprintf(parent, sizeof(parent), HOST1 "Device.%u", hub);
        assert_usb(u, DEV(disk, "Parent"), parent);
        assert_usb(u, DEV(disk, "Port"), "2");
        assert_usb(u, DEV(disk, "USBVersion"), "2.1");
        assert_usb(u, DEV(disk, "Manufacturer"), "SanDisk");
        assert_usb(u, DEV(disk, "ProductClass"), "Ultra Fit");
        assert_usb(u, DEV(disk, "SerialNumber"), "4C530001");
        assert_usb(u, DEV(disk, "IsSuspended"), "true");
        assert_usb(u, DEV(disk, "IsSelfPowered"), "false");
        assert_usb(u, DEV(disk, "Configuration.1.ConfigurationNumber"), "1");
        assert_usb(u, DEV(disk, "Configuration.1.InterfaceNumberOfEntries"), "1");
        assert_usb(u, DEV(disk, "Configuration.1.Interface.1.InterfaceNumber"), "0");
        assert_usb(u, DEV(disk, "Configuration.1.Interface.1.InterfaceClass"), "08");
        assert_usb(u, DEV(disk, "Configuration.1.Interface.1.InterfaceSubClass"), "06");
        assert_usb(u, DEV(disk, "Configuration.1.Interface.1.InterfaceProtocol"), "50");

        assert_usb(u, DEV(bare, "Rate"), "Full");
        assert_usb(u, DEV(bare, "ConfigurationNumberOfEntries"), "0");
        assert_usb(u, DEV(bare, "Manufacturer"), "");
        char *v = NULL;
        assert_int_equal(usb_get(u, DEV(bare, "Configuration.1.ConfigurationNumber"), &v), -ENOENT);
        assert_int_equal(usb_get(u, DEV(disk, "Configuration.2.ConfigurationNumber"), &v), -ENOENT);
        assert_int_equal(usb_get(u, "Device.USB.USBHosts.Host.9.Name", &v), -ENOENT);
        assert_null(v);

        /* The ports: one row per receptacle of the root hubs, named after the USB 2 half. */
        assert_usb(u, "Device.USB.PortNumberOfEntries", "3");
        assert_usb(u, "Device.USB.Port.1.Name", "usb1-port1");
        assert_usb(u, "Device.USB.Port.1.Standard", "3.0");
        assert_usb(u, "Device.USB.Port.1.Type", "Host");
        assert_usb(u, "Device.USB.Port.2.Name", "usb1-port2");
        assert_usb(u, "Device.USB.Port.2.Standard", "2.0");
        assert_usb(u, "Device.USB.Port.3.Name", "usb2-port1");
        assert_usb(u, "Device.USB.Port.3.Standard", "1.1");
        assert_usb(u, DEV(hub, "USBPort"), "Device.USB.Port.1");
        assert_usb(u, DEV(disk, "USBPort"), ""); /* behind the hub */
        assert_usb(u, DEV(bare, "USBPort"), ""); /* the kernel links no port */

        /* Every row, from the top: 3 ports, 3 hosts, 3 devices, 2 configurations, 2
         * interfaces. */
        struct strv rows = {0};
        assert_int_equal(usb_get_instances(u, "Device.", &rows), 0);
        assert_int_equal(rows.n, 13);
        strv_done(&rows);
        assert_int_equal(usb_get_instances(u, DEV(disk, "Configuration.1."), &rows), 0);
        assert_int_equal(rows.n, 2);
        strv_done(&rows);
        assert_int_equal(usb_get_instances(u, DEV(bare, "Configuration.1."), &rows), -ENOENT);
        assert_int_equal(usb_get_instances(u, "Device.USB.USBHosts.Host.9.", &rows), -ENOENT);
        assert_int_equal(usb_get_instances(u, "Device.IP.", &rows), 0);
        assert_int_equal(rows.n, 0);
        strv_done(&rows);

        /* Unplugged: gone at the next snapshot; plugged again with a new device number: a
         * new row. */
        fake_tree_write_text(f->sys, "bus/usb/devices/1-1.2/devnum", "9\n");
        usb_invalidate(u);
        assert_int_equal(device_instance(u, 5), 0);
        unsigned again = device_instance(u, 9);
        assert_true(again > bare && again > hub && again != disk);
        assert_int_equal(device_instance(u, 2), hub);
#undef DEV
        usb_free(u);
}

static void test_usb_no_bus(void **state)
{
        struct fake *f = *state;
        struct usb *u = NULL;
        struct strv rows = {0};
        assert_int_equal(usb_new(f->sys, &u), 0);
        assert_usb(u, "Device.USB.USBHosts.HostNumberOfEntries", "0");
        assert_int_equal(usb_get_instances(u, "Device.USB.", &rows), 0);
        assert_int_equal(rows.n, 0);
        usb_free(u);
}

/* A network interface of SYS/class/net whose device is on `subsystem` (NULL: none). */
static void netif(const char *sys, const char *name, const char *subsystem,
                  const char *const *attrs)
{
        char rel[256], target[256];
        snprintf(rel, sizeof(rel), "class/net/%s", name);
        device(sys, rel, attrs);
        if (!subsystem)
                return;
        snprintf(rel, sizeof(rel), "devices/%s-dev/subsystem", name);
        snprintf(target, sizeof(target), "../../../bus/%s", subsystem);
        fake_tree_link(sys, rel, target);
        snprintf(rel, sizeof(rel), "class/net/%s/device", name);
        snprintf(target, sizeof(target), "../../../devices/%s-dev", name);
        fake_tree_link(sys, rel, target);
}

static void test_usb_network_interfaces(void **state)
{
        struct fake *f = *state;
        struct usb *u = NULL;
        struct strv rows = {0};

        static const char *const usb0[] = {"flags=0x1003",
                                           "carrier=1",
                                           "ifindex=7",
                                           "operstate=up",
                                           "address=02:11:22:33:44:55",
                                           "statistics/tx_bytes=123456789012",
                                           "statistics/rx_bytes=42",
                                           "statistics/tx_packets=7",
                                           "statistics/rx_packets=9",
                                           "statistics/tx_errors=4294967298",
                                           "statistics/rx_errors=1",
                                           "statistics/tx_dropped=0",
                                           "statistics/rx_dropped=3",
                                           "statistics/multicast=5",
                                           NULL};
        static const char *const usb1[] = {"flags=0x1002",
                                           "carrier=0",
                                           "ifindex=8",
                                           "operstate=down",
                                           "address=02:11:22:33:44:66",
                                           NULL};
        static const char *const other[] = {"flags=0x1003", "ifindex=2", "operstate=up", NULL};
        netif(f->sys, "usb0", "usb", usb0);
        netif(f->sys, "usb1", "usb", usb1);
        netif(f->sys, "eth0", "pci", other);
        netif(f->sys, "lo", NULL, other);
        assert_int_equal(usb_new(f->sys, &u), 0);

        assert_usb(u, "Device.USB.InterfaceNumberOfEntries", "2");
        assert_int_equal(usb_get_instances(u, "Device.USB.", &rows), 0);
        assert_int_equal(rows.n, 2);
        strv_done(&rows);
        /* Numbered in directory order: find usb0's row by its name. */
        const char *i0 = "Device.USB.Interface.1.", *i1 = "Device.USB.Interface.2.";
        char *v = get(u, "Device.USB.Interface.1.Name");
        if (streq(v, "usb1"))
                i0 = "Device.USB.Interface.2.", i1 = "Device.USB.Interface.1.";
        free(v);
        char name[128];
#define F(row, field) (snprintf(name, sizeof(name), "%s%s", row, field), name)
        assert_usb(u, F(i0, "Name"), "usb0");
        assert_usb(u, F(i0, "Enable"), "true");
        assert_usb(u, F(i0, "Status"), "Up");
        assert_usb(u, F(i0, "MACAddress"), "02:11:22:33:44:55");
        assert_usb(u, F(i0, "Stats.BytesSent"), "123456789012");
        assert_usb(u, F(i0, "Stats.BytesReceived"), "42");
        assert_usb(u, F(i0, "Stats.ErrorsSent"), "2"); /* a 32-bit counter wraps */
        assert_usb(u, F(i0, "Stats.DiscardPacketsReceived"), "3");
        assert_usb(u, F(i0, "Stats.MulticastPacketsReceived"), "5");
        assert_usb(u, F(i1, "Name"), "usb1");
        assert_usb(u, F(i1, "Enable"), "false");
        assert_usb(u, F(i1, "Status"), "Down");
        assert_usb(u, F(i1, "Stats.BytesSent"), "0");
        assert_int_equal(usb_get(u, F(i1, "Stats.UnicastPacketsSent"), &v), -ENOENT);
        assert_int_equal(usb_get(u, "Device.USB.Interface.3.Name", &v), -ENOENT);
        assert_int_equal(usb_get_instances(u, F(i0, "Stats."), &rows), 0);
        assert_int_equal(rows.n, 0);
        assert_int_equal(usb_get_instances(u, "Device.USB.Interface.3.", &rows), -ENOENT);
#undef F
        usb_free(u);
}

/* ---- DeviceInfo's platform values ----------------------------------------------------- */

static char *platform_get(struct deviceinfo_platform *p, const char *name)
{
        char *v = NULL;
        int r = deviceinfo_platform_get(p, name, &v);
        if (r < 0)
                fail_msg("%s: %s", name, strerror(-r));
        return v;
}

static void assert_platform(struct deviceinfo_platform *p, const char *name, const char *want)
{
        char *v = platform_get(p, name);
        if (!streq(v, want))
                fail_msg("%s = \"%s\", expected \"%s\"", name, v, want);
        free(v);
}

static void test_platform_helpers(void **state)
{
        unsigned *cpus = NULL;
        size_t n = 0;
        assert_int_equal(deviceinfo_platform_parse_cpu_list("0-3,6\n", &cpus, &n), 0);
        assert_int_equal(n, 5);
        assert_int_equal(cpus[3], 3);
        assert_int_equal(cpus[4], 6);
        free(cpus);
        assert_int_equal(deviceinfo_platform_parse_cpu_list("0\n", &cpus, &n), 0);
        assert_int_equal(n, 1);
        free(cpus);
        assert_int_equal(deviceinfo_platform_parse_cpu_list("3-1", &cpus, &n), -EINVAL);
        assert_int_equal(deviceinfo_platform_parse_cpu_list("0-2,1", &cpus, &n), -EINVAL);
        assert_int_equal(deviceinfo_platform_parse_cpu_list("a", &cpus, &n), -EINVAL);
        assert_int_equal(deviceinfo_platform_parse_cpu_list("0-99999", &cpus, &n), -EINVAL);

        assert_string_equal(deviceinfo_platform_architecture("x86_64", false), "x86_64");
        assert_string_equal(deviceinfo_platform_architecture("i686", false), "i386");
        assert_string_equal(deviceinfo_platform_architecture("aarch64", false), "arm");
        assert_string_equal(deviceinfo_platform_architecture("armv7l", false), "arm");
        assert_string_equal(deviceinfo_platform_architecture("mips", true), "mipseb");
        assert_string_equal(deviceinfo_platform_architecture("mips", false), "mipsel");
        assert_string_equal(deviceinfo_platform_architecture("ppc64le", false), "powerpc");
        assert_null(deviceinfo_platform_architecture("riscv64", false));
        assert_null(deviceinfo_platform_architecture("s390x", true));
}

static void test_platform_values(void **state)
{
        struct fake *f = *state;
        struct deviceinfo_platform *p = NULL;
        struct strv rows = {0};

        fake_tree_write_text(f->sys, "devices/system/cpu/present", "0-1,3\n");
        fake_tree_write_text(f->proc, "sys/net/ipv4/tcp_rmem", "4096\t131072\t6291456\n");
        fake_tree_write_text(f->proc, "sys/net/ipv4/tcp_available_congestion_control",
                             "reno cubic\n");
        assert_int_equal(deviceinfo_platform_new(f->proc, f->sys, "aarch64", &p), 0);

        assert_platform(p, "Device.DeviceInfo.ProcessorNumberOfEntries", "3");
        assert_platform(p, "Device.DeviceInfo.Processor.4.Architecture", "arm");
        char *v = NULL;
        assert_int_equal(
                deviceinfo_platform_get(p, "Device.DeviceInfo.Processor.3.Architecture", &v),
                -ENOENT);
        assert_platform(p, "Device.DeviceInfo.SupportedDataModelNumberOfEntries", "1");
        assert_platform(p, "Device.DeviceInfo.SupportedDataModel.1.URN",
                        "urn:broadband-forum-org:tr-181-2-19-1");
        assert_platform(p, "Device.DeviceInfo.NetworkProperties.MaxTCPWindowSize", "6291456");
        assert_platform(p, "Device.DeviceInfo.NetworkProperties.TCPImplementation", "New Reno");
        fake_tree_write_text(f->proc, "sys/net/ipv4/tcp_available_congestion_control",
                             "reno vegas cubic\n");
        assert_platform(p, "Device.DeviceInfo.NetworkProperties.TCPImplementation",
                        "New Reno,Vegas");
        assert_int_equal(deviceinfo_platform_get(p, "Device.DeviceInfo.Manufacturer", &v), -ENOENT);

        assert_int_equal(deviceinfo_platform_get_instances(p, "Device.DeviceInfo.", &rows), 0);
        assert_int_equal(rows.n, 4);
        assert_string_equal(rows.v[0], "Device.DeviceInfo.Processor.1.");
        assert_string_equal(rows.v[2], "Device.DeviceInfo.Processor.4.");
        assert_string_equal(rows.v[3], "Device.DeviceInfo.SupportedDataModel.1.");
        strv_done(&rows);
        assert_int_equal(
                deviceinfo_platform_get_instances(p, "Device.DeviceInfo.Processor.3.", &rows),
                -ENOENT);
        deviceinfo_platform_free(p);

        /* An architecture TR-181 has no name for: no rows. */
        assert_int_equal(deviceinfo_platform_new(f->proc, f->sys, "riscv64", &p), 0);
        assert_platform(p, "Device.DeviceInfo.ProcessorNumberOfEntries", "0");
        assert_int_equal(deviceinfo_platform_get_instances(p, "Device.", &rows), 0);
        assert_int_equal(rows.n, 1);
        strv_done(&rows);
        deviceinfo_platform_free(p);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_usb_helpers),
                cmocka_unit_test_setup_teardown(test_usb_tree, setup_fake, fake_tree_teardown),
                cmocka_unit_test_setup_teardown(test_usb_no_bus, setup_fake, fake_tree_teardown),
                cmocka_unit_test_setup_teardown(test_usb_network_interfaces, setup_fake,
                                                fake_tree_teardown),
                cmocka_unit_test(test_platform_helpers),
                cmocka_unit_test_setup_teardown(test_platform_values, setup_fake,
                                                fake_tree_teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
