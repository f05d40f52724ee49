# LD_PRELOAD shim letting SystemTap's stapbpf start without CAP_SYS_RESOURCE (see memlock-shim.c);
# used only by bench/psql-overhead.ts.
ALL += $(BUILD)/stap-memlock-shim.so

$(BUILD)/stap-memlock-shim.so: stap-shim/memlock-shim.c | $(BUILD)
	$(CC) $(CFLAGS_COMMON) -O2 -fPIC -shared -o $@ $< -ldl
