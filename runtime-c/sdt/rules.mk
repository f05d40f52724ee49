# The SDT marker target (see sdt-target.c), at -O0 and -O2 so that the markers' arguments take
# the stack-slot forms and the register/constant/RIP-relative/indexed forms GCC emits.
ALL += $(BUILD)/sdt-target-O0 $(BUILD)/sdt-target-O2
SDT_SOURCES := sdt/sdt-target.c sdt/sdt-guarded.c
$(BUILD)/sdt-target-O0: $(SDT_SOURCES) targets/wait-go.h | $(BUILD)
	$(CC) $(CFLAGS_COMMON) -O0 -o $@ $(SDT_SOURCES)
$(BUILD)/sdt-target-O2: $(SDT_SOURCES) targets/wait-go.h | $(BUILD)
	$(CC) $(CFLAGS_COMMON) -O2 -o $@ $(SDT_SOURCES)

# libstdc++'s markers (a library's markers, in a relocatable file): a C++ program throwing.
ALL += $(BUILD)/sdt-throw
$(BUILD)/sdt-throw: sdt/sdt-throw.cc targets/wait-go.h | $(BUILD)
	g++ $(CFLAGS_COMMON) -O1 -o $@ $<

# The same with DWARF, for globals read by name at a marker ($counter_global, @var("table")).
ALL += $(BUILD)/sdt-target-g
$(BUILD)/sdt-target-g: $(SDT_SOURCES) targets/wait-go.h | $(BUILD)
	$(CC) $(CFLAGS_COMMON) -O2 -g -o $@ $(SDT_SOURCES)
