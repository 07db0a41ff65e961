/*
 * check_eq.h — CHECK(cond) and CHECK_EQ(a, b) for the core's C tests
 * (test_core.c, test_clinical.c, test_board_logic.c).
 *
 * Each failed check is counted in `failures` and printed with its file and
 * line; the run goes on, so one run names every failure. CHECK_EQ prints both
 * sides as numbers. A test's main() fails when `failures` is not zero.
 * (check.h is the crypto/auth tests' variant, with a printf explanation.)
 */
#ifndef PYEMU_TEST_CHECK_EQ_H
#define PYEMU_TEST_CHECK_EQ_H

#include <stdio.h>

static int failures;

#define CHECK(cond) do { if (!(cond)) { failures++; \
    (void)fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); } } while (0)
#define CHECK_EQ(a, b) do { unsigned long long va_ = (unsigned long long)(a), vb_ = (unsigned long long)(b); \
    if (va_ != vb_) { failures++; (void)fprintf(stderr, "%s:%d: %s == %llu, expected %s == %llu\n", \
    __FILE__, __LINE__, #a, va_, #b, vb_); } } while (0)

#endif /* PYEMU_TEST_CHECK_EQ_H */
