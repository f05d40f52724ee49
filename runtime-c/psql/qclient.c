/*
 * qclient — the bundled stand-in for psql when PostgreSQL is not installed. It reads statements
 * one per line (from -f FILE or standard input, as psql does), hands each to SendQuery() — the
 * same name and signature as psql's own `bool SendQuery(const char *query)` — and prints one
 * result line per statement. The build names the binary `psql` (build/qclient/psql), so the
 * lecture's script, which probes process("psql").function("SendQuery"), runs against it
 * unmodified.
 *
 * There is no server: SendQuery "executes" a statement in-process, with costs shaped like the
 * real thing, so latencies differ by statement:
 *   ... pg_sleep(S) ...                  sleeps S seconds
 *   ... generate_series(1, N) ...        N iterations of arithmetic
 *   anything else                        a few hundred iterations
 * Lines that are empty, start with "--" or are "\q" (ends input) are not statements.
 *
 *   psql [-X] [-q] [-h H] [-p P] [-U U] [-d D] [-f FILE] [-o OUTFILE]   (connection options are ignored)
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static volatile unsigned long sink;
static long statements_sent;

static void spin(long iterations)
{
	unsigned long x = 88172645463325252UL;
	for (long i = 0; i < iterations; i++) {
		x ^= x << 13; x ^= x >> 7; x ^= x << 17;
	}
	sink = x;
}

static long series_length(const char *query)
{
	const char *p = strstr(query, "generate_series(");
	long lo, hi;
	if (p && sscanf(p, "generate_series(%ld, %ld)", &lo, &hi) == 2 && hi >= lo)
		return hi - lo + 1;
	return -1;
}

/* Runs one statement; true when it "succeeded". noinline: it is the function scripts probe. */
__attribute__((noinline)) bool SendQuery(const char *query)
{
	const char *sleep_at = strstr(query, "pg_sleep(");
	long n = series_length(query);
	statements_sent++;
	if (sleep_at) {
		double seconds = atof(sleep_at + strlen("pg_sleep("));
		struct timespec ts = { (time_t)seconds, (long)((seconds - (time_t)seconds) * 1e9) };
		nanosleep(&ts, NULL);
		printf("pg_sleep\n\n");
	} else if (n >= 0) {
		spin(n * 20);
		printf("%ld\n", n);
	} else {
		spin(300);
		printf("ok\n");
	}
	return true;
}

int main(int argc, char **argv)
{
	FILE *in = stdin;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-f") && i + 1 < argc) {
			const char *file = argv[++i];
			in = fopen(file, "r");
			if (!in) { perror(file); return 1; }
		} else if (!strcmp(a, "-o") && i + 1 < argc) {
			const char *file = argv[++i];
			if (!freopen(file, "w", stdout)) { perror(file); return 1; }
		} else if ((!strcmp(a, "-h") || !strcmp(a, "-p") || !strcmp(a, "-U") || !strcmp(a, "-d") || !strcmp(a, "-v")) && i + 1 < argc) {
			i++;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	char line[8192];
	bool ok = true;
	while (fgets(line, sizeof line, in)) {
		line[strcspn(line, "\n")] = '\0';
		if (!strcmp(line, "\\q")) break;
		if (line[0] == '\0' || !strncmp(line, "--", 2)) continue;
		ok = SendQuery(line) && ok;
	}
	return ok ? 0 : 1;
}
