/* SPDX-License-Identifier: MIT */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <systemd/sd-event.h>

#include "interface-ref.h"
#include "udpecho-server.h"
#include "udpecho.h"

static uint16_t free_port(void)
{
        struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6};
        socklen_t len = sizeof(sin6);
        int fd = socket(AF_INET6, SOCK_DGRAM, 0);

        assert_true(fd >= 0);
        assert_int_equal(bind(fd, (struct sockaddr *)&sin6, sizeof(sin6)), 0);
        assert_int_equal(getsockname(fd, (struct sockaddr *)&sin6, &len), 0);
        close(fd);
        return ntohs(sin6.sin6_port);
}

struct run {
        sd_event *event;
        struct udpecho_result result;
        struct udpecho_packet packets[8];
        bool done;
};

static void on_done(const struct udpecho_result *res, void *userdata)
{
        struct run *r = userdata;

        r->result = *res;
        memcpy(r->packets, res->packets, res->n_packets * sizeof(*res->packets));
        r->result.packets = r->packets;
        r->done = true;
}

/* Runs the client against 127.0.0.1:port on the same loop as whatever answers there. */
static void run_client_to(sd_event *e, const char *host, uint16_t port, uint32_t repetitions,
                          uint32_t size, uint32_t timeout_ms, struct run *r)
{
        struct udpecho_params params = {
                .host = host,
                .port = port,
                .family = AF_UNSPEC,
                .repetitions = repetitions,
                .timeout_ms = timeout_ms,
                .data_size = size,
                .inter_ms = 0,
        };
        udpecho *u = NULL;

        *r = (struct run){.event = e};
        assert_int_equal(udpecho_start(e, &params, on_done, r, &u), 0);
        while (!r->done)
                assert_true(sd_event_run(e, UINT64_MAX) >= 0);
        udpecho_free(u);
}

static void run_client(sd_event *e, uint16_t port, uint32_t repetitions, uint32_t size,
                       uint32_t timeout_ms, struct run *r)
{
        run_client_to(e, "127.0.0.1", port, repetitions, size, timeout_ms, r);
}

static bool have_ipv6_loopback(void)
{
        struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
        int fd = socket(AF_INET6, SOCK_DGRAM, 0);
        bool ok = fd >= 0 && bind(fd, (struct sockaddr *)&sin6, sizeof(sin6)) == 0;

        if (fd >= 0)
                close(fd);
        return ok;
}

static void test_echo_plus_against_the_responder(void **state)
{
        struct udpecho_counters counters = {};
        struct udpecho_server_config cfg = {.port = free_port(), .echo_plus = true};
        udpecho_server *server = NULL;
        sd_event *e = NULL;
        struct run r;

        assert_int_equal(sd_event_new(&e), 0);
        assert_int_equal(udpecho_server_new(e, &cfg, &counters, &server), 0);
        run_client(e, cfg.port, 3, 40, 2000, &r);
        assert_int_equal(r.result.status, UDPECHO_COMPLETE);
        assert_int_equal(r.result.successes, 3);
        assert_int_equal(r.result.failures, 0);
        assert_string_equal(r.result.address_used, "127.0.0.1");
        assert_true(r.result.min_us > 0 && r.result.min_us <= r.result.avg_us &&
                    r.result.avg_us <= r.result.max_us);
        for (uint32_t i = 0; i < 3; i++) {
                assert_true(r.packets[i].success);
                assert_int_equal(r.packets[i].gen_sn, i + 1);
                assert_int_equal(r.packets[i].resp_sn, i); /* the responder counts from 0 */
                assert_int_equal(r.packets[i].resp_failures, 0);
                assert_true(r.packets[i].receive_us >= r.packets[i].send_us);
        }
        assert_int_equal(counters.packets_received, 3);
        assert_int_equal(counters.packets_responded, 3);
        assert_int_equal(counters.bytes_received, 3 * (40 + 8));
        assert_int_equal(counters.bytes_responded, 3 * (40 + 8));
        assert_true(counters.first_us > 0 && counters.first_us <= counters.last_us);

        /* shorter than the Echo Plus header: echoed as it is, still matched by its number */
        run_client(e, cfg.port, 2, 6, 2000, &r);
        assert_int_equal(r.result.successes, 2);
        assert_int_equal(r.packets[1].resp_sn, 0);
        assert_int_equal(counters.packets_received, 5);

        /* the same socket answers IPv6, from the address the request came to */
        if (have_ipv6_loopback()) {
                run_client_to(e, "::1", cfg.port, 2, 30, 2000, &r);
                assert_int_equal(r.result.successes, 2);
                assert_string_equal(r.result.address_used, "::1");
                assert_int_equal(r.packets[0].resp_sn, 3); /* Echo Plus replies only */
                assert_int_equal(counters.packets_received, 7);
        }

        udpecho_server_free(server);
        sd_event_unref(e);
}

static void test_source_filter_and_silence(void **state)
{
        struct udpecho_counters counters = {};
        struct udpecho_server_config cfg = {.port = free_port(), .source = "127.0.0.2"};
        udpecho_server *server = NULL;
        sd_event *e = NULL;
        struct run r;

        assert_int_equal(sd_event_new(&e), 0);
        assert_int_equal(udpecho_server_new(e, &cfg, &counters, &server), 0);
        /* the client sends from 127.0.0.1: neither answered nor counted */
        run_client(e, cfg.port, 2, 24, 100, &r);
        assert_int_equal(r.result.status, UDPECHO_COMPLETE);
        assert_int_equal(r.result.successes, 0);
        assert_int_equal(r.result.failures, 2);
        assert_false(r.packets[0].success);
        assert_int_equal(r.packets[0].receive_us, 0);
        assert_int_equal(counters.packets_received, 0);
        assert_int_equal(r.result.avg_us, 0);
        udpecho_server_free(server);

        cfg.source = "not an address";
        assert_int_equal(udpecho_server_new(e, &cfg, &counters, &server), -EINVAL);
        sd_event_unref(e);
}

static void test_interface_references(void **state)
{
        assert_true(interface_ref_valid(""));
        assert_true(interface_ref_valid("Device.IP.Interface.1"));
        assert_true(interface_ref_valid("Device.IP.Interface.12."));
        assert_false(interface_ref_valid("Device.IP.Interface."));
        assert_false(interface_ref_valid("Device.IP.Interface.0"));
        assert_false(interface_ref_valid("Device.IP.Interface.01"));
        assert_false(interface_ref_valid("Device.IP.Interface.1.Name"));
        assert_false(interface_ref_valid("Device.Ethernet.Interface.1"));
        assert_false(interface_ref_valid("eth0"));
}

static void test_client_refuses_bad_parameters(void **state)
{
        struct udpecho_params params = {
                .host = "127.0.0.1", .port = 7, .repetitions = 1, .timeout_ms = 10, .data_size = 1};
        sd_event *e = NULL;
        udpecho *u = NULL;

        assert_int_equal(sd_event_new(&e), 0);
        params.repetitions = UDPECHO_MAX_REPETITIONS + 1;
        assert_int_equal(udpecho_start(e, &params, on_done, NULL, &u), -EINVAL);
        params.repetitions = 1;
        params.port = 0;
        assert_int_equal(udpecho_start(e, &params, on_done, NULL, &u), -EINVAL);
        params.port = 7;
        params.data_size = 0;
        assert_int_equal(udpecho_start(e, &params, on_done, NULL, &u), -EINVAL);
        sd_event_unref(e);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_echo_plus_against_the_responder),
                cmocka_unit_test(test_source_filter_and_silence),
                cmocka_unit_test(test_interface_references),
                cmocka_unit_test(test_client_refuses_bad_parameters),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
