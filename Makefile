# pyemu — the two commands a newcomer needs are `make run` and `make test`.
# Both create/refresh .venv and rebuild the C extension when firmware C changes.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
STAMP  := $(VENV)/.installed

FW_LAYERS := firmware/core firmware/plant firmware/proto firmware/device firmware/crypto
FW_SRC    := $(foreach d,$(FW_LAYERS),$(wildcard $(d)/*.c))
FW_HDR    := $(foreach d,$(FW_LAYERS),$(wildcard $(d)/*.h))
CDEFS     := $(wildcard pyemu/_cdef/*.cdef)
# The host port (the serve loop's usual turn): in the extension, never in a board image.
HOST_PORT := $(wildcard firmware/ports/host/*.c firmware/ports/host/*.h)
EXT_STAMP := pyemu/.core-built

# Strict flags for every C file of the firmware (host, board and extension builds):
# defined once in firmware/cwarn.flags, which setup.py reads for the cffi extension.
CWARN_FILE := firmware/cwarn.flags
CWARN   := $(shell sed -e 's/\#.*//' $(CWARN_FILE))
CINC    := $(addprefix -I,$(FW_LAYERS))
SANFLAGS:= -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -g -O1
CTEST_SRC := $(wildcard firmware/tests/test_*.c)
CTEST_BIN := $(patsubst firmware/tests/%.c,build/ctest/%,$(CTEST_SRC))

HYPOTHESIS_PROFILE ?= ci
PYTEST_ARGS ?=

.PHONY: run test venv ext ctest pytest clean help firmware bench fuzz fuzz-build soak gen

help:
	@echo "make run    - the built-in demo: a 6-month therapy on an emulated pump"
	@echo "make test   - build everything and run the whole test suite (C + Python)"
	@echo "make ctest  - only the C tests, under AddressSanitizer/UBSan"
	@echo "make firmware - cross-compile the board images (QEMU netduinoplus2, NUCLEO-F4)"
	@echo "make bench  - speed figures beside their peers (bench-results/bench.json)"
	@echo "make soak   - the attack harnesses and fault tests at full size (long; not in make test)"
	@echo "make gen    - regenerate the codecs, enums, vectors and spec tables from protocol/*.json"
	@echo "make clean  - remove build products and the virtual environment"

# The generator is a tool of the checkout (protocol/tools/), not of the package;
# tests/protocol/test_generated.py fails while any output is stale.
gen: $(STAMP)
	$(PY) protocol/tools/gen.py

run: ext
	$(PY) -m pyemu demo

test: ext ctest
	HYPOTHESIS_PROFILE=$(HYPOTHESIS_PROFILE) $(PY) -m pytest -q $(PYTEST_ARGS)

venv: $(STAMP)
$(STAMP): pyproject.toml setup.py
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip "setuptools>=77" "cffi>=1.15"  # `make ext` runs setup.py with the venv's setuptools
	$(PIP) install -q -e '.[test]'
	touch $@

# pip install -e does not notice changed C: rebuild the extension in place.
ext: $(EXT_STAMP)
$(EXT_STAMP): $(STAMP) $(FW_SRC) $(FW_HDR) $(HOST_PORT) $(CDEFS) pyemu/_build_core.py setup.py $(CWARN_FILE)
	$(PY) setup.py -q build_ext --inplace --force
	$(PY) -c "import pyemu._core"
	touch $@

ctest: $(CTEST_BIN)
	@set -e; for t in $(CTEST_BIN); do echo "== $$t"; ./$$t; done

build/ctest/%: firmware/tests/%.c $(FW_SRC) $(FW_HDR) $(wildcard firmware/tests/*.h) $(CWARN_FILE)
	@mkdir -p $(dir $@)
	$(CC) $(CWARN) $(SANFLAGS) $(CINC) -o $@ $< $(FW_SRC)

# ---- Board firmware: the same C cross-compiled for a Cortex-M4 ------------------
# Images in build/firmware/: qemu_netduinoplus2.elf (QEMU, CI), nucleo_f4.elf/.bin
# (NUCLEO-F401RE/F446RE), and *_echo.elf (serial-link bring-up, no pump).
# The linker script stops an image over budget (64 KiB flash, 24 KiB RAM: see
# firmware/ports/README.md "Budget" for why it grew from 32 / 16 KiB);
# a link that pulls in malloc or printf is refused.
ARM_CC    ?= arm-none-eabi-gcc
ARM_SIZE  ?= arm-none-eabi-size
ARM_NM    ?= arm-none-eabi-nm
ARM_OBJCOPY ?= arm-none-eabi-objcopy
FWB       := build/firmware
PORTC     := firmware/ports/common
PORT_LIB  := $(addprefix $(PORTC)/,ring.c uart.c clock.c startup.c panic_hooks.c libc_small.c)
# Role keys (protocol/spec.md 6.1): none by default (an open pump). With
# KEYS=FILE (a `pyemu keys` file) the pump images are provisioned with it; they
# go to build/firmware/provisioned/ (mode 0700: they hold the keys), with the
# generated board_keys.c, and never into the source tree.
ifneq ($(strip $(KEYS)),)
FWB       := build/firmware/provisioned
PORT_KEYS := $(FWB)/board_keys.c
else
PORT_KEYS := $(PORTC)/no_keys.c
endif
PORT_APP  := $(addprefix $(PORTC)/,main.c indicator.c) $(PORT_KEYS)
PORT_HDR  := $(wildcard firmware/ports/*/*.h) $(wildcard firmware/ports/*/*.ld)
# The board runs the same session code as the emulator (no DEVICE_NO_AUTH).
# -ffreestanding: no hosted library (the core then has no stdio path); failed
# invariants go to the port's panic (panic_hooks.h, force-included).
BOARD_RAM_BUDGET   ?= 24576
BOARD_FLASH_BUDGET ?= 65536
# Stack reserved below .data; firmware/ports/stack_check.py proves the worst
# case (main + both interrupt handlers) fits, from GCC's call-graph files.
# 3,328 B: the deepest path seals a frame (HMAC-SHA256, ~1 KiB); see firmware/ports/README.md.
BOARD_STACK        := 3328
# -fno-tree-loop-distribute-patterns: libc_small.c's loops stay loops (not calls to themselves).
BOARD_CFLAGS  := $(CWARN) -mcpu=cortex-m4 -mthumb -Os -ffunction-sections -fdata-sections -g \
                 -fno-tree-loop-distribute-patterns \
                 -ffreestanding -DPUMP_ASSERT_HOOK=board_assert_hook -include panic_hooks.h \
                 $(CINC) -I$(PORTC)
BOARD_LDFLAGS = -nostartfiles --specs=nano.specs -Wl,--gc-sections -L$(PORTC) \
                -Wl,--defsym=STACK_SIZE=$(BOARD_STACK) \
                -Wl,--defsym=BUDGET_RAM=$(BOARD_RAM_BUDGET) -Wl,--defsym=BUDGET_FLASH=$(BOARD_FLASH_BUDGET)
BOARD_FORBIDDEN := malloc|_malloc_r|calloc|realloc|free|_free_r|printf|_printf_r|vfprintf|_vfprintf_r|sprintf|snprintf|puts|fputs
FW_ELFS   := $(FWB)/qemu_netduinoplus2.elf $(FWB)/nucleo_f4.elf $(FWB)/qemu_echo.elf $(FWB)/nucleo_echo.elf

# $(1) image name, $(2) port directory, $(3) sources
define board_image
# Outputs are written under a temporary name and renamed when complete: a
# QEMU started meanwhile (tests running in parallel) never loads half an image.
$(FWB)/$(1).elf: $(3) $(FW_HDR) $(PORT_HDR) firmware/ports/stack_check.py Makefile $(CWARN_FILE)
	@mkdir -p $(FWB)/ci && rm -f $(FWB)/ci/$(1)-*.ci
	$(ARM_CC) $(BOARD_CFLAGS) -fcallgraph-info=su -dumpdir $(FWB)/ci/$(1)- -o $$@.tmp $(3) \
	    $(BOARD_LDFLAGS) -T firmware/ports/$(2)/link.ld -Wl,-Map=$(FWB)/$(1).map
	@if $(ARM_NM) $$@.tmp | grep -qwE '$(BOARD_FORBIDDEN)'; then \
	    echo "$$@ links malloc/printf:"; $(ARM_NM) $$@.tmp | grep -wE '$(BOARD_FORBIDDEN)'; rm -f $$@.tmp; exit 1; fi
	@ARM_NM=$(ARM_NM) $(PYTHON) firmware/ports/stack_check.py $(BOARD_STACK) $$@.tmp $(FWB)/ci/$(1)-*.ci \
	    > $(FWB)/$(1).stack.tmp || { cat $(FWB)/$(1).stack.tmp; rm -f $$@.tmp; exit 1; }
	@mv -f $(FWB)/$(1).stack.tmp $(FWB)/$(1).stack && mv -f $$@.tmp $$@
endef
$(eval $(call board_image,qemu_netduinoplus2,qemu_netduinoplus2,$(PORT_APP) $(PORT_LIB) firmware/ports/qemu_netduinoplus2/board_qemu.c $(FW_SRC)))
$(eval $(call board_image,nucleo_f4,nucleo_f4,$(PORT_APP) $(PORT_LIB) firmware/ports/nucleo_f4/board_nucleo.c $(FW_SRC)))
$(eval $(call board_image,qemu_echo,qemu_netduinoplus2,$(PORTC)/echo_main.c $(PORT_LIB) firmware/ports/qemu_netduinoplus2/board_qemu.c))
$(eval $(call board_image,nucleo_echo,nucleo_f4,$(PORTC)/echo_main.c $(PORT_LIB) firmware/ports/nucleo_f4/board_nucleo.c))

# Regenerated on every run (the key file may change under the same name);
# make_keys.py rewrites it only when its content changes.
.PHONY: FORCE
$(FWB)/board_keys.c: FORCE
	@mkdir -p $(FWB) && chmod 700 $(FWB)
	@$(PYTHON) firmware/ports/make_keys.py '$(KEYS)' $@

# The host test of the ports' portable logic includes their sources.
build/ctest/test_board_logic: $(wildcard $(PORTC)/*.c $(PORTC)/*.h)

$(FWB)/%.bin: $(FWB)/%.elf
	$(ARM_OBJCOPY) -O binary $< $@.tmp && mv -f $@.tmp $@

firmware: $(FW_ELFS) $(FWB)/nucleo_f4.bin
	@$(ARM_SIZE) $(FW_ELFS) | awk -v fb=$(BOARD_FLASH_BUDGET) -v rb=$(BOARD_RAM_BUDGET) \
	    'NR > 1 { f = $$1 + $$2; r = $$2 + $$3; \
	      printf "%-36s flash %6d B (%5.1f%% of %d)   RAM %6d B (%5.1f%% of %d)\n", \
	      $$6, f, f * 100 / fb, fb, r, r * 100 / rb, rb; if (f > fb || r > rb) over = 1 } \
	    END { if (over) { print "firmware over budget"; exit 1 } }'
	@for i in $(FW_ELFS); do printf '%-36s' $$i; cat $${i%.elf}.stack; done

# ---- Benchmark: every figure beside its peer, measured in one run ----------------
# The peers (pymavlink, pymodbus, dask) are bench-only extras; results also go to
# bench-results/bench.json for comparing commits.
BENCH_STAMP := $(VENV)/.bench-installed
$(BENCH_STAMP): $(STAMP)
	$(PIP) install -q -e '.[test,bench]'
	touch $@

bench: $(BENCH_STAMP) ext
	$(PY) -m bench

# ---- Soak: the attack harnesses at full size ------------------------------------------
# The same tests `make test` runs small (tests/soak.py): pipelining, monitor beside
# ctl, keyless floods, seq collisions, damaged state files, kill -9 and power cuts,
# years of therapy over a noisy line, mutated frames. Tens of minutes; `make fuzz`
# runs the C fuzzers for longer.
SOAK_TESTS := tests/faults tests/host/test_serve_clients.py tests/host/test_kill_restart.py \
              tests/host/test_seq_collision.py tests/host/test_serve.py tests/host/test_statefile.py \
              tests/security/test_auth_flood.py tests/security/test_fuzz_python.py tests/security/test_cli_fuzz.py

soak: ext
	PYEMU_SOAK=1 HYPOTHESIS_PROFILE=deep $(PY) -m pytest -q --durations=10 $(SOAK_TESTS)

# ---- Fuzzing: libFuzzer over the C frame decoder and the device dispatcher ----------
# ASan+UBSan; seeds in firmware/fuzz/corpus (from protocol/vectors, make_corpus.py);
# inputs found go to build/fuzz/corpus-*. tests/security/test_fuzz_c.py runs both
# for a bounded time in `make test`; `make fuzz FUZZ_SECONDS=600` for a longer run.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 30
FUZZ_FLAGS   := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
                -fno-omit-frame-pointer -g -O1
FUZZ_BIN     := build/fuzz/fuzz_proto build/fuzz/fuzz_device

build/fuzz/fuzz_%: firmware/fuzz/fuzz_%.c $(FW_SRC) $(FW_HDR) firmware/tests/therapy_msgs.h $(CWARN_FILE)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CWARN) $(FUZZ_FLAGS) $(CINC) -o $@ $< $(FW_SRC)

fuzz-build: $(FUZZ_BIN)

fuzz: $(FUZZ_BIN)
	@set -e; for t in proto device; do mkdir -p build/fuzz/corpus-$$t; \
	    ./build/fuzz/fuzz_$$t build/fuzz/corpus-$$t firmware/fuzz/corpus/$$t \
	    -max_total_time=$(FUZZ_SECONDS) -timeout=10 -print_final_stats=1 \
	    -artifact_prefix=build/fuzz/crash-$$t-; done

clean:
	rm -rf build $(VENV) $(EXT_STAMP) pyemu/_core*.so pyemu/_core.c *.egg-info
