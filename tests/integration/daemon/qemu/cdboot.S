/*
 * The boot code of the tests' ISO (qemu-cdrom.sh), loaded by SeaBIOS
 * from El Torito's no-emulation entry at 0x7c00 (4 sectors of 512
 * bytes). It says "NIDO-CD-BOOT" on COM1; when the first hard disk
 * (0x80) is blank (no 0x55aa signature) it installs a system there (the
 * disk sector below: says "NIDO-DISK-BOOT"), says "NIDO-CD-INSTALLED"
 * and resets the machine; otherwise it says "NIDO-CD-BOOT" about once
 * a second, forever, so that a console attached at any time hears it.
 */
	.code16
	.text
	.globl _start
_start:
	cli
	xor	%ax, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	$0x7c00, %sp
	sti
	mov	$msg_cd, %si
	call	puts
	/* the hard disk's first sector into buf: none, or not blank? */
	mov	$0x0201, %ax		/* read, 1 sector */
	mov	$0x0001, %cx		/* cylinder 0, sector 1 */
	mov	$0x0080, %dx		/* head 0, drive 0x80 */
	mov	$buf, %bx
	int	$0x13
	jc	cd_loop
	cmpw	$0xaa55, buf + 510
	je	cd_loop
	mov	$0x0301, %ax		/* write, 1 sector */
	mov	$0x0001, %cx
	mov	$0x0080, %dx
	mov	$disk_sector, %bx
	int	$0x13
	jc	cd_loop
	mov	$msg_inst, %si
	call	puts
	mov	$0xfe, %al		/* the keyboard controller resets */
	out	%al, $0x64
1:	hlt
	jmp	1b
cd_loop:
	call	delay
	mov	$msg_cd, %si
	call	puts
	jmp	cd_loop

/* Writes the string at %si to COM1. */
puts:
	mov	$0x3f8, %dx
2:	lodsb
	test	%al, %al
	jz	3f
	out	%al, %dx
	jmp	2b
3:	ret

/* About a second: 18 ticks of the BIOS timer. */
delay:
	mov	$18, %cx
4:	hlt
	loop	4b
	ret

msg_cd:	.asciz	"NIDO-CD-BOOT\r\n"
msg_inst: .asciz "NIDO-CD-INSTALLED\r\n"

	.org	510
	.word	0xaa55

/* The installed system: runs at 0x7c00 from the disk, so its addresses
 * are computed from its own start. */
disk_sector:
	cli
	xor	%ax, %ax
	mov	%ax, %ds
	mov	%ax, %ss
	mov	$0x7c00, %sp
	sti
5:	mov	$(disk_msg - disk_sector + 0x7c00), %si
	mov	$0x3f8, %dx
6:	lodsb
	test	%al, %al
	jz	7f
	out	%al, %dx
	jmp	6b
7:	mov	$18, %cx
8:	hlt
	loop	8b
	jmp	5b
disk_msg: .asciz "NIDO-DISK-BOOT\r\n"
	.org	disk_sector - _start + 510
	.word	0xaa55

buf:
	.org	2048
