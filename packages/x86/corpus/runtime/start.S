/*
 * Process entry point for the freestanding corpus programs (ELF32, i386).
 *
 * At entry (Linux i386 ABI) ESP points at argc; argv/envp follow. The corpus
 * programs take no arguments, so _start just aligns the stack to 16 bytes (the
 * i386 psABI as used by gcc), clears EBP (end of frame chain), calls
 * `int main(void)` and passes its return value to rt_exit(), which flushes
 * buffered stdout and performs the exit system call (eax=1, int $0x80).
 *
 * The only system calls the runtime ever makes are exit (1), write (4) on
 * fds 1/2 and brk (45).
 */
	.text
	.globl	_start
	.type	_start, @function
_start:
	xorl	%ebp, %ebp
	andl	$-16, %esp
	subl	$12, %esp		/* keep 16-byte alignment at the call */
	call	main
	movl	%eax, (%esp)
	call	rt_exit			/* does not return */
	hlt				/* not reached */
	.size	_start, .-_start

	.section .note.GNU-stack,"",@progbits
