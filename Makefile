# moe-mlir entry points: `make demo` runs the main job, `make check` runs every test.
# Both install missing Debian packages, configure with CMake (Ninja when present)
# and build incrementally into $(BUILD_DIR).

BUILD_DIR ?= build
LLVM_PREFIX ?= /usr/lib/llvm-22
BUILD_TYPE ?= Release
JOBS ?= 2

GENERATOR := $(if $(shell command -v ninja 2>/dev/null),Ninja,Unix Makefiles)
LAUNCHER := $(if $(shell command -v ccache 2>/dev/null),-DCMAKE_CXX_COMPILER_LAUNCHER=ccache,)

.PHONY: all deps configure build demo check docs clean

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

# Regenerates the dialect and pass references in docs/ from ODS.
docs: configure
	cmake --build $(BUILD_DIR) --target MoEDocGen MoEConversionPassDocGen MoEPassDocGen
	cp $(BUILD_DIR)/dialects/MoE/MoEDialect.md docs/MoEDialect.md
	cp $(BUILD_DIR)/passes/GraphPasses.md docs/GraphPasses.md
	cp $(BUILD_DIR)/include/moe/Conversion/ConversionPasses.md docs/ConversionPasses.md

clean:
	rm -rf $(BUILD_DIR)
