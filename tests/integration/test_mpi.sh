#!/usr/bin/env bash
# Unmodified MPI programs (tests/mpi/*.c but basic_*, standard MPI-3.1 C)
# build with ipccc and run under ipcrun, exiting 0 with their "NAME: ok, N
# ranks" line. Each runs at 1, 2, 3 and 4 ranks unless a line of its source
# says otherwise, "MPITEST_RANKS: 1 2 4 8"; "MPITEST_ARGS: ..." gives its
# arguments; "MPITEST_ONLY: ipc" marks an erroneous program whose outcome
# only ipc's MPI layer defines (skipped with another MPI).
# MPI_Abort(MPI_COMM_WORLD, 7) ends the job with status 7 and ipcrun's line;
# a program calling an MPI function ipc does not provide fails to build.
#
# Skipped while include/mpi.h is missing (the MPI layer is not in the tree).
# The same script checks the programs against another MPI:
#   MPI_CC=mpicc.openmpi MPI_RUN="mpirun.openmpi --oversubscribe -np" \
#       bash tests/integration/test_mpi.sh
# (as root Open MPI also needs OMPI_ALLOW_RUN_AS_ROOT=1 and
# OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1), or MPI_CC=mpicc.mpich MPI_RUN="mpirun.mpich -np".
#
# About fifty programs at four rank counts each, built first: more than the
# usual two minutes on two busy cores (and under the sanitizers).
# run.sh timeout: 400
# run.sh slow: 36
. "$(dirname "$0")/lib.sh"

MPI_CC=${MPI_CC:-$IPC_BUILD_DIR/bin/ipccc}
MPI_RUN=${MPI_RUN:-$IPCRUN -n}
ours=0
if [ "$MPI_CC" = "$IPC_BUILD_DIR/bin/ipccc" ]; then
    ours=1
    [ -f include/mpi.h ] || skip "include/mpi.h is missing: no MPI layer to test yet"
    need "$MPI_CC" "$IPCRUN"
fi

# tag PROG -> the words after "MPITEST_<tag>:" in PROG's source, or nothing
tag() {
    sed -n "s/.*MPITEST_$1: *\([^*]*\).*/\1/p" "tests/mpi/$2.c" | head -n 1
}
PROGRAMS=$(for f in tests/mpi/*.c; do
    p=${f##*/}
    p=${p%.c}
    case $p in basic_*) continue ;; esac
    [ "$ours" = 1 ] || [ -z "$(tag ONLY "$p")" ] || continue
    echo "$p"
done)
for p in $PROGRAMS; do
    run 120 $MPI_CC -O1 -Wall -o "$WORK/$p" "tests/mpi/$p.c" -lm
    expect_rc 0 "build tests/mpi/$p.c with $MPI_CC"
done

# mpirun_n N PROG ARGS...: PROG on N ranks with MPI_RUN.
mpirun_n() {
    local n=$1
    shift
    # shellcheck disable=SC2086 # MPI_RUN is a command and its options
    run 60 $MPI_RUN "$n" "$@"
}

for p in $PROGRAMS; do
    args=$(tag ARGS "$p")
    ranks=$(tag RANKS "$p")
    for n in ${ranks:-1 2 3 4}; do
        # shellcheck disable=SC2086 # args are words
        mpirun_n "$n" "$WORK/$p" $args
        expect_rc 0 "$p on $n ranks"
        expect_out "^$p: ok, $n ranks\$" "$p on $n ranks"
    done
done

# MPI_Init twice, and after MPI_Finalize, are mistakes: the fatal handler's
# line names which one (not only "other error"), and the job ends with
# MPI_ERR_OTHER's status.
if [ "$ours" = 1 ]; then
    cat > "$WORK/init_twice.c" <<'EOF'
#include <mpi.h>
#include <string.h>
int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    if (argc > 1 && !strcmp(argv[1], "after")) {
        MPI_Finalize();
        MPI_Init(&argc, &argv);
        return 0;
    }
    MPI_Init(&argc, &argv);
    MPI_Finalize();
    return 0;
}
EOF
    run 60 $MPI_CC -o "$WORK/init_twice" "$WORK/init_twice.c"
    expect_rc 0 "build init_twice.c"
    ipcrun 60 -n 2 "$WORK/init_twice"
    expect_rc 15 "MPI_Init twice"
    expect_err 'MPI_Init: .*MPI is already initialized: call MPI_Init or MPI_Init_thread once' \
        "MPI_Init twice"
    ipcrun 60 -n 1 "$WORK/init_twice" after
    expect_rc 15 "MPI_Init after MPI_Finalize"
    expect_err 'MPI_Init: .*MPI was finalized: it cannot be initialized again' \
        "MPI_Init after MPI_Finalize"
fi

# The profiling interface: mpi.h's PMPI_ block is current (scripts/pmpi), and
# libipc.so exports a PMPI_ twin of every MPI_ function it exports.
if [ "$ours" = 1 ]; then
    run 30 scripts/pmpi header --check
    expect_rc 0 "scripts/pmpi header --check$(stderr_hint)"
    if command -v nm >/dev/null; then
        syms=$(nm -D --defined-only "$IPC_BUILD_DIR/lib/libipc.so" | awk '{print $3}')
        nmpi=$(echo "$syms" | grep -c '^MPI_[A-Z][a-z]')
        [ "$nmpi" -ge 200 ] || fail "libipc.so exports only $nmpi MPI_ functions"
        for f in $(echo "$syms" | grep '^MPI_[A-Z][a-z]'); do
            echo "$syms" | grep -qx "P$f" || fail "libipc.so exports $f but not P$f"
        done
        # and every function mpi.h declares is there (no prototype without code)
        for f in $(sed -n '/PMPI: begin/,/PMPI: end/p' include/mpi.h |
            grep -o 'IPC__PMPI([A-Za-z0-9_]*)' | sed 's/IPC__PMPI(\(.*\))/MPI_\1/'); do
            echo "$syms" | grep -qx "$f" || fail "mpi.h declares $f but libipc.so lacks it"
        done
    fi
fi

# A derived datatype is packed straight into a transport's stream and
# unpacked straight out of it: every transport carries them.
if [ "$ours" = 1 ]; then
    for t in pipe unix tcp; do
        ipcrun 120 --transport "$t" -n 3 "$WORK/ddt_transport"
        expect_rc 0 "ddt_transport over $t"
        expect_out '^ddt_transport: ok, 3 ranks$' "ddt_transport over $t"
    done
fi

mpirun_n 4 "$WORK/hello"
[ "$(grep -c '^hello from rank' "$OUT")" -eq 4 ] || fail "hello on 4 ranks: not 4 hello lines"

for n in 1 3; do
    mpirun_n "$n" "$WORK/hello" abort
    expect_rc 7 "hello abort on $n ranks (MPI_Abort with 7)"
    [ "$ours" = 1 ] && expect_err "^ipcrun: .*rank $((n - 1)) .*called MPI_Abort with code 7" "hello abort on $n ranks"
done

# An MPI function ipc does not provide is an error when building, not a
# surprise when running.
if [ "$ours" = 1 ]; then
    cat >"$WORK/file.c" <<'PROG'
#include <mpi.h>
int main(int argc, char **argv)
{
    MPI_File fh;
    MPI_Init(&argc, &argv);
    MPI_File_open(MPI_COMM_WORLD, "x", MPI_MODE_RDONLY, MPI_INFO_NULL, &fh);
    MPI_Finalize();
    return 0;
}
PROG
    run 60 "$MPI_CC" -o "$WORK/file" "$WORK/file.c"
    [ "$RC" -ne 0 ] || fail "a program calling MPI_File_open built with $MPI_CC"
    grep -q 'MPI_File' "$ERR" || fail "building with MPI_File_open failed without naming it$(stderr_hint)"
fi
exit 0
