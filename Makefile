# pyemu — the two commands a newcomer needs are `make run` and `make test`.
# Both create/refresh .venv and rebuild the C extension when firmware C changes.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
STAMP  := $(VENV)/.installed

FW_LAYERS := firmware/core firmware/proto firmware/device
FW_SRC    := $(foreach d,$(FW_LAYERS),$(wildcard $(d)/*.c))
FW_HDR    := $(foreach d,$(FW_LAYERS),$(wildcard $(d)/*.h))
CDEFS     := $(wildcard pyemu/_cdef/*.cdef)
EXT_STAMP := pyemu/.core-built

# Strict flags for every C file of the firmware (host and board builds).
CWARN   := -std=c99 -Wall -Wextra -Wconversion -Wsign-conversion -Wshadow \
           -Wstrict-prototypes -Wmissing-prototypes -Wpedantic -Werror
CINC    := $(addprefix -I,$(FW_LAYERS))
SANFLAGS:= -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -g -O1
CTEST_SRC := $(wildcard firmware/tests/test_*.c)
CTEST_BIN := $(patsubst firmware/tests/%.c,build/ctest/%,$(CTEST_SRC))

HYPOTHESIS_PROFILE ?= ci
PYTEST_ARGS ?=

.PHONY: run test venv ext ctest pytest clean help firmware bench

help:
	@echo "make run    - the built-in demo: a 6-month therapy on an emulated pump"
	@echo "make test   - build everything and run the whole test suite (C + Python)"
	@echo "make ctest  - only the C tests, under AddressSanitizer/UBSan"
	@echo "make clean  - remove build products and the virtual environment"

run: ext
	$(PY) -m pyemu demo

test: ext ctest
	HYPOTHESIS_PROFILE=$(HYPOTHESIS_PROFILE) $(PY) -m pytest -q $(PYTEST_ARGS)

venv: $(STAMP)
$(STAMP): pyproject.toml setup.py
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e '.[test]'
	touch $@

# pip install -e does not notice changed C: rebuild the extension in place.
ext: $(EXT_STAMP)
$(EXT_STAMP): $(STAMP) $(FW_SRC) $(FW_HDR) $(CDEFS) pyemu/_build_core.py
	$(PY) setup.py -q build_ext --inplace
	$(PY) -c "import pyemu._core"
	touch $@

ctest: $(CTEST_BIN)
	@set -e; for t in $(CTEST_BIN); do echo "== $$t"; ./$$t; done

build/ctest/%: firmware/tests/%.c $(FW_SRC) $(FW_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(CWARN) $(SANFLAGS) $(CINC) -o $@ $< $(FW_SRC)

clean:
	rm -rf build $(VENV) $(EXT_STAMP) pyemu/_core*.so pyemu/_core.c *.egg-info
