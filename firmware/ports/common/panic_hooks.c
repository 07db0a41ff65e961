/*
 * panic_hooks.c — where the portable C's failed invariants end up on a board.
 *
 * The core calls PUMP_ASSERT_HOOK (defined to board_assert_hook by the board
 * build) before its own halt; the codec uses <assert.h>, whose newlib
 * implementation would print with fprintf and call abort(). Both are routed
 * to board_panic, which shows the failure (QEMU: a PANIC line; Nucleo: fast
 * LED flashing) and stops: a pump whose invariants broke must not go on
 * delivering.
 */
#include "board.h"
#include "panic_hooks.h"

void board_assert_hook(const char *file, int line, const char *expr)
{
    (void)file;
    (void)line;
    board_panic(expr);
}

void __assert_func(const char *file, int line, const char *func, const char *expr)
{
    (void)file;
    (void)line;
    (void)func;
    board_panic(expr);
}
