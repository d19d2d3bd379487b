/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "resolve.h"
#include "util.h"

/* The job is freed by whichever side lets go of it last: the lookup's owner (after reading
 * the result, or when it is freed first) or the notification thread. The eventfd lives as
 * long as the job, so the thread never writes to a closed descriptor. */
enum { JOB_RUNNING, JOB_DONE, JOB_ORPHANED };

struct resolve_job {
        struct gaicb cb;
        struct addrinfo hints;
        int efd;
        atomic_int state;
        char host[];
};

struct resolve {
        struct resolve_job *job;
        sd_event_source *source;
        resolve_done_fn done;
        void *userdata;
};

static void job_destroy(struct resolve_job *j)
{
        if (j->cb.ar_result)
                freeaddrinfo(j->cb.ar_result);
        if (j->efd >= 0)
                close(j->efd);
        free(j);
}

static void job_notify(union sigval value)
{
        struct resolve_job *j = value.sival_ptr;
        uint64_t one = 1;

        (void)!write(j->efd, &one, sizeof(one));
        if (atomic_exchange(&j->state, JOB_DONE) == JOB_ORPHANED)
                job_destroy(j);
}

static void job_release(struct resolve_job *j)
{
        if (j && atomic_exchange(&j->state, JOB_ORPHANED) == JOB_DONE)
                job_destroy(j);
}

void resolve_free(resolve *r)
{
        if (!r)
                return;
        sd_event_source_disable_unref(r->source);
        job_release(r->job);
        free(r);
}

static int on_resolved(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        resolve *r = userdata;
        const struct addrinfo *ai;
        int e = gai_error(&r->job->cb);

        if (e == EAI_INPROGRESS)
                return 0;
        r->source = sd_event_source_disable_unref(r->source);
        for (ai = e == 0 ? r->job->cb.ar_result : NULL; ai; ai = ai->ai_next)
                if ((ai->ai_family == AF_INET || ai->ai_family == AF_INET6) &&
                    ai->ai_addrlen <= sizeof(struct sockaddr_storage))
                        break;
        if (!ai) {
                job_release(TAKE_PTR(r->job));
                r->done(NULL, 0, e ? gai_strerror(e) : "no address of the wanted family",
                        r->userdata);
                return 0;
        }
        struct sockaddr_storage addr = {};
        socklen_t addr_len = ai->ai_addrlen;
        memcpy(&addr, ai->ai_addr, addr_len);
        job_release(TAKE_PTR(r->job));
        r->done((struct sockaddr *)&addr, addr_len, NULL, r->userdata);
        return 0;
}

int resolve_start(sd_event *event, const char *host, int family, resolve_done_fn done,
                  void *userdata, resolve **ret)
{
        struct sigevent sev = {.sigev_notify = SIGEV_THREAD};
        struct gaicb *list[1];
        struct resolve_job *j;
        resolve *r;
        int k;

        if (!event || !host || !done || !ret)
                return -EINVAL;
        r = calloc(1, sizeof(*r));
        j = calloc(1, sizeof(*j) + strlen(host) + 1);
        if (!r || !j) {
                free(r);
                free(j);
                return -ENOMEM;
        }
        r->done = done;
        r->userdata = userdata;
        strcpy(j->host, host);
        j->hints.ai_family = family;
        j->hints.ai_socktype = SOCK_RAW;
        j->cb.ar_name = j->host;
        j->cb.ar_request = &j->hints;
        atomic_init(&j->state, JOB_RUNNING);
        j->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (j->efd < 0) {
                k = -errno;
                goto fail;
        }
        k = sd_event_add_io(event, &r->source, j->efd, EPOLLIN, on_resolved, r);
        if (k < 0)
                goto fail;
        sev.sigev_notify_function = job_notify;
        sev.sigev_value.sival_ptr = j;
        list[0] = &j->cb;
        if (getaddrinfo_a(GAI_NOWAIT, list, 1, &sev) != 0) {
                k = -EAGAIN;
                goto fail;
        }
        r->job = j;
        *ret = r;
        return 0;
fail:
        sd_event_source_disable_unref(r->source);
        job_destroy(j);
        free(r);
        return k;
}
