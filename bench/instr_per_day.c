/*
 * instr_per_day.c — drives the dosing core through a realistic therapy so
 * callgrind can count the instructions one simulated day costs.
 *
 * Built by bench/footprint.py against firmware/core only, with the project's
 * strict warnings. Usage: instr_per_day DAYS. Only simulate_days() is counted
 * (callgrind --toggle-collect), so set-up and process start-up stay out.
 *
 * The therapy matches bench/sim.py: 0.5 mL/day over a 6-step daily schedule,
 * one to four patient bolus requests a day, a 40 mL reservoir refilled every
 * 60 days. Request times come from a fixed LCG so every run is identical.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pump.h"

#define MAX_DAYS 36500u
#define MS_PER_MIN 60000u
#define RESERVOIR_NL 40000000u
#define CONC_UG_ML 10000u

/* The pump's storage: no malloc. 64 KiB is checked against pump_sizeof(). */
static union { uint64_t align; uint8_t bytes[65536]; } storage;

static uint32_t lcg_state = 12345u;

static uint32_t lcg_next(uint32_t bound)
{
    lcg_state = lcg_state * 1664525u + 1013904223u;
    return (lcg_state >> 8) % bound;
}

/* A refusal the therapy can meet (lockout, count, dose limit, empty) is fine;
 * anything else means the driver or the core is broken. */
static int acceptable(int rc)
{
    return rc == PUMP_OK || rc == PUMP_E_LOCKOUT || rc == PUMP_E_COUNT ||
           rc == PUMP_E_DOSE_LIMIT || rc == PUMP_E_EMPTY || rc == PUMP_E_BOLUS_ACTIVE ||
           rc == PUMP_E_EOS;
}

static int setup(pump_t *p)
{
    static const uint32_t starts[6] = {0u, 240u, 480u, 720u, 960u, 1200u};
    static const uint32_t rates[6] = {400000u, 450000u, 550000u, 600000u, 550000u, 450000u};
    pump_config_t cfg;
    pump_prescription_t rx;
    uint32_t i;
    int rc;

    pump_default_config(&cfg);
    cfg.reservoir_capacity_nl = RESERVOIR_NL;
    rc = pump_init(p, &cfg);
    if (rc != PUMP_OK) { return rc; }
    rc = pump_refill(p, RESERVOIR_NL, PUMP_DRUG_MORPHINE, CONC_UG_ML);
    if (rc != PUMP_OK) { return rc; }
    memset(&rx, 0, sizeof rx);
    rx.drug = PUMP_DRUG_MORPHINE;
    rx.conc_ug_ml = CONC_UG_ML;
    rx.n_steps = 6u;
    for (i = 0u; i < 6u; i++) {
        rx.steps[i].start_min = starts[i];
        rx.steps[i].rate_nl_day = rates[i];
    }
    rx.max_dose_ug_24h = 8000u;
    rx.low_reservoir_nl = 2000000u;
    rx.pb_enabled = 1u;
    rx.pb_volume_nl = 20000u;
    rx.pb_duration_ms = 10u * MS_PER_MIN;
    rx.pb_lockout_ms = 180u * MS_PER_MIN;
    rx.pb_max_per_24h = 4u;
    return pump_prescribe(p, &rx);
}

/* One day: up to four requests at random waking minutes, refill on day 60k. */
static int simulate_day(pump_t *p, uint32_t day)
{
    uint64_t day0 = (uint64_t)day * PUMP_MS_PER_DAY;
    uint32_t n = 1u + lcg_next(4u);
    uint32_t minute = 7u * 60u;
    uint32_t i;
    int rc;

    if (day > 0u && day % 60u == 0u) {
        rc = pump_refill(p, RESERVOIR_NL, PUMP_DRUG_MORPHINE, CONC_UG_ML);
        if (rc != PUMP_OK) { return rc; }
    }
    for (i = 0u; i < n; i++) {
        minute += 30u + lcg_next(180u);  /* at most 7:00 + 4 x 209 min = 20:56 */
        rc = pump_advance(p, day0 + (uint64_t)minute * MS_PER_MIN);
        if (rc != PUMP_OK) { return rc; }
        rc = pump_patient_bolus(p);
        if (!acceptable(rc)) { return rc; }
    }
    return pump_advance(p, day0 + PUMP_MS_PER_DAY);
}

/* The counted function: keep it non-inlined so callgrind can find it. */
int simulate_days(pump_t *p, uint32_t days) __attribute__((noinline));
int simulate_days(pump_t *p, uint32_t days)
{
    uint32_t day;
    for (day = 0u; day < days; day++) {
        int rc = simulate_day(p, day);
        if (rc != PUMP_OK) { return rc; }
    }
    return PUMP_OK;
}

int main(int argc, char **argv)
{
    pump_t *p = (pump_t *)(void *)storage.bytes;
    pump_status_t st;
    unsigned long days;
    char *end = NULL;
    int rc;

    if (argc != 2) { fprintf(stderr, "usage: %s DAYS\n", argv[0]); return 2; }
    days = strtoul(argv[1], &end, 10);
    if (end == argv[1] || *end != '\0' || days == 0ul || days > MAX_DAYS) {
        fprintf(stderr, "DAYS must be 1..%u\n", MAX_DAYS);
        return 2;
    }
    if (pump_sizeof() > sizeof storage.bytes) {
        fprintf(stderr, "pump_t (%zu bytes) does not fit the driver's storage\n", pump_sizeof());
        return 1;
    }
    rc = setup(p);
    if (rc != PUMP_OK) { fprintf(stderr, "setup: %s\n", pump_result_name(rc)); return 1; }
    rc = simulate_days(p, (uint32_t)days);
    if (rc != PUMP_OK) { fprintf(stderr, "simulate: %s\n", pump_result_name(rc)); return 1; }
    pump_get_status(p, &st);
    printf("days=%lu pumped_nl=%llu battery_permille=%u alarms=0x%x\n", days,
           (unsigned long long)st.pumped_nl, st.battery_permille, st.alarms);
    return 0;
}
