# Uprobe engine targets (see hits.c): built -O0 so each function starts with `push %rbp`, the
# instruction uprobes emulate, and -O2 where the first instruction is single-stepped.
ALL += $(BUILD)/uprobe-hits $(BUILD)/uprobe-hits-O2

$(BUILD)/uprobe-hits: uprobe-targets/hits.c | $(BUILD)
	$(CC) $(CFLAGS_COMMON) -O0 -g -o $@ $<

$(BUILD)/uprobe-hits-O2: uprobe-targets/hits.c | $(BUILD)
	$(CC) $(CFLAGS_COMMON) -O2 -g -fno-omit-frame-pointer -o $@ $<
