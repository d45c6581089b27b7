/*
 * fuzz_state.c - a rank's state page (struct ipc__ctl_state, written by the
 * rank in memory ipcrun maps, or copied into a node daemon's WHERE_IS) as
 * ipcrun turns it into "rank R (pid P) was in ipc_recv(source 3, ...)" on
 * --timeout and Ctrl-C: ipcrun__report_describe (launcher/report.c) and
 * ipc__ctl_call_name (runtime/common/ctl.c). Input: the 48-byte state, then
 * the activity text /proc gave (at most 127 bytes, as WHERE_IS carries it).
 */
#include "ctl.h"
#include "fuzz.h"
#include "report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ipc__ctl_state st;
    if (size < sizeof st)
        return 0;
    memcpy(&st, data, sizeof st);
    char *activity = fuzz_string(data + sizeof st, size - sizeof st);
    if (!activity)
        return 0;
    if (strlen(activity) > 127)
        activity[127] = '\0';
    char out[512];
    ipcrun__report_describe(&st, activity, out, sizeof out);
    if (!memchr(out, '\0', sizeof out))
        fuzz_fail("the description is not a string");
    /* The activity's bytes as the program's names too (torn or forged). */
    struct ipc__ctl_comm_name names[IPC__CTL_NAMES] = {0};
    memcpy(names, data + sizeof st,
           size - sizeof st < sizeof names ? size - sizeof st : sizeof names);
    ipcrun__report_describe_named(&st, names, IPC__CTL_NAMES, activity, out, sizeof out);
    if (!memchr(out, '\0', sizeof out))
        fuzz_fail("the description with names is not a string");
    const char *name = ipc__ctl_call_name(st.call, st.api);
    if (!name || (st.call >= IPC__CALL_COUNT && name[0]))
        fuzz_fail("call %u has a name", st.call);
    free(activity);
    return 0;
}
