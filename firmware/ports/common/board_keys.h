/*
 * board_keys.h — the two role keys a board image is built with (spec 6.1).
 *
 * A board has no non-volatile storage of its own, so its keys come in at
 * build time: `make firmware KEYS=FILE` generates the definitions below from
 * a `pyemu keys` file (firmware/ports/make_keys.py, into the build directory
 * only, never into the source tree). Without KEYS, no_keys.c defines them
 * empty and the image is an open, version-1 pump.
 */
#ifndef PYEMU_BOARD_KEYS_H
#define PYEMU_BOARD_KEYS_H

#include <stdint.h>

#define BOARD_KEY_LEN 32u

/* 1: board_role_keys holds the clinician [0] and patient [1] keys. */
extern const uint8_t board_keys_present;
extern const uint8_t board_role_keys[2][BOARD_KEY_LEN];

#endif /* PYEMU_BOARD_KEYS_H */
