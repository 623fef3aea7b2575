# moe-mlir entry points: `make demo` runs the main job, `make check` runs every test.
# Both install missing Debian packages, configure with CMake (Ninja when present)
# and build incrementally into $(BUILD_DIR).

BUILD_DIR ?= build
LLVM_PREFIX ?= /usr/lib/llvm-22
BUILD_TYPE ?= Release
JOBS ?= 2
# The ASan+UBSan build with the libFuzzer targets (check-sanitize, fuzz).
SANITIZE_DIR ?= build-sanitize
SANITIZE_CC ?= clang-22
SANITIZE_CXX ?= clang++-22
# Seconds each fuzz target runs in `make fuzz`.
FUZZ_SECONDS ?= 60

GENERATOR := $(if $(shell command -v ninja 2>/dev/null),Ninja,Unix Makefiles)
LAUNCHER := $(if $(shell command -v ccache 2>/dev/null),-DCMAKE_CXX_COMPILER_LAUNCHER=ccache,)

.PHONY: all deps configure build demo check docs clean check-sanitize \
  build-sanitize fuzz fuzz-runtime bundle

all: build

deps:
	@./utils/ensure-deps.sh

$(BUILD_DIR)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD_DIR) -G "$(GENERATOR)" $(LAUNCHER) \
	  -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) \
	  -DMLIR_DIR=$(LLVM_PREFIX)/lib/cmake/mlir \
	  -DLLVM_EXTERNAL_LIT=$(LLVM_PREFIX)/bin/lit

configure: deps $(BUILD_DIR)/CMakeCache.txt

build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

demo: build
	@./utils/demo.sh $(BUILD_DIR)

check: build
	@./utils/check.sh $(BUILD_DIR)

# The same suite built with ASan+UBSan (and libFuzzer coverage) by clang.
$(SANITIZE_DIR)/CMakeCache.txt: | deps
	cmake -S . -B $(SANITIZE_DIR) -G "$(GENERATOR)" $(LAUNCHER) \
	  -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) \
	  -DCMAKE_C_COMPILER=$(SANITIZE_CC) -DCMAKE_CXX_COMPILER=$(SANITIZE_CXX) \
	  -DMOE_SANITIZE=ON -DMOE_FUZZ=ON \
	  -DMLIR_DIR=$(LLVM_PREFIX)/lib/cmake/mlir \
	  -DLLVM_EXTERNAL_LIT=$(LLVM_PREFIX)/bin/lit

build-sanitize: deps $(SANITIZE_DIR)/CMakeCache.txt
	cmake --build $(SANITIZE_DIR) -j $(JOBS)

check-sanitize: build-sanitize
	@./utils/check.sh $(SANITIZE_DIR)

# Runs every libFuzzer target FUZZ_SECONDS seconds; logs in $(SANITIZE_DIR)/fuzz.
fuzz: build-sanitize
	@./utils/fuzz.sh $(SANITIZE_DIR) $(FUZZ_SECONDS)

# The runtime's fuzz targets only (npy, manifest, elf-manifest): they build in
# a minute, without the compiler's libraries; what CI runs under ASan+UBSan.
RUNTIME_FUZZ_TARGETS := npy manifest elf-manifest
fuzz-runtime: deps $(SANITIZE_DIR)/CMakeCache.txt
	cmake --build $(SANITIZE_DIR) -j $(JOBS) --target \
	  $(addprefix moe-fuzz-,$(RUNTIME_FUZZ_TARGETS))
	@./utils/fuzz.sh $(SANITIZE_DIR) $(FUZZ_SECONDS) $(RUNTIME_FUZZ_TARGETS)

# The self-contained compiler bundle: dist/moe-mlir-bundle-x86_64.tar.xz.
bundle: build
	@JOBS=$(JOBS) ./utils/bundle.sh $(BUILD_DIR) dist

# Regenerates the dialect and pass references in docs/ from ODS.
docs: configure
	cmake --build $(BUILD_DIR) --target MoEDocGen MoEConversionPassDocGen MoEPassDocGen
	cp $(BUILD_DIR)/dialects/MoE/MoEDialect.md docs/MoEDialect.md
	cp $(BUILD_DIR)/dialects/TMTensor/TMTensorDialect.md docs/TMTensorDialect.md
	cp $(BUILD_DIR)/passes/GraphPasses.md docs/GraphPasses.md
	cp $(BUILD_DIR)/include/moe/Conversion/ConversionPasses.md docs/ConversionPasses.md

clean:
	rm -rf $(BUILD_DIR)
