// Reference harness for tests/test_fixed_vs_cpp.py: runs the real ap_fixed
// headers hls4ml ships.  Every case is one pair of concrete types, so the
// test generates the case tables and builds this file several times:
//   g++ -c -DHARNESS_CASES='"cases_0.inc"' ...  (one object per table: each
//        table defines `bool dispatch_part<k>(id, a, b)`; built in parallel)
//   g++ -c -DHARNESS_MAIN ...                   (main; includes "parts.inc",
//        which declares the parts and defines `dispatch`)
//
// stdin: one case per line, "<id> <arg> [<arg>]"; bit patterns are binary
// strings (MSB first), doubles are 16 hex digits of their IEEE bits.
// stdout: one line per case (see the run_* functions).
#include <ap_fixed.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>

template <class T> struct fx_sign;
template <int W, int I, ap_q_mode Q, ap_o_mode O, int N>
struct fx_sign<ap_fixed<W, I, Q, O, N> > { enum { value = 1 }; };
template <int W, int I, ap_q_mode Q, ap_o_mode O, int N>
struct fx_sign<ap_ufixed<W, I, Q, O, N> > { enum { value = 0 }; };

// Bits go through the underlying ap_private directly (x.V), which keeps the
// per-type template instantiations (and so the build time) small.
template <class T> static T from_bits(const std::string& s) {
  T x;
  const int n = (int)s.size();
  for (int i = 0; i < T::width; ++i) x.V.set_bit(i, (i < n) ? (s[n - 1 - i] == '1') : false);
  return x;
}

template <class T> static std::string to_bits(const T& x) {
  std::string out;
  for (int i = T::width - 1; i >= 0; --i) out += x.V.get_bit(i) ? '1' : '0';
  return out;
}

static double from_hex_double(const std::string& s) {
  uint64_t u = std::stoull(s, nullptr, 16);
  double d;
  std::memcpy(&d, &u, sizeof d);
  return d;
}

// dst = src
template <class S, class D> static void run_cast(const std::string& a, const std::string&) {
  S x = from_bits<S>(a);
  D y = x;
  std::cout << to_bits(y) << '\n';
}

// dst = (double)d
template <class D> static void run_double(const std::string& a, const std::string&) {
  D y = from_hex_double(a);
  std::cout << to_bits(y) << '\n';
}

// full-precision a*b: "<W> <I> <signed> <bits>"
template <class A, class B> static void run_mul(const std::string& a, const std::string& b) {
  A x = from_bits<A>(a);
  B y = from_bits<B>(b);
  auto p = x * y;
  typedef decltype(p) P;
  std::cout << P::width << ' ' << P::iwidth << ' ' << (int)fx_sign<P>::value << ' ' << to_bits(p) << '\n';
}

// full-precision a+b: "<W> <I> <signed> <bits>"
template <class A, class B> static void run_add(const std::string& a, const std::string& b) {
  A x = from_bits<A>(a);
  B y = from_bits<B>(b);
  auto p = x + y;
  typedef decltype(p) P;
  std::cout << P::width << ' ' << P::iwidth << ' ' << (int)fx_sign<P>::value << ' ' << to_bits(p) << '\n';
}

// acc += m (acc of type A keeps its modes): "<bits>"
template <class A, class B> static void run_acc(const std::string& a, const std::string& b) {
  A x = from_bits<A>(a);
  B y = from_bits<B>(b);
  x += y;
  std::cout << to_bits(x) << '\n';
}

// (int)x and x.to_int(): "<int> <int>"
template <class T> static void run_to_int(const std::string& a, const std::string&) {
  T x = from_bits<T>(a);
  std::cout << (int)x << ' ' << x.to_int() << '\n';
}

#if defined(HARNESS_MAIN)
#include "parts.inc"

int main() {
  std::ios::sync_with_stdio(false);
  std::string line;
  while (std::getline(std::cin, line)) {
    if (line.empty()) continue;
    char buf_a[512] = {0}, buf_b[512] = {0};
    long id = -1;
    int got = std::sscanf(line.c_str(), "%ld %511s %511s", &id, buf_a, buf_b);
    if (got < 2 || !dispatch(id, buf_a, buf_b)) {
      std::cerr << "bad line: " << line << '\n';
      return 2;
    }
  }
  return 0;
}
#elif defined(HARNESS_CASES)
#include HARNESS_CASES
#endif
