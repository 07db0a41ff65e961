/*
 * board_qemu.c — the QEMU netduinoplus2 (STM32F405) port.
 *
 * QEMU models the Cortex-M4 core (SysTick, NVIC) and the USARTs, but not RCC,
 * FLASH or GPIO: their registers read as 0, so clock set-up that waits for a
 * ready bit would hang here, and there is no LED or button to drive. The
 * model runs SYSCLK at a fixed 168 MHz and ignores baud rates.
 *
 * USART1 (the first -serial) is this port's side channel to pyemu.hil:
 *   out: "READY <board>"  once USART2 receives (hil waits for this line),
 *        "LED 0" / "LED 1" on every change of the user LED,
 *        "BUTTON <0|1>"     when the debounced button changes,
 *        "STACK <used> <size>" in answer to 'S' (deepest stack use so far),
 *        "PANIC <reason>"   on a fatal error;
 *   in:  'P' presses the user button, 'R' releases it, 'S' asks for STACK.
 * The pump protocol itself runs only on USART2, exactly as on the real board.
 *
 * Boot options: QEMU's generic loader can write words into RAM before the
 * CPU starts (`-device loader,addr=...,data=...,data-len=4`). The last 64
 * bytes of RAM (section .bootcfg, never zeroed by the reset handler) hold
 * { magic BOOTCFG_MAGIC, clock mode, clock speed }; without the magic the
 * device starts in the manual clock mode. pyemu.hil writes them for
 * `pyemu hil --clock realtime|--speed N`.
 *
 * Entropy: QEMU models no TRNG for this board, so the host gives the nonce
 * seed the same way: { ENTROPY_MAGIC, 32 bytes } after the clock words
 * (pyemu.hil writes os.urandom bytes at every start). board_entropy takes
 * them once and wipes them; without them a provisioned image refuses
 * handshakes (fails closed), an open one does not need them.
 */
#include <stddef.h>

#include "board.h"
#include "startup.h"
#include "stm32f4.h"

#define QEMU_SYSCLK_HZ 168000000u   /* netduinoplus2's fixed SYSCLK */
#define QEMU_APB1_HZ    42000000u   /* an F405's APB1 at 168 MHz; QEMU ignores BRR */
#define DIAG_LINE_MAX   64u

const char board_name[] = "qemu_netduinoplus2";

#define BOOTCFG_MAGIC   0x42435950u /* "PYCB" little-endian */
#define ENTROPY_MAGIC   0x45435950u /* "PYCE" little-endian */
#define ENTROPY_WORDS   8u

typedef struct {
    uint32_t magic;
    uint32_t clock_mode;
    uint32_t clock_speed;
    uint32_t entropy_magic;
    uint32_t entropy[ENTROPY_WORDS];
} bootcfg_t;

/* It must fit the 64-byte BOOTCFG region of link.ld. */
typedef char bootcfg_size_check[(sizeof(bootcfg_t) <= 64u) ? 1 : -1];

__attribute__((section(".bootcfg")))
static volatile bootcfg_t bootcfg;

static uint32_t led_state = 2u;       /* neither 0 nor 1: the first call reports */
static uint32_t button_level;

static void diag_putc(char c)
{
    /* QEMU's USART transmits synchronously: TXE is always set. */
    USART_DR(USART1_BASE) = (uint32_t)(uint8_t)c;
}

static void diag_puts(const char *s)
{
    uint32_t i;
    for (i = 0u; i < DIAG_LINE_MAX && s[i] != '\0'; i++) {
        diag_putc(s[i]);
    }
}

static void diag_line(const char *tag, const char *text)
{
    diag_puts(tag);
    diag_putc(' ');
    diag_puts(text);
    diag_putc('\n');
}

void board_init(board_clocks_t *clk)
{
    clk->core_hz = QEMU_SYSCLK_HZ;
    clk->apb1_hz = QEMU_APB1_HZ;
    /* No RCC to program: QEMU's peripherals are always clocked. */
    USART_CR1(USART1_BASE) = USART_CR1_UE | USART_CR1_TE | USART_CR1_RE;
}

void board_clock_options(uint8_t *mode, uint32_t *speed)
{
    if (bootcfg.magic != BOOTCFG_MAGIC || bootcfg.clock_mode > 0xFFu) {
        return;
    }
    /* device_init checks the pair and refuses a bad one (PANIC line). */
    *mode = (uint8_t)bootcfg.clock_mode;
    *speed = bootcfg.clock_speed;
    bootcfg.magic = 0u;   /* a reset without the loader starts manual again */
}

uint32_t board_entropy(uint8_t *out, uint32_t n)
{
    uint32_t i;

    if (bootcfg.entropy_magic != ENTROPY_MAGIC || n > 4u * ENTROPY_WORDS) {
        return 0u;
    }
    for (i = 0u; i < n; i++) {
        out[i] = (uint8_t)(bootcfg.entropy[i / 4u] >> (8u * (i % 4u)));
    }
    bootcfg.entropy_magic = 0u;    /* used once: a reset without the loader has none */
    for (i = 0u; i < ENTROPY_WORDS; i++) {
        bootcfg.entropy[i] = 0u;
    }
    return 1u;
}

void board_ready(void)
{
    diag_line("READY", board_name);
}

void board_led(uint32_t on)
{
    uint32_t v = (on != 0u) ? 1u : 0u;
    if (v != led_state) {
        led_state = v;
        diag_line("LED", (v != 0u) ? "1" : "0");
    }
}

/* Decimal text of v into buf (at least 11 bytes); returns buf. */
static const char *decimal(uint32_t v, char *buf)
{
    char tmp[10];
    uint32_t n = 0u;
    uint32_t i;

    do {
        tmp[n] = (char)('0' + (char)(v % 10u));
        v /= 10u;
        n++;
    } while (v != 0u && n < sizeof tmp);
    for (i = 0u; i < n; i++) {
        buf[i] = tmp[n - 1u - i];
    }
    buf[n] = '\0';
    return buf;
}

static void report_stack(void)
{
    char used[11];
    char size[11];

    diag_puts("STACK ");
    diag_puts(decimal(stack_high_water(), used));
    diag_putc(' ');
    diag_puts(decimal(stack_size(), size));
    diag_putc('\n');
}

/* Side-channel input; called from the main loop through board_button_raw. */
static void side_channel_poll(void)
{
    /* Bounded: each pass consumes one byte, and the model holds one. */
    uint32_t i;
    for (i = 0u; i < 4u && (USART_SR(USART1_BASE) & USART_SR_RXNE) != 0u; i++) {
        uint32_t c = USART_DR(USART1_BASE) & 0xFFu;
        if (c == (uint32_t)'P') {
            button_level = 1u;
        } else if (c == (uint32_t)'R') {
            button_level = 0u;
        } else if (c == (uint32_t)'S') {
            report_stack();
        } else {
            /* anything else on the side channel is ignored */
        }
    }
}

uint32_t board_button_raw(void)
{
    side_channel_poll();
    return button_level;
}

void board_button_changed(uint32_t pressed)
{
    diag_line("BUTTON", (pressed != 0u) ? "1" : "0");
}

void board_panic(const char *why)
{
    __asm__ volatile ("cpsid i" ::: "memory");
    SYST_CSR = 0u;
    diag_line("PANIC", (why != NULL) ? why : "?");
    for (;;) {
        __asm__ volatile ("wfi");
    }
}
