/* SPDX-License-Identifier: MIT */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "rpc.h"
#include "soap.h"

struct manager;

/*
 * One request of the ACS being answered, possibly after a D-Bus call to another daemon: its
 * method and header (with its own copy of the ID), and where the encoded answer goes.
 */

struct rpc_call {
        struct manager *m;
        enum soap_method method;
        struct soap_out_header header;
        char *id;
        rpc_done_fn done;
        void *userdata;
};

/* NULL when out of memory. */
struct rpc_call *rpc_call_new(struct manager *m, enum soap_method method,
                              const struct soap_out_header *header, rpc_done_fn done,
                              void *userdata);
/* Takes a void pointer, to serve as bus_call_async()'s free_userdata. */
void rpc_call_free(void *call);
/* Hands the encoded answer to done. An encoding failure (r < 0) frees body and sends fault
 * `fault_code`, naming the error, instead. */
void rpc_call_finish(struct rpc_call *c, int r, char *body, size_t len, uint32_t fault_code);
