#!/usr/bin/env bash
# ipccc (and mpicc, its symlink) behave like MPICH's and Open MPI's mpicc:
# -show/--showme print the command, -compile_info/-link_info and
# --showme:compile/--showme:link the flags, every other argument reaches the
# compiler, and a Makefile built with 'make CC=ipccc' (or CC=mpicc) works,
# with separate compile and link steps. Uses ipc.h only, not mpi.h.
. "$(dirname "$0")/lib.sh"
IPCCC=$IPC_BUILD_DIR/bin/ipccc
MPICC=$IPC_BUILD_DIR/bin/mpicc
need "$IPCCC" "$MPICC" "$IPCRUN"
IPCCC=$(realpath "$IPCCC")
MPICC=$(realpath -s "$MPICC")
INC=$(realpath include)
LIB=$(realpath "$IPC_BUILD_DIR/lib")

for cc in "$IPCCC" "$MPICC"; do
    name=$(basename "$cc")
    for show in -show --showme -showme; do
        run 10 "$cc" "$show" -O2 -DGREETING='"hi there"' -o prog prog.c
        expect_rc 0 "$name $show"
        expect_lines "$OUT" 1 "$name $show"
        expect_out "^[^ ].* -I$INC -O2 -DGREETING=\"hi there\" -o prog prog\\.c -L$LIB .*-lipc\$" \
            "$name $show"
    done
    run 10 "$cc" -show -c prog.c
    expect_rc 0 "$name -show -c"
    grep -q -- '-lipc' "$OUT" && fail "$name -show -c: links although -c was given: $(cat "$OUT")"
    run 10 "$cc" --showme:compile
    expect_out "^-I$INC\$" "$name --showme:compile"
    run 10 "$cc" --showme:link
    expect_out "^-L$LIB .*-lipc\$" "$name --showme:link"
    run 10 "$cc" -compile_info
    expect_out "^[^ ].* -I$INC" "$name -compile_info"
    run 10 "$cc" -link_info
    expect_out "^[^ ].* -L$LIB .*-lipc\$" "$name -link_info"
    run 10 "$cc"
    expect_rc 2 "$name without arguments"
    expect_err "^$name: no arguments" "$name without arguments"
done

# A project's own Makefile, compile and link in separate steps, flags that
# must reach the compiler (a define with a blank, -MMD, warnings as errors).
mkdir "$WORK/proj"
cat >"$WORK/proj/greet.c" <<'PROG'
#include <ipc.h>
#include <stdio.h>
#include "greet.h"
void greet(void)
{
    int rank, size;
    ipc_comm_rank(IPC_COMM_WORLD, &rank);
    ipc_comm_size(IPC_COMM_WORLD, &size);
    printf("%s from %d of %d\n", GREETING, rank, size);
}
PROG
cat >"$WORK/proj/main.c" <<'PROG'
#include <ipc.h>
#include "greet.h"
int main(int argc, char **argv)
{
    if (ipc_init(&argc, &argv) != IPC_SUCCESS)
        return 1;
    greet();
    return ipc_finalize() == IPC_SUCCESS ? 0 : 1;
}
PROG
echo 'void greet(void);' >"$WORK/proj/greet.h"
cat >"$WORK/proj/Makefile" <<'MK'
CC = cc
CFLAGS = -O2 -Wall -Wextra -Werror -DGREETING='"hi there"'
prog: main.o greet.o
	$(CC) $(CFLAGS) -o $@ main.o greet.o
%.o: %.c
	$(CC) $(CFLAGS) -MMD -c -o $@ $<
MK
for cc in "$IPCCC" "$MPICC"; do
    name=$(basename "$cc")
    run 60 make -C "$WORK/proj" CC="$cc"
    expect_rc 0 "make CC=$name"
    [ -f "$WORK/proj/main.d" ] || fail "make CC=$name: -MMD did not reach the compiler"
    ipcrun 30 -n 2 "$WORK/proj/prog"
    expect_rc 0 "program built with make CC=$name"
    expect_lines "$OUT" 2 "program built with make CC=$name"
    expect_out '^hi there from 1 of 2$' "program built with make CC=$name"
    rm -f "$WORK"/proj/*.o "$WORK"/proj/*.d "$WORK/proj/prog"
done

# A compile error is the compiler's, with its status.
echo 'int main(void) { return undeclared; }' >"$WORK/bad.c"
run 30 "$IPCCC" -o "$WORK/bad" "$WORK/bad.c"
[ "$RC" -ne 0 ] || fail "ipccc built a program with an undeclared name"
expect_err 'undeclared' "ipccc compile error"
exit 0
