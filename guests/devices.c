// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The legacy devices from the inside: the 8250 (scratch register,
 * loopback, interrupt identification, host input), the i8042 (self test,
 * command byte, keyboard reset) and finally a reset through the i8042,
 * which ends nido-vmm with the documented reboot status.
 */
#include "lib/guest.h"

#define COM1 PORT_COM1

static int kbc_wait_output(void)
{
	for (unsigned long i = 0; i < 100000; i++) {
		if (inb(PORT_I8042_CMD) & 1)
			return 0;
	}
	return -1;
}

static int kbc_read(void)
{
	return kbc_wait_output() == 0 ? inb(0x60) : -1;
}

static void test_serial(void)
{
	uint8_t iir, iir2, msr, lsr, echo;
	char got[16];
	unsigned n = 0;

	outb(COM1 + 7, 0x5a);
	tap_ok(inb(COM1 + 7) == 0x5a, "8250 scratch register holds a value");
	tap_ok((inb(COM1 + 5) & 0x60) == 0x60, "8250 transmitter is empty");
	outb(COM1 + 2, 0x07); /* FIFO on, cleared */
	outb(COM1 + 1, 0x02); /* THRE interrupt */
	iir = inb(COM1 + 2);
	iir2 = inb(COM1 + 2);
	outb(COM1 + 1, 0x00);
	tap_ok((iir & 0x0f) == 0x02 && (iir & 0xc0) == 0xc0,
	       "IIR reports THRE with FIFOs (0x%x)", iir);
	tap_ok((iir2 & 0x01) == 0x01, "reading IIR cleared THRE (0x%x)", iir2);
	/* Nothing may be printed in loopback: it would come back as input. */
	outb(COM1 + 4, 0x10 | 0x0a); /* loopback, RTS, OUT2 */
	msr = inb(COM1 + 6);
	outb(COM1, 'L');
	lsr = inb(COM1 + 5);
	echo = inb(COM1);
	outb(COM1 + 4, 0x0b);
	tap_ok((msr & 0xf0) == 0x90, "loopback maps MCR to MSR (0x%x)", msr);
	tap_ok((lsr & 1) && echo == 'L', "a byte sent in loopback comes back");
	/* Host input: the test writes "serial-in" on stdin when it sees: */
	tap_diag("waiting for serial input\n");
	for (unsigned long spins = 0; n < 9 && spins < 200000000UL; spins++) {
		if (inb(COM1 + 5) & 1)
			got[n++] = (char)inb(COM1);
	}
	tap_ok(n == 9 && memcmp(got, "serial-in", 9) == 0,
	       "host input arrives on the 8250 (%u bytes)", n);
}

static void test_i8042(void)
{
	int v;

	outb(PORT_I8042_CMD, 0xaa);
	v = kbc_read();
	tap_ok(v == 0x55, "i8042 self test passes (0x%x)", v);
	outb(PORT_I8042_CMD, 0x20);
	v = kbc_read();
	tap_ok(v >= 0 && (v & 0x40), "i8042 command byte translates (0x%x)", v);
	outb(0x60, 0xff);
	v = kbc_read();
	tap_ok(v == 0xfa && kbc_read() == 0xaa, "keyboard reset answers");
	outb(0x60, 0xf2);
	tap_ok(kbc_read() == 0xfa && kbc_read() == 0xab && kbc_read() == 0x83,
	       "keyboard identifies as MF2");
}

void guest_main(void)
{
	boottimer_signal();
	test_serial();
	test_i8042();
	tap_done();
	outb(PORT_I8042_CMD, 0xfe); /* pulse the reset line */
	for (;;)
		__asm__ volatile("pause");
}
