# Native helpers loaded with koffi.
ALL += $(BUILD)/libutap-native.so
$(BUILD)/libutap-native.so: native/utap-native.c native/guardian-patches.c | $(BUILD)
	$(CC) $(CFLAGS_COMMON) -O2 -fPIC -shared -o $@ $^
