/* Engine target: a program linked with libfixture.so that, once running, dlopens libplugin.so
 * (a library not mapped at start) and calls into both.
 *
 *   loader [N] [wait]
 *   N rounds of lib_add(i, 1) (libfixture.so), then dlopen("libplugin.so") (found through the
 *   RUNPATH $ORIGIN) and N calls of plugin_step(i).
 *   output: `lib_add calls=N sum=S`, `plugin_step calls=N sum=S` */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include "../fixtures/lib/fixture-lib.h"
#include "wait-go.h"

int main(int argc, char **argv)
{
	argc = wait_go(argc, argv);
	long n = argc > 1 ? atol(argv[1]) : 100;
	long sum = 0;
	for (long i = 0; i < n; i++)
		sum += lib_add(i, 1);
	printf("lib_add calls=%ld sum=%ld\n", n, sum);
	fflush(stdout);
	void *plugin = dlopen("libplugin.so", RTLD_NOW);
	if (!plugin) {
		fprintf(stderr, "loader: %s\n", dlerror());
		return 3;
	}
	long (*step)(long) = (long (*)(long))dlsym(plugin, "plugin_step");
	sum = 0;
	for (long i = 0; i < n; i++)
		sum += step(i);
	printf("plugin_step calls=%ld sum=%ld\n", n, sum);
	dlclose(plugin);
	return 0;
}
