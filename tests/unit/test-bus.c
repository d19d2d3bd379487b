/* SPDX-License-Identifier: MIT */
/*
 * libdbus on sd-event against a real, private dbus-daemon: one daemon per test, two
 * connections (a server exporting /test and a client), both on one event loop.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "bus.h"
#include "introspect.h"
#include "util.h"

#define TEST_INTERFACE "org.example.Test"
#define TEST_PATH      "/test"
#define GUARD_USEC     (20 * 1000000ULL) /* no test loop runs longer than this */

static const char bus_config[] =
        "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\"\n"
        " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
        "<busconfig>\n"
        "  <listen>unix:tmpdir=/tmp</listen>\n"
        "  <auth>EXTERNAL</auth>\n"
        "  <limit name=\"max_replies_per_connection\">5000</limit>\n"
        "  <policy context=\"default\">\n"
        "    <allow send_destination=\"*\" eavesdrop=\"true\"/>\n"
        "    <allow eavesdrop=\"true\"/>\n"
        "    <allow own=\"*\"/>\n"
        "  </policy>\n"
        "</busconfig>\n";

struct fixture {
        pid_t daemon;
        char dir[64];
        char config[128];
        char address[512];
        sd_event *event;
        DBusConnection *server, *client;
        unsigned standard_handled; /* calls answered by bus_handle_standard */
        unsigned sleeping;         /* Sleep calls left unanswered */
};

/* ---- the private bus ---- */

static int start_daemon(struct fixture *f)
{
        int pipefd[2];
        ssize_t n;
        size_t len = 0;
        FILE *cfg;

        strcpy(f->dir, "/tmp/test-bus-XXXXXX");
        if (!mkdtemp(f->dir))
                return -errno;
        snprintf(f->config, sizeof(f->config), "%s/bus.conf", f->dir);
        cfg = fopen(f->config, "we");
        if (!cfg)
                return -errno;
        fputs(bus_config, cfg);
        if (fclose(cfg) != 0)
                return -errno;

        if (pipe2(pipefd, O_CLOEXEC) < 0)
                return -errno;
        f->daemon = fork();
        if (f->daemon < 0)
                return -errno;
        if (f->daemon == 0) {
                char arg[64];
                /* the write end must survive exec; nothing else of ours should */
                int fd = fcntl(pipefd[1], F_DUPFD, 3);
                (void)prctl(PR_SET_PDEATHSIG, SIGKILL);
                snprintf(arg, sizeof(arg), "--print-address=%d", fd);
                execlp("dbus-daemon", "dbus-daemon", "--nofork", "--config-file", f->config, arg,
                       (char *)NULL);
                _exit(127);
        }
        close(pipefd[1]);
        while (len < sizeof(f->address) - 1 && !memchr(f->address, '\n', len)) {
                n = read(pipefd[0], f->address + len, sizeof(f->address) - 1 - len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                len += (size_t)n;
        }
        close(pipefd[0]);
        f->address[len] = '\0';
        f->address[strcspn(f->address, "\n")] = '\0';
        return f->address[0] ? 0 : -EIO;
}

static void stop_daemon(struct fixture *f)
{
        if (f->daemon > 0) {
                kill(f->daemon, SIGTERM);
                waitpid(f->daemon, NULL, 0);
                f->daemon = 0;
        }
        if (f->config[0])
                unlink(f->config);
        if (f->dir[0])
                rmdir(f->dir);
}

/* ---- the server side ---- */

static DBusHandlerResult on_server_message(DBusConnection *c, DBusMessage *m, void *userdata)
{
        struct fixture *f = userdata;
        DBusHandlerResult result;
        const char *text;

        result = bus_handle_standard(c, m, introspect_io_cwmp_Provider1);
        if (result == DBUS_HANDLER_RESULT_HANDLED)
                f->standard_handled++;
        if (result != DBUS_HANDLER_RESULT_NOT_YET_HANDLED)
                return result;

        if (dbus_message_is_method_call(m, TEST_INTERFACE, "Echo")) {
                _cleanup_dbus_message_ DBusMessage *reply = NULL;
                if (!dbus_message_get_args(m, NULL, DBUS_TYPE_STRING, &text, DBUS_TYPE_INVALID))
                        return bus_reply_error(c, m, DBUS_ERROR_INVALID_ARGS, "Expected (s)") < 0
                                       ? DBUS_HANDLER_RESULT_NEED_MEMORY
                                       : DBUS_HANDLER_RESULT_HANDLED;
                reply = dbus_message_new_method_return(m);
                assert_non_null(reply);
                assert_true(dbus_message_append_args(reply, DBUS_TYPE_STRING, &text,
                                                     DBUS_TYPE_INVALID));
                assert_int_equal(bus_send(c, reply), 0);
                return DBUS_HANDLER_RESULT_HANDLED;
        }
        if (dbus_message_is_method_call(m, TEST_INTERFACE, "Sleep")) {
                f->sleeping++; /* never answered */
                return DBUS_HANDLER_RESULT_HANDLED;
        }
        return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
}

static int on_guard(sd_event_source *s, uint64_t usec, void *userdata)
{
        return sd_event_exit(sd_event_source_get_event(s), -ETIMEDOUT);
}

static int setup(void **state)
{
        static const DBusObjectPathVTable vtable = {.message_function = on_server_message};
        struct fixture *f = calloc(1, sizeof(*f));

        assert_non_null(f);
        assert_int_equal(start_daemon(f), 0);
        assert_int_equal(sd_event_new(&f->event), 0);
        assert_int_equal(sd_event_add_time_relative(f->event, NULL, CLOCK_MONOTONIC, GUARD_USEC, 0,
                                                    on_guard, NULL),
                         0);
        assert_int_equal(bus_open_address(f->event, f->address, &f->server), 0);
        assert_int_equal(bus_open_address(f->event, f->address, &f->client), 0);
        assert_true(dbus_connection_register_object_path(f->server, TEST_PATH, &vtable, f));
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        struct fixture *f = *state;

        bus_close(f->client);
        bus_close(f->server);
        sd_event_unref(f->event);
        stop_daemon(f);
        free(f);
        return 0;
}

/* ---- the client side ---- */

struct result {
        unsigned replies, freed;
        int type;
        char *error_name;
        char *text;
        uint64_t when; /* CLOCK_MONOTONIC usec of the reply */
};

static uint64_t now_usec(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void on_reply(DBusMessage *reply, void *userdata)
{
        struct result *r = userdata;
        const char *text = NULL;

        r->replies++;
        r->when = now_usec();
        r->type = dbus_message_get_type(reply);
        free(r->error_name);
        r->error_name = NULL;
        if (r->type == DBUS_MESSAGE_TYPE_ERROR)
                r->error_name = strdup(dbus_message_get_error_name(reply));
        free(r->text);
        r->text = NULL;
        if (dbus_message_get_args(reply, NULL, DBUS_TYPE_STRING, &text, DBUS_TYPE_INVALID))
                r->text = strdup(text);
}

static void on_result_freed(void *userdata)
{
        struct result *r = userdata;
        r->freed++;
}

static void result_done(struct result *r)
{
        free(r->error_name);
        free(r->text);
}

static DBusMessage *new_call(struct fixture *f, const char *destination, const char *interface,
                             const char *member)
{
        DBusMessage *m = dbus_message_new_method_call(
                destination ? destination : dbus_bus_get_unique_name(f->server), TEST_PATH,
                interface, member);
        assert_non_null(m);
        return m;
}

/* Runs the loop until *counter reaches target. */
static void run_until(struct fixture *f, const unsigned *counter, unsigned target)
{
        uint64_t deadline = now_usec() + GUARD_USEC;

        while (*counter < target) {
                assert_true(now_usec() < deadline);
                assert_true(sd_event_run(f->event, 100 * 1000) >= 0);
        }
}

static void call_and_wait(struct fixture *f, DBusMessage *m, int timeout_ms, struct result *r)
{
        unsigned before = r->replies;

        assert_int_equal(bus_call_async(f->client, m, timeout_ms, on_reply, r, on_result_freed), 0);
        run_until(f, &r->replies, before + 1);
}

static void test_round_trip(void **state)
{
        struct fixture *f = *state;
        struct result r = {0};
        const char *text = "hello over sd-event";
        DBusMessage *m = new_call(f, NULL, TEST_INTERFACE, "Echo");

        assert_true(dbus_message_append_args(m, DBUS_TYPE_STRING, &text, DBUS_TYPE_INVALID));
        call_and_wait(f, m, 5000, &r);
        dbus_message_unref(m);
        assert_int_equal(r.type, DBUS_MESSAGE_TYPE_METHOD_RETURN);
        assert_string_equal(r.text, text);
        assert_int_equal(r.freed, 1);
        result_done(&r);
}

/* ---- 1000 calls in flight, large enough to fill the socket buffers both ways ---- */

#define N_CALLS      1000
#define PAYLOAD_SIZE 4096

struct many {
        unsigned replies, wrong, freed;
};

struct one_call {
        struct many *many;
        unsigned index;
};

static void on_many_reply(DBusMessage *reply, void *userdata)
{
        struct one_call *c = userdata;
        const char *text = NULL;
        char prefix[32];

        snprintf(prefix, sizeof(prefix), "call-%u:", c->index);
        if (!dbus_message_get_args(reply, NULL, DBUS_TYPE_STRING, &text, DBUS_TYPE_INVALID) ||
            !startswith(text, prefix) || strlen(text) != PAYLOAD_SIZE)
                c->many->wrong++;
        c->many->replies++;
}

static void on_one_call_freed(void *userdata)
{
        struct one_call *c = userdata;
        c->many->freed++;
        free(c);
}

static void test_many_in_flight(void **state)
{
        struct fixture *f = *state;
        struct many many = {0};
        char *payload = malloc(PAYLOAD_SIZE + 1);

        assert_non_null(payload);
        for (unsigned i = 0; i < N_CALLS; i++) {
                DBusMessage *m = new_call(f, NULL, TEST_INTERFACE, "Echo");
                struct one_call *c = malloc(sizeof(*c));

                assert_non_null(c);
                *c = (struct one_call){&many, i};
                memset(payload, 'x', PAYLOAD_SIZE);
                payload[PAYLOAD_SIZE] = '\0';
                memcpy(payload, "call-", 5);
                int n = snprintf(payload + 5, 16, "%u:", i);
                payload[5 + n] = 'x';
                assert_true(dbus_message_append_args(m, DBUS_TYPE_STRING, &(const char *){payload},
                                                     DBUS_TYPE_INVALID));
                assert_int_equal(
                        bus_call_async(f->client, m, 15000, on_many_reply, c, on_one_call_freed),
                        0);
                dbus_message_unref(m);
        }
        free(payload);
        /* nothing has been read yet: all of them are in flight */
        assert_int_equal(many.replies, 0);
        run_until(f, &many.replies, N_CALLS);
        assert_int_equal(many.replies, N_CALLS);
        assert_int_equal(many.wrong, 0);
        assert_int_equal(many.freed, N_CALLS);
}

static void test_missing_name(void **state)
{
        struct fixture *f = *state;
        struct result r = {0};
        DBusMessage *m = new_call(f, "org.example.Missing", TEST_INTERFACE, "Echo");

        call_and_wait(f, m, 5000, &r);
        dbus_message_unref(m);
        assert_int_equal(r.type, DBUS_MESSAGE_TYPE_ERROR);
        assert_string_equal(r.error_name, DBUS_ERROR_SERVICE_UNKNOWN);
        assert_int_equal(r.freed, 1);
        result_done(&r);
}

static void test_timeout(void **state)
{
        struct fixture *f = *state;
        struct result r = {0};
        DBusMessage *m = new_call(f, NULL, TEST_INTERFACE, "Sleep");
        uint64_t start = now_usec();

        call_and_wait(f, m, 300, &r);
        dbus_message_unref(m);
        assert_int_equal(f->sleeping, 1);
        assert_int_equal(r.type, DBUS_MESSAGE_TYPE_ERROR);
        assert_string_equal(r.error_name, DBUS_ERROR_NO_REPLY);
        /* the timer fired on time: not early, and not with sd-event's default slack */
        assert_true(r.when - start >= 300 * 1000);
        assert_true(r.when - start < 250 * 1000 + 300 * 1000);
        assert_int_equal(r.freed, 1);
        result_done(&r);
}

static void test_introspect(void **state)
{
        struct fixture *f = *state;
        struct result r = {0};
        DBusMessage *m = new_call(f, NULL, DBUS_INTERFACE_INTROSPECTABLE, "Introspect");
        _cleanup_free_ char *expected = NULL;

        call_and_wait(f, m, 5000, &r);
        dbus_message_unref(m);
        assert_int_equal(r.type, DBUS_MESSAGE_TYPE_METHOD_RETURN);
        assert_int_equal(f->standard_handled, 1);
        assert_true(asprintf(&expected, "%s<node>\n%s%s</node>\n", INTROSPECT_HEADER,
                             introspect_io_cwmp_Provider1, INTROSPECT_STANDARD_INTERFACES) > 0);
        assert_string_equal(r.text, expected);
        assert_non_null(strstr(r.text, "<interface name=\"io.cwmp.Provider1\">"));
        assert_non_null(strstr(r.text, "<method name=\"DeleteInstance\">"));
        result_done(&r);
}

static void test_peer(void **state)
{
        struct fixture *f = *state;
        struct result r = {0};
        DBusMessage *m;
        char *machine_id;

        /* libdbus answers Peer calls naming the interface before our handlers see them;
         * without the interface they reach the object, and bus_handle_standard. */
        m = new_call(f, NULL, NULL, "Ping");
        call_and_wait(f, m, 5000, &r);
        dbus_message_unref(m);
        assert_int_equal(r.type, DBUS_MESSAGE_TYPE_METHOD_RETURN);
        assert_int_equal(f->standard_handled, 1);

        m = new_call(f, NULL, NULL, "GetMachineId");
        call_and_wait(f, m, 5000, &r);
        dbus_message_unref(m);
        assert_int_equal(r.type, DBUS_MESSAGE_TYPE_METHOD_RETURN);
        assert_int_equal(f->standard_handled, 2);
        machine_id = dbus_try_get_local_machine_id(NULL);
        assert_non_null(machine_id);
        assert_string_equal(r.text, machine_id);
        assert_int_equal(strlen(r.text), 32);
        dbus_free(machine_id);

        m = new_call(f, NULL, DBUS_INTERFACE_PEER, "Ping");
        call_and_wait(f, m, 5000, &r);
        dbus_message_unref(m);
        assert_int_equal(r.type, DBUS_MESSAGE_TYPE_METHOD_RETURN);

        /* anything else is not ours to answer */
        m = new_call(f, NULL, TEST_INTERFACE, "NoSuchMethod");
        call_and_wait(f, m, 5000, &r);
        dbus_message_unref(m);
        assert_string_equal(r.error_name, DBUS_ERROR_UNKNOWN_METHOD);
        assert_int_equal(f->standard_handled, 2);
        assert_int_equal(r.replies, 4);
        assert_int_equal(r.freed, 4);
        result_done(&r);
}

static void test_peer_vanishes(void **state)
{
        struct fixture *f = *state;
        struct result r = {0};
        DBusMessage *m = new_call(f, NULL, TEST_INTERFACE, "Sleep");

        /* the bus answers for a peer that leaves without replying */
        assert_int_equal(
                bus_call_async(f->client, m, DBUS_TIMEOUT_INFINITE, on_reply, &r, on_result_freed),
                0);
        dbus_message_unref(m);
        run_until(f, &f->sleeping, 1);
        bus_close(f->server);
        f->server = NULL;
        run_until(f, &r.replies, 1);
        assert_int_equal(r.type, DBUS_MESSAGE_TYPE_ERROR);
        assert_string_equal(r.error_name, DBUS_ERROR_NO_REPLY);
        assert_int_equal(r.freed, 1);
        result_done(&r);
}

static void test_disconnect(void **state)
{
        struct fixture *f = *state;
        struct result r = {0};
        DBusMessage *m = new_call(f, NULL, TEST_INTERFACE, "Sleep");

        assert_int_equal(
                bus_call_async(f->client, m, DBUS_TIMEOUT_INFINITE, on_reply, &r, on_result_freed),
                0);
        dbus_message_unref(m);
        run_until(f, &f->sleeping, 1);

        assert_int_equal(kill(f->daemon, SIGKILL), 0);
        assert_int_equal(waitpid(f->daemon, NULL, 0), f->daemon);
        f->daemon = 0;
        assert_int_equal(sd_event_loop(f->event), -ECONNRESET);
        assert_false(dbus_connection_get_is_connected(f->client));
        /* libdbus drops the calls of a dead connection: no reply, but freed */
        assert_int_equal(r.freed, 1);
        assert_true(r.replies <= 1);
        result_done(&r);

        /* a new call on it fails at once, and closing it is fine */
        m = new_call(f, ":1.1", TEST_INTERFACE, "Echo");
        assert_int_equal(bus_call_async(f->client, m, 1000, on_reply, &r, on_result_freed),
                         -ENOTCONN);
        dbus_message_unref(m);
        assert_int_equal(r.freed, 1);
        bus_close(f->client);
        f->client = NULL;
}

static void test_detach(void **state)
{
        struct fixture *f = *state;
        struct result r = {0};
        const char *text = "again";
        DBusMessage *m = new_call(f, NULL, TEST_INTERFACE, "Echo");

        /* detached and attached again (to a new loop), the connection works as before */
        bus_detach_event(f->client);
        bus_detach_event(f->server);
        sd_event_unref(f->event);
        assert_int_equal(sd_event_new(&f->event), 0);
        assert_int_equal(bus_attach_event(f->client, f->event), 0);
        assert_int_equal(bus_attach_event(f->server, f->event), 0);
        assert_true(dbus_message_append_args(m, DBUS_TYPE_STRING, &text, DBUS_TYPE_INVALID));
        call_and_wait(f, m, 5000, &r);
        dbus_message_unref(m);
        assert_string_equal(r.text, text);
        result_done(&r);
}

static void test_request_name(void **state)
{
        struct fixture *f = *state;

        assert_int_equal(bus_request_name(f->server, "org.example.Server"), 0);
        assert_int_equal(bus_request_name(f->server, "org.example.Server"), 0);
        assert_int_equal(bus_request_name(f->client, "org.example.Server"), -EEXIST);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
                cmocka_unit_test_setup_teardown(test_many_in_flight, setup, teardown),
                cmocka_unit_test_setup_teardown(test_missing_name, setup, teardown),
                cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
                cmocka_unit_test_setup_teardown(test_introspect, setup, teardown),
                cmocka_unit_test_setup_teardown(test_peer, setup, teardown),
                cmocka_unit_test_setup_teardown(test_peer_vanishes, setup, teardown),
                cmocka_unit_test_setup_teardown(test_disconnect, setup, teardown),
                cmocka_unit_test_setup_teardown(test_detach, setup, teardown),
                cmocka_unit_test_setup_teardown(test_request_name, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
