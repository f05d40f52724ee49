# Targets for the engines' end-to-end tests: each prints its own ground truth (see each file's
# header). With a trailing `wait` argument they print `ready pid=N` and wait for a line on
# stdin (wait-go.h), so -p tests can attach before they run.
#
#   counter, counter-nopie   work() N times, fib(10)
#   threads                  (i + 1) * BASE calls of tick() in thread i, per-thread counts
#   recurse                  recursive depth(), the sum of every call's return value
#   loader, libplugin.so     lib_add() in libfixture.so, then plugin_step() in a dlopened library
#   alloc                    fixture_alloc(), a malloc-like function, reporting which calls failed
#   overwrite                handle(struct item *, name, n) whose memory main overwrites after each call
#   many                     op_00..op_23, op_wide, other_fn, tail_a/tail_b: many functions one pattern matches
#   untouched                show(text, anon, zero): pointers into pages the process never touched
#   stall                    show(text) whose first touch waits on userfaultfd while other threads call show()
#   refused                  locked_add(), vex_load(), locked_bump(p, by): first instructions uprobes refuse; plain_step()
#   ifunc-calls              N calls of libc's strlen, an IFUNC, on a string no other call passes
#   ifunc-user, libifunc.so  N calls of ifunc_add(), an IFUNC whose resolver picks add_fast or add_slow
#   syscalls                 system calls with known numbers, arguments and results, in threads too
#   patch-sites              assembly functions whose first bytes are each a case of jump patching (test/inproc/)
#   fork-child               work() called before and after a fork, in the parent and in the child
#   prefork                  a parent forking (or vfork+exec'ing) W workers that call handle() C times each
#   exec-chain               step() once per image of a chain of execs of itself, then exec of another program
#   file-scope, -nopie       globals, file statics in two units, a struct seen through a void pointer
#   labels                   step(), which loops back to a C label and passes another
#   cxx-shop                 C++: shop::Cart::add overloads, a member template, audit::add
TARGETS := counter
ALL += $(addprefix $(BUILD)/,$(TARGETS)) $(BUILD)/counter-nopie \
       $(BUILD)/threads $(BUILD)/recurse $(BUILD)/loader $(BUILD)/libplugin.so $(BUILD)/alloc $(BUILD)/overwrite \
       $(BUILD)/many $(BUILD)/untouched $(BUILD)/stall $(BUILD)/refused $(BUILD)/ifunc-calls $(BUILD)/libifunc.so $(BUILD)/ifunc-user \
       $(BUILD)/syscalls $(BUILD)/patch-sites $(BUILD)/fork-child $(BUILD)/prefork $(BUILD)/exec-chain \
       $(BUILD)/file-scope $(BUILD)/file-scope-nopie $(BUILD)/labels $(BUILD)/cxx-shop
$(BUILD)/syscalls: targets/syscalls.c targets/wait-go.h | $(BUILD)
	$(CC) $(CFLAGS_COMMON) -O2 -g -pthread -o $@ $<
$(BUILD)/counter: targets/counter.c | $(BUILD)
	$(CC) $(CFLAGS_COMMON) -O0 -g -o $@ $<
$(BUILD)/counter-nopie: targets/counter.c | $(BUILD)
	$(CC) $(CFLAGS_COMMON) -O2 -g -no-pie -fno-pie -o $@ $<
$(BUILD)/threads: targets/threads.c targets/wait-go.h | $(BUILD)
	$(CC) $(CFLAGS_COMMON) -O0 -g -pthread -o $@ $<
$(BUILD)/recurse $(BUILD)/alloc $(BUILD)/many $(BUILD)/untouched: $(BUILD)/%: targets/%.c targets/wait-go.h | $(BUILD)
	$(CC) $(CFLAGS_COMMON) -O0 -g -o $@ $<
$(BUILD)/overwrite: targets/overwrite.c | $(BUILD)
	$(CC) $(CFLAGS_COMMON) -O0 -g -o $@ $<
$(BUILD)/libplugin.so: targets/plugin.c | $(BUILD)
	$(CC) $(CFLAGS_COMMON) -O2 -g -fPIC -shared -Wl,-soname,libplugin.so -o $@ $<
$(BUILD)/loader: targets/loader.c targets/wait-go.h $(BUILD)/libfixture.so | $(BUILD)
	$(CC) $(CFLAGS_COMMON) -O0 -g -o $@ $< -L$(BUILD) -lfixture -ldl '-Wl,-rpath,$$ORIGIN'
$(BUILD)/stall: targets/stall.c | $(BUILD)
	$(CC) $(CFLAGS_COMMON) -O0 -g -pthread -o $@ $<
$(BUILD)/refused: targets/refused.c targets/wait-go.h | $(BUILD)
	$(CC) $(CFLAGS_COMMON) -O0 -g -o $@ $<
$(BUILD)/ifunc-calls: targets/ifunc-calls.c targets/wait-go.h | $(BUILD)
	$(CC) $(CFLAGS_COMMON) -O0 -g -fno-builtin -o $@ $<
$(BUILD)/libifunc.so: targets/ifunc-lib.c | $(BUILD)
	$(CC) $(CFLAGS_COMMON) -O2 -g -fPIC -shared -Wl,-soname,libifunc.so -o $@ $<
$(BUILD)/ifunc-user: targets/ifunc-user.c targets/wait-go.h $(BUILD)/libifunc.so | $(BUILD)
	$(CC) $(CFLAGS_COMMON) -O0 -g -o $@ $< -L$(BUILD) -lifunc -Wl,-z,now '-Wl,-rpath,$$ORIGIN'
$(BUILD)/patch-sites: targets/patch-sites.c | $(BUILD)
	$(CC) $(CFLAGS_COMMON) -O1 -g -pthread -o $@ $<
$(BUILD)/fork-child: targets/fork-child.c | $(BUILD)
	$(CC) $(CFLAGS_COMMON) -O1 -g -o $@ $<
$(BUILD)/prefork: targets/prefork.c targets/wait-go.h | $(BUILD)
	$(CC) $(CFLAGS_COMMON) -O0 -g -o $@ $<
$(BUILD)/exec-chain: targets/exec-chain.c | $(BUILD)
	$(CC) $(CFLAGS_COMMON) -O0 -g -o $@ $<
$(BUILD)/file-scope: targets/file-scope.c targets/file-scope-other.c | $(BUILD)
	$(CC) $(CFLAGS_COMMON) -O0 -g -o $@ targets/file-scope.c targets/file-scope-other.c
$(BUILD)/file-scope-nopie: targets/file-scope.c targets/file-scope-other.c | $(BUILD)
	$(CC) $(CFLAGS_COMMON) -O2 -g -no-pie -fno-pie -o $@ targets/file-scope.c targets/file-scope-other.c
$(BUILD)/labels: targets/labels.c | $(BUILD)
	$(CC) $(CFLAGS_COMMON) -O0 -g -o $@ $<
$(BUILD)/cxx-shop: targets/cxx-shop.cc | $(BUILD)
	g++ $(CFLAGS_COMMON) -O0 -g -o $@ $<
