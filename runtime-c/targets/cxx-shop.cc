/*
 * A C++ target for probes by qualified name: a namespace, a class with two overloads of add(),
 * a member template instantiated for int and long, and a free function of the same short name
 * in another namespace. Prints each call it makes, so the probes' counts have a ground truth.
 *
 *   cxx-shop [N]   N rounds (default 2)
 */
#include <cstdio>
#include <cstdlib>

namespace shop {
struct Cart {
	long total = 0;
	__attribute__((noinline)) void add(int n) { std::printf("call add(int) %d\n", n); total += n; }
	__attribute__((noinline)) void add(int n, int times) { std::printf("call add(int, int) %d %d\n", n, times); total += n * times; }
	template <typename T> __attribute__((noinline)) T scaled(T v) const { std::printf("call scaled %ld\n", (long)v); return v * (T)total; }
};
}

namespace audit {
__attribute__((noinline)) void add(long n) { std::printf("call audit::add %ld\n", n); }
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? std::atoi(argv[1]) : 2;
	shop::Cart cart;
	for (int i = 1; i <= rounds; i++) {
		cart.add(i);
		cart.add(i, 2);
		audit::add(cart.total);
		std::printf("scaled %d %ld\n", cart.scaled<int>(i), cart.scaled<long>(i));
	}
	return 0;
}
