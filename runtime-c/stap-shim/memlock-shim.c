/*
 * LD_PRELOAD shim for running SystemTap's BPF runtime (stapbpf) as a point of comparison in
 * bench/psql-overhead.ts. stapbpf insists on raising RLIMIT_MEMLOCK to infinity and gives up when
 * it cannot; on this machine root lacks CAP_SYS_RESOURCE, so it cannot. Since Linux 5.11 BPF
 * memory is charged to the memory cgroup, not to RLIMIT_MEMLOCK, so the raise is unnecessary:
 * this shim makes a request to raise RLIMIT_MEMLOCK succeed without doing anything and passes
 * every other limit through.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <sys/resource.h>

typedef int (*setrlimit_fn)(__rlimit_resource_t, const struct rlimit *);

int setrlimit(__rlimit_resource_t resource, const struct rlimit *rlim)
{
	if (resource == RLIMIT_MEMLOCK)
		return 0;
	setrlimit_fn real = (setrlimit_fn)dlsym(RTLD_NEXT, "setrlimit");
	return real(resource, rlim);
}

int setrlimit64(__rlimit_resource_t resource, const struct rlimit64 *rlim)
{
	if (resource == RLIMIT_MEMLOCK)
		return 0;
	int (*real)(__rlimit_resource_t, const struct rlimit64 *) = dlsym(RTLD_NEXT, "setrlimit64");
	return real(resource, rlim);
}
