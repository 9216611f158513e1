# evlake build. One entry point; see README.md.
#   make            release build: build/release/evlake and build/release/libevlake.a
#   make test       unit + integration tests, then the same tests under ASan+UBSan (SAN=1)
#   make bench      benchmarks, JSON output, side by side with DuckDB
#   make fuzz       libFuzzer targets (clang), a short run of each over its corpus
#   make demo       the one-command demo pipeline
#   make SAN=1      sanitizer build in build/san
# Dependencies come from Debian packages: scripts/deps.sh installs what is missing.

CC ?= cc
SAN ?= 0
CI ?=
ifeq ($(SAN),1)
  BUILD ?= build/san
  OPT := -O1 -g -march=x86-64-v2 -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
  LDSAN := -fsanitize=address,undefined
else
  BUILD ?= build/release
  OPT := -O2 -g -march=x86-64-v2
  LDSAN :=
endif

# -Wformat-truncation is off: evlake truncates messages and paths on purpose and checks lengths
# where they matter; gcc's heuristic flags every bounded snprintf.
WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla -Wno-format-truncation
ifeq ($(CI),true)
  WARN += -Werror
endif
ifneq ($(WERROR),)
  WARN += -Werror
endif

CPPFLAGS := -D_GNU_SOURCE $(addprefix -I,$(wildcard src/*))
CFLAGS := -std=c11 $(OPT) $(WARN) -pthread -MMD -MP
LDLIBS := -lisal -ldeflate -lzstd -lsnappy -llz4 -lz -lsqlite3 -lyaml -lpthread -lm
TEST_LDLIBS := -lcmocka
CLI_LDLIBS := -ledit

# LIB_SRCS may be narrowed on the command line to build one layer while others are in progress.
LIB_SRCS ?= $(filter-out src/cli/%,$(wildcard src/*/*.c))
CLI_SRCS := $(wildcard src/cli/*.c)
TEST_SRCS := $(filter-out tests/util/%,$(wildcard tests/*/test_*.c))
TEST_UTIL_SRCS := $(wildcard tests/util/*.c)
FUZZ_TARGETS := $(notdir $(patsubst %/,%,$(dir $(wildcard fuzz/*/fuzz.c))))
BENCH_SRCS := $(wildcard bench/*.c)

LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
CLI_OBJS := $(CLI_SRCS:%.c=$(BUILD)/obj/%.o)
TEST_BINS := $(TEST_SRCS:tests/%.c=$(BUILD)/tests/%)
TEST_UTIL_OBJS := $(TEST_UTIL_SRCS:%.c=$(BUILD)/obj/%.o)
REPLAY_BINS := $(FUZZ_TARGETS:%=$(BUILD)/fuzz/replay_%)
BENCH_BINS := $(BENCH_SRCS:bench/%.c=$(BUILD)/bench/%)
LIB := $(BUILD)/libevlake.a
BIN := $(BUILD)/evlake

.PHONY: all deps test test-one bench fuzz demo clean check-symbols format
all: $(BIN)

deps:
	@sh scripts/deps.sh

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BIN): $(CLI_OBJS) $(LIB)
	$(CC) $(CFLAGS) $(LDSAN) -o $@ $(CLI_OBJS) $(LIB) $(LDLIBS) $(CLI_LDLIBS)
	@sh scripts/check-symbols.sh $(LIB)

$(BUILD)/tests/%: tests/%.c $(LIB) $(TEST_UTIL_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Itests/util $(CFLAGS) $(LDSAN) -o $@ $< $(TEST_UTIL_OBJS) $(LIB) $(LDLIBS) $(TEST_LDLIBS)

# A fuzz target's corpus is replayed by the test suite through a plain main (fuzz/replay.c),
# so every build (gcc, sanitizers) checks the hostile inputs, not only libFuzzer runs.
$(BUILD)/fuzz/replay_%: fuzz/%/fuzz.c fuzz/replay.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDSAN) -o $@ fuzz/$*/fuzz.c fuzz/replay.c $(LIB) $(LDLIBS)

$(BUILD)/bench/%: bench/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDSAN) -o $@ $< $(LIB) $(LDLIBS)

# test-one: the suite against one build (release or SAN=1).
test-one: $(BIN) $(TEST_BINS) $(REPLAY_BINS)
	@sh scripts/run-tests.sh $(BUILD)

test: deps
	@mkdir -p build; $(MAKE) --no-print-directory test-one SAN=0 > build/test-release.log 2>&1; \
	  rc1=$$?; cat build/test-release.log | grep -v '^\(cc\|ar\|rm\) ' ; \
	  $(MAKE) --no-print-directory test-one SAN=1 > build/test-san.log 2>&1; \
	  rc2=$$?; grep -v '^\(cc\|ar\|rm\) ' build/test-san.log; \
	  sh scripts/sum-tests.sh build/test-release.log build/test-san.log; \
	  [ $$rc1 -eq 0 ] && [ $$rc2 -eq 0 ]

bench: deps $(BIN) $(BENCH_BINS)
	@sh scripts/bench.sh $(BUILD)

FUZZ_CC ?= clang
fuzz: deps
	@sh scripts/fuzz.sh "$(FUZZ_CC)" "$(CPPFLAGS)" "$(LDLIBS)" $(FUZZ_TARGETS)

demo: deps $(BIN)
	@sh scripts/demo.sh $(BIN)

format:
	clang-format -i $(wildcard src/*/*.[ch] tests/*/*.[ch] bench/*.c fuzz/*.c fuzz/*/*.c)

clean:
	rm -rf build

-include $(LIB_OBJS:.o=.d) $(CLI_OBJS:.o=.d) $(TEST_UTIL_OBJS:.o=.d) $(TEST_BINS:=.d) $(REPLAY_BINS:=.d) $(BENCH_BINS:=.d)
