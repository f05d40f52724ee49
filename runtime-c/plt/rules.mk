# The PLT probe target (see plt-target.c) in both stub layouts: classic lazy .plt, and IBT
# (.plt.sec after -fcf-protection) bound at load time (-z now); Debian's crt files carry no IBT note, so -z ibtplt asks ld for .plt.sec.
ALL += $(BUILD)/plt-target-lazy $(BUILD)/plt-target-ibt-now
$(BUILD)/plt-target-lazy: plt/plt-target.c | $(BUILD)
	$(CC) $(CFLAGS_COMMON) -O0 -fno-builtin -fcf-protection=none -Wl,-z,lazy -o $@ $<
$(BUILD)/plt-target-ibt-now: plt/plt-target.c | $(BUILD)
	$(CC) $(CFLAGS_COMMON) -O0 -fno-builtin -fcf-protection=full -Wl,-z,ibtplt -Wl,-z,now -o $@ $<
