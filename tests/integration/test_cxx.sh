#!/usr/bin/env bash
# C++ programs build with ipcc++ (and its names mpicxx and mpic++) and run
# under ipcrun: -show prints a command that runs the C++ compiler, mpi.h
# compiles as C++11 and C++17 with -Wall -Wextra -pedantic -Werror, and
# tests/mpi/cxx_stl.cpp (templates, the STL, exceptions around MPI calls)
# prints "cxx_stl: ok, N ranks" at 2 and 4 ranks, in one step and in a
# compile step then a link step. A copy of it that expects a wrong sum must
# fail, naming the value. Another MPI's wrapper can be checked too:
#   MPI_CXX=mpicxx.openmpi MPI_RUN="mpirun.openmpi --oversubscribe -np" \
#       bash tests/integration/test_cxx.sh
# shellcheck disable=SC2086 # MPI_CXX and MPI_RUN are commands with options
. "$(dirname "$0")/lib.sh"

IPCCXX=$IPC_BUILD_DIR/bin/ipcc++
MPI_CXX=${MPI_CXX:-$IPCCXX}
MPI_RUN=${MPI_RUN:-$IPCRUN -n}

if [ "$MPI_CXX" = "$IPCCXX" ]; then
    need "$IPCCXX" "$IPC_BUILD_DIR/bin/mpicxx" "$IPC_BUILD_DIR/bin/mpic++" "$IPCRUN"
    # The C++ compiler configure chose (with SAN=1 the sanitizer flags follow).
    cxx=$(sed -n 's/^CXX = //p' config.mak 2>/dev/null)
    cc=$(sed -n 's/^CC = //p' config.mak 2>/dev/null)
    [ -n "$cxx" ] || fail "config.mak names no CXX: rerun ./configure"
    INC=$(realpath include)
    LIB=$(realpath "$IPC_BUILD_DIR/lib")
    for name in ipcc++ mpicxx mpic++; do
        run 10 "$IPC_BUILD_DIR/bin/$name" -show -O2 -o prog prog.cpp
        expect_rc 0 "$name -show"
        expect_lines "$OUT" 1 "$name -show"
        case $(cat "$OUT") in
        "$cxx -I$INC -O2 -o prog prog.cpp -L$LIB "*"-lipc") ;;
        "$cxx "*" -I$INC -O2 -o prog prog.cpp -L$LIB "*"-lipc") ;;
        *) fail "$name -show: '$(cat "$OUT")' does not run the C++ compiler '$cxx' with libipc's flags" ;;
        esac
        run 10 "$IPC_BUILD_DIR/bin/$name"
        expect_rc 2 "$name without arguments"
        expect_err "^${name//+/\\+}: no arguments; use it like c\\+\\+" "$name without arguments"
    done
    # ipccc still runs the C compiler, and IPC_CXX overrides ipcc++'s alone.
    run 10 "$IPC_BUILD_DIR/bin/mpicc" -show -c prog.c
    case $(cat "$OUT") in
    "$cc "*) ;;
    *) fail "mpicc -show: '$(cat "$OUT")' does not run the C compiler '$cc'" ;;
    esac
    run 10 env IPC_CXX=my-c++ IPC_CC=my-cc "$IPCCXX" -show -c prog.cpp
    expect_out "^my-c\\+\\+ -I$INC -c prog\\.cpp\$" "IPC_CXX=my-c++ ipcc++ -show -c"
fi

# mpi.h as C++: C linkage, no C-only constructs, and the macros that expand
# to casts, null handles and the predefined attribute callbacks.
cat >"$WORK/header.cpp" <<'PROG'
#include <mpi.h>
#include <vector>
int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm dup = MPI_COMM_NULL;
    MPI_Comm_dup(MPI_COMM_WORLD, &dup);
    int key = MPI_KEYVAL_INVALID, value = 0;
    MPI_Comm_create_keyval(MPI_COMM_DUP_FN, MPI_COMM_NULL_DELETE_FN, &key, nullptr);
    MPI_Comm_free_keyval(&key);
    std::vector<int> v(4, 1);
    MPI_Allreduce(MPI_IN_PLACE, v.data(), 4, MPI_INT, MPI_SUM, dup);
    MPI_Request reqs[1] = {MPI_REQUEST_NULL};
    MPI_Waitall(1, reqs, MPI_STATUSES_IGNORE);
    MPI_Recv(&value, 1, MPI_INT, MPI_PROC_NULL, MPI_ANY_TAG, dup, MPI_STATUS_IGNORE);
    MPI_Comm_free(&dup);
    MPI_Finalize();
    return value;
}
PROG
for std in c++11 c++17; do
    run 120 $MPI_CXX -std=$std -Wall -Wextra -pedantic -Werror -c -o "$WORK/header.o" "$WORK/header.cpp"
    expect_rc 0 "mpi.h as $std with -Wall -Wextra -pedantic -Werror"
done
run 120 $MPI_CXX -o "$WORK/header" "$WORK/header.o"
expect_rc 0 "link a C++ program with $MPI_CXX"
run 30 $MPI_RUN 2 "$WORK/header"
expect_rc 0 "the mpi.h program on 2 ranks"

# The C++ program: one step with C++11, separate compile and link with C++17.
run 120 $MPI_CXX -std=c++11 -O2 -Wall -Wextra -pedantic -Werror -o "$WORK/cxx_stl" tests/mpi/cxx_stl.cpp
expect_rc 0 "build tests/mpi/cxx_stl.cpp with $MPI_CXX -std=c++11"
run 120 $MPI_CXX -std=c++17 -O1 -Wall -Wextra -pedantic -Werror -c -o "$WORK/cxx_stl17.o" \
    tests/mpi/cxx_stl.cpp
expect_rc 0 "compile tests/mpi/cxx_stl.cpp with $MPI_CXX -std=c++17 -c"
run 120 $MPI_CXX -o "$WORK/cxx_stl17" "$WORK/cxx_stl17.o"
expect_rc 0 "link cxx_stl17.o with $MPI_CXX"
for prog in cxx_stl cxx_stl17; do
    for n in 2 4; do
        run 60 $MPI_RUN "$n" "$WORK/$prog"
        expect_rc 0 "$prog on $n ranks"
        expect_lines "$OUT" 1 "$prog on $n ranks"
        expect_out "^cxx_stl: ok, $n ranks\$" "$prog on $n ranks"
    done
done

# The program checks what it gets: expecting one more than the sum of the
# ranks, it must fail with status 1 and say which value was wrong.
sed 's|size \* (size - 1) / 2, std::string("allreduce sum of ranks")|size * (size - 1) / 2 + 1, std::string("allreduce sum of ranks")|' \
    tests/mpi/cxx_stl.cpp >"$WORK/cxx_wrong.cpp"
cmp -s tests/mpi/cxx_stl.cpp "$WORK/cxx_wrong.cpp" && fail "could not make the wrong copy of cxx_stl.cpp"
run 120 $MPI_CXX -O1 -o "$WORK/cxx_wrong" "$WORK/cxx_wrong.cpp"
expect_rc 0 "build the wrong copy of cxx_stl.cpp"
run 60 $MPI_RUN 2 "$WORK/cxx_wrong"
expect_rc 1 "cxx_stl expecting a wrong sum"
expect_err "^cxx_stl: rank [01]: allreduce sum of ranks: got 1, want 2\$" "cxx_stl expecting a wrong sum"
grep -q 'ok' "$OUT" && fail "cxx_stl expecting a wrong sum printed: $(cat "$OUT")"
exit 0
