/* SPDX-License-Identifier: MIT */
/* A request being answered, shared by the methods carried out here and by other daemons. */
#include <stdlib.h>
#include <string.h>

#include "rpc-call.h"

struct rpc_call *rpc_call_new(struct manager *m, enum soap_method method,
                              const struct soap_out_header *header, rpc_done_fn done,
                              void *userdata)
{
        struct rpc_call *c = calloc(1, sizeof(*c));
        if (!c)
                return NULL;
        *c = (struct rpc_call){
                .m = m, .method = method, .header = *header, .done = done, .userdata = userdata};
        if (header->id) {
                c->id = strdup(header->id);
                if (!c->id) {
                        free(c);
                        return NULL;
                }
                c->header.id = c->id;
        }
        return c;
}

void rpc_call_free(void *call)
{
        struct rpc_call *c = call;
        free(c->id);
        free(c);
}

void rpc_call_finish(struct rpc_call *c, int r, char *body, size_t len, uint32_t fault_code)
{
        if (r < 0) {
                free(body);
                body = NULL;
                len = 0;
                if (rpc_encode_fault(&c->header, fault_code, strerror(-r), &body, &len) < 0)
                        body = NULL;
        }
        c->done(c->userdata, body, len);
}
