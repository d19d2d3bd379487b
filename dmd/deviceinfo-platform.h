/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

/*
 * dmd's built-in values of Device.DeviceInfo. beyond deviceinfo.c's (schema/
 * 10-deviceinfo.schema): the processors, the data model served and the TCP stack.
 *
 *     ProcessorNumberOfEntries, Processor.{i}.Architecture
 *         one row per CPU present (SYS/devices/system/cpu/present), instance = CPU + 1;
 *         the architecture is the kernel's machine (uname) mapped to TR-181's names
 *         (x86_64, i386, arm, powerpc, mipseb/mipsel, m68k, sh3eb/sh3el). A machine TR-181
 *         has no name for (riscv64, s390x ...) has no rows.
 *     SupportedDataModelNumberOfEntries, SupportedDataModel.1.URN
 *         the one model dmd serves: urn:broadband-forum-org:tr-181-2-<minor>-<corrigendum>
 *         of DEVICEINFO_PLATFORM_DATA_MODEL_URN. URL, UUID and Features describe a Device
 *         Type document, which the agent does not publish: they are not served.
 *     NetworkProperties.MaxTCPWindowSize
 *         the largest receive buffer TCP may use, PROC/sys/net/ipv4/tcp_rmem's maximum
 *     NetworkProperties.TCPImplementation
 *         "New Reno" (Linux's loss recovery, RFC 6582, whatever the congestion control),
 *         plus "Vegas" when PROC/sys/net/ipv4/tcp_available_congestion_control lists it
 */
#define DEVICEINFO_PLATFORM_DATA_MODEL_URN "urn:broadband-forum-org:tr-181-2-19-1"

struct deviceinfo_platform;

/* proc, sys: prefixes of the trees (NULL: "/proc", "/sys"); machine: the kernel's machine
 * name (NULL: uname's). */
int deviceinfo_platform_new(const char *proc, const char *sys, const char *machine,
                            struct deviceinfo_platform **ret);
void deviceinfo_platform_free(struct deviceinfo_platform *p);
/* -ENOENT for a name that is not one of these. */
int deviceinfo_platform_get(struct deviceinfo_platform *p, const char *name, char **value);
/* As deviceinfo_get_instances(), for Processor.{i}. and SupportedDataModel.{i}. */
int deviceinfo_platform_get_instances(struct deviceinfo_platform *p, const char *object,
                                      struct strv *instances);

/* TR-181's name of a kernel machine ("aarch64" -> "arm"), NULL if it has none. */
const char *deviceinfo_platform_architecture(const char *machine, bool big_endian);
/* Parses a kernel CPU list ("0-3,6\n") into the CPU numbers, ascending. At most
 * DEVICEINFO_PLATFORM_MAX_CPUS; -EINVAL if malformed. */
#define DEVICEINFO_PLATFORM_MAX_CPUS 4096u
int deviceinfo_platform_parse_cpu_list(const char *s, unsigned **ret, size_t *ret_n);
