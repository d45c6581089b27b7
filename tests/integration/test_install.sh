#!/usr/bin/env bash
# make install into a prefix of the user's (not a system directory): the
# installed ipcrun runs jobs; mpicc builds an MPI program that runs without
# LD_LIBRARY_PATH; pkg-config's flags do the same (ipc.pc carries an rpath
# for a prefix the dynamic linker does not search); man finds ipcrun(1),
# ipccc(1) and every wrapper's name; make uninstall leaves no file behind.
. "$(dirname "$0")/lib.sh"
need "$IPCRUN"
command -v pkg-config >/dev/null || skip "pkg-config is not installed"
command -v man >/dev/null || skip "man is not installed"

# The same build as the one under test (build/san with SAN=1), and programs
# built here carry its sanitizer flags.
san=0 sanflags=
case $IPC_BUILD_DIR in */san) san=1 sanflags="-fsanitize=address,undefined" ;; esac
prefix=$WORK/opt
run 300 make --no-print-directory -s install SAN=$san PREFIX="$prefix"
expect_rc 0 "make install PREFIX=$prefix"

for name in ipcrun ipccc mpicc ipcc++ mpicxx mpic++; do
    run 20 env MANPATH="$prefix/share/man" MANWIDTH=80 man -P cat "$name"
    expect_rc 0 "man $name"
    grep -A2 '^NAME' "$OUT" | grep -q -- "$name" || fail "man $name: its NAME section does not name it: $(head -n 5 "$OUT")"
done

run 60 "$prefix/bin/mpicc" -o "$WORK/hello" apps/mpi/hello.c
expect_rc 0 "the installed mpicc"
run 30 env -u LD_LIBRARY_PATH "$prefix/bin/ipcrun" -n 2 "$WORK/hello"
expect_rc 0 "an MPI program built with the installed mpicc"
expect_out '^2 ranks answered$' "an MPI program built with the installed mpicc"

cat > "$WORK/ring.c" <<'C'
#include <ipc.h>
#include <stdio.h>
int main(int argc, char **argv)
{
    int rank, size, token = 0;
    if (ipc_init(&argc, &argv) != IPC_SUCCESS)
        return 1;
    ipc_comm_rank(IPC_COMM_WORLD, &rank);
    ipc_comm_size(IPC_COMM_WORLD, &size);
    if (rank == 0) {
        ipc_send(&token, 1, IPC_INT, (rank + 1) % size, 0, IPC_COMM_WORLD);
        ipc_recv(&token, 1, IPC_INT, size - 1, 0, IPC_COMM_WORLD, NULL);
        printf("token went round %d ranks: %d\n", size, token);
    } else {
        ipc_recv(&token, 1, IPC_INT, rank - 1, 0, IPC_COMM_WORLD, NULL);
        token++;
        ipc_send(&token, 1, IPC_INT, (rank + 1) % size, 0, IPC_COMM_WORLD);
    }
    return ipc_finalize() == IPC_SUCCESS ? 0 : 1;
}
C
run 10 env PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --cflags --libs ipc
expect_rc 0 "pkg-config --cflags --libs ipc"
pcflags=$(cat "$OUT")
# shellcheck disable=SC2086 # the flags, one word each
run 60 cc $sanflags -o "$WORK/ring" "$WORK/ring.c" $pcflags
expect_rc 0 "cc with pkg-config's flags ($pcflags)"
run 30 env -u LD_LIBRARY_PATH "$prefix/bin/ipcrun" -n 3 "$WORK/ring"
expect_rc 0 "a program built with pkg-config's flags, without LD_LIBRARY_PATH"
expect_out '^token went round 3 ranks: 2$' "the ring's token"

run 120 make --no-print-directory -s uninstall SAN=$san PREFIX="$prefix"
expect_rc 0 "make uninstall PREFIX=$prefix"
left=$(find "$prefix" -type f -o -type l)
[ -z "$left" ] || fail "make uninstall left files: $(echo "$left" | head -n 5 | tr '\n' ' ')"
exit 0
