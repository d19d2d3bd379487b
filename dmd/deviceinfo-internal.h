/* SPDX-License-Identifier: MIT */
#pragma once

/* Pieces of the Device.DeviceInfo. provider shared between its deviceinfo-*.c files. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "deviceinfo.h"

/* TR-181 sizes of the identity strings (characters). */
#define DEVICEINFO_SHORT_MAX       64u
#define DEVICEINFO_DESCRIPTION_MAX 256u
#define DEVICEINFO_COMMAND_MAX     256u

/* ---- text and files (deviceinfo-text.c) ---- */

/* Reads at most `max` bytes of a file (sysfs and procfs files report size 0, so it reads
 * until EOF). The copy is NUL-terminated; *ret_len (if given) excludes the NUL. */
int deviceinfo_read_file(const char *path, size_t max, char **ret, size_t *ret_len);
/* prefix + suffix, newly allocated; NULL on allocation failure. */
char *deviceinfo_path(const char *prefix, const char *suffix);

/* Turns raw bytes from the system into a value that SOAP can carry: valid UTF-8 (bad bytes
 * become '?'), control characters and NULs become spaces, blanks trimmed at both ends, at
 * most max_chars characters. */
int deviceinfo_text_clean(const char *data, size_t len, size_t max_chars, char **ret);
/* Is s valid UTF-8 without control characters, and at most max_chars characters long? */
bool deviceinfo_text_valid(const char *s, size_t max_chars);
/* A firmware placeholder such as "To Be Filled By O.E.M." or an empty string? */
bool deviceinfo_text_is_placeholder(const char *s);

/* ---- identity (deviceinfo-identity.c) ---- */

enum deviceinfo_identity {
        DEVICEINFO_MANUFACTURER,
        DEVICEINFO_MANUFACTURER_OUI,
        DEVICEINFO_MODEL_NAME,
        DEVICEINFO_DESCRIPTION,
        DEVICEINFO_PRODUCT_CLASS,
        DEVICEINFO_SERIAL_NUMBER,
        DEVICEINFO_HARDWARE_VERSION,
        DEVICEINFO_SOFTWARE_VERSION,
        DEVICEINFO_ADDITIONAL_SOFTWARE_VERSION,
        _DEVICEINFO_IDENTITY_MAX,
};

/* Fills values[] (each newly allocated, never NULL on success) from the settings or the
 * system trees. */
int deviceinfo_identity_load(const struct deviceinfo_settings *s, const char *proc, const char *sys,
                             const char *etc, char *values[_DEVICEINFO_IDENTITY_MAX]);

/* The application-specific ID of etc/machine-id (32 lower-case hex digits), as systemd's
 * sd_id128_get_machine_app_specific() computes it for DEVICEINFO_SERIAL_APP_ID. -ENOENT if
 * the file is missing, -EINVAL if it does not hold a machine ID. */
int deviceinfo_machine_serial(const char *etc, char **ret);

/* ---- system counters (deviceinfo-system.c) ---- */

struct deviceinfo_cpu_sample {
        uint64_t busy, total; /* clock ticks summed over all CPUs */
        uint64_t user;        /* user and nice: part of busy */
        uint64_t system;      /* system, irq and softirq: part of busy */
};

/* The number in a "Key:   1234 kB" line of /proc/meminfo or /proc/PID/status; -ENOENT if no
 * line has that key. */
int deviceinfo_kib_field(const char *data, const char *key, uint64_t *ret);

int deviceinfo_read_uptime(const char *proc, uint64_t *ret_seconds);
/* MemTotal and MemAvailable (MemFree on kernels without it), KiB. */
int deviceinfo_read_meminfo(const char *proc, uint64_t *ret_total_kib, uint64_t *ret_free_kib);
int deviceinfo_read_cpu_sample(const char *proc, struct deviceinfo_cpu_sample *ret);
/* The numbers of one /proc/stat "cpu" line, after its label. */
int deviceinfo_parse_cpu_line(const char *numbers, struct deviceinfo_cpu_sample *ret);
/* Size and space available of the file system holding `dir`, KiB. */
int deviceinfo_read_fs_usage(const char *dir, uint64_t *ret_total_kib, uint64_t *ret_free_kib);

/* CPU usage, percent busy between two reads of /proc/stat. */
struct deviceinfo_cpu_usage {
        struct deviceinfo_cpu_sample prev;
        bool have_prev;
        unsigned last_percent;                      /* busy */
        unsigned last_user, last_system, last_idle; /* the parts, each rounded */
};
/* Feeds one sample of the CPU (or of all of them) to the window. */
void deviceinfo_cpu_usage_add(struct deviceinfo_cpu_usage *u,
                              const struct deviceinfo_cpu_sample *now);
/* Takes a sample and returns the percentage since the previous one (since boot for the
 * first). Windows too short to measure keep the previous answer. */
int deviceinfo_cpu_usage_update(struct deviceinfo_cpu_usage *u, const char *proc,
                                unsigned *ret_percent);

/* ---- one row per CPU (deviceinfo-cpu.c) ---- */

struct deviceinfo_cpu {
        unsigned number; /* the kernel's: "cpu3" is 3 */
        struct deviceinfo_cpu_usage usage;
};

/* The CPUs of /proc/stat's "cpuN" lines, ascending (offline CPUs have no line). */
struct deviceinfo_cpu_table {
        struct deviceinfo_cpu *cpus;
        size_t n;
};

/* Reads /proc/stat once, feeds every listed CPU's sample to its window, adds the CPUs that
 * came online and drops those that went away. */
int deviceinfo_cpu_table_refresh(struct deviceinfo_cpu_table *t, const char *proc);
void deviceinfo_cpu_table_done(struct deviceinfo_cpu_table *t);
/* The CPU with this number, or NULL. */
const struct deviceinfo_cpu *deviceinfo_cpu_table_find(const struct deviceinfo_cpu_table *t,
                                                       unsigned number);

/* ---- process table (deviceinfo-process.c) ---- */

struct deviceinfo_process_id {
        pid_t pid;
        uint64_t start_time; /* clock ticks after boot: with the PID, names one process */
        uint32_t instance;
};

struct deviceinfo_process {
        struct deviceinfo_process_id id;
        char *command;
        uint64_t size_kib;
        uint64_t cpu_time_ms;
        unsigned priority;
        const char *state; /* a TR-181 State enumeration value */
};

struct deviceinfo_process_table {
        char *proc;
        char *runtime_dir; /* NULL: numbering in memory only */
        char *state_file;
        char *boot_id;    /* of the boot the numbering belongs to */
        long clock_ticks; /* sysconf(_SC_CLK_TCK) */

        /* The numbering: every process seen by the last scan, sorted by (pid, start). */
        struct deviceinfo_process_id *known;
        size_t n_known;
        uint32_t next_instance;
        bool dirty; /* differs from the state file */

        /* The last scan, sorted by instance number. */
        struct deviceinfo_process *procs;
        size_t n_procs;
        uint64_t taken_usec; /* CLOCK_MONOTONIC */
        bool valid;
};

/* Loads the numbering saved in runtime_dir (if any) when it belongs to this boot. */
int deviceinfo_process_table_init(struct deviceinfo_process_table *t, const char *proc,
                                  const char *runtime_dir);
void deviceinfo_process_table_done(struct deviceinfo_process_table *t);
/* Scans /proc unless the last scan is younger than DEVICEINFO_SNAPSHOT_USEC, numbers new
 * processes, forgets dead ones and saves the numbering if it changed. */
int deviceinfo_process_table_refresh(struct deviceinfo_process_table *t);
void deviceinfo_process_table_invalidate(struct deviceinfo_process_table *t);
/* The process with this instance number in the current snapshot, or NULL. */
const struct deviceinfo_process *
deviceinfo_process_table_find(const struct deviceinfo_process_table *t, uint32_t instance);

/* Mappings from the kernel's view to TR-181's, exposed for tests. */
const char *deviceinfo_process_state(char kernel_state);
unsigned deviceinfo_process_priority(long kernel_priority);

/* ---- temperature sensors (deviceinfo-temperature.c) ---- */

#define DEVICEINFO_SENSOR_NAME_MAX 256u
#define DEVICEINFO_TEMPERATURE_MIN (-274)

struct deviceinfo_sensor {
        char *key;   /* stable across boots ("thermal/thermal_zone0", "hwmon/coretemp/temp1");
                      * NULL for a duplicate, which is left out */
        char *name;  /* TR-181 Name */
        char *input; /* the file holding millidegrees */
};

/* Lists the sensors of SYS/class/thermal and SYS/class/hwmon, in name order. */
int deviceinfo_scan_sensors(const char *sys, struct deviceinfo_sensor **ret, size_t *ret_n);
void deviceinfo_sensors_done(struct deviceinfo_sensor *v, size_t n);
/* Degrees Celsius, rounded, from a millidegree text ("45500\n" -> 46). */
int deviceinfo_parse_millidegrees(const char *s, int *ret);
int deviceinfo_read_sensor(const struct deviceinfo_sensor *s, int *ret_degrees);

/* ---- vendor files (deviceinfo-files.c) ---- */

struct deviceinfo_vendor_file {
        char *path;
        char *extra;       /* configuration files: the description */
        uint32_t max_size; /* log files: bytes, 0 when not known */
};

/* "PATH [DESCRIPTION]" (configuration files) or "PATH [MAXIMUM_SIZE]" (log files). */
int deviceinfo_vendor_file_parse(const char *value, bool is_log, struct deviceinfo_vendor_file *ret,
                                 const char **reason);
void deviceinfo_vendor_files_done(struct deviceinfo_vendor_file *v, size_t n);
bool deviceinfo_file_exists(const char *path);
/* TR-181 Name: the path, or its last part when longer than 64 characters. */
int deviceinfo_file_name(const char *path, char **ret);
/* The modification time, as a UTC dateTime. */
int deviceinfo_file_date(const char *path, char **ret);
/* Does the file live on storage that survives a reboot (not tmpfs or ramfs)? */
int deviceinfo_file_persistent(const char *path, bool *ret);

/* ---- FirstUseDate (deviceinfo-first-use.c) ---- */

#define DEVICEINFO_FIRST_USE_FILE "dmd-first-use"
#define DEVICEINFO_UNKNOWN_TIME   "0001-01-01T00:00:00Z"

/* The date kept in STATE_DIR/DEVICEINFO_FIRST_USE_FILE; when there is none yet, `now` is
 * kept and returned if the clock is trusted, else the unknown time. */
int deviceinfo_first_use(const char *state_dir, bool clock_trusted, time_t now, char **ret);

/* ---- software version file ---- */

/* The first line of the file fwupd-bridge writes, cleaned; -ENOENT / -ENODATA when the file
 * is missing or empty. */
int deviceinfo_read_software_version_file(const char *path, char **ret);
