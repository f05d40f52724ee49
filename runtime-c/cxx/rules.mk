# The C++ target (shapes.cpp: namespaces, overloads, templates, ctor/dtor, a lambda, an operator;
# it prints its own call counts) with DWARF, and without (its symbol table only: names from
# demangling).
ALL += $(BUILD)/cxx-shapes $(BUILD)/cxx-shapes-nodebug
CXX ?= g++
$(BUILD)/cxx-shapes: cxx/shapes.cpp | $(BUILD)
	$(CXX) $(CFLAGS_COMMON) -O0 -g -o $@ $<
$(BUILD)/cxx-shapes-nodebug: cxx/shapes.cpp | $(BUILD)
	$(CXX) $(CFLAGS_COMMON) -O0 -o $@ $<
