#!/usr/bin/env bash
# ipcrun's command line: each mistake a user can make gets exit status 2 and
# exactly one line on stderr starting "ipcrun: "; --help and --version work.
. "$(dirname "$0")/lib.sh"
need "$IPCRUN" "$APPS/hello"

expect_usage_error() { # what
    expect_rc 2 "$1"
    expect_lines "$ERR" 1 "$1: stderr"
    expect_err '^ipcrun: ' "$1"
}

ipcrun 10 -n 0 "$APPS/hello"
expect_usage_error "ipcrun -n 0"
ipcrun 10 -n abc "$APPS/hello"
expect_usage_error "ipcrun -n abc"
ipcrun 10 -n -3 "$APPS/hello"
expect_usage_error "ipcrun -n -3"
ipcrun 10 -n 2
expect_usage_error "ipcrun without a program"
ipcrun 10 -n 2 "$WORK/no-such-program"
expect_usage_error "ipcrun with a program that does not exist"

plain=$WORK/not-executable
printf '#!/bin/sh\nexit 0\n' >"$plain"
chmod 644 "$plain"
ipcrun 10 -n 2 "$plain"
expect_usage_error "ipcrun with a file that is not executable"

ipcrun 10 --no-such-option -n 2 "$APPS/hello"
expect_usage_error "ipcrun with an unknown option"
ipcrun 10 --transport no-such-transport -n 2 "$APPS/hello"
expect_usage_error "ipcrun --transport no-such-transport"

ipcrun 10 --help
expect_rc 0 "ipcrun --help"
[ -s "$OUT" ] || fail "ipcrun --help printed nothing on stdout"
expect_out '-n' "ipcrun --help"

version=$(sed -n 's/^#define IPC_VERSION_STRING "\(.*\)"$/\1/p' \
    "$(dirname "$0")/../../include/ipc.h")
ipcrun 10 --version
expect_rc 0 "ipcrun --version"
expect_out "${version:-[0-9]}" "ipcrun --version"
exit 0
