/* panic_hooks.h — failed-invariant hooks of the board builds (panic_hooks.c). */
#ifndef PYEMU_PANIC_HOOKS_H
#define PYEMU_PANIC_HOOKS_H

/* PUMP_ASSERT_HOOK for the core (board build: -DPUMP_ASSERT_HOOK=board_assert_hook). */
void board_assert_hook(const char *file, int line, const char *expr);
/* newlib's assert() target; replaced so that no printf or abort is linked. */
void __assert_func(const char *file, int line, const char *func, const char *expr);

#endif /* PYEMU_PANIC_HOOKS_H */
