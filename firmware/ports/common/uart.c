/* uart.c — USART2: interrupt-driven receive into a ring, polled transmit. */
#include "uart.h"

#include "ring.h"
#include "stm32f4.h"

/* One byte at 115200 baud takes 87 us; at 168 MHz a status poll loop runs at
 * well under 100 M iterations/s, so this bound is far beyond any real wait
 * and only stops a hung peripheral from hanging the firmware. */
#define UART_TX_SPIN_MAX 2000000u

static ring_t rx_ring;
static volatile uint32_t rx_overruns;

void uart_init(uint32_t pclk_hz, uint32_t baud)
{
    uint32_t brr;

    ring_reset(&rx_ring);
    rx_overruns = 0u;
    /* With 16x oversampling BRR (mantissa and 4-bit fraction together) is
     * fck / baud, rounded. fck <= 180 MHz on any STM32F4 and baud / 2 is at
     * most a few MHz, so fck + baud / 2 stays far below 2^32. */
    if (baud == 0u) {
        baud = UART_BAUD;
    }
    brr = (pclk_hz + baud / 2u) / baud;
    USART_CR1(USART2_BASE) = 0u;
    USART_CR2(USART2_BASE) = 0u;      /* 1 stop bit */
    USART_CR3(USART2_BASE) = 0u;      /* no flow control, no DMA */
    USART_BRR(USART2_BASE) = brr;
    /* 8 data bits, no parity (M = 0, PCE = 0); receive interrupt on. */
    USART_CR1(USART2_BASE) = USART_CR1_UE | USART_CR1_TE | USART_CR1_RE | USART_CR1_RXNEIE;

    NVIC_IPR(IRQ_USART2) = 0x40u;     /* above SysTick (0x80): bytes first */
    NVIC_ISER(IRQ_USART2 / 32u) = 1u << (IRQ_USART2 % 32u);
}

void USART2_IRQHandler(void)
{
    /* Reading SR then DR clears RXNE and the error flags (ORE, FE, NF, PE). */
    uint32_t sr = USART_SR(USART2_BASE);

    if ((sr & (USART_SR_RXNE | USART_SR_ERRORS)) != 0u) {
        uint8_t byte = (uint8_t)(USART_DR(USART2_BASE) & 0xFFu);
        if ((sr & USART_SR_ORE) != 0u) {
            rx_overruns = rx_overruns + 1u;
        }
        if ((sr & USART_SR_RXNE) != 0u) {
            (void)ring_put(&rx_ring, byte);   /* a full ring counts the drop */
        }
    }
}

size_t uart_read(uint8_t *out, size_t cap)
{
    return ring_take(&rx_ring, out, cap);
}

size_t uart_peek(uint8_t *out, size_t cap)
{
    return ring_peek(&rx_ring, out, cap);
}

size_t uart_skip(size_t n)
{
    return ring_skip(&rx_ring, n);
}

size_t uart_write(const uint8_t *data, size_t n)
{
    size_t i;

    if (data == NULL) {
        return 0u;
    }
    for (i = 0u; i < n; i++) {
        uint32_t spin = 0u;
        while ((USART_SR(USART2_BASE) & USART_SR_TXE) == 0u) {
            spin++;
            if (spin >= UART_TX_SPIN_MAX) {
                return i;
            }
        }
        USART_DR(USART2_BASE) = data[i];
    }
    return n;
}

uint32_t uart_rx_lost(void)
{
    return rx_ring.dropped + rx_overruns;
}
