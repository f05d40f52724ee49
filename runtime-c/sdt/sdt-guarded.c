/* The semaphore-guarded marker of sdt-target.c: with _SDT_HAS_SEMAPHORES every marker of this
 * file has a 2-byte counter `utaptest_guarded_semaphore` in .probes that a tracer raises. */
#define _SDT_HAS_SEMAPHORES 1
#include <sys/sdt.h>

__extension__ unsigned short utaptest_guarded_semaphore __attribute__((unused)) __attribute__((section(".probes")));

int guarded_marker(long i)
{
	if (!utaptest_guarded_semaphore)
		return 0;
	STAP_PROBE1(utaptest, guarded, i * 10);
	return 1;
}

unsigned short guarded_semaphore_value(void)
{
	return *(volatile unsigned short *)&utaptest_guarded_semaphore;
}
