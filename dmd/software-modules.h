/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

/*
 * dmd's built-in provider of Device.SoftwareModules. (schema/56-software-modules.schema), a
 * read-only view: the box installs software with its own package manager; ChangeDUState is
 * not implemented.
 *
 *     ExecEnv.1.                    the Linux system itself, the only execution environment
 *         Name, Vendor              PRETTY_NAME and VENDOR_NAME (else NAME) of ETC/os-release
 *         Type, Version             the kernel's sysname and release (uname)
 *         Allocated/AvailableDiskSpace  statvfs() of ROOT: size and space left to users, KiB
 *         Allocated/AvailableMemory     MemTotal and MemAvailable of PROC/meminfo, KiB
 *         ProcessorRefList          DeviceInfo's Processor rows (the system runs on all)
 *     DeploymentUnit.{i}.           one per package of the package manager's status file
 *                                   (dpkg's or opkg's, same format) that is installed or on its
 *                                   way in or out; a package known only by its configuration
 *                                   files is left out
 *         UUID                      RFC 4122 version 5 over SOFTWARE_MODULES_UUID_NAMESPACE
 *                                   and Name followed by Vendor (TR-181 Annex C)
 *         DUID                      the package name, ":ARCH" added when the name is
 *                                   installed for several architectures
 *         Name, Version, Vendor     Package, Version, Maintainer
 *         Description               the synopsis (first line of Description)
 *         Status                    Installed; Installing or Uninstalling while the package
 *                                   is half installed, unpacked or half configured
 *         Resolved                  true once configured (dpkg and opkg configure a package
 *                                   only when its dependencies are)
 *
 * A package keeps its instance number (by name and architecture) while it is installed and
 * across restarts (STATE_DIR/SOFTWARE_MODULES_STATE_FILE). The status file is parsed again
 * only when its modification time or size changed, checked at most once per
 * SOFTWARE_MODULES_CHECK_USEC. Text longer than TR-181 allows is cut at a character
 * boundary.
 */
#define SOFTWARE_MODULES_STATE_FILE "dmd-deployment-units"
#define SOFTWARE_MODULES_CHECK_USEC (500u * 1000u)
#define SOFTWARE_MODULES_STATUS_MAX (64u * 1024u * 1024u)
/* RFC 4122 Appendix C's DNS name space, which Annex C names for Deployment Units. */
#define SOFTWARE_MODULES_UUID_NAMESPACE "6ba7b810-9dad-11d1-80b4-00c04fd430c8"

struct software_modules_paths {
        const char *proc;        /* NULL: "/proc" */
        const char *etc;         /* NULL: "/etc" */
        const char *root;        /* the file system whose space is reported; NULL: "/" */
        const char *status_file; /* NULL: the first of dpkg's, then opkg's status files */
        const char *state_dir;   /* where the numbering is kept; NULL: in memory only */
};

/* DeviceInfo's Processor rows as a comma-separated list of paths, newly allocated, or NULL. */
typedef char *(*software_modules_processors_fn)(void *userdata);

struct software_modules;

int software_modules_new(const struct software_modules_paths *paths,
                         software_modules_processors_fn processors, void *userdata,
                         struct software_modules **ret);
void software_modules_free(struct software_modules *s);
/* Value of a live parameter, newly allocated. -ENOENT if not ours or no such instance. */
int software_modules_get(struct software_modules *s, const char *name, char **value);
/* As deviceinfo_get_instances(), for ExecEnv.{i}. and DeploymentUnit.{i}. */
int software_modules_get_instances(struct software_modules *s, const char *object,
                                   struct strv *instances);

/* One package of a status file; the strings point into the parsed text. */
struct package {
        const char *name, *version, *architecture, *maintainer, *synopsis;
        const char *status; /* TR-181's Status */
        bool resolved;
        bool shared_name; /* installed for several architectures */
};

struct package_list {
        struct package *v;
        size_t n;
};

/* Parses dpkg/opkg status text in place (the text is cut into strings). Packages that are
 * not installed (or only by their configuration files) are left out. */
int software_modules_parse_status(char *text, struct package_list *out);
/* RFC 4122 version 5 UUID of `name` in the name space `ns` ("xxxxxxxx-xxxx-..."), written
 * into out[37]. -EINVAL if ns is not a UUID. */
int software_modules_uuid_v5(const char *ns, const char *name, char out[37]);
