/* SPDX-License-Identifier: MIT */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "http-client.h"

/*
 * What a finished HTTP exchange means for TransferComplete (docs/fwupd-bridge.md has the
 * table): 0 for a 2xx answer that arrived whole, else the fault code and its FaultString.
 *
 *  - TLS verification of the file server failed, or HTTP 401/407 (credentials missing or
 *    refused): 9012, the file server could not be authenticated with.
 *  - no connection (DNS, refused, unreachable, timed out before an answer): 9015.
 *  - an answer other than 2xx (404, 403, 500 ...), too many redirects: 9016 for a Download,
 *    9011 for an Upload.
 *  - the connection broke or stalled after a 2xx answer had started: 9017 (Download).
 *  - more bytes than FileSize announced: 9018; more than the free space allows: 9010.
 *  - anything else: 9010 (Download) / 9011 (Upload).
 */
uint32_t download_fault(const struct http_response *r, uint32_t file_size, char *message, size_t n);
uint32_t upload_fault(const struct http_response *r, char *message, size_t n);
