/*
 * check.h — the assertion counter shared by the C tests.
 *
 * CHECK(cond, fmt, ...) counts a check and, when cond is false, prints the
 * file, line, the condition and a printf-style explanation, then goes on so
 * one run reports every failure. A test's main() returns non-zero when
 * g_failures is non-zero. Each test is its own program, so the counters are
 * per test.
 */
#ifndef PYEMU_TEST_CHECK_H
#define PYEMU_TEST_CHECK_H

#include <stdio.h>

static int g_failures;
static int g_checks;

#define CHECK(cond, ...)                                             \
    do {                                                             \
        g_checks++;                                                  \
        if (!(cond)) {                                               \
            g_failures++;                                            \
            printf("FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);   \
            printf(__VA_ARGS__);                                     \
            printf("\n");                                            \
        }                                                            \
    } while (0)

#endif /* PYEMU_TEST_CHECK_H */
