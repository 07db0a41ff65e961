/*
 * libc_small.c — the C library's memory and string functions, small.
 *
 * newlib-nano's memcpy, memmove, memset, strlen and strncpy are unrolled for
 * speed: about 1 KiB of flash together. The pump moves at most a few hundred
 * bytes per frame, so byte loops are fast enough, and the flash pays for the
 * session code (HMAC-SHA256) within the 32 KiB budget. Defined here, they
 * are linked instead of the library's. This file is compiled with
 * -fno-tree-loop-distribute-patterns (the Makefile's BOARD_CFLAGS), so GCC
 * never turns these loops back into calls to themselves.
 *
 * Every loop is bounded by its length argument, except strlen's, which is
 * only given the firmware's own NUL-terminated constants.
 */
#include <stddef.h>
#include <string.h>

void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    size_t i;

    for (i = 0u; i < n; i++) {
        d[i] = s[i];
    }
    return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    size_t i;

    if ((const unsigned char *)d < s) {
        for (i = 0u; i < n; i++) {
            d[i] = s[i];
        }
    } else {
        for (i = n; i > 0u; i--) {          /* overlapping upwards: copy from the end */
            d[i - 1u] = s[i - 1u];
        }
    }
    return dst;
}

void *memset(void *dst, int c, size_t n)
{
    unsigned char *d = dst;
    size_t i;

    for (i = 0u; i < n; i++) {
        d[i] = (unsigned char)c;
    }
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a;
    const unsigned char *y = b;
    size_t i;

    for (i = 0u; i < n; i++) {
        if (x[i] != y[i]) {
            return (int)x[i] - (int)y[i];
        }
    }
    return 0;
}

size_t strlen(const char *s)
{
    size_t n = 0u;

    while (s[n] != '\0') {
        n++;
    }
    return n;
}

char *strncpy(char *restrict dst, const char *restrict src, size_t n)
{
    size_t i;

    for (i = 0u; i < n && src[i] != '\0'; i++) {
        dst[i] = src[i];
    }
    for (; i < n; i++) {
        dst[i] = '\0';
    }
    return dst;
}
