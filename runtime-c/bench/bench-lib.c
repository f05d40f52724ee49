/* libbenchlib.so: the shared-library function plt-call reaches through its PLT, so ltrace
 * (which breaks on PLT entries) can count it like the other tools count bench_lib_add itself. */
long bench_lib_add(long a, long b)
{
	return a + b;
}
