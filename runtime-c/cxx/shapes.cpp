// C++ engine target with ground truth: namespaces, a class with overloaded methods, a template
// function instantiated twice, constructors and a destructor, a function in an anonymous
// namespace, a lambda and an operator. It prints how often it called each, so a test can compare
// a tracer's counts with the program's own account.
//
//   cxx-shapes N     N rounds (default 10)
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace geo {
namespace detail {
long scale(long v, long by) { return v * by; }
}  // namespace detail

class Counter {
 public:
  explicit Counter(long start) : value_(start) {}
  Counter(const Counter &other) : value_(other.value_) {}
  ~Counter() { destroyed++; }
  long add(long by) { return value_ += by; }
  long add(long a, long b) { return value_ += a + b; }
  double add(double by) { return (double)(value_ += (long)by); }
  long total() const { return value_; }
  Counter &operator+=(const Counter &other) {
    value_ += other.value_;
    return *this;
  }
  static long destroyed;

 private:
  long value_;
};
long Counter::destroyed = 0;

template <typename T>
T twice(T v) {
  return v + v;
}
}  // namespace geo

namespace {
long helper(const std::string &name, const std::vector<int> &weights) { return (long)name.size() + (long)weights.size(); }
}  // namespace

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 10;
  long sum = 0;
  double dsum = 0;
  std::vector<int> weights{1, 2, 3};
  auto bump = [&sum](long by) { sum += by; };
  for (long i = 0; i < n; i++) {
    geo::Counter c(i);          // Counter(long): n
    c.add(1L);                  // add(long): n
    c.add(1L, 2L);              // add(long, long): 2n
    c.add(3L, 4L);
    c.add(0.5);                 // add(double): 3n
    c.add(1.5);
    c.add(2.5);
    geo::Counter copy(c);       // Counter(const Counter&): n
    c += copy;                  // operator+=: n
    sum += c.total() + geo::twice(i) + geo::detail::scale(i, 2);  // twice<long>: n, scale: n
    dsum += geo::twice(0.25) + geo::twice(0.5);                   // twice<double>: 2n
    sum += helper("shapes", weights);                             // helper: n
    bump(1);                                                      // lambda: n
  }                             // ~Counter: 2n
  printf("rounds=%ld ctor_long=%ld ctor_copy=%ld dtor=%ld add_l=%ld add_ll=%ld add_d=%ld twice_l=%ld twice_d=%ld scale=%ld helper=%ld lambda=%ld sum=%ld dsum=%g\n",
         n, n, n, geo::Counter::destroyed, n, 2 * n, 3 * n, n, 2 * n, n, n, n, sum, dsum);
  return 0;
}
