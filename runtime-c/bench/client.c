/* Target: a client that sends queries to a server and waits for each answer — the shape of the
 * psql session the SystemTap lecture traces. The server is a forked child on a socketpair (it
 * answers with write(2), so `strace -e trace=sendto` of the client sees one call per query).
 * The probed function is send_query(fd, query), like psql's SendQuery; it calls send() through
 * the PLT (ltrace -e send).
 *
 *   client [EVENTS]        sends EVENTS queries (default 100000) */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include "bench-report.h"

static void serve(int fd)
{
	char query[256];
	ssize_t got;
	while ((got = read(fd, query, sizeof query)) > 0) {
		/* The answer: the query's length and a checksum, like a one-row result. */
		unsigned sum = 0;
		for (ssize_t i = 0; i < got; i++)
			sum = sum * 31 + (unsigned char)query[i];
		char answer[64];
		int len = snprintf(answer, sizeof answer, "%zd %u", got, sum);
		if (write(fd, answer, len) != len)
			_exit(1);
	}
	_exit(0);
}

__attribute__((noinline)) int send_query(int fd, const char *query)
{
	size_t len = strlen(query);
	if (send(fd, query, len, 0) != (ssize_t)len)
		return -1;
	char answer[64];
	ssize_t got = recv(fd, answer, sizeof answer - 1, 0);
	if (got <= 0)
		return -1;
	answer[got] = '\0';
	return atoi(answer) == (int)len ? 0 : -1;
}

int main(int argc, char **argv)
{
	long n = bench_count_arg(argc, argv, 100000);
	int fds[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, fds) != 0) {
		perror("socketpair");
		return 2;
	}
	pid_t server = fork();
	if (server == 0) {
		close(fds[0]);
		serve(fds[1]);
	}
	close(fds[1]);
	static const char *tables[] = { "accounts", "orders", "items", "events" };
	char query[160];
	long long start = bench_now_ns(), first = 0;
	for (long i = 0; i < n; i++) {
		snprintf(query, sizeof query, "SELECT id, total FROM %s WHERE id = %ld;", tables[i % 4], i);
		if (send_query(fds[0], query) != 0) {
			fprintf(stderr, "client: query %ld failed\n", i);
			return 1;
		}
		if (i == 0)
			first = bench_now_ns();
	}
	long long loop_ns = bench_now_ns() - start;
	close(fds[0]);
	waitpid(server, NULL, 0);
	bench_report("client", n, loop_ns, first);
	return 0;
}
