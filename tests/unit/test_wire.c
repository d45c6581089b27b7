/* test_wire.c - framing: frame headers, and the control channel's packets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "ctl.h"
#include "ipc.h"
#include "wire.h"

static void eager_header_round_trip(void **state)
{
    (void)state;
    struct ipc__frame_hdr h = ipc__frame_make(IPC__FRAME_EAGER, 3, 7, 42, 1000, 0, 0);
    unsigned char wire[sizeof h];
    memcpy(wire, &h, sizeof h);
    struct ipc__frame_hdr back;
    memcpy(&back, wire, sizeof back);
    assert_int_equal(sizeof wire, 40);
    assert_int_equal(back.type, IPC__FRAME_EAGER);
    assert_int_equal(back.ctx, 3);
    assert_int_equal(back.src, 7);
    assert_int_equal(back.tag, 42);
    assert_int_equal(back.len, 1000);
    assert_int_equal(ipc__frame_check(&back), 0);
    assert_int_equal(ipc__frame_payload_len(&back), 1000);
}

static void only_eager_and_data_carry_payload(void **state)
{
    (void)state;
    struct ipc__frame_hdr rts = ipc__frame_make(IPC__FRAME_RTS, 0, 1, 2, 1 << 20, 99, 0);
    struct ipc__frame_hdr cts = ipc__frame_make(IPC__FRAME_CTS, 0, 0, 0, 1 << 20, 99, 77);
    struct ipc__frame_hdr data = ipc__frame_make(IPC__FRAME_DATA, 0, 0, 0, 1 << 20, 0, 77);
    struct ipc__frame_hdr bye = ipc__frame_make(IPC__FRAME_BYE, 0, 0, 0, 0, 0, 0);
    assert_int_equal(ipc__frame_payload_len(&rts), 0);
    assert_int_equal(ipc__frame_payload_len(&cts), 0);
    assert_int_equal(ipc__frame_payload_len(&data), 1 << 20);
    assert_int_equal(ipc__frame_payload_len(&bye), 0);
    assert_int_equal(ipc__frame_check(&rts), 0);
    assert_int_equal(ipc__frame_check(&cts), 0);
    assert_int_equal(ipc__frame_check(&data), 0);
    assert_int_equal(ipc__frame_check(&bye), 0);
}

static void malformed_headers_rejected(void **state)
{
    (void)state;
    struct ipc__frame_hdr h = ipc__frame_make(IPC__FRAME_EAGER, 0, 1, 2, 3, 0, 0);
    h.type = 99;
    assert_int_equal(ipc__frame_check(&h), -1);
    h = ipc__frame_make(IPC__FRAME_EAGER, 0, 1, 2, 3, 0, 0);
    h.version = IPC__WIRE_VERSION + 1;
    assert_int_equal(ipc__frame_check(&h), -1);
    h = ipc__frame_make(IPC__FRAME_EAGER, 0, -1, 2, 3, 0, 0);
    assert_int_equal(ipc__frame_check(&h), -1);
    h = ipc__frame_make(IPC__FRAME_RTS, 0, 1, IPC_TAG_UB + 1, 3, 5, 0);
    assert_int_equal(ipc__frame_check(&h), -1);
    h = ipc__frame_make(IPC__FRAME_CTS, 0, 0, 0, 3, 0, 7); /* no sender request */
    assert_int_equal(ipc__frame_check(&h), -1);
    h = ipc__frame_make(IPC__FRAME_DATA, 0, 0, 0, 3, 0, 0); /* no receiver request */
    assert_int_equal(ipc__frame_check(&h), -1);
}

static void ctl_packet_with_fds(void **state)
{
    (void)state;
    int sv[2], p[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
    assert_int_equal(pipe(p), 0);
    const char kv[] = "key\0value";
    assert_int_equal(ipc__ctl_send(sv[0], IPC__CTL_PUT, kv, sizeof kv, p, 2), 0);

    char buf[64];
    uint32_t type = 0;
    int fds[IPC__CTL_MAX_FDS], nfds = 0;
    ssize_t n = ipc__ctl_recv(sv[1], &type, buf, sizeof buf, fds, &nfds);
    assert_int_equal(n, sizeof kv);
    assert_int_equal(type, IPC__CTL_PUT);
    assert_memory_equal(buf, kv, sizeof kv);
    assert_int_equal(nfds, 2);
    /* the received descriptors are the same pipe */
    assert_int_equal(write(p[1], "x", 1), 1);
    char c = 0;
    assert_int_equal(read(fds[0], &c, 1), 1);
    assert_int_equal(c, 'x');
    for (int i = 0; i < 2; i++) {
        close(fds[i]);
        close(p[i]);
    }
    close(sv[0]);
    close(sv[1]);
}

static void ctl_eof_and_oversize(void **state)
{
    (void)state;
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
    char big[100] = {0}, small[10];
    uint32_t type = 77;
    assert_int_equal(ipc__ctl_send(sv[0], IPC__CTL_PUT, big, sizeof big, NULL, 0), 0);
    assert_int_equal(ipc__ctl_recv(sv[1], &type, small, sizeof small, NULL, NULL),
                     -EMSGSIZE);
    close(sv[0]);
    assert_int_equal(ipc__ctl_recv(sv[1], &type, small, sizeof small, NULL, NULL), 0);
    assert_int_equal(type, 0);
    close(sv[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(eager_header_round_trip),
        cmocka_unit_test(only_eager_and_data_carry_payload),
        cmocka_unit_test(malformed_headers_rejected),
        cmocka_unit_test(ctl_packet_with_fds),
        cmocka_unit_test(ctl_eof_and_oversize),
    };
    return cmocka_run_group_tests_name("wire", tests, NULL, NULL);
}
