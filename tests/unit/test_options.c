/* test_options.c - ipcrun's command line: every option form, every bad input
 * and the message it gets, and the hostfile (the checks of the program and
 * the directories are test_files.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "names.h"
#include "options.h"
#include "slurm.h"

#define ERRLEN 512

static int count_args(char **argv)
{
    int n = 0;
    while (argv[n])
        n++;
    return n;
}

/* The argument vectors are compound literals of the calling test, so
 * opts.prog_argv stays valid there. env: a const struct ipcrun__opts_env *. */
#define PARSE_ENV(opts, err, env, ...)                                                   \
    ipcrun__opts_parse((opts), count_args((char *[]){"ipcrun", __VA_ARGS__, NULL}),      \
                       (char *[]){"ipcrun", __VA_ARGS__, NULL}, (env), (err), ERRLEN)
#define PARSE(opts, err, ...) PARSE_ENV(opts, err, NULL, __VA_ARGS__)
#define TIMEOUT_ENV(value) ((struct ipcrun__opts_env){.timeout = (value)})
#define AGENT_ENV(value) ((struct ipcrun__opts_env){.agent = (value)})

/* Parses a command line that must be refused and checks the message. */
static void expect_error(char **argv, const struct ipcrun__opts_env *env,
                         const char *message)
{
    struct ipcrun__opts o;
    char err[ERRLEN] = "";
    assert_int_equal(ipcrun__opts_parse(&o, count_args(argv), argv, env, err, sizeof err),
                     IPCRUN__OPTS_ERROR);
    assert_string_equal(err, message);
    assert_null(o.exports);
}

#define EXPECT_ERROR(message, ...)                                                       \
    expect_error((char *[]){"ipcrun", __VA_ARGS__, NULL}, NULL, (message))

static void every_rank_count_form(void **state)
{
    (void)state;
    struct ipcrun__opts o;
    char err[ERRLEN];
    char *forms[][3] = {{"-n", "4", NULL},     {"-np", "4", NULL},
                        {"--np", "4", NULL},   {"-n=4", NULL, NULL},
                        {"-np=4", NULL, NULL}, {"--np=4", NULL, NULL}};

    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        char *argv[6] = {"ipcrun", forms[i][0]};
        int argc = 2;
        if (forms[i][1])
            argv[argc++] = forms[i][1];
        argv[argc++] = "prog";
        argv[argc++] = "arg";
        argv[argc] = NULL;
        assert_int_equal(ipcrun__opts_parse(&o, argc, argv, NULL, err, sizeof err),
                         IPCRUN__OPTS_RUN);
        assert_int_equal(o.nranks, 4);
        assert_string_equal(o.prog_argv[0], "prog");
        assert_string_equal(o.prog_argv[1], "arg");
        assert_null(o.prog_argv[2]);
        ipcrun__opts_free(&o);
    }
}

static void defaults(void **state)
{
    (void)state;
    struct ipcrun__opts o;
    char err[ERRLEN];
    assert_int_equal(PARSE(&o, err, "-n", "1", "hostname"), IPCRUN__OPTS_RUN);
    assert_int_equal(o.nranks, 1);
    assert_false(o.tag_output);
    assert_null(o.transport);
    assert_int_equal(o.kill_grace_ms, 3000);
    assert_int_equal(o.timeout_ms, 0);
    assert_int_equal(o.nexports, 0);
    assert_int_equal(o.stdin_target, 0);
    assert_false(o.timestamp_output);
    assert_null(o.output_dir);
    assert_null(o.wdir);
    assert_int_equal(o.bind_to, IPCRUN__BIND_NONE);
    assert_int_equal(o.map_by, IPCRUN__MAP_CORE);
    assert_false(o.report_bindings);
    assert_false(o.report_transports);
    assert_null(o.prog_path);
    assert_int_equal(o.hosts.n, 0);
    assert_null(o.hostfile);
    assert_int_equal(o.map_hosts, IPCRUN__MAP_SLOT);
    assert_null(o.agent);
    assert_null(o.agent_argv);
    assert_null(o.prefix);
    assert_null(o.tcp_if);
    ipcrun__opts_free(&o);
}

static void options_stop_at_the_program(void **state)
{
    (void)state;
    struct ipcrun__opts o;
    char err[ERRLEN];
    assert_int_equal(PARSE(&o, err, "-n", "2", "prog", "-n", "5", "--foo"),
                     IPCRUN__OPTS_RUN);
    assert_int_equal(o.nranks, 2);
    assert_string_equal(o.prog_argv[0], "prog");
    assert_string_equal(o.prog_argv[1], "-n");
    assert_string_equal(o.prog_argv[2], "5");
    assert_string_equal(o.prog_argv[3], "--foo");
    assert_null(o.prog_argv[4]);
    ipcrun__opts_free(&o);
}

static void double_dash_ends_options(void **state)
{
    (void)state;
    struct ipcrun__opts o;
    char err[ERRLEN];
    assert_int_equal(PARSE(&o, err, "-n", "2", "--", "-prog-with-dash"),
                     IPCRUN__OPTS_RUN);
    assert_string_equal(o.prog_argv[0], "-prog-with-dash");
    ipcrun__opts_free(&o);
}

static void last_rank_count_wins(void **state)
{
    (void)state;
    struct ipcrun__opts o;
    char err[ERRLEN];
    assert_int_equal(PARSE(&o, err, "-n", "2", "-np", "7", "prog"), IPCRUN__OPTS_RUN);
    assert_int_equal(o.nranks, 7);
    ipcrun__opts_free(&o);
}

static void flags(void **state)
{
    (void)state;
    struct ipcrun__opts o;
    char err[ERRLEN];
    assert_int_equal(PARSE(&o, err, "--tag-output", "--oversubscribe", "-n", "3", "prog"),
                     IPCRUN__OPTS_RUN);
    assert_true(o.tag_output);
    assert_int_equal(o.nranks, 3);
    ipcrun__opts_free(&o);
}

static void stdin_targets(void **state)
{
    (void)state;
    struct ipcrun__opts o;
    char err[ERRLEN];
    assert_int_equal(PARSE(&o, err, "--stdin", "all", "-n", "4", "p"), IPCRUN__OPTS_RUN);
    assert_int_equal(o.stdin_target, IPCRUN__STDIN_ALL);
    ipcrun__opts_free(&o);
    assert_int_equal(PARSE(&o, err, "--stdin=none", "-n", "4", "p"), IPCRUN__OPTS_RUN);
    assert_int_equal(o.stdin_target, IPCRUN__STDIN_NONE);
    ipcrun__opts_free(&o);
    /* The rank is checked against -n wherever -n comes. */
    assert_int_equal(PARSE(&o, err, "--stdin", "3", "-n", "4", "p"), IPCRUN__OPTS_RUN);
    assert_int_equal(o.stdin_target, 3);
    ipcrun__opts_free(&o);
    assert_int_equal(PARSE(&o, err, "-n", "1", "--stdin", "0", "p"), IPCRUN__OPTS_RUN);
    assert_int_equal(o.stdin_target, 0);
    ipcrun__opts_free(&o);
}

static void output_and_directories(void **state)
{
    (void)state;
    struct ipcrun__opts o;
    char err[ERRLEN];
    assert_int_equal(PARSE(&o, err, "--timestamp-output", "--output-dir", "out", "--wdir",
                           "/tmp", "-n", "2", "p"),
                     IPCRUN__OPTS_RUN);
    assert_true(o.timestamp_output);
    assert_string_equal(o.output_dir, "out");
    assert_string_equal(o.wdir, "/tmp");
    ipcrun__opts_free(&o);
    assert_int_equal(PARSE(&o, err, "-wdir", "a", "--output-dir=b", "-n", "2", "p"),
                     IPCRUN__OPTS_RUN);
    assert_string_equal(o.wdir, "a");
    assert_string_equal(o.output_dir, "b");
    ipcrun__opts_free(&o);
}

static void placement_choices(void **state)
{
    (void)state;
    struct ipcrun__opts o;
    char err[ERRLEN];
    const char *binds[] = {"none", "core", "l3", "numa"};
    for (int i = 0; i < 4; i++) {
        assert_int_equal(PARSE(&o, err, "--bind-to", (char *)binds[i], "-n", "2", "p"),
                         IPCRUN__OPTS_RUN);
        assert_int_equal(o.bind_to, i);
        assert_int_equal(o.map_by, IPCRUN__MAP_CORE);
        ipcrun__opts_free(&o);
    }
    /* --map-by alone binds to what it maps by. */
    const char *maps[] = {"core", "l3", "numa"};
    const enum ipcrun__bind_to implied[] = {IPCRUN__BIND_CORE, IPCRUN__BIND_L3,
                                            IPCRUN__BIND_NUMA};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(PARSE(&o, err, "--map-by", (char *)maps[i], "-n", "2", "p"),
                         IPCRUN__OPTS_RUN);
        assert_int_equal(o.map_by, i);
        assert_int_equal(o.bind_to, implied[i]);
        ipcrun__opts_free(&o);
    }
    /* An explicit --bind-to wins, before or after --map-by. */
    assert_int_equal(PARSE(&o, err, "--bind-to", "core", "--map-by", "numa",
                           "--report-bindings", "-n", "2", "p"),
                     IPCRUN__OPTS_RUN);
    assert_int_equal(o.bind_to, IPCRUN__BIND_CORE);
    assert_int_equal(o.map_by, IPCRUN__MAP_NUMA);
    assert_true(o.report_bindings);
    ipcrun__opts_free(&o);
    assert_int_equal(PARSE(&o, err, "--map-by=l3", "--bind-to=none", "-n", "2", "p"),
                     IPCRUN__OPTS_RUN);
    assert_int_equal(o.bind_to, IPCRUN__BIND_NONE);
    assert_int_equal(o.map_by, IPCRUN__MAP_L3);
    ipcrun__opts_free(&o);
}

static void every_transport(void **state)
{
    (void)state;
    const char *const *names = ipc__names_transport;
    for (size_t i = 0; i < IPC__NAMES_NTRANSPORTS; i++) {
        struct ipcrun__opts o;
        char err[ERRLEN], eq[32];
        assert_int_equal(PARSE(&o, err, "--transport", (char *)names[i], "-n", "1", "p"),
                         IPCRUN__OPTS_RUN);
        assert_string_equal(o.transport, names[i]);
        ipcrun__opts_free(&o);
        snprintf(eq, sizeof eq, "--transport=%s", names[i]);
        assert_int_equal(PARSE(&o, err, eq, "-n", "1", "p"), IPCRUN__OPTS_RUN);
        assert_string_equal(o.transport, names[i]);
        ipcrun__opts_free(&o);
    }
}

static void seconds(void **state)
{
    (void)state;
    struct ipcrun__opts o;
    char err[ERRLEN];
    assert_int_equal(
        PARSE(&o, err, "--kill-grace", "0.5", "--timeout=12", "-n", "1", "p"),
        IPCRUN__OPTS_RUN);
    assert_int_equal(o.kill_grace_ms, 500);
    assert_int_equal(o.timeout_ms, 12000);
    ipcrun__opts_free(&o);
    assert_int_equal(PARSE(&o, err, "--kill-grace=0", "--timeout", ".25", "-n", "1", "p"),
                     IPCRUN__OPTS_RUN);
    assert_int_equal(o.kill_grace_ms, 0);
    assert_int_equal(o.timeout_ms, 250);
    ipcrun__opts_free(&o);
}

static void timeout_from_environment(void **state)
{
    (void)state;
    struct ipcrun__opts o;
    char err[ERRLEN];
    assert_int_equal(PARSE_ENV(&o, err, &TIMEOUT_ENV("10"), "-n", "1", "p"),
                     IPCRUN__OPTS_RUN);
    assert_int_equal(o.timeout_ms, 10000);
    ipcrun__opts_free(&o);
    /* The command line wins, even over a value it would refuse. */
    assert_int_equal(
        PARSE_ENV(&o, err, &TIMEOUT_ENV("junk"), "--timeout", "2", "-n", "1", "p"),
        IPCRUN__OPTS_RUN);
    assert_int_equal(o.timeout_ms, 2000);
    ipcrun__opts_free(&o);
    assert_int_equal(PARSE_ENV(&o, err, &TIMEOUT_ENV(""), "-n", "1", "p"),
                     IPCRUN__OPTS_RUN);
    assert_int_equal(o.timeout_ms, 0);
    ipcrun__opts_free(&o);
    expect_error((char *[]){"ipcrun", "-n", "1", "p", NULL}, &TIMEOUT_ENV("soon"),
                 "IPC_TIMEOUT must be a number of seconds (0: no limit), got 'soon'");
}

static void exports(void **state)
{
    (void)state;
    struct ipcrun__opts o;
    char err[ERRLEN];
    setenv("IPC_TEST_EXPORTED", "yes", 1);
    assert_int_equal(PARSE(&o, err, "-x", "A=1", "-x", "IPC_TEST_EXPORTED", "-x",
                           "B=", "-n", "1", "p"),
                     IPCRUN__OPTS_RUN);
    assert_int_equal(o.nexports, 3);
    assert_string_equal(o.exports[0], "A=1");
    assert_string_equal(o.exports[1], "IPC_TEST_EXPORTED");
    assert_string_equal(o.exports[2], "B=");
    ipcrun__opts_free(&o);
    unsetenv("IPC_TEST_EXPORTED");
}

/* The spellings of MPICH's mpiexec: -genv/-env NAME VALUE is -x NAME=VALUE,
 * -envall is what ipcrun does anyway, -l labels lines like --tag-output. */
static void mpiexec_spellings(void **state)
{
    (void)state;
    struct ipcrun__opts o;
    char err[ERRLEN];
    assert_int_equal(PARSE(&o, err, "-genv", "A", "1", "-env", "B", "two words", "-x",
                           "C=3", "-envall", "-l", "-n", "2", "p", "-genv"),
                     IPCRUN__OPTS_RUN);
    assert_int_equal(o.nexports, 3);
    assert_string_equal(o.exports[0], "A=1");
    assert_string_equal(o.exports[1], "B=two words");
    assert_string_equal(o.exports[2], "C=3");
    assert_true(o.tag_output);
    assert_int_equal(o.nranks, 2);
    assert_string_equal(o.prog_argv[0], "p");
    assert_string_equal(o.prog_argv[1], "-genv");
    ipcrun__opts_free(&o);
    assert_int_equal(PARSE(&o, err, "-genv", "EMPTY", "", "-n", "1", "p"),
                     IPCRUN__OPTS_RUN);
    assert_string_equal(o.exports[0], "EMPTY=");
    ipcrun__opts_free(&o);

    EXPECT_ERROR("-genv needs NAME and VALUE as two words, e.g. '-genv OMP_NUM_THREADS 2'",
                 "-n", "1", "-genv", "A");
    EXPECT_ERROR("-env needs NAME and VALUE as two words, e.g. '-env OMP_NUM_THREADS 2'",
                 "-env=A", "1", "-n", "1", "p");
    EXPECT_ERROR("-genv needs NAME VALUE with NAME made of letters, digits and '_', got "
                 "'A=1'",
                 "-genv", "A=1", "x", "-n", "1", "p");
    EXPECT_ERROR("-genv IPC_RANK: ipcrun sets IPC_RANK for each rank itself; drop this "
                 "-genv",
                 "-genv", "IPC_RANK", "3", "-n", "1", "p");
    EXPECT_ERROR("option '-envall' takes no value, got '-envall=1'", "-envall=1", "-n",
                 "1", "p");
}

static void help_and_version(void **state)
{
    (void)state;
    struct ipcrun__opts o;
    char err[ERRLEN];
    assert_int_equal(PARSE(&o, err, "--help"), IPCRUN__OPTS_HELP);
    assert_int_equal(PARSE(&o, err, "-h"), IPCRUN__OPTS_HELP);
    assert_int_equal(PARSE(&o, err, "-n", "2", "--help", "prog"), IPCRUN__OPTS_HELP);
    assert_int_equal(PARSE(&o, err, "--version"), IPCRUN__OPTS_VERSION);
    assert_int_equal(PARSE(&o, err, "-V"), IPCRUN__OPTS_VERSION);
    /* After the program name, --help belongs to the program. */
    assert_int_equal(PARSE(&o, err, "-n", "2", "prog", "--help"), IPCRUN__OPTS_RUN);
    ipcrun__opts_free(&o);
}

static void usage_names_every_option(void **state)
{
    (void)state;
    const char *u = ipcrun__opts_usage();
    const char *words[] = {"-n N",
                           "-np N",
                           "--np N",
                           "-n=N",
                           "--tag-output",
                           "--transport",

                           "-x NAME",
                           "-genv NAME VALUE",
                           "-env NAME VALUE",
                           "-envall",
                           "--tag-output, -l",
                           "--timeout",
                           "IPC_TIMEOUT",
                           "--kill-grace",
                           "--oversubscribe",
                           "--help",
                           "--version",
                           "Exit status",
                           "124",
                           "125",
                           "127",
                           "128+S",
                           "--stdin all|none|R",
                           "--timestamp-output",
                           "--output-dir DIR",
                           "--wdir DIR",
                           "-wdir",
                           "--bind-to core|l3|numa|none",
                           "--map-by core|l3|numa",
                           "--report-bindings",
                           "--report-transports",
                           "IPC_OVERSUBSCRIBED",
                           "--kill-grace SEC",
                           "SIGUSR1",
                           "SIGKILL",
                           "ipcrun(1)",
                           "-H LIST",
                           "--host LIST",
                           "--hosts LIST",
                           "--hostfile FILE",
                           "--machinefile FILE",
                           "-hostfile FILE",
                           "slots=N",
                           "--map-by slot|node",
                           "--agent CMD",
                           "IPC_AGENT",
                           "--prefix DIR",
                           "--tcp-if NAME|ADDR|CIDR",
                           "IPC_TCP_IF"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        assert_non_null(strstr(u, words[i]));
    for (size_t i = 0; i < IPC__NAMES_NTRANSPORTS; i++)
        assert_non_null(strstr(u, ipc__names_transport[i]));
}

static void bad_rank_counts(void **state)
{
    (void)state;
    EXPECT_ERROR("-n needs a positive number of ranks, got '0'", "-n", "0", "p");
    EXPECT_ERROR("-n needs a positive number of ranks, got 'abc'", "-n", "abc", "p");
    EXPECT_ERROR("-n needs a positive number of ranks, got '-3'", "-n", "-3", "p");
    EXPECT_ERROR("-n needs a positive number of ranks, got '4x'", "-n", "4x", "p");
    EXPECT_ERROR("-n needs a positive number of ranks, got ''", "-n=", "p");
    EXPECT_ERROR("-np needs a positive number of ranks, got ' 4'", "-np", " 4", "p");
    EXPECT_ERROR("--np needs a positive number of ranks, got 'hostname'", "--np",
                 "hostname");
    EXPECT_ERROR("-n: at most 100000 ranks can be started, got '100001'", "-n", "100001",
                 "p");
    EXPECT_ERROR("-n: at most 100000 ranks can be started, got '99999999999999999999999'",
                 "-n", "99999999999999999999999", "p");
}

static void missing_pieces(void **state)
{
    (void)state;
    EXPECT_ERROR("-n needs a value; see 'ipcrun --help'", "-n");
    EXPECT_ERROR("--transport needs a value; see 'ipcrun --help'", "-n", "2",
                 "--transport");
    EXPECT_ERROR("say how many ranks to start with -n N, e.g. 'ipcrun -n 4 hostname'",
                 "hostname");
    EXPECT_ERROR("no program to run; usage: ipcrun [options] -n N prog [args...]", "-n",
                 "2");
    EXPECT_ERROR("no program to run; usage: ipcrun [options] -n N prog [args...]", "-n",
                 "2", "--");
    char *none[] = {"ipcrun", NULL};
    expect_error(none, NULL,
                 "no program to run; usage: ipcrun [options] -n N prog [args...]");
}

static void unknown_options(void **state)
{
    (void)state;
    EXPECT_ERROR("unknown option '--foo'; see 'ipcrun --help'", "--foo", "-n", "2", "p");
    EXPECT_ERROR("unknown option '--foo'; see 'ipcrun --help'", "--foo=bar", "-n", "2",
                 "p");
    EXPECT_ERROR("unknown option '-q'; see 'ipcrun --help'", "-n", "2", "-q", "p");
    EXPECT_ERROR("unknown option '--n'; see 'ipcrun --help'", "--n", "2", "p");
    EXPECT_ERROR("option '--tag-output' takes no value, got '--tag-output=yes'",
                 "--tag-output=yes", "-n", "2", "p");
}

static void report_transports(void **state)
{
    (void)state;
    struct ipcrun__opts o;
    char err[ERRLEN];
    assert_int_equal(PARSE(&o, err, "--report-transports", "-n", "2", "p"),
                     IPCRUN__OPTS_RUN);
    assert_true(o.report_transports);
    ipcrun__opts_free(&o);
}

static void bad_values(void **state)
{
    (void)state;
    EXPECT_ERROR("--transport must be one of shm, unix, pipe, tcp; got 'udp'",
                 "--transport", "udp", "-n", "1", "p");
    EXPECT_ERROR("--transport must be one of shm, unix, pipe, tcp; got ''",
                 "--transport=", "-n", "1", "p");
    EXPECT_ERROR("--transport must be one of shm, unix, pipe, tcp; got 'TCP'",
                 "--transport", "TCP", "-n", "1", "p");
    EXPECT_ERROR("--transport must be one of shm, unix, pipe, tcp; got 'pipe unix'",
                 "--transport", "pipe unix", "-n", "1", "p");
    const char *bad_secs[] = {"-1", "abc", "1e3", "inf", "0x10", "", ".", "1.2.3", " 1"};
    for (size_t i = 0; i < sizeof bad_secs / sizeof bad_secs[0]; i++) {
        char msg[ERRLEN];
        snprintf(msg, sizeof msg,
                 "--kill-grace needs a number of seconds (0 or more), got '%s'",
                 bad_secs[i]);
        EXPECT_ERROR(msg, "--kill-grace", (char *)bad_secs[i], "-n", "1", "p");
        snprintf(msg, sizeof msg,
                 "--timeout needs a number of seconds (0: no limit), got '%s'",
                 bad_secs[i]);
        EXPECT_ERROR(msg, "--timeout", (char *)bad_secs[i], "-n", "1", "p");
    }
    EXPECT_ERROR("--timeout needs a number of seconds (0: no limit), got '99999999'",
                 "--timeout", "99999999", "-n", "1", "p");
}

static void bad_new_values(void **state)
{
    (void)state;
    const char *bad_stdin[] = {"", "some", "-1", "1x", "ALL", "1234567"};
    for (size_t i = 0; i < sizeof bad_stdin / sizeof bad_stdin[0]; i++) {
        char msg[ERRLEN];
        snprintf(msg, sizeof msg, "--stdin needs all, none or a rank number, got '%s'",
                 bad_stdin[i]);
        EXPECT_ERROR(msg, "--stdin", (char *)bad_stdin[i], "-n", "2", "p");
    }
    EXPECT_ERROR("--stdin 4: the job has ranks 0..3 only; give one of them, all or none",
                 "--stdin", "4", "-n", "4", "p");
    EXPECT_ERROR("--stdin 1: the job has ranks 0..0 only; give one of them, all or none",
                 "-n", "1", "--stdin=1", "p");
    EXPECT_ERROR("--stdin needs a value; see 'ipcrun --help'", "-n", "1", "--stdin");
    EXPECT_ERROR("--output-dir needs a directory, got ''", "--output-dir=", "-n", "1",
                 "p");
    EXPECT_ERROR("--wdir needs a directory, got ''", "--wdir", "", "-n", "1", "p");
    EXPECT_ERROR("--bind-to must be one of core, l3, numa, none; got 'socket'",
                 "--bind-to", "socket", "-n", "1", "p");
    EXPECT_ERROR("--bind-to must be one of core, l3, numa, none; got ''",
                 "--bind-to=", "-n", "1", "p");
    EXPECT_ERROR("--map-by must be one of slot, node, core, l3, numa; got 'none'",
                 "--map-by", "none", "-n", "1", "p");
    EXPECT_ERROR("--map-by must be one of slot, node, core, l3, numa; got 'Core'",
                 "--map-by=Core", "-n", "1", "p");
    EXPECT_ERROR("option '--report-bindings' takes no value, got '--report-bindings=1'",
                 "--report-bindings=1", "-n", "1", "p");
    EXPECT_ERROR("option '--timestamp-output' takes no value, got '--timestamp-output=x'",
                 "--timestamp-output=x", "-n", "1", "p");
    EXPECT_ERROR("-x IPC_OVERSUBSCRIBED: ipcrun sets IPC_OVERSUBSCRIBED for each rank "
                 "itself; drop this -x",
                 "-x", "IPC_OVERSUBSCRIBED=0", "-n", "1", "p");
}

static void bad_exports(void **state)
{
    (void)state;
    unsetenv("IPC_TEST_NOT_SET");
    EXPECT_ERROR(
        "-x IPC_TEST_NOT_SET: IPC_TEST_NOT_SET is not set here; give its value with "
        "-x IPC_TEST_NOT_SET=VALUE",
        "-x", "IPC_TEST_NOT_SET", "-n", "1", "p");
    EXPECT_ERROR(
        "-x needs NAME or NAME=VALUE with NAME made of letters, digits and '_', got "
        "'=v'",
        "-x", "=v", "-n", "1", "p");
    EXPECT_ERROR(
        "-x needs NAME or NAME=VALUE with NAME made of letters, digits and '_', got "
        "'1X=v'",
        "-x", "1X=v", "-n", "1", "p");
    EXPECT_ERROR(
        "-x needs NAME or NAME=VALUE with NAME made of letters, digits and '_', got "
        "'A-B'",
        "-x", "A-B", "-n", "1", "p");
    EXPECT_ERROR("-x IPC_RANK: ipcrun sets IPC_RANK for each rank itself; drop this -x",
                 "-x", "IPC_RANK=3", "-n", "1", "p");
    EXPECT_ERROR(
        "-x IPC_CONTROL_FD: ipcrun sets IPC_CONTROL_FD for each rank itself; drop "
        "this -x",
        "-x", "IPC_CONTROL_FD", "-n", "1", "p");
    EXPECT_ERROR(
        "-x IPC_JOB_SECRET: ipcrun sets IPC_JOB_SECRET for each rank itself; drop "
        "this -x",
        "-x", "IPC_JOB_SECRET=00", "-n", "1", "p");
    EXPECT_ERROR("-x needs a value; see 'ipcrun --help'", "-n", "1", "-x");
}

/* ---- hosts ---- */

static void host_forms(void **state)
{
    (void)state;
    struct ipcrun__opts o;
    char err[ERRLEN];
    const char *forms[][2] = {{"-H", "a:2,b"},
                              {"--host", "a:2,b"},
                              {"--hosts", "a:2,b"},
                              {"-H=a:2,b", NULL},
                              {"--host=a:2,b", NULL}};
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        char *argv[5] = {"ipcrun", (char *)forms[i][0]};
        int argc = 2;
        if (forms[i][1])
            argv[argc++] = (char *)forms[i][1];
        argv[argc++] = "prog";
        argv[argc] = NULL;
        assert_int_equal(ipcrun__opts_parse(&o, argc, argv, NULL, err, sizeof err),
                         IPCRUN__OPTS_RUN);
        assert_int_equal(o.hosts.n, 2);
        assert_string_equal(o.hosts.v[0].name, "a");
        assert_int_equal(o.hosts.v[0].slots, 2);
        assert_string_equal(o.hosts.v[1].name, "b");
        assert_int_equal(o.hosts.v[1].slots, 1);
        /* -n defaults to the slots. */
        assert_int_equal(o.nranks, 3);
        ipcrun__opts_free(&o);
        assert_null(o.hosts.v);
    }
}

static void host_lists_add_up(void **state)
{
    (void)state;
    struct ipcrun__opts o;
    char err[ERRLEN];
    assert_int_equal(PARSE(&o, err, "-H", "a:2,b:2", "--host", "c,a", "--hosts=b:3", "p"),
                     IPCRUN__OPTS_RUN);
    assert_int_equal(o.hosts.n, 3);
    assert_int_equal(o.hosts.v[0].slots, 3);
    assert_int_equal(o.hosts.v[1].slots, 5);
    assert_string_equal(o.hosts.v[2].name, "c");
    assert_int_equal(o.hosts.v[2].slots, 1);
    assert_int_equal(o.nranks, 9);
    ipcrun__opts_free(&o);
    /* -n wins over the slots, fewer or more (oversubscribed). */
    assert_int_equal(PARSE(&o, err, "-n", "2", "-H", "a:4", "p"), IPCRUN__OPTS_RUN);
    assert_int_equal(o.nranks, 2);
    ipcrun__opts_free(&o);
    assert_int_equal(PARSE(&o, err, "-H", "a:4", "-n", "10", "p"), IPCRUN__OPTS_RUN);
    assert_int_equal(o.nranks, 10);
    ipcrun__opts_free(&o);
    /* More slots than ipcrun starts ranks: fine with -n. */
    assert_int_equal(PARSE(&o, err, "-H", "a:100000,b:1", "-n", "5", "p"),
                     IPCRUN__OPTS_RUN);
    assert_int_equal(o.nranks, 5);
    ipcrun__opts_free(&o);
    assert_int_equal(PARSE(&o, err, "-H", "a:2", "--stdin", "1", "p"), IPCRUN__OPTS_RUN);
    assert_int_equal(o.stdin_target, 1);
    ipcrun__opts_free(&o);
}

static void bad_hosts(void **state)
{
    (void)state;
    EXPECT_ERROR("-H 'a:0': '0' is not a positive number of slots", "-H", "a:0", "p");
    EXPECT_ERROR("--host 'a:x': 'x' is not a positive number of slots", "--host", "b,a:x",
                 "p");
    EXPECT_ERROR("--hosts '': empty host name; write HOST[:SLOTS][,HOST[:SLOTS]...]",
                 "--hosts=", "p");
    EXPECT_ERROR("-H 'a,,b': empty host name; write HOST[:SLOTS][,HOST[:SLOTS]...]", "-H",
                 "a,,b", "p");
    EXPECT_ERROR("-H '-n': a host name cannot start with '-'", "-H", "-n", "4", "p");
    EXPECT_ERROR("-H needs a value; see 'ipcrun --help'", "-H");
    EXPECT_ERROR("the hosts have 100001 slots, more than the 100000 ranks ipcrun can "
                 "start; give -n N",
                 "-H", "a:100000,b", "p");
    EXPECT_ERROR("--stdin 2: the job has ranks 0..1 only; give one of them, all or none",
                 "-H", "a,b", "--stdin", "2", "p");
    EXPECT_ERROR("--host and --hostfile both name the hosts; give one of them", "-H", "a",
                 "--hostfile", "h.txt", "p");
    EXPECT_ERROR("--host and --hostfile both name the hosts; give one of them",
                 "--machinefile", "h.txt", "--host", "a", "p");
    EXPECT_ERROR("--hostfile needs a file, got ''", "--hostfile=", "p");
    EXPECT_ERROR("no program to run; usage: ipcrun [options] -n N prog [args...]", "-H",
                 "a:2");
}

static void hostfile_is_only_named(void **state)
{
    (void)state;
    struct ipcrun__opts o;
    char err[ERRLEN];
    const char *forms[] = {"--hostfile", "--machinefile", "-hostfile"};
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        assert_int_equal(PARSE(&o, err, (char *)forms[i], "/no/such/file", "p"),
                         IPCRUN__OPTS_RUN);
        assert_string_equal(o.hostfile, "/no/such/file");
        assert_int_equal(o.hosts.n, 0);
        assert_int_equal(o.nranks, 0); /* until the file is read */
        assert_string_equal(o.agent, "ssh");
        ipcrun__opts_free(&o);
    }
    /* Without a hostfile, reading it does nothing. */
    assert_int_equal(PARSE(&o, err, "-n", "3", "p"), IPCRUN__OPTS_RUN);
    assert_int_equal(ipcrun__opts_read_hostfile(&o, err, sizeof err), 0);
    assert_int_equal(o.nranks, 3);
    assert_int_equal(o.hosts.n, 0);
    ipcrun__opts_free(&o);
}

static void map_by_hosts_and_domains(void **state)
{
    (void)state;
    struct ipcrun__opts o;
    char err[ERRLEN];
    /* slot|node alone does not bind. */
    assert_int_equal(PARSE(&o, err, "--map-by", "node", "-H", "a,b", "p"),
                     IPCRUN__OPTS_RUN);
    assert_int_equal(o.map_hosts, IPCRUN__MAP_NODE);
    assert_int_equal(o.map_by, IPCRUN__MAP_CORE);
    assert_int_equal(o.bind_to, IPCRUN__BIND_NONE);
    ipcrun__opts_free(&o);
    assert_int_equal(PARSE(&o, err, "--map-by", "node", "--map-by=slot", "-n", "1", "p"),
                     IPCRUN__OPTS_RUN);
    assert_int_equal(o.map_hosts, IPCRUN__MAP_SLOT);
    ipcrun__opts_free(&o);
    /* One of each kind sets both; the domain binds as before. */
    assert_int_equal(PARSE(&o, err, "--map-by", "node", "--map-by", "l3", "-n", "2", "p"),
                     IPCRUN__OPTS_RUN);
    assert_int_equal(o.map_hosts, IPCRUN__MAP_NODE);
    assert_int_equal(o.map_by, IPCRUN__MAP_L3);
    assert_int_equal(o.bind_to, IPCRUN__BIND_L3);
    ipcrun__opts_free(&o);
    assert_int_equal(PARSE(&o, err, "--map-by=numa", "--map-by=node", "-n", "2", "p"),
                     IPCRUN__OPTS_RUN);
    assert_int_equal(o.map_hosts, IPCRUN__MAP_NODE);
    assert_int_equal(o.map_by, IPCRUN__MAP_NUMA);
    assert_int_equal(o.bind_to, IPCRUN__BIND_NUMA);
    ipcrun__opts_free(&o);
    const char *bad[] = {"ppr:2:node", "socket", "", "Node", "slot,node", "node:PE=2"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char msg[ERRLEN];
        snprintf(msg, sizeof msg,
                 "--map-by must be one of slot, node, core, l3, numa; got '%s'", bad[i]);
        EXPECT_ERROR(msg, "--map-by", (char *)bad[i], "-n", "1", "p");
    }
}

static void expect_agent(const struct ipcrun__opts *o, const char *agent,
                         const char **words)
{
    assert_string_equal(o->agent, agent);
    assert_non_null(o->agent_argv);
    size_t n = 0;
    for (; words[n]; n++) {
        assert_non_null(o->agent_argv[n]);
        assert_string_equal(o->agent_argv[n], words[n]);
    }
    assert_null(o->agent_argv[n]);
}

static void agents(void **state)
{
    (void)state;
    struct ipcrun__opts o;
    char err[ERRLEN];
    assert_int_equal(PARSE(&o, err, "-H", "a", "p"), IPCRUN__OPTS_RUN);
    expect_agent(&o, "ssh", (const char *[]){"ssh", NULL});
    ipcrun__opts_free(&o);
    assert_null(o.agent_argv);
    assert_int_equal(PARSE_ENV(&o, err, &AGENT_ENV("rsh -l me"), "-H", "a", "p"),
                     IPCRUN__OPTS_RUN);
    expect_agent(&o, "rsh -l me", (const char *[]){"rsh", "-l", "me", NULL});
    ipcrun__opts_free(&o);
    /* The option wins over IPC_AGENT; blanks and tabs split, runs of them
     * count once. */
    assert_int_equal(PARSE_ENV(&o, err, &AGENT_ENV("rsh"), "--agent",
                               "  ip netns\texec   ", "-H", "a", "p"),
                     IPCRUN__OPTS_RUN);
    expect_agent(&o, "  ip netns\texec   ",
                 (const char *[]){"ip", "netns", "exec", NULL});
    ipcrun__opts_free(&o);
    assert_int_equal(PARSE_ENV(&o, err, &AGENT_ENV(""), "-H", "a", "p"),
                     IPCRUN__OPTS_RUN);
    expect_agent(&o, "ssh", (const char *[]){"ssh", NULL});
    ipcrun__opts_free(&o);
    /* A job without hosts needs no agent, and does not look at IPC_AGENT. */
    assert_int_equal(PARSE_ENV(&o, err, &AGENT_ENV("   "), "-n", "1", "p"),
                     IPCRUN__OPTS_RUN);
    assert_null(o.agent);
    assert_null(o.agent_argv);
    ipcrun__opts_free(&o);
    EXPECT_ERROR("--agent needs a command to reach the hosts, such as ssh, got ''",
                 "--agent=", "-H", "a", "p");
    EXPECT_ERROR("--agent needs a command to reach the hosts, such as ssh, got ' \t '",
                 "--agent", " \t ", "-n", "1", "p");
    expect_error((char *[]){"ipcrun", "-H", "a", "p", NULL}, &AGENT_ENV(" "),
                 "IPC_AGENT names no command; set it to one such as ssh, or unset it");
}

/* Inside a Slurm allocation: its nodes and slots, -n from them, srun as the
 * agent; --host, --hostfile and --agent/IPC_AGENT still win. */
static void slurm_allocation(void **state)
{
    (void)state;
    struct ipcrun__opts o;
    char err[ERRLEN];
    const struct ipcrun__opts_env alloc = {.slurm_nodelist = "n[1-2]",
                                           .slurm_tasks = "3,1"};
    assert_int_equal(PARSE_ENV(&o, err, &alloc, "p"), IPCRUN__OPTS_RUN);
    assert_true(o.slurm);
    assert_int_equal(o.nranks, 4);
    assert_int_equal(o.hosts.n, 2);
    assert_string_equal(o.hosts.v[0].name, "n1");
    assert_int_equal(o.hosts.v[0].slots, 3);
    assert_string_equal(o.hosts.v[1].name, "n2");
    assert_int_equal(o.hosts.v[1].slots, 1);
    expect_agent(&o, IPCRUN__SLURM_AGENT,
                 (const char *[]){"srun", "--unbuffered", "--mpi=none", "--nodes=1",
                                  "--ntasks=1", "--overlap", "--nodelist", NULL});
    ipcrun__opts_free(&o);
    assert_int_equal(PARSE_ENV(&o, err, &alloc, "-n", "9", "p"), IPCRUN__OPTS_RUN);
    assert_int_equal(o.nranks, 9);
    ipcrun__opts_free(&o);
    const struct ipcrun__opts_env alloc_agent = {
        .agent = "ssh -x", .slurm_nodelist = "n1", .slurm_tasks = "2"};
    assert_int_equal(PARSE_ENV(&o, err, &alloc_agent, "p"), IPCRUN__OPTS_RUN);
    expect_agent(&o, "ssh -x", (const char *[]){"ssh", "-x", NULL});
    ipcrun__opts_free(&o);
    assert_int_equal(PARSE_ENV(&o, err, &alloc, "-H", "a:2", "p"), IPCRUN__OPTS_RUN);
    assert_false(o.slurm);
    assert_int_equal(o.hosts.n, 1);
    assert_string_equal(o.hosts.v[0].name, "a");
    expect_agent(&o, "ssh", (const char *[]){"ssh", NULL});
    ipcrun__opts_free(&o);
    const struct ipcrun__opts_env bad = {.slurm_nodelist = "n[1-3]", .slurm_tasks = "2"};
    expect_error((char *[]){"ipcrun", "p", NULL}, &bad,
                 "SLURM_JOB_NODELIST names more nodes than SLURM_TASKS_PER_NODE counts (1)");
}

static void prefixes(void **state)
{
    (void)state;
    struct ipcrun__opts o;
    char err[ERRLEN];
    assert_int_equal(PARSE(&o, err, "--prefix", "/opt/ipc", "-H", "a", "p"),
                     IPCRUN__OPTS_RUN);
    assert_string_equal(o.prefix, "/opt/ipc");
    ipcrun__opts_free(&o);
    assert_int_equal(PARSE(&o, err, "--prefix=/opt/ipc//", "-n", "1", "p"),
                     IPCRUN__OPTS_RUN);
    assert_string_equal(o.prefix, "/opt/ipc//");
    ipcrun__opts_free(&o);
    assert_int_equal(PARSE(&o, err, "--prefix", "/", "-n", "1", "p"), IPCRUN__OPTS_RUN);
    assert_string_equal(o.prefix, "/");
    ipcrun__opts_free(&o);
    assert_int_equal(PARSE(&o, err, "-n", "1", "p"), IPCRUN__OPTS_RUN);
    assert_null(o.prefix);
    ipcrun__opts_free(&o);
    EXPECT_ERROR("--prefix needs the absolute directory ipcrun is installed in on the "
                 "hosts (e.g. /opt/ipc), got 'opt/ipc'",
                 "--prefix", "opt/ipc", "-n", "1", "p");
    EXPECT_ERROR("--prefix needs the absolute directory ipcrun is installed in on the "
                 "hosts (e.g. /opt/ipc), got ''",
                 "--prefix=", "-n", "1", "p");
}

static void tcp_interfaces(void **state)
{
    (void)state;
    const char *good[] = {"eth0",       "enp0s31f6",      "lo",
                          "ib0.8001",   "10.1.2.3",       "0.0.0.0/0",
                          "10.0.0.0/8", "192.168.1.7/32", "123456789abcdef"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        struct ipcrun__opts o;
        char err[ERRLEN] = "";
        if (PARSE(&o, err, "--tcp-if", (char *)good[i], "-n", "1", "p") !=
            IPCRUN__OPTS_RUN)
            fail_msg("--tcp-if %s refused: %s", good[i], err);
        assert_string_equal(o.tcp_if, good[i]);
        ipcrun__opts_free(&o);
    }
    struct {
        const char *value, *message;
    } bad[] = {
        {"", "--tcp-if needs an interface name, an IPv4 address or a network such as "
             "10.1.0.0/16, got ''"},
        {"10.0.0.0/33",
         "--tcp-if '10.0.0.0/33': the prefix length after '/' must be 0 to 32"},
        {"10.0.0.0/",
         "--tcp-if '10.0.0.0/': the prefix length after '/' must be 0 to 32"},
        {"10.0.0.0/-1",
         "--tcp-if '10.0.0.0/-1': the prefix length after '/' must be 0 to 32"},
        {"10.0.0.0/024",
         "--tcp-if '10.0.0.0/024': the prefix length after '/' must be 0 to "
         "32"},
        {"10.0.0.0/8x",
         "--tcp-if '10.0.0.0/8x': the prefix length after '/' must be 0 to 32"},
        {"300.1.1.1", "--tcp-if '300.1.1.1': '300.1.1.1' is not an IPv4 address"},
        {"1.2.3", "--tcp-if '1.2.3': '1.2.3' is not an IPv4 address"},
        {"10.0.0.300/24",
         "--tcp-if '10.0.0.300/24': '10.0.0.300' is not an IPv4 address"},
        {"eth0/24", "--tcp-if 'eth0/24': 'eth0' is not an IPv4 address"},
        {"/24", "--tcp-if '/24': '' is not an IPv4 address"},
        {"eth 0", "--tcp-if 'eth 0' is not an interface name (1 to 15 characters, no '/' "
                  "or blank), an IPv4 address or a network such as 10.1.0.0/16"},
        {"0123456789abcdef",
         "--tcp-if '0123456789abcdef' is not an interface name (1 to 15 "
         "characters, no '/' or blank), an IPv4 address or a network "
         "such as 10.1.0.0/16"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        EXPECT_ERROR(bad[i].message, "--tcp-if", (char *)bad[i].value, "-n", "1", "p");
}

/* ---- files: the hostfile ---- */

struct dirs {
    char root[64];
    char bin[96];
    char other[96];
};

static int dirs_setup(void **state)
{
    struct dirs *d = calloc(1, sizeof *d);
    if (!d)
        return -1;
    snprintf(d->root, sizeof d->root, "/tmp/ipc-test-options-XXXXXX");
    if (!mkdtemp(d->root))
        return -1;
    snprintf(d->bin, sizeof d->bin, "%s/bin", d->root);
    snprintf(d->other, sizeof d->other, "%s/other", d->root);
    if (mkdir(d->bin, 0755) || mkdir(d->other, 0755))
        return -1;
    *state = d;
    return 0;
}

static int dirs_teardown(void **state)
{
    struct dirs *d = *state;
    const char *files[] = {"bin/tool",       "bin/plain", "other/plain", "other/tool",
                           "bin/sub/deeper", "bin/sub",   "hosts.txt"};
    char path[256];
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", d->root, files[i]);
        if (unlink(path) != 0)
            rmdir(path);
    }
    rmdir(d->bin);
    rmdir(d->other);
    rmdir(d->root);
    free(d);
    return 0;
}

static const char *write_hostfile(const struct dirs *d, const char *text, char *path,
                                  size_t len)
{
    snprintf(path, len, "%s/hosts.txt", d->root);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
    return path;
}

static void hostfile_read(void **state)
{
    struct ipcrun__opts o;
    char err[ERRLEN], path[256], msg[ERRLEN];
    write_hostfile(*state, "# two hosts\nlocalhost slots=2\nnode2:3\n\nlocalhost\n", path,
                   sizeof path);
    assert_int_equal(PARSE(&o, err, "--hostfile", path, "p"), IPCRUN__OPTS_RUN);
    assert_int_equal(ipcrun__opts_read_hostfile(&o, err, sizeof err), 0);
    assert_int_equal(o.hosts.n, 2);
    assert_string_equal(o.hosts.v[0].name, "localhost");
    assert_int_equal(o.hosts.v[0].slots, 3);
    assert_string_equal(o.hosts.v[1].name, "node2");
    assert_int_equal(o.hosts.v[1].slots, 3);
    assert_int_equal(o.nranks, 6);
    ipcrun__opts_free(&o);
    /* -n wins; --stdin is checked against the ranks once they are known. */
    assert_int_equal(PARSE(&o, err, "-n", "2", "-hostfile", path, "p"), IPCRUN__OPTS_RUN);
    assert_int_equal(ipcrun__opts_read_hostfile(&o, err, sizeof err), 0);
    assert_int_equal(o.nranks, 2);
    ipcrun__opts_free(&o);
    assert_int_equal(PARSE(&o, err, "--stdin", "6", "--machinefile", path, "p"),
                     IPCRUN__OPTS_RUN);
    assert_int_equal(ipcrun__opts_read_hostfile(&o, err, sizeof err), -1);
    assert_string_equal(
        err, "--stdin 6: the job has ranks 0..5 only; give one of them, all or none");
    ipcrun__opts_free(&o);

    write_hostfile(*state, "a\nb slots=2\nc slots=x\n", path, sizeof path);
    assert_int_equal(PARSE(&o, err, "--hostfile", path, "p"), IPCRUN__OPTS_RUN);
    assert_int_equal(ipcrun__opts_read_hostfile(&o, err, sizeof err), -1);
    snprintf(msg, sizeof msg, "%s:3: 'slots=x' is not a positive number of slots", path);
    assert_string_equal(err, msg);
    ipcrun__opts_free(&o);
    assert_null(o.hosts.v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_rank_count_form),
        cmocka_unit_test(defaults),
        cmocka_unit_test(options_stop_at_the_program),
        cmocka_unit_test(double_dash_ends_options),
        cmocka_unit_test(last_rank_count_wins),
        cmocka_unit_test(flags),
        cmocka_unit_test(stdin_targets),
        cmocka_unit_test(output_and_directories),
        cmocka_unit_test(placement_choices),
        cmocka_unit_test(every_transport),
        cmocka_unit_test(report_transports),
        cmocka_unit_test(seconds),
        cmocka_unit_test(timeout_from_environment),
        cmocka_unit_test(exports),
        cmocka_unit_test(mpiexec_spellings),
        cmocka_unit_test(help_and_version),
        cmocka_unit_test(usage_names_every_option),
        cmocka_unit_test(bad_rank_counts),
        cmocka_unit_test(missing_pieces),
        cmocka_unit_test(unknown_options),
        cmocka_unit_test(bad_values),
        cmocka_unit_test(bad_exports),
        cmocka_unit_test(bad_new_values),
        cmocka_unit_test(host_forms),
        cmocka_unit_test(host_lists_add_up),
        cmocka_unit_test(bad_hosts),
        cmocka_unit_test(hostfile_is_only_named),
        cmocka_unit_test_setup_teardown(hostfile_read, dirs_setup, dirs_teardown),
        cmocka_unit_test(map_by_hosts_and_domains),
        cmocka_unit_test(agents),
        cmocka_unit_test(slurm_allocation),
        cmocka_unit_test(prefixes),
        cmocka_unit_test(tcp_interfaces),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
