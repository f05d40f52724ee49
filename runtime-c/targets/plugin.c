/* libplugin.so: a library that target `loader` dlopens after it started, so a tracer must
 * place its probes when the dynamic linker adds it. */
__attribute__((noinline)) long plugin_step(long i)
{
	return i * 2 + 1;
}
