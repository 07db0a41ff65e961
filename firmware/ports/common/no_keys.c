/*
 * no_keys.c — the role keys of an image built without KEYS: none. The pump
 * is open (a version-1 device), as the emulator without `--keys`.
 */
#include "board_keys.h"

const uint8_t board_keys_present = 0u;
const uint8_t board_role_keys[2][BOARD_KEY_LEN] = {{0u}, {0u}};
