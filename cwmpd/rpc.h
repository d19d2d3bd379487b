/* SPDX-License-Identifier: MIT */
#pragma once

#include <stddef.h>

#include "soap.h"

struct manager;

/*
 * The methods the ACS calls (TR-069 A.3.2, A.4.1): parameter and object methods go to dmd,
 * the front door of the data model; the rest are cwmpd's own. The answer is an encoded
 * SOAP response or fault, handed to `done` (from the event loop, possibly at once).
 */

typedef void (*rpc_done_fn)(void *userdata, char *body, size_t len);

/* The methods this CPE supports, for GetRPCMethodsResponse. */
extern const char *const rpc_supported_methods[];
extern const size_t rpc_n_supported_methods;

int rpc_handle(struct manager *m, const struct soap_message *request,
               const struct soap_out_header *header, rpc_done_fn done, void *userdata);

/* Encodes a fault answering a request (used for requests that could not be decoded). */
int rpc_encode_fault(const struct soap_out_header *header, uint32_t code, const char *detail,
                     char **body, size_t *len);
