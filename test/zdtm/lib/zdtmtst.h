/*
 * zdtm test library: the protocol every test/zdtm program follows.
 *
 *   test_init(argc, argv);   parse --pidfile/--outfile, daemonize
 *   ... build the state to be checkpointed ...
 *   test_daemon();           write the pidfile: "ready, checkpoint me now"
 *   test_waitsig();          sleep until SIGTERM; dump/restore happen here
 *   ... check the state, fail("what differed") for each difference ...
 *   return test_done();      "PASS" unless fail() was called
 *
 * All output goes to the outfile (stdout and stderr are redirected to it).
 */
#ifndef ZDTM_TST_H
#define ZDTM_TST_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define ZDTM_SKIP_EXIT 77

/* Parses the command line and daemonizes; returns in the daemon child. */
void test_init(int argc, char **argv);
/* Tells the runner the test is ready: writes the pidfile, closes the ready pipe. */
void test_daemon(void);
/* Waits for SIGTERM; survives checkpoint/restore and EINTR. */
void test_waitsig(void);
/* Non-zero once SIGTERM has arrived (for tests that keep working while waiting). */
int test_stop_requested(void);

/* Value of an extra "--name=value" argument, or def when absent. */
const char *test_arg(const char *name, const char *def);
long test_arg_long(const char *name, long def);
/* Absolute path of name inside the test's private directory (the outfile's). */
const char *test_path(const char *name);
/* pid of the test's root process (the daemon). */
pid_t test_root_pid(void);

void test_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Records one failed check with a precise reason; checking goes on. */
void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Writes "PASS". Use test_done() unless you know no check failed. */
void pass(void);
/* Skips the test (exit 77) with the missing prerequisite named. */
void test_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* Number of fail() calls so far in this process. */
int test_failures(void);
/* PASS when nothing failed; returns the exit status for main(). */
int test_done(void);

/* Memory patterns: word i of a buffer holds a hash of (seed, i). */
void mem_fill(void *p, size_t len, uint64_t seed);
/* Address of the first byte that differs from the pattern, or NULL. */
const void *mem_verify(const void *p, size_t len, uint64_t seed);
/* mem_verify + fail("what: first difference at ADDR ..."); returns 0 or -1. */
int mem_check(const char *what, const void *p, size_t len, uint64_t seed);
/* Expected 64-bit pattern word for (seed, index). */
uint64_t mem_pattern_word(uint64_t seed, uint64_t idx);

uint32_t crc32_buf(uint32_t crc, const void *p, size_t len);
uint64_t cksum64(const void *p, size_t len);

/* Small helpers used by many tests. */
uint64_t rnd64(uint64_t *state);
size_t page_size(void);
/* Waits for child pid with a timeout in ms; returns its status or -1. */
int wait_child(pid_t pid, int timeout_ms);
struct sockaddr_in;
/*
 * A TCP listener *@l on 127.0.0.1 (ephemeral port, backlog 1; its address in
 * *@a) and a socket *@c connected to it, not accepted yet. 0, or -1 with errno.
 */
int test_tcp_loopback(int *l, int *c, struct sockaddr_in *a);

#endif
