# The healer the ptrace engine places in a traced process (raw position-independent bytes, see
# utap-healer.c), the target the survival test kills utap around, and a target with SIGTRAPs
# of its own.
ALL += $(BUILD)/utap-healer.bin $(BUILD)/survivor $(BUILD)/own-trap
HEALER_CFLAGS := -O2 -fPIC -ffreestanding -fno-builtin -nostdlib -fno-stack-protector -fcf-protection=none \
	-fno-jump-tables -fno-asynchronous-unwind-tables -fno-reorder-blocks-and-partition -mgeneral-regs-only
$(BUILD)/utap-healer.bin: healer/utap-healer.c healer/rules.mk | $(BUILD)
	$(CC) $(CFLAGS_COMMON) $(HEALER_CFLAGS) -c -o $(BUILD)/utap-healer.o $<
	@# one function, at offset 0, no relocations, nothing outside .text
	@test "$$(nm --defined-only $(BUILD)/utap-healer.o | awk '$$2 ~ /[tT]/ {print $$1, $$3}')" = "0000000000000000 utap_heal" \
		|| { echo "utap-healer.o: utap_heal must be the only function, at offset 0" >&2; exit 1; }
	@test -z "$$(objdump -r $(BUILD)/utap-healer.o | grep R_X86)" || { echo "utap-healer.o has relocations" >&2; exit 1; }
	@test -z "$$(objdump -h $(BUILD)/utap-healer.o | awk '$$2 ~ /^\.(data|bss|rodata)/ && $$3 != "00000000"')" \
		|| { echo "utap-healer.o has data" >&2; exit 1; }
	objcopy -O binary -j .text $(BUILD)/utap-healer.o $@
$(BUILD)/survivor: healer/survivor.c | $(BUILD)
	$(CC) $(CFLAGS_COMMON) -O1 -g -pthread -o $@ $<
$(BUILD)/own-trap: healer/own-trap.c | $(BUILD)
	$(CC) $(CFLAGS_COMMON) -O1 -g -o $@ $<
