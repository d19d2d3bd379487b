/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdint.h>
#include <systemd/sd-event.h>

#include "cwmp/provider.h"

/*
 * Device.PacketCaptureDiagnostics.: the settings read from the provider's store, the capture
 * run by packet-capture.c into diagd's state directory, then either kept there (FileTarget
 * empty: FileLocation is its file:// URL) or sent with an HTTP(S) PUT to FileTarget and
 * removed. Its one PacketCaptureResult row lives in a file of our own, stored before
 * DiagnosticsState. diagnostics.c owns DiagnosticsState's machine and calls in here.
 */

#define PCAP_DIAG_PREFIX "Device.PacketCaptureDiagnostics."

struct pcap_diag;
/* The test ended and its results and DiagnosticsState are stored. */
typedef void (*pcap_diag_done_fn)(void *userdata);

int pcap_diag_new(sd_event *event, cwmp_provider *provider, const char *state_dir,
                  pcap_diag_done_fn done, void *userdata, struct pcap_diag **ret);
void pcap_diag_free(struct pcap_diag *d);

/* Clears the last results and starts a capture on ifname ("": every interface). */
int pcap_diag_start(struct pcap_diag *d, const char *ifname);
/* Stops a capture or an upload, without results or callback; the rows go (TR-181: they are
 * removed when the test is requested again or canceled). */
void pcap_diag_cancel(struct pcap_diag *d);

/* Provider callbacks for the names below PCAP_DIAG_PREFIX; -ENOENT when not ours. */
int pcap_diag_get(struct pcap_diag *d, const char *name, char **value);
int pcap_diag_list_instances(struct pcap_diag *d, const char *table, uint32_t **instances,
                             size_t *n);
int pcap_diag_validate(const char *name, const char *value);
