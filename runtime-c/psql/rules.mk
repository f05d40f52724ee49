# The psql stand-in (qclient.c), built as build/qclient/psql so process("psql") matches it by
# basename. The debug build of the real psql is not made here: runtime-c/psql/build.sh builds it
# from Debian's source into a cache outside the repository (it needs apt and a minute).
ALL += $(BUILD)/qclient/psql

$(BUILD)/qclient/psql: psql/qclient.c | $(BUILD)
	mkdir -p $(BUILD)/qclient
	$(CC) $(CFLAGS_COMMON) -O2 -g -o $@ $<
