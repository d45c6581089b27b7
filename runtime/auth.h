/*
 * auth.h - the job secret and the hello that opens every TCP connection
 * between two ranks (docs/wire-formats.md, "Connection hello").
 *
 * ipcrun draws a secret for each job and gives it to the ranks in
 * IPC_JOB_SECRET (hex, never on a command line). A rank that connects to
 * another sends a HELLO carrying the secret and its rank; the accepting rank
 * checks it (in constant time) before it reads anything else from that
 * connection and answers with a WELCOME of its own, so both ends know the
 * other belongs to the job. Fields are big-endian: this is the first thing a
 * stranger's bytes meet, and later hosts may differ.
 */
#ifndef IPC_AUTH_H
#define IPC_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IPC__SECRET_BYTES 32
#define IPC__SECRET_HEX (2 * IPC__SECRET_BYTES) /* digits in IPC_JOB_SECRET */
#define IPC__HELLO_MAGIC 0x49504354u            /* "IPCT" */
#define IPC__HELLO_VERSION 1
#define IPC__HELLO_SIZE 48

enum ipc__hello_kind {
    IPC__HELLO = 1,   /* connecting rank -> accepting rank */
    IPC__WELCOME = 2, /* accepting rank -> connecting rank, once HELLO passed */
};

enum ipc__hello_verdict {
    IPC__HELLO_OK = 0,
    IPC__HELLO_NOT_IPC,     /* wrong magic: not an ipc rank at all */
    IPC__HELLO_BAD_VERSION, /* an ipc rank of another wire version */
    IPC__HELLO_BAD_KIND,    /* a HELLO where a WELCOME was due, or the reverse */
    IPC__HELLO_BAD_SECRET,  /* another job's rank, or a guess */
};

/* Parses IPC__SECRET_HEX hex digits (either case) into out. Returns 0, or -1
 * when hex is NULL, of another length or not hex. */
int ipc__secret_parse(const char *hex, unsigned char out[IPC__SECRET_BYTES]);

/* Compares two secrets in time that does not depend on where they differ. */
bool ipc__secret_equal(const unsigned char a[IPC__SECRET_BYTES],
                       const unsigned char b[IPC__SECRET_BYTES]);

/* Writes a hello of the given kind from rank. */
void ipc__hello_encode(unsigned char out[IPC__HELLO_SIZE], enum ipc__hello_kind kind,
                       int32_t rank, const unsigned char secret[IPC__SECRET_BYTES]);

/* Checks a received hello against the kind expected and this job's secret;
 * on IPC__HELLO_OK *rank is the sender's rank (not range-checked). */
enum ipc__hello_verdict ipc__hello_check(const unsigned char in[IPC__HELLO_SIZE],
                                         enum ipc__hello_kind kind,
                                         const unsigned char secret[IPC__SECRET_BYTES],
                                         int32_t *rank);

/* Why a hello was refused, for messages: "wrong job secret", ... */
const char *ipc__hello_verdict_text(enum ipc__hello_verdict v);

#endif /* IPC_AUTH_H */
