/* SPDX-License-Identifier: MIT */
/* Device.USB.: the USB buses and devices, from sysfs. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "builtin-table.h"
#include "instance-map.h"
#include "store.h"
#include "usb-netif.h"
#include "usb-port.h"
#include "usb.h"

#define HOSTS         "Device.USB.USBHosts."
#define HOST_TABLE    HOSTS "Host."
#define ATTR_MAX      4096u
#define TEXT_MAX      64u /* Manufacturer, ProductClass, SerialNumber */
#define MAX_DEVICES   1024u
#define MAX_INTERFACE 32u

struct usb_interface {
        unsigned number;
        char class_[3], subclass[3], protocol[3];
};

struct usb_device {
        unsigned bus;
        uint32_t instance;
        uint32_t parent; /* the parent's instance, 0 on the root hub */
        char *name;      /* "1-1.2" */
        char *version, *manufacturer, *product, *serial;
        char class_[3], subclass[3], protocol[3];
        unsigned devnum, bcd_device, product_id, vendor_id, port, maxchild;
        const char *rate;
        bool suspended, self_powered;
        char *port_name;        /* the root hub port it is plugged into ("usb1-port2"), or NULL */
        unsigned configuration; /* 0: not configured */
        struct usb_interface *interfaces;
        size_t n_interfaces;
};

struct usb_host {
        unsigned bus;
        char *name, *version;
        const char *type;
        bool enabled, power_management;
};

struct usb {
        char *devices_dir; /* SYS/bus/usb/devices */
        struct usb_netif *netif;
        struct usb_port *ports;
        struct instance_map numbers;
        struct usb_host *hosts;
        size_t n_hosts;
        struct usb_device *devices;
        size_t n_devices;
        struct table_snapshot snapshot;
};

/* ---- pure helpers ---------------------------------------------------------------------- */

int usb_read_line(const char *path, char **ret)
{
        _cleanup_free_ char *data = NULL;
        *ret = NULL;
        int r = store_read_file(path, ATTR_MAX, &data, NULL);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return 0;
        data[strcspn(data, "\n")] = '\0';
        *ret = data;
        data = NULL;
        return 0;
}

char *usb_version_text(const char *bcd)
{
        bcd += strspn(bcd, " ");
        size_t major = strspn(bcd, "0123456789");
        if (major == 0 || major > 2 || bcd[major] != '.')
                return NULL;
        const char *minor = bcd + major + 1;
        size_t n = strspn(minor, "0123456789");
        if (n == 0 || minor[n] != '\0')
                return NULL;
        while (n > 1 && minor[n - 1] == '0')
                n--;
        if (major + 1 + n > 4)
                n = 4 - major - 1;
        char *s;
        return asprintf(&s, "%.*s.%.*s", (int)major, bcd, (int)n, minor) < 0 ? NULL : s;
}

const char *usb_rate(const char *speed)
{
        if (streq(speed, "1.5"))
                return "Low";
        if (streq(speed, "12"))
                return "Full";
        if (streq(speed, "480"))
                return "High";
        char *end;
        unsigned long v = strtoul(speed, &end, 10);
        if (end != speed && *end == '\0' && v >= 5000)
                return "Super";
        return "Unknown";
}

const char *usb_host_type(const char *driver)
{
        static const struct {
                const char *tag, *type;
        } map[] = {{"xhci", "xHCI"}, {"ehci", "EHCI"}, {"ohci", "OHCI"}, {"uhci", "UHCI"}};
        for (size_t i = 0; driver && i < ELEMENTSOF(map); i++)
                if (strncmp(driver, map[i].tag, 4) == 0)
                        return map[i].type;
        return "Unknown";
}

/* ---- reading sysfs --------------------------------------------------------------------- */

/* The attribute's first line, without trailing blanks; NULL (and 0) when absent. */
static int read_attr(const struct usb *u, const char *dev, const char *attr, char **ret)
{
        _cleanup_free_ char *path = NULL, *data = NULL;
        *ret = NULL;
        if (asprintf(&path, "%s/%s/%s", u->devices_dir, dev, attr) < 0)
                return -ENOMEM;
        int r = store_read_file(path, ATTR_MAX, &data, NULL);
        if (r == -ENOENT || r == -EACCES || r == -EINVAL || r == -EIO || r == -ENODEV)
                return 0; /* not there, or the device went away */
        if (r < 0)
                return r;
        data[strcspn(data, "\n")] = '\0';
        size_t len = strlen(data);
        while (len > 0 && isspace((unsigned char)data[len - 1]))
                data[--len] = '\0';
        *ret = data;
        data = NULL;
        return 0;
}

static int read_hex(const struct usb *u, const char *dev, const char *attr, unsigned max,
                    unsigned *ret)
{
        _cleanup_free_ char *s = NULL;
        *ret = 0;
        int r = read_attr(u, dev, attr, &s);
        if (r < 0 || !s)
                return r;
        char *end;
        unsigned long v = strtoul(s, &end, 16);
        if (end != s && *end == '\0' && v <= max)
                *ret = (unsigned)v;
        return 0;
}

static int read_dec(const struct usb *u, const char *dev, const char *attr, unsigned *ret)
{
        _cleanup_free_ char *s = NULL;
        *ret = 0;
        int r = read_attr(u, dev, attr, &s);
        if (r < 0 || !s)
                return r;
        char *end;
        unsigned long v = strtoul(s, &end, 10);
        if (end != s && *end == '\0' && v <= UINT_MAX)
                *ret = (unsigned)v;
        return 0;
}

/* A one-byte code as two hex digits ("09"), "" when absent. */
static int read_byte(const struct usb *u, const char *dev, const char *attr, char out[3])
{
        _cleanup_free_ char *s = NULL;
        out[0] = '\0';
        int r = read_attr(u, dev, attr, &s);
        if (r >= 0 && s && strlen(s) == 2 && isxdigit((unsigned char)s[0]) &&
            isxdigit((unsigned char)s[1]))
                memcpy(out, s, 3);
        return r;
}

/* A descriptor string cut to TR-181's 64 characters (not inside a UTF-8 sequence). */
static int read_text(const struct usb *u, const char *dev, const char *attr, char **ret)
{
        int r = read_attr(u, dev, attr, ret);
        if (r < 0 || !*ret)
                return r;
        size_t chars = 0;
        for (char *p = *ret; *p; p++)
                if (((unsigned char)*p & 0xC0) != 0x80 && ++chars > TEXT_MAX) {
                        *p = '\0';
                        break;
                }
        return 0;
}

static void device_done(struct usb_device *d)
{
        free(d->name);
        free(d->version);
        free(d->manufacturer);
        free(d->product);
        free(d->serial);
        free(d->port_name);
        free(d->interfaces);
}

static void host_done(struct usb_host *h)
{
        free(h->name);
        free(h->version);
}

static void snapshot_free(struct usb_host *hosts, size_t n_hosts, struct usb_device *devices,
                          size_t n_devices)
{
        for (size_t i = 0; i < n_hosts; i++)
                host_done(&hosts[i]);
        free(hosts);
        for (size_t i = 0; i < n_devices; i++)
                device_done(&devices[i]);
        free(devices);
}

/* "usb3" -> 3 */
static bool is_root_hub(const char *name, unsigned *bus)
{
        char *end;
        if (!startswith(name, "usb") || !isdigit((unsigned char)name[3]))
                return false;
        unsigned long v = strtoul(name + 3, &end, 10);
        *bus = (unsigned)v;
        return *end == '\0' && v > 0 && v < 1000;
}

/* "3-1.4.2" -> bus 3, port 2; no ':' (that is an interface). */
static bool is_device(const char *name, unsigned *bus, unsigned *port)
{
        char *end;
        if (!isdigit((unsigned char)name[0]) || strchr(name, ':'))
                return false;
        unsigned long v = strtoul(name, &end, 10);
        if (*end != '-' || v == 0 || v >= 1000)
                return false;
        *bus = (unsigned)v;
        for (const char *p = end + 1;;) {
                if (!isdigit((unsigned char)*p))
                        return false;
                unsigned long pv = strtoul(p, &end, 10);
                if (pv > 255)
                        return false;
                *port = (unsigned)pv;
                if (*end == '\0')
                        return true;
                if (*end != '.')
                        return false;
                p = end + 1;
        }
}

static int read_host(const struct usb *u, const char *name, unsigned bus, struct usb_host *h)
{
        _cleanup_free_ char *version = NULL, *authorized = NULL, *control = NULL,
                            *driver_link = NULL;
        char target[PATH_MAX];
        int r;

        *h = (struct usb_host){.bus = bus};
        if ((r = read_attr(u, name, "version", &version)) < 0 ||
            (r = read_attr(u, name, "authorized", &authorized)) < 0 ||
            (r = read_attr(u, name, "power/control", &control)) < 0)
                return r;
        /* The controller is the root hub's parent device; its driver says which kind. */
        if (asprintf(&driver_link, "%s/%s/../driver", u->devices_dir, name) < 0)
                return -ENOMEM;
        ssize_t len = readlink(driver_link, target, sizeof(target) - 1);
        const char *driver = NULL;
        if (len > 0) {
                target[len] = '\0';
                const char *slash = strrchr(target, '/');
                driver = slash ? slash + 1 : target;
        }
        h->type = usb_host_type(driver);
        h->enabled = authorized && streq(authorized, "1");
        h->power_management = control && streq(control, "auto");
        h->name = strdup(name);
        h->version = version ? usb_version_text(version) : strdup("");
        if (!h->version)
                h->version = strdup("");
        return h->name && h->version ? 0 : -ENOMEM;
}

static int read_interfaces(const struct usb *u, struct usb_device *d)
{
        _cleanup_free_ char *prefix = NULL;
        if (d->configuration == 0)
                return 0;
        if (asprintf(&prefix, "%s:%u.", d->name, d->configuration) < 0)
                return -ENOMEM;
        DIR *dir = opendir(u->devices_dir);
        if (!dir)
                return -errno;
        int r = 0;
        for (struct dirent *de; r >= 0 && (de = readdir(dir));) {
                if (!startswith(de->d_name, prefix) || d->n_interfaces >= MAX_INTERFACE)
                        continue;
                struct usb_interface itf = {};
                r = read_hex(u, de->d_name, "bInterfaceNumber", 255, &itf.number);
                if (r >= 0)
                        r = read_byte(u, de->d_name, "bInterfaceClass", itf.class_);
                if (r >= 0)
                        r = read_byte(u, de->d_name, "bInterfaceSubClass", itf.subclass);
                if (r >= 0)
                        r = read_byte(u, de->d_name, "bInterfaceProtocol", itf.protocol);
                if (r < 0)
                        break;
                bool dup = false;
                for (size_t i = 0; i < d->n_interfaces; i++)
                        dup = dup || d->interfaces[i].number == itf.number;
                if (dup)
                        continue;
                struct usb_interface *nv =
                        realloc(d->interfaces, (d->n_interfaces + 1) * sizeof(*nv));
                if (!nv) {
                        r = -ENOMEM;
                        break;
                }
                d->interfaces = nv;
                d->interfaces[d->n_interfaces++] = itf;
        }
        closedir(dir);
        return r;
}

static int read_device(struct usb *u, const char *name, unsigned bus, unsigned port,
                       struct usb_device *d)
{
        _cleanup_free_ char *version = NULL, *speed = NULL, *status = NULL, *key = NULL;
        unsigned attributes = 0;
        int r;

        *d = (struct usb_device){.bus = bus, .port = port};
        d->name = strdup(name);
        if (!d->name)
                return -ENOMEM;
        if ((r = read_dec(u, name, "devnum", &d->devnum)) < 0 ||
            (r = read_attr(u, name, "version", &version)) < 0 ||
            (r = read_byte(u, name, "bDeviceClass", d->class_)) < 0 ||
            (r = read_byte(u, name, "bDeviceSubClass", d->subclass)) < 0 ||
            (r = read_byte(u, name, "bDeviceProtocol", d->protocol)) < 0 ||
            (r = read_hex(u, name, "bcdDevice", 65535, &d->bcd_device)) < 0 ||
            (r = read_hex(u, name, "idProduct", 65535, &d->product_id)) < 0 ||
            (r = read_hex(u, name, "idVendor", 65535, &d->vendor_id)) < 0 ||
            (r = read_text(u, name, "manufacturer", &d->manufacturer)) < 0 ||
            (r = read_text(u, name, "product", &d->product)) < 0 ||
            (r = read_text(u, name, "serial", &d->serial)) < 0 ||
            (r = read_attr(u, name, "speed", &speed)) < 0 ||
            (r = read_dec(u, name, "maxchild", &d->maxchild)) < 0 ||
            (r = read_attr(u, name, "power/runtime_status", &status)) < 0 ||
            (r = read_hex(u, name, "bmAttributes", 255, &attributes)) < 0 ||
            (r = read_dec(u, name, "bConfigurationValue", &d->configuration)) < 0)
                return r;
        d->version = version ? usb_version_text(version) : NULL;
        d->rate = usb_rate(speed ? speed : "");
        d->suspended = status && streq(status, "suspended");
        d->self_powered = attributes & 0x40;
        if (d->configuration > 255)
                d->configuration = 0;
        /* Plugged into a root hub port (no hub between): the kernel links its port. */
        if (!strchr(name, '.')) {
                _cleanup_free_ char *link = NULL;
                char target[PATH_MAX];
                if (asprintf(&link, "%s/%s/port", u->devices_dir, name) < 0)
                        return -ENOMEM;
                ssize_t len = readlink(link, target, sizeof(target) - 1);
                if (len > 0) {
                        target[len] = '\0';
                        const char *slash = strrchr(target, '/');
                        d->port_name = strdup(slash ? slash + 1 : target);
                        if (!d->port_name)
                                return -ENOMEM;
                }
        }
        r = read_interfaces(u, d);
        if (r < 0)
                return r;
        /* The kernel may give a device number again after an unplug: the pair names one
         * plugging. */
        if (asprintf(&key, "%s/%u", name, d->devnum) < 0)
                return -ENOMEM;
        d->instance = instance_map_get(&u->numbers, key);
        return d->instance ? 0 : -ENOMEM;
}

static int by_bus(const void *a, const void *b)
{
        const struct usb_host *x = a, *y = b;
        return (x->bus > y->bus) - (x->bus < y->bus);
}

static int by_instance(const void *a, const void *b)
{
        const struct usb_device *x = a, *y = b;
        return (x->instance > y->instance) - (x->instance < y->instance);
}

static int refresh(struct usb *u)
{
        struct usb_host *hosts = NULL;
        struct usb_device *devices = NULL;
        size_t n_hosts = 0, n_devices = 0;
        uint64_t now;
        int r = 0;

        if (table_snapshot_fresh(&u->snapshot, USB_SNAPSHOT_USEC, &now))
                return 0;
        DIR *dir = opendir(u->devices_dir);
        if (!dir && errno != ENOENT)
                return -errno;
        for (struct dirent *de; dir && r >= 0 && (de = readdir(dir));) {
                unsigned bus, port;
                if (is_root_hub(de->d_name, &bus)) {
                        struct usb_host *nv = realloc(hosts, (n_hosts + 1) * sizeof(*nv));
                        if (!nv) {
                                r = -ENOMEM;
                                break;
                        }
                        hosts = nv;
                        r = read_host(u, de->d_name, bus, &hosts[n_hosts++]);
                } else if (is_device(de->d_name, &bus, &port) && n_devices < MAX_DEVICES) {
                        struct usb_device *nv = realloc(devices, (n_devices + 1) * sizeof(*nv));
                        if (!nv) {
                                r = -ENOMEM;
                                break;
                        }
                        devices = nv;
                        r = read_device(u, de->d_name, bus, port, &devices[n_devices++]);
                }
        }
        if (dir)
                closedir(dir);
        if (r < 0) {
                snapshot_free(hosts, n_hosts, devices, n_devices);
                return r;
        }
        if (n_hosts)
                qsort(hosts, n_hosts, sizeof(*hosts), by_bus);
        if (n_devices)
                qsort(devices, n_devices, sizeof(*devices), by_instance);
        /* "1-1.2"'s parent is "1-1"; "1-1"'s is the root hub. */
        for (size_t i = 0; i < n_devices; i++) {
                const char *dot = strrchr(devices[i].name, '.');
                size_t len = dot ? (size_t)(dot - devices[i].name) : 0;
                for (size_t k = 0; len && k < n_devices; k++)
                        if (strlen(devices[k].name) == len &&
                            strncmp(devices[k].name, devices[i].name, len) == 0)
                                devices[i].parent = devices[k].instance;
        }
        snapshot_free(u->hosts, u->n_hosts, u->devices, u->n_devices);
        u->hosts = hosts;
        u->n_hosts = n_hosts;
        u->devices = devices;
        u->n_devices = n_devices;
        table_snapshot_taken(&u->snapshot, now);
        return 0;
}

/* ---- the model ------------------------------------------------------------------------- */

int usb_new(const char *sys, struct usb **ret)
{
        struct usb *u = calloc(1, sizeof(*u));
        if (!u)
                return -ENOMEM;
        int r = instance_map_init(&u->numbers, NULL);
        if (r >= 0 && asprintf(&u->devices_dir, "%s/bus/usb/devices", sys ? sys : "/sys") < 0) {
                u->devices_dir = NULL;
                r = -ENOMEM;
        }
        if (r >= 0)
                r = usb_netif_new(sys, &u->netif);
        if (r >= 0)
                r = usb_port_new(u->devices_dir, &u->ports);
        if (r < 0) {
                usb_free(u);
                return r;
        }
        *ret = u;
        return 0;
}

void usb_free(struct usb *u)
{
        if (!u)
                return;
        snapshot_free(u->hosts, u->n_hosts, u->devices, u->n_devices);
        instance_map_done(&u->numbers);
        usb_netif_free(u->netif);
        usb_port_free(u->ports);
        free(u->devices_dir);
        free(u);
}

void usb_invalidate(struct usb *u)
{
        table_snapshot_invalidate(&u->snapshot);
        usb_netif_invalidate(u->netif);
        usb_port_invalidate(u->ports);
}

static const struct usb_host *find_host(const struct usb *u, uint32_t bus)
{
        for (size_t i = 0; i < u->n_hosts; i++)
                if (u->hosts[i].bus == bus)
                        return &u->hosts[i];
        return NULL;
}

static const struct usb_device *find_device(const struct usb *u, unsigned bus, uint32_t instance)
{
        for (size_t i = 0; i < u->n_devices; i++)
                if (u->devices[i].bus == bus && u->devices[i].instance == instance)
                        return &u->devices[i];
        return NULL;
}

static const struct usb_interface *find_interface(const struct usb_device *d, uint32_t instance)
{
        for (size_t i = 0; i < d->n_interfaces; i++)
                if (d->interfaces[i].number + 1u == instance)
                        return &d->interfaces[i];
        return NULL;
}

static size_t host_devices(const struct usb *u, unsigned bus)
{
        size_t n = 0;
        for (size_t i = 0; i < u->n_devices; i++)
                n += u->devices[i].bus == bus;
        return n;
}

static int print_uint(unsigned v, char **ret)
{
        return asprintf(ret, "%u", v) < 0 ? -ENOMEM : 0;
}

static int host_value(const struct usb *u, const struct usb_host *h, const char *field,
                      char **value)
{
        if (streq(field, "Enable"))
                return table_text(h->enabled ? "true" : "false", value);
        if (streq(field, "Name"))
                return table_text(h->name, value);
        if (streq(field, "Type"))
                return table_text(h->type, value);
        if (streq(field, "PowerManagementEnable"))
                return table_text(h->power_management ? "true" : "false", value);
        if (streq(field, "USBVersion"))
                return table_text(h->version, value);
        if (streq(field, "DeviceNumberOfEntries"))
                return table_count(host_devices(u, h->bus), value);
        return -ENOENT;
}

static int interface_value(const struct usb_interface *itf, const char *field, char **value)
{
        if (streq(field, "InterfaceNumber"))
                return print_uint(itf->number, value);
        if (streq(field, "InterfaceClass"))
                return table_text(itf->class_, value);
        if (streq(field, "InterfaceSubClass"))
                return table_text(itf->subclass, value);
        if (streq(field, "InterfaceProtocol"))
                return table_text(itf->protocol, value);
        return -ENOENT;
}

static int configuration_value(const struct usb_device *d, const char *field, char **value)
{
        uint32_t instance;
        const char *rest;
        if (streq(field, "ConfigurationNumber"))
                return print_uint(d->configuration, value);
        if (streq(field, "InterfaceNumberOfEntries"))
                return table_count(d->n_interfaces, value);
        if (!startswith(field, "Interface.") ||
            table_parse_instance(field + strlen("Interface."), &instance, &rest) < 0)
                return -ENOENT;
        const struct usb_interface *itf = find_interface(d, instance);
        return itf ? interface_value(itf, rest, value) : -ENOENT;
}

static int device_value(struct usb *u, const struct usb_device *d, const char *field, char **value)
{
        static const char *const texts[] = {"USBVersion",     "DeviceClass",  "DeviceSubClass",
                                            "DeviceProtocol", "Manufacturer", "ProductClass",
                                            "SerialNumber",   "Rate"};
        const char *text[] = {d->version,      d->class_,  d->subclass, d->protocol,
                              d->manufacturer, d->product, d->serial,   d->rate};
        static const char *const numbers[] = {"DeviceNumber", "DeviceVersion", "ProductID",
                                              "VendorID",     "Port",          "MaxChildren"};
        const unsigned number[] = {d->devnum,    d->bcd_device, d->product_id,
                                   d->vendor_id, d->port,       d->maxchild};

        for (size_t i = 0; i < ELEMENTSOF(texts); i++)
                if (streq(field, texts[i]))
                        return table_text(text[i], value);
        for (size_t i = 0; i < ELEMENTSOF(numbers); i++)
                if (streq(field, numbers[i]))
                        return print_uint(number[i], value);
        if (streq(field, "IsSuspended"))
                return table_text(d->suspended ? "true" : "false", value);
        if (streq(field, "IsSelfPowered"))
                return table_text(d->self_powered ? "true" : "false", value);
        if (streq(field, "Parent")) {
                if (d->parent == 0)
                        return table_text("", value);
                return asprintf(value, HOST_TABLE "%u.Device.%" PRIu32, d->bus, d->parent) < 0
                               ? -ENOMEM
                               : 0;
        }
        if (streq(field, "USBPort")) {
                if (!d->port_name)
                        return table_text("", value);
                return usb_port_path(u->ports, d->port_name, value);
        }
        if (streq(field, "ConfigurationNumberOfEntries"))
                return print_uint(d->configuration ? 1 : 0, value);
        uint32_t instance;
        const char *rest;
        if (d->configuration == 0 || !startswith(field, "Configuration.") ||
            table_parse_instance(field + strlen("Configuration."), &instance, &rest) < 0 ||
            instance != 1)
                return -ENOENT;
        return configuration_value(d, rest, value);
}

int usb_get(struct usb *u, const char *name, char **value)
{
        uint32_t bus, instance;
        const char *field, *rest;
        int r;

        if (!startswith(name, HOSTS)) {
                r = usb_netif_get(u->netif, name, value);
                return r == -ENOENT ? usb_port_get(u->ports, name, value) : r;
        }
        r = refresh(u);
        if (r < 0)
                return r;
        if (streq(name, HOSTS "HostNumberOfEntries"))
                return table_count(u->n_hosts, value);
        if (!startswith(name, HOST_TABLE) ||
            table_parse_instance(name + strlen(HOST_TABLE), &bus, &field) < 0)
                return -ENOENT;
        const struct usb_host *h = find_host(u, bus);
        if (!h)
                return -ENOENT;
        if (!startswith(field, "Device."))
                return host_value(u, h, field, value);
        if (table_parse_instance(field + strlen("Device."), &instance, &rest) < 0)
                return -ENOENT;
        const struct usb_device *d = find_device(u, bus, instance);
        return d ? device_value(u, d, rest, value) : -ENOENT;
}

/* ---- instances ------------------------------------------------------------------------- */

static int append(struct strv *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int append(struct strv *out, const char *fmt, ...)
{
        va_list ap;
        char *s;
        va_start(ap, fmt);
        int n = vasprintf(&s, fmt, ap);
        va_end(ap);
        return n < 0 ? -ENOMEM : strv_push_take(out, s);
}

/* The rows of a device's subtree: its configuration and the interfaces. */
static int device_rows(const struct usb_device *d, const char *base, struct strv *out)
{
        if (d->configuration == 0)
                return 0;
        int r = append(out, "%sConfiguration.1.", base);
        for (size_t i = 0; r >= 0 && i < d->n_interfaces; i++)
                r = append(out, "%sConfiguration.1.Interface.%u.", base,
                           d->interfaces[i].number + 1u);
        return r;
}

/* The device's rows at or under `object`. */
static int list_device(const struct usb_device *d, const char *object, struct strv *out)
{
        _cleanup_free_ char *base = NULL;
        struct strv all = {};
        int r;

        if (asprintf(&base, HOST_TABLE "%u.Device.%" PRIu32 ".", d->bus, d->instance) < 0)
                return -ENOMEM;
        r = strv_push(&all, base);
        if (r >= 0)
                r = device_rows(d, base, &all);
        for (size_t i = 0; r >= 0 && i < all.n; i++)
                if (startswith(all.v[i], object))
                        r = strv_push(out, all.v[i]);
        strv_done(&all);
        return r;
}

/* Is `object` (a row path, or a table path under a row) one that exists? */
static bool row_exists(const struct usb *u, const char *object)
{
        uint32_t bus, instance;
        const char *rest;
        if (!startswith(object, HOST_TABLE) ||
            table_parse_instance(object + strlen(HOST_TABLE), &bus, &rest) < 0 ||
            !find_host(u, bus))
                return false;
        if (rest[0] == '\0' || streq(rest, "Device."))
                return true;
        if (!startswith(rest, "Device.") ||
            table_parse_instance(rest + strlen("Device."), &instance, &rest) < 0)
                return false;
        const struct usb_device *d = find_device(u, bus, instance);
        if (!d)
                return false;
        if (rest[0] == '\0' || (d->configuration && streq(rest, "Configuration.")))
                return true;
        if (!startswith(rest, "Configuration.") ||
            table_parse_instance(rest + strlen("Configuration."), &instance, &rest) < 0 ||
            instance != 1 || d->configuration == 0)
                return false;
        if (rest[0] == '\0' || streq(rest, "Interface."))
                return true;
        if (!startswith(rest, "Interface.") ||
            table_parse_instance(rest + strlen("Interface."), &instance, &rest) < 0)
                return false;
        return find_interface(d, instance) && rest[0] == '\0';
}

int usb_get_instances(struct usb *u, const char *object, struct strv *instances)
{
        int r;

        if (object[0] != '\0' && !endswith_char(object, '.'))
                return -EINVAL;
        r = usb_netif_get_instances(u->netif, object, instances);
        if (r >= 0)
                r = usb_port_get_instances(u->ports, object, instances);
        if (r < 0 || (!startswith(HOST_TABLE, object) && !startswith(object, HOST_TABLE)))
                return r;
        r = refresh(u);
        if (r < 0)
                return r;
        if (startswith(object, HOST_TABLE) && !streq(object, HOST_TABLE) && !row_exists(u, object))
                return -ENOENT;
        for (size_t i = 0; r >= 0 && i < u->n_hosts; i++) {
                _cleanup_free_ char *row = NULL;
                if (asprintf(&row, HOST_TABLE "%u.", u->hosts[i].bus) < 0)
                        return -ENOMEM;
                if (startswith(row, object))
                        r = strv_push(instances, row);
        }
        for (size_t i = 0; r >= 0 && i < u->n_devices; i++)
                r = list_device(&u->devices[i], object, instances);
        return r;
}
