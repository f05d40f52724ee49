# The in-process engine's in-target runtime (raw bytes + its symbol offsets, see utap-inproc.c)
# and the harness that runs JITted handlers against it without patching any target.
ALL += $(BUILD)/utap-inproc.bin $(BUILD)/jit-harness
INPROC_CFLAGS := -O2 -fPIC -fvisibility=hidden -ffreestanding -fno-builtin -nostdlib -fno-stack-protector \
	-fcf-protection=none -fno-jump-tables -fno-asynchronous-unwind-tables -fno-tree-loop-distribute-patterns \
	-mgeneral-regs-only -mfsgsbase
$(BUILD)/utap-inproc.bin: inproc/utap-inproc.c inproc/utap-inproc-layout.h inproc/rules.mk | $(BUILD)
	$(CC) $(CFLAGS_COMMON) $(INPROC_CFLAGS) -static -Wl,-Ttext=0 -Wl,--build-id=none -Wl,-e,0 -Wl,-z,norelro -Wl,-z,noexecstack \
		-o $(BUILD)/utap-inproc.elf $<
	@# code only: nothing writable, no constants outside .text, no dynamic relocations
	@test -z "$$(objdump -h $(BUILD)/utap-inproc.elf | awk '$$2 ~ /^\.(data|bss|rodata|got|got\.plt|rela\.dyn|dynamic)/ && $$3 != "0000000000000000"')" \
		|| { echo "utap-inproc.elf has sections other than .text" >&2; exit 1; }
	@test "$$(objdump -h $(BUILD)/utap-inproc.elf | awk '$$2 == ".text" {print $$4}')" = "0000000000000000" \
		|| { echo "utap-inproc.elf: .text must start at 0" >&2; exit 1; }
	nm --defined-only $(BUILD)/utap-inproc.elf | awk '$$2 ~ /[tT]/ {print $$3, $$1}' > $(BUILD)/utap-inproc.syms
	objcopy -O binary -j .text $(BUILD)/utap-inproc.elf $@
$(BUILD)/jit-harness: inproc/jit-harness.c inproc/utap-inproc-layout.h | $(BUILD)
	$(CC) $(CFLAGS_COMMON) -O2 -g -pthread -mfsgsbase -o $@ $<
