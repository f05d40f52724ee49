# The metrics tests' target: timed_call(us) with a known latency distribution (see latency.c).
ALL += $(BUILD)/latency
$(BUILD)/latency: latency/latency.c targets/wait-go.h | $(BUILD)
	$(CC) $(CFLAGS_COMMON) -O0 -g -o $@ $<
