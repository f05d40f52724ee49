# Targets for the engines' end-to-end tests: each prints its own ground truth.
TARGETS := counter
ALL += $(addprefix $(BUILD)/,$(TARGETS)) $(BUILD)/counter-nopie
$(BUILD)/counter: targets/counter.c | $(BUILD)
	$(CC) $(CFLAGS_COMMON) -O0 -g -o $@ $<
$(BUILD)/counter-nopie: targets/counter.c | $(BUILD)
	$(CC) $(CFLAGS_COMMON) -O2 -g -no-pie -fno-pie -o $@ $<
