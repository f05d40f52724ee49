# Benchmark targets and helpers for `npm run bench` (bench/run.ts), all in build/bench/:
#
#   emulated        bench_emulated starts with push %rbp: uprobes emulate it (one trap per hit)
#   stepped         bench_stepped starts with lea: uprobes single-step it (two traps per hit)
#   plt-call        bench_lib_add in libbenchlib.so, called through the PLT (ltrace)
#   syscall-loop    bench_syscall makes one getppid per call (strace)
#   marker          bench_marker hits an SDT marker (utap_bench:tick) per call (.mark, usdt)
#   threads         bench_threaded called from 2 threads
#   client          send_query(fd, query) to a forked server: a realistic client loop
#   ptrace-floor    the minimal C ptrace tracer (classic and out-of-line)
#   run-measured    runs a command, reports start time, CPU time and peak RSS (wait4)
#
# Targets are -O0 with frame pointers so every probed function starts with push %rbp (except
# bench_stepped, written in assembly) and every call stays a call.
BENCH_DIR := $(BUILD)/bench
BENCH_TARGETS := emulated stepped syscall-loop threads client marker
ALL += $(addprefix $(BENCH_DIR)/,$(BENCH_TARGETS) plt-call libbenchlib.so ptrace-floor run-measured)

$(BENCH_DIR):
	mkdir -p $@

$(addprefix $(BENCH_DIR)/,$(BENCH_TARGETS)): $(BENCH_DIR)/%: bench/%.c bench/bench-report.h | $(BENCH_DIR)
	$(CC) $(CFLAGS_COMMON) -O0 -g -pthread -o $@ $<

$(BENCH_DIR)/libbenchlib.so: bench/bench-lib.c | $(BENCH_DIR)
	$(CC) $(CFLAGS_COMMON) -O0 -g -fPIC -shared -Wl,-soname,libbenchlib.so -o $@ $<

$(BENCH_DIR)/plt-call: bench/plt-call.c bench/bench-report.h $(BENCH_DIR)/libbenchlib.so | $(BENCH_DIR)
	$(CC) $(CFLAGS_COMMON) -O0 -g -o $@ $< -L$(BENCH_DIR) -lbenchlib '-Wl,-rpath,$$ORIGIN'

$(BENCH_DIR)/ptrace-floor $(BENCH_DIR)/run-measured: $(BENCH_DIR)/%: bench/%.c | $(BENCH_DIR)
	$(CC) $(CFLAGS_COMMON) -O2 -g -o $@ $<
